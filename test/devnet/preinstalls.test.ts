import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  concat,
  createPublicClient,
  createWalletClient,
  encodeAbiParameters,
  encodeFunctionData,
  erc20Abi,
  getContractAddress,
  http,
  multicall3Abi,
  pad,
  parseEther,
  toHex,
  type Address,
  type Hex,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { devAccounts, PREINSTALLS } from "../../src/engine/index.js";
import { ultrasoundChains } from "../../src/sdk/index.js";
import { loadArtifact } from "../../src/shared/artifacts.js";
import { devnetPorts, startDevnetProcess } from "./process.js";

const require = createRequire(import.meta.url);
/** EntryPoint, SimpleAccountFactory and SimpleAccount of one ERC-4337 release, as its npm package publishes them. */
const accountAbstraction = (pkg: string) => ({
  entryPoint: require(`${pkg}/artifacts/EntryPoint.json`) as { abi: any },
  accountFactory: require(`${pkg}/artifacts/SimpleAccountFactory.json`) as { abi: any; bytecode: Hex },
  account: require(`${pkg}/artifacts/SimpleAccount.json`) as { abi: any },
});
const [v07, v08] = [accountAbstraction("@account-abstraction/contracts"), accountAbstraction("@account-abstraction/contracts-v08")];

/** Hardhat's dev accounts #0 and #1: funded on L2 by the devnet's deposits. */
const KEYS = devAccounts().slice(0, 2).map((a) => a.privateKey as Hex);

