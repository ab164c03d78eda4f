"""The processor's per-record decision, without faust: fold, skip or dead-letter."""

from __future__ import annotations

import base64

import orjson
import pytest

from schemas.codec import encode_event
from schemas.projection import CaseState
from services.core.evolve import evolve
from services.processor.step import RecordRef, handle_record
from tests.unit.core_builders import REF_ID, complaint, dismissal

REF = RecordRef("docket.events", 2, 41)


def none(_: str) -> CaseState | None:
    return None


def test_valid_event_is_folded_and_alerts_are_returned() -> None:
    state = evolve(None, complaint())
    out = handle_record(REF_ID.encode(), encode_event(dismissal()), REF, lambda _: state)
    assert out.dead_letter is None and out.state is not None and out.state.status == "closed"
    assert [a.data.to_status for a in out.alerts] == ["closed"]


def test_duplicate_is_unchanged() -> None:
    state = evolve(evolve(None, complaint()), dismissal())
    out = handle_record(REF_ID.encode(), encode_event(dismissal()), REF, lambda _: state)
    assert out.state is None and out.alerts == [] and out.dead_letter is None


@pytest.mark.parametrize(
    ("key", "value", "reason"),
    [
        (REF_ID.encode(), b"{oops", "invalid_event"),
        (REF_ID.encode(), b'{"type":"case.exploded"}', "invalid_event"),
        (None, None, "empty_value"),
        (None, b"{}", "missing_key"),
        (b"\xff\xfe", b"{}", "invalid_key"),
        (REF_ID.encode(), b"x" * 1_000_001, "oversized"),
        (REF_ID.encode(), b"\xed\xa0\x80", "invalid_event"),  # lone surrogate, invalid UTF-8
        (REF_ID.encode(), b"[" * 10_000 + b"]" * 10_000, "invalid_event"),  # deep nesting
        (b"cand:1:99-cv-00001", None, "empty_value"),
    ],
)
def test_bad_records_become_dead_letters_with_raw_bytes(
    key: bytes | None, value: bytes | None, reason: str
) -> None:
    out = handle_record(key, value, REF, none)
    assert out.dead_letter is not None, out
    assert out.dead_letter.reason == reason
    doc = orjson.loads(out.dead_letter.to_json(__import__("datetime").datetime(2025, 1, 1)))
    assert (doc["topic"], doc["partition"], doc["offset"]) == ("docket.events", 2, 41)
    if value is not None:
        assert base64.b64decode(doc["value_b64"]) == value
    assert doc["error"]


def test_key_must_match_the_events_case() -> None:
    out = handle_record(b"cand:1:99-cv-00001", encode_event(dismissal()), REF, none)
    assert out.dead_letter is not None and out.dead_letter.reason == "key_mismatch"


def test_missing_case_field_is_dead_lettered() -> None:
    doc = orjson.loads(encode_event(dismissal()))
    del doc["data"]["case"]
    out = handle_record(REF_ID.encode(), orjson.dumps(doc), REF, none)
    assert out.dead_letter is not None and "data.case" in out.dead_letter.error
