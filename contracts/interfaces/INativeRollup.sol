// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title INativeRollupTypes
/// @notice The structs, events and errors of {INativeRollup}, apart from its functions, so that
///         NativeRollup's sync extension (NativeRollupSync, docs/contracts.md), which implements
///         only some of the functions, shares them. `INativeRollup.BlockClaim` etc. still name them.
interface INativeRollupTypes {
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
        /// @dev The L1→L2 queue length delivered up to after this block (docs/bridge.md): at least
        ///      the parent's, at most the queue's; the block's anchor commits to it.
        uint64 messageCount;
    }

    /// @notice The latest verified L2 block.
    struct Head {
        uint64 number;
        uint64 timestamp;
        uint64 anchorBlockNumber;
        /// @dev L1→L2 messages delivered up to and including this block.
        uint64 messageCount;
        bytes32 blockHash;
        bytes32 stateRoot;
    }

    /// @notice An L1→L2 message: one entry of a rollup's queue, delivered on L2 by `L2Messenger`.
    struct L1Message {
        /// @dev Position in this rollup's queue, from 0.
        uint256 index;
        /// @dev L1: msg.sender of sendMessage/deposit; forwarded: the L2 sender on the source rollup.
        address sender;
        /// @dev address(0) for messages sent on L1; the source rollup's L1 contract for forwarded ones.
        address sourceRollup;
        /// @dev L2 recipient.
        address to;
        /// @dev Wei credited to `to` on L2 (unlocked from the messenger's pre-mint).
        uint256 value;
        /// @dev Wei paid to the L2 block's coinbase on delivery.
        uint256 fee;
        /// @dev Gas given to the call to `to` (0: value only, with the 2,300 stipend).
        uint64 gasLimit;
        /// @dev Calldata of the call to `to`.
        bytes data;
    }

    /// @notice An L2→L1 (or L2→rollup) message, recorded by `L2Messenger` in `sentMessages`.
    struct L2Message {
        /// @dev The messenger's sentCount at sending, from 0.
        uint256 nonce;
        /// @dev L2 msg.sender.
        address sender;
        /// @dev address(0): L1; otherwise the L1 contract of the destination rollup.
        address destination;
        /// @dev Recipient (on L1, or on the destination rollup).
        address to;
        /// @dev Wei.
        uint256 value;
        /// @dev Only for rollup destinations: the fee of the forwarded L1Message.
        uint256 fee;
        /// @dev Only for rollup destinations: the gas limit of the forwarded L1Message.
        uint64 gasLimit;
        bytes data;
    }

    /// @notice One entry of a sync execution table (docs/sync.md): an L1 → L2 call the L1
    ///         transaction will make through an L2Proxy, and what the L2 call returns.
    struct SyncCall {
        /// @dev Who calls the proxy on L1 (the L2 call's `xDomainMessageSender`).
        address caller;
        /// @dev The L2 contract (the proxy's L2 address).
        address to;
        /// @dev Wei sent with the call (escrowed on L1, credited on L2 like a deposit).
        uint256 value;
        /// @dev L2 gas given to the call (at most MAX_MESSAGE_GAS).
        uint64 gasLimit;
        /// @dev The calldata.
        bytes data;
        /// @dev Whether the L2 call succeeded.
        bool success;
        /// @dev Its return data (or revert data).
        bytes returnData;
    }

    /// @notice What `syncExecute` does besides the block: the table, the L1 call to make, and the
    ///         proof of the L2 results against the verified block's state root.
    struct SyncExecution {
        /// @dev The table, in the order the L1 call makes the proxy calls.
        SyncCall[] calls;
        /// @dev The L1 call: `target.call{value: msg.value - executeFee}(data)`, made by the rollup.
        address target;
        bytes data;
        /// @dev What EXECUTE is paid, out of `msg.value` (docs/execute.md, "Gas market").
        uint256 executeFee;
        /// @dev `eth_getProof` of the L2 messenger's `syncResults[l2BlockNumber]` in the new block.
        bytes[] accountProof;
        bytes[] storageProof;
    }

    /// @notice One L2 → L1 call (docs/sync.md, "L2 → L1"): an L2 contract asked the messenger to
    ///         call an L1 contract and used the answer inside its L2 transaction. The L1
    ///         transaction that verifies the block makes the same call and compares.
    struct L1Call {
        /// @dev The L2 contract that asked (`msg.sender` of `L2Messenger.callL1`); on L1 the
        ///      call comes from the rollup with `xDomainMessageSender() == caller`.
        address caller;
        /// @dev The L1 contract called (never the rollup itself); no value is sent.
        address target;
        bytes data;
        /// @dev Whether the L1 call succeeded, and its return (or revert) data, as the L2 used them.
        bool success;
        bytes returnData;
    }

    /// @notice What `advanceWithL1Calls` needs besides the block: the calls in the order the L2
    ///         consumed them, and the proof of the L2's record of them in the verified state.
    struct L1CallExecution {
        L1Call[] calls;
        /// @dev `eth_getProof` of the L2 messenger's `l1CallsConsumed[l2BlockNumber]` in the new block.
        bytes[] accountProof;
        bytes[] storageProof;
    }

    /// @notice What `syncExecuteNested` needs besides the block and the sync table: the L2 → L1
    ///         calls the sync calls make on L2 (L1 → L2 → L1, docs/sync.md "Nesting"), in the
    ///         order L2 answers them, and the proof of the L2's record of them.
    struct NestedL1Calls {
        /// @dev The table, as `advanceWithL1Calls` takes it; L2 gets it in the queue before the sync calls.
        L1Call[] calls;
        /// @dev One per sync call: how many of `calls`, in order, sync call i makes on L2. L1
        ///      makes them inside sync call i's proxy call, before returning its result.
        uint256[] perEntry;
        /// @dev `eth_getProof` of the L2 messenger's `l1CallsConsumed[l2BlockNumber]` in the new block.
        bytes[] accountProof;
        bytes[] storageProof;
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
    /// @param prevRandao Its hash: the L2 block's prevRandao.
    /// @param anchor The L2 block's anchor: keccak256(abi.encode(prevRandao, messageCount, rollingHash(messageCount))).
    /// @param messageCount L1→L2 messages delivered up to and including this block (the new ones
    ///        are in the `_messages` argument of this L1 transaction).
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
        bytes32 prevRandao,
        bytes32 anchor,
        uint64 messageCount,
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
    /// @dev `advanceWithBlobRange` got a range that is not 16 bytes (`uint64 offset ‖ uint64
    ///      length`) or whose length is 0: no block's data is empty.
    error NativeRollup_InvalidBlobRange(bytes range);
    /// @dev Referenced blob `index` is none of the transaction's blobs; `actual` is the
    ///      transaction's blob at that same index (0: none), to help tell a typo from a missing blob.
    error NativeRollup_BlobNotInTransaction(uint256 index, bytes32 referenced, bytes32 actual);
    /// @dev EXECUTE rejected the block (or ran out of gas): it is not a valid successor of the head.
    error NativeRollup_ExecutionFailed(uint64 number);
    /// @dev The block's `gasUsed` does not fit in what EXECUTE calls of L1 block `l1BlockNumber` have
    ///      left of EXECUTE's cumulative limit (`usedInBlock` already used).
    error NativeRollup_ExecuteGasLimitReached(uint256 l1BlockNumber, uint256 usedInBlock, uint64 gasUsed, uint256 limit);
    /// @dev The advance pays EXECUTE `paid` wei, less than `gasUsed × baseFee` (`required`).
    error NativeRollup_ExecuteFeeTooLow(uint64 gasUsed, uint256 baseFee, uint256 required, uint256 paid);
    /// @dev `syncExecute`'s `executeFee` is more than the transaction's value.
    error NativeRollup_ExecuteFeeExceedsValue(uint256 executeFee, uint256 value);
    /// @dev EXECUTE accepted a block whose hash differs from the claim (a broken precompile).
    error NativeRollup_BlockHashMismatch(bytes32 claimed, bytes32 executed);
    /// @dev `advanceBatched`: no batched EXECUTE call of this transaction accepted block `number`'s
    ///      input (verdict key `key`): never verified, rejected, verified for another parent,
    ///      anchor or rollup, or in an earlier transaction.
    error NativeRollup_NoVerdict(uint64 number, bytes32 key);
    /// @dev The state root of that L2 block is not (or no longer) in the history ring buffer.
    error NativeRollup_StateRootUnavailable(uint256 number);
    /// @dev The claim's messageCount is below the parent's (`delivered`) or above the queue's length.
    error NativeRollup_InvalidMessageCount(uint64 claimed, uint64 delivered, uint256 queued);
    /// @dev The block leaves message `index`, enqueued at L1 block `enqueuedAt`, undelivered past
    ///      FORCE_DELAY without delivering its quota of MESSAGES_PER_BLOCK.
    error NativeRollup_MessageOverdue(uint256 index, uint256 enqueuedAt, uint256 l1BlockNumber);
    /// @dev The claim delivers messages but `_messages` is empty.
    error NativeRollup_MessagesMissing();
    /// @dev `sendMessage` / `enqueueFromRollup` with a fee above the ETH sent.
    error NativeRollup_FeeExceedsValue(uint256 fee, uint256 value);
    /// @dev A message's gas limit is above MAX_MESSAGE_GAS.
    error NativeRollup_MessageGasTooHigh(uint64 gasLimit, uint256 max);
    /// @dev A message's data is longer than MAX_MESSAGE_DATA.
    error NativeRollup_MessageDataTooLarge(uint256 length, uint256 max);
    /// @dev That L2 message was already claimed or forwarded.
    error NativeRollup_AlreadyClaimed(bytes32 hash);
    /// @dev The proofs are well formed but do not show the message sent: `reason` says which part.
    error NativeRollup_InvalidProof(string reason);
    /// @dev `claim` of a message to a rollup, or `forward` of a message to L1.
    error NativeRollup_WrongDestination(address destination);
    /// @dev The call to a claimed message's recipient reverted (the claim reverts with it; retry later).
    error NativeRollup_CallFailed(bytes32 hash, bytes returnData);
    /// @dev `claim`, `forward` or `withdrawBurnedFees` re-entered.
    error NativeRollup_Reentrant();
    /// @dev `xDomainMessageSender` read outside a claim's call.
    error NativeRollup_NotInMessage();
    /// @dev `withdrawBurnedFees` from someone else than FEE_RECIPIENT (or with no recipient set).
    error NativeRollup_NotFeeRecipient(address caller, address recipient);
    /// @dev Paying the burned fees to FEE_RECIPIENT failed.
    error NativeRollup_FeeTransferFailed(address recipient, uint256 amount);
    /// @dev `advance*`, `deposit`, `sendMessage` or `enqueueFromRollup` on a retired rollup (or on
    ///      the implementation behind clones, born retired); or `retire` a second time.
    error NativeRollup_Retired();
    /// @dev `retire` from someone else than RETIRER (or with no retirer set).
    error NativeRollup_NotRetirer(address caller, address retirer);

    /// @dev A proxy called while no `syncExecute` runs (there is no table to answer from).
    error NativeRollup_NoSyncTable();
    /// @dev `syncProxyCall` from an address that is not one of this rollup's L2 proxies.
    error NativeRollup_NotL2Proxy(address caller);
    /// @dev `syncExecute` inside another one.
    error NativeRollup_SyncReentrant();
    /// @dev Proxy call `index` is beyond the table: the builder did not foresee it (the SDK reads
    ///      the request from this error and extends the table).
    error NativeRollup_SyncCallUnexpected(uint256 index, address caller, address to, uint256 value, bytes data);
    /// @dev Proxy call `index` is not the table's entry `index` (caller, L2 address, value or data differ).
    error NativeRollup_SyncCallMismatch(uint256 index, address caller, address to, uint256 value, bytes data);
    /// @dev The L1 call made fewer proxy calls than the table holds: the block would deliver calls nobody made.
    error NativeRollup_SyncCallsUnconsumed(uint256 consumed, uint256 expected);
    /// @dev The sync block does not deliver the whole queue (its sync calls included).
    error NativeRollup_SyncMessagesUndelivered(uint64 claimed, uint256 queued);
    /// @dev The L2 results recorded in the verified block (`proven`) are not the table's (`expected`).
    error NativeRollup_SyncResultsMismatch(bytes32 proven, bytes32 expected);
    /// @dev `prepareSyncCalls` with more than one successful entry (a prefix of them could be
    ///      consumed without the rest: the user path adopts a block at one consumption).
    error NativeRollup_PreparedSuccessCount(uint256 second);
    /// @dev A proxy call from a transaction of `origin` while the prepared table is `expected`'s.
    error NativeRollup_SyncPreparedForOther(address expected, address origin);
    /// @dev The prepared block's parent (`parent`) is no longer the head (`head`), or a message
    ///      joined the queue, since the preparation: nothing is adopted, the transaction reverts.
    error NativeRollup_SyncPreparedStale(bytes32 parent, bytes32 head);
    /// @dev L2 → L1 call `index` answered differently on L1 now (`success`, `returnData`) than the
    ///      table the L2 used: L1 state changed since the block was built (the SDK rebuilds).
    error NativeRollup_L1CallResultMismatch(uint256 index, address caller, address target, bool success, bytes returnData);
    /// @dev An L2 → L1 call to the rollup itself (it would act with the rollup's authority).
    error NativeRollup_L1CallToRollup(uint256 index);
    /// @dev The L2 → L1 calls the verified block consumed (`proven`, L2Messenger.l1CallsConsumed)
    ///      are not the table (`expected`): a call left out, added, reordered or altered.
    error NativeRollup_L1CallsMismatch(bytes32 proven, bytes32 expected);
    /// @dev `syncExecuteNested` with `perEntry` not one count per sync call.
    error NativeRollup_NestedCountsMismatch(uint256 counts, uint256 calls);
    /// @dev After `syncExecuteNested`'s L1 call, `made` of the `expected` nested L2 → L1 calls were
    ///      made: a failed sync call was given some, or a successful one was not made.
    error NativeRollup_NestedL1CallsUnmade(uint256 made, uint256 expected);

    /// @notice A message joined the L1→L2 queue.
    /// @param index Its position in the queue.
    /// @param rollingHash The queue's rolling hash after it: rollingHash(index + 1).
    /// @param message The message, in full (what the L2 messenger gets).
    event MessageQueued(uint256 indexed index, bytes32 rollingHash, L1Message message);
    /// @notice An L2→L1 message was proven and its call made.
    event MessageClaimed(bytes32 indexed hash, uint256 indexed nonce, address indexed to, uint256 value);
    /// @notice An L2 message to another rollup was proven and enqueued there.
    /// @param index Its index in the destination's queue.
    event MessageForwarded(bytes32 indexed hash, address indexed destination, uint256 index);
    /// @notice FEE_RECIPIENT took the burned fees accumulated so far.
    event BurnedFeesWithdrawn(address indexed recipient, uint256 amount);
    /// @notice An L2Proxy was created for `l2Address`.
    event L2ProxyCreated(address indexed l2Address, address proxy);
    /// @notice A sync execution landed: L2 block `number` made its `calls` L1 → L2 calls, whose
    ///         results (`resultsHash`, docs/sync.md) L1 checked against the block's state.
    event SyncExecuted(uint256 indexed number, uint256 calls, bytes32 resultsHash);
    /// @notice A user-path sync block was verified (docs/sync.md, "The user path"): L2 block
    ///         `number` (`blockHash`) becomes the head when a transaction of `origin` in this L1
    ///         block consumes its successful entry ({SyncCallsAdopted}); its BlockAdvanced (this
    ///         transaction's) counts only then.
    event SyncCallsPrepared(uint256 indexed number, bytes32 blockHash, address indexed origin);
    /// @notice The prepared block `number` became the head: its successful call was made.
    event SyncCallsAdopted(uint256 indexed number, bytes32 blockHash);
    /// @notice L2 block `number` made `calls` L2 → L1 calls; L1 made them again in the same
    ///         transaction with the same results (`callsHash`, the fold L2Messenger records).
    event L1CallsExecuted(uint256 indexed number, uint256 calls, bytes32 callsHash);

    /// @notice The rollup was retired: no block after `number` will ever be verified.
    /// @param number The head's L2 block number at retirement (its last block).
    event Retired(uint64 number);

}

