// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @dev Test-only receiver of bridge calls, on L2 (called by L2Messenger) or on L1 (called by
///      NativeRollup): records the caller, the cross-domain sender (and, on L2, the source
///      rollup) read back from the caller, the value and the data; reverts while told to.
contract XDomainReceiver {
    address public lastCaller;
    address public lastSender;
    address public lastSource;
    uint256 public lastValue;
    bytes public lastData;
    uint256 public calls;
    bool public shouldRevert;

    /// @dev The receiver was told to revert.
    error XDomainReceiver_Refused();

    function setRevert(bool _revert) external {
        shouldRevert = _revert;
    }

    /// @notice A call a message makes: records everything it sees.
    function receiveMessage(bytes calldata _payload) external payable {
        require(!shouldRevert, XDomainReceiver_Refused());
        ++calls;
        lastCaller = msg.sender;
        lastValue = msg.value;
        lastData = _payload;
        (bool ok, bytes memory ret) = msg.sender.staticcall(abi.encodeWithSignature("xDomainMessageSender()"));
        require(ok, XDomainReceiver_Refused());
        lastSender = abi.decode(ret, (address));
        if (ret.length >= 64) (, lastSource) = abi.decode(ret, (address, address));
    }

    receive() external payable {
        require(!shouldRevert, XDomainReceiver_Refused());
    }
}
