// The explorer's pages: each fetches its JSON from the explorer's API and builds its DOM. A page
// returns { node, onEvent?, refreshOn? }: onEvent(event) updates it in place (the overview),
// refreshOn(event) says when to fetch it again (a state that moves: a message, a pending tx).
import { ago, badge, card, decoded, eth, gwei, h, kv, link, messageBadge, num, short, table, txStatus } from "./dom.js";

/** GET /api/… as JSON; an API error becomes an Error with the server's message. */
export async function api(path) {
  const response = await fetch(`/api/${path}`);
  const body = await response.json();
  if (!response.ok) throw new Error(`${body.error}${Object.keys(body.details ?? {}).length ? ` (${Object.entries(body.details).map(([k, v]) => `${k}: ${v}`).join(", ")})` : ""}`);
  return body;
}

const mono = (text, attrs = {}) => h("span", { class: "mono", ...attrs }, text);
const l1BlockLink = (n) => link(`#/l1/block/${n}`, num(n));
const l1TxLink = (hash, attrs = {}) => link(`#/l1/tx/${hash}`, short(hash), { class: "mono", ...attrs });
const l2BlockLink = (chainId, n, attrs = {}) => link(`#/l2/${chainId}/block/${n}`, num(n), attrs);
const addressLink = (a) => (a ? link(`#/address/${a.toLowerCase()}`, short(a), { class: "mono", title: a }) : h("span", { class: "muted" }, "contract creation"));
const rollupLink = (chainId) => (chainId ? link(`#/rollup/${chainId}`, `rollup ${chainId}`) : null);

function l2Row(b, fresh = false) {
  return {
    attrs: { "data-l2-block": `${b.chainId}:${b.number}`, class: fresh ? "fresh" : "" },
    cells: [rollupLink(b.chainId), l2BlockLink(b.chainId, b.number), num(b.gasUsed), b.blobs > 0 ? `${b.blobs} blob(s)` : "calldata", l1BlockLink(b.l1Block), l1TxLink(b.l1Tx)],
  };
}
function l1Row(b, fresh = false) {
  return { attrs: { "data-l1-block": b.number, class: fresh ? "fresh" : "" }, cells: [l1BlockLink(b.number), mono(short(b.hash)), String(b.transactions ?? "…"), num(b.gasUsed), num(b.blobGasUsed), ago(b.timestamp)] };
}
const L2_COLUMNS = ["rollup", "L2 block", "L2 gas", "data", "verified in L1 block", "L1 transaction (advance)"];
const L1_COLUMNS = ["L1 block", "hash", "txs", "gas", "blob gas", "time"];

/** The overview: L1, the rollups, the latest verified L2 blocks; new ones arrive over the socket. */
export async function overview() {
  const o = await api("overview");
  const l2Body = table(L2_COLUMNS, o.latestL2.map((b) => l2Row(b)), { id: "latest-l2" });
  const l1Body = table(L1_COLUMNS, o.latestL1.map((b) => l1Row(b)), { id: "latest-l1" });
  const heads = new Map();
  const rollups = table(
    ["rollup", "L1 contract", "L2 head", "safe (verified)", "finalized", "mempool", ""],
    o.rollups.map((r) => {
      const head = h("span", { "data-head": r.chainId }, r.head === null ? "—" : num(r.head));
      heads.set(r.chainId, head);
      return [rollupLink(r.chainId), addressLink(r.address), head, num(r.safe), num(r.finalized), r.mempool ? `${r.mempool.pending} pending` : "—", link(`#/rollup/${r.chainId}`, "messages")];
    }),
    { id: "rollups" },
  );
  const l1Head = h("b", { id: "l1-head" }, num(o.l1.head));
  const node = h(
    "div",
    {},
    h("h1", {}, "Overview"),
    card(
      null,
      kv([
        ["L1 head", l1Head],
        ["L1 JSON-RPC", mono(o.l1.url)],
        ["blob archive (beacon API)", o.blobUrl ? mono(o.blobUrl) : "—"],
        ["rollups", `${o.rollupCount}${o.rollupCount > o.rollups.length ? ` (the first ${o.rollups.length} shown)` : ""}`],
      ]),
    ),
    card("Rollups", rollups),
    card("Latest L2 blocks, verified on L1 by EXECUTE", l2Body),
    card("Latest L1 blocks", l1Body),
  );
  const prepend = (tableEl, row, limit) => {
    const body = tableEl.querySelector("tbody");
    body.prepend(h("tr", row.attrs, row.cells.map((c) => h("td", {}, c))));
    while (body.children.length > limit) body.lastElementChild.remove();
  };
  return {
    node,
    onEvent(e) {
      if (e.type === "l1") {
        l1Head.textContent = num(e.number);
        if (!l1Body.querySelector(`[data-l1-block="${e.number}"]`)) prepend(l1Body, l1Row(e, true), 10);
      } else if (e.type === "verified") {
        if (!l2Body.querySelector(`[data-l2-block="${e.chainId}:${e.number}"]`)) prepend(l2Body, l2Row(e, true), 20);
      } else if (e.type === "l2" && heads.has(e.chainId)) heads.get(e.chainId).textContent = num(e.number);
    },
  };
}

