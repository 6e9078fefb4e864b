// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {INativeRollupTypes} from "../interfaces/INativeRollup.sol";
import {L2Anchor} from "./L2Anchor.sol";

/// @title L2Messenger
/// @notice L2 predeploy (0x5500…0002) of the bridge (docs/bridge.md). It holds the L2's pre-minted
///         ETH, delivers L1→L2 messages handed to it by the engine's delivery system call (checked
///         against the block's anchor), and records L2→L1 and L2→rollup messages in `sentMessages`
///         for the L1 contract to prove.
contract L2Messenger {
    /// @notice The caller the execution engine uses for system calls.
    address public constant SYSTEM_ADDRESS = 0xffffFFFfFFffffffffffffffFfFFFfffFFFfFFfE;
    /// @notice The anchor predeploy: its `latestAnchor` commits to the messages of this block.
    L2Anchor public constant ANCHOR = L2Anchor(0x5500000000000000000000000000000000000001);
    /// @notice The messenger's genesis balance: all the L2's ETH, unlocked by deposits.
    uint256 public constant PREMINT = 2 ** 128;
    /// @notice Gas kept back after a delivered call (the bookkeeping that follows it).
    uint256 public constant DELIVERY_RESERVE = 40_000;
    /// @notice Gas given to the fee payment to the coinbase: enough for an account, too little for
    ///         a hostile contract to burn the delivery's gas.
    uint256 public constant FEE_TRANSFER_GAS = 2_300;
    /// @notice Same bounds as NativeRollup's, so a message sent to a rollup can always be forwarded.
    uint256 public constant MAX_MESSAGE_GAS = 1_000_000;
    /// @notice Same bound as NativeRollup's MAX_MESSAGE_DATA.
    uint256 public constant MAX_MESSAGE_DATA = 16 * 1024;

    // Storage layout: `sentMessages` must stay at slot 2 (NativeRollup proves claims against it).
    /// @notice L1→L2 messages delivered so far (the next index to deliver).
    uint256 public deliveredCount; // slot 0
    /// @notice The rolling hash of the delivered messages (equals L1's rollingHash(deliveredCount)).
    bytes32 public deliveredRollingHash; // slot 1
    /// @notice Messages sent to L1 or to another rollup, by hash: proven on L1 by `claim`/`forward`.
    mapping(bytes32 hash => bool) public sentMessages; // slot 2
    /// @notice Messages sent so far (the next L2Message's nonce).
    uint256 public sentCount; // slot 3
    /// @notice Delivered messages whose call reverted: `retryMessage` may run them again.
    mapping(bytes32 hash => bool) public failedMessages; // slot 4
    /// @notice Delivery fees a coinbase did not accept when paid; it may withdraw them.
    mapping(address coinbase => uint256) public unclaimedFees; // slot 5
    /// @notice Per L2 block, the fold of its sync calls' results (docs/sync.md):
    ///         h = keccak256(abi.encode(h, index, success, keccak256(returnData))) from 0, and in a
    ///         block with an L2 → L1 table also h = keccak256(abi.encode(h, l1CallCursor)) after
    ///         each (docs/sync.md, "Nesting"). L1 proves
    ///         this slot (NativeRollup.SYNC_RESULTS_SLOT) against the block's state root.
    mapping(uint256 blockNumber => bytes32) public syncResults; // slot 6
    /// @notice Per L2 block, the fold of the L2 → L1 calls answered by `callL1` (docs/sync.md):
    ///         h = keccak256(abi.encode(h, keccak256(abi.encode(caller, target, keccak256(data),
    ///         success, keccak256(returnData))))) from 0. L1 proves this slot
    ///         (NativeRollup.L1_CALLS_CONSUMED_SLOT) and requires it to be the fold of the whole table.
    mapping(uint256 blockNumber => bytes32) public l1CallsConsumed; // slot 7
    /// @notice Per L2 block, the L2 → L1 call table delivered to it (from L1, in the queue).
    mapping(uint256 blockNumber => L1CallAnswer[]) internal _l1CallTable; // slot 8
    /// @notice Per L2 block, the next entry of its table `callL1` answers from.
    mapping(uint256 blockNumber => uint256) public l1CallCursor; // slot 9
    /// @notice Per L2 block, whether a table was delivered (without one, `callL1` reverts).
    mapping(uint256 blockNumber => bool) public l1CallTableLoaded; // slot 10

    /// @notice One answer of an L2 → L1 call table, as stored (the request by its data's hash).
    struct L1CallAnswer {
        address caller;
        address target;
        bytes32 dataHash;
        bool success;
        bytes returnData;
    }

    /// @notice The `sourceRollup` NativeRollup gives the message that carries a block's L2 → L1
    ///         call table (its L1_CALLS_SOURCE): `abi.encode(INativeRollupTypes.L1Call[])`, loaded, not called.
    address public constant L1_CALLS_SOURCE = address(2);

    /// @notice The `sourceRollup` NativeRollup gives a sync call's message (its SYNC_SOURCE): the
    ///         call's result is recorded in `syncResults` and a revert is final (not retryable),
    ///         since the L1 caller already saw it.
    address public constant SYNC_SOURCE = address(1);

    /// @dev The message whose call is running (valid while `_inMessage`).
    address private transient _sender;
    address private transient _sourceRollup;
    bool private transient _inMessage;
    /// @dev Set while delivering or retrying: neither may nest.
    bool private transient _locked;
    /// @dev Set while a sync call's message runs (`_runSync`): its L2 contract may call L1
    ///      (`callL1`) during the delivery, L1 → L2 → L1 (docs/sync.md, "Nesting").
    bool private transient _inSyncCall;

    /// @notice An L1→L2 message was delivered; `success` is whether its call succeeded (if not,
    ///         it is retryable).
    event MessageDelivered(uint256 indexed index, bytes32 indexed hash, bool success);
    /// @notice A failed message was run again, successfully.
    event MessageRetried(bytes32 indexed hash);
    /// @notice A message to L1 or to another rollup was recorded in `sentMessages`.
    event MessageSent(uint256 indexed nonce, bytes32 indexed hash, INativeRollupTypes.L2Message message);
    /// @notice A sync L1 → L2 call ran (message `index`): its outcome, as L1 returned it to the caller.
    event SyncCallExecuted(uint256 indexed index, bool success, bytes returnData);
    /// @notice `callL1` answered entry `index` of this block's L2 → L1 call table.
    event L1CallAnswered(uint256 indexed index, address indexed caller, address indexed target, bool success);
    /// @notice A coinbase's delivery fee could not be paid and was credited to it instead.
    event FeeUnclaimed(address indexed coinbase, uint256 amount);
    /// @notice A coinbase withdrew its unclaimed delivery fees.
    event FeesWithdrawn(address indexed coinbase, address indexed to, uint256 amount);

    /// @dev `deliverMessages` from anyone but the system address.
    error L2Messenger_NotSystem(address caller);
    /// @dev The delivery's (l1BlockHash, count, rollingHash) is not the block's anchor preimage.
    error L2Messenger_AnchorMismatch(bytes32 anchor, bytes32 computed);
    /// @dev A message out of order: `expected` is deliveredCount.
    error L2Messenger_UnexpectedIndex(uint256 expected, uint256 got);
    /// @dev After the batch, deliveredCount is not the anchored count.
    error L2Messenger_CountMismatch(uint256 anchored, uint256 delivered);
    /// @dev After the batch, the rolling hash is not the anchored one (a message was altered).
    error L2Messenger_RollingHashMismatch(bytes32 anchored, bytes32 computed);
    /// @dev Too little gas left to give message `index` its gas limit (EIP-150's 63/64 included).
    error L2Messenger_InsufficientGas(uint256 index, uint256 needed, uint256 left);
    /// @dev `retryMessage` of a message that is not (or no longer) failed.
    error L2Messenger_NotRetryable(bytes32 hash);
    /// @dev The retried call reverted again (the message stays retryable).
    error L2Messenger_RetryFailed(bytes32 hash, bytes returnData);
    /// @dev `xDomainMessageSender` read outside a delivered or retried message's call.
    error L2Messenger_NotInMessage();
    /// @dev A delivery or retry started inside another one.
    error L2Messenger_Reentrant();
    /// @dev `sendMessageToRollup` to address(0) (use `sendMessageToL1`).
    error L2Messenger_InvalidDestination();
    /// @dev A fee above the value sent.
    error L2Messenger_FeeExceedsValue(uint256 fee, uint256 value);
    /// @dev A gas limit above MAX_MESSAGE_GAS (the destination rollup would refuse it forever).
    error L2Messenger_MessageGasTooHigh(uint64 gasLimit, uint256 max);
    /// @dev Data above MAX_MESSAGE_DATA (the destination rollup would refuse it forever).
    error L2Messenger_MessageDataTooLarge(uint256 length, uint256 max);
    /// @dev `callL1` in a block that was delivered no L2 → L1 call table (only a block verified
    ///      by NativeRollup.advanceWithL1Calls has one).
    error L2Messenger_NoL1CallTable(uint256 blockNumber);
    /// @dev `callL1` number `index` of the block is beyond its table: the builder did not foresee it.
    error L2Messenger_L1CallUnexpected(uint256 index, address caller, address target, bytes data);
    /// @dev `callL1` number `index` is not the table's entry `index` (caller, target or data differ).
    error L2Messenger_L1CallMismatch(uint256 index, address caller, address target, bytes data);
    /// @dev A second table for the same block.
    error L2Messenger_L1CallTableLoaded(uint256 blockNumber);
    /// @dev Paying unclaimed fees failed.
    error L2Messenger_TransferFailed(address to, uint256 amount);

    modifier locked() {
        require(!_locked, L2Messenger_Reentrant());
        _locked = true;
        _;
        _locked = false;
    }

    // ---------------------------------------------------------------- L1 → L2

    /// @notice Delivers the block's L1→L2 messages: the engine's delivery system call, whose
    ///         calldata is EXECUTE's `messages` field. Reverts (making the block invalid) unless
    ///         `(l1BlockHash, count, rollingHash)` is the anchor's preimage and the messages are
    ///         exactly the next ones of the queue up to `count`, or if gas runs short for a
    ///         message's gas limit. A message whose call reverts stays retryable.
    /// @param _l1BlockHash The anchor block's hash (also the block's prevrandao).
    /// @param _count The queue length delivered after this block.
    /// @param _rollingHash L1's rollingHash(_count).
    /// @param _messages The messages from index deliveredCount to _count - 1.
    function deliverMessages(
        bytes32 _l1BlockHash,
        uint256 _count,
        bytes32 _rollingHash,
        INativeRollupTypes.L1Message[] calldata _messages
    ) external locked {
        require(msg.sender == SYSTEM_ADDRESS, L2Messenger_NotSystem(msg.sender));
        bytes32 anchored = ANCHOR.latestAnchor();
        bytes32 computed = keccak256(abi.encode(_l1BlockHash, _count, _rollingHash));
        require(computed == anchored, L2Messenger_AnchorMismatch(anchored, computed));
        uint256 count = deliveredCount;
        bytes32 rolling = deliveredRollingHash;
        for (uint256 i; i < _messages.length; ++i) {
            INativeRollupTypes.L1Message calldata m = _messages[i];
            require(m.index == count, L2Messenger_UnexpectedIndex(count, m.index));
            bytes32 hash = keccak256(abi.encode(m));
            rolling = keccak256(abi.encode(rolling, hash));
            ++count;
            _payFee(m.fee);
            // EIP-150 gives the callee at most 63/64 of what is left: check that it gets gasLimit.
            uint256 needed = uint256(m.gasLimit) * 64 / 63 + DELIVERY_RESERVE;
            require(gasleft() >= needed, L2Messenger_InsufficientGas(m.index, needed, gasleft()));
            bool success;
            if (m.sourceRollup == SYNC_SOURCE) {
                success = _runSync(m);
            } else if (m.sourceRollup == L1_CALLS_SOURCE) {
                _loadL1Calls(m.data);
                success = true;
            } else {
                success = _run(m.sender, m.sourceRollup, m.to, m.value, m.gasLimit, m.data);
                if (!success) failedMessages[hash] = true;
            }
            emit MessageDelivered(m.index, hash, success);
        }
        require(count == _count, L2Messenger_CountMismatch(_count, count));
        require(rolling == _rollingHash, L2Messenger_RollingHashMismatch(_rollingHash, rolling));
        deliveredCount = count;
        deliveredRollingHash = rolling;
    }

    /// @notice Runs a delivered message whose call reverted again, with all the gas given and its
    ///         value. Anyone may call it. Reverts if the message is not retryable or the call
    ///         reverts again (it then stays retryable).
    function retryMessage(INativeRollupTypes.L1Message calldata _message) external locked {
        bytes32 hash = keccak256(abi.encode(_message));
        require(failedMessages[hash], L2Messenger_NotRetryable(hash));
        failedMessages[hash] = false;
        _sender = _message.sender;
        _sourceRollup = _message.sourceRollup;
        _inMessage = true;
        (bool ok, bytes memory returnData) = _message.to.call{value: _message.value}(_message.data);
        _inMessage = false;
        require(ok, L2Messenger_RetryFailed(hash, returnData));
        emit MessageRetried(hash);
    }

    /// @notice While a delivered or retried message's call runs: its L1 sender and its source
    ///         rollup (address(0) for messages sent on L1). Reverts otherwise.
    function xDomainMessageSender() external view returns (address sender_, address sourceRollup_) {
        require(_inMessage, L2Messenger_NotInMessage());
        return (_sender, _sourceRollup);
    }

    /// @notice Pays the caller's unclaimed delivery fees to `_to` (a coinbase contract that
    ///         refuses ETH can send them elsewhere).
    function withdrawUnclaimedFees(address _to) external {
        uint256 amount = unclaimedFees[msg.sender];
        unclaimedFees[msg.sender] = 0;
        (bool ok,) = _to.call{value: amount}("");
        require(ok, L2Messenger_TransferFailed(_to, amount));
        emit FeesWithdrawn(msg.sender, _to, amount);
    }

    /// @dev Pays a delivery fee to the coinbase, or credits it when the transfer fails.
    function _payFee(uint256 _fee) private {
        if (_fee == 0) return;
        address recipient = block.coinbase;
        bool ok;
        assembly ("memory-safe") {
            ok := call(FEE_TRANSFER_GAS, recipient, _fee, 0, 0, 0, 0)
        }
        if (!ok) {
            unclaimedFees[recipient] += _fee;
            emit FeeUnclaimed(recipient, _fee);
        }
    }

    /// @dev Calls a message's recipient with its context set. The return data is not copied, so
    ///      a recipient cannot make delivery run out of gas with a huge one.
    function _run(address _from, address _source, address _to, uint256 _value, uint64 _gasLimit, bytes calldata _data)
        private
        returns (bool ok_)
    {
        _sender = _from;
        _sourceRollup = _source;
        _inMessage = true;
        bytes memory data = _data;
        assembly ("memory-safe") {
            ok_ := call(_gasLimit, _to, _value, add(data, 32), mload(data), 0, 0)
        }
        _inMessage = false;
    }

    /// @dev Runs a sync call's message: as `_run` (xDomainMessageSender = (L1 caller, address(0))),
    ///      but keeps the return data and folds the outcome into `syncResults[block.number]`.
    function _runSync(INativeRollupTypes.L1Message calldata _m) private returns (bool ok_) {
        _sender = _m.sender;
        _sourceRollup = address(0);
        _inMessage = true;
        _inSyncCall = true;
        bytes memory returnData;
        (ok_, returnData) = _m.to.call{gas: _m.gasLimit, value: _m.value}(_m.data);
        _inSyncCall = false;
        _inMessage = false;
        bytes32 folded = keccak256(abi.encode(syncResults[block.number], _m.index, ok_, keccak256(returnData)));
        // A nested block (NativeRollup.syncExecuteNested delivered a table first): also how many
        // L2 → L1 calls are answered after this sync call, so L1 knows which sync call made which.
        if (l1CallTableLoaded[block.number]) folded = keccak256(abi.encode(folded, l1CallCursor[block.number]));
        syncResults[block.number] = folded;
        emit SyncCallExecuted(_m.index, ok_, returnData);
    }

    // ---------------------------------------------------------------- sync L2 → L1 calls

    /// @dev Stores the block's L2 → L1 call table (the message NativeRollup.advanceWithL1Calls
    ///      enqueued after making those calls on L1 with these results).
    function _loadL1Calls(bytes calldata _data) private {
        require(!l1CallTableLoaded[block.number], L2Messenger_L1CallTableLoaded(block.number));
        l1CallTableLoaded[block.number] = true;
        INativeRollupTypes.L1Call[] memory calls = abi.decode(_data, (INativeRollupTypes.L1Call[]));
        L1CallAnswer[] storage table = _l1CallTable[block.number];
        for (uint256 i; i < calls.length; ++i) {
            INativeRollupTypes.L1Call memory c = calls[i];
            table.push(L1CallAnswer(c.caller, c.target, keccak256(c.data), c.success, c.returnData));
        }
    }

    /// @notice Calls `_target` on L1 synchronously (docs/sync.md, "L2 → L1"): returns the L1
    ///         call's outcome, like a low-level call (`success_` false: `returnData_` is its
    ///         revert data). The answer is the next entry of this block's table, which must be
    ///         `(msg.sender, _target, _data)`; L1 makes the same call, from the rollup with
    ///         `xDomainMessageSender() == msg.sender` and no value, in the transaction that
    ///         verifies this block, and reverts it all if the result differs. Reverts if the block
    ///         has no table, past its end, on a different request, or during a delivery other
    ///         than a sync call's (whose table NativeRollup.syncExecuteNested delivers first).
    function callL1(address _target, bytes calldata _data) external returns (bool success_, bytes memory returnData_) {
        require(!_locked || _inSyncCall, L2Messenger_Reentrant());
        require(l1CallTableLoaded[block.number], L2Messenger_NoL1CallTable(block.number));
        uint256 i = l1CallCursor[block.number];
        L1CallAnswer[] storage table = _l1CallTable[block.number];
        require(i < table.length, L2Messenger_L1CallUnexpected(i, msg.sender, _target, _data));
        L1CallAnswer storage answer = table[i];
        bytes32 dataHash = keccak256(_data);
        require(
            answer.caller == msg.sender && answer.target == _target && answer.dataHash == dataHash,
            L2Messenger_L1CallMismatch(i, msg.sender, _target, _data)
        );
        l1CallCursor[block.number] = i + 1;
        success_ = answer.success;
        returnData_ = answer.returnData;
        bytes32 entry = keccak256(abi.encode(msg.sender, _target, dataHash, success_, keccak256(returnData_)));
        l1CallsConsumed[block.number] = keccak256(abi.encode(l1CallsConsumed[block.number], entry));
        emit L1CallAnswered(i, msg.sender, _target, success_);
    }

    // ---------------------------------------------------------------- L2 → L1

    /// @notice Sends `msg.value` and a call of `_data` to `_to` on L1, claimable there by proof
    ///         once this block is verified. A withdrawal is a message with empty data.
    function sendMessageToL1(address _to, bytes calldata _data) external payable returns (bytes32 hash_) {
        return _send(address(0), _to, msg.value, 0, 0, _data);
    }

    /// @notice Sends a message to `_to` on the rollup whose L1 contract is `_destination`:
    ///         forwarded on L1 by `forward`, then delivered there as an L1Message with
    ///         `msg.value - _fee` wei, `_gasLimit` and `_fee`.
    function sendMessageToRollup(address _destination, address _to, bytes calldata _data, uint64 _gasLimit, uint256 _fee)
        external
        payable
        returns (bytes32 hash_)
    {
        require(_destination != address(0), L2Messenger_InvalidDestination());
        require(_fee <= msg.value, L2Messenger_FeeExceedsValue(_fee, msg.value));
        require(_gasLimit <= MAX_MESSAGE_GAS, L2Messenger_MessageGasTooHigh(_gasLimit, MAX_MESSAGE_GAS));
        require(_data.length <= MAX_MESSAGE_DATA, L2Messenger_MessageDataTooLarge(_data.length, MAX_MESSAGE_DATA));
        return _send(_destination, _to, msg.value - _fee, _fee, _gasLimit, _data);
    }

    function _send(address _destination, address _to, uint256 _value, uint256 _fee, uint64 _gasLimit, bytes calldata _data)
        private
        returns (bytes32 hash_)
    {
        uint256 nonce = sentCount++;
        INativeRollupTypes.L2Message memory message = INativeRollupTypes.L2Message({
            nonce: nonce,
            sender: msg.sender,
            destination: _destination,
            to: _to,
            value: _value,
            fee: _fee,
            gasLimit: _gasLimit,
            data: _data
        });
        hash_ = keccak256(abi.encode(message));
        sentMessages[hash_] = true;
        emit MessageSent(nonce, hash_, message);
    }
}
