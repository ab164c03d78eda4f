"""Dockets with dates, deadlines and milestones, for the read model's calendar and milestone tests.

Events are built by ``build_event`` from the real classifier's readings (the
status reading of ``classify`` and the entry class of ``classify_entry``);
states are folded by ``evolve`` (:func:`tests.readmodel_samples.fold`).
"""

from __future__ import annotations

import datetime as dt

from schemas.events import CaseInfo
from services.core.classify import classify
from tests.readmodel_samples import REF_CASE_ID, SampleCase

ENTRY_3 = (
    "ORDER Setting Initial Case Management Conference and ADR Deadlines: Case Management "
    "Statement due by 4/22/2025. Initial Case Management Conference set for 4/29/2025 10:00 AM "
    "in San Jose, Courtroom 4, 5th Floor. (Filed on 1/21/2025)"
)
RESET_8 = (
    "CLERK'S NOTICE: Initial Case Management Conference reset for 5/6/2025 01:30 PM in San Jose."
)
VACATE_13 = "ORDER: the Initial Case Management Conference set for 5/6/2025 is VACATED."
REFERENCE_TEXTS: list[tuple[int, str, str]] = [
    (
        1,
        "2025-01-21",
        "CLASS ACTION COMPLAINT against LinkedIn Corporation. Filed by Alessandro De La Torre.",
    ),
    (3, "2025-01-21", ENTRY_3),
    (5, "2025-01-23", "Summons Issued as to LinkedIn Corporation."),
    (8, "2025-01-24", RESET_8),
    (12, "2025-01-30", "NOTICE OF VOLUNTARY DISMISSAL WITHOUT PREJUDICE by Alessandro De La Torre"),
    (13, "2025-01-31", VACATE_13),
]

ORBIT_ID = "ohsd:2:24-cv-00311"
ORBIT_TEXTS: list[tuple[int, str, str]] = [
    (1, "2024-02-01", "CLASS ACTION COMPLAINT against Orbit Telecom, Inc. filed by Maya Chen."),
    (
        20,
        "2024-05-10",
        (
            "MOTION to Dismiss for Failure to State a Claim by Orbit Telecom, Inc. Motion Hearing set "
            "for 6/20/2024 10:00 AM in Courtroom 3 before Judge Ana Ruiz."
        ),
    ),
    (
        31,
        "2024-06-21",
        (
            "ORDER granting in part and denying in part 20 Motion to Dismiss for Failure to State a "
            "Claim. Signed by Judge Ana Ruiz on 6/21/2024."
        ),
    ),
    (
        32,
        "2024-06-24",
        (
            "CLERK'S NOTICE: Status Conference set for 7/1/2024 09:00 AM in Courtroom 3 before Judge "
            "Ana Ruiz."
        ),
    ),
]

ACME_ID = "nysd:1:24-cv-01234"
ACME_TEXTS: list[tuple[int, str, str]] = [
    (1, "2024-03-05", "COMPLAINT against Acme Widgets Inc. Filed by John Smith."),
    (
        9,
        "2024-06-20",
        (
            "ORDER: Initial Pretrial Conference set for 6/20/2024 at 10:00 AM before Judge Lewis J. "
            "Liman."
        ),
    ),
    (
        41,
        "2024-06-28",
        (
            "ORDER granting 30 Motion to Dismiss for Failure to State a Claim. The complaint is "
            "dismissed. Signed by Judge Lewis J. Liman on 6/28/2024."
        ),
    ),
]


def case(info: CaseInfo, texts: list[tuple[int, str, str]]) -> SampleCase:
    return SampleCase(info, [(n, d, t, classify(t, None, n), True) for n, d, t in texts])


REFERENCE = case(
    CaseInfo(
        court_id="cand",
        docket_number="5:25-cv-00709",
        case_name="De La Torre v. LinkedIn Corporation",
        date_filed=dt.date(2025, 1, 21),
    ),
    REFERENCE_TEXTS,
)
ORBIT = case(
    CaseInfo(
        court_id="ohsd", docket_number="2:24-cv-00311", case_name="Chen v. Orbit Telecom, Inc."
    ),
    ORBIT_TEXTS,
)
ACME = case(
    CaseInfo(
        court_id="nysd", docket_number="1:24-cv-01234", case_name="Smith v. Acme Widgets Inc."
    ),
    ACME_TEXTS,
)
CALENDAR_SAMPLES = [REFERENCE, ORBIT, ACME]
assert REFERENCE.case_id == REF_CASE_ID and ORBIT.case_id == ORBIT_ID and ACME.case_id == ACME_ID
