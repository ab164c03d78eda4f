"""A small portfolio of real model objects for read-model and API tests.

Every event is built with ``services.core.build.build_event`` and folded with
``services.core.evolve.evolve``; alerts come from ``services.core.detect`` —
exactly what the processor publishes, without a processor.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from schemas.alerts import Alert
from schemas.events import CaseInfo, DocketEvent, Entry
from schemas.projection import CaseSnapshot, CaseState
from services.core.build import build_event
from services.core.classification import Classification
from services.core.detect import detect
from services.core.docket_numbers import make_case_id
from services.core.evolve import evolve, snapshot
from services.core.ids import entry_key
from services.readmodel.values import Batch

REF_CASE_ID = "cand:5:25-cv-00709"

COMPLAINT = Classification(type="case.filed", rule="complaint", opening="complaint")
CLASS_COMPLAINT = Classification(
    type="case.filed", rule="complaint", opening="class_action_complaint", class_action=True
)
ENTRY = Classification()
VOLUNTARY_WITHOUT = Classification(
    type="case.dismissed",
    rule="voluntary_dismissal_notice",
    dismissal="voluntary",
    prejudice="without",
)
SETTLED = Classification(type="case.settled")
STAYED = Classification(type="case.stayed")
JUDGMENT = Classification(type="judgment.entered", judgment="summary", prejudice="with")


@dataclass
class SampleCase:
    info: CaseInfo
    entries: list[tuple[int | None, str, str, Classification, bool]]
    """(document number, date, text, classification, stamp a source time?)"""

    @property
    def case_id(self) -> str:
        return make_case_id(self.info.court_id, self.info.docket_number)

    def events(self) -> list[DocketEvent]:
        out = []
        for doc, date, text, c, timed in self.entries:
            d = dt.date.fromisoformat(date)
            entry = Entry(
                entry_key=entry_key(self.case_id, document_number=doc, date_filed=d, text=text),
                date_filed=d,
                document_number=doc,
                text=text,
                source_ref=f"samples:{self.case_id}#{doc}",
            )
            time = dt.datetime(d.year, d.month, d.day, 18, 0, tzinfo=dt.UTC) if timed else None
            out.append(
                build_event(
                    self.info, entry, c, source="test/samples", classifier_version="test", time=time
                )
            )
        return out


REFERENCE = SampleCase(
    CaseInfo(
        court_id="cand",
        docket_number="5:25-cv-00709",
        case_name="De La Torre v. LinkedIn Corporation",
        nature_of_suit="890 Other Statutory Actions",
        date_filed=dt.date(2025, 1, 21),
        parties=("Alessandro De La Torre", "LinkedIn Corporation"),
    ),
    [
        (
            1,
            "2025-01-21",
            "CLASS ACTION COMPLAINT against LinkedIn Corporation. Filed by Alessandro De La Torre.",
            CLASS_COMPLAINT,
            True,
        ),
        (5, "2025-01-23", "Summons Issued as to LinkedIn Corporation.", ENTRY, True),
        (
            12,
            "2025-01-30",
            "NOTICE OF VOLUNTARY DISMISSAL WITHOUT PREJUDICE by Alessandro De La Torre",
            VOLUNTARY_WITHOUT,
            True,
        ),
    ],
)

SAMPLES: list[SampleCase] = [
    REFERENCE,
    SampleCase(
        CaseInfo(
            court_id="nysd",
            docket_number="1:24-cv-01234",
            case_name="Smith v. Acme Widgets Inc.",
            nature_of_suit="190 Contract: Other",
            parties=("John Smith", "Acme Widgets Inc."),
        ),
        [
            (
                1,
                "2024-03-05",
                "COMPLAINT against Acme Widgets Inc. Filed by John Smith.",
                COMPLAINT,
                True,
            ),
            (8, "2024-04-01", "ANSWER to Complaint by Acme Widgets Inc.", ENTRY, True),
        ],
    ),
    SampleCase(
        CaseInfo(
            court_id="txnd",
            docket_number="3:23-cv-00456",
            case_name="Müller v. Global Bank, N.A.",
            nature_of_suit="440 Civil Rights: Other",
            parties=("Jürgen Müller", "Global Bank, N.A."),
        ),
        [
            (
                1,
                "2023-11-10",
                "COMPLAINT against Global Bank. Filed by Jürgen Müller.",
                COMPLAINT,
                True,
            ),
            (40, "2024-06-15", "ORDER OF DISMISSAL upon settlement. Case closed.", SETTLED, True),
        ],
    ),
    SampleCase(
        CaseInfo(
            court_id="cand",
            docket_number="3:24-cv-07777",
            case_name="Doe v. Meta Platforms, Inc.",
            nature_of_suit="890 Other Statutory Actions",
            parties=("Jane Doe", "Meta Platforms, Inc."),
        ),
        [
            (
                1,
                "2024-07-01",
                "CLASS ACTION COMPLAINT against Meta Platforms, Inc.",
                CLASS_COMPLAINT,
                True,
            ),
            (30, "2024-09-01", "ORDER staying case pending arbitration.", STAYED, True),
        ],
    ),
    SampleCase(
        CaseInfo(
            court_id="ilnd",
            docket_number="1:22-cv-00100",
            case_name="Roe v. City of Chicago",
            nature_of_suit="440 Civil Rights: Other",
            parties=("Richard Roe", "City of Chicago"),
        ),
        [
            (1, "2022-02-01", "COMPLAINT against City of Chicago.", COMPLAINT, True),
            (
                99,
                "2023-05-20",
                "JUDGMENT in favor of defendant on summary judgment, with prejudice.",
                JUDGMENT,
                True,
            ),
        ],
    ),
    SampleCase(
        # no case name, no source times: sorts last on case_name and updated_at
        CaseInfo(court_id="nysd", docket_number="1:25-cv-00002"),
        [(1, "2025-02-10", "COMPLAINT.", COMPLAINT, False)],
    ),
]


@dataclass
class Folded:
    """Everything the processor would have published for the samples."""

    events: list[DocketEvent] = field(default_factory=list)
    states: dict[str, CaseSnapshot] = field(default_factory=dict)
    """The last snapshot of each case."""
    memories: dict[str, CaseState] = field(default_factory=dict)
    """The fold's memory of each case (the processor's private table)."""
    history: list[CaseSnapshot] = field(default_factory=list)
    """Every intermediate snapshot, in publication order (what case.states carries)."""
    alerts: list[Alert] = field(default_factory=list)

    def batch(self) -> Batch:
        return Batch(
            cases=tuple((s.case_id, s) for s in self.history),
            events=tuple(self.events),
            alerts=tuple(self.alerts),
        )


def fold(samples: list[SampleCase] = SAMPLES) -> Folded:
    out = Folded()
    for sample in samples:
        state: CaseState | None = None
        for event in sample.events():
            new = evolve(state, event)
            out.events.append(event)
            if new is not state:
                out.alerts.extend(detect(state, new, event))
                out.history.append(snapshot(new))
            state = new
        assert state is not None
        out.states[state.case_id] = snapshot(state)
        out.memories[state.case_id] = state
    return out
