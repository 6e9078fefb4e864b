// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @dev Test-only: an L1 contract that makes two calls to one L2Proxy (two sync calls in one L1
///      call) and returns both results; a reverted call's revert data is returned, not bubbled.
contract SyncTwice {
    function twice(address _proxy, bytes calldata _first, bytes calldata _second) external returns (bytes memory first_, bytes memory second_) {
        (, first_) = _proxy.call(_first);
        (, second_) = _proxy.call(_second);
    }
}
