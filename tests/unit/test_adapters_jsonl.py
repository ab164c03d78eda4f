"""Native JSONL adapter: the single parse path plus identity checks, line by line."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from schemas.codec import encode_event
from services.ingest.adapters import jsonl
from services.ingest.records import Parsed, Rejected

DEMO = Path(__file__).resolve().parents[2] / "services" / "demo"


def _reference_lines() -> list[bytes]:
    return [ln for ln in (DEMO / "reference_case.jsonl").read_bytes().splitlines() if ln.strip()]


def test_the_reference_case_file_parses_line_by_line() -> None:
    results = list(jsonl.parse((DEMO / "reference_case.jsonl").read_bytes(), "ref.jsonl"))
    assert [r.where for r in results] == ["ref.jsonl:1", "ref.jsonl:2"]
    events = [r.event for r in results if isinstance(r, Parsed)]
    assert [e.data.entry.entry_key for e in events] == [
        "cand:5:25-cv-00709#1",
        "cand:5:25-cv-00709#12",
    ]
    assert [e.type for e in events] == ["case.filed", "case.dismissed"]


def test_blank_lines_are_skipped_and_line_numbers_stay_true() -> None:
    first, second = _reference_lines()
    data = b"\n" + first + b"\n   \n\r\n" + second + b"\n\n"
    results = list(jsonl.parse(data, "f.jsonl"))
    assert [r.where for r in results] == ["f.jsonl:2", "f.jsonl:5"]
    assert all(isinstance(r, Parsed) for r in results)


def _tamper(line: bytes, change: dict[str, object]) -> bytes:
    obj = orjson.loads(line)
    for dotted, value in change.items():
        *path, last = dotted.split(".")
        target = obj
        for p in path:
            target = target[p]
        if value is _DELETE:
            del target[last]
        else:
            target[last] = value
    return orjson.dumps(obj)


_DELETE = object()


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"type": "case.exploded"}, "Input tag 'case.exploded' found using 'type' does not match"),
        ({"subject": _DELETE}, "subject: Field required"),
        ({"data.case": _DELETE}, "data.case: Field required"),
        ({"data.entry.date_filed": "someday"}, "date_filed"),
        ({"data.entry.surprise": 1}, "Extra inputs are not permitted"),
        (
            {"subject": "cand:5:25-cv-00710"},
            "subject 'cand:5:25-cv-00710' is not the case id of data.case",
        ),
        ({"data.case.docket_number": "not a number"}, "data.case: not a docket number"),
        ({"data.entry.entry_key": "cand:5:25-cv-00709#2"}, "does not match document 1"),
        ({"data.entry.entry_key": "nysd:1:24-cv-03112#1"}, "does not match document 1"),
        ({"data.entry.text": "COMPLAINT (edited)"}, "is not derived from the entry"),
        ({"id": "ev_0000000000000000"}, "is not derived from the entry"),
    ],
)
def test_bad_lines_are_rejected_with_file_line_and_the_precise_reason(
    change: dict[str, object], reason: str
) -> None:
    good, _ = _reference_lines()
    bad = _tamper(good, change)
    results = list(jsonl.parse(good + b"\n" + bad + b"\n" + good + b"\n", "f.jsonl"))
    assert [type(r).__name__ for r in results] == ["Parsed", "Rejected", "Parsed"]
    rejected = results[1]
    assert isinstance(rejected, Rejected)
    assert rejected.where == "f.jsonl:2"
    assert reason in rejected.reason, rejected.reason
    assert rejected.raw == bad


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (b"{bad json", "Invalid JSON"),
        (b"[1, 2, 3]", "Input should be an object"),
        (b"\xff\xfe\x00", "Invalid JSON"),
        (b'{"type": "case.filed"}', "Field required"),
    ],
)
def test_lines_that_are_not_events_are_rejected(line: bytes, reason: str) -> None:
    (r,) = jsonl.parse(line, "x.jsonl")
    assert isinstance(r, Rejected)
    assert r.where == "x.jsonl:1" and reason in r.reason and r.raw == line


def test_an_unnumbered_entry_key_must_name_its_date() -> None:
    from services.ingest.common import SourceCase, SourceEntry, to_result

    r = to_result(
        SourceEntry(
            SourceCase("cand", "5:25-cv-00709"), date_filed="2025-01-22", text="Minute entry"
        ),
        source="test",
        where="t",
        raw=None,
    )
    assert isinstance(r, Parsed)
    line = encode_event(r.event)
    assert isinstance(next(jsonl.parse(line, "u.jsonl")), Parsed)
    moved = _tamper(line, {"data.entry.date_filed": "2025-01-23"})
    (bad,) = jsonl.parse(moved, "u.jsonl")
    assert isinstance(bad, Rejected) and "does not match unnumbered entry" in bad.reason
