// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ISwapMessenger} from "./ISwapMessenger.sol";

/// @title SwapDesk (on rollup B)
/// @notice The other side of the swap: pays its asset for an order locked in the escrow on rollup
///         A, when that escrow's message is delivered here, and records the order as settled.
///         `settled` is at storage slot 0, so L1 can check `settled[orderId]` with
///         `RollupBundler.assertStorage` at key `keccak256(abi.encode(orderId, 0))`.
contract SwapDesk {
    using SafeERC20 for IERC20;

    /// @dev The L2 messenger predeploy.
    ISwapMessenger public constant MESSENGER = ISwapMessenger(0x5500000000000000000000000000000000000002);

    /// @notice Orders paid, by the escrow's order id. Slot 0 (the assertion reads it).
    mapping(uint256 => bool) public settled;

    /// @notice The asset paid out here.
    IERC20 public immutable TOKEN;
    /// @notice Rollup A's L1 contract: the only source rollup whose messages count.
    address public immutable SOURCE_ROLLUP;
    /// @notice The escrow on rollup A: the only sender whose messages count.
    address public immutable ESCROW;

    /// @notice Order `orderId` was paid: `amount` to `recipient`.
    event Settled(uint256 indexed orderId, address indexed recipient, uint256 amount);

    /// @dev Not a message from the escrow on rollup A, delivered by the messenger.
    error SwapDesk_Unauthorized(address caller, address sender, address sourceRollup);
    /// @dev The order was paid already.
    error SwapDesk_AlreadySettled(uint256 orderId);

    constructor(IERC20 _token, address _sourceRollup, address _escrow) {
        TOKEN = _token;
        SOURCE_ROLLUP = _sourceRollup;
        ESCROW = _escrow;
    }

    /// @notice Pays order `_orderId`: only as a message from the escrow on rollup A. Reverts (the
    ///         message is then 'failed' on B, retryable) when the desk lacks the liquidity.
    function settle(uint256 _orderId, address _recipient, uint256 _amount) external {
        require(msg.sender == address(MESSENGER), SwapDesk_Unauthorized(msg.sender, address(0), address(0)));
        (address sender, address source) = MESSENGER.xDomainMessageSender();
        require(sender == ESCROW && source == SOURCE_ROLLUP, SwapDesk_Unauthorized(msg.sender, sender, source));
        require(!settled[_orderId], SwapDesk_AlreadySettled(_orderId));
        settled[_orderId] = true;
        TOKEN.safeTransfer(_recipient, _amount);
        emit Settled(_orderId, _recipient, _amount);
    }
}
