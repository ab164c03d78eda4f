// SVG charts drawn by hand (no library: the service runs offline).
// Each chart redraws itself when its container changes width.

import { add, h, s, clear } from "./dom.js";
import { attachTooltip } from "./tooltip.js";
import { DISPOSITIONS, DISPOSITION_LABEL, courtLabel, formatCount, formatMonth } from "./format.js";

/** Redraw `draw(width)` into `container` whenever its width changes. Returns a disposer. */
export function responsive(container, draw) {
  let lastWidth = -1;
  const render = () => {
    const width = Math.floor(container.clientWidth);
    if (width <= 0 || width === lastWidth) return;
    lastWidth = width;
    clear(container, draw(width));
  };
  const observer = new ResizeObserver(render);
  observer.observe(container);
  render();
  return () => observer.disconnect();
}

/** A "nice" axis step (1, 2 or 5 times a power of ten) giving about `count` ticks up to `max`. */
export function niceStep(max, count = 4) {
  if (max <= 0) return 1;
  const raw = max / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((m) => m >= raw);
  return Math.max(1, step);
}

/** Every YYYY-MM from the first to the last month given (gaps filled with zeros). */
export function fillMonths(perMonth) {
  if (!perMonth.length) return [];
  const byMonth = new Map(perMonth.map((m) => [m.month, m]));
  const [y0, m0] = perMonth[0].month.split("-").map(Number);
  const [y1, m1] = perMonth[perMonth.length - 1].month.split("-").map(Number);
  const out = [];
  for (let y = y0, m = m0; y < y1 || (y === y1 && m <= m1); m === 12 ? ((m = 1), (y += 1)) : (m += 1)) {
    const key = `${y}-${String(m).padStart(2, "0")}`;
    const row = byMonth.get(key);
    out.push({ key, label: formatMonth(key), opened: row ? row.opened : 0, closed: row ? row.closed : 0 });
  }
  return out;
}

/** Months, or years when there are too many months to draw as bars. */
export function buckets(perMonth, maxBuckets = 36) {
  const months = fillMonths(perMonth);
  if (months.length <= maxBuckets) return { unit: "month", rows: months };
  const years = new Map();
  for (const m of months) {
    const year = m.key.slice(0, 4);
    const row = years.get(year) || { key: year, label: year, opened: 0, closed: 0 };
    row.opened += m.opened;
    row.closed += m.closed;
    years.set(year, row);
  }
  return { unit: "year", rows: [...years.values()] };
}

function dataTable(caption, head, rows) {
  return h("details", { class: "chart-data" },
    h("summary", {}, "Show data as a table"),
    h("table", { class: "data-table" },
      h("caption", { class: "visually-hidden" }, caption),
      h("thead", {}, h("tr", {}, head.map((c, i) => h("th", { scope: "col", class: i ? "num" : null }, c)))),
      h("tbody", {}, rows.map((r) => h("tr", {}, r.map((c, i) => (i ? h("td", { class: "num" }, c) : h("th", { scope: "row" }, c))))))));
}

function tip(title, lines) {
  return [h("strong", {}, title), ...lines.map(([swatch, text]) =>
    h("div", { class: "tip-line" }, h("span", { class: `swatch ${swatch}` }), text))];
}

/** Grouped bars: cases opened and closed per month (or per year). */
export function openingsClosingsChart(container, perMonth) {
  const { unit, rows } = buckets(perMonth);
  if (!rows.length) {
    container.append(h("p", { class: "empty" }, "No cases yet."));
    return () => {};
  }
  const plot = h("div", { class: "chart" });
  const legend = h("div", { class: "legend", "aria-hidden": "true" },
    h("span", {}, h("span", { class: "swatch open" }), "Opened"),
    h("span", {}, h("span", { class: "swatch closed" }), "Closed"),
    h("span", { class: "legend-note" }, unit === "year" ? "per year" : "per month"));
  container.append(legend, plot, dataTable(
    `Cases opened and closed per ${unit}`,
    [unit === "year" ? "Year" : "Month", "Opened", "Closed"],
    rows.map((r) => [r.label, formatCount(r.opened), formatCount(r.closed)]),
  ));
  const max = Math.max(1, ...rows.map((r) => Math.max(r.opened, r.closed)));
  const step = niceStep(max);
  const top = Math.ceil(max / step) * step;
  return responsive(plot, (width) => {
    const height = 220;
    const m = { left: 34, right: 6, top: 10, bottom: 26 };
    const iw = width - m.left - m.right;
    const ih = height - m.top - m.bottom;
    const band = iw / rows.length;
    const bar = Math.max(1, Math.min(18, (band - Math.min(6, band * 0.3)) / 2));
    const y = (v) => m.top + ih - (v / top) * ih;
    const root = s("svg", {
      viewBox: `0 0 ${width} ${height}`, width, height, role: "img",
      "aria-label": `Bar chart of cases opened and closed per ${unit}`,
    });
    for (let v = 0; v <= top; v += step) {
      root.append(
        s("line", { class: v ? "grid" : "axis", x1: m.left, x2: width - m.right, y1: y(v), y2: y(v) }),
        s("text", { class: "tick", x: m.left - 6, y: y(v) + 4, "text-anchor": "end" }, formatCount(v)));
    }
    const labelEvery = Math.max(1, Math.ceil(58 / band));
    rows.forEach((r, i) => {
      const x0 = m.left + i * band + (band - bar * 2) / 2;
      const g = s("g", {
        class: "bucket", tabindex: 0, role: "img",
        "aria-label": `${r.label}: ${r.opened} opened, ${r.closed} closed`,
      });
      g.append(
        s("rect", { class: "hit", x: m.left + i * band, y: m.top, width: band, height: ih }),
        s("rect", { class: "bar open", x: x0, y: y(r.opened), width: bar, height: Math.max(0, y(0) - y(r.opened)), rx: 1.5 }),
        s("rect", { class: "bar closed", x: x0 + bar, y: y(r.closed), width: bar, height: Math.max(0, y(0) - y(r.closed)), rx: 1.5 }));
      attachTooltip(g, () => tip(r.label, [["open", `${formatCount(r.opened)} opened`], ["closed", `${formatCount(r.closed)} closed`]]));
      root.append(g);
      if (i % labelEvery === 0) {
        const text = unit === "year" ? r.label : r.label.replace(/ (\d{4})$/, (_, yr) => ` ’${yr.slice(2)}`);
        root.append(s("text", { class: "tick", x: m.left + i * band + band / 2, y: height - 8, "text-anchor": "middle" }, text));
      }
    });
    return root;
  });
}

