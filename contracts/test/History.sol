// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @dev Test-only: records block context, so tests see BLOCKHASH, TIMESTAMP and COINBASE at work.
contract History {
    mapping(uint256 => bytes32) public hashOf;
    uint256 public lastTimestamp;
    address public lastCoinbase;

    function recordHash(uint256 _number) external {
        hashOf[_number] = blockhash(_number);
    }

    function recordContext() external {
        lastTimestamp = block.timestamp;
        lastCoinbase = block.coinbase;
    }
}
