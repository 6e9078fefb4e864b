// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @notice Stands in for the L2 messenger when the session's game is deployed directly on L1
///         (examples/game-session measures what the same game costs there): `relay` calls the
///         game as the messenger would deliver an L1 message from the caller, and
///         `sendMessageToL1` records the result as an event.
contract L1MessengerStub {
    address private _sender;

    /// @notice The game sent its result.
    event ResultSent(address indexed to, bytes data, bytes32 hash);

    /// @dev Outside a relayed call.
    error L1MessengerStub_NotInMessage();
    /// @dev The relayed call reverted.
    error L1MessengerStub_CallFailed(bytes returnData);

    /// @notice Calls `_target` with `_data`, with `xDomainMessageSender() = (msg.sender, 0)`.
    function relay(address _target, bytes calldata _data) external {
        _sender = msg.sender;
        (bool ok, bytes memory returnData) = _target.call(_data);
        _sender = address(0);
        require(ok, L1MessengerStub_CallFailed(returnData));
    }

    function xDomainMessageSender() external view returns (address sender_, address sourceRollup_) {
        require(_sender != address(0), L1MessengerStub_NotInMessage());
        return (_sender, address(0));
    }

    function sendMessageToL1(address _to, bytes calldata _data) external payable returns (bytes32 hash_) {
        hash_ = keccak256(abi.encode(msg.sender, _to, msg.value, _data));
        emit ResultSent(_to, _data, hash_);
    }
}
