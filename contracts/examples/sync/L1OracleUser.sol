// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @dev The L2 messenger's synchronous L1 call (the predeploy at 0x5500…0002).
interface IL2MessengerL1Call {
    function callL1(address _target, bytes calldata _data) external returns (bool success_, bytes memory returnData_);
}

/// @dev L1PriceFeed as this contract calls it on L1.
interface IL1PriceFeed {
    function readAndRecord() external returns (uint256);
    function strictPrice(uint256 _max) external view returns (uint256);
}

/// @title L1OracleUser
/// @notice An L2 contract that reads an L1 price synchronously (docs/sync.md, "L2 → L1") and
///         acts on it in the same L2 transaction: it buys only at or below a limit.
contract L1OracleUser {
    IL2MessengerL1Call internal constant MESSENGER = IL2MessengerL1Call(0x5500000000000000000000000000000000000002);

    /// @notice Units bought so far, and the L1 price of the last purchase.
    uint256 public bought;
    uint256 public lastPrice;
    /// @notice The L1 revert data of the last `tryStrict` whose L1 call reverted.
    bytes public lastRevert;

    /// @dev The L1 call itself reverted (its revert data).
    error L1OracleUser_L1CallFailed(bytes reason);
    /// @dev The L1 price is above the buyer's limit.
    error L1OracleUser_TooExpensive(uint256 price, uint256 limit);

    /// @notice Reads the L1 price (recorded on L1 as read by this contract) and buys `_units`
    ///         if it is at most `_limit`; reverts otherwise.
    function buy(address _feed, uint256 _units, uint256 _limit) external returns (uint256 price_) {
        (bool ok, bytes memory returned) = MESSENGER.callL1(_feed, abi.encodeCall(IL1PriceFeed.readAndRecord, ()));
        require(ok, L1OracleUser_L1CallFailed(returned));
        price_ = abi.decode(returned, (uint256));
        require(price_ <= _limit, L1OracleUser_TooExpensive(price_, _limit));
        bought += _units;
        lastPrice = price_;
    }

    /// @notice Reads the L1 price only if at most `_max`: an L1 revert is handled here (kept in
    ///         `lastRevert`), the L2 transaction succeeds either way. Returns whether L1 answered.
    function tryStrict(address _feed, uint256 _max) external returns (bool ok_) {
        bytes memory returned;
        (ok_, returned) = MESSENGER.callL1(_feed, abi.encodeCall(IL1PriceFeed.strictPrice, (_max)));
        if (ok_) lastPrice = abi.decode(returned, (uint256));
        else lastRevert = returned;
    }
}
