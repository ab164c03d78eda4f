"""What the worker writes to docket.events.dlq is the published DeadLetterRecord model."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from pydantic import ValidationError

from schemas.deadletter import DeadLetterRecord
from services.processor.step import DeadLetter, RecordRef


def test_a_dead_letter_record_is_the_contract_model_and_keeps_the_bytes() -> None:
    raw = b"\xff not json"
    dl = DeadLetter("invalid_event", "not JSON", RecordRef("docket.events", 2, 41), b"k", raw)
    record = DeadLetterRecord.model_validate_json(
        dl.to_json(dt.datetime(2026, 1, 2, tzinfo=dt.UTC))
    )
    assert (record.reason, record.topic, record.partition, record.offset) == (
        "invalid_event",
        "docket.events",
        2,
        41,
    )
    assert record.value_b64 is not None and base64.b64decode(record.value_b64) == raw


def test_a_tombstone_without_a_key_is_a_valid_dead_letter() -> None:
    dl = DeadLetter("empty_value", "tombstone", RecordRef("docket.events", 0, 0), None, None)
    record = DeadLetterRecord.model_validate_json(dl.to_json(dt.datetime.now(dt.UTC)))
    assert record.key_b64 is None and record.value_b64 is None


def test_a_record_with_an_unknown_field_is_refused() -> None:
    dl = DeadLetter("x", "y", RecordRef("docket.events", 0, 0), None, None)
    doc = dl.to_json(dt.datetime.now(dt.UTC)).replace(b'"reason"', b'"extra":1,"reason"', 1)
    with pytest.raises(ValidationError):
        DeadLetterRecord.model_validate_json(doc)