function logsCard(logs, onL1) {
  if (logs.length === 0) return card("Logs", h("p", { class: "muted" }, "none"));
  return card(
    `Logs (${logs.length})`,
    logs.map((log) =>
      h("div", { class: "log" }, h("div", {}, `#${log.logIndex} `, addressLink(log.address), onL1 && log.rollup ? [" ", rollupLink(log.rollup)] : null), log.decoded ? decoded(log.decoded) : h("pre", {}, [...log.topics, log.data].join("\n"))),
    ),
  );
}

function callCard(call) {
  return card("Input", call.name ? decoded(call) : h("span", { class: "muted" }, call.bytes === 0 ? "no calldata (a plain transfer)" : "not decoded (unknown ABI)"), h("p", { class: "muted" }, `${num(call.bytes)} bytes of calldata`));
}

function txRows(txs, chainId) {
  return txs.map((t) => [
    chainId === undefined ? l1TxLink(t.hash) : link(`#/l2/${chainId}/tx/${t.hash}`, short(t.hash), { class: "mono" }),
    addressLink(t.from),
    addressLink(t.to),
    t.function ?? "—",
    t.rollup ? rollupLink(t.rollup) : "",
    eth(t.value),
    num(t.gasUsed),
    txStatus(t.status),
  ]);
}
const TX_COLUMNS = ["hash", "from", "to", "function", "", "value", "gas used", "status"];

/** An L1 block. */
export async function l1Block([id]) {
  const b = await api(`l1/block/${id}`);
  return {
    node: h(
      "div",
      {},
      h("h1", {}, `L1 block ${num(b.number)}`),
      card(null, kv([["hash", mono(b.hash)], ["parent", link(`#/l1/block/${b.parentHash}`, b.parentHash, { class: "mono" })], ["time", `${new Date(Number(b.timestamp) * 1000).toISOString()} (${ago(b.timestamp)})`], ["gas used / limit", `${num(b.gasUsed)} / ${num(b.gasLimit)}`], ["base fee", gwei(b.baseFeePerGas)], ["blob gas used", num(b.blobGasUsed)], ["excess blob gas", num(b.excessBlobGas)]])),
      b.verified.length > 0 ? card("L2 blocks verified in this L1 block", table(L2_COLUMNS, b.verified.map((v) => l2Row(v)))) : null,
      card(`Transactions (${b.transactions.length})`, table(TX_COLUMNS, txRows(b.transactions))),
    ),
  };
}

function blobList(blobs, sidecarsUrl) {
  if (blobs.length === 0) return h("span", { class: "muted" }, "none (data in calldata)");
  return h("div", {}, h("ol", { class: "args", start: 0 }, blobs.map((b) => h("li", { "data-field": "blob" }, b.url ? h("a", { href: b.url, target: "_blank", class: "mono" }, b.versionedHash) : mono(b.versionedHash)))), sidecarsUrl ? h("a", { href: sidecarsUrl, target: "_blank" }, "sidecars (blobs, KZG commitments and proofs) on the beacon API") : null);
}

