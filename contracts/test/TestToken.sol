// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @dev Test-only: a minimal ERC20 (the workload of the benchmarks and engine tests).
contract TestToken {
    mapping(address => uint256) public balanceOf;
    uint256 public totalSupply;

    event Transfer(address indexed from, address indexed to, uint256 value);

    error TestToken_InsufficientBalance(address from, uint256 balance, uint256 value);

    constructor(uint256 _supply) {
        balanceOf[msg.sender] = _supply;
        totalSupply = _supply;
        emit Transfer(address(0), msg.sender, _supply);
    }

    function transfer(address _to, uint256 _value) external returns (bool) {
        uint256 balance = balanceOf[msg.sender];
        require(balance >= _value, TestToken_InsufficientBalance(msg.sender, balance, _value));
        unchecked {
            balanceOf[msg.sender] = balance - _value;
        }
        balanceOf[_to] += _value;
        emit Transfer(msg.sender, _to, _value);
        return true;
    }
}
