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
        bytes memory value;
        (exists_, value) = get(_stateRoot, abi.encodePacked(keccak256(abi.encodePacked(_account))), _proof);
        if (!exists_) return (false, EMPTY_TRIE_ROOT);
        // rlp([nonce, balance, storageRoot, codeHash]): skip two strings, read a 32-byte one.
        uint256 ptr;
        uint256 end;
        bool isList;
        bool ok;
        assembly ("memory-safe") {
            ptr := add(value, 32)
            end := add(ptr, mload(value))
        }
        uint256 len;
        (ok, ptr, len, isList) = _header(ptr, end);
        require(ok && isList && ptr + len == end, MerkleTrie_InvalidAccount());
        for (uint256 i; i < 2; ++i) {
            (ok, ptr, len, isList) = _header(ptr, end);
            require(ok && !isList && len <= 32, MerkleTrie_InvalidAccount());
            ptr += len;
        }
        (ok, ptr, len, isList) = _header(ptr, end);
        require(ok && !isList && len == 32, MerkleTrie_InvalidAccount());
        assembly ("memory-safe") {
            storageRoot_ := mload(ptr)
        }
        ptr += 32;
        (ok, ptr, len, isList) = _header(ptr, end);
        require(ok && !isList && len == 32 && ptr + len == end, MerkleTrie_InvalidAccount());
    }

    /// @notice The value of storage slot `_slot` in the storage trie of `_storageRoot` (0 when absent).
    function storageValue(bytes32 _storageRoot, bytes32 _slot, bytes[] calldata _proof) internal pure returns (uint256 value_) {
        (bool exists, bytes memory value) = get(_storageRoot, abi.encodePacked(keccak256(abi.encodePacked(_slot))), _proof);
        if (!exists) return 0;
        uint256 ptr;
        uint256 end;
        assembly ("memory-safe") {
            ptr := add(value, 32)
            end := add(ptr, mload(value))
        }
        (bool ok, uint256 start, uint256 len, bool isList) = _header(ptr, end);
        // A stored zero is a deletion, so a present slot is never the empty string.
        require(ok && !isList && len > 0 && len <= 32 && start + len == end, MerkleTrie_InvalidStorageValue());
        assembly ("memory-safe") {
            value_ := shr(mul(8, sub(32, len)), mload(start))
        }
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
        if (_root == EMPTY_TRIE_ROOT) {
            // The empty trie: no node to walk (geth sends none, ethereumjs sends rlp("")).
            require(
                _proof.length == 0 || (_proof.length == 1 && _proof[0].length == 1 && _proof[0][0] == 0x80),
                MerkleTrie_ProofTooLong(0, _proof.length)
            );
            return (false, "");
        }
        Walk memory w;
        w.expected = _root;
        while (true) {
            if (!w.embedded) {
                require(w.index < _proof.length, MerkleTrie_ProofTooShort(_proof.length));
                bytes memory node = _proof[w.index];
                bytes32 actual = keccak256(node);
                require(actual == w.expected, MerkleTrie_InvalidNodeHash(w.index, w.expected, actual));
                uint256 ptr;
                uint256 end;
                assembly ("memory-safe") {
                    ptr := add(node, 32)
                    end := add(ptr, mload(node))
                }
                (w.ptr, w.end) = (ptr, end);
            }
            bool done;
            (done, exists_, value_) = _step(w, _key, _proof.length);
            if (done) return (exists_, value_);
            if (!w.childIsList && w.childLen == 32) {
                bytes32 next;
                uint256 childPtr = w.childPtr;
                assembly ("memory-safe") {
                    next := mload(childPtr)
                }
                w.expected = next;
                w.embedded = false;
                ++w.index;
            } else if (w.childIsList && w.childLen < 32) {
                // Embedded: walk it in place. Skip a repeated copy of it in the proof.
                (w.ptr, w.end, w.embedded) = (w.childPtr, w.childPtr + w.childLen, true);
                if (w.index + 1 < _proof.length && _proof[w.index + 1].length == w.childLen) {
                    bytes32 copyHash = keccak256(_proof[w.index + 1]);
                    bytes32 embeddedHash;
                    (uint256 childPtr, uint256 childLen) = (w.childPtr, w.childLen);
                    assembly ("memory-safe") {
                        embeddedHash := keccak256(childPtr, childLen)
                    }
                    if (copyHash == embeddedHash) ++w.index;
                }
            } else {
                revert MerkleTrie_InvalidChildReference(w.index, w.childLen);
            }
        }
    }

    /// @dev Where a walk is: the proof node (or the node embedded in it) at [ptr, end), and the
    ///      child the last step chose.
    struct Walk {
        uint256 index;
        uint256 nib;
        uint256 ptr;
        uint256 end;
        bool embedded;
        bytes32 expected;
        uint256 childPtr;
        uint256 childLen;
        bool childIsList;
        uint256[17] itemPtr;
        uint256[17] itemLen;
        bool[17] itemIsList;
    }

    /// @dev Reads the node at the walk's position: either ends the walk (`done_`, with the
    ///      result) or sets the child to descend into.
    function _step(Walk memory _w, bytes memory _key, uint256 _proofLength)
        private
        pure
        returns (bool done_, bool exists_, bytes memory value_)
    {
        uint256 index = _w.index;
        uint256 count = _items(index, _w.ptr, _w.end, _w.itemPtr, _w.itemLen, _w.itemIsList);
        if (count == 17) {
            if (_w.nib == _key.length * 2) {
                // Keys of one length never end at a branch; other tries keep the value here.
                require(!_w.itemIsList[16], MerkleTrie_InvalidNode(index, count));
                _requireLast(index, _proofLength);
                if (_w.itemLen[16] == 0) return (true, false, "");
                return (true, true, _copy(_w.itemPtr[16], _w.itemLen[16]));
            }
            uint256 n = _nibble(_key, _w.nib);
            ++_w.nib;
            (_w.childPtr, _w.childLen, _w.childIsList) = (_w.itemPtr[n], _w.itemLen[n], _w.itemIsList[n]);
            if (!_w.childIsList && _w.childLen == 0) {
                _requireLast(index, _proofLength);
                return (true, false, "");
            }
            return (false, false, "");
        }
        require(count == 2, MerkleTrie_InvalidNode(index, count));
        require(!_w.itemIsList[0] && _w.itemLen[0] > 0, MerkleTrie_InvalidPath(index));
        (bool isLeaf, bool matches, uint256 pathNibbles) = _matchPath(_w, _key);
        if (isLeaf) {
            // Leaf: the key is here iff the whole remaining key is its path.
            _requireLast(index, _proofLength);
            if (!matches || _w.nib + pathNibbles != _key.length * 2) return (true, false, "");
            require(!_w.itemIsList[1] && _w.itemLen[1] > 0, MerkleTrie_EmptyValue(index));
            return (true, true, _copy(_w.itemPtr[1], _w.itemLen[1]));
        }
        // Extension: continue below it, or prove absence if the key leaves its path.
        require(pathNibbles > 0, MerkleTrie_InvalidPath(index));
        if (!matches) {
            _requireLast(index, _proofLength);
            return (true, false, "");
        }
        _w.nib += pathNibbles;
        (_w.childPtr, _w.childLen, _w.childIsList) = (_w.itemPtr[1], _w.itemLen[1], _w.itemIsList[1]);
    }

    /// @dev Decodes the compact (hex-prefix) path of a leaf/extension and compares it with the key
    ///      from the walk's nibble on.
    function _matchPath(Walk memory _w, bytes memory _key)
        private
        pure
        returns (bool isLeaf_, bool matches_, uint256 pathNibbles_)
    {
        uint256 p = _w.itemPtr[0];
        uint256 first;
        assembly ("memory-safe") {
            first := byte(0, mload(p))
        }
        uint256 flag = first >> 4;
        require(flag < 4, MerkleTrie_InvalidPath(_w.index));
        bool odd = flag & 1 == 1;
        // Even paths pad the flag byte with a zero nibble.
        require(odd || first & 0x0f == 0, MerkleTrie_InvalidPath(_w.index));
        isLeaf_ = flag >= 2;
        uint256 skip = odd ? 1 : 2;
        pathNibbles_ = _w.itemLen[0] * 2 - skip;
        uint256 nib = _w.nib;
        matches_ = nib + pathNibbles_ <= _key.length * 2;
        for (uint256 j; matches_ && j < pathNibbles_; ++j) {
            uint256 e = j + skip;
            uint256 b;
            assembly ("memory-safe") {
                b := byte(0, mload(add(p, shr(1, e))))
            }
            matches_ = (e & 1 == 1 ? b & 0x0f : b >> 4) == _nibble(_key, nib + j);
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

    /// @dev Splits the list node at [_ptr, _end) into its items. Strings: payload; lists (embedded
    ///      nodes): their whole encoding. Returns the item count (at most 17; more is an error).
    function _items(
        uint256 _index,
        uint256 _ptr,
        uint256 _end,
        uint256[17] memory _itemPtr,
        uint256[17] memory _itemLen,
        bool[17] memory _itemIsList
    ) private pure returns (uint256 count_) {
        (bool ok, uint256 ptr, uint256 len, bool isList) = _header(_ptr, _end);
        require(ok && isList && ptr + len == _end, MerkleTrie_InvalidRlp(_index));
        while (ptr < _end) {
            require(count_ < 17, MerkleTrie_InvalidNode(_index, count_ + 1));
            uint256 start = ptr;
            (ok, ptr, len, isList) = _header(ptr, _end);
            require(ok, MerkleTrie_InvalidRlp(_index));
            if (isList) {
                _itemPtr[count_] = start;
                _itemLen[count_] = ptr + len - start;
            } else {
                _itemPtr[count_] = ptr;
                _itemLen[count_] = len;
            }
            _itemIsList[count_] = isList;
            ptr += len;
            ++count_;
        }
    }

    /// @dev Reads the RLP header at `_ptr`, bounded by `_end`: where the payload starts, its
    ///      length, whether it is a list. `ok_` is false for a non-canonical or overrunning item.
    function _header(uint256 _ptr, uint256 _end)
        private
        pure
        returns (bool ok_, uint256 payload_, uint256 len_, bool isList_)
    {
        if (_ptr >= _end) return (false, 0, 0, false);
        uint256 b;
        assembly ("memory-safe") {
            b := byte(0, mload(_ptr))
        }
        if (b < 0x80) return (true, _ptr, 1, false);
        uint256 lenOfLen;
        if (b < 0xb8) {
            len_ = b - 0x80;
            payload_ = _ptr + 1;
            if (len_ == 1) {
                // A single byte below 0x80 is its own encoding.
                if (payload_ >= _end) return (false, 0, 0, false);
                uint256 c;
                assembly ("memory-safe") {
                    c := byte(0, mload(payload_))
                }
                if (c < 0x80) return (false, 0, 0, false);
            }
        } else if (b < 0xc0) {
            lenOfLen = b - 0xb7;
        } else if (b < 0xf8) {
            len_ = b - 0xc0;
            payload_ = _ptr + 1;
            isList_ = true;
        } else {
            lenOfLen = b - 0xf7;
            isList_ = true;
        }
        if (lenOfLen > 0) {
            // Long form: a big-endian length of 1–8 bytes, no leading zero, at least 56.
            if (lenOfLen > 8 || _ptr + 1 + lenOfLen > _end) return (false, 0, 0, false);
            uint256 first;
            assembly ("memory-safe") {
                first := byte(0, mload(add(_ptr, 1)))
            }
            if (first == 0) return (false, 0, 0, false);
            assembly ("memory-safe") {
                len_ := shr(mul(8, sub(32, lenOfLen)), mload(add(_ptr, 1)))
            }
            if (len_ < 56) return (false, 0, 0, false);
            payload_ = _ptr + 1 + lenOfLen;
        }
        if (payload_ + len_ > _end) return (false, 0, 0, false);
        ok_ = true;
    }

    /// @dev A fresh `bytes` with the `_len` bytes at memory `_ptr`.
    function _copy(uint256 _ptr, uint256 _len) private pure returns (bytes memory out_) {
        out_ = new bytes(_len);
        assembly ("memory-safe") {
            mcopy(add(out_, 32), _ptr, _len)
        }
    }
}
