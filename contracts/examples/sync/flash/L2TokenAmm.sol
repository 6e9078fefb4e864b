// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @dev The L2 messenger's view used here (the predeploy at 0x5500…0002).
interface IL2MessengerOrigin {
    function xDomainMessageSender() external view returns (address sender_, address sourceRollup_);
}

/// @title L2TokenAmm
/// @notice The flash-loan example's pool on L2 (docs/sync.md, examples/sync/flash.ts): ETH in,
///         TOK out, x·y = k with a 0.3% fee. TOK is this pool's book entry. What an L1 contract buys
///         through the sync path (`buyFor`) stays here as that L1 contract's escrow (`escrowOf`):
///         the backing of the TOK it mints on L1 from the same answer.
contract L2TokenAmm {
    address internal constant MESSENGER = 0x5500000000000000000000000000000000000002;

    uint256 public reserveEth;
    uint256 public reserveTok;
    /// @notice TOK held for an L1 contract (its sync purchases).
    mapping(address l1Contract => uint256) public escrowOf;

    /// @dev Zero in, or an out below the buyer's minimum.
    error L2TokenAmm_BadAmount(uint256 amountIn, uint256 amountOut, uint256 minOut);
    /// @dev `buyFor` not through the messenger (only an L1 contract's sync call escrows for it).
    error L2TokenAmm_NotFromL1(address caller);

    /// @notice An L1 contract bought `amountOut` TOK for `amountIn` wei, escrowed for it here.
    event BoughtForL1(address indexed l1Contract, uint256 amountIn, uint256 amountOut);

    /// @param _reserveTok TOK in the pool; the ETH reserve is the value sent.
    constructor(uint256 _reserveTok) payable {
        reserveEth = msg.value;
        reserveTok = _reserveTok;
    }

    /// @notice What `msg.value = _amountIn` buys now.
    function quote(uint256 _amountIn) public view returns (uint256) {
        uint256 inAfterFee = _amountIn * 997;
        return (reserveTok * inAfterFee) / (reserveEth * 1000 + inAfterFee);
    }

    /// @notice Buys TOK with `msg.value` for the L1 contract that made this sync call (the
    ///         messenger's `xDomainMessageSender`), escrowed for it; returns the amount.
    function buyFor(uint256 _minOut) external payable returns (uint256 amountOut_) {
        require(msg.sender == MESSENGER, L2TokenAmm_NotFromL1(msg.sender));
        (address l1Contract,) = IL2MessengerOrigin(MESSENGER).xDomainMessageSender();
        amountOut_ = quote(msg.value);
        require(msg.value != 0 && amountOut_ >= _minOut && amountOut_ != 0, L2TokenAmm_BadAmount(msg.value, amountOut_, _minOut));
        reserveEth += msg.value;
        reserveTok -= amountOut_;
        escrowOf[l1Contract] += amountOut_;
        emit BoughtForL1(l1Contract, msg.value, amountOut_);
    }
}
