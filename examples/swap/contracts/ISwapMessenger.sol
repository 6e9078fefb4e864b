// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @notice The part of the L2 messenger predeploy (`0x5500…0002`, contracts/l2/L2Messenger.sol)
///         the swap uses: send a message to another rollup, and read who sent the one being delivered.
interface ISwapMessenger {
    function sendMessageToRollup(address _destination, address _to, bytes calldata _data, uint64 _gasLimit, uint256 _fee)
        external
        payable
        returns (bytes32 hash_);

    function xDomainMessageSender() external view returns (address sender_, address sourceRollup_);
}
