// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @notice What the L1 lobby and the L2 game of a game session call on each other, through the
///         session rollup's bridge (examples/game-session/README.md).
interface IGameLobby {
    /// @notice The result of session `_sessionId`: `_winner` (address(0): a draw). Called by the
    ///         session rollup's `claim` of an L2→L1 message sent by the L2 game.
    function settle(uint256 _sessionId, address _winner) external;
}

/// @notice The L2 side of a game session.
interface ISessionGame {
    /// @notice Starts the game between `_player1` (moves first) and `_player2`. Called by the L2
    ///         messenger delivering the lobby's first message to the session rollup.
    function start(uint256 _sessionId, address _player1, address _player2) external;
}

/// @notice The part of the L2 messenger predeploy (contracts/l2/L2Messenger.sol) a game uses.
interface IGameMessenger {
    function xDomainMessageSender() external view returns (address sender_, address sourceRollup_);
    function sendMessageToL1(address _to, bytes calldata _data) external payable returns (bytes32 hash_);
}