/// @title INativeRollup
/// @notice A based + native rollup: anyone proposes the next L2 block in an L1 transaction
///         (based), and L1 verifies it in the same transaction through EXECUTE (native). An L2
///         block is final when the L1 block that carries it is.
interface INativeRollup is INativeRollupTypes {
    /// @notice Proposes and verifies the next L2 block, its transactions in calldata.
    ///         Permissionless. Reverts unless EXECUTE accepts the block, and on a retired rollup.
    ///         `_messages` is `abi.encode(l1BlockHash, count, rollingHash, L1Message[])` of the
    ///         messages the block delivers (empty when it delivers none), passed to EXECUTE.
    ///         `msg.value` pays EXECUTE (docs/execute.md, "Gas market"): at least `gasUsed ×` the
    ///         execute base fee, all of it burned, else `NativeRollup_ExecuteFeeTooLow`; a block
    ///         over what this L1 block's EXECUTE calls have left of their limit reverts with
    ///         `NativeRollup_ExecuteGasLimitReached`. Under 1:1 pricing the fee is 0.
    function advance(BlockClaim calldata _claim, bytes calldata _transactions, bytes calldata _witness, bytes calldata _messages)
        external
        payable;

    /// @notice As `advanceWithBlobs`, for a block whose data is a byte range (`_range`: 16 bytes,
    ///         `uint64 offset ‖ uint64 length`) of the payload the blobs carry (decoded and decompressed): one
    ///         blob shared by many rollups' blocks (docs/execute.md, "Shared advances"). EXECUTE
    ///         checks the blobs against their versioned hashes and reads only the range; a range
    ///         that is not this block's data fails it (`NativeRollup_ExecutionFailed`). A range
    ///         that is not 16 bytes, or of length 0, reverts `NativeRollup_InvalidBlobRange` first.
    function advanceWithBlobRange(
        BlockClaim calldata _claim,
        bytes32[] calldata _blobHashes,
        bytes calldata _range,
        bytes calldata _witness,
        bytes calldata _messages
    ) external payable;

