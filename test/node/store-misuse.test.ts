import { expect } from "chai";
import { rmSync } from "node:fs";
import { openNodeStore, type NodeStore } from "../../src/node/store.js";
import { tempDir } from "./helpers.js";

/**
 * Issue 22, item 6 (`MDB_BAD_TXN` on commits): LMDB has one write transaction, and lmdb-js keeps it
 * open while a callback's promise is pending, nests a transaction opened inside another as a child,
 * and runs an asynchronous one opened inside a synchronous one inline, resolving it as committed
 * before its parent commits. Each is refused with `StoreMisuseError` instead.
 */
describe("node store: write callbacks that would break LMDB's one write transaction", () => {
  let dir: string;
  let store: NodeStore;
  const key = (n: number) => Buffer.from([n]);
  beforeEach(() => {
    dir = tempDir("ultrasound-misuse-");
    store = openNodeStore(dir);
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("refuses a callback that returns a promise, and commits none of its writes", () => {
    const misuse = () =>
      store.transaction(() => {
        store.payloads.putSync(key(1), Buffer.from("written before the await"));
        return Promise.resolve();
      });
    expect(misuse).to.throw(/returned a promise/).with.property("name", "StoreMisuseError");
    expect(store.payloads.getBinary(key(1))).to.equal(undefined);
    expect(store.failure(), "a misuse is the caller's bug, not a broken store").to.equal(undefined);
    store.transaction(() => store.payloads.putSync(key(2), Buffer.from("next")));
    expect(store.payloads.getBinary(key(2))?.toString()).to.equal("next");
  });

  it("refuses a transaction inside another; the outer one commits nothing", () => {
    const nested = () =>
      store.transaction(() => {
        store.payloads.putSync(key(3), Buffer.from("outer"));
        store.transaction(() => store.payloads.putSync(key(4), Buffer.from("inner")));
      });
    expect(nested).to.throw(/inside another store transaction/).with.property("name", "StoreMisuseError");
    expect(store.payloads.getBinary(key(3))).to.equal(undefined);
    expect(store.payloads.getBinary(key(4))).to.equal(undefined);
  });

  it("an asynchronous transaction opened inside a synchronous one rejects: it never says 'committed' for a write its parent then aborts", async () => {
    let inner: Promise<unknown> | undefined;
    expect(() =>
      store.transaction(() => {
        inner = store.transactionAsync(() => store.payloads.putSync(key(5), Buffer.from("acknowledged?")));
        throw new Error("the parent fails after its child answered");
      }),
    ).to.throw(/the parent fails/);
    const outcome = await inner!.then(
      () => "resolved",
      (error: Error) => error.name,
    );
    expect(outcome).to.equal("StoreMisuseError");
    expect(store.payloads.getBinary(key(5))).to.equal(undefined);
  });

  it("ordinary synchronous and asynchronous transactions still commit", async () => {
    store.transaction(() => store.payloads.putSync(key(6), Buffer.from("sync")));
    await Promise.all([7, 8, 9].map((n) => store.transactionAsync(() => store.payloads.putSync(key(n), Buffer.from(`async ${n}`)))));
    expect(store.payloads.getBinary(key(6))?.toString()).to.equal("sync");
    for (const n of [7, 8, 9]) expect(store.payloads.getBinary(key(n))?.toString()).to.equal(`async ${n}`);
  });
});
