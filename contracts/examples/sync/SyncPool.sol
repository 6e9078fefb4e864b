// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @dev The L2 messenger's view used here (the predeploy at 0x5500…0002).
interface IL2MessengerSender {
    function xDomainMessageSender() external view returns (address sender_, address sourceRollup_);
}

/// @title SyncPool
/// @notice A constant-product pool on rollup B for the cross-rollup example (docs/sync.md,
///         "Rollup A → rollup B"): `buy` sells `amountOut` of the pool's asset for `_amountIn`,
///         moving the price, and returns `amountOut`. Reserves are book entries (no token moves):
///         what the example shows is the answer's round trip, not settlement.
contract SyncPool {
    address internal constant MESSENGER = 0x5500000000000000000000000000000000000002;

    uint256 public reserveIn;
    uint256 public reserveOut;
    /// @notice Purchases so far, and the L1 caller of the last one that came through the messenger
    ///         (for an A → B call: rollup A's L1 contract).
    uint256 public purchases;
    address public lastL1Caller;

    /// @dev `buy` with zero in, or an out below the buyer's minimum.
    error SyncPool_BadAmount(uint256 amountIn, uint256 amountOut, uint256 minOut);

    /// @notice One purchase: `amountIn` paid, `amountOut` sold.
    event Bought(address indexed l1Caller, uint256 amountIn, uint256 amountOut);

    constructor(uint256 _reserveIn, uint256 _reserveOut) {
        reserveIn = _reserveIn;
        reserveOut = _reserveOut;
    }

    /// @notice What `buy(_amountIn)` would return now (x·y = k, no fee).
    function quote(uint256 _amountIn) public view returns (uint256) {
        return (reserveOut * _amountIn) / (reserveIn + _amountIn);
    }

    /// @notice Buys with `_amountIn`; reverts unless the out is at least `_minOut` (and not zero).
    function buy(uint256 _amountIn, uint256 _minOut) external returns (uint256 amountOut_) {
        amountOut_ = quote(_amountIn);
        require(_amountIn != 0 && amountOut_ != 0 && amountOut_ >= _minOut, SyncPool_BadAmount(_amountIn, amountOut_, _minOut));
        reserveIn += _amountIn;
        reserveOut -= amountOut_;
        purchases += 1;
        lastL1Caller = address(0);
        if (msg.sender == MESSENGER) (lastL1Caller,) = IL2MessengerSender(MESSENGER).xDomainMessageSender();
        emit Bought(lastL1Caller, _amountIn, amountOut_);
    }
}
