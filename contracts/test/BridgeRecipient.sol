// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @dev Test-only recipient of bridge calls (on L1 from NativeRollup, on L2 from L2Messenger):
///      records what it saw, can revert, and can call back into its caller (re-entrancy tests).
contract BridgeRecipient {
    address public lastSender;
    address public lastSource;
    uint256 public lastValue;
    bytes public lastData;
    uint256 public calls;
    bool public shouldRevert;
    bytes public reenterData;
    bool public reenterOk;
    bytes public reenterResult;

    function setRevert(bool _revert) external {
        shouldRevert = _revert;
    }

    function setReenter(bytes calldata _data) external {
        reenterData = _data;
    }

    fallback() external payable {
        require(!shouldRevert, "BridgeRecipient: told to revert");
        ++calls;
        lastValue = msg.value;
        lastData = msg.data;
        (bool ok, bytes memory ret) = msg.sender.staticcall(abi.encodeWithSignature("xDomainMessageSender()"));
        if (ok && ret.length >= 32) lastSender = abi.decode(ret, (address));
        if (ok && ret.length >= 64) (, lastSource) = abi.decode(ret, (address, address));
        if (reenterData.length > 0) (reenterOk, reenterResult) = msg.sender.call(reenterData);
    }
}

/// @dev Test-only coinbase that refuses every payment.
contract RefusingCoinbase {
    receive() external payable {
        revert("RefusingCoinbase");
    }
}
