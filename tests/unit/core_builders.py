"""Literal docket events for unit tests of the pure core."""

from __future__ import annotations

import datetime as dt

from schemas.events import CaseInfo, DocketEvent, Entry
from services.core.build import build_event
from services.core.classification import Classification
from services.core.docket_numbers import make_case_id
from services.core.ids import entry_key

REF_CASE = CaseInfo(
    court_id="cand",
    docket_number="5:25-cv-00709",
    case_name="De La Torre v. LinkedIn Corp.",
    date_filed=dt.date(2025, 1, 21),
    nature_of_suit="890 Other Statutory Actions",
)
REF_ID = "cand:5:25-cv-00709"


def event(
    doc: int | None,
    date: str,
    text: str,
    c: Classification,
    *,
    case: CaseInfo = REF_CASE,
    stub: bool = False,
    time: dt.datetime | None = None,
    event_name: str | None = None,
    seq: int | None = None,
) -> DocketEvent:
    d = dt.date.fromisoformat(date)
    cid = make_case_id(case.court_id, case.docket_number)
    entry = Entry(
        entry_key=entry_key(cid, document_number=doc, date_filed=d, pacer_seq_no=seq, text=text),
        date_filed=d,
        document_number=doc,
        text=text,
        event_name=event_name,
        text_is_stub=stub,
        pacer_seq_no=seq,
    )
    return build_event(case, entry, c, source="test", classifier_version="test", time=time)


FILED = Classification(type="case.filed", opening="class_action_complaint", class_action=True)
ANSWER = Classification()
VOLUNTARY_WITHOUT = Classification(
    type="case.dismissed", dismissal="voluntary", prejudice="without"
)
VOLUNTARY_UNKNOWN = Classification(type="case.dismissed", dismissal="voluntary")
PARTIAL = Classification(
    type="case.dismissed", dismissal="court", scope="partial", prejudice="with"
)
STAYED = Classification(type="case.stayed")
LIFTED = Classification(type="stay.lifted")
REOPENED = Classification(type="case.reopened")
SETTLED = Classification(type="case.settled")
SETTLEMENT_NOTICE = Classification(type="case.settled", settlement_closes_case=False)
JUDGMENT = Classification(type="judgment.entered", judgment="summary")
TRANSFER_MDL = Classification(type="case.transferred", mdl=True, to_court="JPML")
REMAND = Classification(type="case.remanded", remand_to="state_court")
ADMIN_CLOSED = Classification(
    type="case.closed", closed_disposition="other", reason="administrative closing"
)
AMENDED = Classification(type="complaint.amended")
APPEAL = Classification(appeal=True)


def stricken(*targets: int) -> Classification:
    return Classification(type="entry.stricken", targets=targets)


def complaint() -> DocketEvent:
    return event(
        1,
        "2025-01-21",
        "CLASS ACTION COMPLAINT against LinkedIn Corporation. Filed by Alessandro De La Torre.",
        FILED,
    )


def dismissal() -> DocketEvent:
    return event(
        12,
        "2025-01-30",
        "NOTICE OF VOLUNTARY DISMISSAL WITHOUT PREJUDICE by Alessandro De La Torre",
        VOLUNTARY_WITHOUT,
    )
