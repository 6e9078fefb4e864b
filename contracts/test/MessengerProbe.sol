// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @dev Test-only stand-in for the L2Messenger predeploy, placed at its address in a test genesis:
///      it takes `deliverMessages` with the real signature and records what the engine's delivery
///      system call gave it. `_l1BlockHash` chooses a behaviour, so a test can alter a built block's
///      messages into a failing delivery: `keccak256("revert")` reverts, `keccak256("loop")` loops
///      until out of gas, `keccak256("burn")` burns about `_count` gas then records.
contract MessengerProbe {
    address public constant SYSTEM_ADDRESS = 0xffffFFFfFFffffffffffffffFfFFFfffFFFfFFfE;
    bytes32 public constant REVERT = keccak256("revert");
    bytes32 public constant LOOP = keccak256("loop");
    bytes32 public constant BURN = keccak256("burn");

    struct L1Message {
        uint256 index;
        address sender;
        address sourceRollup;
        address to;
        uint256 value;
        uint256 fee;
        uint64 gasLimit;
        bytes data;
    }

    bytes32 public l1BlockHash;
    uint256 public count;
    bytes32 public rollingHash;
    /// @dev keccak256(abi.encode(messages)) of the last delivery.
    bytes32 public messagesHash;
    uint256 public messageCount;
    uint256 public deliveries;
    uint256 public lastDeliveryBlock;
    address public lastCaller;
    /// @dev Set by `poke`: whether this block's delivery had already run when a transaction ran.
    bool public pokeSawDelivery;

    error MessengerProbe_Reverted(uint256 count);

    function deliverMessages(bytes32 _l1BlockHash, uint256 _count, bytes32 _rollingHash, L1Message[] calldata _messages)
        external
    {
        if (_l1BlockHash == REVERT) revert MessengerProbe_Reverted(_count);
        if (_l1BlockHash == LOOP) {
            while (true) {
                deliveries += 1;
            }
        }
        if (_l1BlockHash == BURN) {
            uint256 stop = gasleft() - _count;
            while (gasleft() > stop) {}
        }
        l1BlockHash = _l1BlockHash;
        count = _count;
        rollingHash = _rollingHash;
        messagesHash = keccak256(abi.encode(_messages));
        messageCount = _messages.length;
        deliveries += 1;
        lastDeliveryBlock = block.number;
        lastCaller = msg.sender;
    }

    /// @dev Called by a transaction: records whether this block's delivery came before it.
    function poke() external {
        pokeSawDelivery = lastDeliveryBlock == block.number;
    }
}
