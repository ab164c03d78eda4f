"""Native docketline events, one JSON object per line (the JSON Schema in ``schemas/``).

Each line goes through the single parse path, :func:`schemas.codec.decode_event`,
and then through identity checks the schema alone cannot express: the
``subject`` must be the case id of ``data.case``, the entry key must belong to
that case (and to its document number when it has one), and the event id must
be the one :func:`services.core.ids.event_id` derives from the entry. A file
written by hand or by another tool with inconsistent ids would otherwise split
one entry into two, or merge two cases.
"""

from __future__ import annotations

from collections.abc import Iterator

from schemas.codec import CodecError, decode_event
from schemas.events import DocketEvent
from services.core.docket_numbers import DocketNumberError, make_case_id
from services.core.ids import event_id
from services.ingest.records import Parsed, ParseResult, Rejected

FORMAT = "jsonl"


def parse(data: bytes, name: str) -> Iterator[ParseResult]:
    """Every non-blank line is one event; ``where`` is ``name:line``."""
    for lineno, line in enumerate(data.split(b"\n"), start=1):
        if not line.strip():
            continue
        where = f"{name}:{lineno}"
        try:
            event = decode_event(line)
        except CodecError as exc:
            yield Rejected(where, exc.reason, line)
            continue
        problem = identity_problem(event)
        if problem:
            yield Rejected(where, problem, line)
        else:
            yield Parsed(event, where)


def identity_problem(event: DocketEvent) -> str | None:
    """Why the event's ids do not fit its content, or ``None`` when they do."""
    case = event.data.case
    entry = event.data.entry
    try:
        case_id = make_case_id(case.court_id, case.docket_number)
    except DocketNumberError as exc:
        return f"data.case: {exc}"
    if event.subject != case_id:
        return (
            f"subject {event.subject!r} is not the case id of data.case "
            f"({case.court_id!r}, {case.docket_number!r}) = {case_id!r}"
        )
    key = entry.entry_key
    if entry.document_number is not None:
        base = f"{case_id}#{entry.document_number}"
        if key != base and not (key.startswith(base + ".") and key[len(base) + 1 :].isdigit()):
            return (
                f"entry_key {key!r} does not match document {entry.document_number} of {case_id!r}"
            )
    elif not key.startswith(f"{case_id}@{entry.date_filed.isoformat()}/"):
        return f"entry_key {key!r} does not match unnumbered entry of {case_id!r} on {entry.date_filed}"
    expected = event_id(key, entry.text, entry.event_name)
    if event.id != expected:
        return f"id {event.id!r} is not derived from the entry (expected {expected!r})"
    return None
