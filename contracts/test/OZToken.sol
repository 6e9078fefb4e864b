// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @dev Test-only: OpenZeppelin's ERC20 (from npm) as a user would deploy it, for the L2
///      JSON-RPC tests with ethers, viem and Hardhat.
contract OZToken is ERC20 {
    constructor(uint256 _supply) ERC20("Ultrasound Test Token", "UTT") {
        _mint(msg.sender, _supply);
    }
}
