// A case's visual timeline: the statuses it has had as coloured bands over
// time, its docket entries as points below, and the entries that changed the
// status highlighted and joined to the band they started. Pure drawing: it
// receives the case (possibly as of a date) and its entries.

import { h, s } from "./dom.js";
import { responsive } from "./charts.js";
import { attachTooltip, hideTooltip } from "./tooltip.js";
import {
  EVENT_LABEL, STATUS_LABEL, dayMs, dispositionText, formatDay, truncate,
} from "./format.js";

const DAY = 86_400_000;
const MAX_STACK = 4;
const BIN_PX = 10;
const FOCUSABLE_ALL_UP_TO = 80;

/** Status bands [{status, from, to, change}] in ms; the last one runs to `end`. */
export function bands(history, end) {
  return history.map((change, i) => ({
    status: change.status,
    change,
    from: dayMs(change.date),
    to: i + 1 < history.length ? dayMs(history[i + 1].date) : end,
  }));
}

/** Axis ticks for a domain [t0, t1] drawn `width` px wide: [{t, label}]. */
export function ticks(t0, t1, width) {
  const wanted = Math.max(3, Math.floor(width / 80));
  const span = t1 - t0;
  const steps = [
    ["day", 1], ["day", 2], ["day", 3], ["day", 4], ["day", 7], ["day", 14],
    ["month", 1], ["month", 2], ["month", 3], ["month", 6],
    ["year", 1], ["year", 2], ["year", 5], ["year", 10],
  ];
  const approx = { day: DAY, month: 30.44 * DAY, year: 365.25 * DAY };
  const [unit, n] = steps.find(([u, k]) => span / (approx[u] * k) <= wanted) || steps[steps.length - 1];
  const start = new Date(t0);
  const out = [];
  if (unit === "day") {
    for (let t = Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate()); t <= t1; t += n * DAY) {
      if (t >= t0) out.push({ t, label: new Date(t).toLocaleDateString("en-US", { month: "short", day: "numeric", timeZone: "UTC" }) });
    }
  } else if (unit === "month") {
    let y = start.getUTCFullYear();
    let m = Math.ceil(start.getUTCMonth() / n) * n;
    for (let t = Date.UTC(y, m, 1); t <= t1; m += n, t = Date.UTC(y, m, 1)) {
      if (t < t0) continue;
      const d = new Date(t);
      out.push({ t, label: d.getUTCMonth() === 0 || !out.length
        ? d.toLocaleDateString("en-US", { month: "short", year: "numeric", timeZone: "UTC" })
        : d.toLocaleDateString("en-US", { month: "short", timeZone: "UTC" }) });
    }
  } else {
    for (let y = Math.ceil(start.getUTCFullYear() / n) * n, t = Date.UTC(y, 0, 1); t <= t1; y += n, t = Date.UTC(y, 0, 1)) {
      if (t >= t0) out.push({ t, label: String(y) });
    }
  }
  return out;
}

function entryTip(entry, change) {
  const lines = [
    h("strong", {}, `${formatDay(entry.date)}${entry.document_number != null ? ` · Doc. ${entry.document_number}` : ""}`),
    h("div", { class: "tip-kind" }, EVENT_LABEL[entry.type] || entry.type),
    h("p", { class: "tip-text" }, truncate(entry.text || "(text not stored yet)", 320)),
  ];
  if (change) {
    lines.push(h("div", { class: "tip-line" }, h("span", { class: `swatch ${change.status}` }),
      `Status → ${STATUS_LABEL[change.status]}${change.disposition ? ` (${dispositionText(change.disposition)})` : ""}`));
  }
  return lines;
}

/**
 * Draw the timeline into `container`.
 * history: the displayed case's status_history; entries: timeline items
 * (oldest first); asOf: "YYYY-MM-DD" or null; onSelect(entry) on click/Enter.
 * Returns {dispose, select(eventId)}.
 */
