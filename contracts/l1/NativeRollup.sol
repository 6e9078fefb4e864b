// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {INativeRollup} from "../interfaces/INativeRollup.sol";
import {Execute} from "../libraries/Execute.sol";
import {MerkleTrie} from "../libraries/MerkleTrie.sol";

/// @title NativeRollup
/// @notice One based + native rollup, and its L1 side of the bridge (docs/bridge.md).
///         See {INativeRollup}.
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

    /// @notice The L2 chain id.
    uint64 public immutable CHAIN_ID;
    /// @notice The L2 block gas limit, fixed for the chain's life.
    uint64 public immutable GAS_LIMIT;
    /// @notice The quota of messages a block must deliver once one is overdue: as many as fit in
    ///         half the L2 gas limit at their worst (gas limit plus 100,000 of delivery overhead),
    ///         at least 1, so a forced block still has room for transactions.
    uint256 public immutable MESSAGES_PER_BLOCK;
    /// @notice Who may withdraw the L2's burned fees (address(0): nobody, they stay locked).
    address public immutable FEE_RECIPIENT;

    Head internal _head;

    /// @dev Ring buffer: number % STATE_ROOT_HISTORY → state root of the newest block with that
    ///      residue. Block `n` is live iff `n <= head.number < n + STATE_ROOT_HISTORY`: then no later
    ///      block has overwritten its slot, so no block number needs storing beside the root (one
    ///      fresh storage slot per advance instead of two: 22,100 gas less).
    bytes32[STATE_ROOT_HISTORY] internal _stateRoots;

    /// @notice The L1→L2 queue's length.
    uint256 public messageCount;
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

    /// @dev Set for the duration of claim/forward/withdrawBurnedFees.
    bool private transient _locked;
    /// @dev The L2 sender of the message whose call is running (address(0) outside).
    address private transient _xDomainSender;

    /// @param _chainId L2 chain id.
    /// @param _gasLimit L2 block gas limit.
    /// @param _genesisHash Hash of the L2 genesis header.
    /// @param _genesisStateRoot State root of the L2 genesis.
    /// @param _genesisTimestamp Timestamp of the L2 genesis.
    /// @param _feeRecipient Who may withdraw the burned fees (address(0): nobody).
    constructor(
        uint64 _chainId,
        uint64 _gasLimit,
        bytes32 _genesisHash,
        bytes32 _genesisStateRoot,
        uint64 _genesisTimestamp,
        address _feeRecipient
    ) {
        CHAIN_ID = _chainId;
        GAS_LIMIT = _gasLimit;
        uint256 perBlock = _gasLimit / (2 * (MAX_MESSAGE_GAS + 100_000));
        MESSAGES_PER_BLOCK = perBlock == 0 ? 1 : perBlock;
        FEE_RECIPIENT = _feeRecipient;
        _head = Head({
            number: 0,
            timestamp: _genesisTimestamp,
            anchorBlockNumber: 0,
            messageCount: 0,
            blockHash: _genesisHash,
            stateRoot: _genesisStateRoot
        });
        _stateRoots[0] = _genesisStateRoot;
    }

    modifier nonReentrant() {
        require(!_locked, NativeRollup_Reentrant());
        _locked = true;
        _;
        _locked = false;
    }

    // ---------------------------------------------------------------- blocks

    /// @inheritdoc INativeRollup
    function advance(BlockClaim calldata _claim, bytes calldata _transactions, bytes calldata _witness, bytes calldata _messages)
        external
    {
        _advance(_claim, _transactions, new bytes32[](0), keccak256(_transactions), _witness, _messages);
    }

    /// @inheritdoc INativeRollup
    function advanceWithBlobs(
        BlockClaim calldata _claim,
        bytes32[] calldata _blobHashes,
        bytes calldata _witness,
        bytes calldata _messages
    ) external {
        require(_blobHashes.length > 0, NativeRollup_NoBlobs());
        for (uint256 i; i < _blobHashes.length; ++i) {
            bytes32 actual = blobhash(i);
            require(actual == _blobHashes[i], NativeRollup_BlobNotInTransaction(i, _blobHashes[i], actual));
        }
        _advance(_claim, "", _blobHashes, keccak256(abi.encodePacked(_blobHashes)), _witness, _messages);
    }

    function _advance(
        BlockClaim calldata _claim,
        bytes memory _transactions,
        bytes32[] memory _blobHashes,
        bytes32 _dataHash,
        bytes calldata _witness,
        bytes calldata _messages
    ) internal {
        Head memory parent = _head;
        // First and cheap: a proposer that lost the race for this height stops here.
        require(_claim.parentHash == parent.blockHash, NativeRollup_ParentMismatch(parent.blockHash, _claim.parentHash));
        require(_claim.timestamp <= block.timestamp, NativeRollup_TimestampInFuture(_claim.timestamp, block.timestamp));
        bytes32 prevRandao = blockhash(_claim.anchorBlockNumber);
        require(
            prevRandao != bytes32(0) && _claim.anchorBlockNumber >= parent.anchorBlockNumber,
            NativeRollup_InvalidAnchor(_claim.anchorBlockNumber, parent.anchorBlockNumber, block.number)
        );
        _checkMessages(parent.messageCount, _claim.messageCount, _messages.length);

        Execute.Header memory header = _header(parent, _claim, prevRandao);
        (bool ok, bytes32 executedHash, uint256 burned) = _execute(header, _transactions, _blobHashes, _witness, _messages);
        require(ok, NativeRollup_ExecutionFailed(header.number));
        require(executedHash == _claim.blockHash, NativeRollup_BlockHashMismatch(_claim.blockHash, executedHash));

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
        uint256 queued = messageCount;
        require(
            _delivered <= _claimed && _claimed <= queued, NativeRollup_InvalidMessageCount(_claimed, _delivered, queued)
        );
        // A block that leaves the oldest undelivered message waiting past FORCE_DELAY is valid only
        // if it delivered its full quota (so a long overdue backlog drains at a bounded pace).
        if (_claimed < queued && _claimed < _delivered + MESSAGES_PER_BLOCK) {
            uint256 at = enqueuedAt[_claimed];
            require(at + FORCE_DELAY > block.number, NativeRollup_MessageOverdue(_claimed, at, block.number));
        }
        require(_claimed == _delivered || _messagesLength > 0, NativeRollup_MessagesMissing());
    }

    /// @dev EXECUTE (a hook so that test harnesses can stand in for the precompile).
    function _execute(
        Execute.Header memory _h,
        bytes memory _transactions,
        bytes32[] memory _blobHashes,
        bytes calldata _witness,
        bytes calldata _messages
    ) internal view virtual returns (bool ok_, bytes32 blockHash_, uint256 burnedFees_) {
        return Execute.execute(_h, _transactions, _blobHashes, _witness, _messages);
    }

    /// @inheritdoc INativeRollup
    function head() external view returns (Head memory) {
        return _head;
    }

    /// @inheritdoc INativeRollup
    function stateRootAt(uint256 _number) public view returns (bytes32) {
        uint256 headNumber = _head.number;
        require(
            _number <= headNumber && headNumber - _number < STATE_ROOT_HISTORY, NativeRollup_StateRootUnavailable(_number)
        );
        return _stateRoots[_number % STATE_ROOT_HISTORY];
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

    /// @dev Appends a message: rollingHash[i + 1], enqueuedAt[i], messageCount, the event.
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
        index_ = messageCount;
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
        messageCount = index_ + 1;
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

    // ---------------------------------------------------------------- burned fees

    /// @inheritdoc INativeRollup
    function withdrawBurnedFees() external nonReentrant {
        require(msg.sender == FEE_RECIPIENT && msg.sender != address(0), NativeRollup_NotFeeRecipient(msg.sender, FEE_RECIPIENT));
        uint256 amount = burnedFees - burnedFeesWithdrawn;
        burnedFeesWithdrawn += amount;
        (bool ok,) = FEE_RECIPIENT.call{value: amount}("");
        require(ok, NativeRollup_FeeTransferFailed(FEE_RECIPIENT, amount));
        emit BurnedFeesWithdrawn(FEE_RECIPIENT, amount);
    }
}
