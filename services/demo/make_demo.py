"""Generate the demo dockets from one definition, through the real ingest step.

Run ``python -m services.demo.make_demo`` after changing the cases below or the
classifier: the JSONL events embed the classification, so they are rebuilt
with the project's own ``classify`` and ``build_event`` (via
:func:`services.ingest.common.to_result`, the step every adapter uses), and
every line is checked with :func:`schemas.codec.decode_event` and the JSONL
adapter's identity checks before anything is written.

Files (package data of ``services.demo``):

* ``reference_case.jsonl``: *De La Torre v. LinkedIn Corporation*, N.D. Cal.
  5:25-cv-00709 (class action complaint 2025-01-21, notice of voluntary
  dismissal without prejudice 2025-01-30), from public reporting;
* ``sample_cases.jsonl``: five invented cases in real clerk phrasing (stayed,
  settled, remanded, transferred to an MDL, open with an amended complaint);
* ``reference_case_rss.xml``: the reference case as two PACER RSS items
  (``[Complaint]``, ``[Notice of Voluntary Dismissal]``), event names only;
* ``reference_dismissal_nef.eml``: the NEF e-mail of the dismissal, with the
  full docket text ("... WITHOUT PREJUDICE ..."), which refines the RSS stub.

The sample cases' parties and numbers are invented; only the reference case
is real.
"""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass
from pathlib import Path

from schemas.codec import decode_event, encode_event
from schemas.events import DocketEvent
from services.ingest.adapters.jsonl import identity_problem
from services.ingest.common import SourceCase, SourceEntry, to_result
from services.ingest.records import Parsed

DEMO_DIR = Path(__file__).resolve().parent
SOURCE = "demo"

REFERENCE_CASE_ID = "cand:5:25-cv-00709"
REFERENCE = SourceCase(
    court_id="cand",
    docket_number="5:25-cv-00709-EJD",
    case_name="De La Torre v. LinkedIn Corporation",
    nature_of_suit="890 Other Statutory Actions",
    jurisdiction="Federal Question",
    date_filed="2025-01-21",
    parties=("Alessandro De La Torre", "LinkedIn Corporation"),
)
COMPLAINT_TEXT = (
    "CLASS ACTION COMPLAINT against LinkedIn Corporation ( Filing fee $ 405, receipt number "
    "ACANDC-XXXXX.). Filed by Alessandro De La Torre. (Attachments: # 1 Civil Cover Sheet, "
    "# 2 Summons)"
)
DISMISSAL_TEXT = (
    "NOTICE OF VOLUNTARY DISMISSAL WITHOUT PREJUDICE by Alessandro De La Torre. "
    "(Filed on 1/30/2025)"
)


@dataclass(frozen=True, slots=True)
class RefEntry:
    """A reference-case entry with the CM/ECF identifiers its RSS item and NEF share."""

    document_number: int
    date_filed: str
    text: str
    event_name: str
    pacer_doc_id: str
    pacer_seq_no: int
    published: dt.datetime
    """When CM/ECF published it (RSS pubDate, NEF time): 17:05 PST is already the next day in GMT."""


REF_ENTRIES = (
    RefEntry(1, "2025-01-21", COMPLAINT_TEXT, "Complaint", "035025112340", 1,
             dt.datetime(2025, 1, 22, 1, 5, 31, tzinfo=dt.UTC)),
    RefEntry(12, "2025-01-30", DISMISSAL_TEXT, "Notice of Voluntary Dismissal", "035025168812", 41,
             dt.datetime(2025, 1, 30, 23, 12, 44, tzinfo=dt.UTC)),
)  # fmt: skip
PACER_CASE_ID = 443291


def reference_entries() -> list[SourceEntry]:
    return [
        SourceEntry(
            case=REFERENCE,
            date_filed=e.date_filed,
            date_entered=e.date_filed,
            text=e.text,
            document_number=e.document_number,
            pacer_doc_id=e.pacer_doc_id,
            pacer_seq_no=e.pacer_seq_no,
            source_ref=f"demo:{REFERENCE_CASE_ID}#{e.document_number}",
        )
        for e in REF_ENTRIES
    ]


def _case(court: str, number: str, name: str, filed: str, nos: str, *parties: str) -> SourceCase:
    return SourceCase(
        court_id=court,
        docket_number=number,
        case_name=name,
        nature_of_suit=nos,
        date_filed=filed,
        parties=parties,
    )


