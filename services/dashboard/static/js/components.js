// Small pieces shared by the views.

import { h } from "./dom.js";
import { STATUS_LABEL, courtLabel, dispositionText } from "./format.js";

export function statusPill(status, { large = false } = {}) {
  return h("span", { class: ["status-pill", status, large ? "large" : null] },
    h("span", { class: "dot", "aria-hidden": "true" }), STATUS_LABEL[status] || status);
}

export function transition(from, to) {
  return h("span", { class: "transition" },
    from ? statusPill(from) : h("span", { class: "status-pill none" }, "New"),
    h("span", { class: "arrow", "aria-label": "to" }, "→"),
    statusPill(to));
}

export function caseHref(caseId, params = {}) {
  const qs = new URLSearchParams(Object.entries(params).filter(([, v]) => v)).toString();
  // Case ids keep their colons readable in the address bar (cand:5:25-cv-00709).
  return `#/case/${encodeURIComponent(caseId).replace(/%3A/gi, ":")}${qs ? `?${qs}` : ""}`;
}

export function courtTag(courtId) {
  return h("abbr", { class: "court", title: courtId }, courtLabel(courtId));
}

export function dispositionLine(d) {
  return d ? h("span", { class: "disposition" }, dispositionText(d)) : null;
}

export function errorBox(err, retry) {
  return h("div", { class: "error-box", role: "alert" },
    h("strong", {}, err.status === 404 ? "Not found" : "Something went wrong"),
    h("p", {}, err.message),
    retry ? h("button", { type: "button", class: "btn", onclick: retry }, "Try again") : null);
}

export function loading(label = "Loading…") {
  return h("div", { class: "loading", role: "status" }, h("span", { class: "spinner", "aria-hidden": "true" }), label);
}

export function card(title, body, { id, actions, cls } = {}) {
  const headingId = id ? `${id}-title` : undefined;
  return h("section", { class: ["card", cls], id, "aria-labelledby": headingId },
    h("header", { class: "card-head" }, h("h2", { id: headingId }, title), actions || null),
    body);
}
