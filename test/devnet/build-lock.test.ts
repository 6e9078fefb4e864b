import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { withBuildLock } from "../../src/devnet/build-lock.js";
import { DevnetStartError } from "../../src/devnet/errors.js";

/**
 * Hardhat's build renames a fixed `compile-cache.json.tmp`: two devnets starting at once in one
 * checkout (the suite runs two test files at a time) made one fail with "File …/compile-cache.json.tmp
 * not found" in a whole-suite run. The devnet's build now holds a lock file in the cache dir.
 */
describe("devnet: one contract build at a time per checkout", function () {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), "ultrasound-build-lock-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("builds that start together run one after another, each to its end, and leave no lock behind", async function () {
    let running = 0;
    let most = 0;
    const order: string[] = [];
    const build = (name: string) => async () => {
      running++;
      most = Math.max(most, running);
      order.push(`${name} start`);
      await new Promise((resolve) => setTimeout(resolve, 50));
      order.push(`${name} end`);
      running--;
      return name;
    };
    const results = await Promise.all([withBuildLock(dir, build("a")), withBuildLock(dir, build("b")), withBuildLock(dir, build("c"))]);
    expect(results).to.deep.equal(["a", "b", "c"]);
    expect(most, "builds at once").to.equal(1);
    for (let i = 0; i < order.length; i += 2) expect(order[i + 1]!.split(" ")[0]).to.equal(order[i]!.split(" ")[0]);
    expect(existsSync(path.join(dir, "ultrasound-build.lock"))).to.equal(false);
  });

  it("a failing build releases the lock; a lock left by a process that is gone is taken over", async function () {
    await withBuildLock(dir, async () => {
      throw new Error("compiler exploded");
    }).then(
      () => expect.fail("resolved"),
      (error: Error) => expect(error.message).to.equal("compiler exploded"),
    );
    const gone = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" }).stdout;
    writeFileSync(path.join(dir, "ultrasound-build.lock"), gone);
    expect(await withBuildLock(dir, async () => "built")).to.equal("built");
  });

  it("a lock held by a live process past the wait: DevnetStartError naming its pid and the file", async function () {
    writeFileSync(path.join(dir, "ultrasound-build.lock"), String(process.pid));
    const error = await withBuildLock(dir, async () => "built", 300).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(DevnetStartError);
    expect((error as Error).message).to.contain(`pid ${process.pid}`).and.to.contain("ultrasound-build.lock");
  });
});
