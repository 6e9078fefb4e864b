// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {INativeRollupTypes} from "../interfaces/INativeRollup.sol";
import {Execute} from "../libraries/Execute.sol";

/// @title NativeRollupBase
/// @notice What NativeRollup and its sync extension (NativeRollupSync) share: the storage, the
///         configuration, block verification (`_advance`) and the queue (`_enqueue`).
/// @dev docs/contracts.md. The rollup's code is split in two so that each fits EIP-170:
///      NativeRollup (the address users call, and what RollupFactory's clones delegate to) and
///      NativeRollupSync (the sync calls of docs/sync.md), which the rollup reaches by DELEGATECALL
///      through its `SYNC_EXTENSION`. Both run on the same storage (the clone's, or the direct
///      deployment's), so EVERY state variable, transient ones included, is declared here and
///      nowhere else: both contracts then have one layout by construction. Neither derived
///      contract may declare state of its own (a test harness may append after it).
///      Configuration: both carry the same immutables; `_SELF` is the rollup's address in both
///      (the extension gets it from the rollup's constructor), so `_isClone()` answers the same
///      in the extension as in the rollup under a clone → implementation → extension chain.
abstract contract NativeRollupBase is INativeRollupTypes {
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

    /// @dev The rollup's own address (the direct deployment, or the implementation behind clones).
    ///      A clone runs this code by DELEGATECALL, where `address(this)` is the clone:
    ///      `address(this) != _SELF` tells the two forms apart.
    address internal immutable _SELF;
    // The direct form's configuration (a clone's is in its code; these are the implementation's).
    uint64 internal immutable _CHAIN_ID_IMMUTABLE;
    uint64 internal immutable _GAS_LIMIT_IMMUTABLE;
    bytes32 internal immutable _GENESIS_HASH_IMMUTABLE;
    bytes32 internal immutable _GENESIS_STATE_ROOT_IMMUTABLE;
    uint64 internal immutable _GENESIS_TIMESTAMP_IMMUTABLE;
    address internal immutable _FEE_RECIPIENT_IMMUTABLE;
    address internal immutable _RETIRER_IMMUTABLE;

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

    /// @dev The head as stored, with the L1→L2 queue's length and the retirement flag: `Head`
    ///      without its state root, which is kept once, in `_stateRoots` at the head's number
    ///      (`_currentHead` puts them together). Two slots, where the head and the queue's length
    ///      took four: an advance writes one slot less (2,900 gas) and reads the queue's length
    ///      and the flag in the head's first slot (a cold SLOAD less, 2,000 gas); every enqueue
    ///      reads and writes one slot, as before (docs/contracts.md, "What an advance costs").
    ///      The narrower fields cannot overflow: a timestamp is at most L1's (uint40: year 36812),
    ///      an anchor an L1 block number (uint48: 10^8 years of 12 s blocks), a message count at
    ///      most the queue's, and 2^48 messages would cost more gas than L1 will ever have.
    struct StoredHead {
        uint64 number;
        uint40 timestamp;
        uint48 anchorBlockNumber;
        /// @dev L1→L2 messages delivered up to and including the head.
        uint48 messageCount;
        /// @dev The L1→L2 queue's length.
        uint48 queued;
        bool retired;
        bytes32 blockHash;
    }

    StoredHead internal _head;

    /// @dev Ring buffer: number % STATE_ROOT_HISTORY → state root of the newest block with that
    ///      residue (the head's root included: it is stored nowhere else). Block `n` is live iff
    ///      `n <= head.number < n + STATE_ROOT_HISTORY`: then no later block has overwritten its
    ///      slot, so no block number needs storing beside the root (one fresh storage slot per
    ///      advance instead of two: 22,100 gas less).
    bytes32[STATE_ROOT_HISTORY] internal _stateRoots;

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
    bool internal transient _locked;
    /// @dev The L2 sender of the message whose call is running (address(0) outside).
    address internal transient _xDomainSender;
    /// @dev The execution table of the running `syncExecute` (docs/sync.md): set while its L1 call runs.
    bool internal transient _syncActive;
    uint256 internal transient _syncCount;
    uint256 internal transient _syncCursor;
    /// @dev Entry i lives at keccak256(abi.encode(SYNC_TABLE, i)) + k in transient storage:
    ///      k = 0 the request hash, 1 success, 2 (transient only) its count of nested L2 → L1
    ///      calls, 3 the length of abi.encode(success, returnData), 4… its words.
    bytes32 internal constant SYNC_TABLE = keccak256("ultrasound.NativeRollup.syncTable");
    /// @dev The nested L2 → L1 calls of the running `syncExecuteNested`: call j lives at
    ///      keccak256(abi.encode(NESTED_TABLE, j)) + k in transient storage: k = 0 caller, 1 target,
    ///      2 keccak256(abi.encode(success, returnData)), 3 the data's length, 4… its words. Sync
    ///      entry i's count of them is at its SYNC_TABLE slot + 2. `_nestedCursor` is the next one
    ///      to make; `_nestedActive` is set while they run (a proxy call then is refused).
    bytes32 internal constant NESTED_TABLE = keccak256("ultrasound.NativeRollup.nestedTable");
    uint256 internal transient _nestedCursor;
    bool internal transient _nestedActive;

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

    /// @param _self The rollup's address (NativeRollup passes `address(this)`, its extension the rollup's).
    /// @dev The other parameters are NativeRollup's (the configuration of its direct form).
    constructor(
        address _self,
        uint64 _chainId,
        uint64 _gasLimit,
        bytes32 _genesisHash,
        bytes32 _genesisStateRoot,
        uint64 _genesisTimestamp,
        address _feeRecipient,
        address _retirer
    ) {
        _SELF = _self;
        _CHAIN_ID_IMMUTABLE = _chainId;
        _GAS_LIMIT_IMMUTABLE = _gasLimit;
        _GENESIS_HASH_IMMUTABLE = _genesisHash;
        _GENESIS_STATE_ROOT_IMMUTABLE = _genesisStateRoot;
        _GENESIS_TIMESTAMP_IMMUTABLE = _genesisTimestamp;
        _FEE_RECIPIENT_IMMUTABLE = _feeRecipient;
        _RETIRER_IMMUTABLE = _retirer;
    }

    modifier nonReentrant() {
        require(!_locked, NativeRollup_Reentrant());
        _locked = true;
        _;
        _locked = false;
    }

    // ---------------------------------------------------------------- configuration

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

    // ---------------------------------------------------------------- blocks

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
        require(!_head.retired, NativeRollup_Retired());
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

        _setHead(
            Head({
                number: header.number,
                timestamp: _claim.timestamp,
                anchorBlockNumber: _claim.anchorBlockNumber,
                messageCount: _claim.messageCount,
                blockHash: _claim.blockHash,
                stateRoot: _claim.stateRoot
            })
        );
        if (burned != 0) burnedFees += burned;
        _emitAdvanced(header, _claim, _dataHash, _blobHashes);
    }

    /// @dev The queue checks of docs/bridge.md ("The anchor"): a count between the parent's and
    ///      the queue's, forced delivery of overdue messages, and messages present when delivered.
    function _checkMessages(uint64 _delivered, uint64 _claimed, uint256 _messagesLength) internal view {
        uint256 queued = _head.queued;
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


    /// @dev The head: the stored one, or the genesis from the configuration until a first block
    ///      is verified (a verified block's hash is never 0). This is why creation writes no storage.
    function _currentHead() internal view returns (Head memory head_) {
        StoredHead memory stored = _head;
        if (stored.blockHash == bytes32(0)) {
            return Head({
                number: 0,
                timestamp: _configGenesisTimestamp(),
                anchorBlockNumber: 0,
                messageCount: 0,
                blockHash: _configGenesisHash(),
                stateRoot: _configGenesisStateRoot()
            });
        }
        head_ = Head({
            number: stored.number,
            timestamp: stored.timestamp,
            anchorBlockNumber: stored.anchorBlockNumber,
            messageCount: stored.messageCount,
            blockHash: stored.blockHash,
            stateRoot: _stateRoots[stored.number % STATE_ROOT_HISTORY]
        });
    }

    /// @dev The stored head's state root: for code that runs after this transaction's advance
    ///      (before a first block the head is the configuration's: see `_currentHead`).
    function _headStateRoot() internal view returns (bytes32) {
        return _stateRoots[_head.number % STATE_ROOT_HISTORY];
    }

    /// @dev Makes `_h` the head: its state root goes to the history only (see `StoredHead`).
    ///      The queue's length and the retirement flag are kept.
    ///      One SSTORE a slot (a struct assignment writes each member): the first slot is
    ///      number | timestamp << 64 | anchor << 104 | messageCount << 152 | queued << 200 | retired << 248.
    function _setHead(Head memory _h) internal {
        StoredHead storage stored = _head;
        uint256 word = uint256(_h.number) | uint256(uint40(_h.timestamp)) << 64
            | uint256(uint48(_h.anchorBlockNumber)) << 104 | uint256(uint48(_h.messageCount)) << 152;
        assembly ("memory-safe") {
            sstore(stored.slot, or(word, shl(200, shr(200, sload(stored.slot)))))
        }
        stored.blockHash = _h.blockHash;
        _stateRoots[_h.number % STATE_ROOT_HISTORY] = _h.stateRoot;
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

    /// @dev Where sync table entry `_i` starts (in transient storage, or persistent for the user path).
    function _syncSlot(uint256 _i) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode(SYNC_TABLE, _i)));
    }

    // ---------------------------------------------------------------- the L1 → L2 queue

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
        require(!_head.retired, NativeRollup_Retired());
        index_ = _head.queued;
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
        _head.queued = uint48(index_ + 1);
        totalDeposited += _value + _fee;
        emit MessageQueued(index_, next, message);
    }
}
