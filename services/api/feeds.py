"""Atom 1.0 (RFC 4287) feeds of a case's entries and of a subscription's alerts. Pure.

Values in, bytes out, written with the maintained ``feedgen`` library:

* a **case feed** lists the case's docket entries, newest first in docket
  order, each with its class, its text and the status change it caused (the
  CourtListener-style "every new entry" feed; a case's *alerts* are in the
  feed of a subscription to it, ``filters.case_ids``);
* a **subscription feed** lists the alerts the subscription matches, newest
  first.

Ids are stable, so a feed reader shows each thing once however often it
polls: an entry's id is ``urn:docketline:entry:`` + its entry key, an alert's
``urn:docketline:alert:`` + the alert's deterministic id. Every date is
deterministic too (an entry's source time or filing day; an alert's time or
its entry's date), so the same read model yields the same bytes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final
from urllib.parse import quote

from feedgen.feed import FeedGenerator  # type: ignore[import-untyped]

from schemas.alerts import Alert
from services.api.calendars import entry_stamp
from services.api.plain_text import printable
from services.readmodel.views import TimelineItem

GENERATOR: Final = "docketline"
AUTHOR: Final = {"name": "docketline"}
_SAFE: Final = ":-._~"


@dataclass(frozen=True, slots=True)
class FeedItem:
    id: str
    title: str
    updated: dt.datetime
    content: str
    link: str
    categories: tuple[str, ...] = ()
    published: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class Feed:
    id: str
    title: str
    subtitle: str
    updated: dt.datetime
    """The newest item's ``updated``, or a fixed time for an empty feed (never "now")."""
    link: str
    """Where a person reads it (``rel=alternate``)."""
    self_link: str | None
    items: tuple[FeedItem, ...]
    """In the order written (newest first)."""


def case_feed_id(case_id: str) -> str:
    return "urn:docketline:case:" + quote(case_id, safe=_SAFE)


def subscription_feed_id(subscription_id: str) -> str:
    return "urn:docketline:subscription:" + quote(subscription_id, safe=_SAFE)


def entry_id(entry_key: str) -> str:
    return "urn:docketline:entry:" + quote(entry_key, safe=_SAFE)


def alert_entry_id(alert_id: str) -> str:
    return "urn:docketline:alert:" + quote(alert_id, safe=_SAFE)


def _words(code: str | None) -> str:
    return (code or "").replace("_", " ").replace(".", " ")


def entry_item(case_id: str, case_name: str | None, item: TimelineItem, link: str) -> FeedItem:
    """One docket entry of a case's timeline as a feed item."""
    r, e = item.record, item.event
    entry = e.data.entry if e is not None else None
    cls = e.data.entry_class if e is not None else None
    what = _words(cls) or (entry.event_name if entry and entry.event_name else _words(r.type))
    number = f"[{r.document_number}] " if r.document_number is not None else ""
    title = f"{case_name or case_id}: {number}{what}"
    lines = [entry.text if entry is not None else "(the entry's text is not stored yet)"]
    if item.change is not None:
        frm = item.change.from_status or "new"
        title += f" ({frm} \u2192 {item.change.change.status})"
        lines.append(f"Status: {frm} \u2192 {item.change.change.status}.")
    lines.append(f"Filed {r.date.isoformat()}; entry {r.entry_key}.")
    return FeedItem(
        id=entry_id(r.entry_key),
        title=title,
        updated=entry_stamp(r.time, r.date),
        published=entry_stamp(None, r.date),
        content="\n".join(lines),
        link=link,
        categories=tuple(c for c in (cls, r.type) if c),
    )


def alert_title(alert: Alert) -> str:
    """What happened, in a line: ``De La Torre v. LinkedIn Corporation: open → closed (...)``."""
    d = alert.data
    name = d.case_name or d.case_id
    match alert.type:
        case "status.changed":
            what = f"{d.from_status or 'new'} \u2192 {d.to_status}"
            if d.disposition is not None:
                what += f" ({_words(d.disposition.type)}, {d.disposition.prejudice} prejudice)"
        case "disposition.changed":
            what = "disposition " + (
                f"{_words(d.disposition.type)}, {d.disposition.prejudice} prejudice"
                if d.disposition is not None
                else "cleared"
            )
        case "complaint.amended":
            what = "complaint amended"
        case "entry.filed" | "milestone.reached":
            number = f" [{d.document_number}]" if d.document_number is not None else ""
            head = "new entry" if alert.type == "entry.filed" else "milestone"
            what = f"{head}{number}: {_words(d.entry_class) or 'entry'}"
            if d.entry_outcome is not None:
                what += f" ({_words(d.entry_outcome)})"
        case _:
            what = _deadline_title(alert)
    return f"{name}: {what}"


def _deadline_title(alert: Alert) -> str:
    dl = alert.data.deadline
    verb = alert.type.removeprefix("deadline.")
    if dl is None:
        return f"deadline {verb}"
    when = dl.date.isoformat() + (f" {dl.time.strftime('%H:%M')}" if dl.time else "")
    if alert.type == "deadline.changed" and dl.previous_date is not None:
        return f"deadline moved: {dl.name} {dl.previous_date.isoformat()} \u2192 {when}"
    if alert.type == "deadline.upcoming" and dl.days_before is not None:
        return f"deadline in {dl.days_before} day(s): {dl.name} {when}"
    return f"deadline {verb}: {dl.name} {when}"


def alert_item(alert: Alert, link: str) -> FeedItem:
    """One alert as a feed item."""
    d = alert.data
    lines = [alert_title(alert)]
    if d.cause_text:
        lines.append(d.cause_text)
    lines.append(f"Entry {d.cause_entry_key}, filed {d.date.isoformat()}; alert {alert.id}.")
    return FeedItem(
        id=alert_entry_id(alert.id),
        title=alert_title(alert),
        updated=entry_stamp(alert.time, d.date),
        published=entry_stamp(None, d.date),
        content="\n".join(lines),
        link=link,
        categories=tuple(c for c in (alert.type, d.entry_class) if c),
    )


def newest(items: Iterable[FeedItem], fallback: dt.datetime) -> dt.datetime:
    """The feed's ``updated``: its newest item's, or ``fallback`` when it has none."""
    return max((i.updated for i in items), default=fallback)


def render_atom(feed: Feed) -> bytes:
    """The Atom document of ``feed`` (UTF-8, XML declaration included)."""
    fg = FeedGenerator()
    fg.id(feed.id)
    fg.title(printable(feed.title))
    fg.subtitle(printable(feed.subtitle))
    fg.author(AUTHOR)
    fg.generator(GENERATOR)
    fg.updated(feed.updated)
    fg.link(href=feed.link, rel="alternate", type="text/html")
    if feed.self_link is not None:
        fg.link(href=feed.self_link, rel="self", type="application/atom+xml")
    for item in feed.items:
        fe = fg.add_entry(order="append")
        fe.id(item.id)
        fe.title(printable(item.title))
        fe.updated(item.updated)
        if item.published is not None:
            fe.published(item.published)
        fe.content(printable(item.content), type="text")
        fe.link(href=item.link, rel="alternate", type="text/html")
        for term in item.categories:
            fe.category(term=term)
    data: bytes = fg.atom_str(pretty=True)
    return data
