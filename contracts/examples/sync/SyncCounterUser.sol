// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @dev SyncCounter as L1 calls it through its L2Proxy: every function non-view, since a proxy
///      call must be a CALL (it consumes an entry of the execution table).
interface ISyncCounterProxy {
    function value() external returns (uint256);
    function set(uint256 _value) external returns (uint256);
}

/// @title SyncCounterUser
/// @notice An L1 contract that uses an L2 counter synchronously (docs/sync.md): each function is
///         one sync L1 transaction's L1 call (`NativeRollup.syncExecute`'s target).
contract SyncCounterUser {
    /// @notice The last values this contract saw (an L1 effect of the sync call).
    uint256 public lastBefore;
    uint256 public lastAfter;
    /// @notice The revert data of the last `trySet` whose L2 call reverted.
    bytes public lastRevert;

    /// @dev `setThenRevert` always ends so: the L1 transaction reverts after its L2 call.
    error SyncCounterUser_Refused(uint256 seen);

    /// @notice Reads the counter, sets it, reads it again: 42, set 66, 66.
    function readSetRead(address _counter, uint256 _value) external returns (uint256 before_, uint256 after_) {
        before_ = ISyncCounterProxy(_counter).value();
        ISyncCounterProxy(_counter).set(_value);
        after_ = ISyncCounterProxy(_counter).value();
        lastBefore = before_;
        lastAfter = after_;
    }

    /// @notice Sets the counter and catches an L2 revert: returns whether it succeeded and, if
    ///         not, the L2 revert data (also kept in `lastRevert`).
    function trySet(address _counter, uint256 _value) external returns (bool ok_, bytes memory reason_) {
        try ISyncCounterProxy(_counter).set(_value) {
            ok_ = true;
        } catch (bytes memory reason) {
            reason_ = reason;
            lastRevert = reason;
        }
    }

    /// @notice Sets the counter, then reverts: the whole L1 transaction (and the L2 block) fails.
    function setThenRevert(address _counter, uint256 _value) external {
        uint256 previous = ISyncCounterProxy(_counter).set(_value);
        revert SyncCounterUser_Refused(previous);
    }
}
