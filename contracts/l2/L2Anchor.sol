// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title L2Anchor
/// @notice L2 predeploy that receives the block's anchor once per L2 block, through an unmetered
///         system call made by the execution engine before the block's transactions (EIP-8079's
///         anchor). The anchor is a commitment, computed by NativeRollup:
///         `keccak256(abi.encode(l1BlockHash, messageCount, rollingHash))` — the L1 block the
///         proposer chose (one of the last 256, no older than the parent's anchor) and the L1→L2
///         queue delivered up to this block (docs/bridge.md). `L2Messenger` checks the messages it
///         delivers against it. The L1 block hash itself is the L2 block's `block.prevrandao`.
contract L2Anchor {
    /// @notice The caller the execution engine uses for system calls (as in EIP-4788).
    address public constant SYSTEM_ADDRESS = 0xffffFFFfFFffffffffffffffFfFFFfffFFFfFFfE;

    /// @notice How many past anchors are kept, as in the EIP-2935 history contract.
    uint256 public constant HISTORY_SIZE = 8191;

    /// @notice The anchor of the latest L2 block.
    bytes32 public latestAnchor;

    /// @notice The L2 block number that received `latestAnchor`.
    uint256 public latestL2BlockNumber;

    /// @dev L2 block number % HISTORY_SIZE → anchor of that L2 block.
    bytes32[HISTORY_SIZE] private _history;

    /// @dev Fires when anyone but the system address calls `anchor`.
    error L2Anchor_NotSystem(address caller);

    /// @notice Records the anchor of the current L2 block. Only the engine's system call.
    function anchor(bytes32 _anchor) external {
        require(msg.sender == SYSTEM_ADDRESS, L2Anchor_NotSystem(msg.sender));
        latestAnchor = _anchor;
        latestL2BlockNumber = block.number;
        _history[block.number % HISTORY_SIZE] = _anchor;
    }

    /// @notice The anchor of a recent L2 block (zero when unknown or older than the window).
    function anchorAt(uint256 _l2BlockNumber) external view returns (bytes32) {
        if (_l2BlockNumber > block.number || block.number - _l2BlockNumber >= HISTORY_SIZE) return bytes32(0);
        return _history[_l2BlockNumber % HISTORY_SIZE];
    }
}
