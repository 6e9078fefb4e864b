// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {INativeRollup} from "../interfaces/INativeRollup.sol";
import {Execute} from "../libraries/Execute.sol";

/// @title NativeRollup
/// @notice One based + native rollup. See {INativeRollup}.
contract NativeRollup is INativeRollup {
    /// @notice How many past state roots are kept for proofs (as EIP-2935's history window).
    uint256 public constant STATE_ROOT_HISTORY = 8191;

    /// @notice The L2 chain id.
    uint64 public immutable CHAIN_ID;
    /// @notice The L2 block gas limit, fixed for the chain's life.
    uint64 public immutable GAS_LIMIT;

    Head internal _head;

    /// @dev Ring buffer: number % STATE_ROOT_HISTORY → state root of the newest block with that
    ///      residue. Block `n` is live iff `n <= head.number < n + STATE_ROOT_HISTORY`: then no later
    ///      block has overwritten its slot, so no block number needs storing beside the root (one
    ///      fresh storage slot per advance instead of two: 22,100 gas less).
    bytes32[STATE_ROOT_HISTORY] internal _stateRoots;

    /// @param _chainId L2 chain id.
    /// @param _gasLimit L2 block gas limit.
    /// @param _genesisHash Hash of the L2 genesis header.
    /// @param _genesisStateRoot State root of the L2 genesis.
    /// @param _genesisTimestamp Timestamp of the L2 genesis.
    constructor(
        uint64 _chainId,
        uint64 _gasLimit,
        bytes32 _genesisHash,
        bytes32 _genesisStateRoot,
        uint64 _genesisTimestamp
    ) {
        CHAIN_ID = _chainId;
        GAS_LIMIT = _gasLimit;
        _head = Head({
            number: 0,
            timestamp: _genesisTimestamp,
            anchorBlockNumber: 0,
            blockHash: _genesisHash,
            stateRoot: _genesisStateRoot
        });
        _stateRoots[0] = _genesisStateRoot;
    }

    /// @inheritdoc INativeRollup
    function advance(BlockClaim calldata _claim, bytes calldata _transactions, bytes calldata _witness) external {
        _advance(_claim, _transactions, new bytes32[](0), keccak256(_transactions), _witness);
    }

    /// @inheritdoc INativeRollup
    function advanceWithBlobs(BlockClaim calldata _claim, bytes32[] calldata _blobHashes, bytes calldata _witness) external {
        require(_blobHashes.length > 0, NativeRollup_NoBlobs());
        for (uint256 i; i < _blobHashes.length; ++i) {
            bytes32 actual = blobhash(i);
            require(actual == _blobHashes[i], NativeRollup_BlobNotInTransaction(i, _blobHashes[i], actual));
        }
        _advance(_claim, "", _blobHashes, keccak256(abi.encodePacked(_blobHashes)), _witness);
    }

    function _advance(
        BlockClaim calldata _claim,
        bytes memory _transactions,
        bytes32[] memory _blobHashes,
        bytes32 _dataHash,
        bytes calldata _witness
    ) internal {
        Head memory parent = _head;
        // First and cheap: a proposer that lost the race for this height stops here.
        require(_claim.parentHash == parent.blockHash, NativeRollup_ParentMismatch(parent.blockHash, _claim.parentHash));
        require(_claim.timestamp <= block.timestamp, NativeRollup_TimestampInFuture(_claim.timestamp, block.timestamp));
        bytes32 anchor = blockhash(_claim.anchorBlockNumber);
        require(
            anchor != bytes32(0) && _claim.anchorBlockNumber >= parent.anchorBlockNumber,
            NativeRollup_InvalidAnchor(_claim.anchorBlockNumber, parent.anchorBlockNumber, block.number)
        );

        Execute.Header memory header = _header(parent, _claim, anchor);
        // No L1→L2 messages yet; burned fees are not accounted yet (both come with the bridge).
        (bool ok, bytes32 executedHash,) = Execute.execute(header, _transactions, _blobHashes, _witness, "");
        require(ok, NativeRollup_ExecutionFailed(header.number));
        require(executedHash == _claim.blockHash, NativeRollup_BlockHashMismatch(_claim.blockHash, executedHash));

        _head = Head({
            number: header.number,
            timestamp: _claim.timestamp,
            anchorBlockNumber: _claim.anchorBlockNumber,
            blockHash: _claim.blockHash,
            stateRoot: _claim.stateRoot
        });
        _stateRoots[header.number % STATE_ROOT_HISTORY] = _claim.stateRoot;
        _emitAdvanced(header, _claim.anchorBlockNumber, _dataHash, _blobHashes);
    }

    /// @inheritdoc INativeRollup
    function head() external view returns (Head memory) {
        return _head;
    }

    /// @inheritdoc INativeRollup
    function stateRootAt(uint256 _number) external view returns (bytes32) {
        uint256 headNumber = _head.number;
        require(
            _number <= headNumber && headNumber - _number < STATE_ROOT_HISTORY, NativeRollup_StateRootUnavailable(_number)
        );
        return _stateRoots[_number % STATE_ROOT_HISTORY];
    }

    /// @dev The full EXECUTE header: the claim, completed with what only L1 may decide.
    function _header(Head memory _parent, BlockClaim calldata _claim, bytes32 _anchor)
        internal
        view
        returns (Execute.Header memory)
    {
        return Execute.Header({
            chainId: CHAIN_ID,
            number: _parent.number + 1,
            parentHash: _parent.blockHash,
            blockHash: _claim.blockHash,
            preStateRoot: _parent.stateRoot,
            postStateRoot: _claim.stateRoot,
            receiptsRoot: _claim.receiptsRoot,
            gasLimit: GAS_LIMIT,
            gasUsed: _claim.gasUsed,
            coinbase: _claim.coinbase,
            timestamp: _claim.timestamp,
            prevRandao: _anchor,
            anchor: _anchor
        });
    }

    function _emitAdvanced(Execute.Header memory _h, uint64 _anchorBlockNumber, bytes32 _dataHash, bytes32[] memory _blobHashes)
        internal
    {
        emit BlockAdvanced(
            _h.number,
            _h.blockHash,
            msg.sender,
            _h.parentHash,
            _h.postStateRoot,
            _h.receiptsRoot,
            _h.gasUsed,
            _h.coinbase,
            _h.timestamp,
            _anchorBlockNumber,
            _h.anchor,
            _dataHash,
            _blobHashes
        );
    }
}
