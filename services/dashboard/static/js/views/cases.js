// The case list: search, filters and sorting, all kept in the URL so a view
// can be bookmarked and shared; results page with the API's cursors.

import { api } from "../api.js";
import { h, clear, announce } from "../dom.js";
import { caseHref, courtTag, dispositionLine, errorBox, loading, statusPill } from "../components.js";
import {
  DISPOSITIONS, DISPOSITION_LABEL, STATUSES, STATUS_LABEL, courtLabel, formatDay, plural,
} from "../format.js";

const PAGE = 50;
const FIELDS = ["q", "status", "disposition", "court", "nature_of_suit", "class_action",
  "filed_from", "filed_to", "terminated_from", "terminated_to", "sort", "order"];
const SORTS = [
  ["updated_at", "Last activity"], ["date_filed", "Date filed"],
  ["date_terminated", "Date terminated"], ["case_name", "Case name"],
];

/** The API query for URL params (repeatable ones as arrays). */
export function toQuery(params) {
  const out = {};
  for (const key of FIELDS) {
    const values = params.getAll(key).filter(Boolean);
    if (!values.length) continue;
    out[key] = ["status", "disposition", "court"].includes(key) ? values : values[0];
  }
  return out;
}

function field(label, control, hint) {
  return h("div", { class: "field" }, h("label", { for: control.id }, label), control, hint || null);
}

function select(id, name, options, value) {
  return h("select", { id, name },
    options.map(([v, text]) => h("option", { value: v, selected: v === value }, text)));
}

function resultRow(c) {
  const href = caseHref(c.case_id);
  return h("tr", { "data-case-id": c.case_id },
    h("td", { class: "c-name" },
      h("a", { href }, c.case_name || c.case_id),
      h("div", { class: "sub" }, c.docket_number,
        c.flags.class_action ? h("span", { class: "tag" }, "Class action") : null,
        c.nature_of_suit ? h("span", { class: "nos" }, c.nature_of_suit) : null)),
    h("td", { class: "c-court", "data-label": "Court" }, courtTag(c.court_id)),
    h("td", { class: "c-status", "data-label": "Status" }, statusPill(c.status), h("div", { class: "sub" }, dispositionLine(c.disposition))),
    h("td", { class: "c-date", "data-label": "Filed" }, formatDay(c.date_filed)),
    h("td", { class: "c-date", "data-label": "Terminated" }, c.date_terminated ? formatDay(c.date_terminated) : "—"),
    h("td", { class: "c-num", "data-label": "Entries" }, String(c.entry_count)));
}