    /// @notice As `advanceWithBlobRange`, for a block that a batched EXECUTE call earlier in this
    ///         L1 transaction verified (docs/shared-advances.md, "One EXECUTE call"): every check
    ///         of an advance (parent, proposer, retired, timestamp, anchor, messages, the blobs in
    ///         the transaction), then, instead of calling EXECUTE, the verdict EXECUTE remembered
    ///         for exactly this block's input (`Execute.verdict`), which must accept the claimed
    ///         hash: else `NativeRollup_NoVerdict` (rejected, never verified, or verified for
    ///         another head) or `NativeRollup_BlockHashMismatch`. Not payable: the batch paid EXECUTE.
    function advanceBatched(
        BlockClaim calldata _claim,
        bytes32[] calldata _blobHashes,
        bytes calldata _range,
        bytes calldata _witness,
        bytes calldata _messages
    ) external;

    /// @notice Proposes and verifies the next L2 block, its transactions in the blobs of this
    ///         transaction (encoded as docs/blobs.md says). Each `_blobHashes[i]` must be one of
    ///         the transaction's blobs, at any index (several rollups' blocks may share a type-3
    ///         transaction); EXECUTE reads them in the referenced order and fails if their data is
    ///         unavailable, does not match or does not decode. Reverts on a retired rollup.
    ///         `msg.value` pays EXECUTE, as in `advance`.
    function advanceWithBlobs(
        BlockClaim calldata _claim,
        bytes32[] calldata _blobHashes,
        bytes calldata _witness,
        bytes calldata _messages
    ) external payable;

