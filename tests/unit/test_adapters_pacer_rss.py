"""PACER RSS adapter: every real feed, juriscraper's reading of it, and bad input."""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections import Counter
from pathlib import Path

import feedparser
import pytest

from schemas.events import DocketEvent
from services.core.docket_numbers import normalise_docket_number
from services.ingest.adapters import courtlistener, pacer_rss
from services.ingest.records import Parsed, ParseResult, Rejected
from tests.shared_data import SHARED_DATA, requires_shared_data
from tests.unit.juriscraper_compare import harmonised_case_name

RSS = SHARED_DATA / "juriscraper" / "rss"
DEMO = Path(__file__).resolve().parents[2] / "services" / "demo"

# feed -> (items, events parsed, records rejected, distinct event ids)
# Checked by hand: nyed_1 repeats 13 unnumbered items at the same instant and
# reports two entries twice; nysb_1 lists document 47 twice under one event
# name; sdny_1 lists document 310 of 1:12-cr-00120 once per defendant (-1..-6,
# one case) ; wvsd item 1 has the docket number "5:18-~gr-00001".
EXPECTED = {
    "ca10": (6, 6, 0, 6),
    "ca11": (10, 10, 0, 10),
    "ca2_1": (4, 4, 0, 4),
    "ca4_1": (20, 20, 0, 20),
    "ca6": (9, 9, 0, 9),
    "cadc": (13, 13, 0, 13),
    "cafc": (2, 2, 0, 2),
    "mdb_1": (2, 2, 0, 2),
    "mdb_2": (1, 1, 0, 1),
    "nyed_1": (432, 432, 0, 417),
    "nysb_1": (162, 162, 0, 161),
    "sdny_1": (358, 358, 0, 353),
    "wvsd": (3, 2, 1, 2),
}


COURT_LABELS = {"sdny": "nysd"}


@functools.cache
def _parse(path: Path) -> list[ParseResult]:
    """Each real feed once per session (feedparser is the slow part; records are frozen)."""
    return list(pacer_rss.parse(path.read_bytes(), path.name))


def _events(results: list[ParseResult]) -> list[DocketEvent]:
    return [r.event for r in results if isinstance(r, Parsed)]


@requires_shared_data
@pytest.mark.shared_data
def test_there_are_thirteen_feeds() -> None:
    assert sorted(p.stem for p in RSS.glob("*.xml")) == sorted(EXPECTED)


@requires_shared_data
@pytest.mark.shared_data
@pytest.mark.parametrize("feed", sorted(EXPECTED))
def test_every_item_of_every_real_feed_is_parsed_or_rejected_with_a_reason(feed: str) -> None:
    path = RSS / f"{feed}.xml"
    items, parsed, rejected, distinct = EXPECTED[feed]
    results = _parse(path)

    assert len(feedparser.parse(path.read_bytes()).entries) == items
    counts = Counter(type(r).__name__ for r in results)
    assert (counts["Parsed"], counts["Rejected"]) == (parsed, rejected)
    assert len({e.id for e in _events(results)}) == distinct
    assert {r.where for r in results} == {f"{path.name}#item-{i}" for i in range(1, items + 1)}
    assert all(r.reason for r in results if isinstance(r, Rejected))
    for e in _events(results):
        assert e.source == "docketline/ingest/pacer-rss"
        assert e.data.entry.text_is_stub and e.data.entry.text == e.data.entry.event_name
        assert e.time is not None and e.time.tzinfo is not None


