"""PACER court RSS feeds (RSS 2.0 as CM/ECF publishes it), parsed with feedparser.

An item is one docket entry of one case:

* ``title`` = ``<docket number> <case name>`` (``5:25-cv-00709-EJD De La Torre v. LinkedIn Corporation``),
* ``description`` = ``[<event name>] (<a href="...doc1/...&de_seq_num=N">doc no</a>)``,
  bankruptcy feeds prefix ``Type: bk Office: 1 Chapter: 11``; appellate feeds
  link a document without a number (``>Document</a>``),
* ``pubDate`` = when the entry was made. The filing date is that instant's
  calendar date *at the court* (see :mod:`services.ingest.courts`).

The court id is the CM/ECF host of the feed (``ecf.cand.uscourts.gov`` ->
``cand``), falling back to the item's link, then to the ``court`` the caller
configured for the feed (``docketline watch rss --feed cand=URL``).

RSS carries only the event name, so every entry is a stub (``text_is_stub``):
the NEF e-mail or the docket text of the same document, which share its entry
key, replace it later.

Several events of one docket entry: CM/ECF reports an entry that carries two
events either as one item ``[A AND B]`` or as two items for the same document.
Both become one event per distinct event name. The first (housekeeping names
starting with ``~`` sort last) keeps the entry's own key, so the NEF or docket
text of that document refines it; each further event gets ``part`` 2, 3, ...
and so its own entry key (it is a different fact, e.g. "Order Dismissing Case"
next to "~Util - Terminate Civil Case"). An item that repeats an event name of
its entry yields that same event again (same id), which the publisher counts
as a duplicate: every item is accounted for.

An item with neither document nor sequence number is identified by its event
name and its instant: two ``[Order]`` items of one case on one day are two
orders, the same item repeated at the same instant is one.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import feedparser  # type: ignore[import-untyped]

from services.ingest.common import (
    FieldError,
    SourceCase,
    SourceEntry,
    case_id_of,
    clean,
    court_from_url,
    document_link,
    to_result,
)
from services.ingest.courts import local_date
from services.ingest.records import ParseResult, Rejected

FORMAT = "pacer-rss"

_ANCHOR = re.compile(
    r"""<a\b[^>]*?href\s*=\s*["']?([^"'\s>]+)[^>]*>(.*?)</a\s*>""", re.IGNORECASE | re.DOTALL
)
_TAGS = re.compile(r"<[^>]+>")
_SHOW_CASE_DOC = re.compile(r"show_case_doc\?(\d+),")
_DOC_NO = re.compile(r"^\s*(\d{1,7})\s*$")
_AND = " AND "


@dataclass(slots=True)
class _Item:
    """One feed item, read but not yet grouped."""

    index: int
    where: str
    raw: bytes
    court: str
    docket_number: str
    case_id: str
    case_name: str | None
    names: list[str]
    document_number: int | None
    pacer_doc_id: str | None
    pacer_seq_no: int | None
    published: dt.datetime
    ref: str | None


@dataclass(slots=True)
class _Group:
    """Items that report the same docket entry."""

    items: list[_Item] = field(default_factory=list)


def parse(data: bytes, name: str, *, court: str | None = None) -> Iterator[ParseResult]:
    """One event per (docket entry, event name); ``where`` is ``name#item-N`` (1-based).

    ``court``: the court of a feed whose own links are not on a CM/ECF host.
    """
    try:
        feed = feedparser.parse(data)
    except (ValueError, OverflowError) as exc:
        # feedparser 6.0.14 (feedparser-sgmllib 2.1) raises instead of flagging ``bozo`` on a
        # character reference beyond Unicode ("&#1114112;", "&#99999999999;"): found by the
        # fuzz harness on a fresh install
        yield Rejected(name, f"not a parsable RSS feed: {type(exc).__name__}: {exc}", data)
        return
    if feed.bozo and not feed.entries:
        reason = getattr(feed, "bozo_exception", None) or "no <rss> channel"
        yield Rejected(name, f"not a parsable RSS feed: {reason}", data)
        return
    if not feed.entries and not str(feed.get("version", "")).startswith("rss"):
        yield Rejected(name, "not an RSS feed: no <rss> channel with items", data)
        return
    feed_court = court_from_url(feed.feed.get("link"))
    groups: dict[object, _Group] = {}
    rejected: list[tuple[int, ParseResult]] = []
    for index, entry in enumerate(feed.entries, start=1):
        item = _read_item(entry, index, name, feed_court, court)
        if isinstance(item, Rejected):
            rejected.append((index, item))
            continue
        key: object
        if item.document_number is not None:
            key = (item.case_id, "doc", item.document_number)
        elif item.pacer_seq_no is not None:
            key = (item.case_id, "seq", item.pacer_seq_no)
        else:
            key = ("item", index)
        groups.setdefault(key, _Group()).items.append(item)
    events = [(item.index, r) for g in groups.values() for item, r in _events(g)]
    # in feed order, whatever the grouping did
    for _, result in sorted(rejected + events, key=lambda pair: pair[0]):
        yield result