    /// @notice The latest verified L2 block.
    function head() external view returns (Head memory);

    /// @notice The state root of a verified L2 block among the last `STATE_ROOT_HISTORY`.
    function stateRootAt(uint256 _number) external view returns (bytes32);

    /// @notice The value of storage slot `_slot` of L2 account `_account` in the state of verified
    ///         L2 block `_l2BlockNumber`, read through `eth_getProof`-style proofs against its
    ///         state root (0 for an absent account or slot, proven so). Reverts on a block outside
    ///         the history (`NativeRollup_StateRootUnavailable`) or a proof that does not prove
    ///         either (the `MerkleTrie_*` errors). For cross-rollup assertions in bundles.
    function storageAt(
        uint256 _l2BlockNumber,
        address _account,
        bytes32 _slot,
        bytes[] calldata _accountProof,
        bytes[] calldata _storageProof
    ) external view returns (bytes32);

    /// @notice The L1→L2 queue's length.
    function messageCount() external view returns (uint256);

    /// @notice Retires the rollup: from now on `advance*`, `deposit`, `sendMessage` and
    ///         `enqueueFromRollup` revert with `NativeRollup_Retired`; claims, forwards,
    ///         `stateRootAt`, `storageAt` and burned-fee withdrawals keep working on its history.
    ///         Only RETIRER, once. Emits `Retired(head number)`.
    function retire() external;

