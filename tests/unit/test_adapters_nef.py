"""NEF adapter: every real NEF e-mail and page, juriscraper's reading of them, and bad input."""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections import Counter
from pathlib import Path

import pytest

from schemas.events import DocketEvent
from services.core.docket_numbers import normalise_docket_number
from services.ingest.adapters import courtlistener, nef
from services.ingest.common import case_id_of
from services.ingest.records import Parsed, ParseResult, Rejected
from tests.shared_data import SHARED_DATA, requires_shared_data
from tests.unit.juriscraper_compare import harmonised_case_name, words

EMAILS = SHARED_DATA / "juriscraper" / "nef-email"
PAGES = SHARED_DATA / "juriscraper" / "nef"
DEMO = Path(__file__).resolve().parents[2] / "services" / "demo"

# Checked by hand: 4 messages are not notices (a proof-of-claim receipt, a
# clerk's e-mail, a calendar invitation, a help-desk reply); pawb_1 is an
# "entry has been updated" notice without a filing date; nyeb numbers
# "1-23-01071-nhl" are office-year-sequence without a case type, which the
# shared normaliser does not read. Multi-case notices give one event per case.
REJECTED = {
    "cacb_4.txt": "not a Notice of Electronic Filing",
    "cand_2.txt": "not a Notice of Electronic Filing",
    "ohsd_1.txt": "not a Notice of Electronic Filing",
    "ohsd_3.txt": "not a Notice of Electronic Filing",
    "pawb_1.txt": "docket-entry edit notice without a 'filed on' date",
    "nyeb_1.txt": "docket number: unrecognisable '1-23-01071-nhl'",
    "nyeb_2.txt": "docket number: unrecognisable '1-23-42603-nhl'",
}
# where juriscraper's fixture and the notice disagree, the notice is right:
COURT_OVERRIDES = {"almd_3_plain.txt": "dcd", "almd_4_plain.txt": "dcd"}  # links are ecf.dcd
# the plain-text body wraps the case name; juriscraper cut name and subject there
EVENT_NAME_OVERRIDES = {"flmd_1_plain.txt": "Order on Motion for Extension of Time to File"}
CASE_NAME_OVERRIDES = {"flmd_1_plain.txt": "Heartbeat of Miami, Inc. v. Jane's Revenge et al"}


@functools.cache
def _parse(path: Path) -> tuple[ParseResult, ...]:
    return tuple(nef.parse(path.read_bytes(), path.name))


def _events(results: tuple[ParseResult, ...] | list[ParseResult]) -> list[DocketEvent]:
    return [r.event for r in results if isinstance(r, Parsed)]


@requires_shared_data
@pytest.mark.shared_data
def test_every_real_nef_email_is_parsed_or_rejected_with_a_reason() -> None:
    files = sorted(EMAILS.glob("*.txt"))
    assert len(files) == 126
    counts: Counter[str] = Counter()
    rejected = {}
    for path in files:
        results = _parse(path)
        assert results, f"{path.name} produced nothing"
        counts.update(type(r).__name__ for r in results)
        for r in results:
            if isinstance(r, Rejected):
                assert r.raw == path.read_bytes()
                rejected[path.name] = r.reason
    assert counts == {"Parsed": 143, "Rejected": 7}
    assert rejected.keys() == REJECTED.keys()
    for name, reason in REJECTED.items():
        assert reason in rejected[name]


def _juriscraper_cases() -> list[tuple[Path, int, dict[str, object], dict[str, object], str]]:
    out = []
    for path in sorted(EMAILS.glob("*.txt")):
        doc = json.loads(path.with_suffix(".json").read_text())
        for i, docket in enumerate(doc.get("dockets", [])):
            for entry in docket["docket_entries"]:
                out.append((path, i, docket, entry, doc["court_id"]))
    return out


