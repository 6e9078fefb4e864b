// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {INativeRollup} from "../../interfaces/INativeRollup.sol";
import {IGameLobby, ISessionGame} from "./IGameSession.sol";

/// @notice The part of RollupFactory (contracts/l1/RollupFactory.sol) the lobby uses.
interface ISessionRollupFactory {
    function createRollup(
        uint64 _chainId,
        uint64 _gasLimit,
        bytes32 _genesisHash,
        bytes32 _genesisStateRoot,
        uint64 _genesisTimestamp,
        address _feeRecipient,
        address _retirer
    ) external returns (address rollup_);
}

/// @title GameLobby
/// @notice A rollup per game session, on L1: two players stake ETH here, the lobby spawns a
///         rollup for their game through the RollupFactory, they play on it by L2 transactions,
///         and the game's result comes back as an L2→L1 message that pays the pot and retires
///         the rollup.
/// @dev Why the result can be trusted: every session rollup starts from the same genesis, whose
///      hash and state root are this contract's immutables (anyone can recompute them from the
///      game's runtime code: examples/game-session/genesis.ts). It holds the game's code at
///      `GAME` with its messenger set and no players, so the game can be nothing but that code.
///      The players reach it by the rollup's L1→L2 message 0, queued here in the transaction
///      that creates the rollup, so nobody can start it first. A result is accepted only from
///      the session's own rollup (`msg.sender`, during its `claim`) whose L2 sender
///      (`xDomainMessageSender()`) is `GAME`.
///
///      Lifecycle: `open` (player 1 stakes, names player 2) → `join` (player 2 matches the
///      stake; the rollup is created, the game started) → `settle` (from the rollup) — or
///      `cancel` by player 1 before anyone joined. `openFunded` / `joinFunded` also carry each
///      player's L2 gas money, deposited to them on the session's L2 by `join` (after the start
///      message): the players need no deposit transactions of their own.
contract GameLobby is IGameLobby {
    enum Status {
        None,
        Open,
        Playing,
        Settled,
        Cancelled
    }

    /// @notice One session: three slots.
    struct Session {
        address player1;
        Status status;
        address player2;
        uint96 stake;
        address rollup;
        /// @notice Player 1's L2 gas money (`openFunded`), deposited by `join` or refunded by `cancel`.
        uint96 funding1;
    }

    /// @notice Gas the game's `start` gets on L2 (its message's gas limit).
    uint64 public constant START_GAS = 200_000;

    ISessionRollupFactory public immutable FACTORY;
    /// @notice The L2 address of the game in every session's genesis.
    address public immutable GAME;
    bytes32 public immutable GENESIS_HASH;
    bytes32 public immutable GENESIS_STATE_ROOT;
    uint64 public immutable GENESIS_TIMESTAMP;
    uint64 public immutable L2_GAS_LIMIT;
    /// @notice Session `id` runs on chain id `CHAIN_ID_BASE + id`.
    uint64 public immutable CHAIN_ID_BASE;

    /// @notice Sessions opened so far; ids start at 1.
    uint256 public sessionCount;
    mapping(uint256 id => Session) public sessions;
    /// @notice ETH a payout could not deliver (a recipient that refused it), to `withdraw`.
    mapping(address account => uint256) public owed;

    event SessionOpened(uint256 indexed sessionId, address indexed player1, address indexed player2, uint256 stake);
    event SessionStarted(uint256 indexed sessionId, address rollup, uint64 chainId);
    /// @notice `winner` (address(0): a draw, each stake returned) was paid `pot`; the rollup retired.
    event SessionSettled(uint256 indexed sessionId, address winner, uint256 pot);
    event SessionCancelled(uint256 indexed sessionId);
    /// @notice A payout `to` failed and was credited to `owed` instead.
    event PaymentOwed(address indexed to, uint256 amount);

    /// @dev `open` naming no opponent, or oneself.
    error GameLobby_InvalidOpponent(address opponent);
    /// @dev A stake above 2^96 - 1 wei.
    error GameLobby_StakeTooLarge(uint256 stake);
    /// @dev The session is not in the status the call needs.
    error GameLobby_WrongStatus(uint256 sessionId, Status status);
    /// @dev `join` or `cancel` by someone the session does not name for it.
    error GameLobby_NotAllowed(address caller);
    /// @dev `join` with a stake other than player 1's (`joinFunded`: other than it plus the funding).
    error GameLobby_WrongStake(uint256 sent, uint256 stake);
    /// @dev `openFunded` sending less than the L2 funding it names.
    error GameLobby_FundingAboveValue(uint256 funding, uint256 value);
    /// @dev `settle` not called by the session's rollup.
    error GameLobby_NotSessionRollup(address caller, address rollup);
    /// @dev `settle` claimed from an L2 sender other than the game.
    error GameLobby_NotGame(address l2Sender);
    /// @dev A winner who is not one of the session's players.
    error GameLobby_NotAPlayer(address winner);
    /// @dev A refund or withdrawal that could not be sent.
    error GameLobby_TransferFailed(address to, uint256 amount);

    constructor(
        ISessionRollupFactory _factory,
        address _game,
        bytes32 _genesisHash,
        bytes32 _genesisStateRoot,
        uint64 _genesisTimestamp,
        uint64 _l2GasLimit,
        uint64 _chainIdBase
    ) {
        FACTORY = _factory;
        GAME = _game;
        GENESIS_HASH = _genesisHash;
        GENESIS_STATE_ROOT = _genesisStateRoot;
        GENESIS_TIMESTAMP = _genesisTimestamp;
        L2_GAS_LIMIT = _l2GasLimit;
        CHAIN_ID_BASE = _chainIdBase;
    }

    /// @notice Opens a session against `_opponent`, staking `msg.value`. Reverts on a zero
    ///         opponent or oneself, and on a stake above 2^96 - 1.
    function open(address _opponent) external payable returns (uint256 sessionId_) {
        sessionId_ = _open(_opponent, msg.value, 0);
    }

    /// @notice `open` carrying player 1's L2 gas money: `msg.value` is the stake plus
    ///         `_l2Funding`, which `join` deposits to player 1 on the session's L2 (`cancel`
    ///         refunds it with the stake). Reverts as `open`, and if `msg.value < _l2Funding`.
    function openFunded(address _opponent, uint96 _l2Funding) external payable returns (uint256 sessionId_) {
        require(msg.value >= _l2Funding, GameLobby_FundingAboveValue(_l2Funding, msg.value));
        sessionId_ = _open(_opponent, msg.value - _l2Funding, _l2Funding);
    }

    function _open(address _opponent, uint256 _stake, uint96 _funding) private returns (uint256 sessionId_) {
        require(_opponent != address(0) && _opponent != msg.sender, GameLobby_InvalidOpponent(_opponent));
        require(_stake <= type(uint96).max, GameLobby_StakeTooLarge(_stake));
        sessionId_ = ++sessionCount;
        sessions[sessionId_] = Session({
            player1: msg.sender, status: Status.Open, player2: _opponent, stake: uint96(_stake), rollup: address(0), funding1: _funding
        });
        emit SessionOpened(sessionId_, msg.sender, _opponent, _stake);
    }

    /// @notice Player 2 joins an open session with the same stake: the session rollup is created
    ///         (the lobby its retirer) and the game's `start` queued as its message 0. Reverts
    ///         unless the session is open, the caller is its player 2 and the stake matches.
    function join(uint256 _sessionId) external payable returns (address rollup_) {
        rollup_ = _join(_sessionId, 0);
    }

    /// @notice `join` carrying player 2's L2 gas money: `msg.value` is the stake plus
    ///         `_l2Funding`. After the game's start, the rollup's queue gets a deposit to each
    ///         player of their funding (player 1's from `openFunded`), when not zero.
    function joinFunded(uint256 _sessionId, uint96 _l2Funding) external payable returns (address rollup_) {
        rollup_ = _join(_sessionId, _l2Funding);
    }

    function _join(uint256 _sessionId, uint96 _funding2) private returns (address rollup_) {
        Session storage s = sessions[_sessionId];
        require(s.status == Status.Open, GameLobby_WrongStatus(_sessionId, s.status));
        require(msg.sender == s.player2, GameLobby_NotAllowed(msg.sender));
        require(msg.value == uint256(s.stake) + _funding2, GameLobby_WrongStake(msg.value, uint256(s.stake) + _funding2));
        uint64 chainId = CHAIN_ID_BASE + uint64(_sessionId);
        rollup_ = FACTORY.createRollup(
            chainId, L2_GAS_LIMIT, GENESIS_HASH, GENESIS_STATE_ROOT, GENESIS_TIMESTAMP, address(0), address(this)
        );
        s.status = Status.Playing;
        s.rollup = rollup_;
        INativeRollup(rollup_).sendMessage(
            GAME, abi.encodeCall(ISessionGame.start, (_sessionId, s.player1, msg.sender)), START_GAS, 0
        );
        uint256 funding1 = s.funding1;
        if (funding1 != 0) INativeRollup(rollup_).deposit{value: funding1}(s.player1);
        if (_funding2 != 0) INativeRollup(rollup_).deposit{value: _funding2}(msg.sender);
        emit SessionStarted(_sessionId, rollup_, chainId);
    }

    /// @notice Player 1 takes the stake (and the L2 funding of `openFunded`) back from a session nobody joined.
    function cancel(uint256 _sessionId) external {
        Session storage s = sessions[_sessionId];
        require(s.status == Status.Open, GameLobby_WrongStatus(_sessionId, s.status));
        require(msg.sender == s.player1, GameLobby_NotAllowed(msg.sender));
        s.status = Status.Cancelled;
        uint256 stake = uint256(s.stake) + s.funding1;
        (bool ok,) = msg.sender.call{value: stake}("");
        require(ok, GameLobby_TransferFailed(msg.sender, stake));
        emit SessionCancelled(_sessionId);
    }

    /// @inheritdoc IGameLobby
    /// @dev Only the session's rollup, claiming a message whose L2 sender is GAME; once. Pays the
    ///      pot to the winner (a draw: each stake back), then retires the rollup (its history
    ///      stays claimable: players' withdrawals still go through).
    function settle(uint256 _sessionId, address _winner) external {
        Session storage s = sessions[_sessionId];
        address rollup = s.rollup;
        require(msg.sender == rollup && rollup != address(0), GameLobby_NotSessionRollup(msg.sender, rollup));
        require(s.status == Status.Playing, GameLobby_WrongStatus(_sessionId, s.status));
        address l2Sender = INativeRollup(rollup).xDomainMessageSender();
        require(l2Sender == GAME, GameLobby_NotGame(l2Sender));
        address player1 = s.player1;
        address player2 = s.player2;
        require(_winner == address(0) || _winner == player1 || _winner == player2, GameLobby_NotAPlayer(_winner));
        s.status = Status.Settled;
        INativeRollup(rollup).retire();
        uint256 stake = s.stake;
        if (_winner == address(0)) {
            _pay(player1, stake);
            _pay(player2, stake);
        } else {
            _pay(_winner, 2 * stake);
        }
        emit SessionSettled(_sessionId, _winner, 2 * stake);
    }

    /// @notice Sends the caller what a failed payout left owed.
    function withdraw() external {
        uint256 amount = owed[msg.sender];
        owed[msg.sender] = 0;
        (bool ok,) = msg.sender.call{value: amount}("");
        require(ok, GameLobby_TransferFailed(msg.sender, amount));
    }

    /// @dev A payout that cannot fail: a recipient that refuses ETH is owed it instead (a failed
    ///      `settle` would revert the claim, and the session would stay unsettled).
    function _pay(address _to, uint256 _amount) private {
        if (_amount == 0) return;
        (bool ok,) = _to.call{value: _amount}("");
        if (!ok) {
            owed[_to] += _amount;
            emit PaymentOwed(_to, _amount);
        }
    }
}
