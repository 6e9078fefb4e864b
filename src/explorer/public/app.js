// The page's router and live feed: `#/…` routes to a page of pages.js; the explorer's WebSocket
// (/ws) pushes new L1 heads, L2 heads and verified L2 blocks, which the page shows as they come.
import { h } from "./dom.js";
import * as pages from "./pages.js";

const ROUTES = [
  [/^#?\/?$/, pages.overview],
  [/^#\/l1\/block\/([^/]+)$/, pages.l1Block],
  [/^#\/l1\/tx\/([^/]+)$/, pages.l1Tx],
  [/^#\/l2\/(\d+)\/block\/([^/]+)$/, pages.l2Block],
  [/^#\/l2\/(\d+)\/tx\/([^/]+)$/, pages.l2Tx],
  [/^#\/rollup\/(\d+)$/, pages.rollup],
  [/^#\/message\/([^/]+)$/, pages.message],
  [/^#\/address\/([^/]+)$/, pages.address],
  [/^#\/bundles$/, pages.bundles],
  [/^#\/search\/(.*)$/, pages.search],
];

const view = document.getElementById("view");
let current = null; // { page, node, onEvent, refreshOn }
let generation = 0;

async function render(refresh = false) {
  const hash = location.hash || "#/";
  // A live refresh is for the page on screen: when a navigation is under way (the hash moved on,
  // the new page not drawn yet) it must neither supersede that navigation nor swallow its errors.
  if (refresh && hash !== view.dataset.route) return;
  const found = ROUTES.map(([re, page]) => [re.exec(hash), page]).find(([m]) => m);
  const mine = ++generation;
  if (!found) {
    view.replaceChildren(h("p", { class: "error" }, `No page at ${hash}`));
    current = null;
    return;
  }
  const [match, page] = found;
  try {
    const result = await page(match.slice(1).map(decodeURIComponent));
    if (mine !== generation) return; // another navigation came first
    if (result.redirect) {
      location.replace(result.redirect);
      return;
    }
    current = result;
    view.replaceChildren(result.node);
    view.dataset.route = hash;
    view.dataset.rendered = String(Number(view.dataset.rendered ?? 0) + 1);
  } catch (error) {
    if (mine !== generation) return;
    if (!refresh) view.replaceChildren(h("div", {}, h("h1", {}, "Not found"), h("p", { class: "error", id: "error" }, error.message)));
  }
}

// Live: events update the page in place, or re-fetch it when its state may have moved (at most
// every 500 ms). The socket reconnects after a drop.
let pending = null;
function onEvent(event) {
  if (!current) return;
  current.onEvent?.(event);
  if (current.refreshOn?.(event) && pending === null) pending = setTimeout(() => ((pending = null), render(true)), 500);
}
function connect() {
  const live = document.getElementById("live");
  const socket = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`);
  socket.onopen = () => ((live.textContent = "live"), live.classList.replace("off", "on"));
  socket.onmessage = (message) => onEvent(JSON.parse(message.data));
  socket.onclose = () => {
    live.textContent = "reconnecting…";
    live.classList.replace("on", "off");
    setTimeout(connect, 1000);
  };
}

document.getElementById("search-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const q = document.getElementById("search").value.trim();
  if (q) location.hash = `#/search/${encodeURIComponent(q)}`;
});
window.addEventListener("hashchange", () => render());
render();
connect();
