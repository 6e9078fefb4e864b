import { decodeRawMPTNode, isRawMPTNode, MerklePatriciaTrie, type MPTNode, type MPTOpts } from "@ethereumjs/mpt";
import { RLP } from "@ethereumjs/rlp";
import { EthereumJSErrorWithoutCode } from "@ethereumjs/util";

type RawNode = Parameters<typeof decodeRawMPTNode>[0];

/**
 * ethereumjs's `MerklePatriciaTrie`, keeping each node it has read decoded (issue 9).
 *
 * Upstream reads every node on a key's path from the database and RLP-decodes it again on every
 * lookup: 10,000 slot reads of one storage trie fetch and decode its root branch 10,000 times
 * (through the database's hex-string keys, each a fresh string to flatten and hash). Here the
 * decoded form of a node is kept against the very reference that led to it — the root
 * `Uint8Array`, or the child reference inside its decoded parent, which stays the same object
 * as long as the parent is kept — so walking a known path decodes nothing and reads no database.
 *
 * A node is content-addressed: what was read under a hash is that hash's node in any state of
 * any trie, so a kept node is never stale. Each lookup still returns fresh node objects (the
 * trie mutates the nodes it updates); only the immutable decoded bytes are shared. The first
 * read of every node goes to the database as before, so a stateless verifier's missing node
 * still fails, and a builder's recording database still sees every node the block needs.
 * Storage tries (`shallowCopy`) share the account trie's kept nodes.
 */
export class EngineTrie extends MerklePatriciaTrie {
  private readonly decoded: WeakMap<object, RawNode>;

  constructor(opts?: MPTOpts, decoded: WeakMap<object, RawNode> = new WeakMap()) {
    super(opts);
    this.decoded = decoded;
  }

  override async lookupNode(node: Uint8Array | Uint8Array[]): Promise<MPTNode> {
    if (isRawMPTNode(node)) return super.lookupNode(node); // embedded in its parent: nothing to read
    const kept = this.decoded.get(node);
    if (kept !== undefined) return decodeRawMPTNode(kept);
    // As upstream: read, fail with 'Missing node in DB' (the error ethereumjs reads as "empty"),
    // decode a copy.
    const value = (await this._db.get(this._getDbKey(node))) ?? null;
    if (value === null) throw EthereumJSErrorWithoutCode("Missing node in DB");
    const raw = RLP.decode(Uint8Array.from(value));
    if (!isRawMPTNode(raw)) throw EthereumJSErrorWithoutCode("Invalid node");
    this.decoded.set(node, raw as RawNode);
    return decodeRawMPTNode(raw as RawNode);
  }

  /** As upstream, but the copy is an `EngineTrie` sharing the kept nodes. */
  override shallowCopy(includeCheckpoints = true, opts?: MPTOpts): EngineTrie {
    const trie = new EngineTrie({ ...this._opts, db: this._db.db.shallowCopy(), root: this.root(), cacheSize: 0, ...(opts ?? {}) }, this.decoded);
    if (includeCheckpoints && this.hasCheckpoints()) trie._db.setCheckpoints(this._db.checkpoints);
    return trie;
  }
}
