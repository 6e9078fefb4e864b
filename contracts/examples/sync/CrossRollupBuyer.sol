// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @dev The L2 messenger's synchronous L1 call (the predeploy at 0x5500…0002).
interface IL2MessengerCallL1 {
    function callL1(address _target, bytes calldata _data) external returns (bool success_, bytes memory returnData_);
}

/// @dev SyncPool as its L1 proxy is called (the proxy mirrors rollup B's pool).
interface ISyncPool {
    function buy(uint256 _amountIn, uint256 _minOut) external returns (uint256 amountOut_);
}

/// @title CrossRollupBuyer
/// @notice A contract on rollup A that buys from a pool on rollup B synchronously (docs/sync.md,
///         "Rollup A → rollup B") and uses the answer in the same L2 transaction: it calls L1
///         through `callL1`, the L1 target being B's `L2Proxy` of the pool, so the L1 call is
///         answered by a synchronous L1 → B call in the same L1 transaction.
contract CrossRollupBuyer {
    IL2MessengerCallL1 internal constant MESSENGER = IL2MessengerCallL1(0x5500000000000000000000000000000000000002);

    /// @notice Σ amounts bought, the last one, and how many purchases.
    uint256 public totalBought;
    uint256 public lastOut;
    uint256 public purchases;
    /// @notice The revert data of the last purchase B refused (kept by `tryBuy`).
    bytes public lastRevert;

    /// @dev B's pool refused the purchase (its revert data).
    error CrossRollupBuyer_Refused(bytes reason);

    /// @notice Buys on B through `_poolProxy` (B's L1 proxy of its pool) and books the result;
    ///         reverts this L2 transaction if B refused.
    function buy(address _poolProxy, uint256 _amountIn, uint256 _minOut) external returns (uint256 out_) {
        (bool ok, bytes memory returned) = MESSENGER.callL1(_poolProxy, abi.encodeCall(ISyncPool.buy, (_amountIn, _minOut)));
        require(ok, CrossRollupBuyer_Refused(returned));
        out_ = abi.decode(returned, (uint256));
        totalBought += out_;
        lastOut = out_;
        purchases += 1;
    }

    /// @notice As `buy`, but a refusal by B is kept (`lastRevert`) and this transaction succeeds.
    function tryBuy(address _poolProxy, uint256 _amountIn, uint256 _minOut) external returns (bool ok_) {
        bytes memory returned;
        (ok_, returned) = MESSENGER.callL1(_poolProxy, abi.encodeCall(ISyncPool.buy, (_amountIn, _minOut)));
        if (!ok_) {
            lastRevert = returned;
            return false;
        }
        uint256 out = abi.decode(returned, (uint256));
        totalBought += out;
        lastOut = out;
        purchases += 1;
    }
}