@requires_shared_data
@pytest.mark.shared_data
def test_agrees_with_juriscraper_on_every_notice_it_parsed() -> None:
    compared = 0
    for path, i, docket, entry, court in _juriscraper_cases():
        if path.name in REJECTED:
            continue
        events = _events(_parse(path))
        e = events[i]
        where = f"{path.name} case {i + 1}"
        assert e.data.case.docket_number == normalise_docket_number(str(docket["docket_number"])), (
            where
        )
        assert e.data.case.court_id == COURT_OVERRIDES.get(path.name, court), where
        name = CASE_NAME_OVERRIDES.get(path.name, str(docket["case_name"]))
        assert harmonised_case_name(e.data.case.case_name) == harmonised_case_name(name), where
        jdoc = entry["document_number"]
        assert e.data.entry.document_number == (int(str(jdoc)) if jdoc else None), where
        assert e.data.entry.date_filed.isoformat() == entry["date_filed"], where
        if entry["pacer_seq_no"]:
            assert e.data.entry.pacer_seq_no == int(str(entry["pacer_seq_no"])), where
        # juriscraper drops markup (and sometimes the words inside it); it never adds words
        assert words(str(entry["description"])) <= words(e.data.entry.text), where
        expected_name = EVENT_NAME_OVERRIDES.get(path.name, entry["short_description"]) or None
        assert e.data.entry.event_name == expected_name, where
        assert not e.data.entry.text_is_stub
        compared += 1
    assert compared == 143  # juriscraper has 145 entries; we reject the two nyeb ones


@requires_shared_data
@pytest.mark.shared_data
def test_every_nef_page_is_read_like_juriscraper() -> None:
    pages = sorted(PAGES.glob("*.html"))
    assert len(pages) == 10
    for path in pages:
        (result,) = nef.parse(path.read_bytes(), path.name)
        assert isinstance(result, Parsed), result
        e = result.event
        (docket,) = json.loads(path.with_suffix(".json").read_text())["dockets"]
        (entry,) = docket["docket_entries"]
        assert e.data.case.docket_number == docket["docket_number"]
        assert e.data.entry.document_number == int(entry["document_number"])
        assert e.data.entry.date_filed.isoformat() == entry["date_filed"]
        assert words(entry["description"]) <= words(e.data.entry.text)
        assert e.time is not None and e.time.tzinfo is not None  # "entered on ... at h:mm PM"


@requires_shared_data
@pytest.mark.shared_data
def test_a_notice_for_several_cases_gives_each_case_the_shared_docket_text() -> None:
    # Delaware bankruptcy: two case blocks, then one Docket Text for both
    events = _events(_parse(EMAILS / "deb_multi_2.txt"))
    assert [e.subject for e in events] == ["deb:24-50041", "deb:23-10253"]
    assert (
        events[0].data.entry.text
        == events[1].data.entry.text
        == "Adversary Case 1:24-ap-50041 Closed (JMC)"
    )
    assert [r.where for r in _parse(EMAILS / "deb_multi_2.txt")] == [
        "deb_multi_2.txt#case-1",
        "deb_multi_2.txt#case-2",
    ]
    # JPML: the panel's own docket numbers for member cases ("NYE/1:21-cv-02960")
    jpml = _events(_parse(EMAILS / "jpml_1.txt"))
    assert [e.subject for e in jpml] == [
        "jpml:mdl-02967",
        "jpml:1:21-cv-02960",
        "jpml:1:20-cv-01296",
        "jpml:1:20-cv-03104",
    ]
    assert [e.data.entry.document_number for e in jpml] == [96, 6, 18, 24]


@requires_shared_data
@pytest.mark.shared_data
def test_the_same_case_from_an_nef_email_a_nef_page_and_docket_json_is_one_case() -> None:
    email_case = _events(_parse(EMAILS / "ared_3.txt"))[0]
    (page,) = nef.parse((PAGES / "ared_2.html").read_bytes(), "ared_2.html")
    assert isinstance(page, Parsed)
    assert email_case.subject == page.event.subject == "ared:4:21-cv-00428"
    # the Manafort notice (D.D.C.) and the D.D.C. docket JSON header name the same case
    notice = _events(_parse(EMAILS / "almd_3_plain.txt"))[0]
    header = json.loads((SHARED_DATA / "juriscraper" / "dockets" / "dcd_1.json").read_text())
    assert notice.subject == case_id_of(header["court_id"], header["docket_number"])[2]
    # and a forwarded copy of one notice is the same event as the original
    assert (
        _events(_parse(EMAILS / "almd_3_plain.txt"))[0].id
        == _events(_parse(EMAILS / "almd_4_plain.txt"))[0].id
    )


