// Small DOM and formatting helpers. Chain data is untrusted: it goes in as text, never as HTML.

/** An element: h("a", { href: "#/" }, "text", child, …). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.className = value;
    else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** A link to a route of the page. */
export const link = (route, text, attrs = {}) => h("a", { href: route, ...attrs }, text);

/** 0x1234…abcd. */
export const short = (hex) => (typeof hex === "string" && hex.length > 20 ? `${hex.slice(0, 10)}…${hex.slice(-6)}` : String(hex ?? ""));

/** A decimal string with thousands separators. */
export function num(value) {
  if (value === null || value === undefined) return "—";
  return BigInt(value).toLocaleString("en-US");
}

/** Wei as ETH, exact (no float). */
export function eth(wei) {
  if (wei === null || wei === undefined) return "—";
  const v = BigInt(wei);
  const whole = v / 10n ** 18n;
  const frac = (v % 10n ** 18n).toString().padStart(18, "0").replace(/0+$/, "");
  return `${whole.toLocaleString("en-US")}${frac ? "." + frac : ""} ETH`;
}

/** Wei per gas as gwei. */
export function gwei(wei) {
  if (wei === null || wei === undefined) return "—";
  return `${(Number(BigInt(wei)) / 1e9).toLocaleString("en-US", { maximumFractionDigits: 4 })} gwei`;
}

/** "12 s ago" from a unix timestamp (decimal string). */
export function ago(timestamp) {
  if (timestamp === null || timestamp === undefined) return "";
  const s = Math.max(0, Math.round(Date.now() / 1000 - Number(timestamp)));
  return s < 90 ? `${s} s ago` : s < 5400 ? `${Math.round(s / 60)} min ago` : `${Math.round(s / 3600)} h ago`;
}

/** A status badge: kind ok | bad | wait | (none). */
export const badge = (text, kind = "", attrs = {}) => h("span", { class: `badge ${kind}`, ...attrs }, text);

/** A transaction's status badge from its receipt status. */
export function txStatus(status) {
  if (status === null || status === undefined) return badge("pending", "wait");
  return status === "1" ? badge("success", "ok") : badge("reverted", "bad");
}

/** A message's state as a badge. */
export function messageBadge(status) {
  const kind = { delivered: "ok", claimed: "ok", forwarded: "ok", verified: "ok", failed: "bad", queued: "wait", sent: "wait" }[status] ?? "";
  return badge(status, kind, { "data-field": "message-status" });
}

/** A key/value table: rows of [label, value, attrs?]. */
export function kv(rows) {
  return h("table", { class: "kv" }, rows.filter(Boolean).map(([label, value, attrs = {}]) => h("tr", attrs, h("th", {}, label), h("td", {}, value))));
}

/** A table: columns are labels; rows are arrays of cells (or { cells, attrs }). */
export function table(columns, rows, attrs = {}) {
  return h(
    "table",
    attrs,
    h("thead", {}, h("tr", {}, columns.map((c) => h("th", {}, c)))),
    h("tbody", {}, rows.map((row) => (Array.isArray(row) ? h("tr", {}, row.map((c) => h("td", {}, c))) : h("tr", row.attrs ?? {}, row.cells.map((c) => h("td", {}, c)))))),
  );
}

/** A card with a heading. */
export const card = (title, ...body) => h("section", { class: "card" }, title ? h("h2", {}, title) : null, ...body);

/** A decoded argument's value: addresses and hashes in mono, structs and arrays as nested lists. */
export function value(v) {
  if (Array.isArray(v)) return v.length === 0 ? h("span", { class: "muted" }, "[]") : h("ol", { class: "args", start: 0 }, v.map((x) => h("li", {}, value(x))));
  if (v !== null && typeof v === "object") return h("ul", { class: "args" }, Object.entries(v).map(([k, x]) => h("li", {}, h("span", { class: "muted" }, `${k}: `), value(x))));
  return h("span", { class: "mono" }, String(v));
}

/** A decoded call, event or error: name(args…) with each argument on its line. */
export function decoded(d) {
  if (!d) return h("span", { class: "muted" }, "not decoded (unknown ABI)");
  return h("div", {}, h("b", {}, d.name), h("span", { class: "muted" }, `  ${d.abi}`), h("ul", { class: "args" }, d.args.map((a) => h("li", {}, h("span", { class: "muted" }, `${a.name || "?"}${a.type ? ` (${a.type})` : ""}: `), value(a.value)))));
}
