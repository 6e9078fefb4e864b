// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ECDSA} from "solady/src/utils/ECDSA.sol";
import {EIP712} from "solady/src/utils/EIP712.sol";
import {IPreconfRegistry, IPreconfGated} from "../interfaces/IPreconfRegistry.sol";
import {INativeRollup, INativeRollupTypes} from "../interfaces/INativeRollup.sol";
import {NativeRollup} from "./NativeRollup.sol";
import {Execute} from "../libraries/Execute.sol";

/// @title PreconfRegistry
/// @notice Bonded preconfirmation operators, their lookahead, and slashing by anyone
///         (docs/preconf.md). See {IPreconfRegistry}.
/// @dev The lookahead (a slot is one L1 block here; an L1 slot is 12 s and holds one block):
///
///        slot:      0   1   2   3 | 4   5   6   7 | 8   9  10  11      EPOCH_SLOTS = 4
///        gated:     A   B   -   - | A   B   -   - | A   B   -   -      active = [A, B]
///
///      In each epoch of EPOCH_SLOTS slots, the first m = min(active, EPOCH_SLOTS) slots are gated,
///      the rest are open (the fallback: anyone advances, as on an ungated rollup). The k-th gated
///      slot since slot 0 (k = epoch·m + slot % EPOCH_SLOTS) goes to active[k % active], so every
///      operator gets turns when there are more operators than gated slots. No operator: all open.
///      This stands in for L1 proposers that opted in (their slots gated, the others open).
contract PreconfRegistry is IPreconfRegistry, EIP712 {
    /// @notice EIP-712 type of {IPreconfRegistry.Commitment}.
    bytes32 public constant COMMITMENT_TYPEHASH = keccak256(
        "Commitment(address rollup,uint64 chainId,uint64 number,bytes32 blockHash,bytes32 stateRoot,bytes32 anchor,bytes32 parentHash)"
    );
    /// @notice The prover's share of a slashed bond, in basis points (the rest is burned).
    uint256 public constant SLASH_REWARD_BPS = 5_000;

    /// @notice Least bond `register` takes (wei).
    uint256 public immutable MIN_BOND;
    /// @notice L1 blocks between `unregister` and `withdraw`: how long a bond stays slashable
    ///         after its operator's last slot.
    uint256 public immutable WITHDRAW_DELAY;
    /// @notice Slots per lookahead epoch (see the diagram above).
    uint256 public immutable EPOCH_SLOTS;

    /// @notice Every operator's record, by address.
    mapping(address operator => Operator) internal _operators;
    /// @dev The operators in the lookahead, in registration order (swap-and-pop on exit).
    address[] internal _active;
    /// @notice Wei of slashed bonds kept here for ever (burned: nothing can move it).
    uint256 public totalBurned;
    /// @dev The caller of the `bundle` or `executeBatch` in progress (transient: zero outside
    ///      one). The registry calls a rollup's advance only from those two, so a gated rollup
    ///      whose `msg.sender` is this registry is advancing for this address.
    address private transient _bundleCaller;

    /// @param _minBond Least bond (wei).
    /// @param _withdrawDelay L1 blocks from `unregister` to `withdraw`.
    /// @param _epochSlots Slots per lookahead epoch (at least 1).
    constructor(uint256 _minBond, uint256 _withdrawDelay, uint256 _epochSlots) {
        MIN_BOND = _minBond;
        WITHDRAW_DELAY = _withdrawDelay;
        EPOCH_SLOTS = _epochSlots == 0 ? 1 : _epochSlots;
    }

    function _domainNameAndVersion() internal pure override returns (string memory, string memory) {
        return ("UltrasoundPreconf", "1");
    }

    // ---------------------------------------------------------------- bonds

    /// @inheritdoc IPreconfRegistry
    function register() external payable {
        Operator storage op = _operators[msg.sender];
        require(!op.slashed, PreconfRegistry_WasSlashed(msg.sender));
        require(op.bond == 0, PreconfRegistry_AlreadyRegistered(msg.sender));
        require(msg.value >= MIN_BOND, PreconfRegistry_BondTooLow(msg.value, MIN_BOND));
        _active.push(msg.sender);
        op.bond = msg.value;
        op.exitBlock = 0;
        op.activeIndex = uint64(_active.length);
        emit OperatorRegistered(msg.sender, msg.value);
    }

    /// @inheritdoc IPreconfRegistry
    function unregister() external {
        Operator storage op = _operators[msg.sender];
        require(op.bond != 0, PreconfRegistry_NotOperator(msg.sender));
        require(op.exitBlock == 0, PreconfRegistry_AlreadyUnregistered(msg.sender, op.exitBlock));
        op.exitBlock = uint64(block.number);
        _removeActive(op);
        emit OperatorUnregistered(msg.sender, block.number + WITHDRAW_DELAY);
    }

    /// @inheritdoc IPreconfRegistry
    function withdraw() external {
        Operator storage op = _operators[msg.sender];
        uint256 amount = op.bond;
        require(amount != 0, PreconfRegistry_NotOperator(msg.sender));
        require(op.exitBlock != 0, PreconfRegistry_NotUnregistered(msg.sender));
        uint256 allowedAt = op.exitBlock + WITHDRAW_DELAY;
        require(block.number >= allowedAt, PreconfRegistry_WithdrawTooEarly(msg.sender, allowedAt, block.number));
        op.bond = 0;
        op.exitBlock = 0;
        emit BondWithdrawn(msg.sender, amount);
        _pay(msg.sender, amount);
    }

    /// @notice An operator's record.
    function operatorOf(address _operator) external view returns (Operator memory) {
        return _operators[_operator];
    }

    /// @notice How many operators are in the lookahead.
    function activeCount() external view returns (uint256) {
        return _active.length;
    }

    /// @notice The `_index`-th operator in the lookahead (registration order, with swap-and-pop).
    function activeAt(uint256 _index) external view returns (address) {
        return _active[_index];
    }

    /// @dev Takes `_op` out of the lookahead (no-op if it is not in it).
    function _removeActive(Operator storage _op) private {
        uint256 position = _op.activeIndex;
        if (position == 0) return;
        address last = _active[_active.length - 1];
        _active[position - 1] = last;
        _operators[last].activeIndex = uint64(position);
        _active.pop();
        _op.activeIndex = 0;
    }

    function _pay(address _to, uint256 _amount) private {
        (bool ok,) = _to.call{value: _amount}("");
        require(ok, PreconfRegistry_TransferFailed(_to, _amount));
    }

    // ---------------------------------------------------------------- lookahead

    /// @inheritdoc IPreconfRegistry
    function currentSlot() public view returns (uint256) {
        return block.number;
    }

    /// @inheritdoc IPreconfRegistry
    /// @dev Computed from today's active set: a slot in the future may change hands when an
    ///      operator joins or leaves (docs/preconf.md, "Next steps": a lookahead fixed per epoch).
    function operatorAt(uint256 _slot) public view returns (address) {
        uint256 n = _active.length;
        if (n == 0) return address(0);
        uint256 m = n < EPOCH_SLOTS ? n : EPOCH_SLOTS;
        uint256 j = _slot % EPOCH_SLOTS;
        if (j >= m) return address(0);
        return _active[((_slot / EPOCH_SLOTS) * m + j) % n];
    }

    /// @inheritdoc IPreconfRegistry
    function checkProposer(address _proposer) external view {
        if (_proposer == address(this)) _proposer = _bundleCaller;
        uint256 slot = currentSlot();
        address operator = operatorAt(slot);
        require(operator == address(0) || operator == _proposer, PreconfRegistry_NotSlotOperator(_proposer, operator, slot));
    }

    /// @inheritdoc IPreconfRegistry
    /// @dev Not RollupBundler: a rollup called by a bundler sees the bundler, which says nothing of
    ///      who called it; here the registry itself makes the calls and names the caller to the
    ///      gate (`checkProposer`). Only advances of this registry's gated rollups: the registry
    ///      holds bonds, so it makes no other call on anybody's behalf.
    function bundle(Call[] calldata _calls) external payable returns (bytes[] memory results_) {
        _openBundle();
        results_ = new bytes[](_calls.length);
        uint256 total;
        for (uint256 i; i < _calls.length; ++i) total += _calls[i].value;
        require(total == msg.value, PreconfRegistry_ValueMismatch(total, msg.value));
        for (uint256 i; i < _calls.length; ++i) {
            bytes4 selector = _selectorOf(_calls[i].data);
            _requireGatedAdvance(
                i,
                _calls[i].target,
                selector,
                selector == INativeRollup.advance.selector || selector == INativeRollup.advanceWithBlobs.selector
                    || selector == INativeRollup.advanceWithBlobRange.selector
            );
            results_[i] = _callAdvance(i, _calls[i], _calls[i].value);
        }
        _bundleCaller = address(0);
    }

    /// @inheritdoc IPreconfRegistry
    /// @dev RollupBundler's `executeBatch` (same signature, same shared code in {Execute}: nodes
    ///      read both alike) with `bundle`'s gate: every call is checked before EXECUTE's work is
    ///      paid for. What each `advanceBatched` trusts is EXECUTE's verdict on the input the rollup
    ///      builds itself, never this registry; the registry adds only who the gate sees.
    function executeBatch(bytes calldata _input, Call[] calldata _calls) external payable returns (bytes[] memory results_) {
        _openBundle();
        for (uint256 i; i < _calls.length; ++i) {
            require(_calls[i].value == 0, PreconfRegistry_BatchCallValue(i, _calls[i].value));
            bytes4 selector = _selectorOf(_calls[i].data);
            _requireGatedAdvance(i, _calls[i].target, selector, selector == INativeRollup.advanceBatched.selector);
        }
        (bool ok, bytes memory output) = Execute.executeBatch(_input, _calls.length, msg.value);
        require(ok, PreconfRegistry_BatchFailed(_calls.length, output.length));
        results_ = new bytes[](_calls.length);
        for (uint256 i; i < _calls.length; ++i) {
            require(Execute.batchAccepted(output, i), PreconfRegistry_EntryRejected(i, _calls[i].target));
            results_[i] = _callAdvance(i, _calls[i], 0);
        }
        _bundleCaller = address(0);
    }

    /// @dev Starts a `bundle` or `executeBatch` for `msg.sender` (none may run inside another).
    function _openBundle() private {
        require(_bundleCaller == address(0), PreconfRegistry_NestedBundle());
        _bundleCaller = msg.sender;
    }

    /// @dev A call's selector (zero for data shorter than four bytes: no function has it here).
    function _selectorOf(bytes calldata _data) private pure returns (bytes4) {
        return _data.length < 4 ? bytes4(0) : bytes4(_data[:4]);
    }

    /// @dev Reverts `PreconfRegistry_NotAnAdvance` unless `_selectorAllowed` and `_target` is gated here.
    function _requireGatedAdvance(uint256 _index, address _target, bytes4 _selector, bool _selectorAllowed) private view {
        require(_selectorAllowed && _isGated(_target), PreconfRegistry_NotAnAdvance(_index, _target, _selector));
    }

    /// @dev Makes call `_index` with `_value`; reverts `PreconfRegistry_CallFailed` with its revert data.
    function _callAdvance(uint256 _index, Call calldata _call, uint256 _value) private returns (bytes memory) {
        (bool ok, bytes memory returnData) = _call.target.call{value: _value}(_call.data);
        require(ok, PreconfRegistry_CallFailed(_index, returnData));
        return returnData;
    }

    // ---------------------------------------------------------------- commitments and slashing

    /// @inheritdoc IPreconfRegistry
    function commitmentDigest(Commitment calldata _c) public view returns (bytes32) {
        return _hashTypedData(
            keccak256(
                abi.encode(
                    COMMITMENT_TYPEHASH, _c.rollup, _c.chainId, _c.number, _c.blockHash, _c.stateRoot, _c.anchor, _c.parentHash
                )
            )
        );
    }

    /// @notice Who signed `_c` (reverts `PreconfRegistry_InvalidSignature` if nobody can have).
    function commitmentSigner(Commitment calldata _c, bytes calldata _signature) public view returns (address signer_) {
        signer_ = ECDSA.tryRecoverCalldata(commitmentDigest(_c), _signature);
        require(signer_ != address(0), PreconfRegistry_InvalidSignature());
    }

    /// @inheritdoc IPreconfRegistry
    function slashEquivocation(
        Commitment calldata _a,
        bytes calldata _signatureA,
        Commitment calldata _b,
        bytes calldata _signatureB
    ) external {
        require(_a.rollup == _b.rollup && _a.chainId == _b.chainId && _a.number == _b.number, PreconfRegistry_NotSameHeight());
        bytes32 digest = commitmentDigest(_a);
        require(digest != commitmentDigest(_b), PreconfRegistry_SameCommitment(digest));
        address signer = commitmentSigner(_a, _signatureA);
        address other = commitmentSigner(_b, _signatureB);
        require(signer == other, PreconfRegistry_DifferentSigners(signer, other));
        _slash(signer, digest, true);
    }

    /// @inheritdoc IPreconfRegistry
    function slashDivergence(Commitment calldata _c, bytes calldata _signature) external {
        _requireGated(_c.rollup);
        NativeRollup rollup = NativeRollup(_c.rollup);
        uint64 chainId = rollup.CHAIN_ID();
        require(_c.chainId == chainId, PreconfRegistry_WrongChainId(_c.chainId, chainId));
        // Reverts NativeRollup_StateRootUnavailable above the head or past the history window.
        bytes32 verifiedRoot = rollup.stateRootAt(_c.number);
        INativeRollupTypes.Head memory head = rollup.head();
        // Only state roots are kept for past heights; the head's block hash is kept too.
        bool diverged = verifiedRoot != _c.stateRoot || (_c.number == head.number && head.blockHash != _c.blockHash);
        require(diverged, PreconfRegistry_NoDivergence(_c.number, verifiedRoot));
        _slash(commitmentSigner(_c, _signature), commitmentDigest(_c), false);
    }

    /// @dev A rollup is gated by this registry iff its PRECONF_REGISTRY() says so. An ungated
    ///      NativeRollup has no such function (the call reverts): divergence there is not the
    ///      operator's doing, since it could not hold its slot.
    function _requireGated(address _rollup) private view {
        require(_isGated(_rollup), PreconfRegistry_RollupNotGated(_rollup));
    }

    /// @dev Whether `_rollup` says this registry gates it (see `_requireGated`).
    function _isGated(address _rollup) private view returns (bool) {
        (bool ok, bytes memory data) = _rollup.staticcall(abi.encodeCall(IPreconfGated.PRECONF_REGISTRY, ()));
        return ok && data.length == 32 && abi.decode(data, (address)) == address(this);
    }

    /// @dev Takes the whole bond of `_operator`: SLASH_REWARD_BPS of it to the caller, the rest
    ///      burned. Out of the lookahead, and barred from registering again.
    function _slash(address _operator, bytes32 _digest, bool _equivocation) private {
        Operator storage op = _operators[_operator];
        require(!op.slashed, PreconfRegistry_AlreadySlashed(_operator));
        uint256 bond = op.bond;
        require(bond != 0, PreconfRegistry_NotOperator(_operator));
        uint256 reward = bond * SLASH_REWARD_BPS / 10_000;
        uint256 burned = bond - reward;
        op.bond = 0;
        op.slashed = true;
        _removeActive(op);
        totalBurned += burned;
        emit OperatorSlashed(_operator, msg.sender, _digest, _equivocation, reward, burned);
        _pay(msg.sender, reward);
    }
}
