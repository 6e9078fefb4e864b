/**
 * Signed ETH transfers for a devnet's L2, as the devnet tests send them in bursts: `perSender`
 * from each of the first `senders` dev accounts, nonces from their pending count on the L2,
 * each to a distinct fresh address counted from `recipientBase` (so tests do not share balances).
 */
import { Wallet } from "ethers";
import { devAccounts } from "../../src/engine/index.js";

/** One JSON-RPC request (or batch) to `url`, its parsed answer. */
export async function postJson(url: string, body: unknown): Promise<unknown> {
  return (await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })).json();
}

/** See the file's comment. The raw transactions, sender by sender, each sender's in nonce order. */
export async function signTransfers(devnet: { l2Url: string; chainId: bigint }, senders: number, perSender: number, recipientBase: number): Promise<string[]> {
  const raws: string[] = [];
  for (const [s, account] of devAccounts().slice(0, senders).entries()) {
    const wallet = new Wallet(account.privateKey);
    const answer = (await postJson(devnet.l2Url, { jsonrpc: "2.0", id: 1, method: "eth_getTransactionCount", params: [wallet.address, "pending"] })) as { result: string };
    const nonce = Number(answer.result);
    for (let i = 0; i < perSender; i++) {
      const to = "0x" + (recipientBase + s * 100 + i).toString(16).padStart(40, "0");
      raws.push(await wallet.signTransaction({ type: 2, chainId: devnet.chainId, nonce: nonce + i, to, value: 1n + BigInt(i), gasLimit: 21_000n, maxFeePerGas: 10n ** 11n, maxPriorityFeePerGas: 10n ** 9n }));
    }
  }
  return raws;
}
