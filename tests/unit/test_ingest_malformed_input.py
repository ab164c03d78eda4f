"""Malformed headers and dates the parsing libraries choke on become rejected records (issue 12.3).

Each input below once escaped its adapter as an exception from the stdlib
``email`` package or from ``datetime`` (IndexError, AttributeError,
OverflowError, RecursionError) and stopped ``docketline ingest`` for every
file after it. Each is now a :class:`~services.ingest.records.Rejected`
record naming the header or field, with the raw bytes, and the run goes on.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from services.cli import app
from services.ingest.adapters import nef, pacer_rss
from services.ingest.records import Parsed, Rejected

# A notice that parses: the court comes from the CM/ECF link, and no header
# names a court's domain, so the adapter reads every one of them.
_NOTICE = """\
{header}: {value}
Subject: Activity in Case 3:25-cv-00001 Doe v. Roe Order
Date: Thu, 30 Jan 2025 15:12:44 -0800
Message-ID: <1@mail.example.com>
From: clerk@example.com
Sender: relay@example.com
Content-Type: text/plain

Notice of Electronic Filing
The following transaction was entered on 1/30/2025 at 3:12 PM PST and filed on 1/30/2025
Case Name: Doe v. Roe
Case Number: 3:25-cv-00001 https://ecf.cand.uscourts.gov/cgi-bin/DktRpt.pl?123
Filer:
Document Number: 7
Docket Text:
ORDER granting motion to seal. Signed by Judge X on 1/30/2025.
"""


def _notice(header: str, value: str) -> bytes:
    """The notice with ``header`` set to ``value`` (its own line replaced, so it appears once)."""
    lines = _NOTICE.format(header=header, value=value).split("\n")
    head_end = lines.index("")
    kept = [lines[0]] + [ln for ln in lines[1:head_end] if not ln.startswith(f"{header}:")]
    return "\n".join(kept + lines[head_end:]).encode()


def _nested_multiparts(depth: int) -> bytes:
    """A message whose body is ``depth`` multiparts inside each other around the notice."""
    head = "From: ecf@cand.uscourts.gov\nSubject: x\nMIME-Version: 1.0\n"
    opening = "".join(
        f'Content-Type: multipart/mixed; boundary="b{i}"\n\n--b{i}\n' for i in range(depth)
    )
    return (head + opening + "Content-Type: text/plain\n\n" + _NOTICE.split("\n\n", 1)[1]).encode()


MALFORMED_NEF = {
    "message-id-empty": (_notice("Message-ID", "<>"), "Message-ID header"),
    "message-id-open": (_notice("Message-ID", "<"), "Message-ID header"),
    "from-empty-group": (_notice("From", "a@b, :;"), "From header"),
    "sender-groups": (_notice("Sender", ":;:;:;<@>"), "Sender header"),
    "date-year-overflow": (
        _notice("Date", "Thu, 30 Jan 99999999999 15:12:44 -0800"),
        "Date header",
    ),
    "date-past-9999-in-utc": (
        _notice("Date", "Fri, 31 Dec 9999 23:59:59 -1200"),
        "Date header: out of range",
    ),
    "entered-past-9999-in-utc": (
        _notice("X-Note", "fine").replace(b"1/30/2025 at 3:12 PM", b"12/31/9999 at 11:59 PM"),
        "entered on 12/31/9999 at 11:59: out of range",
    ),
    "nested-3000": (_nested_multiparts(3000), "unreadable e-mail"),
}


def test_the_notice_without_malformed_headers_is_published() -> None:
    """The control: with well-formed headers the same notice is one event."""
    (result,) = nef.parse(_notice("X-Note", "fine"), "ok.eml")
    assert isinstance(result, Parsed), result
    assert result.event.subject == "cand:3:25-cv-00001"
    (nested,) = nef.parse(_nested_multiparts(20), "nested-20.eml")
    assert isinstance(nested, Parsed), nested


@pytest.mark.parametrize("name", MALFORMED_NEF)
def test_a_malformed_nef_header_is_a_rejected_record_with_the_reason(name: str) -> None:
    data, reason = MALFORMED_NEF[name]
    results = list(nef.parse(data, f"{name}.eml"))
    assert len(results) == 1, results
    (r,) = results
    assert isinstance(r, Rejected), r
    assert reason in r.reason
    assert (r.where, r.raw) == (f"{name}.eml", data)


_RSS = """\
<?xml version="1.0" encoding="ISO-8859-1" ?>
<rss version="2.0"><channel>
<title>Northern District of California</title>
<link>https://ecf.cand.uscourts.gov</link>
<item>
<title><![CDATA[3:25-cv-00001-ABC Doe v. Roe]]></title>
<pubDate>{pub}</pubDate>
<guid isPermaLink="true">https://ecf.cand.uscourts.gov/cgi-bin/DktRpt.pl?123</guid>
<description><![CDATA[[Order] (<a href="https://ecf.cand.uscourts.gov/doc1/035123?caseid=123&de_seq_num=40">7</a>)]]></description>
<link>https://ecf.cand.uscourts.gov/cgi-bin/DktRpt.pl?123</link>
</item>
<item>
<title><![CDATA[3:25-cv-00002-ABC Roe v. Doe]]></title>
<pubDate>Thu, 30 Jan 2025 23:12:44 GMT</pubDate>
<guid isPermaLink="true">https://ecf.cand.uscourts.gov/cgi-bin/DktRpt.pl?124</guid>
<description><![CDATA[[Order] (<a href="https://ecf.cand.uscourts.gov/doc1/035124?caseid=124&de_seq_num=9">3</a>)]]></description>
<link>https://ecf.cand.uscourts.gov/cgi-bin/DktRpt.pl?124</link>
</item>
</channel></rss>
"""

MALFORMED_PUBDATES = {
    "year-overflow": "Tue, 22 May 99999999999 22:10:04 GMT",
    "past-year-9999-in-utc": "Fri, 31 Dec 9999 23:59:59 -1200",
}


@pytest.mark.parametrize("name", MALFORMED_PUBDATES)
def test_an_rss_pubdate_out_of_range_rejects_its_item_and_the_next_item_is_published(
    name: str,
) -> None:
    data = _RSS.format(pub=MALFORMED_PUBDATES[name]).encode("latin-1")
    first, second = pacer_rss.parse(data, f"{name}.xml")
    assert isinstance(first, Rejected), first
    assert first.where == f"{name}.xml#item-1"
    assert "pubDate" in first.reason and "out of range" in first.reason
    assert first.raw is not None and MALFORMED_PUBDATES[name].encode() in first.raw
    assert isinstance(second, Parsed), second
    assert second.event.subject == "cand:3:25-cv-00002"


def test_docketline_ingest_rejects_each_malformed_file_and_goes_on(tmp_path: Path) -> None:
    """Through the command: every bad file is a rejected line with its reason, the good one publishes."""
    inputs = tmp_path / "in"
    inputs.mkdir()
    for name, (data, _) in MALFORMED_NEF.items():
        (inputs / f"{name}.eml").write_bytes(data)
    for name, pub in MALFORMED_PUBDATES.items():
        (inputs / f"{name}.xml").write_bytes(_RSS.format(pub=pub).encode("latin-1"))
    (inputs / "zz-good.eml").write_bytes(_notice("X-Note", "fine"))
    result = CliRunner().invoke(
        app,
        ["ingest", "--dry-run", str(inputs)],
        env={"DOCKETLINE_DATA_DIR": str(tmp_path / "data")},
    )
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == 0, result.output
    for name, (_, reason) in MALFORMED_NEF.items():
        prefix = f"rejected {inputs}/{name}.eml:"
        line = next((ln for ln in result.output.splitlines() if ln.startswith(prefix)), None)
        assert line is not None and reason in line, (name, result.output)
    for name in MALFORMED_PUBDATES:
        assert f"rejected {inputs}/{name}.xml#item-1: pubDate" in result.output, result.output
    # the good notice and the second RSS item are published (the other feed repeats that item)
    assert "would publish 2, duplicates skipped 1, rejected 10" in result.output


# --------------------------------------------------------------------------- found by tests/fuzz


def test_a_docket_list_nested_too_deep_to_write_back_is_rejected_with_the_file_bytes() -> None:
    """orjson reads 1,024 levels but writes 255: the rejected item keeps the file's bytes."""
    from services.ingest.adapters import courtlistener

    data = b"[" * 300 + b"]" * 300
    (r,) = courtlistener.parse(data, "deep.json")
    assert isinstance(r, Rejected), r
    assert (r.where, r.raw) == ("deep.json[1]", data)
    assert "must be an object" in r.reason


@pytest.mark.parametrize(
    "value",
    ["22000000000 JAN 0 0:0 GMT", "0 JAN 0 300000000000:0", "Thu, 30 Jan 99999999999 0:0 GMT"],
)
def test_a_retry_after_date_past_datetime_is_no_retry_after(value: str) -> None:
    from services.ingest.courtlistener_api import parse_retry_after

    assert parse_retry_after(value, 1_700_000_000.0) is None
