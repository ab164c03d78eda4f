// Entry point: hash routing between the views, the header's search box and
// the read model's sync indicator (from /healthz).
//   #/                      overview (live feed, counts, charts)
//   #/cases?q=&status=...   case list
//   #/case/<case_id>?as_of= one case

import { api, setReadToken } from "./api.js";
import { h, clear } from "./dom.js";
import { hideTooltip } from "./tooltip.js";
import { overviewView } from "./views/overview.js";
import { casesView } from "./views/cases.js";
import { caseView } from "./views/case.js";
import { formatCount, plural } from "./format.js";

const HEALTH_MS = 10000;
const view = document.getElementById("view");
let active = null; // {name, key, update?, dispose}

export function parseRoute(hash) {
  const raw = hash.replace(/^#/, "") || "/";
  const [path, qs = ""] = raw.split("?");
  const params = new URLSearchParams(qs);
  const parts = path.split("/").filter(Boolean);
  if (parts[0] === "cases") return { name: "cases", params };
  if (parts[0] === "case" && parts[1]) return { name: "case", key: decodeURIComponent(parts.slice(1).join("/")), params };
  return { name: "overview", params };
}

function navigate(hash) {
  if (location.hash === hash) return;
  location.hash = hash;
}

function render({ focus }) {
  // Plain in-page anchors ("#main", "#entry-...") are not routes.
  if (location.hash && !location.hash.startsWith("#/") && active) return;
  const route = parseRoute(location.hash);
  hideTooltip();
  for (const link of document.querySelectorAll("[data-nav]")) {
    const current = link.dataset.nav === route.name || (route.name === "case" && link.dataset.nav === "cases");
    if (current) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  if (active && active.name === route.name && active.key === route.key && active.update) {
    active.update(route.params);
    return;
  }
  active?.dispose();
  clear(view);
  window.scrollTo(0, 0);
  document.title = route.name === "cases" ? "Cases · docketline" : "docketline";
  let made;
  if (route.name === "cases") made = casesView(view, route.params, navigate);
  else if (route.name === "case") made = caseView(view, route.params, navigate, route.key);
  else made = overviewView(view, route.params, navigate);
  active = { name: route.name, key: route.key, ...made };
  if (focus) view.querySelector("h1")?.focus({ preventScroll: true });
}

// Header search: jumps to the case list with the words.
const quick = document.getElementById("quick-search");
quick.addEventListener("submit", (ev) => {
  ev.preventDefault();
  const q = new FormData(quick).get("q").trim();
  navigate(q ? `#/cases?q=${encodeURIComponent(q)}` : "#/cases");
});

// The read model's distance from the log (see GET /healthz).
const sync = document.getElementById("sync");
function showSync(state, text, title) {
  sync.title = title || "";
  // Rewrite the live region only when it changes, so it is not read out every poll.
  if (sync.dataset.state === state && sync.lastChild?.textContent === text) return;
  sync.dataset.state = state;
  sync.className = `sync ${state}`;
  clear(sync, h("span", { class: "sync-dot", "aria-hidden": "true" }), text);
}

export function syncState(health) {
  const f = health.feeder;
  const rows = health.read_model || {};
  const held = `${formatCount(rows.cases || 0)} cases, ${formatCount(rows.events || 0)} entries, ${formatCount(rows.alerts || 0)} alerts`;
  if (!f.enabled) return ["static", "Log feed off", `This API is not following the log: the read model holds ${held}.`];
  if (health.broker.reachable === false) return ["warn", "Broker unreachable", `${health.broker.last_error || ""} Showing what the read model holds: ${held}.`];
  const known = Object.values(f.lag).filter((n) => n !== null);
  const behind = known.reduce((a, b) => a + b, 0);
  if (f.caught_up || (known.length && behind === 0)) return ["ok", "Up to date", `Read model caught up with the log; holds ${held}.`];
  if (!known.length) return ["pending", "Syncing…", `Measuring the lag; holds ${held}.`];
  return ["behind", `${plural(behind, "record")} behind`, `Read model lag per topic: ${Object.entries(f.lag).map(([t, n]) => `${t} ${n ?? "?"}`).join(", ")}.`];
}

async function pollHealth() {
  try {
    const health = await api.health();
    showSync(...syncState(health));
  } catch (err) {
    showSync("warn", "Service unreachable", err.message);
  }
  setTimeout(pollHealth, HEALTH_MS);
}

// When reads need a bearer token, ask once and keep it for the session.
function askToken() {
  if (document.getElementById("token-form")) return;
  const input = h("input", { id: "token", type: "password", autocomplete: "off", required: true });
  const form = h("form", { id: "token-form", class: "token-form card" },
    h("label", { for: "token" }, "This service needs an API token to read. Token:"), input,
    h("button", { type: "submit", class: "btn primary" }, "Use token"));
  form.addEventListener("submit", (ev) => { ev.preventDefault(); setReadToken(input.value.trim()); location.reload(); });
  view.before(form);
}
document.addEventListener("docketline:unauthorized", askToken);

window.addEventListener("hashchange", () => render({ focus: true }));
render({ focus: false });
pollHealth();
