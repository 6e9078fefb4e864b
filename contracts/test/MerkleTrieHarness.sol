// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {MerkleTrie} from "../libraries/MerkleTrie.sol";

/// @dev Test-only: exposes MerkleTrie so tests check it against @ethereumjs/mpt's proofs.
contract MerkleTrieHarness {
    function get(bytes32 _root, bytes calldata _key, bytes[] calldata _proof) external pure returns (bool exists_, bytes memory value_) {
        return MerkleTrie.get(_root, _key, _proof);
    }

    function storageRoot(bytes32 _stateRoot, address _account, bytes[] calldata _proof)
        external
        pure
        returns (bool exists_, bytes32 storageRoot_)
    {
        return MerkleTrie.storageRoot(_stateRoot, _account, _proof);
    }

    function storageValue(bytes32 _storageRoot, bytes32 _slot, bytes[] calldata _proof) external pure returns (uint256) {
        return MerkleTrie.storageValue(_storageRoot, _slot, _proof);
    }

    /// @dev Gas of one `storageValue` verification, measured in the call.
    function storageValueGas(bytes32 _storageRoot, bytes32 _slot, bytes[] calldata _proof) external view returns (uint256 gas_) {
        uint256 before = gasleft();
        MerkleTrie.storageValue(_storageRoot, _slot, _proof);
        gas_ = before - gasleft();
    }
}
