// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title INativeRollup
/// @notice A based + native rollup: anyone proposes the next L2 block in an L1 transaction
///         (based), and L1 verifies it in the same transaction through EXECUTE (native). An L2
///         block is final when the L1 block that carries it is.
interface INativeRollup {
    /// @notice The proposer's claims about the next L2 block. The contract supplies the rest
    ///         (chain id, number, parent, pre-state root, gas limit, prevRandao, L1 anchor).
    struct BlockClaim {
        /// @dev The head the block builds on; checked first so a lost race reverts cheaply.
        bytes32 parentHash;
        bytes32 blockHash;
        bytes32 stateRoot;
        bytes32 receiptsRoot;
        uint64 gasUsed;
        address coinbase;
        uint64 timestamp;
        /// @dev The L1 block the L2 block is anchored to: one of the last 256, not older than
        ///      the parent's. Its hash is the L1 anchor and the L2 block's prevRandao, both known
        ///      to the proposer when it builds the block (the inclusion block's are not).
        uint64 anchorBlockNumber;
    }

    /// @notice The latest verified L2 block.
    struct Head {
        uint64 number;
        uint64 timestamp;
        uint64 anchorBlockNumber;
        bytes32 blockHash;
        bytes32 stateRoot;
    }

    /// @notice Emitted for every verified L2 block, with everything a follower needs to rebuild
    ///         its header. The transactions are in this L1 transaction: in its calldata
    ///         (`blobHashes` empty, `dataHash` = keccak256 of the bytes) or in its blobs
    ///         (`blobHashes` their versioned hashes, `dataHash` = keccak256(abi.encodePacked(blobHashes))).
    /// @param number L2 block number.
    /// @param blockHash L2 block hash.
    /// @param proposer Who sent the L1 transaction.
    /// @param parentHash Parent L2 block hash.
    /// @param stateRoot L2 post-state root.
    /// @param receiptsRoot L2 receipts root.
    /// @param gasUsed L2 gas used.
    /// @param coinbase L2 fee recipient.
    /// @param timestamp L2 timestamp.
    /// @param anchorBlockNumber L1 block the L2 block is anchored to.
    /// @param anchor Its hash: the L2 block's L1 anchor and prevRandao.
    /// @param dataHash Commitment to the data (see above).
    /// @param blobHashes Versioned hashes of the blobs carrying the transactions (empty for calldata).
    event BlockAdvanced(
        uint256 indexed number,
        bytes32 indexed blockHash,
        address indexed proposer,
        bytes32 parentHash,
        bytes32 stateRoot,
        bytes32 receiptsRoot,
        uint64 gasUsed,
        address coinbase,
        uint64 timestamp,
        uint64 anchorBlockNumber,
        bytes32 anchor,
        bytes32 dataHash,
        bytes32[] blobHashes
    );

    /// @dev The claimed parent is not the head: another block got there first.
    error NativeRollup_ParentMismatch(bytes32 head, bytes32 claimed);
    /// @dev The claimed L2 timestamp is later than the L1 block carrying it.
    error NativeRollup_TimestampInFuture(uint64 claimed, uint256 l1Timestamp);
    /// @dev The anchor block is not among the last 256 L1 blocks, or is older than the parent's.
    error NativeRollup_InvalidAnchor(uint64 anchorBlockNumber, uint64 parentAnchorBlockNumber, uint256 l1BlockNumber);
    /// @dev `advanceWithBlobs` got no blob hash: use `advance` for calldata.
    error NativeRollup_NoBlobs();
    /// @dev A referenced blob is not the transaction's blob at that index (or there is none).
    error NativeRollup_BlobNotInTransaction(uint256 index, bytes32 referenced, bytes32 actual);
    /// @dev EXECUTE rejected the block (or ran out of gas): it is not a valid successor of the head.
    error NativeRollup_ExecutionFailed(uint64 number);
    /// @dev EXECUTE accepted a block whose hash differs from the claim (a broken precompile).
    error NativeRollup_BlockHashMismatch(bytes32 claimed, bytes32 executed);
    /// @dev The state root of that L2 block is not (or no longer) in the history ring buffer.
    error NativeRollup_StateRootUnavailable(uint256 number);

    /// @notice Proposes and verifies the next L2 block, its transactions in calldata.
    ///         Permissionless. Reverts unless EXECUTE accepts the block.
    function advance(BlockClaim calldata _claim, bytes calldata _transactions, bytes calldata _witness) external;

    /// @notice Proposes and verifies the next L2 block, its transactions in the blobs of this
    ///         transaction (encoded as docs/blobs.md says). `_blobHashes[i]` must be the
    ///         transaction's blob `i`; EXECUTE fails if their data is unavailable, does not match
    ///         or does not decode.
    function advanceWithBlobs(BlockClaim calldata _claim, bytes32[] calldata _blobHashes, bytes calldata _witness) external;

    /// @notice The latest verified L2 block.
    function head() external view returns (Head memory);

    /// @notice The state root of a verified L2 block among the last `STATE_ROOT_HISTORY`.
    function stateRootAt(uint256 _number) external view returns (bytes32);
}
