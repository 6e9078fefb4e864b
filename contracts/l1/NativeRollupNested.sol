// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {MerkleTrie} from "../libraries/MerkleTrie.sol";
import {NativeRollupBase} from "./NativeRollupBase.sol";

/// @title NativeRollupNested
/// @notice The nested L2 → L1 calls of `syncExecuteNested` (docs/sync.md, "Nesting"): their
///         transient table, making them inside a sync call's proxy call, and the proof that L2
///         consumed exactly them. Part of NativeRollupSync (a file of its own for size).
abstract contract NativeRollupNested is NativeRollupBase {
    /// @dev The parameters are NativeRollupBase's.
    constructor(
        address _rollup,
        uint64 _chainId,
        uint64 _gasLimit,
        bytes32 _genesisHash,
        bytes32 _genesisStateRoot,
        uint64 _genesisTimestamp,
        address _feeRecipient,
        address _retirer
    ) NativeRollupBase(_rollup, _chainId, _gasLimit, _genesisHash, _genesisStateRoot, _genesisTimestamp, _feeRecipient, _retirer) {}

    /// @dev Writes the nested calls to transient storage (the proxy calls that make them run in
    ///      frames that cannot read this calldata) and each sync entry's count beside its entry.
    function _loadNested(NestedL1Calls calldata _l1) internal {
        _nestedCursor = 0;
        for (uint256 i; i < _l1.perEntry.length; ++i) {
            uint256 slot = _syncSlot(i) + 2;
            uint256 count = _l1.perEntry[i];
            assembly ("memory-safe") {
                tstore(slot, count)
            }
        }
        for (uint256 j; j < _l1.calls.length; ++j) {
            L1Call calldata c = _l1.calls[j];
            require(c.target != address(this), NativeRollup_L1CallToRollup(j));
            uint256 slot = uint256(keccak256(abi.encode(NESTED_TABLE, j)));
            bytes32 result = keccak256(abi.encode(c.success, c.returnData));
            bytes memory data = c.data;
            address from = c.caller;
            address target = c.target;
            assembly ("memory-safe") {
                tstore(slot, from)
                tstore(add(slot, 1), target)
                tstore(add(slot, 2), result)
                let length := mload(data)
                tstore(add(slot, 3), length)
                for { let k := 0 } lt(k, length) { k := add(k, 0x20) } {
                    tstore(add(add(slot, 4), shr(5, k)), mload(add(add(data, 0x20), k)))
                }
            }
        }
    }

    /// @dev Makes the next `_count` nested calls (sync entry i's, inside its proxy call), each from
    ///      the rollup with its L2 caller as `xDomainMessageSender`, and requires the table's result.
    function _makeNested(uint256 _count) internal {
        uint256 first = _nestedCursor;
        _nestedActive = true;
        address outer = _xDomainSender;
        for (uint256 j = first; j < first + _count; ++j) {
            uint256 slot = uint256(keccak256(abi.encode(NESTED_TABLE, j)));
            address from;
            address target;
            bytes32 expected;
            bytes memory data;
            assembly ("memory-safe") {
                from := tload(slot)
                target := tload(add(slot, 1))
                expected := tload(add(slot, 2))
                let length := tload(add(slot, 3))
                data := mload(0x40)
                mstore(data, length)
                for { let k := 0 } lt(k, length) { k := add(k, 0x20) } {
                    mstore(add(add(data, 0x20), k), tload(add(add(slot, 4), shr(5, k))))
                }
                mstore(0x40, add(add(data, 0x20), and(add(length, 0x1f), not(0x1f))))
            }
            _xDomainSender = from;
            (bool ok, bytes memory returnData) = target.call(data);
            require(keccak256(abi.encode(ok, returnData)) == expected, NativeRollup_L1CallResultMismatch(j, from, target, ok, returnData));
        }
        _xDomainSender = outer;
        _nestedActive = false;
        _nestedCursor = first + _count;
    }

    /// @dev Compares the fold of the nested table (as L2Messenger.callL1 computes it) with
    ///      `l1CallsConsumed[number]` proven in the block just verified; returns the fold.
    function _checkNestedConsumed(NestedL1Calls calldata _l1) internal view returns (bytes32 folded_) {
        for (uint256 j; j < _l1.calls.length; ++j) {
            L1Call calldata c = _l1.calls[j];
            bytes32 entry = keccak256(abi.encode(c.caller, c.target, keccak256(c.data), c.success, keccak256(c.returnData)));
            folded_ = keccak256(abi.encode(folded_, entry));
        }
        (, bytes32 storageRoot) = MerkleTrie.storageRoot(_headStateRoot(), L2_MESSENGER, _l1.accountProof);
        bytes32 consumedSlot = keccak256(abi.encode(uint256(_head.number), L1_CALLS_CONSUMED_SLOT));
        bytes32 proven = bytes32(MerkleTrie.storageValue(storageRoot, consumedSlot, _l1.storageProof));
        require(proven == folded_, NativeRollup_L1CallsMismatch(proven, folded_));
    }
}