@requires_shared_data
@pytest.mark.shared_data
@pytest.mark.parametrize("feed", sorted(EXPECTED))
def test_agrees_with_juriscraper_on_numbers_names_documents_and_dates(feed: str) -> None:
    path = RSS / f"{feed}.xml"
    ours: dict[tuple[str, dt.datetime | None, str | None], list[DocketEvent]] = {}
    for e in _events(_parse(path)):
        ours.setdefault((e.data.case.docket_number, e.time, e.data.entry.event_name), []).append(e)
    checked = 0
    for docket in json.loads(path.with_suffix(".json").read_text()):
        number = normalise_docket_number(docket["docket_number"])
        for je in docket["docket_entries"]:
            when = dt.datetime.fromisoformat(je["date_filed"])
            # juriscraper joins the events of one entry with " AND "; we split them
            for name in je["short_description"].split(" AND "):
                match = ours.get((number, when, name.strip()))
                assert match, f"{feed}: no event for {number} {when} {name!r}"
                e = match[0]
                jdoc = je["document_number"]
                if jdoc and jdoc == je["pacer_doc_id"]:
                    # appellate links labelled "Document": juriscraper repeats the doc id
                    assert e.data.entry.document_number is None
                else:
                    assert e.data.entry.document_number == (int(jdoc) if jdoc else None)
                if je["pacer_doc_id"]:
                    assert e.data.entry.pacer_doc_id == je["pacer_doc_id"]
                if je["pacer_seq_no"]:
                    assert e.data.entry.pacer_seq_no == int(je["pacer_seq_no"])
                assert harmonised_case_name(e.data.case.case_name) == harmonised_case_name(
                    docket["case_name"]
                )
                # the CM/ECF host names the court; juriscraper's fixture calls nysd "sdny"
                assert e.data.case.court_id == COURT_LABELS.get(
                    docket["court_id"], docket["court_id"]
                )
                checked += 1
    assert checked


@requires_shared_data
@pytest.mark.shared_data
def test_items_that_merge_two_events_with_AND_become_two_entries() -> None:
    # juriscraper reports nysb 18-35641 as one entry "Add Judge AND Add Trustee"
    events = [
        e
        for e in _events(_parse(RSS / "nysb_1.xml"))
        if e.subject == "nysb:18-35641" and e.data.entry.event_name in ("Add Judge", "Add Trustee")
    ]
    assert sorted(e.data.entry.event_name or "" for e in events) == ["Add Judge", "Add Trustee"]
    assert len({e.data.entry.entry_key for e in events}) == 2

    feed = _feed(
        _item(
            "1:25-cv-00100-ABC Doe v. Roe",
            "[Order Dismissing Case AND ~Util - Terminate Civil Case] "
            '(<a href="https://ecf.nyed.uscourts.gov/doc1/12345678901?caseid=9&amp;de_seq_num=77">31</a>)',
        )
    )
    parsed = _events(list(pacer_rss.parse(feed, "t.xml")))
    keys = {e.data.entry.event_name: e.data.entry.entry_key for e in parsed}
    # the real event keeps the document's own key (shared with the NEF of document 31)
    assert keys == {
        "Order Dismissing Case": "nyed:1:25-cv-00100#31",
        "~Util - Terminate Civil Case": "nyed:1:25-cv-00100#31.2",
    }


def test_a_document_reported_in_two_items_is_one_entry_with_two_events() -> None:
    link = '(<a href="https://ecf.nysd.uscourts.gov/doc1/127122264019?caseid=455612&amp;de_seq_num=325">73</a>)'
    feed = _feed(
        _item(
            "7:16-cv-02451 Smythe v. City of Yonkers et al",
            f"[~Util - Add and Terminate Attorneys] {link}",
        ),
        _item("7:16-cv-02451 Smythe v. City of Yonkers et al", f"[Stipulation and Order] {link}"),
        _item("7:16-cv-02451 Smythe v. City of Yonkers et al", f"[Stipulation and Order] {link}"),
        link="https://ecf.nysd.uscourts.gov",
    )
    results = list(pacer_rss.parse(feed, "t.xml"))
    assert [r.where for r in results] == ["t.xml#item-1", "t.xml#item-2", "t.xml#item-3"]
    by_item = {r.where: r.event for r in results if isinstance(r, Parsed)}
    assert by_item["t.xml#item-2"].data.entry.entry_key == "nysd:7:16-cv-02451#73"
    assert by_item["t.xml#item-1"].data.entry.entry_key == "nysd:7:16-cv-02451#73.2"
    assert by_item["t.xml#item-3"].id == by_item["t.xml#item-2"].id  # a repeat is a duplicate
    assert by_item["t.xml#item-2"].data.entry.pacer_seq_no == 325
    assert by_item["t.xml#item-2"].data.entry.pacer_doc_id == "127022264019"


