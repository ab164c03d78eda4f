// The read API, as the dashboard uses it. Every request goes through getJSON
// so errors read the same everywhere (FastAPI's {"detail": ...}).

const TOKEN_KEY = "docketline.read-token";

export class ApiError extends Error {
  constructor(status, message, url) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.url = url;
  }
}

/** The bearer token the user gave (only needed when the API requires one to read). */
export function readToken() {
  try { return sessionStorage.getItem(TOKEN_KEY) || null; } catch { return null; }
}

export function setReadToken(token) {
  try {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch { /* storage disabled: the token lasts until reload */ }
}

/** Query string from an object; arrays repeat the key, empty values are left out. */
export function query(params) {
  const qs = new URLSearchParams();
  for (const [key, value] of Object.entries(params || {})) {
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) {
      if (v === undefined || v === null || v === "") continue;
      qs.append(key, String(v));
    }
  }
  const text = qs.toString();
  return text ? `?${text}` : "";
}

function detailText(body) {
  const detail = body && body.detail;
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) {
    return detail
      .map((d) => {
        const where = Array.isArray(d.loc) ? d.loc.filter((p) => p !== "query" && p !== "path").join(".") : "";
        return where ? `${where}: ${d.msg}` : d.msg;
      })
      .join("; ");
  }
  return null;
}

export async function getJSON(path, params, { signal } = {}) {
  const url = `${path}${query(params)}`;
  const headers = { Accept: "application/json" };
  const token = readToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(url, { headers, signal });
  } catch (err) {
    if (err.name === "AbortError") throw err;
    throw new ApiError(0, "The service cannot be reached. Is it running?", url);
  }
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try {
      const text = detailText(await response.json());
      if (text) message = text;
    } catch { /* not JSON: keep the status line */ }
    if (response.status === 401) document.dispatchEvent(new CustomEvent("docketline:unauthorized"));
    throw new ApiError(response.status, message, url);
  }
  return response.json();
}

export const api = {
  cases: (params, opts) => getJSON("/api/cases", params, opts),
  case: (caseId, asOf, opts) =>
    getJSON(`/api/cases/${encodeURIComponent(caseId)}`, asOf ? { as_of: asOf } : {}, opts),
  timeline: (caseId, params, opts) =>
    getJSON(`/api/cases/${encodeURIComponent(caseId)}/timeline`, params, opts),
  deadlines: (caseId, opts) => getJSON(`/api/cases/${encodeURIComponent(caseId)}/deadlines`, {}, opts),
  upcoming: (params, opts) => getJSON("/api/deadlines", params, opts),
  milestones: (params, opts) => getJSON("/api/milestones", params, opts),
  stats: (opts) => getJSON("/api/stats", {}, opts),
  alerts: (params, opts) => getJSON("/api/alerts", params, opts),
  health: (opts) => getJSON("/healthz", {}, opts),
};

/** Every page of a cursor-paginated listing, up to maxPages (a safety bound). */
export async function allPages(fetchPage, { maxPages = 50 } = {}) {
  const items = [];
  let cursor = null;
  for (let page = 0; page < maxPages; page += 1) {
    const body = await fetchPage(cursor);
    items.push(...body.items);
    cursor = body.next_cursor;
    if (!cursor) return { items, complete: true, total: body.total };
  }
  return { items, complete: false };
}