    /// @notice Whether the rollup is retired.
    function retired() external view returns (bool);

    /// @notice Sends `msg.value` to `_to` on L2 (a message with no call and no fee). Reverts on a
    ///         retired rollup (as `sendMessage` and `enqueueFromRollup`): none could be delivered.
    function deposit(address _to) external payable;

    /// @notice Sends a message to `_to` on L2: `msg.value - _fee` wei with a call of `_gasLimit`
    ///         gas and `_data`; `_fee` goes to the coinbase of the L2 block that delivers it.
    ///         Reverts on a fee above `msg.value`, a gas limit above MAX_MESSAGE_GAS or data above
    ///         MAX_MESSAGE_DATA.
    function sendMessage(address _to, bytes calldata _data, uint64 _gasLimit, uint256 _fee) external payable;

    /// @notice `sendMessage` for a message forwarded from another rollup: `_sender` is the L2
    ///         sender there and `sourceRollup` is `msg.sender`. Anyone may call it; receivers trust
    ///         a message only as far as they trust its `sourceRollup`.
    function enqueueFromRollup(address _sender, address _to, bytes calldata _data, uint64 _gasLimit, uint256 _fee)
        external
        payable;

    /// @notice Proves an L2→L1 message sent in the L2 state of block `_l2BlockNumber` (its account
    ///         proof of the L2 messenger and its storage proof of `sentMessages[hash]`), marks it
    ///         claimed and calls `to` with its value and data. Reverts if the call reverts.
    function claim(
        L2Message calldata _message,
        uint256 _l2BlockNumber,
        bytes[] calldata _accountProof,
        bytes[] calldata _storageProof
    ) external;

