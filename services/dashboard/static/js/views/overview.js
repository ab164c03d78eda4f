// Overview: headline counts, the live feed of status changes, what is coming
// up (deadlines of the next 14 days across cases), the latest milestones, and
// charts.

import { api } from "../api.js";
import { h, clear, announce } from "../dom.js";
import { AlertFeed } from "../feed.js";
import { openingsClosingsChart, dispositionsByCourtChart } from "../charts.js";
import { card, caseHref, courtTag, dispositionLine, errorBox, loading, transition } from "../components.js";
import { deadlineTable, milestoneList } from "../calendar.js";
import { STATUSES, STATUS_LABEL, dayMs, formatCount, formatDay, isoDay, plural, todayIso, truncate } from "../format.js";

const COMING_DAYS = 14;
const COMING_MAX = 50;
const MILESTONES_MAX = 8;

const FEED_MAX = 60;
const PHONE_ITEMS = 6; // keep in step with .feed-item:nth-child(n + 7) in app.css

const MODE_TEXT = {
  connecting: ["Connecting…", "connecting"],
  live: ["Live", "live"],
  polling: ["Updating every few seconds", "polling"],
  offline: ["Offline", "offline"],
};

const ALERT_KIND = {
  "status.changed": null,
  "disposition.changed": "Disposition changed",
  "complaint.amended": "Amended complaint",
};

function feedItem(alert, fresh) {
  const d = alert.data;
  const kind = ALERT_KIND[alert.type];
  return h("li", { class: ["feed-item", fresh ? "is-new" : null], "data-case-id": d.case_id, "data-seq": alert.seq },
    h("time", { class: "feed-when", datetime: d.date }, formatDay(d.date)),
    h("div", { class: "feed-body" },
      h("a", { class: "feed-case", href: caseHref(d.case_id) }, d.case_name || d.case_id),
      h("div", { class: "feed-meta" },
        courtTag(d.court_id), h("span", {}, d.docket_number),
        d.class_action ? h("span", { class: "tag" }, "Class action") : null),
      h("div", { class: "feed-change" },
        kind ? h("span", { class: "tag strong" }, kind) : transition(d.from_status, d.to_status),
        dispositionLine(d.disposition)),
      d.cause_text ? h("p", { class: "feed-cause", title: d.cause_text }, truncate(d.cause_text, 240)) : null));
}

function kpis(stats) {
  const total = h("a", { class: "kpi", href: "#/cases" },
    h("span", { class: "kpi-label" }, "Cases tracked"),
    h("span", { class: "kpi-value" }, formatCount(stats.total_cases)),
    h("span", { class: "kpi-sub" }, plural(Object.keys(stats.by_court).length, "court")));
  return h("div", { class: "kpis" }, total, STATUSES.map((st) => {
    const n = stats.by_status[st] || 0;
    const share = stats.total_cases ? Math.round((100 * n) / stats.total_cases) : 0;
    return h("a", { class: ["kpi", st], href: `#/cases?status=${st}` },
      h("span", { class: "kpi-label" }, h("span", { class: `swatch ${st}`, "aria-hidden": "true" }), STATUS_LABEL[st]),
      h("span", { class: "kpi-value" }, formatCount(n)),
      h("span", { class: "kpi-sub" }, `${share}% of cases`));
  }));
}