/** Permit2's SignatureTransfer entry point and the EIP-712 types its permits are signed with (Uniswap's permit2 docs). */
const permit2Abi = [
  {
    type: "function",
    name: "permitTransferFrom",
    stateMutability: "nonpayable",
    inputs: [
      { name: "permit", type: "tuple", components: [{ name: "permitted", type: "tuple", components: [{ name: "token", type: "address" }, { name: "amount", type: "uint256" }] }, { name: "nonce", type: "uint256" }, { name: "deadline", type: "uint256" }] },
      { name: "transferDetails", type: "tuple", components: [{ name: "to", type: "address" }, { name: "requestedAmount", type: "uint256" }] },
      { name: "owner", type: "address" },
      { name: "signature", type: "bytes" },
    ],
    outputs: [],
  },
  { type: "function", name: "DOMAIN_SEPARATOR", stateMutability: "view", inputs: [], outputs: [{ type: "bytes32" }] },
  { type: "error", name: "InvalidNonce", inputs: [] },
] as const;
const permitTransferFromTypes = {
  PermitTransferFrom: [
    { name: "permitted", type: "TokenPermissions" },
    { name: "spender", type: "address" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
  TokenPermissions: [
    { name: "token", type: "address" },
    { name: "amount", type: "uint256" },
  ],
} as const;
const token = loadArtifact("test/OZToken.sol", "OZToken");

/** A v0.7 UserOperation's two packed 128-bit pairs. */
const packUints = (high: bigint, low: bigint): Hex => pad(toHex((high << 128n) | low), { size: 32 });

describe("devnet: preinstalls used from viem (multicall, CREATE2 deployers, ERC-4337 EntryPoint v0.7 and v0.8, Permit2)", function () {
  this.timeout(300_000);
  let dataDir: string;
  beforeEach(() => (dataDir = mkdtempSync(path.join(tmpdir(), "ultrasound-preinstalls-"))));
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it("viem multicall with the SDK's chain, a CREATE2 deployment at its predicted address through 0x4e59… and Safe's factory, UserOperations through v0.7's and v0.8's handleOps that pay the beneficiary, a Permit2 signature transfer of an OpenZeppelin token; --log-level debug prints a line per transaction", async function () {
    const devnet = await startDevnetProcess(["--data-dir", dataDir, "--block-time", "0", "--fund-l2", "100", "--log-level", "debug"], await devnetPorts(), 240_000);
    let handleOpsHash: Hex | undefined;
    try {
      {
        const { l2 } = ultrasoundChains({ l1Url: devnet.l1Url, l2Url: devnet.l2Url, rollupAddress: devnet.rollupAddress as Address });
        expect(l2.contracts?.multicall3?.address).to.equal(PREINSTALLS.multicall3);
        const client = createPublicClient({ chain: l2, transport: http(), batch: { multicall: true } });
        const [owner, bundler] = KEYS.map((key) => privateKeyToAccount(key));
        const wallet = (account: typeof owner) => createWalletClient({ chain: l2, transport: http(), account });

        // 1. multicall: aggregate3 through the preinstalled Multicall3 (the chain's address, no override).
        const results = await client.multicall({
          contracts: [
            { address: PREINSTALLS.multicall3, abi: multicall3Abi, functionName: "getEthBalance", args: [owner!.address] },
            { address: PREINSTALLS.multicall3, abi: multicall3Abi, functionName: "getCurrentBlockTimestamp" },
          ],
          allowFailure: false,
        });
        expect(results[0]).to.equal(parseEther("100"));
        expect(results[1]).to.be.greaterThan(0n);
        // batch.multicall: concurrent reads go out as one aggregate3 eth_call.
        const [balance, ownerBalance] = await Promise.all([
          client.readContract({ address: PREINSTALLS.multicall3, abi: multicall3Abi, functionName: "getEthBalance", args: [bundler!.address] }),
          client.readContract({ address: PREINSTALLS.multicall3, abi: multicall3Abi, functionName: "getEthBalance", args: [owner!.address] }),
        ]);
        expect([balance, ownerBalance]).to.deep.equal([parseEther("100"), parseEther("100")]);

        // 2. CREATE2 through Arachnid's deployer: SimpleAccountFactory(EntryPoint v0.7) at its predicted address.
        const factoryInit = concat([v07.accountFactory.bytecode, encodeAbiParameters([{ type: "address" }], [PREINSTALLS.entryPointV07])]);
        const salt = pad("0x01", { size: 32 });
        const factory = getContractAddress({ opcode: "CREATE2", from: PREINSTALLS.deterministicDeployer, salt, bytecode: factoryInit });
        const deployed = await wallet(owner!).sendTransaction({ to: PREINSTALLS.deterministicDeployer, data: concat([salt, factoryInit]) });
        expect((await client.waitForTransactionReceipt({ hash: deployed })).status).to.equal("success");
        expect(await client.getCode({ address: factory })).to.match(/^0x60/);

        // ... and through Safe's singleton factory (same interface: salt ++ init code), at its own predicted address.
        const viaSafe = getContractAddress({ opcode: "CREATE2", from: PREINSTALLS.safeSingletonFactory, salt, bytecode: factoryInit });
        const safeTx = await wallet(owner!).sendTransaction({ to: PREINSTALLS.safeSingletonFactory, data: concat([salt, factoryInit]) });
        expect((await client.waitForTransactionReceipt({ hash: safeTx })).status).to.equal("success");
        // Same code but for its immutable (the SimpleAccount implementation it created, at another address).
        expect(await client.getCode({ address: viaSafe })).to.have.length((await client.getCode({ address: factory }))!.length);

        // 3. ERC-4337, v0.7 and v0.8: a counterfactual SimpleAccount pays 0.25 ETH to a fresh address through handleOps.
        // v0.7's account signs the user-operation hash as an Ethereum message; v0.8's hash is EIP-712 and signed as is.
        const v08Init = concat([v08.accountFactory.bytecode, encodeAbiParameters([{ type: "address" }], [PREINSTALLS.entryPointV08])]);
        const v08Factory = getContractAddress({ opcode: "CREATE2", from: PREINSTALLS.deterministicDeployer, salt, bytecode: v08Init });
        await client.waitForTransactionReceipt({ hash: await wallet(owner!).sendTransaction({ to: PREINSTALLS.deterministicDeployer, data: concat([salt, v08Init]) }) });
        const releases = [
          { release: v07, entryPoint: PREINSTALLS.entryPointV07, factory, recipient: "0x000000000000000000000000000000000000beef" as Address, sign: (hash: Hex) => owner!.signMessage({ message: { raw: hash } }) },
          { release: v08, entryPoint: PREINSTALLS.entryPointV08, factory: v08Factory, recipient: "0x000000000000000000000000000000000000bee8" as Address, sign: (hash: Hex) => owner!.sign({ hash }) },
        ];
        for (const { release, entryPoint, factory, recipient, sign } of releases) {
          const sender = (await client.readContract({ address: factory, abi: release.accountFactory.abi, functionName: "getAddress", args: [owner!.address, 7n] })) as Address;
          const funded = await wallet(owner!).sendTransaction({ to: sender, value: parseEther("1") });
          await client.waitForTransactionReceipt({ hash: funded });
          const beneficiary = "0x000000000000000000000000000000000000b0b0" as Address;
          const beneficiaryBefore = await client.getBalance({ address: beneficiary });
          const op = {
            sender,
            nonce: (await client.readContract({ address: entryPoint, abi: release.entryPoint.abi, functionName: "getNonce", args: [sender, 0n] })) as bigint,
            initCode: concat([factory, encodeFunctionData({ abi: release.accountFactory.abi, functionName: "createAccount", args: [owner!.address, 7n] })]),
            callData: encodeFunctionData({ abi: release.account.abi, functionName: "execute", args: [recipient, parseEther("0.25"), "0x"] }),
            accountGasLimits: packUints(1_000_000n, 100_000n),
            preVerificationGas: 60_000n,
            gasFees: packUints(1_000_000_000n, 20_000_000_000n),
            paymasterAndData: "0x" as Hex,
            signature: "0x" as Hex,
          };
          const userOpHash = (await client.readContract({ address: entryPoint, abi: release.entryPoint.abi, functionName: "getUserOpHash", args: [op] })) as Hex;
          op.signature = await sign(userOpHash);
          handleOpsHash = await wallet(bundler!).writeContract({ address: entryPoint, abi: release.entryPoint.abi, functionName: "handleOps", args: [[op], beneficiary], gas: 2_000_000n });
          const receipt = await client.waitForTransactionReceipt({ hash: handleOpsHash });
          expect(receipt.status).to.equal("success");
          expect(await client.getBalance({ address: recipient }), entryPoint).to.equal(parseEther("0.25"));
          expect(await client.getBalance({ address: beneficiary }), "EntryPoint pays the beneficiary").to.be.greaterThan(beneficiaryBefore);
          expect(await client.getCode({ address: sender }), "the account was created by the op").to.match(/^0x[0-9a-f]{40,}/);
          const event = receipt.logs.find((log) => log.address.toLowerCase() === entryPoint.toLowerCase() && log.topics[1] === userOpHash);
          expect(event, "UserOperationEvent").to.not.equal(undefined);
        }

        // 4. Permit2: the owner approves Permit2 once, then signs an EIP-712 permit off-chain; the spender moves the tokens with it.
        const deployToken = await wallet(owner!).deployContract({ abi: token.abi, bytecode: token.bytecode as Hex, args: [10n ** 21n] });
        const tokenAddress = (await client.waitForTransactionReceipt({ hash: deployToken })).contractAddress!;
        const approve = await wallet(owner!).writeContract({ address: tokenAddress, abi: erc20Abi, functionName: "approve", args: [PREINSTALLS.permit2, 2n ** 256n - 1n] });
        await client.waitForTransactionReceipt({ hash: approve });
        const permit = { permitted: { token: tokenAddress, amount: 10n ** 18n }, nonce: 0n, deadline: 2n ** 48n };
        const signature = await owner!.signTypedData({
          domain: { name: "Permit2", chainId: l2.id, verifyingContract: PREINSTALLS.permit2 },
          types: permitTransferFromTypes,
          primaryType: "PermitTransferFrom",
          message: { ...permit, spender: bundler!.address },
        });
        const payee = "0x000000000000000000000000000000000000cafe" as Address;
        const transfer = await wallet(bundler!).writeContract({ address: PREINSTALLS.permit2, abi: permit2Abi, functionName: "permitTransferFrom", args: [permit, { to: payee, requestedAmount: 4n * 10n ** 17n }, owner!.address, signature] });
        expect((await client.waitForTransactionReceipt({ hash: transfer })).status).to.equal("success");
        expect(await client.readContract({ address: tokenAddress, abi: erc20Abi, functionName: "balanceOf", args: [payee] })).to.equal(4n * 10n ** 17n);
        // The nonce is spent: the same permit again is refused (Permit2's InvalidNonce).
        const replay = await client
          .simulateContract({ account: bundler!, address: PREINSTALLS.permit2, abi: permit2Abi, functionName: "permitTransferFrom", args: [permit, { to: payee, requestedAmount: 1n }, owner!.address, signature] })
          .then(() => "accepted", (error: Error) => error.message);
        expect(replay).to.match(/InvalidNonce/);
      }
      await devnet.waitFor(/L2 block \d+ verified on L1 block/);
      expect(devnet.output(), "debug: a line per transaction").to.include(`tx ${handleOpsHash} from `);
    } finally {
      await devnet.stop("SIGINT");
    }
  });
});
