// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title Execute
/// @notice Calls the EXECUTE precompile (emulated at 0x…0101): stateless re-execution of one
///         L2 block. The input layout is `abi.encode(Header, bytes, bytes32[], bytes, bytes)`
///         (the last field: the block's L1→L2 messages, docs/bridge.md), specified in docs/execute.md and mirrored by src/precompile/codec.ts (a round-trip test keeps
///         the two in lockstep).
library Execute {
    /// @notice The precompile's address.
    address internal constant EXECUTE_ADDRESS = address(0x0101);

    /// @notice The static part of the input: the L2 block header as claimed by the proposer and
    ///         completed by the rollup contract. Every field is checked by re-execution.
    struct Header {
        uint64 chainId;
        uint64 number;
        bytes32 parentHash;
        bytes32 blockHash;
        bytes32 preStateRoot;
        bytes32 postStateRoot;
        bytes32 receiptsRoot;
        uint64 gasLimit;
        uint64 gasUsed;
        address coinbase;
        uint64 timestamp;
        bytes32 prevRandao;
        bytes32 anchor;
    }

    /// @notice The input bytes EXECUTE takes.
    /// @param _transactions `RLP([tx…])`, or empty when the data is in blobs.
    /// @param _blobHashes Versioned hashes of the blobs carrying the transactions (empty for calldata).
    /// @param _witness `RLP([nodes, codes, headers])`.
    /// @param _messages The `deliverMessages` arguments of the block's L1→L2 messages, or empty.
    function encodeInput(
        Header memory _header,
        bytes memory _transactions,
        bytes32[] memory _blobHashes,
        bytes calldata _witness,
        bytes calldata _messages
    ) internal pure returns (bytes memory) {
        return abi.encode(_header, _transactions, _blobHashes, _witness, _messages);
    }

    /// @notice EXECUTE's gas market in this L1 block (docs/execute.md, "Gas market"), from the
    ///         precompile's `executeMarket()` view: whether the market prices EXECUTE (`pricing_`
    ///         1; 0 under 1:1 pricing, where nothing is paid in ETH and there is no block limit),
    ///         the base fee in wei per L2 gas, the L2 gas its EXECUTE calls used so far and the limit.
    ///         Anything but six words reads as no market: EXECUTE itself still refuses what it must.
    function market() internal view returns (uint256 pricing_, uint256 baseFee_, uint256 usedInBlock_, uint256 limit_) {
        (bool success, bytes memory output) = EXECUTE_ADDRESS.staticcall(abi.encodeWithSignature("executeMarket()"));
        if (!success || output.length != 192) return (0, 0, 0, 0);
        (pricing_, baseFee_, usedInBlock_, limit_) = abi.decode(output, (uint256, uint256, uint256, uint256));
    }

    /// @notice Runs EXECUTE, paying it `_fee` wei (the market's `gasUsed × baseFee`, burned at the
    ///         precompile; 0 under 1:1 pricing). Returns false when the block is invalid or the
    ///         call ran out of gas; otherwise the L2 block hash and the base fee the block burned
    ///         (EIP-8079's `burned_fees`), from a 64-byte output. Any other output length is a
    ///         failure: a precompile of another version must not be read as this one, and under
    ///         the market a rejected block answers empty, successfully, so that its fee stays paid
    ///         — the caller's revert on `ok_ == false` then undoes the whole transaction, fee included.
    ///         A CALL, not a STATICCALL: the market's state changes and the fee is value.
    function execute(
        Header memory _header,
        bytes memory _transactions,
        bytes32[] memory _blobHashes,
        bytes calldata _witness,
        bytes calldata _messages,
        uint256 _fee
    ) internal returns (bool ok_, bytes32 blockHash_, uint256 burnedFees_) {
        bytes memory input = encodeInput(_header, _transactions, _blobHashes, _witness, _messages);
        (bool success, bytes memory output) = EXECUTE_ADDRESS.call{value: _fee}(input);
        if (!success || output.length != 64) return (false, bytes32(0), 0);
        (blockHash_, burnedFees_) = abi.decode(output, (bytes32, uint256));
        ok_ = true;
    }

    // ------------------------------------------------------------ batches (docs/execute.md, "Batches")

    /// @notice A batch's first word: a single input starts with its chain id (a uint64, first byte
    ///         0), a batch with this (first byte 'E'), which is how EXECUTE tells them apart.
    bytes32 internal constant BATCH_MAGIC = "EXECUTE_BATCH_V1";

    /// @notice EXECUTE's input for k blocks at once: `abi.encode(BATCH_MAGIC, k, gasUsed,
    ///         blobHashes, entries)`, each entry a single input (`encodeInput`), `_gasUsed` the sum
    ///         of their claims and `_blobHashes` every blob an entry names (charged once).
    function encodeBatch(bytes[] memory _entries, bytes32[] memory _blobHashes, uint256 _gasUsed)
        internal
        pure
        returns (bytes memory)
    {
        return abi.encode(BATCH_MAGIC, _entries.length, _gasUsed, _blobHashes, _entries);
    }

    /// @notice One batched EXECUTE call over `_entries` blocks, paying `_fee` (every entry's fee):
    ///         `ok_` false when the call failed (malformed batch, refused by the market, out of
    ///         gas) or answered other than 64 bytes per entry. The callers (RollupBundler's and
    ///         PreconfRegistry's `executeBatch`) revert with their own errors on it.
    function executeBatch(bytes calldata _batch, uint256 _entries, uint256 _fee)
        internal
        returns (bool ok_, bytes memory output_)
    {
        (ok_, output_) = EXECUTE_ADDRESS.call{value: _fee}(_batch);
        ok_ = ok_ && output_.length == 64 * _entries;
    }

    /// @notice Whether entry `_index` of a batch's output (`executeBatch`) is an accepted block:
    ///         a rejected entry answers 64 zero bytes, and no accepted block has hash 0.
    function batchAccepted(bytes memory _output, uint256 _index) internal pure returns (bool accepted_) {
        assembly ("memory-safe") {
            accepted_ := iszero(iszero(mload(add(add(_output, 32), mul(_index, 64)))))
        }
    }

    /// @notice The verdict a batched EXECUTE call of this L1 transaction gave the block whose single
    ///         input hashes to `_key` (`keccak256(encodeInput(...))`): the block hash and burned
    ///         fees it accepted the block with, or zeros when no batch of this transaction accepted
    ///         it. EXECUTE remembers accepted entries in its transient storage; nothing else can
    ///         write there, so a non-zero answer is EXECUTE's verdict on exactly that input.
    function verdict(bytes32 _key) internal view returns (bytes32 blockHash_, uint256 burnedFees_) {
        (bool success, bytes memory output) =
            EXECUTE_ADDRESS.staticcall(abi.encodeWithSignature("executeVerdict(bytes32)", _key));
        if (!success || output.length != 64) return (bytes32(0), 0);
        (blockHash_, burnedFees_) = abi.decode(output, (bytes32, uint256));
    }
}