STAYED = _case(
    "nysd",
    "1:24-cv-03112-LJL",
    "Marquez v. Northwind Logistics, Inc.",
    "2024-04-23",
    "890 Other Statutory Actions",
    "Elena Marquez",
    "Northwind Logistics, Inc.",
)
SETTLED = _case(
    "ilnd",
    "1:23-cv-04411",
    "Okafor v. Brightline Staffing LLC",
    "2023-07-10",
    "710 Labor: Fair Standards",
    "Adaeze Okafor",
    "Brightline Staffing LLC",
)
REMANDED = _case(
    "cacd",
    "2:24-cv-01876-MWF-AGR",
    "Whitfield v. Coastal Home Insurance Company",
    "2024-03-07",
    "110 Insurance",
    "Dana Whitfield",
    "Coastal Home Insurance Company",
)
TRANSFERRED = _case(
    "txnd",
    "3:23-cv-02270-N",
    "Delgado v. Lumen Hair Care Products, Inc. et al",
    "2023-10-16",
    "365 Personal Inj. Prod. Liability",
    "Rosa Delgado",
    "Lumen Hair Care Products, Inc.",
)
AMENDED = _case("wawd", "2:24-cv-00517-JNW", "Nakamura v. Cascade Fintech Corp.", "2024-04-15",
                "480 Consumer Credit", "Kenji Nakamura", "Cascade Fintech Corp.")  # fmt: skip

SAMPLES: tuple[tuple[SourceCase, tuple[tuple[int | None, str, str], ...]], ...] = (
    (STAYED, (
        (1, "2024-04-23", ("CLASS ACTION COMPLAINT against Northwind Logistics, Inc. (Filing Fee $ 405.00, "
            "Receipt Number ANYSDC-29418832) with JURY DEMAND.Document filed by Elena Marquez."
            "(Kaplan, Ruth) (Entered: 04/23/2024)")),
        (14, "2024-06-04", ("MOTION to Compel Arbitration and Stay Proceedings . Document filed by Northwind "
             "Logistics, Inc..(Pryor, Daniel) (Entered: 06/04/2024)")),
        (22, "2024-07-18", ("OPINION AND ORDER granting [14] Motion to Compel Arbitration. Plaintiff's claims "
             "shall proceed in arbitration and this action is STAYED pending the outcome of the "
             "arbitration. The parties shall file a joint status letter every 90 days. SO ORDERED. "
             "(Signed by Judge Lewis J. Liman on 7/18/2024) (ks) (Entered: 07/18/2024)")),
    )),
    (SETTLED, (
        (1, "2023-07-10", ("COMPLAINT filed by Adaeze Okafor, individually and on behalf of all others "
            "similarly situated; Jury Demand. Filing fee $ 402, receipt number AILNDC-20811347. "
            "(Attachments: # 1 Exhibit A - Consent to Join, # 2 Civil Cover Sheet)(Hale, Marcus) "
            "(Entered: 07/10/2023)")),
        (27, "2024-01-12", "NOTICE by Adaeze Okafor of Settlement (Hale, Marcus) (Entered: 01/12/2024)"),
        (29, "2024-02-20", ("MINUTE entry before the Honorable Sara L. Ellis: The Court has been advised that "
             "the parties have settled this matter. The parties having filed a stipulation of dismissal "
             "[28], this case is dismissed with prejudice, each party to bear its own fees and costs. "
             "Civil case terminated. Mailed notice. (rj, ) (Entered: 02/20/2024)")),
    )),
    (REMANDED, (
        (1, "2024-03-07", ("NOTICE OF REMOVAL from Superior Court of California, County of Los Angeles, "
            "case number 23STCV29811 Receipt No: ACACDC-37112094 - Fee: $405, filed by Defendant Coastal "
            "Home Insurance Company. (Attachments: # 1 Exhibit A - Complaint, # 2 Civil Cover Sheet) "
            "(Attorney Gail Morrow added to party Coastal Home Insurance Company(pty:dft))(Morrow, Gail) "
            "(Entered: 03/07/2024)")),
        (12, "2024-04-02", ("NOTICE OF MOTION AND MOTION to Remand Case to Los Angeles Superior Court filed by "
             "Plaintiff Dana Whitfield. Motion set for hearing on 5/6/2024 at 10:00 AM before Judge "
             "Michael W. Fitzgerald. (Ortiz, Luis) (Entered: 04/02/2024)")),
        (19, "2024-05-03", ("ORDER GRANTING PLAINTIFF'S MOTION TO REMAND [12] by Judge Michael W. Fitzgerald. "
             "The Court lacks subject matter jurisdiction because the amount in controversy does not "
             "exceed $75,000. The action is REMANDED to the Superior Court of California, County of Los "
             "Angeles, Case No. 23STCV29811. (MD JS-6. Case Terminated.) (jp) (Entered: 05/06/2024)")),
    )),
    (TRANSFERRED, (
        (1, "2023-10-16", ("COMPLAINT against Lumen Hair Care Products, Inc., Lumen Brands LLC filed by Rosa "
            "Delgado. (Filing fee $402; Receipt number ATXNDC-14027750) Clerk to issue summons(es). In "
            "each Notice of Electronic Filing, the judge assignment is indicated, and a link to the "
            "Judges Copy Requirements is provided. (Attachments: # 1 Cover Sheet) (Vance, Leon) "
            "(Entered: 10/16/2023)")),
        (9, "2023-11-29", ("CONDITIONAL TRANSFER ORDER (CTO-21) from the Judicial Panel on Multidistrict "
            "Litigation transferring this case to the Northern District of Illinois for coordinated or "
            "consolidated pretrial proceedings in MDL No. 3060, In re: Hair Relaxer Marketing, Sales "
            "Practices, and Products Liability Litigation. (sre) (Entered: 11/29/2023)")),
        (10, "2023-11-29", ("Case transferred out to the Northern District of Illinois, MDL No. 3060. "
             "Original file, certified copy of transfer order and docket sheet sent. (sre) "
             "(Entered: 11/29/2023)")),
    )),
    (AMENDED, (
        (1, "2024-04-15", ("CLASS ACTION COMPLAINT against defendant(s) Cascade Fintech Corp. with JURY "
            "DEMAND (Receipt # AWAWDC-8823105) Attorney Priya Raman added to party Kenji Nakamura"
            "(pty:pla), filed by Kenji Nakamura. (Attachments: # 1 Civil Cover Sheet, # 2 Summons) "
            "(Raman, Priya) (Entered: 04/15/2024)")),
        (18, "2024-06-21", ("FIRST AMENDED CLASS ACTION COMPLAINT against defendant(s) Cascade Fintech Corp., "
             "Cascade Servicing LLC with JURY DEMAND, filed by Kenji Nakamura, Tomas Reyes. (Raman, Priya) "
             "(Entered: 06/21/2024)")),
        (24, "2024-07-19", ("MOTION to Dismiss First Amended Class Action Complaint, filed by Defendants "
             "Cascade Fintech Corp., Cascade Servicing LLC. Noting Date 8/16/2024, (Lindqvist, Erik) "
             "(Entered: 07/19/2024)")),
    )),
)  # fmt: skip