def test_unnumbered_items_are_told_apart_by_their_instant() -> None:
    feed = _feed(
        _item(
            "1:15-cv-06228-KAM Doe v. Roe", "[Order] Doe v. Roe", "Tue, 22 May 2018 18:56:14 GMT"
        ),
        _item(
            "1:15-cv-06228-KAM Doe v. Roe", "[Order] Doe v. Roe", "Tue, 22 May 2018 15:35:33 GMT"
        ),
        _item(
            "1:15-cv-06228-KAM Doe v. Roe", "[Order] Doe v. Roe", "Tue, 22 May 2018 15:35:33 GMT"
        ),
    )
    events = _events(list(pacer_rss.parse(feed, "t.xml")))
    assert len(events) == 3
    assert len({e.data.entry.entry_key for e in events}) == 2
    assert all(e.data.entry.document_number is None for e in events)


def test_filing_date_is_the_courts_local_date_of_the_pubdate() -> None:
    events = _events(
        list(pacer_rss.parse((DEMO / "reference_case_rss.xml").read_bytes(), "ref.xml"))
    )
    complaint = next(e for e in events if e.data.entry.document_number == 1)
    # published Wed 22 Jan 2025 01:05 GMT = Tue 21 Jan 17:05 in San Francisco
    assert complaint.time == dt.datetime(2025, 1, 22, 1, 5, 31, tzinfo=dt.UTC)
    assert complaint.data.entry.date_filed == dt.date(2025, 1, 21)
    assert complaint.subject == "cand:5:25-cv-00709"
    assert complaint.data.entry.entry_key == "cand:5:25-cv-00709#1"
    assert complaint.data.entry.pacer_doc_id == "035025112340"  # attachment flag zeroed


def test_reference_case_rss_dismissal_is_a_stub_with_unknown_prejudice() -> None:
    events = _events(
        list(pacer_rss.parse((DEMO / "reference_case_rss.xml").read_bytes(), "ref.xml"))
    )
    assert [(e.data.entry.document_number, e.type) for e in events] == [
        (12, "case.dismissed"),
        (1, "case.filed"),
    ]
    dismissal = events[0]
    assert dismissal.data.entry.text == "Notice of Voluntary Dismissal"
    assert dismissal.data.entry.text_is_stub
    assert dismissal.data.prejudice == "unknown"  # type: ignore[union-attr]
    assert dismissal.data.entry.date_filed == dt.date(2025, 1, 30)


@requires_shared_data
@pytest.mark.shared_data
@pytest.mark.parametrize("feed", ["nyed_1", "nysb_1", "wvsd", "ca11", "ca4_1"])
def test_same_case_from_rss_xml_and_docket_json_has_the_same_case_and_entry_keys(feed: str) -> None:
    """juriscraper's JSON of a feed is docket JSON: read it with the docket adapter."""
    xml = _events(_parse(RSS / f"{feed}.xml"))
    path = RSS / f"{feed}.json"
    docket_json = _events(list(courtlistener.parse(path.read_bytes(), path.name)))
    assert {e.subject for e in docket_json} <= {e.subject for e in xml}
    xml_keys = {
        (e.subject, e.data.entry.document_number, e.data.entry.event_name): e.data.entry.entry_key
        for e in xml
    }
    compared = 0
    for e in docket_json:
        entry = e.data.entry
        if entry.document_number is None or " AND " in (entry.event_name or ""):
            continue  # unnumbered stubs are identified by text; merged names are split in XML
        assert xml_keys[(e.subject, entry.document_number, entry.event_name)] == entry.entry_key
        compared += 1
    assert compared


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"<html><body>not a feed<<<", "not a parsable RSS feed"),
        (b'<?xml version="1.0"?><inventory><thing/></inventory>', "not an RSS feed"),
        (b"\x00\x01\x02garbage", "not"),
    ],
)
def test_garbage_is_one_rejected_record_not_a_crash(data: bytes, reason: str) -> None:
    results = list(pacer_rss.parse(data, "bad.xml"))
    assert len(results) == 1
    assert isinstance(results[0], Rejected)
    assert reason in results[0].reason
    assert results[0].raw == data


