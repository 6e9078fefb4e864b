// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {INativeRollup} from "../interfaces/INativeRollup.sol";
import {Execute} from "../libraries/Execute.sol";
import {MerkleTrie} from "../libraries/MerkleTrie.sol";
import {NativeRollupBase} from "./NativeRollupBase.sol";
import {NativeRollupSync} from "./NativeRollupSync.sol";

/// @title NativeRollupCore
/// @notice One based + native rollup, and its L1 side of the bridge (docs/bridge.md).
///         See {INativeRollup}. {NativeRollup} is this with the plain sync extension;
///         {PreconfGatedRollup} is this with a gated one.
/// @dev Two forms, one code base (docs/rollups.md):
///      - deployed directly: the configuration is in this contract's immutables;
///      - a clone made by {RollupFactory}: an ERC-1167-style proxy whose code ends with the
///        configuration, packed (the "immutable arguments" of Solady's LibClone), read back with
///        EXTCODECOPY. Under DELEGATECALL `address(this)` is the clone, not `_SELF`.
///      Every configuration read goes through the `_configChainId()`… functions of
///      NativeRollupBase, so nothing else in the contract knows which form it runs in. Neither
///      form writes storage at creation: the head is the genesis from the configuration until the
///      first block is verified.
///      A direct deployment with chain id 0 is an implementation for clones: it is born retired,
///      so it can neither advance nor take deposits (it holds no ETH and no state root to prove).
///      The sync calls (docs/sync.md) live in `SYNC_EXTENSION`, reached by DELEGATECALL with the
///      calldata unchanged (docs/contracts.md): the rollup's code had reached EIP-170's limit.
abstract contract NativeRollupCore is NativeRollupBase, INativeRollup {
    /// @notice The NativeRollupSync this rollup's sync functions DELEGATECALL (made by the
    ///         constructor with this rollup's configuration; shared by all clones of it).
    address public immutable SYNC_EXTENSION;

    /// @param _syncExtension The NativeRollupSync (or a subclass) deployed for this rollup.
    /// @dev The other parameters are NativeRollup's.
    constructor(
        uint64 _chainId,
        uint64 _gasLimit,
        bytes32 _genesisHash,
        bytes32 _genesisStateRoot,
        uint64 _genesisTimestamp,
        address _feeRecipient,
        address _retirer,
        address _syncExtension
    ) NativeRollupBase(address(this), _chainId, _gasLimit, _genesisHash, _genesisStateRoot, _genesisTimestamp, _feeRecipient, _retirer) {
        SYNC_EXTENSION = _syncExtension;
        // The genesis head is not written: `_currentHead` serves it from the configuration.
        if (_chainId == 0) {
            // The implementation behind clones (its storage is its own, never a clone's).
            _head.retired = true;
            emit Retired(0);
        }
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


    // ---------------------------------------------------------------- retirement

    /// @inheritdoc INativeRollup
    function retire() external {
        address retirer = _configRetirer();
        // msg.sender is never address(0): a zero retirer means nobody may retire the rollup.
        require(msg.sender == retirer, NativeRollup_NotRetirer(msg.sender, retirer));
        require(!_head.retired, NativeRollup_Retired());
        _head.retired = true;
        emit Retired(_head.number);
    }

    /// @inheritdoc INativeRollup
    function retired() external view returns (bool) {
        return _head.retired;
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
        // length), checks the blobs by KZG as always and reads only those bytes; a range past the
        // payload or cutting a block fails it. A range that is not 16 bytes (empty bytes would
        // make EXECUTE read the whole payload) or of length 0 is refused here, before any work.
        require(_range.length == 16 && uint64(bytes8(_range[8:16])) != 0, NativeRollup_InvalidBlobRange(_range));
        _checkBlobs(_blobHashes);
        _advance(_claim, _range, _blobHashes, keccak256(abi.encodePacked(_blobHashes, _range)), _witness, _messages, msg.value);
    }

    /// @inheritdoc INativeRollup
    function advanceBatched(
        BlockClaim calldata _claim,
        bytes32[] calldata _blobHashes,
        bytes calldata _range,
        bytes calldata _witness,
        bytes calldata _messages
    ) external {
        _checkBlobs(_blobHashes);
        _advanceBatched(_claim, _blobHashes, _range, _witness, _messages);
    }

    /// @dev `_advance`'s checks and commit (NativeRollupBase), with EXECUTE's call replaced by the
    ///      verdict a batch of this transaction remembered for this block's input: the key is the
    ///      hash of the input this contract builds from its own head and configuration, so a
    ///      verdict on another rollup's block, another parent, another anchor or other messages
    ///      is not found. The market was enforced by EXECUTE on the batch (it paid the fee).
    function _advanceBatched(
        BlockClaim calldata _claim,
        bytes32[] calldata _blobHashes,
        bytes calldata _range,
        bytes calldata _witness,
        bytes calldata _messages
    ) private {
        Execute.Header memory header = _checkedHeader(_claim, _messages.length);
        bytes32 key = keccak256(Execute.encodeInput(header, _range, _blobHashes, _witness, _messages));
        (bytes32 executed, uint256 burned) = Execute.verdict(key);
        require(executed != bytes32(0), NativeRollup_NoVerdict(header.number, key));
        require(executed == header.blockHash, NativeRollup_BlockHashMismatch(header.blockHash, executed));
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
        _emitAdvanced(header, _claim, keccak256(abi.encodePacked(_blobHashes, _range)), _blobHashes);
    }

    /// @dev `_advance`'s checks, in its order, and the EXECUTE header they lead to.
    function _checkedHeader(BlockClaim calldata _claim, uint256 _messagesLength) private view returns (Execute.Header memory) {
        Head memory parent = _currentHead();
        require(_claim.parentHash == parent.blockHash, NativeRollup_ParentMismatch(parent.blockHash, _claim.parentHash));
        _checkProposer();
        require(!_head.retired, NativeRollup_Retired());
        require(_claim.timestamp <= block.timestamp, NativeRollup_TimestampInFuture(_claim.timestamp, block.timestamp));
        bytes32 prevRandao = blockhash(_claim.anchorBlockNumber);
        require(
            prevRandao != bytes32(0) && _claim.anchorBlockNumber >= parent.anchorBlockNumber,
            NativeRollup_InvalidAnchor(_claim.anchorBlockNumber, parent.anchorBlockNumber, block.number)
        );
        _checkMessages(parent.messageCount, _claim.messageCount, _messagesLength);
        return _header(parent, _claim, prevRandao);
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


    /// @inheritdoc INativeRollup
    function head() external view returns (Head memory) {
        return _currentHead();
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
        return _head.queued;
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
        INativeRollup destination = INativeRollup(_message.destination);
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


    // ---------------------------------------------------------------- sync calls: NativeRollupSync (docs/sync.md)

    /// @inheritdoc INativeRollup
    function syncExecute(BlockClaim calldata, bytes calldata, bytes calldata, bytes calldata, SyncExecution calldata)
        external
        payable
        returns (bytes memory)
    {
        _delegateToSync();
    }

    /// @inheritdoc INativeRollup
    function syncExecuteNested(BlockClaim calldata, bytes calldata, bytes calldata, bytes calldata, SyncExecution calldata, NestedL1Calls calldata)
        external
        payable
        returns (bytes memory)
    {
        _delegateToSync();
    }

    /// @inheritdoc INativeRollup
    function prepareSyncCalls(BlockClaim calldata, bytes calldata, bytes calldata, bytes calldata, SyncExecution calldata)
        external
        payable
    {
        _delegateToSync();
    }

    /// @inheritdoc INativeRollup
    function syncProxyCall(address, bytes calldata) external payable returns (bool, bytes memory) {
        _delegateToSync();
    }

    /// @inheritdoc INativeRollup
    function advanceWithL1Calls(BlockClaim calldata, bytes calldata, bytes calldata, bytes calldata, L1CallExecution calldata)
        external
        payable
    {
        _delegateToSync();
    }

    /// @inheritdoc INativeRollup
    function createL2Proxy(address) external returns (address) {
        _delegateToSync();
    }

    /// @inheritdoc INativeRollup
    function l2Proxy(address _l2Address) external view returns (address) {
        return NativeRollupSync(SYNC_EXTENSION).l2ProxyOf(address(this), _l2Address);
    }

    /// @dev Runs this call's calldata in the extension by DELEGATECALL (so on this contract's, or
    ///      the clone's, storage, with the same `msg.sender` and `msg.value`) and ends the call
    ///      with its outcome: its return data as this function's, its revert data (custom errors
    ///      included) as this function's revert. Never returns to the caller.
    function _delegateToSync() private {
        address extension = SYNC_EXTENSION;
        assembly {
            calldatacopy(0, 0, calldatasize())
            let ok := delegatecall(gas(), extension, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            if ok { return(0, returndatasize()) }
            revert(0, returndatasize())
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

/// @title NativeRollup
/// @notice {NativeRollupCore} with its plain sync extension, deployed by the constructor.
contract NativeRollup is NativeRollupCore {
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
    )
        NativeRollupCore(
            _chainId,
            _gasLimit,
            _genesisHash,
            _genesisStateRoot,
            _genesisTimestamp,
            _feeRecipient,
            _retirer,
            address(new NativeRollupSync(address(this), _chainId, _gasLimit, _genesisHash, _genesisStateRoot, _genesisTimestamp, _feeRecipient, _retirer))
        )
    {}
}