/** An L1 transaction: an advance shows the L2 blocks it verified and EXECUTE's verdict. */
export async function l1Tx([hash]) {
  const t = await api(`l1/tx/${hash}`);
  const verdict =
    t.verified.length > 0
      ? badge(`EXECUTE: valid — ${t.verified.length} L2 block(s) verified`, "ok", { "data-field": "execute-verdict" })
      : t.revert
        ? badge(`reverted${t.revert.error ? `: ${t.revert.error.name}` : ""}`, "bad", { "data-field": "execute-verdict" })
        : null;
  return {
    node: h(
      "div",
      {},
      h("h1", {}, "L1 transaction ", mono(hash)),
      card(
        null,
        kv([
          ["status", h("span", {}, txStatus(t.status), " ", verdict)],
          ["block", t.blockNumber === null ? "pending" : l1BlockLink(t.blockNumber)],
          ["from", addressLink(t.from)],
          ["to", h("span", {}, addressLink(t.to), " ", t.rollup ? rollupLink(t.rollup) : "")],
          ["function", h("span", { "data-field": "function" }, t.call.name ?? "—")],
          ["value", eth(t.value)],
          ["gas used / limit", `${num(t.gas.used)} / ${num(t.gas.limit)} at ${gwei(t.gas.price)}`],
          ["blob gas", t.blobs.length ? `${num(t.gas.blobGasUsed)}${t.gas.blobGasPrice ? ` at ${t.gas.blobGasPrice} wei` : ""}` : "—"],
          ["blobs", blobList(t.blobs)],
          t.bundle ? ["bundle", link("#/bundles", "one transaction for several rollups (RollupBundler)")] : null,
          t.revert ? ["why it reverted", h("span", {}, t.revert.error ? decoded(t.revert.error) : "", h("span", { class: "muted" }, t.revert.message))] : null,
        ]),
      ),
      t.verified.length > 0 ? card("L2 blocks this transaction verified", table(L2_COLUMNS, t.verified.map((v) => l2Row(v)))) : null,
      callCard(t.call),
      logsCard(t.logs, true),
    ),
  };
}

/** How L1 verified an L2 block: the advance, EXECUTE's verdict, gas, blobs. */
function verificationCard(v) {
  if (!v) return card("L1 verification", h("p", { class: "muted", "data-field": "execute-verdict" }, "not verified on L1 yet (or the genesis: set when the rollup was deployed)"));
  return card(
    "L1 verification",
    kv([
      ["EXECUTE verdict", h("span", { class: "verdict" }, badge(v.execute.verdict === "valid" ? "valid" : v.execute.verdict, "ok", { "data-field": "execute-verdict" }), " ", v.execute.matches ? "the block L1 re-executed has the hash the node serves" : h("b", { class: "error" }, `L1's hash ${v.execute.claimedHash} differs from the node's ${v.execute.nodeHash}`))],
      ["L1 transaction", l1TxLink(v.l1Tx, { "data-field": "l1-tx", title: v.l1Tx }), { "data-l1-tx": v.l1Tx }],
      ["L1 block", h("span", {}, l1BlockLink(v.l1Block), h("span", { class: "muted" }, `  ${num(v.l1Depth)} deep`))],
      ["function", `${v.function ?? "?"}${v.bundle ? " (in a bundle)" : ""}`],
      ["proposer", addressLink(v.proposer)],
      ["gas", `L2 ${num(v.gas.l2)} · L1 ${num(v.gas.l1)} at ${gwei(v.gas.l1Price)} · blob ${num(v.gas.blob)}${v.gas.blobPrice ? ` at ${v.gas.blobPrice} wei` : ""}`, { "data-field": "gas" }],
      ["data", v.dataAvailability === "blobs" ? `in ${v.blobs.length} blob(s)` : `in calldata${v.witnessBytes ? ` (witness ${num(v.witnessBytes)} bytes)` : ""}`],
      ["blobs", blobList(v.blobs, v.sidecarsUrl)],
      ["data hash", mono(v.dataHash)],
      ["L1→L2 messages delivered up to", num(v.messageCount)],
      ["anchored to L1 block", l1BlockLink(v.anchorBlockNumber)],
    ]),
  );
}

