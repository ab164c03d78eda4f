"""Docket JSON adapter (CourtListener / juriscraper): every real docket, and bad input."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter

import orjson
import pytest

from services.ingest.adapters import courtlistener
from services.ingest.records import Parsed, Rejected
from tests.shared_data import SHARED_DATA, requires_shared_data

DOCKETS = SHARED_DATA / "juriscraper" / "dockets"

# Checked by hand: canb_1, dcd_2 and nysd_3 are "{}"; cand_4, casd_2, dcd_1,
# gasd and nysd_491943 have a header but no docket_entries.
REJECTED = {
    "canb_1.json": "empty docket object ({})",
    "dcd_2.json": "empty docket object ({})",
    "nysd_3.json": "empty docket object ({})",
    "cand_4.json": "docket has no docket_entries",
    "casd_2.json": "docket has no docket_entries",
    "dcd_1.json": "docket has no docket_entries",
    "gasd.json": "docket has no docket_entries",
    "nysd_491943.json": "docket has no docket_entries",
}


@requires_shared_data
@pytest.mark.shared_data
def test_every_real_docket_file_is_read_entry_by_entry_or_rejected_with_a_reason() -> None:
    files = sorted(DOCKETS.glob("*.json"))
    assert len(files) == 61
    counts: Counter[str] = Counter()
    ids = set()
    for path in files:
        results = list(courtlistener.parse(path.read_bytes(), path.name))
        doc = json.loads(path.read_text())
        counts.update(type(r).__name__ for r in results)
        if path.name in REJECTED:
            (r,) = results
            assert isinstance(r, Rejected) and REJECTED[path.name] in r.reason
            assert r.where == path.name and r.raw == path.read_bytes()
            continue
        entries = doc["docket_entries"]
        assert [r.where for r in results] == [
            f"{path.name}#entry-{i}" for i in range(1, len(entries) + 1)
        ]
        for r, raw in zip(results, entries, strict=True):
            assert isinstance(r, Parsed), r
            e = r.event
            ids.add(e.id)
            assert e.time is None  # docket JSON has no publication time
            assert e.source == "docketline/ingest/courtlistener"
            assert e.data.case.court_id == doc["court_id"]
            assert e.data.entry.date_filed == dt.date.fromisoformat(raw["date_filed"])
            assert e.data.entry.document_number == (
                int(raw["document_number"]) if raw["document_number"] else None
            )
            assert e.data.entry.text == " ".join(raw["description"].split())
            assert not e.data.entry.text_is_stub
    assert counts == {"Parsed": 1523, "Rejected": 8}
    assert len(ids) == 1476  # cacd.json and cacd_2.json are the same 47 entries


@requires_shared_data
@pytest.mark.shared_data
def test_case_header_is_carried_on_every_event() -> None:
    path = DOCKETS / "cand_7.json"
    events = [
        r.event for r in courtlistener.parse(path.read_bytes(), path.name) if isinstance(r, Parsed)
    ]
    case = events[0].data.case
    assert events[0].subject == "cand:3:23-cv-04557"
    assert (case.case_name, case.nature_of_suit, case.cause, case.jurisdiction) == (
        "T. v. OpenAI LP",
        "890 Other Statutory Actions",
        "28:1331 Fed. Question",
        "Federal Question",
    )
    assert case.date_filed == dt.date(2023, 9, 5)
    assert events[0].data.entry.entry_key == "cand:3:23-cv-04557#1"
    assert events[0].data.entry.pacer_doc_id == "035023513538"
    vaed = DOCKETS / "vaed.json"
    first = next(
        r for r in courtlistener.parse(vaed.read_bytes(), vaed.name) if isinstance(r, Parsed)
    )
    assert "Svetlana Lokhova" in first.event.data.case.parties


@requires_shared_data
@pytest.mark.shared_data
def test_a_document_number_reused_on_one_docket_keeps_each_entry() -> None:
    path = DOCKETS / "ncwd_1.json"
    keys = [
        r.event.data.entry.entry_key
        for r in courtlistener.parse(path.read_bytes(), path.name)
        if isinstance(r, Parsed) and r.event.data.entry.document_number == 101
    ]
    assert keys == [
        "ncwd:1:03-cr-00076#101",
        "ncwd:1:03-cr-00076#101.2",
        "ncwd:1:03-cr-00076#101.3",
    ]


# --------------------------------------------------------------------------- bad input


def _docket(**over: object) -> dict[str, object]:
    doc: dict[str, object] = {
        "court_id": "cand",
        "docket_number": "5:25-cv-00709-EJD",
        "case_name": "De La Torre v. LinkedIn Corporation",
        "date_filed": "2025-01-21",
        "docket_entries": [
            {
                "date_filed": "2025-01-21",
                "document_number": "1",
                "description": "CLASS ACTION COMPLAINT",
            }
        ],
    }
    doc.update(over)
    return doc


def test_a_good_docket_reads() -> None:
    (r,) = courtlistener.parse(orjson.dumps(_docket()), "d.json")
    assert isinstance(r, Parsed)
    assert r.event.subject == "cand:5:25-cv-00709"
    assert r.event.data.entry.entry_key == "cand:5:25-cv-00709#1"


@pytest.mark.parametrize(
    ("data", "where", "reason"),
    [
        (b"{}", "d.json", "empty docket object ({})"),
        (b"{not json", "d.json", "invalid JSON"),
        (b"[]", "d.json", "empty JSON list"),
        (b'"a string"', "d.json", "must be an object"),
        (b'{"hello": 1}', "d.json", "not a docket"),
        (orjson.dumps(_docket(docket_entries="nope")), "d.json", "docket_entries must be a list"),
        (orjson.dumps(_docket(docket_number=None)), "d.json#entry-1", "docket number: missing"),
        (orjson.dumps(_docket(docket_number="garbage")), "d.json#entry-1", "docket number: unrecognisable 'garbage'"),
        (orjson.dumps(_docket(court_id=None)), "d.json#entry-1", "court id: missing"),
        (orjson.dumps(_docket(court_id="N.D. Cal.")), "d.json#entry-1", "court id: unrecognisable"),
        (orjson.dumps(_docket(docket_entries=[{"description": "x"}])), "d.json#entry-1", "entry date_filed: missing"),
        (orjson.dumps(_docket(docket_entries=[{"date_filed": "30/01/2025", "description": "x"}])), "d.json#entry-1",
         "impossible date"),
        (orjson.dumps(_docket(docket_entries=[{"date_filed": "soon", "description": "x"}])), "d.json#entry-1",
         "unparsable date 'soon'"),
        (orjson.dumps(_docket(docket_entries=[{"date_filed": "2025-01-21", "description": ""}])), "d.json#entry-1",
         "no docket text"),
        (orjson.dumps(_docket(docket_entries=[{"date_filed": "2025-01-21", "description": "x",
                                               "document_number": "12a"}])), "d.json#entry-1", "not a number: '12a'"),
        (orjson.dumps(_docket(docket_entries=[7])), "d.json#entry-1", "docket entry must be an object"),
    ],
)  # fmt: skip
def test_bad_dockets_are_rejected_with_where_and_why(data: bytes, where: str, reason: str) -> None:
    (r,) = courtlistener.parse(data, "d.json")
    assert isinstance(r, Rejected), r
    assert r.where == where
    assert reason in r.reason
    assert r.raw


def test_one_bad_entry_does_not_lose_the_others() -> None:
    entries = [
        {
            "date_filed": "2025-01-21",
            "document_number": "1",
            "description": "CLASS ACTION COMPLAINT",
        },
        {"date_filed": "", "document_number": "2", "description": "Summons Issued"},
        {
            "date_filed": "2025-01-30",
            "document_number": "12",
            "description": "NOTICE OF VOLUNTARY DISMISSAL",
        },
    ]
    results = list(courtlistener.parse(orjson.dumps(_docket(docket_entries=entries)), "d.json"))
    assert [type(r).__name__ for r in results] == ["Parsed", "Rejected", "Parsed"]
    bad = results[1]
    assert isinstance(bad, Rejected) and bad.where == "d.json#entry-2"
    assert orjson.loads(bad.raw or b"") == entries[1]


def test_a_list_of_dockets_and_courtlistener_spellings_are_read() -> None:
    courtlistener_style = {
        "court": "cand",
        "docket_number": "5:25-cv-00709",
        "docket_entries": [
            {"entry_number": 12, "date_filed": "2025-01-30", "description": "NOTICE"}
        ],
    }
    results = list(courtlistener.parse(orjson.dumps([_docket(), courtlistener_style]), "l.json"))
    assert [r.where for r in results] == ["l.json[1]#entry-1", "l.json[2]#entry-1"]
    assert [r.event.data.entry.entry_key for r in results if isinstance(r, Parsed)] == [
        "cand:5:25-cv-00709#1",
        "cand:5:25-cv-00709#12",
    ]


def test_a_timestamp_is_dated_at_the_court() -> None:
    """juriscraper's RSS output carries pubDate instants; 01:05 GMT is the evening before in California."""
    doc = _docket(docket_entries=[{"date_filed": "2025-01-22T01:05:31+00:00", "document_number": "1",
                                   "description": "", "short_description": "Complaint"}])  # fmt: skip
    (r,) = courtlistener.parse(orjson.dumps(doc), "d.json")
    assert isinstance(r, Parsed)
    assert r.event.data.entry.date_filed == dt.date(2025, 1, 21)
    assert r.event.data.entry.text_is_stub and r.event.data.entry.text == "Complaint"
