import { Wallet } from "ethers";
import { chainHead, type L2Chain } from "../engine/state.js";

/** An L2 transaction to sign; fees, nonce and gas default sensibly. */
export interface L2TransactionRequest {
  to?: string | null;
  value?: bigint;
  data?: string;
  nonce?: number;
  gasLimit?: bigint;
  maxPriorityFeePerGas?: bigint;
  maxFeePerGas?: bigint;
}

/** Default tip: 1 gwei, as wallets offer on L1. */
const DEFAULT_TIP = 1_000_000_000n;

/**
 * Signs an EIP-1559 L2 transaction with a real ethers wallet. The fee cap defaults to twice the
 * next base fee plus the tip (room for six full blocks of base-fee growth); the gas limit to
 * 21,000 for a plain transfer and 3,000,000 otherwise.
 */
export async function signL2Transaction(chain: L2Chain, wallet: Wallet, request: L2TransactionRequest & { nonce: number }): Promise<string> {
  const nextBaseFee = chainHead(chain).calcNextBaseFee();
  const tip = request.maxPriorityFeePerGas ?? DEFAULT_TIP;
  const plainTransfer = (request.data === undefined || request.data === "0x") && request.to != null;
  return wallet.signTransaction({
    type: 2,
    chainId: chain.genesis.chainId,
    nonce: request.nonce,
    to: request.to ?? null,
    value: request.value ?? 0n,
    data: request.data ?? "0x",
    gasLimit: request.gasLimit ?? (plainTransfer ? 21_000n : 3_000_000n),
    maxPriorityFeePerGas: tip,
    maxFeePerGas: request.maxFeePerGas ?? nextBaseFee * 2n + tip,
  });
}
