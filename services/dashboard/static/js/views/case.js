// One case: its status now (or as of a chosen date), its visual timeline,
// its docket entries (each with its class, filterable by class) with the ones
// that changed the status highlighted, its milestones, its deadlines
// (upcoming first) and its status history.

import { api, allPages } from "../api.js";
import { h, clear } from "../dom.js";
import { caseTimeline } from "../timeline.js";
import { card, caseHref, courtTag, errorBox, loading, statusPill, transition } from "../components.js";
import { deadlineTable, milestoneList, outcomeTag } from "../calendar.js";
import {
  EVENT_LABEL, STATUS_LABEL, classLabel, courtLabel, dayMs, dispositionText, formatDay, formatInstant, plural,
  todayIso, upcomingFirst,
} from "../format.js";

const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;

function flagsOf(c) {
  const f = c.flags || {};
  return [
    f.class_action && "Class action",
    f.appealed && "Appealed",
    f.settlement_noticed && "Settlement noticed",
    f.amended_complaints && plural(f.amended_complaints, "amended complaint"),
    f.partial_dismissals && plural(f.partial_dismissals, "partial dismissal"),
  ].filter(Boolean);
}

function statusSentence(c) {
  if (c.status === "closed" && c.disposition) {
    const d = c.disposition;
    return `${dispositionText(d)} · ${formatDay(d.date)}${d.fjc_code != null ? ` · FJC disposition code ${d.fjc_code}` : ""}`;
  }
  const last = c.status_history[c.status_history.length - 1];
  if (!last) return "";
  return c.status === "stayed" ? `Stayed since ${formatDay(last.date)}` : `Open since ${formatDay(last.date)}`;
}

function header(c) {
  const meta = [courtTag(c.court_id), h("span", {}, `No. ${c.docket_number}`), c.nature_of_suit ? h("span", {}, c.nature_of_suit) : null];
  return h("div", { class: "case-head" },
    h("div", { class: "case-title" },
      h("nav", { class: "crumbs", "aria-label": "Breadcrumb" }, h("a", { href: "#/cases" }, "Cases"), h("span", { "aria-hidden": "true" }, "/"), h("span", { "aria-current": "page" }, c.case_id)),
      h("h1", { tabindex: -1 }, c.case_name || c.case_id),
      h("p", { class: "case-meta" }, meta.filter(Boolean).flatMap((m, i) => (i ? [h("span", { class: "sep", "aria-hidden": "true" }, "·"), m] : [m]))),
      h("div", { class: "tags" }, flagsOf(c).map((f) => h("span", { class: "tag" }, f)))),
    h("div", { class: ["case-status", c.status] },
      h("span", { class: "case-status-label" }, c.as_of ? `Status on ${formatDay(c.as_of)}` : "Status"),
      statusPill(c.status, { large: true }),
      h("p", { class: "case-status-detail" }, statusSentence(c))));
}

// The snapshot's last entry (event-time order): its day, document number and what it was read as.
function lastEntry(last) {
  if (!last) return null;
  const doc = last.document_number != null ? `, Doc. ${last.document_number}` : "";
  return `${formatDay(last.date)}${doc} (${EVENT_LABEL[last.type] || last.type})`;
}

function facts(c, entries) {
  const rows = [
    ["Court", `${courtLabel(c.court_id)} (${c.court_id})`],
    ["Filed", formatDay(c.date_filed)],
    ["Terminated", c.date_terminated ? formatDay(c.date_terminated) : "—"],
    ["Docket entries", String(c.entry_count)],
    ["Last entry", lastEntry(c.last_entry)],
    ["Cause", c.cause],
    ["Last activity", c.updated_at ? formatInstant(c.updated_at) : (c.last_entry ? formatDay(c.last_entry.date) : (entries.length ? formatDay(entries[entries.length - 1].date) : null))],
  ].filter(([, v]) => v);
  return h("div", { class: "facts" },
    h("dl", {}, rows.map(([k, v]) => h("div", {}, h("dt", {}, k), h("dd", {}, v)))),
    c.parties && c.parties.length
      ? h("div", { class: "parties" }, h("h3", {}, "Parties"), h("ul", {}, c.parties.map((p) => h("li", {}, p))))
      : null);
}

function entryItem(e, change, later) {
  return h("li", {
    class: ["entry", change ? `is-change ${change.status}` : null, later ? "later" : null, e.milestone ? "is-milestone" : null],
    id: `entry-${e.event_id}`, "data-event-id": e.event_id, "data-entry-class": e.entry_class || "", tabindex: -1,
  },
  h("div", { class: "entry-when" },
    h("time", { datetime: e.date }, formatDay(e.date)),
    e.document_number != null ? h("span", { class: "doc" }, `Doc. ${e.document_number}`) : null),
  h("div", { class: "entry-main" },
    h("div", { class: "entry-tags" },
      h("span", { class: ["entry-class", e.milestone ? "milestone-class" : null] }, classLabel(e.entry_class)),
      outcomeTag(e.entry_outcome),
      e.type !== "docket.entry" ? h("span", { class: "kind" }, EVENT_LABEL[e.type] || e.type) : null,
      e.text_is_stub ? h("span", { class: "tag" }, "Summary text") : null,
      change ? h("span", { class: "entry-change" }, transition(change.from, change.status),
        change.disposition ? h("span", { class: "disposition" }, dispositionText(change.disposition)) : null) : null),
    h("p", { class: "entry-text" }, e.text || "(The text of this entry is not stored yet.)")));
}