export function caseTimeline(container, { history, entries, asOf, onSelect }) {
  const changes = new Map(history.map((c) => [c.event_id, c]));
  const times = [...entries.map((e) => dayMs(e.date)), ...history.map((c) => dayMs(c.date))];
  if (asOf) times.push(dayMs(asOf));
  if (!times.length) return { dispose() {}, select() {} };
  const first = Math.min(...times);
  const last = Math.max(...times);
  const cut = asOf ? dayMs(asOf) + DAY - 1 : null;
  let selected = null;
  const dots = new Map();

  const dispose = responsive(container, (width) => {
    dots.clear();
    const m = { left: 10, right: 10 };
    const bandTop = 22;
    const bandH = 30;
    const trackTop = bandTop + bandH + 16;
    const rowH = 14;
    const axisY = trackTop + MAX_STACK * rowH + 6;
    const height = axisY + 24;
    const iw = width - m.left - m.right;
    // Margins in pixels, not time: the first point clears the edge and the
    // last status band keeps room for its label, whatever the case's span.
    const [padLeft, padRight] = [14, Math.min(80, iw * 0.2)];
    const perPx = Math.max(DAY, last - first) / Math.max(1, iw - padLeft - padRight);
    const t0 = first - padLeft * perPx;
    const t1 = last + padRight * perPx;
    const x = (t) => m.left + ((t - t0) / (t1 - t0)) * iw;
    const root = s("svg", {
      viewBox: `0 0 ${width} ${height}`, width, height, class: "timeline-svg", role: "group",
      "aria-label": `Timeline: ${entries.length} docket entries from ${formatDay(entries[0]?.date)} to ${formatDay(entries[entries.length - 1]?.date)}`,
    });

    // ticks and grid
    for (const tick of ticks(t0, t1, iw)) {
      root.append(
        s("line", { class: "grid", x1: x(tick.t), x2: x(tick.t), y1: bandTop, y2: axisY }),
        s("text", { class: "tick", x: x(tick.t), y: axisY + 16, "text-anchor": "middle" }, tick.label));
    }
    root.append(s("line", { class: "axis", x1: m.left, x2: width - m.right, y1: axisY, y2: axisY }));

    // status bands
    const bandEnd = cut ?? t1;
    let lastLabelX = -Infinity;
    for (const b of bands(history, bandEnd)) {
      const bx = x(b.from);
      const bw = Math.max(2, x(b.to) - bx);
      const g = s("g", { class: `band ${b.status}` });
      g.append(s("rect", { x: bx, y: bandTop, width: bw, height: bandH, rx: 3 }));
      const label = STATUS_LABEL[b.status];
      if (bw >= label.length * 7.5 + 14) g.append(s("text", { class: "band-label", x: bx + 7, y: bandTop + bandH / 2 + 4 }, label));
      root.append(g);
      if (bx - lastLabelX > 58) {
        root.append(s("text", { class: "change-date", x: bx, y: bandTop - 7, "text-anchor": bx < 40 ? "start" : "middle" },
          formatDay(b.change.date).replace(/, \d{4}$/, "")));
        lastLabelX = bx;
      }
    }
    if (cut !== null) {
      root.append(
        s("rect", { class: "unknown", x: x(cut), y: bandTop, width: Math.max(0, x(t1) - x(cut)), height: bandH }),
        s("line", { class: "asof-line", x1: x(cut), x2: x(cut), y1: bandTop - 4, y2: axisY }),
        s("text", { class: "asof-label", x: x(cut) + 4, y: axisY - 4 }, `as of ${formatDay(asOf)}`));
    }

    // entries, binned by pixel column; status-changing entries first in their bin
    const bins = new Map();
    for (const entry of entries) {
      const key = Math.round(x(dayMs(entry.date)) / BIN_PX);
      if (!bins.has(key)) bins.set(key, []);
      bins.get(key).push(entry);
    }
    const focusAll = entries.length <= FOCUSABLE_ALL_UP_TO;
    const dotR = entries.length > 60 ? 3.5 : 4.5;
    let lastMoreX = -Infinity;
    for (const [key, list] of bins) {
      list.sort((a, b) => Number(changes.has(b.event_id)) - Number(changes.has(a.event_id)));
      list.forEach((entry, j) => {
        if (j >= MAX_STACK) return;
        const change = changes.get(entry.event_id);
        const later = cut !== null && dayMs(entry.date) > cut;
        // Plain entries sit on their pixel column so dense dockets read as neat stacks;
        // status-changing entries stay exactly on the band boundary they start.
        const cx = change ? x(dayMs(entry.date)) : key * BIN_PX;
        const cy = axisY - 10 - j * rowH;
        const overflow = j === MAX_STACK - 1 && list.length > MAX_STACK;
        if (change && !later) {
          root.append(s("line", { class: `connector ${change.status}`, x1: cx, x2: cx, y1: bandTop + bandH, y2: cy }));
        }
        const dot = s("g", {
          class: ["dot", change && !later ? `change ${change.status}` : null, later ? "later" : null, overflow ? "more" : null],
          tabindex: focusAll || change || overflow ? 0 : null,
          role: "button",
          "data-event-id": entry.event_id,
          "aria-label": `${formatDay(entry.date)}${entry.document_number != null ? `, document ${entry.document_number}` : ""}: ${truncate(entry.text || "", 120)}${change ? `. Status changed to ${change.status}` : ""}`,
        });
        dot.append(s("circle", { cx, cy, r: change ? 6.5 : dotR }));
        const labelled = overflow && cx - lastMoreX >= 22;
        if (labelled) lastMoreX = cx;
        if (labelled) dot.append(s("text", { class: "more-label", x: cx, y: cy - 8, "text-anchor": "middle" }, `+${list.length - MAX_STACK}`));
        attachTooltip(dot, () => entryTip(entry, change));
        const choose = () => { hideTooltip(); onSelect?.(entry); };
        dot.addEventListener("click", choose);
        dot.addEventListener("keydown", (ev) => {
          if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); choose(); }
        });
        dots.set(entry.event_id, dot);
        root.append(dot);
      });
    }
    if (selected) dots.get(selected)?.classList.add("selected");
    return root;
  });

  return {
    dispose,
    select(eventId) {
      for (const d of dots.values()) d.classList.remove("selected");
      selected = eventId;
      dots.get(eventId)?.classList.add("selected");
    },
  };
}
