"""Deadlines from docket text: dated events, and the calendar they make. Pure.

``extract(text)`` reads one entry and returns the dates it *sets* — hearings,
conferences, trials, filing deadlines — each with its date, optional time, a
``kind`` from a small vocabulary (:data:`KINDS`), a ``name`` (the words that
say what is due or held: "Case Management Statement", "Final Approval
Hearing"), an ``action`` (``set``, ``reset``, ``vacated``) and a stable
``key`` so that a later entry resetting or vacating the same thing updates
it. ``calendar(entries)`` folds the deadlines of a case's entries in docket
order into its calendar.

What it reads
-------------
* "<name> due by 4/22/2025", "answer due 5/9/2006", "Objections due by ...";
* "<name> set for 6/5/2025 10:00 AM", "scheduled for", "reset for/to",
  "continued to", "adjourned to", "rescheduled to", "set for 9:31 1/5/04"
  (time first), "Hearing scheduled 03/14/2024";
* "<name> set for 5/11/2012 is reset to 5/14/2012" and "previously set for":
  the first date is the old value, only the new one is reported (``reset``);
* "<name> set for 11/30/09 is continued." / "is VACATED" / "cancelled" /
  "will not be heard on (8/30/2019)" / "was not held": ``vacated``;
* "shall file ... by 8/22/03", "on or before", "no later than July 1, 2016",
  "extended to February 4, 2022", "Claims must be submitted by ...",
  "Discovery cut-off 10/16/2006", "Last day to amend or add parties ...";
* "will be held Thursday, October 1, 2009, at 9:00 a.m.", "will be at 1:30
  p.m. on January 6, 2015", "is set to commence ... on March 2, 2015",
  "DATE AND TIME OF CONFERENCE: February 24, 2021 at 4:00 p.m.".

Dates that only tell what happened ("held on", "served on", "Signed ... on",
"Entered:") are not deadlines: a date counts only after a phrase that sets one.

The vocabulary
--------------
``hearing`` (motion hearings, sentencing, arraignment, fairness / final
approval hearings, show cause), ``conference`` (case management, status,
scheduling, settlement, pretrial and mediation conferences, calendar / docket
calls), ``trial``, ``filing_due`` (a paper due: statement, brief, response,
answer, objection, report), ``discovery_due`` (discovery cut-off /
completion), ``claims_due`` (class settlement claims, opt-outs, exclusions),
``other`` (a dated event that is none of these, e.g. the release of a
transcript's restriction).

An entry that voids itself ("ENTERED IN ERROR", "FILED IN ERROR") sets
nothing; a date before the entry's own filing date (``filed``) is not one it
sets; a date in a clause that only reports a request ("Counsel requests that
... be adjourned to 9/15/03") is not one either.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Final, Literal

from schemas.vocabulary import DeadlineKind, DeadlineStatus

KINDS: Final[tuple[DeadlineKind, ...]] = (
    "hearing",
    "conference",
    "trial",
    "filing_due",
    "discovery_due",
    "claims_due",
    "other",
)
Action = Literal["set", "reset", "vacated"]
Status = DeadlineStatus

__all__ = [
    "KINDS",
    "CalendarItem",
    "DatedEntry",
    "Deadline",
    "calendar",
    "extract",
]


@dataclass(frozen=True, slots=True)
class Deadline:
    """One dated event an entry sets, moves or vacates."""

    date: dt.date
    kind: DeadlineKind
    action: Action
    name: str
    """The words that say what it is ("case management statement"), lower-case."""
    key: str
    """Stable identity: ``kind:name`` in canonical words, the same for a later reset or vacate."""
    time: dt.time | None = None


@dataclass(frozen=True, slots=True)
class DatedEntry:
    """What ``calendar`` needs of an entry."""

    entry_key: str
    date_filed: dt.date
    text: str


@dataclass(frozen=True, slots=True)
class CalendarItem:
    key: str
    kind: DeadlineKind
    name: str
    date: dt.date
    time: dt.time | None
    status: Status
    set_by: str
    """entry_key of the entry that first set it."""
    updated_by: str
    """entry_key of the last entry that set, reset or vacated it."""
    text: str
    """The words of the entry that last changed it."""


# --------------------------------------------------------------------------- dates and times

_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        (
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        )
    )
}
_DATE = re.compile(
    r"""(?<![\d/])(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{4}|\d{2})(?![\d/])
      | (?<![\d-])(?P<m3>\d{1,2})-(?P<d3>\d{1,2})-(?P<y3>\d{4}|\d{2})(?![\d-])
      | \b(?P<mon>january|february|march|april|may|june|july|august|september|october|november|december)
        \s+(?P<d2>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y2>\d{4})\b""",
    re.IGNORECASE | re.VERBOSE,
)
_TIME = r"(?P<h>\d{1,2})(?::(?P<mi>\d{2}))?\s*(?P<ap>[ap])\.?\s?m\.?"
_TIME_AFTER = re.compile(
    r"^\s*,?\s*(?:at\s+|@\s*|,\s*)?(?:"
    + _TIME
    + r"|(?P<h24>\d{1,2}):(?P<mi24>\d{2})(?!\s*[ap]\.?m))",
    re.IGNORECASE,
)
_TIME_BEFORE = re.compile(
    r"(?:at\s+)?(?P<h>\d{1,2}):(?P<mi>\d{2})\s*(?:(?P<ap>[ap])\.?\s?m\.?)?\s*(?:on\s+)?$",
    re.IGNORECASE,
)
_WEEKDAY = r"(?:(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday),?\s+)?"


def _date(m: re.Match[str]) -> dt.date | None:
    try:
        if m["m"]:
            year = int(m["y"])
            if year < 100:
                year += 2000 if year < 70 else 1900
            return dt.date(year, int(m["m"]), int(m["d"]))
        if m["m3"]:
            year = int(m["y3"])
            if year < 100:
                year += 2000 if year < 70 else 1900
            return dt.date(year, int(m["m3"]), int(m["d3"]))
        return dt.date(int(m["y2"]), _MONTHS[m["mon"].lower()], int(m["d2"]))
    except ValueError:
        return None


def _time(h: str | None, mi: str | None, ap: str | None) -> dt.time | None:
    if h is None:
        return None
    hour, minute = int(h), int(mi or 0)
    if ap:
        if hour == 12:
            hour = 0
        if ap.lower() == "p":
            hour += 12
    if not (0 <= hour < 24 and 0 <= minute < 60):
        return None
    return dt.time(hour, minute)


# --------------------------------------------------------------------------- the phrases that set a date

_W = r"[a-z0-9'/&.,()-]"
_GAP = r"(?:\s*\(?(?:" + _TIME + r"|\d{1,2}:\d{2})\)?\s*(?:on\s+)?)?"
"""An optional time between the phrase and the date ("set for 9:31 1/5/04")."""


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE | re.VERBOSE)


# Each trigger ends right before a date; ``what`` says the kind family, ``action`` the action.
_TRIGGERS: Final[tuple[tuple[re.Pattern[str], Literal["due", "event", "cutoff"], Action], ...]] = (
    (
        _rx(
            r"\b(?:extended|extension[^.;]{0,120}?)\s+(?:to|until|through|on\s+or\s+before)\s*"
            + _WEEKDAY
            + r"$"
        ),
        "due",
        "reset",
    ),
    (
        _rx(
            r"\b(?:re-?set|rescheduled|continued|adjourned|moved|changed)\s+(?:for|to|until|on)\s*"
            + _WEEKDAY
            + _GAP
            + r"$"
        ),
        "event",
        "reset",
    ),
    (
        _rx(r"\b(?:re-?set|resetting)\s+(?P<name2>[a-z /-]{3,40}?)\s+for\s*" + _GAP + r"$"),
        "event",
        "reset",
    ),
    (
        _rx(
            r"\b(?:set|setting)\s+(?:a\s+|the\s+)?(?P<name2>[a-z /-]{3,60}?)\s+for\s*" + _GAP + r"$"
        ),
        "event",
        "set",
    ),
    (
        _rx(
            r"\b(?:set|scheduled|calendared|noticed)(?:\s+to\s+commence[^;]{0,240}?)?\s*(?:for|on|to)?\s*"
            + _WEEKDAY
            + _GAP
            + r"$"
        ),
        "event",
        "set",
    ),
    (
        _rx(
            r"\b(?:will|to)\s+(?:be\s+held|begin|commence|be\s+(?:at|on)|take\s+place)\b[^.;]{0,60}?(?:on\s+)?"
            + _WEEKDAY
            + _GAP
            + r"$"
        ),
        "event",
        "set",
    ),
    (
        _rx(
            r"\bcontinued\s+for\s+(?:a\s+|the\s+)?(?P<name2>[a-z /-]{3,40}?)\s+on\s*"
            + _WEEKDAY
            + _GAP
            + r"$"
        ),
        "event",
        "reset",
    ),
    (
        _rx(
            r"\bsetting\b[^.;]{0,60}?\bfor\s+(?P<name2>[a-z /-]{0,30}?hearing)\s+on\s*"
            + _WEEKDAY
            + r"$"
        ),
        "event",
        "set",
    ),
    (
        _rx(r"\bnotice\s+of\s+hearing\s+for\s*$|\bset\s+for\s+hearing\s+(?:on|for)\s*$"),
        "event",
        "set",
    ),
    (
        _rx(r"\bdue\s+to\s+(?:the\s+)?(?:court\s+reporter|transcriber|clerk)[a-z /]{0,30}\s*$"),
        "due",
        "set",
    ),
    (_rx(r"\bdate\s+and\s+time\s+of\s+(?:the\s+)?conference:\s*$"), "event", "set"),
    (_rx(r"(?:trial|conference|hearing)\s*-\s*$"), "event", "set"),
    (_rx(r"\bthere\s+shall\s+be\b[^.;]{0,10}$|^\s*on\s+$"), "event", "set"),
    (
        _rx(r"\b(?:return|appear|report)\b[^.;]{0,60}?\bat\s+" + _TIME + r"\s+on\s+$"),
        "event",
        "set",
    ),
    (_rx(r"\bdeadline\s+of\s+$"), "due", "set"),
    (_rx(r"\bcall\s+chambers\s+at\s+" + _TIME + r"\s+on\s+$"), "event", "set"),
    (
        _rx(
            r"\bdue(?:,\s+but\s+not\s+filed,)?\s*(?:date)?\s*(?:by|on\s+or\s+before|on|no\s+later\s+than|before)?\s*:?\s*"
            + _WEEKDAY
            + r"$"
        ),
        "due",
        "set",
    ),
    (_rx(r"\bdue\s+date\s+of\s+[^.;:]{1,80}:\s*$"), "due", "set"),
    (_rx(r"\b(?:be|are|is)\s+(?:filed|submitted|served)\s+on\s*" + _WEEKDAY + r"$"), "due", "set"),
    (
        _rx(
            r"\b(?:shall|must|may|should|are\s+to|is\s+to|to\s+be)\b(?:[^.;]|(?<=\b[a-z])\.){0,160}?\b(?:by|on\s+or\s+before|no\s+later\s+than|before)\s*:?\s*"
            + _WEEKDAY
            + r"$"
        ),
        "due",
        "set",
    ),
    (
        _rx(
            r"(?:^|[.;:]\s*|\bthat\s+)(?:no\s+later\s+than|on\s+or\s+before|by)\s+"
            + _WEEKDAY
            + r"$"
        ),
        "due",
        "set",
    ),
    (
        _rx(
            r"\b(?:briefs?|responses?|replies|reply|oppositions?|statements?|reports?|letters?|motions?|answers?|objections?)\b[^.;]{0,80}\b(?:no\s+later\s+than|on\s+or\s+before)\s*"
            + _WEEKDAY
            + r"$"
        ),
        "due",
        "set",
    ),
    (_rx(r"\b(?:cut-?off(?:\s+date)?|last\s+day\s+to\s+[a-z ]{3,40}?)\s*:?\s*$"), "cutoff", "set"),
)
_OLD_VALUE_AFTER = _rx(
    r"""^[^.;]{0,60}?\b(?:is|are|be|been|was|hereby|,)?\s*(?:hereby\s+)?
        (?:re-?set|rescheduled|continued|adjourned|moved|changed)\s+(?:to|for|until)\b"""
)
_VACATED_AFTER = _rx(
    r"""^(?:[^.;]|[ap]\.m\.|\b[a-z]\.)*?
        (?:\b(?:is|are|has\s+been|have\s+been|be|been|was|hereby)\s+(?:hereby\s+)?
             (?:vacated|cancel+ed|terminated|stricken|off\s+calendar|continued\s+to\s+be\s+reset|
                continued(?!\s+(?:to|until|for)\b))
         |\bwas\s+not\s+held\b|\bwill\s+not\s+be\s+held\b)"""
)
_OWN_ERROR = _rx(r"^[\s*]*(?:entered|filed|docketed)\s+in\s+error|^[\s*]*filing\s+error")
_ANOTHER_ENTRY = _rx(r"(?:\bre:?;?\s+|^\s*)\d+\s+(?:order|motion)\b")
_REQUEST_ONLY = _rx(r"\brequests?\s+that\b|\brequesting\s+that\b")
_TRANSCRIPT_RELEASE = _rx(r"\brelease\s+of\s+transcript\s+restriction\b")
_VACATED_BEFORE = _rx(r"\bwill\s+not\s+be\s+heard\s+on\s*\(?\s*$")
_ON_THE_BRIEFS = _rx(r"^[^.;]{0,30}\bwill\s+be\s+on\s+the\s+briefs\b")
_PREVIOUSLY = _rx(r"\bpreviously\s+(?:set|scheduled|noticed)\s+(?:for\s+)?" + _WEEKDAY + r"$")
_RESET_HEAD = _rx(
    r"^(?:[^.;]{0,60}\b)?(?:(?<!set/)reset|resetting|continued|continu(?:e|ing)\s+(?:the\s+)?trial|rescheduled|notice\s+of\s+change\s+of\s+hearing|amended\s+notice)"
)
_EXTENSION = _rx(r"\bextension\b|\bextend(?:ed|ing)?\b")

# What the date is for: the kind from the name's words.
_CONFERENCE = _rx(
    r"\bconf(?:erence)?\b|\bpretrial\b(?=\s+set\b)|\bpretrial$|\bmeeting\b|\bdocket\s+call\b|\bcalendar\s+call\b|\bmediation\b(?!\s+status)|\bcall\s+chambers\b|\bmeet\s+and\s+confer\b"
)
_HEARING = _rx(
    r"""\bhearing\b|\bheard\b|\bsentenc|\barraignment\b|\bappearance\b|\bplea\b|\breturn\s+date\b|\bmotion\s+(?:set|setting|day)\b|
        ^motions?$|\bexamination\b|\bargument\b|\bmotion\b(?=[^.;]{0,20}$)"""
)
_TRIAL = _rx(r"\btrial\b(?!\s+setting)|\bjury\s+selection\b")
_DISCOVERY = _rx(r"\bdiscovery\b")
_CLAIMS = _rx(
    r"""\bclaims?\s+(?:forms?|must|deadline|shall\s+be\s+submitted)|\bclaims?$|\bproofs?\s+(?:of\s+)?claim|
        \bopt[- ]?outs?\b|\bexclusions?\b|\brequests?\s+for\s+exclusion"""
)

_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "of",
        "for",
        "to",
        "on",
        "in",
        "by",
        "as",
        "re",
        "is",
        "are",
        "be",
        "set",
        "reset",
        "due",
        "further",
        "initial",
        "telephonic",
        "telephone",
        "zoom",
        "video",
        "in-person",
        "final",
        "amended",
        "new",
        "next",
        "second",
        "first",
        "plaintiff",
        "plaintiffs",
        "defendant",
        "defendants",
        "party",
        "parties",
        "counsel",
        "court",
        "judge",
        "magistrate",
        "shall",
        "must",
        "may",
        "will",
        "with",
        "this",
        "that",
        "its",
        "his",
        "her",
        "their",
        "hereby",
        "previously",
        "also",
        "now",
        "been",
        "has",
        "have",
        "was",
        "were",
    ]
)
_NAME_WORDS = re.compile(r"[a-z][a-z'-]+")


def _clause_start(text: str, end: int) -> int:
    """Where the clause holding position ``end`` starts (after ". ", "; ", "(" or a list number)."""
    window_start = max(0, end - 300)
    best = window_start
    for m in re.finditer(
        r"(?<!\b[a-z])(?<!\bno)(?<!\bvs)(?<!\bv)(?<!\bu\.s)(?<![ap]\.m)(?<![ap]m)[.;]\s+|\d\)\s*|\s-\s(?=[A-Z])",
        text[window_start:end],
        re.IGNORECASE,
    ):
        best = window_start + m.end()
    return best


def _name(before: str) -> str:
    words = [w for w in _NAME_WORDS.findall(before.lower()) if w not in _STOP]
    return " ".join(words[-5:])


_PAPER = _rx(
    r"\b(?:deadline|ddl|designation|brief|statement|report|response|reply|list|record|filing|submission)s?\b"
)


def _kind(name: str, family: str) -> DeadlineKind:
    if family == "event" and not (
        _CONFERENCE.search(name) or _HEARING.search(name) or _TRIAL.search(name)
    ):
        family = "due" if _PAPER.search(name) else family
    if family in ("due", "cutoff"):
        if (
            _DISCOVERY.search(name)
            and family == "cutoff"
            or re.search(r"\bdiscovery\s+(?:cut|complet|deadline|close)", name)
        ):
            return "discovery_due"
        if _CLAIMS.search(name):
            return "claims_due"
        return "filing_due"
    if _CONFERENCE.search(name):
        return "conference"
    if _HEARING.search(name):
        return "hearing"
    if _TRIAL.search(name):
        return "trial"
    if _CLAIMS.search(name):
        return "claims_due"
    return "hearing"


def _key(kind: DeadlineKind, name: str) -> str:
    words = [w for w in name.split() if w not in _STOP and not w.isdigit()]
    return f"{kind}:{' '.join(words[-3:])}"


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


_NAME_FROM_TRIGGER = re.compile(
    r"(?:\b(?:is|are|be|was|has\s+been|hereby|previously|,))*\s*"
    r"(?:set|scheduled|calendared|noticed|re-?set|rescheduled|continued|adjourned|moved|changed|due|will|shall|must|may|"
    r"extended|extension|resetting|cut-?off|last\s+day|date\s+and\s+time|there\s+shall)\b",
    re.IGNORECASE,
)


def extract(text: str, filed: dt.date | None = None) -> tuple[Deadline, ...]:
    """The dates ``text`` sets, moves or vacates, in the order they appear. Never raises.

    ``filed`` (the entry's filing date) drops dates before it: an entry does
    not set a date in its past.
    """
    t = _norm(text)
    low = t.lower()
    if _OWN_ERROR.search(low):
        return ()
    head_resets = bool(_RESET_HEAD.search(low[:80]))
    found: list[Deadline] = []
    seen: set[tuple[dt.date, str, str]] = set()
    previous_end = 0
    moved_name = ""
    for m in _DATE.finditer(t):
        date = _date(m)
        start = max(_clause_start(t, m.start()), previous_end)
        previous_end = m.end()
        if date is None:
            continue
        before = low[start : m.start()]
        after = low[m.end() : m.end() + 160]
        time = _time_near(low, m)
        trigger = next(((p, fam, act) for p, fam, act in _TRIGGERS if p.search(before)), None)
        vacated = bool(_VACATED_BEFORE.search(before)) or (
            trigger is not None and bool(_VACATED_AFTER.search(after))
        )
        if _OLD_VALUE_AFTER.search(after) or (not vacated and _PREVIOUSLY.search(before)):
            moved_name = _name(_before_trigger(before))
            continue  # the old value of a date being moved ("vacated and rescheduled to"): the new one follows
        if trigger is None and not vacated:
            continue
        if _ANOTHER_ENTRY.search(before):
            continue  # a date that describes another docket entry ("re 49 Order on Motion ..., scheduled for")
        family = trigger[1] if trigger else "event"
        if family == "event" and not vacated and filed is not None and date < filed:
            continue  # an entry does not schedule its past (a paper may be filed after it was due)
        if not vacated and (_ON_THE_BRIEFS.search(after) or _REQUEST_ONLY.search(before)):
            continue
        action: Action = "vacated" if vacated else (trigger[2] if trigger else "set")
        cut = trigger[0].search(before) if trigger else _VACATED_BEFORE.search(before)
        name_part = before[: cut.start()] if cut else before
        named = _NAME_FROM_TRIGGER.search(name_part)
        if named is not None and named.start() > 0:
            name_part = name_part[: named.start()]
        if cut is not None and "name2" in cut.re.groupindex and cut["name2"]:
            name_part = cut["name2"]
        if family == "cutoff" and cut is not None:
            name_part = before[max(0, cut.start() - 40) : cut.end()]
        name = _name(name_part) or moved_name or _name(before)
        moved_name = ""
        kind = (
            "other"
            if _TRANSCRIPT_RELEASE.search(before)
            else _kind(f"{name} {cut.group(0) if cut else ''}", family)
        )
        if action == "set" and (
            (head_resets and family == "event")
            or (family == "due" and _EXTENSION.search(low[: m.start()]))
        ):
            action = "reset"
        ident = (date, kind, action)
        if ident in seen:
            continue
        seen.add(ident)
        found.append(Deadline(date, kind, action, name, _key(kind, name), time))
    return tuple(found)


def _before_trigger(before: str) -> str:
    """The words of a clause before its first date-setting phrase (the thing being set)."""
    named = _NAME_FROM_TRIGGER.search(before)
    return before[: named.start()] if named is not None and named.start() > 0 else before


def _time_near(low: str, m: re.Match[str]) -> dt.time | None:
    after = _TIME_AFTER.match(low[m.end() : m.end() + 30])
    if after is not None:
        if after["h"]:
            return _time(after["h"], after["mi"], after["ap"])
        return _time(after["h24"], after["mi24"], None)
    before = _TIME_BEFORE.search(low[max(0, m.start() - 30) : m.start()])
    if before is not None:
        return _time(before["h"], before["mi"], before["ap"])
    return None


# --------------------------------------------------------------------------- the calendar


def calendar(entries: Iterable[DatedEntry]) -> tuple[CalendarItem, ...]:
    """Fold entries (in docket order) into the case's calendar, oldest date first.

    A ``set`` adds a pending item (for a key already listed, it moves that
    item: "Status Hearing set for 5/18/2015" after the one of 5/4/2015); a
    ``reset`` moves the pending item with the same key — or, failing that, the
    only pending item of the same kind whose name shares a word with it —
    and adds one when none matches; a ``vacated`` marks the matching item
    vacated (the same key, else the same kind on the same date) and lists it
    as vacated when nothing matched. Items are never dropped: a vacated one
    stays listed with its status.
    """
    items: dict[str, CalendarItem] = {}
    for e in entries:
        for d in extract(e.text):
            target = _match(items, d)
            if d.action == "vacated":
                if target is not None:
                    items[target] = replace(
                        items[target], status="vacated", updated_by=e.entry_key, text=_norm(e.text)
                    )
                else:
                    key = _fresh(items, d.key)
                    items[key] = _item(d, key, e, "vacated")
                continue
            if target is not None and (d.action == "reset" or target == d.key):
                items[target] = replace(
                    items[target],
                    date=d.date,
                    time=d.time,
                    status="pending",
                    updated_by=e.entry_key,
                    text=_norm(e.text),
                )
            else:
                items[d.key] = _item(d, d.key, e, "pending")
    return tuple(sorted(items.values(), key=lambda i: (i.date, i.time or dt.time(0), i.key)))


def _item(d: Deadline, key: str, e: DatedEntry, status: Status) -> CalendarItem:
    return CalendarItem(
        key, d.kind, d.name, d.date, d.time, status, e.entry_key, e.entry_key, _norm(e.text)
    )


def _fresh(items: dict[str, CalendarItem], key: str) -> str:
    n = 2
    while f"{key}#{n}" in items:
        n += 1
    return f"{key}#{n}" if key in items else key


def _match(items: dict[str, CalendarItem], d: Deadline) -> str | None:
    if d.key in items and (d.action != "vacated" or items[d.key].status == "pending"):
        return d.key
    same_kind = [k for k, i in items.items() if i.kind == d.kind and i.status == "pending"]
    if d.action == "vacated":
        on_date = [k for k in same_kind if items[k].date == d.date]
        return on_date[-1] if on_date else None
    if d.action == "reset":
        words = set(d.name.split()) - _STOP
        sharing = [k for k in same_kind if words & set(items[k].name.split())]
        if len(sharing) == 1:
            return sharing[0]
        if not words and len(same_kind) == 1:
            return same_kind[0]
    return None
