"""CourtListener / juriscraper docket JSON: a case header plus ``docket_entries``.

The shape is juriscraper's ``DocketReport`` output (``court_id``,
``docket_number``, ``case_name``, ``date_filed``, ``nature_of_suit``, ``cause``,
``jurisdiction``, ``parties[]``, ``docket_entries[{date_filed, date_entered,
document_number, description, pacer_doc_id, pacer_seq_no}]``). A file may also
hold a JSON list of such dockets (juriscraper's RSS output is one). CourtListener
spellings are accepted as aliases: ``court`` for ``court_id``, ``entry_number``
for ``document_number``.

Docket JSON has no publication time, so events carry ``time=None``. Entries
are the clerk's full text (``text_is_stub=False``) unless only a short
description is present.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from pathlib import PurePath
from typing import Any

import orjson

from services.core.docket_numbers import DocketNumberError, normalise_court_id
from services.ingest.common import (
    FieldError,
    SourceCase,
    SourceEntry,
    clean,
    parse_int,
    to_result,
)
from services.ingest.courts import local_date
from services.ingest.records import ParseResult, Rejected

FORMAT = "courtlistener"
_HEADER_KEYS = ("court_id", "court", "docket_number", "docket_entries")


def parse(data: bytes, name: str) -> Iterator[ParseResult]:
    """One event per docket entry; ``where`` is ``name#entry-N`` (1-based, in file order)."""
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        yield Rejected(name, f"invalid JSON: {exc}", data)
        return
    if isinstance(doc, list):
        if not doc:
            yield Rejected(name, "empty JSON list: no dockets", data)
        for i, item in enumerate(doc, start=1):
            yield from _docket(item, f"{name}[{i}]", _raw(item, data))
    else:
        yield from _docket(doc, name, data)


def _docket(doc: Any, where: str, raw: bytes) -> Iterator[ParseResult]:
    if not isinstance(doc, Mapping):
        yield Rejected(where, f"docket JSON must be an object, got {type(doc).__name__}", raw)
        return
    if not doc:
        yield Rejected(
            where, "empty docket object ({}): no court_id, docket_number or docket_entries", raw
        )
        return
    if not any(k in doc for k in _HEADER_KEYS):
        yield Rejected(where, "not a docket: none of court_id, docket_number, docket_entries", raw)
        return
    entries = doc.get("docket_entries")
    if entries is None or entries == []:
        yield Rejected(where, "docket has no docket_entries: nothing to publish", raw)
        return
    if not isinstance(entries, list):
        yield Rejected(where, f"docket_entries must be a list, got {type(entries).__name__}", raw)
        return
    case = SourceCase(
        court_id=_str(doc.get("court_id") or doc.get("court")),
        docket_number=_str(doc.get("docket_number")),
        case_name=_str(doc.get("case_name")),
        nature_of_suit=_str(doc.get("nature_of_suit")),
        cause=_str(doc.get("cause")),
        jurisdiction=_str(doc.get("jurisdiction") or doc.get("jurisdiction_type")),
        date_filed=_str(doc.get("date_filed")),
        parties=_party_names(doc.get("parties")),
    )
    ref = PurePath(where.split("[")[0]).name
    seen_numbers: dict[int, int] = {}
    for i, e in enumerate(entries, start=1):
        entry_where = f"{where}#entry-{i}"
        entry_raw = _raw(e, raw)
        if not isinstance(e, Mapping):
            yield Rejected(
                entry_where, f"docket entry must be an object, got {type(e).__name__}", entry_raw
            )
            continue
        description = clean(e.get("description"))
        short = clean(e.get("short_description"))
        number = e.get("document_number", e.get("entry_number"))
        if number is not None and str(number) == str(e.get("pacer_doc_id")):
            # juriscraper's appellate output repeats the PACER doc id as the
            # document number; appellate entries have no docket document number.
            number = None
        part = _repeat(number, seen_numbers)
        yield to_result(
            SourceEntry(
                case=case,
                date_filed=_entry_date(e.get("date_filed"), case.court_id),
                date_entered=_str(e.get("date_entered")),
                text=description or short or "",
                event_name=short,
                text_is_stub=description is None and short is not None,
                document_number=number if isinstance(number, int) else _str(number),
                pacer_doc_id=_str(e.get("pacer_doc_id")),
                pacer_seq_no=_str(e.get("pacer_seq_no")),
                part=part,
                source_ref=f"{ref}#entry-{i}",
            ),
            source=FORMAT,
            where=entry_where,
            raw=entry_raw,
        )


def _raw(value: Any, whole: bytes) -> bytes:
    """The JSON of one docket or entry, for its rejected record.

    orjson reads arrays nested 1,024 deep but writes only 255: a value too deep
    to write back keeps the bytes of what holds it, so nothing rejected is lost.
    """
    try:
        return orjson.dumps(value)
    except orjson.JSONEncodeError:
        return whole


def _repeat(number: Any, seen: dict[int, int]) -> int | None:
    """``None`` for a document number's first entry, 2, 3, ... for later entries reusing it.

    Real dockets reuse a number for distinct entries (a sealed copy, a
    re-filed plea agreement); each keeps its own identity, and the first one
    keeps the key an RSS item or NEF for that document number shares.
    """
    try:
        n = parse_int(number if isinstance(number, int) else _str(number), "document number")
    except FieldError:
        return None
    if n is None:
        return None
    seen[n] = seen.get(n, 0) + 1
    return seen[n] if seen[n] > 1 else None


def _entry_date(value: Any, court_id: str | None) -> str | dt.date | None:
    """A date as given, or the court-local date of a timestamp (juriscraper's RSS output)."""
    text = _str(value)
    if text and "T" in text and court_id:
        try:
            when = dt.datetime.fromisoformat(text)
            court = normalise_court_id(court_id)
        except (ValueError, DocketNumberError):
            return text
        if when.tzinfo is not None:
            return local_date(when, court)
    return text


def _str(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    return str(value)


def _party_names(parties: Any) -> tuple[str, ...]:
    if not isinstance(parties, list):
        return ()
    names = []
    for p in parties:
        name = (
            clean(p.get("name"))
            if isinstance(p, Mapping)
            else clean(p)
            if isinstance(p, str)
            else None
        )
        if name:
            names.append(name)
    return tuple(names)
