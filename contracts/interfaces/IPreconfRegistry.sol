// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title IPreconfRegistry
/// @notice Based preconfirmations, L1 side (docs/preconf.md): operators bond ETH, a lookahead
///         gives each L1 slot at most one operator (who alone may advance gated rollups in it and
///         so can promise their next blocks), and anyone can slash an operator that signed two
///         different blocks at one height (equivocation) or a block the rollup did not verify at
///         that height (divergence). A slash takes the whole bond: half to whoever proved it,
///         half locked here forever (burned).
interface IPreconfRegistry {
    /// @notice One call of a `bundle` (RollupBundler's layout).
    struct Call {
        address target;
        bytes data;
        /// @dev The call's value (an advance's EXECUTE fee), out of the bundle's `msg.value`.
        uint256 value;
    }

    /// @notice An operator's promise about one L2 block, signed as EIP-712 typed data
    ///         (domain: name "UltrasoundPreconf", version "1", L1 chain id, this registry).
    struct Commitment {
        /// @dev The rollup's L1 contract.
        address rollup;
        /// @dev The L2 chain id.
        uint64 chainId;
        /// @dev The L2 block number.
        uint64 number;
        bytes32 blockHash;
        bytes32 stateRoot;
        /// @dev The L2 block's anchor (its header's parentBeaconBlockRoot).
        bytes32 anchor;
        bytes32 parentHash;
    }

    /// @notice An operator's record.
    struct Operator {
        /// @dev Wei bonded (0 once withdrawn or slashed).
        uint256 bond;
        /// @dev L1 block of `unregister` (0: still active or never registered).
        uint64 exitBlock;
        /// @dev Position + 1 in the active list (0: not in the lookahead).
        uint64 activeIndex;
        /// @dev Slashed once: the bond is gone and the address may not register again.
        bool slashed;
    }

    /// @dev `register` with less than `MIN_BOND`.
    error PreconfRegistry_BondTooLow(uint256 sent, uint256 minimum);
    /// @dev `register` from an address that already has a bond here.
    error PreconfRegistry_AlreadyRegistered(address operator);
    /// @dev `register` from an address that was slashed.
    error PreconfRegistry_WasSlashed(address operator);
    /// @dev `unregister`, or a commitment signed by an address that has no bond here.
    error PreconfRegistry_NotOperator(address account);
    /// @dev `unregister` twice.
    error PreconfRegistry_AlreadyUnregistered(address operator, uint64 exitBlock);
    /// @dev `withdraw` before `unregister`.
    error PreconfRegistry_NotUnregistered(address operator);
    /// @dev `withdraw` before `exitBlock + WITHDRAW_DELAY`.
    error PreconfRegistry_WithdrawTooEarly(address operator, uint256 allowedAt, uint256 l1BlockNumber);
    /// @dev A gated rollup's advance from someone other than the slot's operator.
    error PreconfRegistry_NotSlotOperator(address proposer, address operator, uint256 slot);
    /// @dev A signature that does not recover to any address (malformed, or high s).
    error PreconfRegistry_InvalidSignature();
    /// @dev Equivocation proof whose two commitments are not at the same (rollup, chain id, number).
    error PreconfRegistry_NotSameHeight();
    /// @dev Equivocation proof with the same commitment twice.
    error PreconfRegistry_SameCommitment(bytes32 digest);
    /// @dev Equivocation proof whose two commitments were signed by different operators.
    error PreconfRegistry_DifferentSigners(address first, address second);
    /// @dev Divergence proof about a rollup that is not gated by this registry.
    error PreconfRegistry_RollupNotGated(address rollup);
    /// @dev Divergence proof whose chain id is not the rollup's.
    error PreconfRegistry_WrongChainId(uint64 committed, uint64 rollupChainId);
    /// @dev Divergence proof whose block matches what the rollup verified at that height.
    error PreconfRegistry_NoDivergence(uint64 number, bytes32 stateRoot);
    /// @dev A slash of an operator that was already slashed.
    error PreconfRegistry_AlreadySlashed(address operator);
    /// @dev An ETH transfer (withdrawal or reward) that the recipient refused.
    error PreconfRegistry_TransferFailed(address to, uint256 amount);
    /// @dev Call `index` of a `bundle` is not an advance (`selector`) of a rollup gated by this registry.
    error PreconfRegistry_NotAnAdvance(uint256 index, address target, bytes4 selector);
    /// @dev Call `index` of a `bundle` reverted (`returnData` is its revert data), so the bundle did.
    error PreconfRegistry_CallFailed(uint256 index, bytes returnData);
    /// @dev The calls of a `bundle` carry `total` wei, not the bundle's `value`.
    error PreconfRegistry_ValueMismatch(uint256 total, uint256 value);
    /// @dev A `bundle` or `executeBatch` inside a `bundle` or `executeBatch`.
    error PreconfRegistry_NestedBundle();
    /// @dev The batch's EXECUTE call failed (malformed, refused by the market — `msg.value` short
    ///      of the entries' fees —, out of gas), or answered `length` bytes where `calls` entries need 64 each.
    error PreconfRegistry_BatchFailed(uint256 calls, uint256 length);
    /// @dev Call `index` of an `executeBatch` carries `value`: the batch's fee is the whole `msg.value`.
    error PreconfRegistry_BatchCallValue(uint256 index, uint256 value);
    /// @dev EXECUTE rejected entry `index` of an `executeBatch`'s batch (the block call `index` commits).
    error PreconfRegistry_EntryRejected(uint256 index, address target);

