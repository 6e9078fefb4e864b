// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @dev The rollup's view used here: who on L2 made the call that is running.
interface IRollupSender {
    function xDomainMessageSender() external view returns (address);
}

/// @title L1PriceFeed
/// @notice An L1 price for the L2 → L1 sync example (docs/sync.md): L2 contracts read it inside
///         their L2 transactions through `L2Messenger.callL1`. `readAndRecord` also shows the
///         known sender: the call comes from the rollup, naming the L2 contract that asked.
contract L1PriceFeed {
    /// @notice The rollup whose L2 contracts may record reads.
    address public immutable ROLLUP;
    /// @notice The price (anyone may set it: an example, so a test can move it).
    uint256 public price;
    /// @notice The L2 contract of the last `readAndRecord`, and how many there were.
    address public lastL2Reader;
    uint256 public reads;

    /// @dev `readAndRecord` not from the rollup.
    error L1PriceFeed_NotRollup(address caller);
    /// @dev `strictPrice` when the price is above `max`.
    error L1PriceFeed_TooHigh(uint256 price, uint256 max);

    constructor(address _rollup, uint256 _price) {
        ROLLUP = _rollup;
        price = _price;
    }

    /// @notice Sets the price.
    function setPrice(uint256 _price) external {
        price = _price;
    }

    /// @notice The price; records which L2 contract read it (only through the rollup).
    function readAndRecord() external returns (uint256) {
        require(msg.sender == ROLLUP, L1PriceFeed_NotRollup(msg.sender));
        lastL2Reader = IRollupSender(ROLLUP).xDomainMessageSender();
        ++reads;
        return price;
    }

    /// @notice The price, or a revert when it is above `_max`.
    function strictPrice(uint256 _max) external view returns (uint256) {
        require(price <= _max, L1PriceFeed_TooHigh(price, _max));
        return price;
    }
}