    /// @notice Proves an L2 message to another rollup, as `claim`, and enqueues it there with
    ///         `enqueueFromRollup{value: value + fee}`.
    function forward(
        L2Message calldata _message,
        uint256 _l2BlockNumber,
        bytes[] calldata _accountProof,
        bytes[] calldata _storageProof
    ) external;

    /// @notice The L2 sender of the message being claimed; reverts outside a claim's call.
    function xDomainMessageSender() external view returns (address);

    /// @notice Synchronous L1 → L2 calls (docs/sync.md). Loads `_sync.calls` as the execution
    ///         table, makes the L1 call `_sync.target.call{value: msg.value - _sync.executeFee}(_sync.data)` — during
    ///         which each call to an L2Proxy of this rollup must match the next entry, is enqueued as
    ///         an L1→L2 message and answered with the entry's result — then advances the rollup
    ///         with the block (as `advance`; it must deliver the whole queue) and checks the results
    ///         against the messenger's `syncResults` in the verified state. Any mismatch reverts it
    ///         all. Returns the L1 call's return data; bubbles its revert. `_sync.executeFee` of
    ///         `msg.value` pays EXECUTE, as `msg.value` does in `advance`.
    function syncExecute(
        BlockClaim calldata _claim,
        bytes calldata _transactions,
        bytes calldata _witness,
        bytes calldata _messages,
        SyncExecution calldata _sync
    ) external payable returns (bytes memory);