function historyTable(history, entries) {
  const byEvent = new Map(entries.map((e) => [e.event_id, e]));
  return h("div", { class: "table-wrap" }, h("table", { class: "history-table" },
    h("caption", { class: "visually-hidden" }, "Status history"),
    h("thead", {}, h("tr", {}, ["Date", "Status", "Disposition", "Caused by"].map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, history.map((x) => h("tr", {},
      h("td", {}, formatDay(x.date)),
      h("td", {}, statusPill(x.status)),
      h("td", {}, x.disposition ? dispositionText(x.disposition) : "—"),
      h("td", {}, causeLink(x, byEvent.get(x.event_id))))))));
}

function causeLink(change, entry) {
  if (!entry) return h("span", { class: "muted" }, "an entry not listed");
  const label = [entry.document_number != null ? `Doc. ${entry.document_number}` : formatDay(entry.date), EVENT_LABEL[entry.type] || entry.type].join(" · ");
  return h("a", { href: `#entry-${change.event_id}`, "data-entry-link": change.event_id }, label);
}

export function caseView(root, params, navigate, caseId) {
  let controller = new AbortController();
  let timeline = null;
  let entries = null;
  let shownClass = "";
  let showAllClasses = null;
  let deadlines = null; // GET /api/cases/{id}/deadlines, or null when it failed
  const body = h("div", { class: "case-page" }, loading("Loading the case…"));
  root.append(body);

  async function fetchEntries(signal) {
    const all = await allPages((cursor) => api.timeline(caseId, { limit: 200, cursor }, { signal }));
    return all.items;
  }

  function asOfBar(c, asOf) {
    const input = h("input", { type: "date", id: "as-of", name: "as_of", value: asOf || "", min: c.date_filed || undefined });
    const go = (value) => navigate(caseHref(caseId, { as_of: value }));
    // A date input reports a "complete" date while its year is still being typed
    // (0002, 0020, ...): only plausible docket years apply at once; Show applies any.
    input.addEventListener("change", () => { if (!input.value || input.value >= "1900-01-01") go(input.value); });
    return h("form", { class: ["asof-bar", asOf ? "active" : null], role: "search", "aria-label": "View the case as of a date",
      onsubmit: (ev) => { ev.preventDefault(); go(input.value); } },
      h("label", { for: "as-of" }, "View as of"),
      input,
      h("button", { type: "submit", class: "btn" }, "Show"),
      asOf ? h("button", { type: "button", class: "btn ghost", onclick: () => go("") }, "Back to today") : null,
      h("p", { class: "asof-note", role: "status" }, asOf
        ? `The case as it stood at the end of ${formatDay(asOf)}, from the entries filed by then.`
        : "Pick a date to see the case as it stood that day."));
  }

  function deadlinesBody(c) {
    if (deadlines === null) return h("p", { class: "empty" }, "The calendar could not be loaded.");
    if (!deadlines.items.length) return h("p", { class: "empty" }, "No entry of this case sets a date.");
    const today = todayIso();
    const ordered = upcomingFirst(deadlines.items, today);
    const coming = ordered.filter((d) => d.date >= today && d.status === "pending").length;
    const status = deadlines.case_status;
    return [
      h("p", { class: "note" },
        coming ? `${plural(coming, "pending date")} ahead` : "Nothing pending ahead",
        status === "closed" ? ". The case is closed: dates its docket never vacated stay listed as pending." : ".",
        c.as_of ? " (As the docket stands today.)" : null),
      deadlineTable(ordered, { today, caseStatus: status, caption: "Deadlines, upcoming first" }),
    ];
  }

  function milestonesBody(shown) {
    const reached = shown.filter((e) => e.milestone);
    return reached.length
      ? milestoneList(reached, { label: "Milestones of the case, oldest first" })
      : h("p", { class: "empty" }, "No milestone yet (orders on dispositive motions, class certification, settlement approvals, judgment, appeal).");
  }

  function select(eventId, { scroll = true } = {}) {
    body.querySelectorAll(".entry.selected").forEach((el) => el.classList.remove("selected"));
    if (!document.getElementById(`entry-${eventId}`)) showAllClasses?.(); // hidden by the class filter
    const row = document.getElementById(`entry-${eventId}`);
    timeline?.select(eventId);
    if (!row) return;
    row.classList.add("selected");
    if (scroll) {
      const still = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
      row.scrollIntoView({ behavior: still ? "auto" : "smooth", block: "center" });
      row.focus({ preventScroll: true });
    }
  }

  function render(c, asOf, notice) {
    timeline?.dispose();
    const changes = new Map(c.status_history.map((x, i) => [x.event_id, { ...x, from: i ? c.status_history[i - 1].status : null }]));
    const cut = asOf ? dayMs(asOf) : null;
    const shown = cut === null ? entries : entries.filter((e) => dayMs(e.date) <= cut);
    const hidden = entries.length - shown.length;
    const plot = h("div", { class: "timeline", id: "timeline-plot" });
    const legend = h("div", { class: "legend", "aria-hidden": "true" },
      ["open", "stayed", "closed"].map((st) => h("span", {}, h("span", { class: `swatch ${st}` }), STATUS_LABEL[st])),
      h("span", {}, h("span", { class: "swatch entry-dot" }), "Docket entry"),
      h("span", {}, h("span", { class: "swatch change-dot" }), "Entry that changed the status"));
    const list = h("ol", { class: "entries" });
    const counted = h("span", { class: "class-count", role: "status" });
    const present = [...new Set(shown.map((e) => e.entry_class || ""))]
      .sort((a, b) => classLabel(a || null).localeCompare(classLabel(b || null)));
    if (shownClass && !present.includes(shownClass)) shownClass = "";
    const classSelect = h("select", { id: "class-filter", name: "entry_class" },
      h("option", { value: "" }, `All classes (${shown.length})`),
      present.map((k) => h("option", { value: k, selected: k === shownClass },
        `${classLabel(k || null)} (${shown.filter((e) => (e.entry_class || "") === k).length})`)));
    const fillList = () => {
      const picked = shownClass ? shown.filter((e) => (e.entry_class || "") === shownClass) : shown;
      clear(list, picked.map((e) => entryItem(e, changes.get(e.event_id), false)));
      counted.textContent = shownClass ? `${plural(picked.length, "entry", "entries")} of ${shown.length}` : "";
      body.querySelectorAll(".entry.selected").forEach((el) => el.classList.remove("selected"));
    };
    classSelect.addEventListener("change", () => { shownClass = classSelect.value; fillList(); });
    fillList();
    showAllClasses = () => { if (shownClass) { shownClass = ""; classSelect.value = ""; fillList(); } };
    const classBar = h("div", { class: "class-filter" },
      h("label", { for: "class-filter" }, "Entry class"), classSelect, counted);
    list.addEventListener("click", (ev) => {
      const item = ev.target.closest(".entry");
      if (item && !ev.target.closest("a")) select(item.dataset.eventId, { scroll: false });
    });
    clear(body,
      header(c),
      asOfBar(c, asOf),
      notice || null,
      h("div", { class: "case-grid" },
        card("Timeline", [legend, plot, h("p", { class: "hint" }, "Hover or focus a point to read the entry; click it to find it in the list.")], { id: "timeline", cls: "timeline-card" }),
        card("Details", facts(c, shown), { id: "facts" })),
      h("div", { class: "calendar-grid" },
        card("Deadlines", deadlinesBody(c), { id: "deadlines" }),
        card("Milestones", milestonesBody(shown), { id: "milestones" })),
      card(`Docket entries (${shown.length})`, [
        hidden ? h("p", { class: "note" }, `${plural(hidden, "later entry", "later entries")} filed after ${formatDay(asOf)} ${hidden === 1 ? "is" : "are"} not shown.`) : null,
        shown.length ? [classBar, list] : h("p", { class: "empty" }, "No entry filed by then."),
      ], { id: "entries" }),
      card("Status history", historyTable(c.status_history, entries), { id: "history" }));
    body.querySelectorAll("[data-entry-link]").forEach((a) => a.addEventListener("click", (ev) => {
      ev.preventDefault();
      select(a.dataset.entryLink);
    }));
    timeline = caseTimeline(plot, { history: c.status_history, entries, asOf, onSelect: (e) => select(e.event_id) });
  }

  async function load(p) {
    controller.abort();
    controller = new AbortController();
    const { signal } = controller;
    const asOf = ISO_DAY.test(p.get("as_of") || "") ? p.get("as_of") : null;
    try {
      const [current, list, calendar] = await Promise.all([
        api.case(caseId, null, { signal }),
        entries ? Promise.resolve(entries) : fetchEntries(signal),
        api.deadlines(caseId, { signal }).catch((err) => { if (err.name === "AbortError") throw err; return null; }),
      ]);
      entries = list;
      deadlines = calendar;
      let shown = current;
      let notice = null;
      if (asOf) {
        try {
          shown = await api.case(caseId, asOf, { signal });
        } catch (err) {
          if (err.name === "AbortError" || err.status !== 404) throw err;
          notice = errorBox({ status: 404, message: `Nothing had been filed in this case by ${formatDay(asOf)}. Showing it as it stands today.` });
        }
      }
      document.title = `${shown.case_name || caseId} · docketline`;
      const typing = document.activeElement?.id === "as-of";
      render(shown, notice ? null : asOf, notice);
      if (typing) document.getElementById("as-of")?.focus();
    } catch (err) {
      if (err.name === "AbortError") return;
      clear(body,
        h("div", { class: "page-head" }, h("h1", { tabindex: -1 }, caseId)),
        errorBox(err, () => load(p)));
    }
  }

  load(params);
  return {
    key: caseId,
    update: load,
    dispose() { controller.abort(); timeline?.dispose(); },
  };
}