    /// @notice `operator` bonded `bond` wei and joined the lookahead.
    event OperatorRegistered(address indexed operator, uint256 bond);
    /// @notice `operator` left the lookahead; it may withdraw from L1 block `withdrawableAt`.
    event OperatorUnregistered(address indexed operator, uint256 withdrawableAt);
    /// @notice `operator` took back its bond.
    event BondWithdrawn(address indexed operator, uint256 amount);
    /// @notice `operator` lost its bond: `reward` to `prover`, `burned` locked here.
    /// @param digest The EIP-712 digest of the (first) commitment that proved the fault.
    /// @param equivocation True for two blocks at one height, false for a divergence.
    event OperatorSlashed(
        address indexed operator, address indexed prover, bytes32 digest, bool equivocation, uint256 reward, uint256 burned
    );

    /// @notice Bonds `msg.value` (at least `MIN_BOND`) and joins the lookahead from now.
    function register() external payable;
    /// @notice Leaves the lookahead now; the bond stays slashable until `withdraw`.
    function unregister() external;
    /// @notice Pays the bond back, `WITHDRAW_DELAY` L1 blocks after `unregister`.
    function withdraw() external;

    /// @notice The lookahead: the operator that alone may advance gated rollups in L1 slot `_slot`
    ///         (address(0): an open slot, anyone may).
    function operatorAt(uint256 _slot) external view returns (address);
    /// @notice The current L1 slot (this registry's slot = one L1 block: `block.number`).
    function currentSlot() external view returns (uint256);
    /// @notice Reverts with `PreconfRegistry_NotSlotOperator` unless `_proposer` may advance a
    ///         gated rollup in the current slot. Gated rollups call it from `advance` with their
    ///         `msg.sender`; when that is this registry (an advance inside `bundle` or
    ///         `executeBatch`), the proposer checked is the caller of those.
    function checkProposer(address _proposer) external view;

    /// @notice Several advances of rollups gated by this registry in one L1 transaction, all or
    ///         nothing, made for the caller: each call must be `advance`, `advanceWithBlobs` or
    ///         `advanceWithBlobRange` of a gated rollup, and the slot's gate checks `msg.sender`
    ///         of this call (docs/preconf.md, "Several blocks in one L1 transaction"). Same
    ///         signature as RollupBundler's `bundle`, so nodes and explorers read it as a bundle.
    ///         The calls' values must add up to `msg.value`.
    function bundle(Call[] calldata _calls) external payable returns (bytes[] memory results_);

    /// @notice `bundle` with ONE EXECUTE call for all its blocks (docs/preconf.md, "One EXECUTE
    ///         call"): `_input` is a batch (`Execute.encodeBatch`) whose entry i is the block call i
    ///         commits; each call must be `advanceBatched` of a rollup gated by this registry, with
    ///         value 0 (`PreconfRegistry_BatchCallValue`): `msg.value` pays EXECUTE's fee for every
    ///         entry. The slot's gate checks `msg.sender` of this call, as in `bundle`. All or
    ///         nothing: a rejected entry (`PreconfRegistry_EntryRejected`), a failed EXECUTE call
    ///         (`PreconfRegistry_BatchFailed`) or a failing call (`PreconfRegistry_CallFailed`)
    ///         reverts everything. Same signature as RollupBundler's `executeBatch`.
    function executeBatch(bytes calldata _input, Call[] calldata _calls) external payable returns (bytes[] memory results_);

    /// @notice The EIP-712 digest an operator signs for `_commitment`.
    function commitmentDigest(Commitment calldata _commitment) external view returns (bytes32);
    /// @notice Slashes the operator that signed both `_a` and `_b`: two different blocks at the
    ///         same (rollup, chain id, number). Pays the caller half the bond.
    function slashEquivocation(
        Commitment calldata _a,
        bytes calldata _signatureA,
        Commitment calldata _b,
        bytes calldata _signatureB
    ) external;
    /// @notice Slashes the operator that signed `_c` when the rollup (gated by this registry)
    ///         verified a different block at `_c.number`: another state root, or, at the head,
    ///         another block hash. Pays the caller half the bond.
    function slashDivergence(Commitment calldata _c, bytes calldata _signature) external;
}

/// @notice What the registry asks of a rollup it slashes divergences on.
interface IPreconfGated {
    /// @notice The registry that gates this rollup's `advance`.
    function PRECONF_REGISTRY() external view returns (address);
}