/** An L2 block and its L1 verification. */
export async function l2Block([chainId, id]) {
  const b = await api(`l2/${chainId}/block/${id}`);
  const finality = { finalized: "ok", safe: "ok", preconfirmed: "wait", latest: "wait" }[b.finality];
  // A preconfirmed block: who promised it (the operator's EIP-712 signature); L1 has not verified it yet.
  const promised = b.preconfirmation === null || b.preconfirmation === undefined ? [] : [["preconfirmed by", h("span", { "data-field": "preconf-operator" }, b.preconfirmation.operator === null ? "the operator" : addressLink(b.preconfirmation.operator))], ["signature", mono(short(b.preconfirmation.signature), { title: b.preconfirmation.signature })]];
  return {
    node: h(
      "div",
      {},
      h("h1", {}, `L2 block ${num(b.number)} of `, rollupLink(chainId)),
      card(null, kv([["hash", mono(b.hash, { "data-field": "l2-hash" })], ["parent", b.number === "0" ? "—" : link(`#/l2/${chainId}/block/${b.parentHash}`, b.parentHash, { class: "mono" })], ["finality", badge(b.finality, finality, { "data-field": "finality" })], ...promised, ["time", `${new Date(Number(b.timestamp) * 1000).toISOString()} (${ago(b.timestamp)})`], ["gas used / limit", `${num(b.gasUsed)} / ${num(b.gasLimit)}`], ["base fee", gwei(b.baseFeePerGas)], ["coinbase", addressLink(b.miner)], ["state root", mono(b.stateRoot)]])),
      verificationCard(b.verification),
      card(`Transactions (${b.transactions.length})`, table(TX_COLUMNS, txRows(b.transactions, chainId))),
    ),
    refreshOn: (e) => e.type === "l1" && b.finality !== "finalized",
  };
}

/** An L2 transaction, its receipt and decoded logs, and its block's L1 verification. */
export async function l2Tx([chainId, hash]) {
  const t = await api(`l2/${chainId}/tx/${hash}`);
  return {
    node: h(
      "div",
      {},
      h("h1", {}, "L2 transaction ", mono(hash)),
      card(
        null,
        kv([
          ["rollup", rollupLink(chainId)],
          ["status", h("span", { "data-field": "tx-status" }, txStatus(t.status), t.pool && t.status === null ? ` (${t.pool.status}${t.pool.reason ? `: ${t.pool.reason}` : ""})` : "")],
          ["block", t.blockNumber === null ? "pending" : l2BlockLink(chainId, t.blockNumber, { "data-field": "l2-block" })],
          ["from", addressLink(t.from)],
          ["to", addressLink(t.to)],
          t.contractAddress ? ["contract created", addressLink(t.contractAddress)] : null,
          ["function", t.call.name ?? "—"],
          ["value", eth(t.value)],
          ["nonce", num(t.nonce)],
          ["gas used / limit", `${num(t.gas.used)} / ${num(t.gas.limit)} at ${gwei(t.gas.price)}`],
        ]),
      ),
      verificationCard(t.verification),
      callCard(t.call),
      logsCard(t.logs, false),
    ),
    refreshOn: (e) => t.status === null && (e.type === "l2" || e.type === "verified"),
  };
}

function messageRows(messages) {
  return messages.map((m) => [
    link(`#/message/${m.hash}`, short(m.hash), { class: "mono" }),
    m.direction,
    m.direction === "L1→L2" ? `#${m.index} from ${m.from}` : `#${m.nonce} to ${m.to}`,
    addressLink(m.message.to),
    eth(m.message.value),
    messageBadge(m.status),
    m.queuedIn ? h("span", {}, "queued in ", l1TxLink(m.queuedIn.l1Tx)) : h("span", {}, "sent in ", link(`#/l2/${m.chainId}/tx/${m.sentIn.l2Tx}`, short(m.sentIn.l2Tx), { class: "mono" })),
    m.deliveredIn ? h("span", {}, "delivered in L2 block ", l2BlockLink(m.chainId, m.deliveredIn.number)) : m.consumedIn ? h("span", {}, `${m.status} in `, l1TxLink(m.consumedIn.l1Tx)) : "",
  ]);
}
const MESSAGE_COLUMNS = ["hash", "direction", "", "to", "value", "state", "sent", "reached"];

/** A rollup: its messages both ways. */
export async function rollup([chainId]) {
  const m = await api(`messages/${chainId}`);
  return {
    node: h(
      "div",
      {},
      h("h1", {}, `Rollup ${chainId}`),
      card(null, kv([["L1 contract (NativeRollup)", addressLink(m.rollup)], ["latest block", link(`#/l2/${chainId}/block/latest`, "latest")]])),
      card(`L1 → L2 messages (${m.toL2.length}): queued → delivered | failed`, table(MESSAGE_COLUMNS, messageRows(m.toL2))),
      card(`L2 → L1 messages (${m.fromL2.length}): sent → verified → claimed | forwarded`, table(MESSAGE_COLUMNS, messageRows(m.fromL2))),
    ),
    refreshOn: (e) => e.type === "verified" && e.chainId === chainId,
  };
}

