// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {LibClone} from "solady/src/utils/LibClone.sol";
import {NativeRollup} from "./NativeRollup.sol";

/// @title RollupFactory
/// @notice Creates NativeRollups as clones with immutable arguments (docs/rollups.md): a rollup
///         costs about what its proxy's code does, one storage slot for `rollupOf` and a share of
///         the packed enumeration. One rollup per chain id; the chain id is the CREATE2 salt.
/// @dev Gas per `createRollup` (whole transaction) is measured and broken down in
///      test/contracts/l1/RollupFactory.test.ts. What it pays for, cheapest design first:
///      - the clone: CREATE2 (32,000) + 200 per byte of code: 45 bytes of proxy and at most 128
///        of arguments. Trailing zero bytes of the arguments are left out (a zero retirer and fee
///        recipient save 40 bytes, 8,000 gas); NativeRollup reads them back as zero, since
///        EXTCODECOPY zero-fills past the end of the code;
///      - `rollupOf[chainId]`: a fresh slot (22,100), which uniqueness needs anyway;
///      - the enumeration: the count and the chain ids of the group of four being filled share one
///        slot (5,000 per creation); every fourth creation also writes the full group to a fresh
///        slot (22,100). Chain ids rather than addresses: four fit in a slot.
contract RollupFactory {
    /// @notice The NativeRollup every clone delegates to (a direct deployment with chain id 0,
    ///         born retired, so that it can never be used as a rollup itself).
    address public immutable implementation;

    /// @notice The rollup of each chain id (address(0): none).
    mapping(uint64 chainId => address rollup) public rollupOf;

    /// @dev Bits 0..63: the number of rollups. Bits 64(k+1)..64(k+2)-1 for k < count % 4: the chain
    ///      id of rollup 4·(count / 4) + k, the group not yet full. One slot for the count and the
    ///      group being filled, so that three creations in four write one warm-able slot only.
    uint256 private _tail;
    /// @dev Full groups of four: bits 64k..64k+63 of `_groups[g]` hold the chain id of rollup 4g + k.
    mapping(uint256 group => uint256 chainIds) private _groups;

    /// @notice A rollup was created.
    /// @param chainId Its L2 chain id.
    /// @param rollup Its L1 contract (the clone).
    /// @param index Its position in the enumeration (`rollupAt(index) == rollup`).
    event RollupCreated(uint64 indexed chainId, address indexed rollup, uint256 index);

    /// @dev `createRollup` with a chain id that already has a rollup, `existing`.
    error RollupFactory_ChainIdTaken(uint64 chainId, address existing);
    /// @dev `createRollup` with chain id 0 (not a valid EIP-155 chain id; it marks the implementation).
    error RollupFactory_ZeroChainId();
    /// @dev `rollupAt` / `chainIdAt` with an index at or above `rollupCount()`.
    error RollupFactory_IndexOutOfBounds(uint256 index, uint256 count);

    /// @param _implementation The NativeRollup to clone; address(0): deploy one here (chain id 0,
    ///        born retired). Tests pass a harness.
    constructor(address _implementation) {
        implementation = _implementation != address(0)
            ? _implementation
            : address(new NativeRollup(0, 0, bytes32(0), bytes32(0), 0, address(0), address(0)));
    }

    /// @notice Creates the rollup of `_chainId`: a clone of `implementation` at the CREATE2 address
    ///         of salt `_chainId` (see `predictRollupAddress`). It writes no storage in the clone:
    ///         its head is the genesis given here until its first block is verified.
    /// @param _chainId L2 chain id: not 0, and not taken (`RollupFactory_ChainIdTaken`).
    /// @param _gasLimit L2 block gas limit.
    /// @param _genesisHash Hash of the L2 genesis header.
    /// @param _genesisStateRoot State root of the L2 genesis.
    /// @param _genesisTimestamp Timestamp of the L2 genesis.
    /// @param _feeRecipient Who may withdraw the burned fees (address(0): nobody).
    /// @param _retirer Who may retire the rollup (address(0): nobody).
    /// @return rollup_ The new rollup's L1 contract.
    function createRollup(
        uint64 _chainId,
        uint64 _gasLimit,
        bytes32 _genesisHash,
        bytes32 _genesisStateRoot,
        uint64 _genesisTimestamp,
        address _feeRecipient,
        address _retirer
    ) external returns (address rollup_) {
        require(_chainId != 0, RollupFactory_ZeroChainId());
        address existing = rollupOf[_chainId];
        require(existing == address(0), RollupFactory_ChainIdTaken(_chainId, existing));
        bytes memory args = _args(_chainId, _gasLimit, _genesisHash, _genesisStateRoot, _genesisTimestamp, _feeRecipient, _retirer);
        rollup_ = LibClone.cloneDeterministic(implementation, args, bytes32(uint256(_chainId)));
        rollupOf[_chainId] = rollup_;
        uint256 index = _append(_chainId);
        emit RollupCreated(_chainId, rollup_, index);
    }

    /// @notice The address `createRollup` gives for these arguments (from this factory).
    function predictRollupAddress(
        uint64 _chainId,
        uint64 _gasLimit,
        bytes32 _genesisHash,
        bytes32 _genesisStateRoot,
        uint64 _genesisTimestamp,
        address _feeRecipient,
        address _retirer
    ) external view returns (address) {
        bytes memory args = _args(_chainId, _gasLimit, _genesisHash, _genesisStateRoot, _genesisTimestamp, _feeRecipient, _retirer);
        return LibClone.predictDeterministicAddress(implementation, args, bytes32(uint256(_chainId)), address(this));
    }

    /// @notice How many rollups this factory created.
    function rollupCount() public view returns (uint256) {
        return uint64(_tail);
    }

    /// @notice The chain id of the `_index`-th rollup created (from 0, in creation order).
    function chainIdAt(uint256 _index) public view returns (uint64) {
        uint256 tail = _tail;
        uint256 count = uint64(tail);
        require(_index < count, RollupFactory_IndexOutOfBounds(_index, count));
        uint256 shift = 64 * (_index % 4);
        // Full groups live in `_groups`; the last, partial one in `_tail`, one lane up (lane 0 is the count).
        if (_index / 4 < count / 4) return uint64(_groups[_index / 4] >> shift);
        return uint64(tail >> (shift + 64));
    }

    /// @notice The `_index`-th rollup created (from 0, in creation order).
    function rollupAt(uint256 _index) external view returns (address) {
        return rollupOf[chainIdAt(_index)];
    }

    /// @dev Appends `_chainId` to the enumeration; returns its index.
    function _append(uint64 _chainId) private returns (uint256 index_) {
        uint256 tail = _tail;
        index_ = uint64(tail);
        uint256 lane = index_ % 4;
        if (lane < 3) {
            // count + 1, and the id in lane `lane + 1` of the tail.
            _tail = (tail | (uint256(_chainId) << (64 * (lane + 1)))) + 1;
        } else {
            // The group is full: its first three ids (tail lanes 1..3) and this one move out.
            _groups[index_ / 4] = (tail >> 64) | (uint256(_chainId) << 192);
            _tail = index_ + 1;
        }
    }

    /// @dev The clone's immutable arguments (NativeRollup's ARG_* layout) without trailing zero
    ///      bytes: each costs 200 gas of code deposit, and the clone reads absent bytes as zero.
    function _args(
        uint64 _chainId,
        uint64 _gasLimit,
        bytes32 _genesisHash,
        bytes32 _genesisStateRoot,
        uint64 _genesisTimestamp,
        address _feeRecipient,
        address _retirer
    ) private pure returns (bytes memory args_) {
        args_ = abi.encodePacked(_chainId, _gasLimit, _genesisHash, _genesisStateRoot, _genesisTimestamp, _feeRecipient, _retirer);
        assembly ("memory-safe") {
            let n := mload(args_)
            // Whole zero words first (mload(args_ + n) is the last 32 bytes), then single bytes.
            for {} and(gt(n, 31), iszero(mload(add(args_, n)))) {} { n := sub(n, 32) }
            for {} and(gt(n, 0), iszero(byte(0, mload(add(args_, add(0x1f, n)))))) {} { n := sub(n, 1) }
            mstore(args_, n)
        }
    }
}