def test_an_empty_feed_yields_nothing() -> None:
    assert list(pacer_rss.parse(_feed(), "empty.xml")) == []


@pytest.mark.parametrize(
    ("title", "description", "pubdate", "reason"),
    [
        (
            "5:18-~gr-00001 ",
            "[Order] (x)",
            "Tue, 15 May 2018 19:14:31 GMT",
            "docket number: unrecognisable '5:18-~gr-00001'",
        ),
        ("", "[Order]", "Tue, 15 May 2018 19:14:31 GMT", "docket number: missing"),
        (
            "1:18-cv-00001 A v. B",
            "an order without a bracketed name",
            "Tue, 15 May 2018 19:14:31 GMT",
            "no [event name]",
        ),
        ("1:18-cv-00001 A v. B", "[ ]", "Tue, 15 May 2018 19:14:31 GMT", "empty [event name]"),
        ("1:18-cv-00001 A v. B", "[Order]", None, "no usable pubDate"),
        ("1:18-cv-00001 A v. B", "[Order]", "not a date", "no usable pubDate"),
    ],
)
def test_bad_items_are_rejected_with_the_item_and_reason(
    title: str, description: str, pubdate: str | None, reason: str
) -> None:
    feed = _feed(_item("1:18-cv-00002 Good v. Item", "[Order]"), _item(title, description, pubdate))
    results = list(pacer_rss.parse(feed, "f.xml"))
    assert isinstance(results[0], Parsed)
    bad = results[1]
    assert isinstance(bad, Rejected)
    assert bad.where == "f.xml#item-2"
    assert reason in bad.reason
    assert bad.raw and b"<item>" in bad.raw


def test_a_feed_from_an_unknown_host_names_the_missing_court() -> None:
    feed = _feed(_item("1:18-cv-00002 Good v. Item", "[Order]"), link="https://example.com/feed")
    (result,) = pacer_rss.parse(feed, "f.xml")
    assert isinstance(result, Rejected)
    assert "court unknown" in result.reason


def _item(
    title: str, description: str, pubdate: str | None = "Tue, 22 May 2018 18:56:14 GMT"
) -> str:
    pub = f"<pubDate>{pubdate}</pubDate>" if pubdate is not None else ""
    return (
        f"<item><title><![CDATA[{title}]]></title>"
        f"<description><![CDATA[{description}]]></description>{pub}</item>"
    )


def _feed(*items: str, link: str = "https://ecf.nyed.uscourts.gov") -> bytes:
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><link>{link}</link>'
        + "".join(items)
        + "</channel></rss>"
    ).encode()


def test_a_configured_court_names_the_court_of_a_feed_whose_links_are_not_cmecf_hosts() -> None:
    xml = (
        (DEMO / "reference_case_rss.xml")
        .read_bytes()
        .replace(b"https://ecf.cand.uscourts.gov", b"http://mirror.example.org")
    )
    assert all(
        isinstance(r, Rejected) and "court unknown" in r.reason for r in pacer_rss.parse(xml, "m")
    )
    parsed = list(pacer_rss.parse(xml, "m", court="cand"))
    assert [r.event.subject for r in parsed if isinstance(r, Parsed)] == ["cand:5:25-cv-00709"] * 2
    # the feed's own CM/ECF link wins over a configured court
    real = (DEMO / "reference_case_rss.xml").read_bytes()
    assert {
        r.event.subject for r in pacer_rss.parse(real, "f", court="nysd") if isinstance(r, Parsed)
    } == {"cand:5:25-cv-00709"}


@pytest.mark.parametrize("ref", ["&#1114112;", "&#99999999999;", "&#x110000;"])
def test_a_character_reference_beyond_unicode_rejects_the_feed_with_its_bytes(ref: str) -> None:
    feed = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>'
        f"<item><title>1:25-cv-1 A v. B</title><description>[Order] {ref}</description>"
        "</item></channel></rss>"
    ).encode()
    [result] = list(pacer_rss.parse(feed, "bad.xml"))
    assert isinstance(result, Rejected), result
    assert result.reason.startswith("not a parsable RSS feed") and result.raw == feed
