"""iCalendar (RFC 5545) of case calendars: plain values in, bytes out. Pure.

A case's calendar is :func:`services.core.deadlines.calendar` of its entries
(``GET /api/cases/{id}/deadlines``); this module writes it as a ``VCALENDAR``
with the maintained ``icalendar`` library, one ``VEVENT`` per calendar item,
for the calendar apps people already use (they poll the URL; see docs/feeds.md).

What makes an update *replace* an event in a calendar app:

* **UID** is a digest of (case id, item key) and nothing else. The key is the
  deadline's identity in the fold (``kind:name``), which a later entry that
  resets or vacates it keeps, so the moved or vacated deadline has the UID of
  the one it changes.
* **SEQUENCE** is how many entries, in docket order, lie after the entry that
  set the item up to and including the one that last changed it (0 for an
  item only its first entry touched). A later entry that moves or vacates the
  item makes it grow; nothing makes it shrink (entries are never removed from
  a timeline; a back-filled one between the two only raises it).
* **DTSTAMP** and **LAST-MODIFIED** are the time of the entry that last changed
  the item (its source time, else its filing day at 00:00 UTC): the same body
  for the same timeline, so an ETag over the bytes is stable between polls.
* A vacated deadline stays listed with ``STATUS:CANCELLED`` (apps strike or
  hide it) rather than disappearing, which some apps would never notice.

Times: the docket states the court's local time and the projection keeps no
time zone, so a timed item is written as a floating local time (RFC 5545
§3.3.5 form 1: shown at that wall-clock time in the viewer's zone); an item
without a time is an all-day event (``DTSTART;VALUE=DATE`` and ``DTEND`` the
next day).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

import icalendar

from schemas.vocabulary import DeadlineKind
from services.api.plain_text import printable
from services.core.deadlines import CalendarItem

PRODID: Final = "-//docketline//case calendars 1.0//EN"
REFRESH: Final = dt.timedelta(hours=1)
"""What the calendar asks apps to poll at (RFC 7986 REFRESH-INTERVAL, X-PUBLISHED-TTL)."""

KIND_LABELS: Final[dict[DeadlineKind, str]] = {
    "hearing": "hearing",
    "conference": "conference",
    "trial": "trial",
    "filing_due": "due",
    "discovery_due": "discovery due",
    "claims_due": "claims due",
    "other": "date",
}


@dataclass(frozen=True, slots=True)
class StampedEntry:
    """What the rendering needs of a timeline entry: its key and when it was published."""

    entry_key: str
    stamp: dt.datetime


@dataclass(frozen=True, slots=True)
class CalendarEvent:
    """A calendar item with what the ``VEVENT`` needs besides it."""

    item: CalendarItem
    sequence: int
    stamp: dt.datetime


@dataclass(frozen=True, slots=True)
class CaseCalendar:
    """One case's events and where a person reads the case."""

    case_id: str
    case_name: str | None
    link: str
    events: tuple[CalendarEvent, ...]


def entry_stamp(time: dt.datetime | None, date_filed: dt.date) -> dt.datetime:
    """When an entry was published: its source time (UTC), else its filing day at 00:00 UTC."""
    if time is not None:
        return (time if time.tzinfo else time.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)
    return dt.datetime(date_filed.year, date_filed.month, date_filed.day, tzinfo=dt.UTC)


EPOCH: Final = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def calendar_events(
    items: Iterable[CalendarItem], timeline: Sequence[StampedEntry]
) -> tuple[CalendarEvent, ...]:
    """Each item with its SEQUENCE and stamp, from its entries' places on ``timeline``
    (the case's entries in docket order; see the module doc)."""
    place = {e.entry_key: i for i, e in enumerate(timeline)}
    stamps = {e.entry_key: e.stamp for e in timeline}
    out = []
    for item in items:
        first, last = place.get(item.set_by), place.get(item.updated_by)
        sequence = last - first if first is not None and last is not None and last > first else 0
        out.append(CalendarEvent(item, sequence, stamps.get(item.updated_by, EPOCH)))
    return tuple(out)


def event_uid(case_id: str, key: str) -> str:
    """The UID of a case's calendar item: stable for as long as the item's key is."""
    digest = hashlib.sha256(f"{case_id}\x00{key}".encode()).hexdigest()[:32]
    return f"{digest}@docketline"


def summary(case_name: str | None, case_id: str, item: CalendarItem) -> str:
    """``De La Torre v. LinkedIn Corporation: Case management statement due``.

    What is due or held is said with the words of the item's key (its canonical last
    words, "case management statement") when they are two or more, else its name."""
    canonical = item.key.partition(":")[2].partition("#")[0].strip()
    what = (canonical if len(canonical.split()) >= 2 else item.name.strip()) or item.kind.replace(
        "_", " "
    )
    label = KIND_LABELS[item.kind]
    title = what[:1].upper() + what[1:]
    if label.split()[-1] not in what.split():
        title = f"{title} {label}"
    prefix = "VACATED: " if item.status == "vacated" else ""
    return printable(f"{prefix}{case_name or case_id}: {title}")


def description(case: CaseCalendar, item: CalendarItem) -> str:
    lines = [
        item.text,
        "",
        f"Case: {case.case_name or case.case_id} ({case.case_id})",
        f"Set by entry {item.set_by}"
        + ("" if item.updated_by == item.set_by else f", last changed by entry {item.updated_by}"),
    ]
    if item.status == "vacated":
        lines.append("Status: vacated by the docket.")
    if item.time is not None:
        lines.append("Time as the docket states it (the court's local time).")
    lines.append(case.link)
    return printable("\n".join(lines))


def _event(case: CaseCalendar, ev: CalendarEvent) -> icalendar.Event:
    item = ev.item
    out = icalendar.Event()
    out.add("uid", event_uid(case.case_id, item.key))
    out.add("dtstamp", ev.stamp)
    out.add("last-modified", ev.stamp)
    if item.time is None:
        out.add("dtstart", item.date)
        out.add("dtend", item.date + dt.timedelta(days=1))
    else:
        out.add("dtstart", dt.datetime.combine(item.date, item.time))  # floating: no tzinfo
    out.add("sequence", ev.sequence)
    out.add("summary", summary(case.case_name, case.case_id, item))
    out.add("description", description(case, item))
    out.add("status", "CANCELLED" if item.status == "vacated" else "CONFIRMED")
    out.add("transp", "TRANSPARENT")
    out.add("categories", [item.kind])
    out.add("url", case.link)
    return out


def render_calendar(name: str, about: str, cases: Iterable[CaseCalendar]) -> bytes:
    """The ``VCALENDAR`` of ``cases`` (events in the order given), named ``name``."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    name, about = printable(name), printable(about)
    cal.add("name", name)
    cal.add("x-wr-calname", icalendar.vText(name))
    cal.add("description", about)
    cal.add("x-wr-caldesc", icalendar.vText(about))
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", icalendar.vDuration(REFRESH))
    for case in cases:
        for ev in case.events:
            cal.add_component(_event(case, ev))
    data: bytes = cal.to_ical()
    return data


def last_modified(cases: Iterable[CaseCalendar]) -> dt.datetime | None:
    """The latest stamp of any event (None for an empty calendar)."""
    return max((ev.stamp for c in cases for ev in c.events), default=None)
