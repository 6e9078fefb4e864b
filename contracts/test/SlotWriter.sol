// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @dev Test-only: the storage-heavy benchmark workload. Each call rewrites the raw storage
///      slots it is given, so one transaction touches many distinct slots of a deep storage trie.
contract SlotWriter {
    /// @dev Stores `_value` at each slot of `_slots` (raw slot numbers, no mapping hashing).
    function write(uint256[] calldata _slots, uint256 _value) external {
        for (uint256 i = 0; i < _slots.length; ++i) {
            uint256 slot = _slots[i];
            assembly {
                sstore(slot, _value)
            }
        }
    }
}
