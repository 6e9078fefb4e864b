// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @dev The L2 messenger's view used here (the predeploy at 0x5500…0002).
interface IL2MessengerView {
    function xDomainMessageSender() external view returns (address sender_, address sourceRollup_);
}

/// @title SyncCounter
/// @notice An L2 counter for the sync example (docs/sync.md): L1 reads and sets it through its
///         L2Proxy within one L1 transaction. Records who set it on L1.
contract SyncCounter {
    address internal constant MESSENGER = 0x5500000000000000000000000000000000000002;
    /// @notice The most `set` accepts (so a test can make the L2 call revert).
    uint256 public constant MAX = 1000;

    uint256 public value;
    /// @notice The L1 caller of the last `set` that came through the messenger (else address(0)).
    address public lastL1Caller;

    /// @dev `set` above MAX.
    error SyncCounter_TooLarge(uint256 value, uint256 max);

    constructor(uint256 _initial) {
        value = _initial;
    }

    /// @notice Sets the value; returns the previous one. Reverts above MAX.
    function set(uint256 _value) external returns (uint256 previous_) {
        require(_value <= MAX, SyncCounter_TooLarge(_value, MAX));
        previous_ = value;
        value = _value;
        lastL1Caller = address(0);
        if (msg.sender == MESSENGER) (lastL1Caller,) = IL2MessengerView(MESSENGER).xDomainMessageSender();
    }
}
