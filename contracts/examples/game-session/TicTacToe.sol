// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IGameLobby, IGameMessenger, ISessionGame} from "./IGameSession.sol";

/// @title TicTacToe
/// @notice The L2 game of a game session: two players, turn by turn, one transaction a move. The
///         first player is X and moves first. When the game ends (three in a row, a full board, or
///         a player who let `TURN_TIMEOUT` pass on their turn), it sends the result to the lobby
///         on L1: `IGameLobby.settle(sessionId, winner)` as an L2→L1 message.
/// @dev In a session rollup this contract is in the genesis allocation at the lobby's `GAME`
///      address, with storage slot 0 (`messenger`) = the L2 messenger predeploy, and nothing else:
///      the genesis is the same for every session, so the lobby can hold its hash and state root.
///      The players arrive by `start`, which only the messenger may call, once: the lobby queues
///      it in the very L1 transaction that creates the session rollup, so it is the rollup's
///      message 0 and nobody can start the game before it. Deployed directly (on L1 to compare
///      costs), the constructor sets `messenger`.
contract TicTacToe is ISessionGame {
    enum Status {
        NotStarted,
        Playing,
        XWon,
        OWon,
        Draw
    }

    /// @notice How long a player may take for a move before the other may claim the game.
    uint256 public constant TURN_TIMEOUT = 1 hours;
    /// @dev The eight winning lines, one 9-bit mask each (cell i is bit i; rows, columns, diagonals).
    uint256 private constant LINES = 0x0007_0038_01c0_0049_0092_0124_0111_0054;

    /// @notice The messenger that delivers `start` and sends the result (slot 0).
    address public messenger;
    /// @notice The L1 lobby (the L1 sender of `start`), to which the result goes.
    address public lobby;
    /// @notice The lobby's session id.
    uint256 public sessionId;
    /// @notice X, who moves first.
    address public player1;
    /// @notice O.
    address public player2;
    // player2 and everything a move changes share one slot (4): a move writes one slot.
    /// @notice Cells held by X and by O (bit i: cell i, row-major from the top left).
    uint16 public xCells;
    uint16 public oCells;
    /// @notice Moves made.
    uint8 public moves;
    Status public status;
    /// @notice When the last move (or the start) was made: the next move is due within TURN_TIMEOUT.
    uint40 public lastMoveAt;

    /// @notice The game started.
    event GameStarted(uint256 indexed sessionId, address player1, address player2);
    /// @notice `player` took `cell`; `moves` made so far.
    event Moved(address indexed player, uint8 cell, uint8 moves);
    /// @notice The game ended (`winner` address(0): a draw) and its result was sent to the lobby.
    event GameOver(address winner, Status status, bytes32 messageHash);

    /// @dev `start` was not called by the messenger delivering an L1 message.
    error TicTacToe_NotMessenger(address caller);
    /// @dev `start` came from another rollup, not from L1.
    error TicTacToe_NotFromL1(address sourceRollup);
    /// @dev A player address is zero, or both are the same.
    error TicTacToe_InvalidPlayers(address player1, address player2);
    /// @dev The game is not in the status the call needs.
    error TicTacToe_WrongStatus(Status status);
    /// @dev A move by someone whose turn it is not.
    error TicTacToe_NotYourTurn(address caller, address expected);
    /// @dev A cell outside 0..8.
    error TicTacToe_CellOutOfRange(uint8 cell);
    /// @dev A cell already taken.
    error TicTacToe_CellTaken(uint8 cell);
    /// @dev `claimTimeout` before the player on turn ran out of time.
    error TicTacToe_NotTimedOut(uint256 deadline, uint256 timestamp);

    constructor(address _messenger) {
        messenger = _messenger;
    }

    /// @inheritdoc ISessionGame
    /// @dev Only the messenger, delivering an L1 message (its L1 sender becomes `lobby`), once.
    function start(uint256 _sessionId, address _player1, address _player2) external {
        require(msg.sender == messenger, TicTacToe_NotMessenger(msg.sender));
        require(status == Status.NotStarted, TicTacToe_WrongStatus(status));
        (address sender, address sourceRollup) = IGameMessenger(msg.sender).xDomainMessageSender();
        require(sourceRollup == address(0), TicTacToe_NotFromL1(sourceRollup));
        require(_player1 != address(0) && _player2 != address(0) && _player1 != _player2, TicTacToe_InvalidPlayers(_player1, _player2));
        lobby = sender;
        sessionId = _sessionId;
        player1 = _player1;
        player2 = _player2;
        status = Status.Playing;
        lastMoveAt = uint40(block.timestamp);
        emit GameStarted(_sessionId, _player1, _player2);
    }

    /// @notice The player on turn takes `_cell` (0..8, row-major). Ends the game on three in a
    ///         row or a full board. Reverts when the game is not being played, when it is not the
    ///         caller's turn, or on a cell out of range or taken.
    function play(uint8 _cell) external {
        require(status == Status.Playing, TicTacToe_WrongStatus(status));
        bool xTurn = moves % 2 == 0;
        address expected = xTurn ? player1 : player2;
        require(msg.sender == expected, TicTacToe_NotYourTurn(msg.sender, expected));
        require(_cell < 9, TicTacToe_CellOutOfRange(_cell));
        uint16 bit = uint16(1) << _cell;
        require((xCells | oCells) & bit == 0, TicTacToe_CellTaken(_cell));
        uint16 mine;
        if (xTurn) mine = xCells |= bit;
        else mine = oCells |= bit;
        uint8 made = ++moves;
        lastMoveAt = uint40(block.timestamp);
        emit Moved(msg.sender, _cell, made);
        if (_wins(mine)) _finish(xTurn ? Status.XWon : Status.OWon, msg.sender);
        else if (made == 9) _finish(Status.Draw, address(0));
    }

    /// @notice Ends the game for the player waiting when the player on turn let TURN_TIMEOUT
    ///         pass since the last move: the waiting player wins. Anyone may call it.
    function claimTimeout() external {
        require(status == Status.Playing, TicTacToe_WrongStatus(status));
        uint256 deadline = uint256(lastMoveAt) + TURN_TIMEOUT;
        require(block.timestamp > deadline, TicTacToe_NotTimedOut(deadline, block.timestamp));
        bool xTurn = moves % 2 == 0;
        _finish(xTurn ? Status.OWon : Status.XWon, xTurn ? player2 : player1);
    }

    /// @notice The board as 9 cells: 0 empty, 1 X, 2 O.
    function board() external view returns (uint8[9] memory cells_) {
        for (uint8 i = 0; i < 9; i++) {
            if (xCells & (uint16(1) << i) != 0) cells_[i] = 1;
            else if (oCells & (uint16(1) << i) != 0) cells_[i] = 2;
        }
    }

    /// @dev Whether `_cells` hold one of the eight lines.
    function _wins(uint16 _cells) private pure returns (bool) {
        for (uint256 i = 0; i < 8; i++) {
            uint256 line = (LINES >> (16 * i)) & 0x1ff;
            if (uint256(_cells) & line == line) return true;
        }
        return false;
    }

    /// @dev Records the result and sends it to the lobby on L1.
    function _finish(Status _status, address _winner) private {
        status = _status;
        bytes32 hash = IGameMessenger(messenger).sendMessageToL1(lobby, abi.encodeCall(IGameLobby.settle, (sessionId, _winner)));
        emit GameOver(_winner, _status, hash);
    }
}