export function casesView(root, params, navigate) {
  let controller = new AbortController();
  const form = h("form", { class: "filters card", role: "search", "aria-label": "Search and filter cases" });
  const q = h("input", { id: "f-q", name: "q", type: "search", placeholder: "Party, case, docket no.", autocomplete: "off" });
  const statusBoxes = STATUSES.map((st) => h("label", { class: ["check", st] },
    h("input", { type: "checkbox", name: "status", value: st }), STATUS_LABEL[st]));
  const disposition = select("f-disposition", "disposition", [["", "Any disposition"], ...DISPOSITIONS.map((d) => [d, DISPOSITION_LABEL[d]])], "");
  const court = select("f-court", "court", [["", "Any court"]], "");
  const nos = h("input", { id: "f-nos", name: "nature_of_suit", type: "text", placeholder: "e.g. 890 or privacy" });
  const classAction = select("f-class", "class_action", [["", "Any"], ["true", "Class actions only"], ["false", "Not class actions"]], "");
  const date = (id, name) => h("input", { id, name, type: "date" });
  const filedFrom = date("f-filed-from", "filed_from");
  const filedTo = date("f-filed-to", "filed_to");
  const termFrom = date("f-term-from", "terminated_from");
  const termTo = date("f-term-to", "terminated_to");
  const sort = select("f-sort", "sort", SORTS, "updated_at");
  const order = select("f-order", "order", [["desc", "Newest / Z–A first"], ["asc", "Oldest / A–Z first"]], "desc");
  const more = h("details", { class: "more-filters" },
    h("summary", {}, "More filters"),
    h("div", { class: "filter-grid" },
      field("Disposition", disposition), field("Court", court), field("Nature of suit", nos),
      field("Class action", classAction),
      h("fieldset", { class: "range" }, h("legend", {}, "Filed between"), filedFrom, h("span", { "aria-hidden": "true" }, "–"), filedTo),
      h("fieldset", { class: "range" }, h("legend", {}, "Terminated between"), termFrom, h("span", { "aria-hidden": "true" }, "–"), termTo)));
  for (const [el, label] of [[filedFrom, "Filed from"], [filedTo, "Filed to"], [termFrom, "Terminated from"], [termTo, "Terminated to"]]) {
    el.setAttribute("aria-label", label);
  }
  form.append(
    h("div", { class: "search-row" },
      h("label", { for: "f-q", class: "visually-hidden" }, "Search cases"),
      q,
      h("button", { type: "submit", class: "btn primary" }, "Search")),
    h("div", { class: "quick-row" },
      h("fieldset", { class: "statuses" }, h("legend", { class: "visually-hidden" }, "Status"), statusBoxes),
      h("div", { class: "sort-controls" }, field("Sort by", sort), field("Order", order)),
      h("button", { type: "button", class: "btn ghost", onclick: () => navigate("#/cases") }, "Clear all")),
    more);

  const summary = h("p", { class: "result-summary", role: "status" });
  const tbody = h("tbody");
  const table = h("table", { class: "case-table" },
    h("caption", { class: "visually-hidden" }, "Cases"),
    h("thead", {}, h("tr", {},
      ["Case", "Court", "Status", "Filed", "Terminated", "Entries"].map((c, i) => h("th", { scope: "col", class: i === 5 ? "c-num" : null }, c)))),
    tbody);
  const moreBtn = h("button", { type: "button", class: "btn", hidden: true }, "Load more");
  const results = h("section", { class: "card results", "aria-label": "Results" }, summary, h("div", { class: "table-wrap" }, table), h("div", { class: "load-more" }, moreBtn));

  root.append(
    h("div", { class: "page-head" }, h("div", {}, h("h1", { tabindex: -1 }, "Cases"),
      h("p", { class: "lede" }, "Search by party, case name or docket number; filter by status, court and dates."))),
    form, results);

  const statsController = new AbortController();
  api.stats({ signal: statsController.signal }).then((stats) => {
    const current = court.value;
    const courts = Object.keys(stats.by_court).sort((a, b) => courtLabel(a).localeCompare(courtLabel(b)));
    clear(court, h("option", { value: "" }, "Any court"),
      courts.map((c) => h("option", { value: c, selected: c === current }, `${courtLabel(c)} (${c})`)));
  }).catch(() => { /* the select keeps "Any court"; the list itself reports errors */ });

  let current = params;
  let cursor = null;

  function fill(p) {
    q.value = p.get("q") || "";
    const statuses = p.getAll("status");
    statusBoxes.forEach((l) => { l.firstChild.checked = statuses.includes(l.firstChild.value); });
    disposition.value = p.get("disposition") || "";
    const c = p.get("court") || "";
    if (c && ![...court.options].some((o) => o.value === c)) court.append(h("option", { value: c }, `${courtLabel(c)} (${c})`));
    court.value = c;
    nos.value = p.get("nature_of_suit") || "";
    classAction.value = p.get("class_action") || "";
    filedFrom.value = p.get("filed_from") || "";
    filedTo.value = p.get("filed_to") || "";
    termFrom.value = p.get("terminated_from") || "";
    termTo.value = p.get("terminated_to") || "";
    sort.value = p.get("sort") || "updated_at";
    order.value = p.get("order") || "desc";
    if (["disposition", "court", "nature_of_suit", "class_action", "filed_from", "filed_to", "terminated_from", "terminated_to"].some((k) => p.get(k))) more.open = true;
  }

  function formParams() {
    const p = new URLSearchParams();
    for (const [key, value] of new FormData(form)) {
      if (!value) continue;
      if (key === "sort" && value === "updated_at") continue;
      if (key === "order" && value === "desc") continue;
      p.append(key, value);
    }
    return p;
  }

  const apply = () => {
    const p = formParams().toString();
    navigate(p ? `#/cases?${p}` : "#/cases");
  };
  form.addEventListener("submit", (ev) => { ev.preventDefault(); apply(); });
  form.addEventListener("change", (ev) => {
    const el = ev.target;
    if (el === q) return; // the words apply on submit
    if (el.type === "date" && el.value && el.value < "1900-01-01") return; // year still being typed
    apply();
  });

  async function load(append) {
    const query = { ...toQuery(current), limit: PAGE };
    if (append && cursor) query.cursor = cursor;
    if (!append) {
      controller.abort();
      controller = new AbortController();
      clear(tbody);
      summary.textContent = "";
      summary.append(loading("Searching…"));
    }
    moreBtn.disabled = true;
    try {
      const page = await api.cases(query, { signal: controller.signal });
      tbody.append(...page.items.map(resultRow));
      cursor = page.next_cursor;
      moreBtn.hidden = !cursor;
      moreBtn.disabled = false;
      const shown = tbody.children.length;
      summary.textContent = page.total === 0
        ? "No case matches these filters."
        : page.total_exact === false
          ? `more than ${plural(page.total, "case")} · showing ${shown}`
          : `${plural(page.total, "case")}${shown < page.total ? ` · showing ${shown}` : ""}`;
      announce(summary.textContent);
    } catch (err) {
      if (err.name === "AbortError") return;
      clear(summary, errorBox(err, () => load(append)));
      moreBtn.hidden = true;
    }
  }
  moreBtn.addEventListener("click", () => load(true));

  function update(p) {
    current = p;
    cursor = null;
    fill(p);
    load(false);
  }
  update(params);

  return { update, dispose: () => { controller.abort(); statsController.abort(); } };
}
