// Words and colours of the domain, in one place (DESIGN.md "Domain vocabulary").

export const STATUSES = ["open", "stayed", "closed"];

export const STATUS_LABEL = { open: "Open", stayed: "Stayed", closed: "Closed" };

export const DISPOSITIONS = [
  "voluntary_dismissal", "stipulated_dismissal", "dismissed", "settled",
  "judgment", "transferred", "remanded", "other",
];

export const DISPOSITION_LABEL = {
  voluntary_dismissal: "Voluntary dismissal",
  stipulated_dismissal: "Stipulated dismissal",
  dismissed: "Dismissed by the court",
  settled: "Settled",
  judgment: "Judgment",
  transferred: "Transferred",
  remanded: "Remanded",
  other: "Other",
};

export const EVENT_LABEL = {
  "case.filed": "Opened",
  "case.dismissed": "Dismissal",
  "case.settled": "Settlement",
  "judgment.entered": "Judgment",
  "case.transferred": "Transfer",
  "case.remanded": "Remand",
  "case.stayed": "Stay",
  "stay.lifted": "Stay lifted",
  "case.reopened": "Reopened",
  "case.closed": "Closed",
  "complaint.amended": "Amended complaint",
  "entry.stricken": "Stricken",
  "docket.entry": "Entry",
};

// Bluebook-style court abbreviations, derived from PACER court ids
// (state code + district letter + d/b): cand -> N.D. Cal., nysd -> S.D.N.Y.
const STATE = {
  al: "Ala.", ak: "Alaska", az: "Ariz.", ar: "Ark.", ca: "Cal.", co: "Colo.", ct: "Conn.",
  de: "Del.", dc: "D.C.", fl: "Fla.", ga: "Ga.", hi: "Haw.", id: "Idaho", il: "Ill.",
  in: "Ind.", ia: "Iowa", ks: "Kan.", ky: "Ky.", la: "La.", me: "Me.", md: "Md.",
  ma: "Mass.", mi: "Mich.", mn: "Minn.", ms: "Miss.", mo: "Mo.", mt: "Mont.", ne: "Neb.",
  nv: "Nev.", nh: "N.H.", nj: "N.J.", nm: "N.M.", ny: "N.Y.", nc: "N.C.", nd: "N.D.",
  oh: "Ohio", ok: "Okla.", or: "Or.", pa: "Pa.", ri: "R.I.", sc: "S.C.", sd: "S.D.",
  tn: "Tenn.", tx: "Tex.", ut: "Utah", vt: "Vt.", va: "Va.", wa: "Wash.", wv: "W. Va.",
  wi: "Wis.", wy: "Wyo.", pr: "P.R.", gu: "Guam", vi: "V.I.",
};
const DISTRICT = { n: "N.D.", s: "S.D.", e: "E.D.", w: "W.D.", c: "C.D.", m: "M.D." };
const SPECIAL = { cadc: "D.C. Cir.", cafc: "Fed. Cir.", jpml: "J.P.M.L.", uscfc: "Fed. Cl.", cit: "Ct. Int'l Trade" };

export function courtLabel(courtId) {
  if (!courtId) return "";
  const id = courtId.toLowerCase();
  if (SPECIAL[id]) return SPECIAL[id];
  const circuit = /^ca(\d{1,2})$/.exec(id);
  if (circuit) {
    const n = Number(circuit[1]);
    const suffix = n === 1 ? "st" : n === 2 ? "nd" : n === 3 ? "rd" : "th";
    return `${n}${suffix} Cir.`;
  }
  const m = /^([a-z]{2})([nsewcm])?([db])$/.exec(id);
  if (!m || !STATE[m[1]]) return courtId.toUpperCase();
  const state = STATE[m[1]];
  const district = m[2] ? DISTRICT[m[2]] : "D.";
  // "S.D.N.Y." but "N.D. Cal.": no space before an all-initials state.
  const joined = /^([A-Z]\.)+$/.test(state) ? `${district}${state}` : `${district} ${state}`;
  return m[3] === "b" ? `Bankr. ${joined}` : joined;
}

export function prejudiceLabel(prejudice) {
  if (prejudice === "with") return "with prejudice";
  if (prejudice === "without") return "without prejudice";
  return null;
}

/** "Voluntary dismissal, without prejudice" (prejudice only when the text said so). */
export function dispositionText(d) {
  if (!d) return "";
  const parts = [DISPOSITION_LABEL[d.type] || d.type];
  const p = prejudiceLabel(d.prejudice);
  if (p) parts.push(p);
  if (d.detail) parts.push(d.detail);
  return parts.join(", ");
}

// Dates -------------------------------------------------------------------
// Docket dates are calendar days (YYYY-MM-DD); they are handled as UTC
// midnights so no time zone can move them to the day before.

