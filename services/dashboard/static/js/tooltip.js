// One floating tooltip shared by every chart. It follows the pointer, or sits
// next to the focused element for keyboard users, and never leaves the viewport.

import { h, clear } from "./dom.js";

let tip = null;

function element() {
  if (!tip) {
    tip = h("div", { class: "tooltip", role: "tooltip", id: "chart-tooltip", hidden: true });
    document.body.append(tip);
  }
  return tip;
}

/** Show `content` (a Node or an array of Nodes) near (x, y) in viewport pixels. */
export function showTooltip(content, x, y) {
  const el = element();
  clear(el, content);
  el.hidden = false;
  const pad = 12;
  const { width, height } = el.getBoundingClientRect();
  let left = x + pad;
  let top = y + pad;
  if (left + width > window.innerWidth - 8) left = Math.max(8, x - width - pad);
  if (top + height > window.innerHeight - 8) top = Math.max(8, y - height - pad);
  el.style.left = `${left + window.scrollX}px`;
  el.style.top = `${top + window.scrollY}px`;
}

export function hideTooltip() {
  if (tip) tip.hidden = true;
}

/**
 * Wire hover and focus on `target` to show `content()` in the tooltip.
 * Pointer position is used on hover; the element's box on keyboard focus.
 */
export function attachTooltip(target, content) {
  target.addEventListener("pointermove", (ev) => showTooltip(content(), ev.clientX, ev.clientY));
  target.addEventListener("pointerleave", hideTooltip);
  target.addEventListener("focus", () => {
    const r = target.getBoundingClientRect();
    showTooltip(content(), r.left + r.width / 2, r.bottom);
  });
  target.addEventListener("blur", hideTooltip);
}

document.addEventListener("keydown", (ev) => { if (ev.key === "Escape") hideTooltip(); });