def sample_entries() -> list[SourceEntry]:
    return [
        SourceEntry(case=case, date_filed=date, text=text, document_number=doc)
        for case, entries in SAMPLES
        for doc, date, text in entries
    ]


def build(entries: list[SourceEntry], label: str) -> list[DocketEvent]:
    """Events for ``entries``; any entry the ingest step rejects is a bug in this file."""
    events = []
    for i, se in enumerate(entries, start=1):
        result = to_result(se, source=SOURCE, where=f"{label}#{i}", raw=None)
        if not isinstance(result, Parsed):
            raise SystemExit(f"demo entry {result.where} rejected: {result.reason}")
        problem = identity_problem(result.event)
        if problem:
            raise SystemExit(f"demo entry {result.where}: {problem}")
        events.append(result.event)
    return events


def jsonl_bytes(events: list[DocketEvent]) -> bytes:
    lines = [encode_event(e) for e in events]
    for line in lines:  # the single parse path must accept what we ship
        decode_event(line)
    return b"".join(line + b"\n" for line in lines)


def rss_bytes() -> bytes:
    """The reference case as a CAND "Recent Entries" feed: newest item first, event names only."""
    items = []
    for e in sorted(REF_ENTRIES, key=lambda x: x.published, reverse=True):
        # the feed links the document with the attachment flag set (4th digit 1)
        doc_link = f"https://ecf.cand.uscourts.gov/doc1/{e.pacer_doc_id[:3]}1{e.pacer_doc_id[4:]}"
        items.append(
            f"""<item>
<title><![CDATA[5:25-cv-00709-EJD De La Torre v. LinkedIn Corporation]]></title>
<link>https://ecf.cand.uscourts.gov/cgi-bin/DktRpt.pl?{PACER_CASE_ID}</link>
<description>[{e.event_name}] (&lt;a href=&quot;{doc_link}?caseid={PACER_CASE_ID}&amp;de_seq_num={e.pacer_seq_no}&quot;&gt;{e.document_number}&lt;/a&gt;)</description>
<guid isPermaLink="true">https://ecf.cand.uscourts.gov/cgi-bin/DktRpt.pl?{PACER_CASE_ID}&amp;{e.pacer_seq_no}</guid>
<pubDate>{e.published.strftime("%a, %d %b %Y %H:%M:%S GMT")}</pubDate>
</item>
"""
        )
    build_date = REF_ENTRIES[-1].published.strftime("%a, %d %b %Y %H:%M:%S GMT")
    feed = f"""<?xml version="1.0" encoding="ISO-8859-1"?>

<rss version="2.0">

<channel>
<title>California Northern District Court - Recent Entries</title>
<link>https://ecf.cand.uscourts.gov</link>
<description>Docket entries of type: all</description>
<lastBuildDate>{build_date}</lastBuildDate>

{"".join(items)}</channel>
</rss>
"""
    return feed.encode("iso-8859-1")


