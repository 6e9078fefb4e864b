// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ISwapMessenger} from "./ISwapMessenger.sol";
import {SwapDesk} from "./SwapDesk.sol";

/// @title SwapEscrow (on rollup A)
/// @notice One side of an atomic cross-rollup swap (examples/swap/README.md): `lock` takes the
///         user's tokens on A and sends a message to the swap desk on rollup B asking it to pay
///         the counter-asset. A bundle (src/sdk/bundle.ts) then advances A, forwards the message,
///         advances B (which delivers it) and asserts on L1 that B's desk settled the order, in
///         one L1 transaction: if B's leg fails, A's block is undone with it, tokens included.
contract SwapEscrow {
    using SafeERC20 for IERC20;

    /// @notice One locked order.
    struct Order {
        address owner;
        uint256 amount;
    }

    /// @dev The L2 messenger predeploy.
    ISwapMessenger public constant MESSENGER = ISwapMessenger(0x5500000000000000000000000000000000000002);
    /// @notice Gas the desk's `settle` gets on B (well above what it uses).
    uint64 public constant SETTLE_GAS = 200_000;

    /// @notice The token locked here.
    IERC20 public immutable TOKEN;
    /// @notice Rollup B's L1 contract: where the messages go.
    address public immutable DESTINATION_ROLLUP;
    /// @notice The swap desk on rollup B.
    address public immutable DESK;

    /// @notice Orders by id (from 0).
    mapping(uint256 => Order) public orders;
    uint256 public orderCount;

    /// @notice `owner` locked `amount` for `wanted` of the counter-asset, paid to `recipient` on B.
    event Locked(uint256 indexed orderId, address indexed owner, uint256 amount, address recipient, uint256 wanted);

    constructor(IERC20 _token, address _destinationRollup, address _desk) {
        TOKEN = _token;
        DESTINATION_ROLLUP = _destinationRollup;
        DESK = _desk;
    }

    /// @notice Locks `_amount` of the caller's tokens (approved beforehand) and asks B's desk to
    ///         pay `_wanted` of its asset to `_recipient` on B. Returns the order id.
    function lock(uint256 _amount, address _recipient, uint256 _wanted) external returns (uint256 orderId_) {
        orderId_ = orderCount++;
        orders[orderId_] = Order(msg.sender, _amount);
        TOKEN.safeTransferFrom(msg.sender, address(this), _amount);
        MESSENGER.sendMessageToRollup(DESTINATION_ROLLUP, DESK, abi.encodeCall(SwapDesk.settle, (orderId_, _recipient, _wanted)), SETTLE_GAS, 0);
        emit Locked(orderId_, msg.sender, _amount, _recipient, _wanted);
    }
}