def _read_item(
    entry: Any, index: int, name: str, feed_court: str | None, default_court: str | None
) -> _Item | Rejected:
    where = f"{name}#item-{index}"
    title = clean(html.unescape(entry.get("title") or "")) or ""  # some courts double-escape "&"
    summary = entry.get("summary") or entry.get("description") or ""
    raw = _raw_item(entry)
    court = (
        feed_court
        or court_from_url(entry.get("link"))
        or court_from_url(entry.get("id"))
        or default_court
    )
    if not court:
        return Rejected(
            where, "court unknown: feed link is not a CM/ECF host (ecf.<court>.uscourts.gov)", raw
        )
    number, _, case_name = title.partition(" ")
    try:
        court, number, case_id = case_id_of(court, number)
    except FieldError as exc:
        return Rejected(where, f"title {title!r}: {exc}", raw)
    event_text = _bracketed(summary)
    if event_text is None:
        return Rejected(
            where, f"description has no [event name]: {clean(_TAGS.sub(' ', summary))!r}", raw
        )
    names = [n for n in (clean(p) for p in html.unescape(event_text).split(_AND)) if n]
    if not names:
        return Rejected(where, "description has an empty [event name]", raw)
    try:
        published = _published(entry)
    except FieldError as exc:
        return Rejected(where, f"{exc}: no filing date", raw)
    if published is None:
        return Rejected(
            where, f"no usable pubDate ({entry.get('published')!r}): no filing date", raw
        )
    doc_no, doc_id, seq = _document(summary)
    return _Item(
        index=index,
        where=where,
        raw=raw,
        court=court,
        docket_number=number,
        case_id=case_id,
        case_name=clean(case_name),
        names=names,
        document_number=doc_no,
        pacer_doc_id=doc_id,
        pacer_seq_no=seq,
        published=published,
        ref=clean(entry.get("id")) or clean(entry.get("link")),
    )


def _events(group: _Group) -> Iterator[tuple[_Item, ParseResult]]:
    """Every (item, event name) of one docket entry; a repeated name repeats its event (same id)."""
    named = [(n, item) for item in group.items for n in item.names]
    # Housekeeping events ("~Util - Terminate Civil Case") go after the real
    # ones, so the real event keeps the entry's own key (which NEF and docket
    # text of the same document share).
    distinct = sorted(
        dict.fromkeys(n.casefold() for n, _ in named), key=lambda n: n.startswith("~")
    )
    position = {n: i for i, n in enumerate(distinct, start=1)}
    for event_name, item in named:
        unnumbered = item.document_number is None and item.pacer_seq_no is None
        p = position[event_name.casefold()]
        yield (
            item,
            to_result(
                SourceEntry(
                    case=SourceCase(
                        court_id=item.court,
                        docket_number=item.docket_number,
                        case_name=item.case_name,
                    ),
                    date_filed=local_date(item.published, item.court),
                    date_entered=local_date(item.published, item.court),
                    text=event_name,
                    event_name=event_name,
                    text_is_stub=True,
                    document_number=item.document_number,
                    pacer_doc_id=item.pacer_doc_id,
                    pacer_seq_no=item.pacer_seq_no,
                    part=None if p == 1 else p,
                    # An unnumbered item is only its event name: two "[Order]" items
                    # of one case on one day are two orders unless made at the same
                    # instant (then the feed repeated itself).
                    identity_text=f"{event_name} @{item.published.astimezone(dt.UTC).isoformat()}"
                    if unnumbered
                    else None,
                    source_ref=item.ref,
                ),
                source=FORMAT,
                where=item.where,
                raw=item.raw,
                time=item.published,
            ),
        )


def _bracketed(summary: str) -> str | None:
    """Text of the first top-level ``[...]`` (event names may contain brackets)."""
    start = summary.find("[")
    if start < 0:
        return None
    depth = 0
    for i in range(start, len(summary)):
        if summary[i] == "[":
            depth += 1
        elif summary[i] == "]":
            depth -= 1
            if depth == 0:
                return summary[start + 1 : i]
    return None


def _document(summary: str) -> tuple[int | None, str | None, int | None]:
    """(document number, PACER doc id, PACER sequence number) from the description's link."""
    m = _ANCHOR.search(summary)
    if not m:
        return None, None, None
    href = html.unescape(m[1])
    label = html.unescape(_TAGS.sub("", m[2]))
    number_m = _DOC_NO.match(label)
    doc_id, seq = document_link(href)
    number = int(number_m[1]) if number_m else None
    if number is None and (sc := _SHOW_CASE_DOC.search(href)):
        number = int(sc[1])
    return number, doc_id, seq


def _published(entry: Any) -> dt.datetime | None:
    """The item's pubDate as an aware datetime, keeping the feed's own offset.

    ``None`` when there is none or it is not a date; :class:`FieldError` when
    it is a date no reader can hold (year 99999999999, or ``31 Dec 9999
    23:59:59 -1200``, which is past year 9999 in UTC): :mod:`email.utils` and
    :mod:`datetime` raise OverflowError for those.
    """
    text = entry.get("published")
    when: dt.datetime | None = None
    try:
        if text:
            try:
                when = email.utils.parsedate_to_datetime(text)
            except (TypeError, ValueError):
                when = None
            if when is not None and when.tzinfo is None:
                when = when.replace(tzinfo=dt.UTC)
        if when is None and (parsed := entry.get("published_parsed")):
            # feedparser normalises to UTC
            year, month, day, hour, minute, second = parsed[:6]
            when = dt.datetime(year, month, day, hour, minute, second, tzinfo=dt.UTC)
        if when is not None:
            when.astimezone(dt.UTC)  # every reader converts: it must exist in UTC
    except OverflowError as exc:
        raise FieldError(f"pubDate {text!r}: out of range") from exc
    except ValueError as exc:
        raise FieldError(f"pubDate {text!r}: impossible date ({exc})") from exc
    return when


def _raw_item(entry: Any) -> bytes:
    """The item as feedparser read it, for the rejected-records report."""
    values = {
        "title": entry.get("title"),
        "link": entry.get("link"),
        "description": entry.get("summary"),
        "guid": entry.get("id"),
        "pubDate": entry.get("published"),
    }
    parts = [f"<{k}>{html.escape(v or '')}</{k}>" for k, v in values.items()]
    return ("<item>" + "".join(parts) + "</item>").encode("utf-8")