export function overviewView(root) {
  const controller = new AbortController();
  const disposers = [];
  const statsBox = h("div", { class: "kpis-slot" }, loading("Loading counts…"));
  const monthly = h("div", { class: "chart-slot" }, loading());
  const courts = h("div", { class: "chart-slot" }, loading());
  const coming = h("div", { class: "coming-slot" }, loading("Loading the calendar…"));
  const milestones = h("div", { class: "milestone-slot" }, loading("Loading milestones…"));
  // New items are announced by one short message (see onAlerts), not read out whole.
  const list = h("ol", { class: "feed", "aria-label": "Status changes, newest first" });
  const empty = h("p", { class: "empty", hidden: true }, "No status change yet. New ones appear here as they are processed.");
  const mode = h("span", { class: "conn connecting", role: "status" }, h("span", { class: "conn-dot", "aria-hidden": "true" }), "Connecting…");
  const feedError = h("div");
  // Phones show the first few items and this button (CSS); laptops scroll the list.
  const showAll = h("button", { type: "button", class: "btn feed-more", hidden: true,
    onclick: () => { list.classList.add("expanded"); showAll.hidden = true; } }, "Show all");

  root.append(
    h("div", { class: "page-head" },
      h("div", {}, h("h1", { tabindex: -1 }, "Overview"),
        h("p", { class: "lede" }, "Status changes as the dockets move, and where the cases stand."))),
    statsBox,
    h("div", { class: "calendar-grid" },
      card(`Coming up: the next ${COMING_DAYS} days`, coming, { id: "coming-up" }),
      card("Latest milestones", milestones, { id: "milestone-feed" })),
    h("div", { class: "overview-grid" },
      card("Status changes", [feedError, list, empty, showAll], { id: "feed", cls: "feed-card", actions: mode }),
      h("div", { class: "chart-col" },
        card("Openings and closings", monthly, { id: "chart-months" }),
        card("Dispositions by court", courts, { id: "chart-courts" }))));

  const loadCalendar = async () => {
    const today = todayIso();
    const last = isoDay(dayMs(today) + (COMING_DAYS - 1) * 86_400_000);
    const [upcoming, reached] = await Promise.allSettled([
      api.upcoming({ from: today, days: COMING_DAYS, limit: COMING_MAX }, { signal: controller.signal }),
      api.milestones({ limit: MILESTONES_MAX }, { signal: controller.signal }),
    ]);
    if (controller.signal.aborted) return;
    if (upcoming.status === "rejected") clear(coming, errorBox(upcoming.reason, loadCalendar));
    else {
      const u = upcoming.value;
      const more = u.total > u.items.length ? ` Showing the first ${u.items.length} of ${u.total_exact ? "" : "more than "}${formatCount(u.total)}.` : "";
      clear(coming, u.items.length
        ? [h("p", { class: "note" }, `${plural(u.total, "date")} from ${formatDay(today)} to ${formatDay(last)}, soonest first.${more}`),
          deadlineTable(u.items, { today, withCase: true, caption: `Deadlines from ${formatDay(today)} to ${formatDay(last)}` })]
        : h("p", { class: "empty" }, `No hearing, conference or deadline from ${formatDay(today)} to ${formatDay(last)}.`));
    }
    if (reached.status === "rejected") clear(milestones, errorBox(reached.reason, loadCalendar));
    else {
      clear(milestones, reached.value.items.length
        ? milestoneList(reached.value.items, { withCase: true, label: "Milestones, newest first" })
        : h("p", { class: "empty" }, "No milestone yet: orders on dispositive motions, class certification, settlement approvals, judgments and appeals appear here."));
    }
  };
  loadCalendar();

  const loadStats = async () => {
    try {
      const stats = await api.stats({ signal: controller.signal });
      disposers.splice(0).forEach((d) => d());
      clear(statsBox, kpis(stats));
      clear(monthly);
      clear(courts);
      disposers.push(openingsClosingsChart(monthly, stats.per_month));
      disposers.push(dispositionsByCourtChart(courts, stats.dispositions_by_court));
    } catch (err) {
      if (err.name === "AbortError") return;
      clear(statsBox, errorBox(err, loadStats));
      clear(monthly);
      clear(courts);
    }
  };
  loadStats();

  let refresh = null;
  const feed = new AlertFeed({
    onAlerts(alerts, { initial }) {
      clear(feedError);
      for (const alert of [...alerts].reverse()) list.prepend(feedItem(alert, !initial));
      while (list.children.length > FEED_MAX) list.lastElementChild.remove();
      empty.hidden = list.children.length > 0;
      showAll.hidden = list.classList.contains("expanded") || list.children.length <= PHONE_ITEMS;
      showAll.textContent = `Show all ${list.children.length}`;
      if (!initial && alerts.length) {
        announce(`${plural(alerts.length, "new status change")}`);
        // Counts and charts follow the feed, at most once a second.
        clearTimeout(refresh);
        refresh = setTimeout(() => { loadStats(); loadCalendar(); }, 1000);
      }
    },
    onMode(m, detail) {
      const [text, cls] = MODE_TEXT[m];
      mode.className = `conn ${cls}`;
      mode.lastChild.textContent = text;
      mode.title = detail || "";
      if (m === "offline" && !list.children.length) clear(feedError, errorBox({ message: detail }));
    },
  });
  feed.start();

  return {
    dispose() {
      controller.abort();
      feed.stop();
      clearTimeout(refresh);
      disposers.forEach((d) => d());
    },
  };
}
