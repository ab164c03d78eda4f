// Deadlines and milestones, as the case page and the overview show them.
// Plain tables and lists built from data (never HTML strings): a vacated
// deadline is struck through *and* says "Vacated" (strike-through alone is
// not read out); a closed case's pending deadline says so.

import { h } from "./dom.js";
import { caseHref, courtTag, statusPill } from "./components.js";
import {
  DEADLINE_KIND_LABEL, OUTCOME_LABEL, classLabel, formatDay, formatTime, relativeDay, truncate,
} from "./format.js";

function statusText(d, caseStatus) {
  if (d.status === "vacated") return "Vacated";
  if (caseStatus === "closed") return "Pending, case closed";
  return "Pending";
}

function deadlineRow(d, { today, caseStatus, withCase }) {
  const vacated = d.status === "vacated";
  const closed = !vacated && caseStatus === "closed";
  const strike = (node) => (vacated ? h("s", {}, node) : node);
  return h("tr", {
    class: ["deadline", vacated ? "vacated" : "pending", closed ? "case-closed" : null, d.date < today ? "past" : "upcoming"],
    "data-key": d.key, "data-case-id": withCase ? d.case_id : null, "data-date": d.date,
  },
  h("td", { class: "d-when" },
    strike(h("time", { datetime: d.time ? `${d.date}T${d.time}` : d.date }, formatDay(d.date))),
    d.time ? h("span", { class: "d-time" }, formatTime(d.time)) : null,
    h("span", { class: "d-rel" }, relativeDay(today, d.date))),
  withCase ? h("td", { class: "d-case" },
    h("a", { href: caseHref(d.case_id) }, d.case_name || d.case_id),
    h("span", { class: "sub" }, courtTag(d.court_id), d.case_status === "closed" ? statusPill("closed") : null)) : null,
  h("td", { class: "d-what" },
    h("span", { class: "kind" }, DEADLINE_KIND_LABEL[d.kind] || d.kind),
    strike(h("span", { class: "d-name", title: d.text }, d.name))),
  h("td", { class: "d-status" }, h("span", { class: ["tag", vacated ? null : "strong"] }, statusText(d, caseStatus))));
}

/**
 * A table of deadlines. items: DeadlineOut (case page) or UpcomingDeadlineOut (overview,
 * withCase); today: "YYYY-MM-DD"; caseStatus: the case's status on the case page.
 */
export function deadlineTable(items, { today, caseStatus = null, withCase = false, caption }) {
  const heads = ["Date", withCase ? "Case" : null, "What", "Status"].filter(Boolean);
  return h("div", { class: "table-wrap" }, h("table", { class: ["deadline-table", withCase ? "with-case" : null] },
    h("caption", { class: "visually-hidden" }, caption),
    h("thead", {}, h("tr", {}, heads.map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, items.map((d) => deadlineRow(d, { today, caseStatus: withCase ? d.case_status : caseStatus, withCase })))));
}

/** The outcome of an order as a short tag (null when the words did not say). */
export function outcomeTag(outcome) {
  const label = outcome ? OUTCOME_LABEL[outcome] : null;
  return label ? h("span", { class: ["outcome", outcome] }, label) : null;
}

/**
 * A list of milestones. items: timeline entries (case page: link to the entry) or
 * MilestoneOut (overview, withCase: link to the case).
 */
export function milestoneList(items, { withCase = false, label }) {
  return h("ol", { class: "milestones", "aria-label": label }, items.map((m) => h("li", {
    class: "milestone", "data-case-id": m.case_id || null, "data-event-id": m.event_id, "data-entry-class": m.entry_class,
  },
  h("time", { class: "m-when", datetime: m.date }, formatDay(m.date)),
  h("div", { class: "m-body" },
    h("div", { class: "m-head" },
      h("span", { class: "entry-class milestone-class" }, classLabel(m.entry_class)),
      outcomeTag(m.entry_outcome),
      m.document_number != null ? h("span", { class: "doc" }, `Doc. ${m.document_number}`) : null),
    withCase
      ? h("a", { class: "m-case", href: caseHref(m.case_id) }, m.case_name || m.case_id)
      : h("a", { class: "m-entry", href: `#entry-${m.event_id}`, "data-entry-link": m.event_id }, "Find in the docket"),
    h("p", { class: "m-text", title: m.text || "" }, truncate(m.text || "", 220))))));
}
