// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {MerkleTrie} from "../libraries/MerkleTrie.sol";
import {L2Proxy} from "./L2Proxy.sol";
import {NativeRollupNested} from "./NativeRollupNested.sol";

/// @title NativeRollupSync
/// @notice NativeRollup's sync extension: the synchronous L1 → L2 and L2 → L1 calls of
///         docs/sync.md (`syncExecute`, `prepareSyncCalls`, `syncProxyCall`,
///         `advanceWithL1Calls`, `createL2Proxy`). Users never call it: they call the rollup,
///         whose functions of the same names DELEGATECALL here with their calldata unchanged.
/// @dev docs/contracts.md. Runs only by DELEGATECALL from its rollup (or the rollup's clones):
///      storage, `address(this)`, `msg.sender`, `msg.value` and the events' address are the
///      rollup's (or clone's). It declares no state (NativeRollupBase holds it all). Its
///      configuration immutables are the rollup's, and `_SELF` is the rollup's address, both
///      passed by the rollup's constructor, which deploys this contract.
contract NativeRollupSync is NativeRollupNested {
    /// @dev This contract's own address: a call straight to it (not by DELEGATECALL) is refused.
    address private immutable _EXTENSION = address(this);

    /// @dev A function of this extension called directly rather than through its rollup.
    error NativeRollupSync_NotDelegated();

    /// @param _rollup The rollup that deploys this extension (its `address(this)`).
    /// @dev The other parameters are the rollup's configuration (NativeRollup's constructor).
    constructor(
        address _rollup,
        uint64 _chainId,
        uint64 _gasLimit,
        bytes32 _genesisHash,
        bytes32 _genesisStateRoot,
        uint64 _genesisTimestamp,
        address _feeRecipient,
        address _retirer
    ) NativeRollupNested(_rollup, _chainId, _gasLimit, _genesisHash, _genesisStateRoot, _genesisTimestamp, _feeRecipient, _retirer) {}

    /// @dev Called directly, this code would run on the extension's own (empty) storage, with a
    ///      configuration read from its own code as if it were a clone: refuse it.
    modifier delegated() {
        require(address(this) != _EXTENSION, NativeRollupSync_NotDelegated());
        _;
    }

    // ---------------------------------------------------------------- sync L1 → L2 calls (docs/sync.md)

    /// @notice The L2Proxy address of `_l2Address` for the rollup at `_rollup` (a clone or a
    ///         direct deployment): NativeRollup's `l2Proxy` asks it here, where L2Proxy's code is.
    function l2ProxyOf(address _rollup, address _l2Address) public pure returns (address) {
        bytes32 initCodeHash = keccak256(type(L2Proxy).creationCode);
        bytes32 salt = bytes32(uint256(uint160(_l2Address)));
        return address(uint160(uint256(keccak256(abi.encodePacked(bytes1(0xff), _rollup, salt, initCodeHash)))));
    }

    /// @notice See {INativeRollup-createL2Proxy}.
    function createL2Proxy(address _l2Address) external delegated returns (address proxy_) {
        require(_l2Address != address(0), NativeRollup_WrongDestination(address(0)));
        proxy_ = l2ProxyOf(address(this), _l2Address);
        if (proxy_.code.length != 0) return proxy_;
        new L2Proxy{salt: bytes32(uint256(uint160(_l2Address)))}();
        l2ProxyTarget[proxy_] = _l2Address;
        emit L2ProxyCreated(_l2Address, proxy_);
    }

    /// @notice See {INativeRollup}.
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
    ) external payable delegated returns (bytes memory result_) {
        require(!_syncActive, NativeRollup_SyncReentrant());
        _loadSyncTable(_sync.calls, false);
        result_ = _syncCall(_sync);
        bytes32 expected = _enqueueSyncCalls(_sync.calls, _syncCursor, false);
        require(_claim.messageCount == _head.queued, NativeRollup_SyncMessagesUndelivered(_claim.messageCount, _head.queued));
        _advance(_claim, _transactions, new bytes32[](0), keccak256(_transactions), _witness, _messages, _sync.executeFee);
        _checkSyncResults(expected, _sync.accountProof, _sync.storageProof);
        emit SyncExecuted(_head.number, _sync.calls.length, expected);
    }

    /// @dev The L1 call of a sync transaction, with the transient table answering its proxy calls;
    ///      its revert is passed through.
    function _syncCall(SyncExecution calldata _sync) private returns (bytes memory result_) {
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
    }

    /// @notice See {INativeRollup}.
    /// @dev As `syncExecute`, with the nested L2 → L1 calls of docs/sync.md ("Nesting"). Why this
    ///      order is sound: the nested calls are made during the L1 call, each inside the proxy
    ///      call of the sync call that makes it on L2, so the L1 callee sees L1 as it is at that
    ///      point (what the L2 contract asked about), and its result is checked there. The table
    ///      goes to L2 ahead of the sync calls (so they can be answered during the delivery), and
    ///      the proven `l1CallsConsumed` says L2 used exactly the table, in order, with its callers.
    function syncExecuteNested(
        BlockClaim calldata _claim,
        bytes calldata _transactions,
        bytes calldata _witness,
        bytes calldata _messages,
        SyncExecution calldata _sync,
        NestedL1Calls calldata _l1
    ) external payable delegated returns (bytes memory result_) {
        require(!_syncActive, NativeRollup_SyncReentrant());
        require(_l1.perEntry.length == _sync.calls.length, NativeRollup_NestedCountsMismatch(_l1.perEntry.length, _sync.calls.length));
        _loadSyncTable(_sync.calls, false);
        _loadNested(_l1);
        result_ = _syncCall(_sync);
        require(_nestedCursor == _l1.calls.length, NativeRollup_NestedL1CallsUnmade(_nestedCursor, _l1.calls.length));
        _enqueue(msg.sender, L1_CALLS_SOURCE, L2_MESSENGER, 0, 0, 0, abi.encode(_l1.calls));
        bytes32 expected = _enqueueSyncCalls(_sync.calls, _syncCursor, true);
        require(_claim.messageCount == _head.queued, NativeRollup_SyncMessagesUndelivered(_claim.messageCount, _head.queued));
        _advance(_claim, _transactions, new bytes32[](0), keccak256(_transactions), _witness, _messages, _sync.executeFee);
        _checkSyncResults(expected, _sync.accountProof, _sync.storageProof);
        bytes32 folded = _checkNestedConsumed(_l1);
        emit SyncExecuted(_head.number, _sync.calls.length, expected);
        emit L1CallsExecuted(_head.number, _l1.calls.length, folded);
    }

    /// @notice See {INativeRollup}.
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
    ) external payable delegated {
        require(!_syncActive, NativeRollup_SyncReentrant());
        uint256 success = type(uint64).max;
        for (uint256 i; i < _p.calls.length; ++i) {
            if (!_p.calls[i].success) continue;
            require(success == type(uint64).max, NativeRollup_PreparedSuccessCount(i));
            success = i;
        }
        // What the verification changes and adoption will change again: kept to be put back.
        Saved memory saved = Saved(_head, (uint256(_currentHead().number) + 1) % STATE_ROOT_HISTORY, bytes32(0), _head.queued, burnedFees, totalDeposited);
        saved.root = _stateRoots[saved.ring];
        _verifyPrepared(_claim, _transactions, _witness, _messages, _p);
        _preparedHead = _currentHead();
        _preparedParent = _claim.parentHash;
        _preparedBurned = uint128(burnedFees - saved.burned);
        _preparedDeposited = uint128(totalDeposited - saved.deposited);
        // Put back. rollingHash and enqueuedAt past `queued` stay written: no one reads an index
        // beyond the queue's length, and the next enqueue overwrites them.
        _head = saved.head;
        _stateRoots[saved.ring] = saved.root;
        _head.queued = uint48(saved.queued);
        burnedFees = saved.burned;
        totalDeposited = saved.deposited;

        _loadSyncTable(_p.calls, true);
        _prepared = Prepared(uint64(block.number), uint64(_p.calls.length), 0, _p.target);
        emit SyncCallsPrepared(_preparedHead.number, _claim.blockHash, _p.target);
    }

    /// @dev What `prepareSyncCalls` puts back after verifying.
    struct Saved {
        StoredHead head;
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
        bytes32 expected = _enqueueSyncCalls(_p.calls, _p.calls.length, false);
        require(_claim.messageCount == _head.queued, NativeRollup_SyncMessagesUndelivered(_claim.messageCount, _head.queued));
        _advance(_claim, _transactions, new bytes32[](0), keccak256(_transactions), _witness, _messages, msg.value);
        _checkSyncResults(expected, _p.accountProof, _p.storageProof);
    }

    /// @dev Makes the prepared block the head (its successful call was just made), if it still
    ///      extends the head and the queue it was verified on.
    function _adoptPrepared() private {
        Head memory next = _preparedHead;
        bytes32 head = _currentHead().blockHash;
        require(
            head == _preparedParent && _head.queued == next.messageCount - _prepared.count,
            NativeRollup_SyncPreparedStale(_preparedParent, head)
        );
        require(!_head.retired, NativeRollup_Retired());
        _setHead(next);
        _head.queued = uint48(next.messageCount);
        burnedFees += _preparedBurned;
        totalDeposited += _preparedDeposited;
        emit SyncCallsAdopted(next.number, next.blockHash);
    }

    /// @notice See {INativeRollup}.
    function syncProxyCall(address _caller, bytes calldata _data)
        external
        payable
        delegated
        returns (bool success_, bytes memory returnData_)
    {
        address to = l2ProxyTarget[msg.sender];
        require(to != address(0), NativeRollup_NotL2Proxy(msg.sender));
        // L1 → L2 → L1 → L2 is deeper than this step nests (docs/sync.md, "Nesting").
        require(!_nestedActive, NativeRollup_SyncReentrant());
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
            // syncExecuteNested: this entry's L1 calls, before its result is returned.
            uint256 nested;
            assembly ("memory-safe") {
                nested := tload(add(slot, 2))
            }
            if (nested != 0) _makeNested(nested);
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
                if iszero(_persistent) { tstore(add(slot, 2), 0) }
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
    ///      With `_nested` (syncExecuteNested), the messenger also folds in, after each sync call,
    ///      how many nested L2 → L1 calls the block has answered so far: so the proof pins which
    ///      sync call made which nested call, as L1 made them (entry i's, inside its proxy call).
    function _enqueueSyncCalls(SyncCall[] calldata _calls, uint256 consumed, bool _nested) internal returns (bytes32 expected_) {
        uint256 answered;
        for (uint256 i; i < _calls.length; ++i) {
            SyncCall calldata c = _calls[i];
            require(i < consumed || !c.success, NativeRollup_SyncCallsUnconsumed(consumed, _calls.length));
            uint256 index = _enqueue(c.caller, SYNC_SOURCE, c.to, c.value, 0, c.gasLimit, c.data);
            if (!c.success) totalDeposited -= c.value;
            expected_ = keccak256(abi.encode(expected_, index, c.success, keccak256(c.returnData)));
            if (!_nested) continue;
            // A failed entry made none of its count (its proxy call reverted; on L2 its answers were undone).
            uint256 slot = _syncSlot(i) + 2;
            uint256 count;
            assembly ("memory-safe") {
                count := tload(slot)
            }
            if (c.success) answered += count;
            expected_ = keccak256(abi.encode(expected_, answered));
        }
    }

    /// @dev Compares the table's fold with `syncResults[number]` proven in the block just
    ///      verified (its state root is L1's now).
    function _checkSyncResults(bytes32 _expected, bytes[] calldata _accountProof, bytes[] calldata _storageProof) internal view {
        (, bytes32 storageRoot) = MerkleTrie.storageRoot(_headStateRoot(), L2_MESSENGER, _accountProof);
        bytes32 resultsSlot = keccak256(abi.encode(uint256(_head.number), SYNC_RESULTS_SLOT));
        bytes32 proven = bytes32(MerkleTrie.storageValue(storageRoot, resultsSlot, _storageProof));
        require(proven == _expected, NativeRollup_SyncResultsMismatch(proven, _expected));
    }


    // ---------------------------------------------------------------- sync L2 → L1 calls (docs/sync.md)

    /// @notice See {INativeRollup}.
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
    ) external payable delegated nonReentrant {
        require(!_syncActive, NativeRollup_SyncReentrant());
        bytes32 expected = _makeL1Calls(_l1.calls);
        _enqueue(msg.sender, L1_CALLS_SOURCE, L2_MESSENGER, 0, 0, 0, abi.encode(_l1.calls));
        require(_claim.messageCount == _head.queued, NativeRollup_SyncMessagesUndelivered(_claim.messageCount, _head.queued));
        _advance(_claim, _transactions, new bytes32[](0), keccak256(_transactions), _witness, _messages, msg.value);
        uint64 number = _head.number;
        (, bytes32 storageRoot) = MerkleTrie.storageRoot(_headStateRoot(), L2_MESSENGER, _l1.accountProof);
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
}