def nef_bytes() -> bytes:
    """The NEF e-mail CM/ECF sends for the dismissal (document 12), HTML body as CAND sends it."""
    e = REF_ENTRIES[1]
    local = e.published.astimezone(dt.timezone(dt.timedelta(hours=-8)))
    when = f"{local.month}/{local.day}/{local.year} at {local.strftime('%I:%M %p').lstrip('0')} PST"
    filed = f"{local.month}/{local.day}/{local.year}"
    return f"""Return-Path: <ECF-CAND@cand.uscourts.gov>
Received: from cand-ecf.cand.gtwy.dcn (localhost.localdomain [127.0.0.1])
	by cand-ecf.cand.gtwy.dcn (8.14.4/8.14.4) with ESMTP id 50UNCmZ1031816;
	{local.strftime("%a, %d %b %Y %H:%M:%S -0800")}
Date: {local.strftime("%a, %d %b %Y %H:%M:%S -0800")}
MIME-Version:1.0
From:ECF-CAND@cand.uscourts.gov
To:efiling@cand.uscourts.gov
Message-Id:<21844512@cand.uscourts.gov>
Subject:Activity in Case 5:25-cv-00709-EJD De La Torre v. LinkedIn Corporation {e.event_name}
Content-Type: text/html

<p><strong><font color="#FF0000">This is an automatic e-mail message generated by the CM/ECF system. 
Please DO NOT RESPOND to this e-mail because the mail box is unattended.
</font><br>***NOTE TO PUBLIC ACCESS USERS*** Judicial Conference of the United States policy permits attorneys of record and parties in a case (including pro se litigants) to receive one free electronic copy of all documents filed electronically, if receipt is required by law or directed by the filer. PACER access fees apply to all other users.  To avoid later charges, download a copy of each document during this first viewing. However, if the referenced document is a transcript, the free copy and 30 page limit do not apply.</strong></p>



<p align=center><strong>U.S. District Court</strong></p>
<p align=center><strong>California Northern District</strong></p>
<font size="3" face="arial,helvetica"><b>Notice of Electronic Filing</b></font>

<BR>

<div><BR>
The following transaction was entered  by Counsel, Plaintiff  on {when} and filed 
on {filed} <BR>




<table border=0 cellspacing=0>
<tr><td><strong>Case Name:</strong>
</td><td>De La Torre v. LinkedIn 
Corporation</td></tr>
<tr><td><strong>Case Number:</strong></td><td><A 
HREF=https://ecf.cand.uscourts.gov/cgi-bin/DktRpt.pl?{PACER_CASE_ID}>5:25-cv-00709-EJD</A></td></tr>

<tr><td><strong>Filer:</strong></td><td>Alessandro De La Torre</td></tr>


<tr><td><strong>Document Number:</strong></td>
<td>
<a href="https://ecf.cand.uscourts.gov/doc1/{e.pacer_doc_id}?caseid={PACER_CASE_ID}&de_seq_num={e.pacer_seq_no}&magic_num=MAGIC" 
>{e.document_number}</a> 
</td></tr>
<tr><td><strong></strong></td><td></td></tr>
</table>
<p>
<strong>Docket Text:</strong>
<BR>
<FONT  FACE="arial,helvetica" COLOR="#0000cc" SIZE=3><b>
{e.text}
</b></Font>
</p>




<BR>
<B>
5:25-cv-00709-EJD Notice has been electronically mailed to:
</B>
<BR>

<BR>
Plaintiff Counsel                                           
  &nbsp &nbsp counsel@example.com <BR>
<BR>

<B>
5:25-cv-00709-EJD Please see <a href=http://www.cand.uscourts.gov/localrules/civil#SERVICE>Local 
Rule 5-5</a>; Notice has NOT been electronically mailed to:
</B>
<BR>
""".replace("\n", "\r\n").encode("ascii")


def main(out_dir: Path = DEMO_DIR) -> list[Path]:
    files = {
        "reference_case.jsonl": jsonl_bytes(build(reference_entries(), "reference")),
        "sample_cases.jsonl": jsonl_bytes(build(sample_entries(), "samples")),
        "reference_case_rss.xml": rss_bytes(),
        "reference_dismissal_nef.eml": nef_bytes(),
    }
    written = []
    for name, data in files.items():
        path = out_dir / name
        path.write_bytes(data)
        written.append(path)
    return written


if __name__ == "__main__":
    for p in main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEMO_DIR):
        print(p)
