// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title MerkleTrie
/// @notice Verifies Ethereum Merkle-Patricia-trie proofs as `eth_getProof` (EIP-1186) returns them:
///         the RLP-encoded nodes on the path from the root to the key, root first.
///         - Inclusion and exclusion: an absent key is proven by the path ending in an empty branch
///           slot or in a leaf/extension whose path diverges from the key.
///         - Nodes shorter than 32 bytes are embedded in their parent (no hash). A proof may or may
///           not repeat them as separate entries (geth omits them, the ethereumjs trie includes them):
///           both are accepted, the repeated copy must then equal the embedded bytes.
///         - Every node after the root is reached by its hash, so a proof cannot swap, insert or
///           drop nodes without a revert. There is no silent "absent" for a proof that stops early:
///           the walk must end at a leaf, an empty slot or a divergent path, and use every node.
///         The RLP reader is strict (canonical lengths, no trailing bytes): a node that hashes right
///         was produced by a real trie, but the strictness keeps a forged non-root node from
///         being read two ways.
/// @dev    Gas: the nodes are read where they are, in calldata. Only the node being hashed is
///         copied, to the same scratch memory each time (memory stays one node long). A node is
///         decoded in one pass over its item headers, which checks every item and keeps only the
///         few the walk needs (the path and second item of a leaf/extension, the one branch slot
///         the key selects); key paths are compared up to 63 nibbles per word.
library MerkleTrie {
    /// @notice The root of an empty trie: keccak256(rlp("")).
    bytes32 internal constant EMPTY_TRIE_ROOT = 0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421;

    /// @dev The proof has no node for the next step of the path (it stops early).
    error MerkleTrie_ProofTooShort(uint256 length);
    /// @dev The walk ended (at a value or an exclusion) before the proof's last node.
    error MerkleTrie_ProofTooLong(uint256 used, uint256 length);
    /// @dev Node `index` does not hash to the reference its parent (or the root) gives.
    error MerkleTrie_InvalidNodeHash(uint256 index, bytes32 expected, bytes32 actual);
    /// @dev Node `index` is not canonical RLP, or an item overruns it.
    error MerkleTrie_InvalidRlp(uint256 index);
    /// @dev Node `index` is not a list of 2 (leaf/extension) or 17 (branch) items.
    error MerkleTrie_InvalidNode(uint256 index, uint256 items);
    /// @dev A child reference in node `index` is neither empty, a 32-byte hash nor an embedded node.
    error MerkleTrie_InvalidChildReference(uint256 index, uint256 length);
    /// @dev The compact (hex-prefix) path of node `index` has an invalid flag nibble or padding.
    error MerkleTrie_InvalidPath(uint256 index);
    /// @dev A leaf (or branch value) in node `index` holds an empty value: no real trie stores one.
    error MerkleTrie_EmptyValue(uint256 index);
    /// @dev A proven account is not `rlp([nonce, balance, storageRoot, codeHash])`.
    error MerkleTrie_InvalidAccount();
    /// @dev A proven storage value is not an RLP string of at most 32 bytes.
    error MerkleTrie_InvalidStorageValue();

    /// @notice The storage root of `_account` in the state trie of `_stateRoot`.
    /// @return exists_ Whether the account is in the state (false: proven absent).
    /// @return storageRoot_ Its storage root; `EMPTY_TRIE_ROOT` when absent.
    function storageRoot(bytes32 _stateRoot, address _account, bytes[] calldata _proof)
        internal
        pure
        returns (bool exists_, bytes32 storageRoot_)
    {
        (bool exists, uint256 ptr, uint256 len) = _walk(_stateRoot, _secureKey(bytes32(bytes20(_account)), 20), _proof);
        if (!exists) return (false, EMPTY_TRIE_ROOT);
        // rlp([nonce, balance, storageRoot, codeHash]): two strings of at most 32 bytes, two of 32.
        (uint256 status, uint256 count, uint256 nonce, uint256 balance, uint256 root) = _scan(ptr, ptr + len, 2);
        require(status == SCAN_OK && count == 4, MerkleTrie_InvalidAccount());
        (,,,, uint256 codeHash) = _scan(ptr, ptr + len, 3);
        require(_isString(nonce, 0, 32) && _isString(balance, 0, 32), MerkleTrie_InvalidAccount());
        require(_isString(root, 32, 32) && _isString(codeHash, 32, 32), MerkleTrie_InvalidAccount());
        (ptr,,) = _unpack(root);
        assembly ("memory-safe") {
            storageRoot_ := calldataload(ptr)
        }
        return (true, storageRoot_);
    }

    /// @notice The value of storage slot `_slot` in the storage trie of `_storageRoot` (0 when absent).
    function storageValue(bytes32 _storageRoot, bytes32 _slot, bytes[] calldata _proof) internal pure returns (uint256 value_) {
        (bool exists, uint256 ptr, uint256 len) = _walk(_storageRoot, _secureKey(_slot, 32), _proof);
        if (!exists) return 0;
        // rlp(value), a string of 1 to 32 bytes (a stored zero is a deletion, so never empty):
        // a single byte below 0x80 is its own encoding; otherwise 0x80 + n, then the n bytes.
        uint256 first;
        uint256 second;
        assembly ("memory-safe") {
            first := byte(0, calldataload(ptr))
            second := byte(1, calldataload(ptr))
        }
        if (len == 1 && first < 0x80) return first;
        require(
            len >= 2 && len <= 33 && first == 0x80 + len - 1 && (len > 2 || second >= 0x80),
            MerkleTrie_InvalidStorageValue()
        );
        assembly ("memory-safe") {
            value_ := shr(shl(3, sub(33, len)), calldataload(add(ptr, 1)))
        }
    }

    /// @dev Whether the item reference `_ref` (see `_unpack`) is a string of `_min` to `_max` bytes.
    function _isString(uint256 _ref, uint256 _min, uint256 _max) private pure returns (bool) {
        (, uint256 len, bool isList) = _unpack(_ref);
        return !isList && len >= _min && len <= _max;
    }

    /// @notice The value stored under `_key` (the raw trie key: callers of a secure trie hash it
    ///         first) in the trie of `_root`. Reverts on any proof that does not prove either.
    /// @return exists_ Whether the key is present.
    /// @return value_ Its value (the bytes stored in the leaf), empty when absent.
    function get(bytes32 _root, bytes memory _key, bytes[] calldata _proof)
        internal
        pure
        returns (bool exists_, bytes memory value_)
    {
        uint256 ptr;
        uint256 len;
        (exists_, ptr, len) = _walk(_root, _key, _proof);
        if (!exists_) return (false, "");
        value_ = new bytes(len);
        assembly ("memory-safe") {
            calldatacopy(add(value_, 32), ptr, len)
        }
    }

    /// @dev The key of a secure trie: keccak256 of the first `_length` bytes of `_preimage`.
    function _secureKey(bytes32 _preimage, uint256 _length) private pure returns (bytes memory key_) {
        key_ = new bytes(32);
        assembly ("memory-safe") {
            mstore(0, _preimage)
            mstore(add(key_, 32), keccak256(0, _length))
        }
    }

    /// @dev Where a walk is: proof node `index` (or a node embedded in it, or in its repeated copy)
    ///      at calldata [ptr, end), `nib` nibbles of the key consumed, and the child reference (see
    ///      `_scan`) the last step chose.
    struct Walk {
        uint256 index;
        uint256 nib;
        uint256 ptr;
        uint256 end;
        uint256 child;
    }

    /// @dev Walks `_proof` from `_root` along `_key`.
    /// @return exists_ Whether the key is present.
    /// @return valuePtr_ Calldata offset of its value (the leaf's or branch's value string payload).
    /// @return valueLen_ The value's length.
    function _walk(bytes32 _root, bytes memory _key, bytes[] calldata _proof)
        private
        pure
        returns (bool exists_, uint256 valuePtr_, uint256 valueLen_)
    {
        if (_root == EMPTY_TRIE_ROOT) {
            // The empty trie: no node to walk (geth sends none, ethereumjs sends rlp("")).
            require(
                _proof.length == 0 || (_proof.length == 1 && _proof[0].length == 1 && _proof[0][0] == 0x80),
                MerkleTrie_ProofTooLong(0, _proof.length)
            );
            return (false, 0, 0);
        }
        Walk memory w;
        _enter(w, _proof, _root);
        while (true) {
            bool done;
            (done, exists_, valuePtr_, valueLen_) = _step(w, _key, _proof.length);
            if (done) return (exists_, valuePtr_, valueLen_);
            (uint256 ptr, uint256 len, bool isList) = _unpack(w.child);
            if (!isList && len == 32) {
                bytes32 next;
                assembly ("memory-safe") {
                    next := calldataload(ptr)
                }
                ++w.index;
                _enter(w, _proof, next);
            } else if (isList && len < 32) {
                // Embedded: walk it in place. Skip a repeated copy of it in the proof.
                (w.ptr, w.end) = (ptr, ptr + len);
                uint256 copy = w.index + 1;
                if (copy < _proof.length && _proof[copy].length == len) {
                    uint256 copyPtr = _offset(_proof[copy]);
                    bool same;
                    assembly ("memory-safe") {
                        // 1 <= len < 32: compare the first len bytes of both.
                        let shift := shl(3, sub(32, len))
                        same := eq(shr(shift, calldataload(ptr)), shr(shift, calldataload(copyPtr)))
                    }
                    if (same) w.index = copy;
                }
            } else {
                revert MerkleTrie_InvalidChildReference(w.index, len);
            }
        }
    }

    /// @dev Checks that proof node `w.index` hashes to `_expected` and makes it the walk's node.
    function _enter(Walk memory _w, bytes[] calldata _proof, bytes32 _expected) private pure {
        uint256 index = _w.index;
        require(index < _proof.length, MerkleTrie_ProofTooShort(_proof.length));
        bytes calldata node = _proof[index];
        bytes32 actual;
        assembly ("memory-safe") {
            // Hashed in scratch memory past the free pointer: nothing is allocated.
            let m := mload(0x40)
            calldatacopy(m, node.offset, node.length)
            actual := keccak256(m, node.length)
        }
        require(actual == _expected, MerkleTrie_InvalidNodeHash(index, _expected, actual));
        (_w.ptr, _w.end) = (_offset(node), _offset(node) + node.length);
    }

    /// @dev The calldata offset of `_node`.
    function _offset(bytes calldata _node) private pure returns (uint256 ptr_) {
        assembly ("memory-safe") {
            ptr_ := _node.offset
        }
    }

    /// @dev Reads the node at the walk's position: either ends the walk (`done_`, with the
    ///      result) or sets the child to descend into.
    function _step(Walk memory _w, bytes memory _key, uint256 _proofLength)
        private
        pure
        returns (bool done_, bool exists_, uint256 valuePtr_, uint256 valueLen_)
    {
        // The branch slot the key selects: 16 (the branch's value) once the key is used up.
        uint256 slot = _w.nib < _key.length * 2 ? _nibble(_key, _w.nib) : 16;
        (uint256 status, uint256 count, uint256 first, uint256 second, uint256 picked) = _scan(_w.ptr, _w.end, slot);
        require(status != SCAN_BAD_RLP, MerkleTrie_InvalidRlp(_w.index));
        require(status != SCAN_TOO_MANY, MerkleTrie_InvalidNode(_w.index, 18));
        if (count == 17) return _branch(_w, slot, picked, _proofLength);
        require(count == 2, MerkleTrie_InvalidNode(_w.index, count));
        return _leafOrExtension(_w, _key, first, second, _proofLength);
    }

    /// @dev `_step` for a branch, whose slot `_slot` (16: its value) has the reference `_picked`.
    function _branch(Walk memory _w, uint256 _slot, uint256 _picked, uint256 _proofLength)
        private
        pure
        returns (bool done_, bool exists_, uint256 valuePtr_, uint256 valueLen_)
    {
        (uint256 ptr, uint256 len, bool isList) = _unpack(_picked);
        if (_slot == 16) {
            // Keys of one length never end at a branch; other tries keep the value here.
            require(!isList, MerkleTrie_InvalidNode(_w.index, 17));
            _requireLast(_w.index, _proofLength);
            if (len == 0) return (true, false, 0, 0);
            return (true, true, ptr, len);
        }
        if (!isList && len == 0) {
            _requireLast(_w.index, _proofLength);
            return (true, false, 0, 0);
        }
        (_w.nib, _w.child) = (_w.nib + 1, _picked);
        return (false, false, 0, 0);
    }

    /// @dev `_step` for a leaf or an extension: `_path` and `_second` reference its two items.
    function _leafOrExtension(Walk memory _w, bytes memory _key, uint256 _path, uint256 _second, uint256 _proofLength)
        private
        pure
        returns (bool done_, bool exists_, uint256 valuePtr_, uint256 valueLen_)
    {
        (bool isLeaf, bool matches, uint256 pathNibbles) = _matchPath(_w.index, _path, _key, _w.nib);
        if (isLeaf) {
            // Leaf: the key is here iff the whole remaining key is its path.
            _requireLast(_w.index, _proofLength);
            if (!matches || _w.nib + pathNibbles != _key.length * 2) return (true, false, 0, 0);
            (valuePtr_, valueLen_, isLeaf) = _unpack(_second); // isLeaf: whether the value is a list
            require(!isLeaf && valueLen_ > 0, MerkleTrie_EmptyValue(_w.index));
            return (true, true, valuePtr_, valueLen_);
        }
        // Extension: continue below it, or prove absence if the key leaves its path.
        require(pathNibbles > 0, MerkleTrie_InvalidPath(_w.index));
        if (!matches) {
            _requireLast(_w.index, _proofLength);
            return (true, false, 0, 0);
        }
        (_w.nib, _w.child) = (_w.nib + pathNibbles, _second);
    }

    /// @dev Decodes the compact (hex-prefix) path `_path` (an item reference) of leaf/extension
    ///      node `_index` and compares it with `_key` from nibble `_nib` on.
    function _matchPath(uint256 _index, uint256 _path, bytes memory _key, uint256 _nib)
        private
        pure
        returns (bool isLeaf_, bool matches_, uint256 pathNibbles_)
    {
        (uint256 p, uint256 len, bool isList) = _unpack(_path);
        require(!isList && len > 0, MerkleTrie_InvalidPath(_index));
        uint256 first;
        assembly ("memory-safe") {
            first := byte(0, calldataload(p))
        }
        uint256 flag = first >> 4;
        require(flag < 4, MerkleTrie_InvalidPath(_index));
        bool odd = flag & 1 == 1;
        // Even paths pad the flag byte with a zero nibble.
        require(odd || first & 0x0f == 0, MerkleTrie_InvalidPath(_index));
        isLeaf_ = flag >= 2;
        uint256 skip = odd ? 1 : 2;
        pathNibbles_ = len * 2 - skip;
        matches_ = _nib + pathNibbles_ <= _key.length * 2;
        if (!matches_) return (isLeaf_, false, pathNibbles_);
        assembly ("memory-safe") {
            // Path nibbles [skip, skip + pathNibbles) of the payload at p (calldata) against key
            // nibbles [_nib, _nib + pathNibbles) (memory), 63 at a time: a word loaded at the byte
            // holding the first nibble and shifted left by one nibble if it is a low one holds 63
            // whole nibbles. Bytes loaded past either end are masked off.
            let k := add(_key, 32)
            for { let i := 0 } lt(i, pathNibbles_) { i := add(i, 63) } {
                let n := sub(pathNibbles_, i)
                if gt(n, 63) { n := 63 }
                let a := add(skip, i)
                let b := add(_nib, i)
                let wa := shl(shl(2, and(a, 1)), calldataload(add(p, shr(1, a))))
                let wb := shl(shl(2, and(b, 1)), mload(add(k, shr(1, b))))
                if shr(sub(256, shl(2, n)), xor(wa, wb)) {
                    matches_ := 0
                    break
                }
            }
        }
    }

    /// @dev Reverts unless node `_index` is the proof's last one.
    function _requireLast(uint256 _index, uint256 _length) private pure {
        require(_index + 1 == _length, MerkleTrie_ProofTooLong(_index + 1, _length));
    }

    /// @dev Nibble `_i` of `_key` (high nibble first).
    function _nibble(bytes memory _key, uint256 _i) private pure returns (uint256 n_) {
        assembly ("memory-safe") {
            let b := byte(0, mload(add(add(_key, 32), shr(1, _i))))
            n_ := and(shr(mul(4, sub(1, and(_i, 1))), b), 0x0f)
        }
    }

    /// @dev Item references, packed in one word: calldata offset << 128 | length << 1 | isList.
    ///      A string's reference is its payload; a list's (an embedded node) its whole encoding.
    function _unpack(uint256 _ref) private pure returns (uint256 ptr_, uint256 len_, bool isList_) {
        ptr_ = _ref >> 128;
        len_ = uint128(_ref) >> 1;
        isList_ = _ref & 1 == 1;
    }

    /// @dev `_scan`'s status: the list and its items are canonical RLP, it has at most 17 items.
    uint256 private constant SCAN_OK = 0;
    /// @dev `_scan`'s status: the list header or an item header is not canonical, or overruns `_end`,
    ///      or the list does not end exactly at `_end`.
    uint256 private constant SCAN_BAD_RLP = 1;
    /// @dev `_scan`'s status: the list has an 18th item (not read).
    uint256 private constant SCAN_TOO_MANY = 2;

    /// @dev Reads [_ptr, _end) in calldata as one RLP list of at most 17 items, checking the list's
    ///      header and every item's (canonical lengths, nothing overruns, no trailing bytes), and
    ///      returns the item count and the references (see `_unpack`) of items 0, 1 and `_pick`
    ///      (zero for items the list does not have). The values are meaningful only if `status_` is
    ///      `SCAN_OK`.
    function _scan(uint256 _ptr, uint256 _end, uint256 _pick)
        private
        pure
        returns (uint256 status_, uint256 count_, uint256 first_, uint256 second_, uint256 picked_)
    {
        assembly ("memory-safe") {
            // The RLP header at p, bounded by e: where the payload starts, its length, whether it
            // is a list. `ok` is 0 for a non-canonical or overrunning item (the rest is then junk).
            // Offsets are calldata offsets and lengths at most 8 bytes long: no sum overflows.
            function header(p, e) -> ok, payload, len, isList {
                if iszero(lt(p, e)) { leave }
                let b := byte(0, calldataload(p))
                if lt(b, 0x80) {
                    // A byte below 0x80 is its own encoding.
                    ok := 1
                    payload := p
                    len := 1
                    leave
                }
                let lenOfLen := 0
                switch lt(b, 0xc0)
                case 1 {
                    switch lt(b, 0xb8)
                    case 1 {
                        len := sub(b, 0x80)
                        // A single byte below 0x80 must be encoded as itself.
                        if and(eq(len, 1), lt(byte(0, calldataload(add(p, 1))), 0x80)) { leave }
                    }
                    default { lenOfLen := sub(b, 0xb7) }
                }
                default {
                    isList := 1
                    switch lt(b, 0xf8)
                    case 1 { len := sub(b, 0xc0) }
                    default { lenOfLen := sub(b, 0xf7) }
                }
                payload := add(add(p, 1), lenOfLen)
                if lenOfLen {
                    // Long form: a big-endian length of 1–8 bytes, no leading zero, at least 56.
                    if gt(payload, e) { leave }
                    let word := calldataload(add(p, 1))
                    if iszero(byte(0, word)) { leave }
                    len := shr(shl(3, sub(32, lenOfLen)), word)
                    if lt(len, 56) { leave }
                }
                ok := iszero(gt(add(payload, len), e))
            }

            let ok, p, len, isList := header(_ptr, _end)
            switch and(and(ok, isList), eq(add(p, len), _end))
            case 0 { status_ := 1 } // SCAN_BAD_RLP
            default {
                for {} and(lt(p, _end), lt(count_, 17)) {} {
                    // A string's reference is its payload, a list's (an embedded node) its whole
                    // encoding. A branch's items are nearly all empty strings or 32-byte hashes:
                    // those two canonical headers are read without `header`.
                    let ref
                    switch byte(0, calldataload(p))
                    case 0x80 {
                        ref := shl(128, add(p, 1))
                        p := add(p, 1)
                    }
                    case 0xa0 {
                        ref := or(shl(128, add(p, 1)), 64)
                        p := add(p, 33) // may overrun `_end`: checked after the loop
                    }
                    default {
                        let start := p
                        ok, p, len, isList := header(p, _end)
                        if iszero(ok) {
                            status_ := 1 // SCAN_BAD_RLP
                            break
                        }
                        ref := or(shl(128, p), shl(1, len))
                        if isList { ref := or(or(shl(128, start), shl(1, sub(add(p, len), start))), 1) }
                        p := add(p, len)
                    }
                    if lt(count_, 2) {
                        switch count_
                        case 0 { first_ := ref }
                        default { second_ := ref }
                    }
                    if eq(count_, _pick) { picked_ := ref }
                    count_ := add(count_, 1)
                }
                if iszero(status_) {
                    // Left before `_end`: after 17 items (the 18th is not read). Past it: only a
                    // 32-byte string's fast path can step there, as the last item.
                    if lt(p, _end) { status_ := 2 } // SCAN_TOO_MANY
                    if gt(p, _end) { status_ := 1 } // SCAN_BAD_RLP
                }
            }
        }
    }
}
