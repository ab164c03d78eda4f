"""The case-state projection published on ``case.states`` and served by the API.

A ``CaseState`` is a pure function of the set of events applied to it (see
``services.core.evolve``): the same events in any order and with any number of
redeliveries give the same value, byte for byte once encoded.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import Field

from schemas.events import DocumentNumber, EventType, Frozen, SequenceNumber
from schemas.vocabulary import Confidence, DispositionType, Prejudice, Scope, Status

STATE_SCHEMA_VERSION = 1


FjcCode = Annotated[int, Field(ge=0, le=99)]
"""The IDB's two-digit disposition field (codes 0-20 are assigned); anything else is not a code,
and would not fit the readers' 64-bit integers either."""


class Disposition(Frozen):
    type: DispositionType
    prejudice: Prejudice = "unknown"
    date: dt.date
    event_id: str
    fjc_code: FjcCode | None = Field(
        default=None, description="Federal Judicial Center IDB civil disposition code."
    )
    detail: str | None = Field(default=None, description="e.g. 'summary judgment', 'MDL transfer'.")
    confidence: Confidence = Field(
        default="high",
        description="'medium' when the closing was inferred (a bare 'Stipulation and Order' after a settlement), "
        "not stated; a subscriber may act on 'high' only.",
    )


class StatusChange(Frozen):
    status: Status
    disposition: Disposition | None = None
    date: dt.date
    event_id: str
    entry_key: str


class CaseFlags(Frozen):
    class_action: bool = False
    appealed: bool = False
    settlement_noticed: bool = False
    amended_complaints: int = 0
    partial_dismissals: int = 0


class EntryRecord(Frozen):
    """What the fold needs to remember of one docket entry (not its text: that is in the log)."""

    entry_key: str
    event_id: str
    type: EventType
    date: dt.date
    document_number: DocumentNumber | None = None
    sequence: SequenceNumber | None = None
    stub: bool = False
    time: dt.datetime | None = None
    # effect parameters, copied from the event's classification
    disposition: DispositionType | None = None
    prejudice: Prejudice | None = None
    scope: Scope | None = None
    detail: str | None = None
    fjc_code: FjcCode | None = None
    closes_case: bool = False
    targets: tuple[DocumentNumber, ...] = ()
    class_action: bool = False
    appeal: bool = False
    confidence: Confidence = "high"
    closes_after_settlement: bool = False


class CaseState(Frozen):
    case_id: str
    court_id: str
    docket_number: str
    case_name: str | None = None
    nature_of_suit: str | None = None
    cause: str | None = None
    parties: tuple[str, ...] = ()
    header_date_filed: dt.date | None = Field(
        default=None, description="Filing date from source case headers."
    )
    header_class_action: bool = Field(
        default=False, description="A source header marks the case as a class action."
    )
    status: Status
    disposition: Disposition | None = None
    date_filed: dt.date | None = None
    date_terminated: dt.date | None = None
    status_history: tuple[StatusChange, ...] = ()
    flags: CaseFlags = CaseFlags()
    entry_count: int = 0
    updated_at: dt.datetime | None = Field(
        default=None, description="Source time of the newest applied event (not wall-clock time)."
    )
    entries: tuple[EntryRecord, ...] = Field(
        default=(),
        description="Applied entries in event-time order (date, document number, sequence).",
    )
    state_version: int = STATE_SCHEMA_VERSION