export const DISPOSITION_CLASS = Object.fromEntries(DISPOSITIONS.map((d, i) => [d, `d${i}`]));

/** Horizontal stacked bars: closed cases per court, split by disposition. */
export function dispositionsByCourtChart(container, byCourt, { maxCourts = 10 } = {}) {
  const courts = Object.entries(byCourt)
    .map(([court, counts]) => ({ court, counts, total: Object.values(counts).reduce((a, b) => a + b, 0) }))
    .filter((c) => c.total > 0)
    .sort((a, b) => b.total - a.total || a.court.localeCompare(b.court));
  if (!courts.length) {
    container.append(h("p", { class: "empty" }, "No case has been closed yet."));
    return () => {};
  }
  const shown = courts.slice(0, maxCourts);
  const present = DISPOSITIONS.filter((d) => shown.some((c) => c.counts[d]));
  const plot = h("div", { class: "chart" });
  add(container,
    h("div", { class: "legend", "aria-hidden": "true" },
      present.map((d) => h("span", {}, h("span", { class: `swatch ${DISPOSITION_CLASS[d]}` }), DISPOSITION_LABEL[d]))),
    plot,
    courts.length > shown.length ? h("p", { class: "note" }, `Showing the ${shown.length} courts with the most closed cases of ${courts.length}.`) : null,
    dataTable("Closed cases by court and disposition", ["Court", ...present.map((d) => DISPOSITION_LABEL[d]), "Total"],
      shown.map((c) => [courtLabel(c.court), ...present.map((d) => formatCount(c.counts[d] || 0)), formatCount(c.total)])));
  const max = Math.max(...shown.map((c) => c.total));
  return responsive(plot, (width) => {
    const row = 30;
    const m = { left: Math.min(120, Math.max(80, width * 0.22)), right: 34, top: 4, bottom: 4 };
    const height = m.top + m.bottom + shown.length * row;
    const iw = width - m.left - m.right;
    const root = s("svg", {
      viewBox: `0 0 ${width} ${height}`, width, height, role: "img",
      "aria-label": "Stacked bar chart of closed cases per court by disposition",
    });
    shown.forEach((c, i) => {
      const yTop = m.top + i * row + 6;
      const g = s("g", { class: "court-row", tabindex: 0, role: "img",
        "aria-label": `${courtLabel(c.court)}: ${present.filter((d) => c.counts[d]).map((d) => `${c.counts[d]} ${DISPOSITION_LABEL[d].toLowerCase()}`).join(", ")}` });
      g.append(
        s("rect", { class: "hit", x: 0, y: m.top + i * row, width, height: row }),
        s("text", { class: "row-label", x: m.left - 8, y: yTop + 13, "text-anchor": "end" }, courtLabel(c.court)));
      let x = m.left;
      for (const d of present) {
        const n = c.counts[d] || 0;
        if (!n) continue;
        const w = (n / max) * iw;
        g.append(s("rect", { class: `seg ${DISPOSITION_CLASS[d]}`, x, y: yTop, width: Math.max(1, w - 1), height: row - 12, rx: 2 }));
        x += w;
      }
      g.append(s("text", { class: "tick value", x: x + 6, y: yTop + 13 }, formatCount(c.total)));
      attachTooltip(g, () => tip(`${courtLabel(c.court)} (${c.court})`,
        present.filter((d) => c.counts[d]).map((d) => [DISPOSITION_CLASS[d], `${formatCount(c.counts[d])} ${DISPOSITION_LABEL[d].toLowerCase()}`])));
      root.append(g);
    });
    return root;
  });
}
