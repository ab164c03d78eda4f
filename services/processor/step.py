"""One record in, decisions out — the processor's logic without the framework.

``handle_record`` decodes a raw Kafka record, applies it to the case's state
with the pure core and says what to write: the new state (or nothing when the
event adds nothing), the alerts, or a dead-letter record. It never raises for
bad input: every failure becomes a ``DeadLetter`` carrying the raw bytes.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from schemas.alerts import Alert
from schemas.codec import CodecError, decode_event, dumps
from schemas.events import DocketEvent
from schemas.projection import CaseState
from services.core.detect import detect
from services.core.docket_numbers import DocketNumberError, make_case_id
from services.core.evolve import evolve

MAX_RECORD_BYTES = 1_000_000


@dataclass(frozen=True, slots=True)
class RecordRef:
    topic: str
    partition: int
    offset: int


@dataclass(frozen=True, slots=True)
class DeadLetter:
    reason: str
    error: str
    ref: RecordRef
    key: bytes | None
    value: bytes | None

    def to_json(self, now: dt.datetime) -> bytes:
        """The record written to ``docket.events.dlq`` (raw bytes kept, base64)."""
        doc: dict[str, Any] = {
            "reason": self.reason,
            "error": self.error,
            "topic": self.ref.topic,
            "partition": self.ref.partition,
            "offset": self.ref.offset,
            "key_b64": None if self.key is None else base64.b64encode(self.key).decode(),
            "value_b64": None if self.value is None else base64.b64encode(self.value).decode(),
            "dead_lettered_at": now.isoformat(),
        }
        return dumps(doc)


@dataclass(frozen=True, slots=True)
class Outcome:
    case_id: str | None = None
    state: CaseState | None = None
    """The new state, or None when nothing changed (duplicate or lower-ranked version)."""
    alerts: list[Alert] = field(default_factory=list)
    dead_letter: DeadLetter | None = None


class RecordRejected(ValueError):
    """A record that is not a valid docket event for its key."""

    def __init__(self, reason: str, error: str) -> None:
        super().__init__(f"{reason}: {error}")
        self.reason = reason
        self.error = error


def decode_record(
    key: bytes | None, value: bytes | None, case_id_of: Callable[[str, str], str] = make_case_id
) -> DocketEvent:
    """The validity rules of the events topic: a valid event keyed by its own case_id.

    Shared by the processor, the rebuild and the consistency checker, so all agree
    on what the log contains. ``case_id_of`` is :func:`make_case_id` or a memo of it
    (the rebuild's, which sees each case's court and number ~24 times).
    """
    if value is None:
        raise RecordRejected("empty_value", "record has no value (tombstone on the events topic)")
    if len(value) > MAX_RECORD_BYTES:
        raise RecordRejected("oversized", f"record is {len(value)} bytes, limit {MAX_RECORD_BYTES}")
    if key is None:
        raise RecordRejected("missing_key", "record has no key; events must be keyed by case_id")
    try:
        case_id = key.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RecordRejected("invalid_key", f"key is not UTF-8: {exc}") from exc
    try:
        event = decode_event(value)
    except CodecError as exc:
        raise RecordRejected("invalid_event", exc.reason) from exc
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise RecordRejected("invalid_event", f"{type(exc).__name__}: {exc}") from exc
    try:
        expected = case_id_of(event.data.case.court_id, event.data.case.docket_number)
    except DocketNumberError as exc:
        raise RecordRejected("invalid_case", str(exc)) from exc
    if event.subject != expected or case_id != expected:
        raise RecordRejected(
            "key_mismatch",
            f"key {case_id!r}, subject {event.subject!r} and case {expected!r} must be the same case_id",
        )
    return event


def handle_record(
    key: bytes | None,
    value: bytes | None,
    ref: RecordRef,
    load_state: Callable[[str], CaseState | None],
) -> Outcome:
    """Decode, validate and fold one record.

    ``load_state(case_id)`` returns the current state (or None) and raises
    ``CodecError`` when the stored bytes no longer decode.
    """

    try:
        event = decode_record(key, value)
    except RecordRejected as exc:
        return Outcome(dead_letter=DeadLetter(exc.reason, exc.error, ref, key, value))
    case_id = event.subject
    try:
        current = load_state(case_id)
    except CodecError as exc:  # a state we wrote ourselves no longer decodes: keep the event
        return Outcome(
            dead_letter=DeadLetter(
                "state_unreadable",
                f"stored state for {case_id} does not decode: {exc.reason}",
                ref,
                key,
                value,
            )
        )
    new = evolve(current, event)
    if new is current:
        return Outcome(case_id=case_id)
    return Outcome(case_id=case_id, state=new, alerts=detect(current, new, event))
