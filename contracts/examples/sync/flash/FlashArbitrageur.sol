// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

interface IFlashLender {
    function flashLoan(uint256 _amount, bytes calldata _data) external;
}

interface IBridgedToken {
    function buyOnL2(address _to, uint256 _minOut) external payable returns (uint256);
    function approve(address _spender, uint256 _value) external returns (bool);
}

interface IL1TokenAmm {
    function sell(uint256 _amountIn, uint256 _minOut) external returns (uint256);
}

/// @title FlashArbitrageur
/// @notice The flash-loan example (docs/sync.md, examples/sync/flash.ts), one L1 transaction:
///         borrow ETH on L1 → buy TOK with it on L2 (a sync call: the L2 pool's answer, verified
///         in the same transaction, mints the TOK on L1) → sell the TOK on L1 for ETH → repay
///         the loan with its fee → keep the profit. If any step fails, all of it reverts, the L2
///         purchase included.
contract FlashArbitrageur {
    IFlashLender public immutable LENDER;
    IBridgedToken public immutable TOKEN;
    IL1TokenAmm public immutable L1_AMM;
    address public immutable OWNER;

    /// @notice What the last run did.
    uint256 public lastBorrowed;
    uint256 public lastTokens;
    uint256 public lastEthBack;
    uint256 public lastProfit;

    /// @dev The sale did not cover the loan and its fee (no profit: the whole transaction reverts).
    error FlashArbitrageur_Unprofitable(uint256 owed, uint256 ethBack);
    /// @dev `onFlashLoan` not from the lender.
    error FlashArbitrageur_NotLender(address caller);

    constructor(IFlashLender _lender, IBridgedToken _token, IL1TokenAmm _l1Amm, address _owner) {
        LENDER = _lender;
        TOKEN = _token;
        L1_AMM = _l1Amm;
        OWNER = _owner;
    }

    receive() external payable {}

    /// @notice Runs the arbitrage with `_amount` borrowed; the profit goes to OWNER. Returns it.
    function run(uint256 _amount) external returns (uint256 profit_) {
        LENDER.flashLoan(_amount, "");
        profit_ = lastProfit;
        (bool ok,) = OWNER.call{value: profit_}("");
        require(ok, FlashArbitrageur_Unprofitable(0, profit_));
    }

    /// @notice Called by the lender with the loan in hand: buys on L2, sells on L1, repays.
    function onFlashLoan(uint256 _amount, uint256 _fee, bytes calldata) external {
        require(msg.sender == address(LENDER), FlashArbitrageur_NotLender(msg.sender));
        uint256 tokens = TOKEN.buyOnL2{value: _amount}(address(this), 0);
        TOKEN.approve(address(L1_AMM), tokens);
        uint256 ethBack = L1_AMM.sell(tokens, 0);
        require(ethBack >= _amount + _fee, FlashArbitrageur_Unprofitable(_amount + _fee, ethBack));
        (lastBorrowed, lastTokens, lastEthBack, lastProfit) = (_amount, tokens, ethBack, ethBack - _amount - _fee);
        (bool ok,) = address(LENDER).call{value: _amount + _fee}("");
        require(ok, FlashArbitrageur_Unprofitable(_amount + _fee, ethBack));
    }
}