def test_reference_dismissal_nef_refines_the_rss_stub_of_the_same_entry() -> None:
    from services.ingest.adapters import pacer_rss

    (result,) = nef.parse((DEMO / "reference_dismissal_nef.eml").read_bytes(), "ref.eml")
    assert isinstance(result, Parsed)
    e = result.event
    assert e.subject == "cand:5:25-cv-00709"
    assert e.data.entry.entry_key == "cand:5:25-cv-00709#12"
    assert e.data.entry.text.startswith("NOTICE OF VOLUNTARY DISMISSAL WITHOUT PREJUDICE")
    assert not e.data.entry.text_is_stub
    assert e.data.entry.date_filed == dt.date(2025, 1, 30)
    assert e.data.entry.event_name == "Notice of Voluntary Dismissal"
    assert e.time == dt.datetime(2025, 1, 30, 23, 12, tzinfo=dt.UTC)  # 3:12 PM PST
    assert e.type == "case.dismissed"
    assert e.data.prejudice == "without"  # type: ignore[union-attr]

    rss = [
        r.event
        for r in pacer_rss.parse((DEMO / "reference_case_rss.xml").read_bytes(), "ref.xml")
        if isinstance(r, Parsed) and r.event.data.entry.document_number == 12
    ]
    assert [s.data.entry.entry_key for s in rss] == [e.data.entry.entry_key]
    assert rss[0].id != e.id  # two versions of one entry
    assert rss[0].data.entry.pacer_doc_id == e.data.entry.pacer_doc_id


# --------------------------------------------------------------------------- bad input

_NOTICE = """\
From: ecf@cand.uscourts.gov
Subject: Activity in Case {number} Doe v. Roe Order
Date: Thu, 30 Jan 2025 15:12:44 -0800
Content-Type: text/plain

U.S. District Court
California Northern District
Notice of Electronic Filing
The following transaction was entered on 1/30/2025 at 3:12 PM PST and filed on {filed}
Case Name: Doe v. Roe
Case Number: {number}
Filer:
Document Number: 7
Docket Text:
ORDER granting motion to seal. Signed by Judge X on 1/30/2025.

{number} Notice has been electronically mailed to:
someone@example.com
"""


def test_a_plain_notice_reads_its_fields() -> None:
    data = _NOTICE.format(number="3:25-cv-00001-ABC", filed="1/30/2025").encode()
    (result,) = nef.parse(data, "n.eml")
    assert isinstance(result, Parsed)
    e = result.event
    assert (e.subject, e.data.entry.document_number) == ("cand:3:25-cv-00001", 7)
    assert e.data.entry.text == "ORDER granting motion to seal. Signed by Judge X on 1/30/2025."
    assert e.data.entry.event_name == "Order"
    assert e.source == "docketline/ingest/nef"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (_NOTICE.format(number="", filed="1/30/2025"), "docket number: missing"),
        (_NOTICE.format(number="not-a-number", filed="1/30/2025"), "docket number: unrecognisable"),
        (_NOTICE.format(number="3:25-cv-00001", filed="13/45/2025"), "impossible date"),
        (
            _NOTICE.replace("filed on {filed}", "").format(number="3:25-cv-00001"),
            "without a 'filed on' date",
        ),
        (
            _NOTICE.replace("Docket Text:", "Docket:").format(
                number="3:25-cv-00001", filed="1/30/2025"
            ),
            "no Docket Text",
        ),
        ("From: a@b.c\nSubject: lunch?\n\nsee you at noon\n", "not a Notice of Electronic Filing"),
        (_NOTICE.split("Case Name:")[0].format(number="x", filed="1/30/2025"), "no Case Name"),
        ("\x00\xff\xfe garbage", "not a Notice of Electronic Filing"),
    ],
)
def test_bad_notices_are_rejected_with_the_reason_and_the_raw_message(
    data: str, reason: str
) -> None:
    raw = data.encode("latin-1")
    results = list(nef.parse(raw, "bad.eml"))
    assert len(results) == 1
    r = results[0]
    assert isinstance(r, Rejected), r
    assert reason in r.reason
    assert r.where == "bad.eml"
    assert r.raw == raw


def test_a_notice_without_a_court_link_or_court_sender_names_the_missing_court() -> None:
    data = _NOTICE.replace("From: ecf@cand.uscourts.gov", "From: someone@example.com")
    (r,) = nef.parse(data.format(number="3:25-cv-00001", filed="1/30/2025").encode(), "n.eml")
    assert isinstance(r, Rejected)
    assert "court unknown" in r.reason


def test_the_courtlistener_adapter_is_not_fooled_by_an_nef() -> None:
    (r,) = courtlistener.parse(_NOTICE.encode(), "n.json")
    assert isinstance(r, Rejected) and "invalid JSON" in r.reason
