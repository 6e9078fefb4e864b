// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @dev SyncCounter as L1 calls it through its L2Proxy.
interface ISyncCounterSetProxy {
    function set(uint256 _value) external returns (uint256);
}

/// @title SyncSenderUser
/// @notice For the user path's tests (docs/sync.md): an L1 contract whose L2 call depends on its
///         L1 caller, so a builder that simulates it with another `msg.sender` gets a table that
///         does not fit.
contract SyncSenderUser {
    /// @notice Sets the L2 counter to `msg.sender % 1000` and returns the previous value.
    function setMine(address _counter) external returns (uint256 previous_) {
        previous_ = ISyncCounterSetProxy(_counter).set(uint256(uint160(msg.sender)) % 1000);
    }
}
