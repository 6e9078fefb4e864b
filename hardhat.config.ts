import { createRequire } from "node:module";
import { defineConfig } from "hardhat/config";
import hardhatEthers from "@nomicfoundation/hardhat-ethers";
import hardhatMocha from "@nomicfoundation/hardhat-mocha";
import hardhatEthersChaiMatchers from "@nomicfoundation/hardhat-ethers-chai-matchers";
import ultrasound from "./src/hardhat/index.js";

const require = createRequire(import.meta.url);

/** How many test files run at once (`TEST_JOBS`, default 2). */
const testJobs = Math.max(1, Number(process.env.TEST_JOBS ?? 2) || 1);

/** The L1: Hardhat's simulated network (EDR, osaka), EXECUTE installed by the ultrasound plugin. */
const l1 = {
  type: "edr-simulated",
  chainType: "l1",
  // Room for several advance() calls per L1 block (each is capped at 2^24 gas by EIP-7825).
  blockGasLimit: 100_000_000n,
} as const;

export default defineConfig({
  plugins: [hardhatEthers, hardhatMocha, hardhatEthersChaiMatchers, ultrasound],
  solidity: {
    // Offline: the compiler is the solc-js bundled in the `solc` npm package, not a download.
    compilers: [
      {
        version: "0.8.30",
        path: require.resolve("solc/soljson.js"),
        settings: { optimizer: { enabled: true, runs: 200 }, evmVersion: "prague" },
      },
    ],
  },
  networks: {
    default: l1,
    // `hardhat node` (and the devnet) serve this one.
    node: l1,
    localhost: {
      type: "http",
      chainType: "l1",
      url: "http://127.0.0.1:8545",
    },
    // The rollup of `npm run devnet` (or any node's `npm run node`): its L2 JSON-RPC, signed
    // locally with Hardhat's default keys (funded on L2 too). `npx hardhat run --network l2 …`.
    // ULTRASOUND_L2_URL points it at another port (the tests' devnets take free ones).
    l2: {
      type: "http",
      chainType: "generic",
      url: process.env.ULTRASOUND_L2_URL ?? "http://127.0.0.1:8546",
      chainId: 167001,
      accounts: { mnemonic: "test test test test test test test test test test test junk", count: 20 },
    },
  },
  paths: {
    // The swap example's contracts (examples/swap/contracts) build with the project's.
    sources: { solidity: ["contracts", "examples/swap/contracts"] },
    tests: { mocha: "test" },
  },
  test: {
    // Two test files at a time (mocha's parallel mode, a worker process each): most tests wait on
    // devnets, L1 blocks and child processes, so two overlap on 2 cores. TEST_JOBS=1 runs the files
    // one after another in this process.
    // test/mocha-worker.ts: a failing test's bigint details reach the report instead of breaking it.
    mocha: { timeout: 120_000, parallel: testJobs > 1, jobs: testJobs, require: [new URL("./test/mocha-worker.ts", import.meta.url).href] },
  },
});
