"""The contract bounds its numbers, and ingest refuses a number past them with a reason.

Issue 12, defect 1: ``de_seq_num=99999999999999999999`` in an NEF link, or a
CourtListener ``entry_number`` of 2**63, was published, folded, and then
wedged the SQLite read model (``OverflowError``). Numbers are now bounded in
the schema (document numbers by ``MAX_DOCUMENT_NUMBER``, sequences by
``MAX_SEQUENCE``: exact in JSON readers that use doubles and within SQLite's
signed 64 bits), and the shared ingest step names the field that is out of range.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest

from schemas.codec import CodecError, decode_event, decode_memory, decode_snapshot, encode_event
from schemas.events import MAX_DOCUMENT_NUMBER, MAX_SEQUENCE
from services.ingest.adapters import courtlistener, nef
from services.ingest.common import SourceCase
from services.ingest.courtlistener_webhook import parse_body, to_record
from services.ingest.records import Parsed, Rejected
from tests.courtlistener_util import REF_DOCKET, dismissal_entry, webhook_bytes

DEMO = Path(__file__).resolve().parents[2] / "services" / "demo"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "events"
SQLITE_MAX = 2**63 - 1


def test_the_bounds_fit_sqlite_and_exact_json_numbers() -> None:
    assert 100_000 < MAX_DOCUMENT_NUMBER <= MAX_SEQUENCE <= 2**53 - 1 < SQLITE_MAX


def _event_doc() -> dict[str, Any]:
    raw = (FIXTURES / "v1" / "reference_dismissal_nef.json").read_bytes()
    doc: dict[str, Any] = orjson.loads(encode_event(decode_event(raw)))
    return doc


def _with_entry(**fields: Any) -> bytes:
    doc = _event_doc()
    doc["data"]["entry"].update(fields)
    return json.dumps(doc).encode()  # orjson refuses integers past 64 bits


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("document_number", 99999999999999999999),
        ("document_number", 2**63),
        ("document_number", MAX_DOCUMENT_NUMBER + 1),
        ("sequence", 2**63),
        ("sequence", MAX_SEQUENCE + 1),
        ("sequence", -1),
        ("pacer_seq_no", 99999999999999999999),
        ("pacer_seq_no", -1),
    ],
)
def test_an_event_with_a_number_out_of_range_does_not_decode(field: str, value: int) -> None:
    with pytest.raises(CodecError, match=field):
        decode_event(_with_entry(**{field: value}))


def test_numbers_at_the_bounds_decode() -> None:
    event = decode_event(
        _with_entry(
            document_number=MAX_DOCUMENT_NUMBER, sequence=MAX_SEQUENCE, pacer_seq_no=MAX_SEQUENCE
        )
    )
    assert event.data.entry.document_number == MAX_DOCUMENT_NUMBER
    assert event.data.entry.sequence == MAX_SEQUENCE


def test_a_stricken_target_out_of_range_does_not_decode() -> None:
    doc = _event_doc()
    doc["type"] = "entry.stricken"
    data = doc["data"]
    for k in (
        "dismissal",
        "prejudice",
        "scope",
        "reason",
        "reopen_within_days",
        "closes_after_settlement",
    ):
        data.pop(k, None)
    data["target_document_numbers"] = [3]
    assert decode_event(json.dumps(doc)).type == "entry.stricken"
    data["target_document_numbers"] = [2**64]
    with pytest.raises(CodecError, match="target_document_numbers"):
        decode_event(json.dumps(doc))


def test_a_state_with_an_entry_number_out_of_range_does_not_decode() -> None:
    state = {
        "case_id": "cand:5:25-cv-00709", "court_id": "cand", "docket_number": "5:25-cv-00709",
        "status": "open",
        "entries": [{"entry_key": "k", "event_id": "ev_1234567890", "type": "docket.entry",
                     "date": "2025-01-30", "document_number": 2**63}],
    }  # fmt: skip
    with pytest.raises(CodecError, match="document_number"):
        decode_memory(json.dumps({**state, "state_version": 1}))  # CaseState v1, upcast
    with pytest.raises(CodecError, match="document_number"):
        decode_snapshot(json.dumps({**state, "state_version": 1}))  # its last entry's number


def test_every_recorded_old_event_is_within_the_bounds() -> None:
    files = sorted(FIXTURES.glob("v*/*.json"))
    assert files
    for path in files:
        decode_event(path.read_bytes())  # raises when a recorded event no longer reads


# --- ingest ---------------------------------------------------------------------------


def test_an_nef_link_with_a_huge_de_seq_num_is_rejected_naming_the_field() -> None:
    raw = (DEMO / "reference_dismissal_nef.eml").read_bytes()
    assert b"de_seq_num=41&" in raw
    results = list(
        nef.parse(raw.replace(b"de_seq_num=41&", b"de_seq_num=99999999999999999999&"), "x.eml")
    )
    assert results and all(isinstance(r, Rejected) for r in results), results
    assert "pacer_seq_no" in results[0].reason and "out of range" in results[0].reason


def test_a_webhook_entry_number_past_int64_is_rejected_naming_the_field() -> None:
    case = SourceCase(court_id=REF_DOCKET["court_id"], docket_number=REF_DOCKET["docket_number"])
    entry = {**dismissal_entry(), "entry_number": 9223372036854775808}
    parsed = parse_body(webhook_bytes(entry)).payload.results[0]
    r = to_record(parsed, case, where="delivery-1#0")
    assert isinstance(r, Rejected), r
    assert "document number" in r.reason and "out of range" in r.reason
    assert r.raw is not None


def test_a_webhook_sequence_number_past_the_bound_is_rejected() -> None:
    case = SourceCase(court_id=REF_DOCKET["court_id"], docket_number=REF_DOCKET["docket_number"])
    entry = {**dismissal_entry(), "pacer_sequence_number": MAX_SEQUENCE + 1}
    r = to_record(parse_body(webhook_bytes(entry)).payload.results[0], case, where="d#0")
    assert isinstance(r, Rejected) and "pacer_seq_no" in r.reason, r


def test_a_long_but_real_pacer_sequence_number_string_is_accepted() -> None:
    """A court's sequence numbers pass seven digits in time; only the bound refuses them."""
    doc = {
        "court_id": "cand", "docket_number": "5:25-cv-00709", "case_name": "A v. B",
        "docket_entries": [{"date_filed": "2025-01-30", "document_number": "12",
                            "description": "ORDER.", "pacer_seq_no": "123456789012"}],
    }  # fmt: skip
    [r] = list(courtlistener.parse(orjson.dumps(doc), "d.json"))
    assert isinstance(r, Parsed), r
    assert r.event.data.entry.pacer_seq_no == 123456789012
