// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @dev L2TokenAmm as L1 calls it through its L2Proxy.
interface IL2TokenAmmProxy {
    function buyFor(uint256 _minOut) external payable returns (uint256);
}

/// @title SyncBridgedToken
/// @notice TOK on L1 (the flash-loan example, docs/sync.md): minted only by `buyOnL2`, from the
///         answer of a synchronous L2 call that escrowed the same amount for this contract on L2.
///         Every L1 TOK is backed one for one by TOK held for this contract in L2TokenAmm, and the
///         answer is L2's: the L2 block that made the purchase is verified in the same L1 transaction.
contract SyncBridgedToken {
    /// @notice The L2Proxy of the L2 pool (its only source of TOK).
    address public immutable AMM_PROXY;

    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;
    uint256 public totalSupply;

    /// @dev A transfer or transferFrom beyond the balance or the allowance.
    error SyncBridgedToken_Insufficient(address from, uint256 have, uint256 want);

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);

    constructor(address _ammProxy) {
        AMM_PROXY = _ammProxy;
    }

    /// @notice Buys TOK on L2 with `msg.value` (a sync call to the pool) and mints what it bought to `_to`.
    function buyOnL2(address _to, uint256 _minOut) external payable returns (uint256 amount_) {
        amount_ = IL2TokenAmmProxy(AMM_PROXY).buyFor{value: msg.value}(_minOut);
        totalSupply += amount_;
        balanceOf[_to] += amount_;
        emit Transfer(address(0), _to, amount_);
    }

    function approve(address _spender, uint256 _value) external returns (bool) {
        allowance[msg.sender][_spender] = _value;
        emit Approval(msg.sender, _spender, _value);
        return true;
    }

    function transfer(address _to, uint256 _value) external returns (bool) {
        _move(msg.sender, _to, _value);
        return true;
    }

    function transferFrom(address _from, address _to, uint256 _value) external returns (bool) {
        uint256 allowed = allowance[_from][msg.sender];
        require(allowed >= _value, SyncBridgedToken_Insufficient(_from, allowed, _value));
        allowance[_from][msg.sender] = allowed - _value;
        _move(_from, _to, _value);
        return true;
    }

    function _move(address _from, address _to, uint256 _value) private {
        uint256 have = balanceOf[_from];
        require(have >= _value, SyncBridgedToken_Insufficient(_from, have, _value));
        balanceOf[_from] = have - _value;
        balanceOf[_to] += _value;
        emit Transfer(_from, _to, _value);
    }
}