/** One message, wherever it is. */
export async function message([hash]) {
  const m = await api(`message/${hash}`);
  const settled = m.messages.every((x) => ["delivered", "failed", "claimed", "forwarded"].includes(x.status));
  return {
    node: h(
      "div",
      {},
      h("h1", {}, "Message ", mono(hash)),
      ...m.messages.map((x) =>
        card(
          `${x.direction} on rollup ${x.chainId}`,
          kv([
            ["state", messageBadge(x.status)],
            ["rollup", rollupLink(x.chainId)],
            x.queuedIn ? ["queued on L1", h("span", {}, l1TxLink(x.queuedIn.l1Tx), " in L1 block ", l1BlockLink(x.queuedIn.l1Block))] : ["sent on L2", h("span", {}, link(`#/l2/${x.chainId}/tx/${x.sentIn.l2Tx}`, short(x.sentIn.l2Tx), { class: "mono" }), " in L2 block ", l2BlockLink(x.chainId, x.sentIn.l2Block))],
            x.deliveredIn ? ["delivered in", h("span", {}, "L2 block ", l2BlockLink(x.chainId, x.deliveredIn.number, { "data-field": "delivered-in" }), ", verified by ", l1TxLink(x.deliveredIn.l1Tx))] : null,
            x.consumedIn ? [`${x.status} on L1`, l1TxLink(x.consumedIn.l1Tx)] : null,
            ["message", decoded({ name: x.direction === "L1→L2" ? "L1Message" : "L2Message", abi: "", args: Object.entries(x.message).map(([name, value]) => ({ name, type: "", value })) })],
          ]),
        ),
      ),
    ),
    refreshOn: (e) => !settled && (e.type === "verified" || e.type === "l1"),
  };
}

/** An address on L1 and on every rollup. */
export async function address([a]) {
  const x = await api(`address/${a}`);
  return {
    node: h(
      "div",
      {},
      h("h1", {}, "Address ", mono(a)),
      x.rollup ? card(null, h("p", {}, "The L1 contract of ", rollupLink(x.rollup))) : null,
      card("On L1", kv([["balance", eth(x.l1.balance)], ["nonce", num(x.l1.nonce)], ["code", x.l1.codeBytes ? `${num(x.l1.codeBytes)} bytes` : "none (an account)"]])),
      card(`On the rollups${x.rollupCount > x.shownRollups ? ` (the first ${x.shownRollups} of ${x.rollupCount})` : ""}`, table(["rollup", "balance", "nonce", "code"], x.l2.map((r) => [rollupLink(r.chainId), eth(r.balance), num(r.nonce), r.codeBytes ? `${num(r.codeBytes)} bytes` : "—"]))),
    ),
    refreshOn: (e) => e.type === "verified",
  };
}

/** Bundles: L1 transactions that verified blocks of several rollups at once. */
export async function bundles() {
  const b = await api("bundles");
  return {
    node: h(
      "div",
      {},
      h("h1", {}, "Bundles"),
      h("p", { class: "muted" }, "One L1 transaction (RollupBundler.bundle) that advances several rollups, forwards messages between them and checks their new states — all or nothing."),
      b.bundles.length === 0
        ? card(null, h("p", { class: "muted" }, "No bundle on this L1 yet (src/sdk/bundle.ts makes them)."))
        : b.bundles.map((x) => card(h("span", {}, "Bundle ", l1TxLink(x.l1Tx), " in L1 block ", l1BlockLink(x.l1Block)), table(L2_COLUMNS, x.legs.map((l) => l2Row(l))), x.forwards.length ? h("p", {}, `${x.forwards.length} message(s) forwarded: `, x.forwards.map((f) => h("span", {}, link(`#/message/${f.hash}`, short(f.hash), { class: "mono" }), ` rollup ${f.from} → ${f.to}  `))) : null)),
    ),
    refreshOn: (e) => e.type === "verified",
  };
}

/** Search: one hit opens it; several are listed. */
export async function search([q]) {
  const r = await api(`search?q=${encodeURIComponent(q)}`);
  if (r.hits.length === 1) return { redirect: r.hits[0].route };
  return {
    node: h("div", {}, h("h1", {}, "Search ", mono(q)), card(null, r.hits.length === 0 ? h("p", { class: "muted" }, "Nothing found: a number (block or chain id), an address, or a block, transaction or message hash.") : h("ul", { id: "search-hits" }, r.hits.map((x) => h("li", {}, link(x.route, x.label)))))),
  };
}
