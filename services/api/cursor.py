"""Opaque page cursors: base64url of a small JSON list, tagged with what they page.

Clients must treat cursors as opaque; the tag stops a timeline cursor from
being replayed against the case list, and every decode checks the shape, so a
tampered cursor is a 422 with a reason, never a server error.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import Any, get_args

from schemas.codec import dumps, loads
from services.readmodel.store import CaseCursor
from services.readmodel.values import DeadlineCursor, MilestoneCursor, SortField, TimelineKey

_SORTS: tuple[str, ...] = get_args(SortField)
MAX_SEQ = 2**63 - 1
"""Alert ``seq`` is a SQLite INTEGER (signed 64-bit)."""


class CursorError(ValueError):
    """A cursor that this API did not issue (or issued for another listing)."""


def _encode(tag: str, payload: list[Any]) -> str:
    return base64.urlsafe_b64encode(dumps([tag, *payload])).decode().rstrip("=")


def _decode(raw: str, tag: str, size: int) -> list[Any]:
    try:
        padded = raw + "=" * (-len(raw) % 4)
        value = loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeEncodeError) as exc:
        raise CursorError("is not a cursor issued by this API") from exc
    if not isinstance(value, list) or not value or value[0] != tag:
        raise CursorError(f"is not a {tag} cursor issued by this API")
    if len(value) != size + 1:
        raise CursorError("is malformed")
    return value[1:]


def encode_case_cursor(c: CaseCursor) -> str:
    return _encode("cases", [c.sort, c.descending, c.value, c.case_id])


def decode_case_cursor(raw: str) -> CaseCursor:
    sort, descending, value, case_id = _decode(raw, "cases", 4)
    if (
        sort not in _SORTS
        or not isinstance(descending, bool)
        or not (value is None or isinstance(value, str))
        or not isinstance(case_id, str)
    ):
        raise CursorError("is malformed")
    return CaseCursor(sort=sort, descending=descending, value=value, case_id=case_id)


def encode_timeline_cursor(key: TimelineKey) -> str:
    day, unnumbered, number, sequence, entry_key = key
    return _encode("timeline", [day.isoformat(), unnumbered, number, sequence, entry_key])


def decode_timeline_cursor(raw: str) -> TimelineKey:
    day, unnumbered, number, sequence, entry_key = _decode(raw, "timeline", 5)
    try:
        date = dt.date.fromisoformat(day) if isinstance(day, str) else None
    except ValueError:
        date = None
    if (
        date is None
        or not isinstance(unnumbered, bool)
        or type(number) is not int
        or type(sequence) is not int
        or not isinstance(entry_key, str)
    ):
        raise CursorError("is malformed")
    return (date, unnumbered, number, sequence, entry_key)


def _day(value: object) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def encode_deadline_cursor(c: DeadlineCursor) -> str:
    day, time, case_id, key = c
    return _encode("deadlines", [day.isoformat(), time, case_id, key])


def decode_deadline_cursor(raw: str) -> DeadlineCursor:
    day, time, case_id, key = _decode(raw, "deadlines", 4)
    date = _day(day)
    if date is None or not all(isinstance(v, str) for v in (time, case_id, key)):
        raise CursorError("is malformed")
    return (date, time, case_id, key)


def encode_milestone_cursor(c: MilestoneCursor) -> str:
    day, undocketed, number, sequence, case_id, entry_key = c
    return _encode(
        "milestones", [day.isoformat(), undocketed, number, sequence, case_id, entry_key]
    )


def decode_milestone_cursor(raw: str) -> MilestoneCursor:
    day, undocketed, number, sequence, case_id, entry_key = _decode(raw, "milestones", 6)
    date = _day(day)
    if (
        date is None
        or not isinstance(undocketed, bool)
        or type(number) is not int
        or type(sequence) is not int
        or not isinstance(case_id, str)
        or not isinstance(entry_key, str)
    ):
        raise CursorError("is malformed")
    return (date, undocketed, number, sequence, case_id, entry_key)


def encode_alert_cursor(before_seq: int) -> str:
    return _encode("alerts", [before_seq])


def decode_alert_cursor(raw: str) -> int:
    (seq,) = _decode(raw, "alerts", 1)
    if type(seq) is not int or not 1 <= seq <= MAX_SEQ:
        raise CursorError("is malformed")
    return seq