    /// @notice The user path (docs/sync.md): verifies a sync block whose calls a later
    ///         transaction of `_p.target` (the user: `tx.origin`) in this same L1 block will make,
    ///         without adopting it. `_p.calls` holds at most one successful entry; `_p.data` and
    ///         `_p.executeFee` are unused (no L1 call is made here; `msg.value` pays EXECUTE).
    ///         Runs `syncExecute`'s enqueue, advance and results check, then puts the head, the
    ///         queue length and the fee counters back and keeps the table and the verified head.
    ///         During this L1 block, proxy calls from transactions of `_p.target` are answered
    ///         from the table; the one that consumes the successful entry adopts the block (head,
    ///         queue, counters), provided the head and queue are still the ones it was built on.
    ///         A transaction that reverts adopts nothing; past this L1 block the table is dead.
    ///         `msg.value` pays EXECUTE, as in `advance`.
    function prepareSyncCalls(
        BlockClaim calldata _claim,
        bytes calldata _transactions,
        bytes calldata _witness,
        bytes calldata _messages,
        SyncExecution calldata _p
    ) external payable;

    /// @notice L1 → L2 → L1 (docs/sync.md, "Nesting"): `syncExecute` whose sync calls may call
    ///         L1 on L2 (`L2Messenger.callL1`). `_l1.calls` goes to L2 in the queue before the sync
    ///         calls; during the L1 call, the proxy call that consumes sync call i first makes its
    ///         `_l1.perEntry[i]` L1 calls (from the rollup, `xDomainMessageSender() == caller`, no
    ///         value), each of which must return the table's result
    ///         (`NativeRollup_L1CallResultMismatch`), then returns sync call i's result. Every
    ///         nested call must have been made (`NativeRollup_NestedL1CallsUnmade`); after the
    ///         advance, the messenger's `syncResults` and `l1CallsConsumed` must both be the tables'.
    function syncExecuteNested(
        BlockClaim calldata _claim,
        bytes calldata _transactions,
        bytes calldata _witness,
        bytes calldata _messages,
        SyncExecution calldata _sync,
        NestedL1Calls calldata _l1
    ) external payable returns (bytes memory);

    /// @notice Called by an L2Proxy: checks `(_caller, proxy's L2 address, msg.value, _data)`
    ///         against the next table entry, enqueues it and returns the entry's result.
    function syncProxyCall(address _caller, bytes calldata _data) external payable returns (bool success_, bytes memory returnData_);

    /// @notice Synchronous L2 → L1 calls (docs/sync.md, "L2 → L1"). First makes each call of
    ///         `_l1.calls` from the rollup (`xDomainMessageSender() == caller`, no value) and
    ///         requires the table's result; then enqueues the table as one L1→L2 message to the
    ///         L2 messenger, which answers `callL1` from it in the block; then advances the rollup
    ///         with the block (as `advance`; it must deliver the whole queue); then requires the
    ///         messenger's `l1CallsConsumed` in the verified state to be the fold of the whole
    ///         table. Any mismatch reverts it all. `msg.value` pays EXECUTE, as in `advance`.
    function advanceWithL1Calls(
        BlockClaim calldata _claim,
        bytes calldata _transactions,
        bytes calldata _witness,
        bytes calldata _messages,
        L1CallExecution calldata _l1
    ) external payable;

    /// @notice The L2Proxy address of `_l2Address` (whether created yet or not).
    function l2Proxy(address _l2Address) external view returns (address);

    /// @notice Creates the L2Proxy of `_l2Address` (anyone may; once). Returns its address.
    function createL2Proxy(address _l2Address) external returns (address);

    /// @notice Pays the burned fees not yet withdrawn to FEE_RECIPIENT. Only FEE_RECIPIENT.
    function withdrawBurnedFees() external;
}
