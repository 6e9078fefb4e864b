// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {INativeRollup} from "../interfaces/INativeRollup.sol";
import {Execute} from "../libraries/Execute.sol";
import {MerkleTrie} from "../libraries/MerkleTrie.sol";
import {L2Proxy} from "./L2Proxy.sol";

/// @title NativeRollup
/// @notice One based + native rollup, and its L1 side of the bridge (docs/bridge.md).
///         See {INativeRollup}.
/// @dev Two forms, one code base (docs/rollups.md):
///      - deployed directly: the configuration is in this contract's immutables;
///      - a clone made by {RollupFactory}: an ERC-1167-style proxy whose code ends with the
///        configuration, packed (the "immutable arguments" of Solady's LibClone), read back with
///        EXTCODECOPY. Under DELEGATECALL `address(this)` is the clone, not `_SELF`.
///      Every configuration read goes through the `_configChainId()`… functions below, so nothing else
///      in the contract knows which form it runs in. Neither form writes storage at creation: the
///      head is the genesis from the configuration until the first block is verified.
///      A direct deployment with chain id 0 is an implementation for clones: it is born retired,
///      so it can neither advance nor take deposits (it holds no ETH and no state root to prove).
contract NativeRollup is INativeRollup {
    /// @notice How many past state roots are kept for proofs (as EIP-2935's history window).
    uint256 public constant STATE_ROOT_HISTORY = 8191;
    /// @notice Most gas an L1→L2 message may ask for its call.
    uint256 public constant MAX_MESSAGE_GAS = 1_000_000;
    /// @notice Longest data an L1→L2 message may carry (16 KiB).
    uint256 public constant MAX_MESSAGE_DATA = 16 * 1024;
    /// @notice L1 blocks after which an undelivered message forces delivery (see `advance`).
    uint256 public constant FORCE_DELAY = 64;
    /// @notice The L2 messenger predeploy, whose `sentMessages` claims are proven against.
    address public constant L2_MESSENGER = 0x5500000000000000000000000000000000000002;
    /// @notice The storage slot of `L2Messenger.sentMessages` (a mapping).
    uint256 public constant SENT_MESSAGES_SLOT = 2;
    /// @notice The storage slot of `L2Messenger.syncResults` (a mapping by L2 block number).
    uint256 public constant SYNC_RESULTS_SLOT = 6;
    /// @notice The `sourceRollup` of a sync call's message (docs/sync.md). Only `syncProxyCall`
    ///         enqueues it: `enqueueFromRollup` sets `msg.sender`, and no call comes from the
    ///         ECRECOVER precompile's address.
    address public constant SYNC_SOURCE = address(1);
    /// @notice The `sourceRollup` of the message carrying an L2 → L1 call table (docs/sync.md).
    ///         Only `advanceWithL1Calls` enqueues it (no call comes from the SHA-256 precompile).
    address public constant L1_CALLS_SOURCE = address(2);
    /// @notice The storage slot of `L2Messenger.l1CallsConsumed` (a mapping by L2 block number).
    uint256 public constant L1_CALLS_CONSUMED_SLOT = 7;

    /// @dev This contract's own address. A clone runs this code by DELEGATECALL, where
    ///      `address(this)` is the clone: `address(this) != _SELF` tells the two forms apart.
    address private immutable _SELF = address(this);
    // The direct form's configuration (a clone's is in its code; these are the implementation's).
    uint64 private immutable _CHAIN_ID_IMMUTABLE;
    uint64 private immutable _GAS_LIMIT_IMMUTABLE;
    bytes32 private immutable _GENESIS_HASH_IMMUTABLE;
    bytes32 private immutable _GENESIS_STATE_ROOT_IMMUTABLE;
    uint64 private immutable _GENESIS_TIMESTAMP_IMMUTABLE;
    address private immutable _FEE_RECIPIENT_IMMUTABLE;
    address private immutable _RETIRER_IMMUTABLE;

    // A clone's immutable arguments, packed (abi.encodePacked order), after its 45-byte proxy code.
    // RollupFactory leaves trailing zero bytes out of the code; EXTCODECOPY reads them back as zero.
    uint256 internal constant CLONE_ARGS_OFFSET = 0x2d;
    uint256 internal constant ARG_CHAIN_ID = 0; //             uint64
    uint256 internal constant ARG_GAS_LIMIT = 8; //            uint64
    uint256 internal constant ARG_GENESIS_HASH = 16; //        bytes32
    uint256 internal constant ARG_GENESIS_STATE_ROOT = 48; //  bytes32
    uint256 internal constant ARG_GENESIS_TIMESTAMP = 80; //   uint64
    uint256 internal constant ARG_FEE_RECIPIENT = 88; //       address
    uint256 internal constant ARG_RETIRER = 108; //            address
    /// @notice Length of a clone's packed immutable arguments (before trailing zeros are dropped).
    uint256 public constant CLONE_ARGS_LENGTH = 128;

    Head internal _head;

    /// @dev Ring buffer: number % STATE_ROOT_HISTORY → state root of the newest block with that
    ///      residue. Block `n` is live iff `n <= head.number < n + STATE_ROOT_HISTORY`: then no later
    ///      block has overwritten its slot, so no block number needs storing beside the root (one
    ///      fresh storage slot per advance instead of two: 22,100 gas less).
    bytes32[STATE_ROOT_HISTORY] internal _stateRoots;

    /// @dev The L1→L2 queue's length, and whether the rollup is retired. One slot: every advance
    ///      and every enqueue reads the length, so the retirement check costs neither a cold SLOAD.
    uint64 internal _messageCount;
    bool internal _retired;
    /// @notice rollingHash(i): the queue's commitment after its first `i` messages (0 for i = 0).
    mapping(uint256 index => bytes32) public rollingHash;
    /// @notice The L1 block number at which message `index` was enqueued.
    mapping(uint256 index => uint256) public enqueuedAt;
    /// @notice L2 messages already claimed or forwarded, by hash.
    mapping(bytes32 hash => bool) public claimed;
    /// @notice Σ burned fees of every verified L2 block (EXECUTE's second output word).
    uint256 public burnedFees;
    /// @notice Σ value + fee of every enqueued message (forwarded ones included).
    uint256 public totalDeposited;
    /// @notice Σ value of every claimed message, and value + fee of every forwarded one.
    uint256 public totalWithdrawn;
    /// @notice Burned fees already paid to FEE_RECIPIENT.
    uint256 public burnedFeesWithdrawn;
    /// @notice The L2 address each L2Proxy of this rollup stands for (address(0): not a proxy).
    mapping(address proxy => address l2Address) public l2ProxyTarget;

    /// @dev Set for the duration of claim/forward/withdrawBurnedFees.
    bool private transient _locked;
    /// @dev The L2 sender of the message whose call is running (address(0) outside).
    address private transient _xDomainSender;
    /// @dev The execution table of the running `syncExecute` (docs/sync.md): set while its L1 call runs.
    bool private transient _syncActive;
    uint256 private transient _syncCount;
    uint256 private transient _syncCursor;
    /// @dev Entry i lives at keccak256(abi.encode(SYNC_TABLE, i)) + k in transient storage:
    ///      k = 0 the request hash, 1 success, 3 the length of abi.encode(success, returnData),
    ///      4… its words.
    bytes32 private constant SYNC_TABLE = keccak256("ultrasound.NativeRollup.syncTable");

    /// @dev The user path's prepared table (docs/sync.md, "The user path"): its entries are in
    ///      persistent storage at the transient table's slots, answered during L1 block `l1Block`
    ///      only, to transactions of `origin`. Consuming its successful entry adopts `_preparedHead`.
    struct Prepared {
        uint64 l1Block;
        uint64 count;
        uint64 cursor;
        address origin;
    }

    Prepared internal _prepared;
    /// @dev The verified, not yet adopted head of the prepared block, and what adopting it adds.
    Head internal _preparedHead;
    bytes32 internal _preparedParent;
    uint128 internal _preparedBurned;
    uint128 internal _preparedDeposited;

    /// @param _chainId L2 chain id (0: an implementation for clones, born retired).
    /// @param _gasLimit L2 block gas limit.
    /// @param _genesisHash Hash of the L2 genesis header.
    /// @param _genesisStateRoot State root of the L2 genesis.
    /// @param _genesisTimestamp Timestamp of the L2 genesis.
    /// @param _feeRecipient Who may withdraw the burned fees (address(0): nobody).
    /// @param _retirer Who may retire the rollup (address(0): nobody).
    constructor(
        uint64 _chainId,
        uint64 _gasLimit,
        bytes32 _genesisHash,
        bytes32 _genesisStateRoot,
        uint64 _genesisTimestamp,
        address _feeRecipient,
        address _retirer
    ) {
        _CHAIN_ID_IMMUTABLE = _chainId;
        _GAS_LIMIT_IMMUTABLE = _gasLimit;
        _GENESIS_HASH_IMMUTABLE = _genesisHash;
        _GENESIS_STATE_ROOT_IMMUTABLE = _genesisStateRoot;
        _GENESIS_TIMESTAMP_IMMUTABLE = _genesisTimestamp;
        _FEE_RECIPIENT_IMMUTABLE = _feeRecipient;
        _RETIRER_IMMUTABLE = _retirer;
        // The genesis head is not written: `_currentHead` serves it from the configuration.
        if (_chainId == 0) {
            // The implementation behind clones (its storage is its own, never a clone's).
            _retired = true;
            emit Retired(0);
        }
    }

    modifier nonReentrant() {
        require(!_locked, NativeRollup_Reentrant());
        _locked = true;
        _;
        _locked = false;
    }

    // ---------------------------------------------------------------- configuration

    /// @notice The L2 chain id.
    function CHAIN_ID() external view returns (uint64) {
        return _configChainId();
    }

    /// @notice The L2 block gas limit, fixed for the chain's life.
    function GAS_LIMIT() external view returns (uint64) {
        return _configGasLimit();
    }

    /// @notice The quota of messages a block must deliver once one is overdue: as many as fit in
    ///         half the L2 gas limit at their worst (gas limit plus 100,000 of delivery overhead),
    ///         at least 1, so a forced block still has room for transactions.
    function MESSAGES_PER_BLOCK() external view returns (uint256) {
        return _configMessagesPerBlock();
    }

    /// @notice Who may withdraw the L2's burned fees (address(0): nobody, they stay locked).
    function FEE_RECIPIENT() external view returns (address) {
        return _configFeeRecipient();
    }

    /// @notice Who may retire the rollup (address(0): nobody).
    function RETIRER() external view returns (address) {
        return _configRetirer();
    }

    /// @notice The hash of the L2 genesis header.
    function GENESIS_HASH() external view returns (bytes32) {
        return _configGenesisHash();
    }

    /// @notice The state root of the L2 genesis.
    function GENESIS_STATE_ROOT() external view returns (bytes32) {
        return _configGenesisStateRoot();
    }

    /// @notice The timestamp of the L2 genesis.
    function GENESIS_TIMESTAMP() external view returns (uint64) {
        return _configGenesisTimestamp();
    }

    /// @dev Whether this code runs in a clone (by DELEGATECALL), whose configuration is its code.
    function _isClone() internal view returns (bool) {
        return address(this) != _SELF;
    }

    /// @dev `_bits` bits of a clone's immutable arguments from byte `_offset`. EXTCODECOPY
    ///      zero-fills past the end of the code, which is what lets the factory drop trailing zeros.
    function _cloneArg(uint256 _offset, uint256 _bits) private view returns (uint256 value_) {
        assembly ("memory-safe") {
            extcodecopy(address(), 0x00, add(CLONE_ARGS_OFFSET, _offset), 0x20)
            value_ := shr(sub(256, _bits), mload(0x00))
        }
    }

    function _configChainId() internal view returns (uint64) {
        return _isClone() ? uint64(_cloneArg(ARG_CHAIN_ID, 64)) : _CHAIN_ID_IMMUTABLE;
    }

    function _configGasLimit() internal view returns (uint64) {
        return _isClone() ? uint64(_cloneArg(ARG_GAS_LIMIT, 64)) : _GAS_LIMIT_IMMUTABLE;
    }

    function _configGenesisHash() internal view returns (bytes32) {
        return _isClone() ? bytes32(_cloneArg(ARG_GENESIS_HASH, 256)) : _GENESIS_HASH_IMMUTABLE;
    }

    function _configGenesisStateRoot() internal view returns (bytes32) {
        return _isClone() ? bytes32(_cloneArg(ARG_GENESIS_STATE_ROOT, 256)) : _GENESIS_STATE_ROOT_IMMUTABLE;
    }

    function _configGenesisTimestamp() internal view returns (uint64) {
        return _isClone() ? uint64(_cloneArg(ARG_GENESIS_TIMESTAMP, 64)) : _GENESIS_TIMESTAMP_IMMUTABLE;
    }

    function _configFeeRecipient() internal view returns (address) {
        return _isClone() ? address(uint160(_cloneArg(ARG_FEE_RECIPIENT, 160))) : _FEE_RECIPIENT_IMMUTABLE;
    }

    function _configRetirer() internal view returns (address) {
        return _isClone() ? address(uint160(_cloneArg(ARG_RETIRER, 160))) : _RETIRER_IMMUTABLE;
    }

    /// @dev Computed, not stored: a clone has no constructor to store it in, and it is one division.
    function _configMessagesPerBlock() internal view returns (uint256) {
        uint256 perBlock = _configGasLimit() / (2 * (MAX_MESSAGE_GAS + 100_000));
        return perBlock == 0 ? 1 : perBlock;
    }

    // ---------------------------------------------------------------- retirement

    /// @inheritdoc INativeRollup
    function retire() external {
        address retirer = _configRetirer();
        // msg.sender is never address(0): a zero retirer means nobody may retire the rollup.
        require(msg.sender == retirer, NativeRollup_NotRetirer(msg.sender, retirer));
        require(!_retired, NativeRollup_Retired());
        _retired = true;
        emit Retired(_head.number);
    }

    /// @inheritdoc INativeRollup
    function retired() external view returns (bool) {
        return _retired;
    }

    // ---------------------------------------------------------------- blocks

    /// @inheritdoc INativeRollup
    function advance(BlockClaim calldata _claim, bytes calldata _transactions, bytes calldata _witness, bytes calldata _messages)
        external
        payable
    {
        _advance(_claim, _transactions, new bytes32[](0), keccak256(_transactions), _witness, _messages, msg.value);
    }

    /// @inheritdoc INativeRollup
    function advanceWithBlobs(
        BlockClaim calldata _claim,
        bytes32[] calldata _blobHashes,
        bytes calldata _witness,
        bytes calldata _messages
    ) external payable {
        _checkBlobs(_blobHashes);
        _advance(_claim, "", _blobHashes, keccak256(abi.encodePacked(_blobHashes)), _witness, _messages, msg.value);
    }

    /// @inheritdoc INativeRollup
    function advanceWithBlobRange(
        BlockClaim calldata _claim,
        bytes32[] calldata _blobHashes,
        bytes calldata _range,
        bytes calldata _witness,
        bytes calldata _messages
    ) external payable {
        // EXECUTE takes the range as its `transactions` field (16 bytes: uint64 offset, uint64
        // length; empty means the whole payload), checks the blobs by KZG as always and reads only
        // those bytes; a range of another length, empty or past the payload fails it. No check
        // here: the contract sits at the code size limit.
        _checkBlobs(_blobHashes);
        _advance(_claim, _range, _blobHashes, keccak256(abi.encodePacked(_blobHashes, _range)), _witness, _messages, msg.value);
    }

    /// @dev At least one blob, each carried by this transaction at any index: several rollups'
    ///      blocks may share one type-3 transaction (a bundle), each naming its own blobs (or
    ///      ranges of shared ones). Their order is the referenced one (EXECUTE reads them so).
    function _checkBlobs(bytes32[] calldata _blobHashes) private view {
        require(_blobHashes.length > 0, NativeRollup_NoBlobs());
        for (uint256 i; i < _blobHashes.length; ++i) {
            bytes32 referenced = _blobHashes[i];
            require(_carriesBlob(referenced), NativeRollup_BlobNotInTransaction(i, referenced, blobhash(i)));
        }
    }

    /// @dev Whether this transaction carries a blob of versioned hash `_hash`. BLOBHASH is 0 past
    ///      the transaction's last blob (and no versioned hash is 0): the scan stops there, after at
    ///      most the per-transaction blob limit (6 under Osaka) of 3-gas BLOBHASHes. A hash referenced
    ///      twice passes here; EXECUTE rejects duplicates.
    function _carriesBlob(bytes32 _hash) private view returns (bool) {
        for (uint256 j;; ++j) {
            bytes32 carried = blobhash(j);
            if (carried == bytes32(0)) return false;
            if (carried == _hash) return true;
        }
        return false; // unreachable: the loop returns
    }

    function _advance(
        BlockClaim calldata _claim,
        bytes memory _transactions,
        bytes32[] memory _blobHashes,
        bytes32 _dataHash,
        bytes calldata _witness,
        bytes calldata _messages,
        uint256 _executeFee
    ) internal {
        Head memory parent = _currentHead();
        // First and cheap: a proposer that lost the race for this height stops here.
        require(_claim.parentHash == parent.blockHash, NativeRollup_ParentMismatch(parent.blockHash, _claim.parentHash));
        _checkProposer();
        // After the parent check, which a retired rollup's head still answers: a race lost on a
        // retired rollup says so, and the lost-race path keeps its cost.
        require(!_retired, NativeRollup_Retired());
        require(_claim.timestamp <= block.timestamp, NativeRollup_TimestampInFuture(_claim.timestamp, block.timestamp));
        bytes32 prevRandao = blockhash(_claim.anchorBlockNumber);
        require(
            prevRandao != bytes32(0) && _claim.anchorBlockNumber >= parent.anchorBlockNumber,
            NativeRollup_InvalidAnchor(_claim.anchorBlockNumber, parent.anchorBlockNumber, block.number)
        );
        _checkMessages(parent.messageCount, _claim.messageCount, _messages.length);
        _checkExecuteMarket(_claim.gasUsed, _executeFee);

        Execute.Header memory header = _header(parent, _claim, prevRandao);
        uint256 burned = _verify(header, _transactions, _blobHashes, _witness, _messages, _executeFee);

        _head = Head({
            number: header.number,
            timestamp: _claim.timestamp,
            anchorBlockNumber: _claim.anchorBlockNumber,
            messageCount: _claim.messageCount,
            blockHash: _claim.blockHash,
            stateRoot: _claim.stateRoot
        });
        _stateRoots[header.number % STATE_ROOT_HISTORY] = _claim.stateRoot;
        if (burned != 0) burnedFees += burned;
        _emitAdvanced(header, _claim, _dataHash, _blobHashes);
    }

    /// @dev The queue checks of docs/bridge.md ("The anchor"): a count between the parent's and
    ///      the queue's, forced delivery of overdue messages, and messages present when delivered.
    function _checkMessages(uint64 _delivered, uint64 _claimed, uint256 _messagesLength) internal view {
        uint256 queued = _messageCount;
        require(
            _delivered <= _claimed && _claimed <= queued, NativeRollup_InvalidMessageCount(_claimed, _delivered, queued)
        );
        // A block that leaves the oldest undelivered message waiting past FORCE_DELAY is valid only
        // if it delivered its full quota (so a long overdue backlog drains at a bounded pace).
        if (_claimed < queued && _claimed < _delivered + _configMessagesPerBlock()) {
            uint256 at = enqueuedAt[_claimed];
            require(at + FORCE_DELAY > block.number, NativeRollup_MessageOverdue(_claimed, at, block.number));
        }
        require(_claimed == _delivered || _messagesLength > 0, NativeRollup_MessagesMissing());
    }

    /// @dev EXECUTE on the block, paying `_fee`: reverts unless it accepts the claimed hash; returns the burned fees.
    function _verify(
        Execute.Header memory _h,
        bytes memory _transactions,
        bytes32[] memory _blobHashes,
        bytes calldata _witness,
        bytes calldata _messages,
        uint256 _fee
    ) private returns (uint256 burned_) {
        (bool ok, bytes32 executedHash, uint256 burned) = _execute(_h, _transactions, _blobHashes, _witness, _messages, _fee);
        require(ok, NativeRollup_ExecutionFailed(_h.number));
        require(executedHash == _h.blockHash, NativeRollup_BlockHashMismatch(_h.blockHash, executedHash));
        burned_ = burned;
    }

    /// @dev EXECUTE's market (docs/execute.md, "Gas market"), checked before the work so that a
    ///      refusal names its values: the block's L2 gas must fit in what this L1 block's EXECUTE
    ///      calls have left of the limit (checked first, as EXECUTE does), and the fee must cover
    ///      `gasUsed × baseFee`. EXECUTE enforces both itself; under 1:1 pricing there is nothing to check.
    function _checkExecuteMarket(uint64 _gasUsed, uint256 _fee) internal view {
        (uint256 pricing, uint256 baseFee, uint256 used, uint256 limit) = Execute.market();
        if (pricing == 0) return;
        require(used + _gasUsed <= limit, NativeRollup_ExecuteGasLimitReached(block.number, used, _gasUsed, limit));
        uint256 required = _gasUsed * baseFee;
        require(_fee >= required, NativeRollup_ExecuteFeeTooLow(_gasUsed, baseFee, required, _fee));
    }

    /// @dev Who may advance: anyone here. A hook for {PreconfGatedRollup}, which asks its
    ///      preconfirmation registry (docs/preconf.md); after the parent check, so a lost race
    ///      still reverts first and cheapest.
    function _checkProposer() internal view virtual {}

    /// @dev EXECUTE (a hook so that test harnesses can stand in for the precompile).
    function _execute(
        Execute.Header memory _h,
        bytes memory _transactions,
        bytes32[] memory _blobHashes,
        bytes calldata _witness,
        bytes calldata _messages,
        uint256 _fee
    ) internal virtual returns (bool ok_, bytes32 blockHash_, uint256 burnedFees_) {
        return Execute.execute(_h, _transactions, _blobHashes, _witness, _messages, _fee);
    }

    /// @inheritdoc INativeRollup
    function head() external view returns (Head memory) {
        return _currentHead();
    }

    /// @dev The head: the stored one, or the genesis from the configuration until a first block
    ///      is verified (a verified block's hash is never 0). This is why creation writes no storage.
    function _currentHead() internal view returns (Head memory head_) {
        head_ = _head;
        if (head_.blockHash == bytes32(0)) {
            head_ = Head({
                number: 0,
                timestamp: _configGenesisTimestamp(),
                anchorBlockNumber: 0,
                messageCount: 0,
                blockHash: _configGenesisHash(),
                stateRoot: _configGenesisStateRoot()
            });
        }
    }

    /// @inheritdoc INativeRollup
    function stateRootAt(uint256 _number) public view returns (bytes32) {
        // The stored number is 0 at genesis, as the lazy head's: no need to build the whole head.
        uint256 headNumber = _head.number;
        require(
            _number <= headNumber && headNumber - _number < STATE_ROOT_HISTORY, NativeRollup_StateRootUnavailable(_number)
        );
        // Genesis's root is in the configuration, never in the ring buffer. (Block 8191 reuses its
        // slot, and from then on block 0 is out of the window anyway.)
        if (_number == 0) return _configGenesisStateRoot();
        return _stateRoots[_number % STATE_ROOT_HISTORY];
    }

    /// @inheritdoc INativeRollup
    function storageAt(
        uint256 _l2BlockNumber,
        address _account,
        bytes32 _slot,
        bytes[] calldata _accountProof,
        bytes[] calldata _storageProof
    ) external view returns (bytes32) {
        // An absent account has the empty storage root, and every slot of it proves 0.
        (, bytes32 storageRoot) = MerkleTrie.storageRoot(stateRootAt(_l2BlockNumber), _account, _accountProof);
        return bytes32(MerkleTrie.storageValue(storageRoot, _slot, _storageProof));
    }

    /// @dev The full EXECUTE header: the claim, completed with what only L1 may decide.
    ///      The anchor commits to the L1 block and to the queue delivered up to `messageCount`.
    function _header(Head memory _parent, BlockClaim calldata _claim, bytes32 _prevRandao)
        internal
        view
        returns (Execute.Header memory)
    {
        uint64 count = _claim.messageCount;
        return Execute.Header({
            chainId: _configChainId(),
            number: _parent.number + 1,
            parentHash: _parent.blockHash,
            blockHash: _claim.blockHash,
            preStateRoot: _parent.stateRoot,
            postStateRoot: _claim.stateRoot,
            receiptsRoot: _claim.receiptsRoot,
            gasLimit: _configGasLimit(),
            gasUsed: _claim.gasUsed,
            coinbase: _claim.coinbase,
            timestamp: _claim.timestamp,
            prevRandao: _prevRandao,
            anchor: keccak256(abi.encode(_prevRandao, count, rollingHash[count]))
        });
    }

    function _emitAdvanced(Execute.Header memory _h, BlockClaim calldata _claim, bytes32 _dataHash, bytes32[] memory _blobHashes)
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
            _claim.anchorBlockNumber,
            _h.prevRandao,
            _h.anchor,
            _claim.messageCount,
            _dataHash,
            _blobHashes
        );
    }

    // ---------------------------------------------------------------- L1 → L2

    /// @inheritdoc INativeRollup
    function deposit(address _to) external payable {
        _enqueue(msg.sender, address(0), _to, msg.value, 0, 0, "");
    }

    /// @inheritdoc INativeRollup
    function sendMessage(address _to, bytes calldata _data, uint64 _gasLimit, uint256 _fee) external payable {
        require(_fee <= msg.value, NativeRollup_FeeExceedsValue(_fee, msg.value));
        _enqueue(msg.sender, address(0), _to, msg.value - _fee, _fee, _gasLimit, _data);
    }

    /// @inheritdoc INativeRollup
    function enqueueFromRollup(address _sender, address _to, bytes calldata _data, uint64 _gasLimit, uint256 _fee)
        external
        payable
    {
        require(_fee <= msg.value, NativeRollup_FeeExceedsValue(_fee, msg.value));
        _enqueue(_sender, msg.sender, _to, msg.value - _fee, _fee, _gasLimit, _data);
    }

    /// @inheritdoc INativeRollup
    function messageCount() external view returns (uint256) {
        return _messageCount;
    }

    /// @dev Appends a message: rollingHash[i + 1], enqueuedAt[i], messageCount, the event.
    ///      Reverts on a retired rollup: no block could ever deliver the message.
    function _enqueue(
        address _sender,
        address _sourceRollup,
        address _to,
        uint256 _value,
        uint256 _fee,
        uint64 _gasLimit,
        bytes memory _data
    ) internal returns (uint256 index_) {
        require(_gasLimit <= MAX_MESSAGE_GAS, NativeRollup_MessageGasTooHigh(_gasLimit, MAX_MESSAGE_GAS));
        require(_data.length <= MAX_MESSAGE_DATA, NativeRollup_MessageDataTooLarge(_data.length, MAX_MESSAGE_DATA));
        require(!_retired, NativeRollup_Retired());
        index_ = _messageCount;
        L1Message memory message = L1Message({
            index: index_,
            sender: _sender,
            sourceRollup: _sourceRollup,
            to: _to,
            value: _value,
            fee: _fee,
            gasLimit: _gasLimit,
            data: _data
        });
        bytes32 next = keccak256(abi.encode(rollingHash[index_], keccak256(abi.encode(message))));
        rollingHash[index_ + 1] = next;
        enqueuedAt[index_] = block.number;
        _messageCount = uint64(index_ + 1);
        totalDeposited += _value + _fee;
        emit MessageQueued(index_, next, message);
    }

    // ---------------------------------------------------------------- L2 → L1

    /// @inheritdoc INativeRollup
    function claim(
        L2Message calldata _message,
        uint256 _l2BlockNumber,
        bytes[] calldata _accountProof,
        bytes[] calldata _storageProof
    ) external nonReentrant {
        require(_message.destination == address(0), NativeRollup_WrongDestination(_message.destination));
        bytes32 hash = _proveSent(_message, _l2BlockNumber, _accountProof, _storageProof);
        claimed[hash] = true;
        totalWithdrawn += _message.value;
        _xDomainSender = _message.sender;
        (bool ok, bytes memory returnData) = _message.to.call{value: _message.value}(_message.data);
        _xDomainSender = address(0);
        require(ok, NativeRollup_CallFailed(hash, returnData));
        emit MessageClaimed(hash, _message.nonce, _message.to, _message.value);
    }

    /// @inheritdoc INativeRollup
    function forward(
        L2Message calldata _message,
        uint256 _l2BlockNumber,
        bytes[] calldata _accountProof,
        bytes[] calldata _storageProof
    ) external nonReentrant {
        require(_message.destination != address(0), NativeRollup_WrongDestination(address(0)));
        bytes32 hash = _proveSent(_message, _l2BlockNumber, _accountProof, _storageProof);
        claimed[hash] = true;
        emit MessageForwarded(hash, _message.destination, _enqueueAt(_message));
    }

    /// @dev Enqueues a proven L2 message in its destination rollup's queue; returns its index there.
    function _enqueueAt(L2Message calldata _message) internal returns (uint256 index_) {
        uint256 amount = _message.value + _message.fee;
        totalWithdrawn += amount;
        NativeRollup destination = NativeRollup(_message.destination);
        index_ = destination.messageCount();
        destination.enqueueFromRollup{value: amount}(_message.sender, _message.to, _message.data, _message.gasLimit, _message.fee);
    }

    /// @dev The message's hash, once the proofs show `sentMessages[hash] == true` in the L2
    ///      messenger's storage at L2 block `_l2BlockNumber` and it was not claimed before.
    ///      Malformed or forged proofs revert in MerkleTrie (its `MerkleTrie_*` errors).
    function _proveSent(
        L2Message calldata _message,
        uint256 _l2BlockNumber,
        bytes[] calldata _accountProof,
        bytes[] calldata _storageProof
    ) internal view returns (bytes32 hash_) {
        hash_ = keccak256(abi.encode(_message));
        require(!claimed[hash_], NativeRollup_AlreadyClaimed(hash_));
        (bool exists, bytes32 storageRoot) = MerkleTrie.storageRoot(stateRootAt(_l2BlockNumber), L2_MESSENGER, _accountProof);
        require(exists, NativeRollup_InvalidProof("messenger account absent"));
        bytes32 slot = keccak256(abi.encode(hash_, SENT_MESSAGES_SLOT));
        require(MerkleTrie.storageValue(storageRoot, slot, _storageProof) == 1, NativeRollup_InvalidProof("message not sent"));
    }

    /// @inheritdoc INativeRollup
    function xDomainMessageSender() external view returns (address) {
        address sender = _xDomainSender;
        require(sender != address(0), NativeRollup_NotInMessage());
        return sender;
    }

    // ---------------------------------------------------------------- sync L1 → L2 calls (docs/sync.md)

    /// @inheritdoc INativeRollup
    function l2Proxy(address _l2Address) public view returns (address) {
        bytes32 initCodeHash = keccak256(type(L2Proxy).creationCode);
        bytes32 salt = bytes32(uint256(uint160(_l2Address)));
        return address(uint160(uint256(keccak256(abi.encodePacked(bytes1(0xff), address(this), salt, initCodeHash)))));
    }

    /// @inheritdoc INativeRollup
    function createL2Proxy(address _l2Address) external returns (address proxy_) {
        require(_l2Address != address(0), NativeRollup_WrongDestination(address(0)));
        proxy_ = l2Proxy(_l2Address);
        if (proxy_.code.length != 0) return proxy_;
        new L2Proxy{salt: bytes32(uint256(uint160(_l2Address)))}();
        l2ProxyTarget[proxy_] = _l2Address;
        emit L2ProxyCreated(_l2Address, proxy_);
    }

    /// @inheritdoc INativeRollup
    /// @dev The order — the L1 call first, then the messages, then the block — means every
    ///      successful entry is enqueued only once the L1 call has made it, in order, with its
    ///      true caller: the block delivers only calls that were made. A failed entry cannot be
    ///      recorded as made (the proxy's revert undoes whatever the call wrote), so it is matched
    ///      without being consumed and enqueued regardless: its L2 call must revert (L1 checks the
    ///      result), so it changes nothing on L2, and its value is not counted as escrowed.
    ///      The results the L1 call saw are then checked against the verified L2 state; a
    ///      mismatch reverts everything the L1 call did with them.
    function syncExecute(
        BlockClaim calldata _claim,
        bytes calldata _transactions,
        bytes calldata _witness,
        bytes calldata _messages,
        SyncExecution calldata _sync
    ) external payable returns (bytes memory result_) {
        require(!_syncActive, NativeRollup_SyncReentrant());
        _loadSyncTable(_sync.calls, false);
        _syncCursor = 0;
        _syncActive = true;
        bool ok;
        require(msg.value >= _sync.executeFee, NativeRollup_ExecuteFeeExceedsValue(_sync.executeFee, msg.value));
        (ok, result_) = _sync.target.call{value: msg.value - _sync.executeFee}(_sync.data);
        _syncActive = false;
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(result_, 0x20), mload(result_))
            }
        }
        bytes32 expected = _enqueueSyncCalls(_sync.calls, _syncCursor);
        require(_claim.messageCount == _messageCount, NativeRollup_SyncMessagesUndelivered(_claim.messageCount, _messageCount));
        _advance(_claim, _transactions, new bytes32[](0), keccak256(_transactions), _witness, _messages, _sync.executeFee);
        _checkSyncResults(expected, _sync.accountProof, _sync.storageProof);
        emit SyncExecuted(_head.number, _sync.calls.length, expected);
    }

    /// @inheritdoc INativeRollup
    /// @dev Why a whole block is verified here and adopted later: a user's signed transaction
    ///      cannot be wrapped, so its proxy calls run in a transaction of their own, after this
    ///      one. The results must be L2's before anyone uses them (verified here), and the L2
    ///      effects must follow from calls that were made (adopted only by the consumption of the
    ///      one successful entry, in the user's transaction: its revert undoes the adoption).
    function prepareSyncCalls(
        BlockClaim calldata _claim,
        bytes calldata _transactions,
        bytes calldata _witness,
        bytes calldata _messages,
        SyncExecution calldata _p
    ) external payable {
        require(!_syncActive, NativeRollup_SyncReentrant());
        uint256 success = type(uint64).max;
        for (uint256 i; i < _p.calls.length; ++i) {
            if (!_p.calls[i].success) continue;
            require(success == type(uint64).max, NativeRollup_PreparedSuccessCount(i));
            success = i;
        }
        // What the verification changes and adoption will change again: kept to be put back.
        Saved memory saved = Saved(_head, (uint256(_currentHead().number) + 1) % STATE_ROOT_HISTORY, bytes32(0), _messageCount, burnedFees, totalDeposited);
        saved.root = _stateRoots[saved.ring];
        _verifyPrepared(_claim, _transactions, _witness, _messages, _p);
        _preparedHead = _head;
        _preparedParent = _claim.parentHash;
        _preparedBurned = uint128(burnedFees - saved.burned);
        _preparedDeposited = uint128(totalDeposited - saved.deposited);
        // Put back. rollingHash and enqueuedAt past `queued` stay written: no one reads an index
        // beyond the queue's length, and the next enqueue overwrites them.
        _head = saved.head;
        _stateRoots[saved.ring] = saved.root;
        _messageCount = saved.queued;
        burnedFees = saved.burned;
        totalDeposited = saved.deposited;

        _loadSyncTable(_p.calls, true);
        _prepared = Prepared(uint64(block.number), uint64(_p.calls.length), 0, _p.target);
        emit SyncCallsPrepared(_preparedHead.number, _claim.blockHash, _p.target);
    }

    /// @dev What `prepareSyncCalls` puts back after verifying.
    struct Saved {
        Head head;
        uint256 ring;
        bytes32 root;
        uint64 queued;
        uint256 burned;
        uint256 deposited;
    }

    /// @dev As syncExecute after its L1 call, with every entry counted as made (the adoption makes it so).
    function _verifyPrepared(
        BlockClaim calldata _claim,
        bytes calldata _transactions,
        bytes calldata _witness,
        bytes calldata _messages,
        SyncExecution calldata _p
    ) private {
        bytes32 expected = _enqueueSyncCalls(_p.calls, _p.calls.length);
        require(_claim.messageCount == _messageCount, NativeRollup_SyncMessagesUndelivered(_claim.messageCount, _messageCount));
        _advance(_claim, _transactions, new bytes32[](0), keccak256(_transactions), _witness, _messages, msg.value);
        _checkSyncResults(expected, _p.accountProof, _p.storageProof);
    }

    /// @dev Makes the prepared block the head (its successful call was just made), if it still
    ///      extends the head and the queue it was verified on.
    function _adoptPrepared() private {
        Head memory next = _preparedHead;
        bytes32 head = _currentHead().blockHash;
        require(
            head == _preparedParent && _messageCount == next.messageCount - _prepared.count,
            NativeRollup_SyncPreparedStale(_preparedParent, head)
        );
        require(!_retired, NativeRollup_Retired());
        _head = next;
        _stateRoots[next.number % STATE_ROOT_HISTORY] = next.stateRoot;
        _messageCount = next.messageCount;
        burnedFees += _preparedBurned;
        totalDeposited += _preparedDeposited;
        emit SyncCallsAdopted(next.number, next.blockHash);
    }

    /// @inheritdoc INativeRollup
    function syncProxyCall(address _caller, bytes calldata _data)
        external
        payable
        returns (bool success_, bytes memory returnData_)
    {
        address to = l2ProxyTarget[msg.sender];
        require(to != address(0), NativeRollup_NotL2Proxy(msg.sender));
        // Inside syncExecute: its transient table. Otherwise the user path's prepared table.
        bool persistent = !_syncActive;
        Prepared memory p = _prepared;
        if (persistent) {
            require(p.l1Block == block.number, NativeRollup_NoSyncTable());
            require(tx.origin == p.origin, NativeRollup_SyncPreparedForOther(p.origin, tx.origin));
        }
        uint256 i = persistent ? _matchSyncEntry(_caller, to, _data, p.count, p.cursor, true) : _matchSyncEntry(_caller, to, _data, _syncCount, _syncCursor, false);
        uint256 slot = _syncSlot(i);
        bytes memory result;
        assembly ("memory-safe") {
            function get(q, at) -> v {
                switch q
                case 0 { v := tload(at) }
                default { v := sload(at) }
            }
            let length := get(persistent, add(slot, 3))
            result := mload(0x40)
            mstore(result, length)
            for { let k := 0 } lt(k, length) { k := add(k, 0x20) } {
                mstore(add(add(result, 0x20), k), get(persistent, add(add(slot, 4), shr(5, k))))
            }
            mstore(0x40, add(add(result, 0x20), and(add(length, 0x1f), not(0x1f))))
        }
        (success_, returnData_) = abi.decode(result, (bool, bytes));
        // A successful entry is consumed; a failed one stays (the proxy's revert would undo it anyway).
        if (!success_) return (success_, returnData_);
        if (!persistent) {
            _syncCursor = i + 1;
        } else {
            _prepared.cursor = uint64(i + 1);
            _adoptPrepared();
        }
    }

    /// @dev The index of the entry the call `(_caller, _to, msg.value, _data)` is: the next one,
    ///      after any failed entries that do not match (matched earlier in a frame that reverted).
    function _matchSyncEntry(address _caller, address _to, bytes calldata _data, uint256 _count, uint256 _cursor, bool _persistent)
        private
        view
        returns (uint256 i_)
    {
        bytes32 request = keccak256(abi.encode(_caller, _to, msg.value, _data));
        for (i_ = _cursor;; ++i_) {
            require(i_ < _count, NativeRollup_SyncCallUnexpected(i_, _caller, _to, msg.value, _data));
            uint256 slot = _syncSlot(i_);
            bytes32 stored;
            uint256 success;
            assembly ("memory-safe") {
                switch _persistent
                case 0 {
                    stored := tload(slot)
                    success := tload(add(slot, 1))
                }
                default {
                    stored := sload(slot)
                    success := sload(add(slot, 1))
                }
            }
            if (stored == request) return i_;
            require(success == 0, NativeRollup_SyncCallMismatch(i_, _caller, _to, msg.value, _data));
        }
    }

    /// @dev Writes the table to transient storage (a proxy call runs in a frame that cannot read
    ///      this transaction's calldata), or, for the user path, to persistent storage at the same
    ///      slots (the user's transaction is a later one): per entry its request hash, success and result.
    function _loadSyncTable(SyncCall[] calldata _calls, bool _persistent) internal {
        if (!_persistent) _syncCount = _calls.length;
        for (uint256 i; i < _calls.length; ++i) {
            SyncCall calldata c = _calls[i];
            bytes32 request = keccak256(abi.encode(c.caller, c.to, c.value, c.data));
            bool success = c.success;
            bytes memory result = abi.encode(success, c.returnData);
            uint256 slot = _syncSlot(i);
            assembly ("memory-safe") {
                function put(q, at, v) {
                    switch q
                    case 0 { tstore(at, v) }
                    default { sstore(at, v) }
                }
                let length := mload(result)
                put(_persistent, slot, request)
                put(_persistent, add(slot, 1), success)
                put(_persistent, add(slot, 3), length)
                for { let k := 0 } lt(k, length) { k := add(k, 0x20) } {
                    put(_persistent, add(add(slot, 4), shr(5, k)), mload(add(add(result, 0x20), k)))
                }
            }
        }
    }

    /// @dev Enqueues the table's calls in order, once every successful entry was consumed, and
    ///      returns the fold of their results as the L2 messenger computes it. A failed entry's
    ///      value stayed with its caller: it is not counted as deposited (on L2 it stays in the
    ///      messenger, since the call reverts).
    function _enqueueSyncCalls(SyncCall[] calldata _calls, uint256 consumed) internal returns (bytes32 expected_) {
        for (uint256 i; i < _calls.length; ++i) {
            SyncCall calldata c = _calls[i];
            require(i < consumed || !c.success, NativeRollup_SyncCallsUnconsumed(consumed, _calls.length));
            uint256 index = _enqueue(c.caller, SYNC_SOURCE, c.to, c.value, 0, c.gasLimit, c.data);
            if (!c.success) totalDeposited -= c.value;
            expected_ = keccak256(abi.encode(expected_, index, c.success, keccak256(c.returnData)));
        }
    }

    /// @dev Compares the table's fold with `syncResults[number]` proven in the block just
    ///      verified (its state root is L1's now).
    function _checkSyncResults(bytes32 _expected, bytes[] calldata _accountProof, bytes[] calldata _storageProof) internal view {
        (, bytes32 storageRoot) = MerkleTrie.storageRoot(_head.stateRoot, L2_MESSENGER, _accountProof);
        bytes32 resultsSlot = keccak256(abi.encode(uint256(_head.number), SYNC_RESULTS_SLOT));
        bytes32 proven = bytes32(MerkleTrie.storageValue(storageRoot, resultsSlot, _storageProof));
        require(proven == _expected, NativeRollup_SyncResultsMismatch(proven, _expected));
    }

    function _syncSlot(uint256 _i) private pure returns (uint256) {
        return uint256(keccak256(abi.encode(SYNC_TABLE, _i)));
    }

    // ---------------------------------------------------------------- sync L2 → L1 calls (docs/sync.md)

    /// @inheritdoc INativeRollup
    /// @dev The L1 calls run first, on the L1 state as the transaction found it: that is the state
    ///      the builder simulated (at `pending`), and nothing this function does can have changed
    ///      it yet. Their results are checked against the table, the table then goes to L2 in the
    ///      queue (so EXECUTE verifies the block answered from exactly it), and the proof shows the
    ///      L2 consumed every entry, in order, with its caller. `nonReentrant` keeps the calls out
    ///      of claim/forward/withdrawBurnedFees and of a nested advanceWithL1Calls.
    function advanceWithL1Calls(
        BlockClaim calldata _claim,
        bytes calldata _transactions,
        bytes calldata _witness,
        bytes calldata _messages,
        L1CallExecution calldata _l1
    ) external payable nonReentrant {
        require(!_syncActive, NativeRollup_SyncReentrant());
        bytes32 expected = _makeL1Calls(_l1.calls);
        _enqueue(msg.sender, L1_CALLS_SOURCE, L2_MESSENGER, 0, 0, 0, abi.encode(_l1.calls));
        require(_claim.messageCount == _messageCount, NativeRollup_SyncMessagesUndelivered(_claim.messageCount, _messageCount));
        _advance(_claim, _transactions, new bytes32[](0), keccak256(_transactions), _witness, _messages, msg.value);
        uint64 number = _head.number;
        (, bytes32 storageRoot) = MerkleTrie.storageRoot(_head.stateRoot, L2_MESSENGER, _l1.accountProof);
        bytes32 consumedSlot = keccak256(abi.encode(uint256(number), L1_CALLS_CONSUMED_SLOT));
        bytes32 proven = bytes32(MerkleTrie.storageValue(storageRoot, consumedSlot, _l1.storageProof));
        require(proven == expected, NativeRollup_L1CallsMismatch(proven, expected));
        emit L1CallsExecuted(number, _l1.calls.length, expected);
    }

    /// @dev Makes the table's L1 calls in order, each from the rollup with its L2 caller as
    ///      `xDomainMessageSender`, requires each result to be the table's, and returns the fold
    ///      h = keccak256(abi.encode(h, keccak256(abi.encode(caller, target, keccak256(data),
    ///      success, keccak256(returnData))))) from 0, as L2Messenger.callL1 computes it.
    function _makeL1Calls(L1Call[] calldata _calls) internal returns (bytes32 folded_) {
        for (uint256 i; i < _calls.length; ++i) {
            L1Call calldata c = _calls[i];
            require(c.target != address(this), NativeRollup_L1CallToRollup(i));
            _xDomainSender = c.caller;
            (bool ok, bytes memory returnData) = c.target.call(c.data);
            _xDomainSender = address(0);
            require(
                ok == c.success && keccak256(returnData) == keccak256(c.returnData),
                NativeRollup_L1CallResultMismatch(i, c.caller, c.target, ok, returnData)
            );
            bytes32 entry = keccak256(abi.encode(c.caller, c.target, keccak256(c.data), ok, keccak256(returnData)));
            folded_ = keccak256(abi.encode(folded_, entry));
        }
    }

    // ---------------------------------------------------------------- burned fees

    /// @inheritdoc INativeRollup
    function withdrawBurnedFees() external nonReentrant {
        address recipient = _configFeeRecipient();
        require(msg.sender == recipient && msg.sender != address(0), NativeRollup_NotFeeRecipient(msg.sender, recipient));
        uint256 amount = burnedFees - burnedFeesWithdrawn;
        burnedFeesWithdrawn += amount;
        (bool ok,) = recipient.call{value: amount}("");
        require(ok, NativeRollup_FeeTransferFailed(recipient, amount));
        emit BurnedFeesWithdrawn(recipient, amount);
    }
}