export function dayMs(iso) {
  const [y, m, d] = iso.split("-").map(Number);
  return Date.UTC(y, m - 1, d);
}

export function isoDay(ms) {
  return new Date(ms).toISOString().slice(0, 10);
}

const DAY_FMT = new Intl.DateTimeFormat("en-US", { year: "numeric", month: "short", day: "numeric", timeZone: "UTC" });
const MONTH_FMT = new Intl.DateTimeFormat("en-US", { year: "numeric", month: "short", timeZone: "UTC" });
const TIME_FMT = new Intl.DateTimeFormat("en-US", { month: "short", day: "numeric", hour: "numeric", minute: "2-digit" });

export function formatDay(iso) {
  return iso ? DAY_FMT.format(new Date(dayMs(iso))) : "—";
}

export function formatMonth(yyyyMm) {
  return MONTH_FMT.format(new Date(dayMs(`${yyyyMm}-01`)));
}

export function formatInstant(iso) {
  return iso ? TIME_FMT.format(new Date(iso)) : "";
}

export function formatCount(n) {
  return new Intl.NumberFormat("en-US").format(n);
}

export function plural(n, one, many = `${one}s`) {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

export function truncate(text, max) {
  if (!text || text.length <= max) return text || "";
  return `${text.slice(0, max - 1).trimEnd()}…`;
}

// Entry classes (docs/entry-classes.md), outcomes of orders, deadline kinds ----

export const ENTRY_CLASS_LABEL = {
  complaint: "Complaint",
  amended_complaint: "Amended complaint",
  answer: "Answer",
  summons: "Summons / service",
  appearance: "Appearance",
  motion_to_dismiss: "Motion to dismiss",
  order_on_motion_to_dismiss: "Order on motion to dismiss",
  motion_for_summary_judgment: "Summary-judgment motion",
  order_on_summary_judgment: "Order on summary judgment",
  motion_for_class_certification: "Class-certification motion",
  order_on_class_certification: "Order on class certification",
  motion: "Motion",
  brief: "Brief",
  order: "Order",
  scheduling_order: "Scheduling order",
  date_set: "Date set",
  hearing_held: "Hearing held",
  settlement_notice: "Notice of settlement",
  preliminary_approval: "Preliminary approval",
  fairness_hearing_set: "Fairness hearing set",
  final_approval: "Final approval",
  stay: "Stay",
  stay_lifted: "Stay lifted",
  transfer: "Transfer",
  remand: "Remand",
  dismissal: "Dismissal",
  judgment: "Judgment",
  notice_of_appeal: "Notice of appeal",
  mandate: "Mandate",
  reopening: "Reopening",
  termination: "Termination",
  stricken: "Stricken",
  other: "Other",
};

export const OUTCOME_LABEL = {
  granted: "Granted",
  denied: "Denied",
  granted_in_part: "Granted in part",
  moot: "Moot",
  unknown: null,
};

export const DEADLINE_KIND_LABEL = {
  hearing: "Hearing",
  conference: "Conference",
  trial: "Trial",
  filing_due: "Filing due",
  discovery_due: "Discovery due",
  claims_due: "Claims due",
  other: "Date",
};

export function classLabel(entryClass) {
  return entryClass ? ENTRY_CLASS_LABEL[entryClass] || entryClass : "Unclassified";
}

/** Today as the user's calendar day (YYYY-MM-DD, local time): what "upcoming" is measured from. */
export function todayIso(now = new Date()) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/** "10:00:00" -> "10:00 AM" (a docket's wall-clock time, no time zone). */
export function formatTime(hms) {
  if (!hms) return "";
  const [h, m] = hms.split(":").map(Number);
  return `${h % 12 || 12}:${String(m).padStart(2, "0")} ${h < 12 ? "AM" : "PM"}`;
}

/** Whole days from `today` to `iso` (both YYYY-MM-DD). */
export function daysFrom(today, iso) {
  return Math.round((dayMs(iso) - dayMs(today)) / 86_400_000);
}

/** "Today", "Tomorrow", "In 5 days", "Yesterday", "3 days ago". */
export function relativeDay(today, iso) {
  const n = daysFrom(today, iso);
  if (n === 0) return "Today";
  if (n === 1) return "Tomorrow";
  if (n === -1) return "Yesterday";
  return n > 0 ? `In ${formatCount(n)} days` : `${formatCount(-n)} days ago`;
}

/** A case's deadlines, upcoming first (soonest first), then the past ones (latest first). */
export function upcomingFirst(items, today) {
  const key = (d) => `${d.date}T${d.time || ""}`;
  const coming = items.filter((d) => d.date >= today).sort((a, b) => key(a).localeCompare(key(b)));
  const past = items.filter((d) => d.date < today).sort((a, b) => key(b).localeCompare(key(a)));
  return [...coming, ...past];
}
