// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @notice Test-only stand-in for RollupFactory's event (docs/rollups.md): announces made-up rollups
/// in bulk, so a thousand idle rollups cost a multi-rollup node test a few transactions (the real
/// factory, which deploys a clone per rollup, is used everywhere else).
contract TestRollupFactory {
    event RollupCreated(uint64 indexed chainId, address indexed rollup, uint256 index);

    uint256 public rollupCount;

    /// @notice Emits `RollupCreated(chainId, rollup, index)` for a rollup deployed by someone else.
    function announce(uint64 _chainId, address _rollup) external {
        emit RollupCreated(_chainId, _rollup, rollupCount++);
    }

    /// @notice Emits `RollupCreated` for `_count` made-up rollups (chain ids from `_firstChainId`,
    /// addresses derived from them): idle rollups in bulk, for memory measurements.
    function announceMany(uint64 _firstChainId, uint256 _count) external {
        for (uint256 i = 0; i < _count; i++) {
            uint64 chainId = _firstChainId + uint64(i);
            emit RollupCreated(chainId, address(uint160(uint256(keccak256(abi.encode(chainId))))), rollupCount++);
        }
    }
}
