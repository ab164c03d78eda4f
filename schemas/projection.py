"""The fold's memory of a case (private) and the snapshot it publishes on ``case.states``.

* :class:`CaseState` is what the fold remembers between events (``services.core.evolve``):
  every applied entry and the header facts the fold merges. It is **private** to
  the processor: its table holds it, in a compact versioned encoding
  (``schemas.codec.encode_memory``), on the processor's own changelog topic.
* :class:`CaseSnapshot` is the **public** projection: status, disposition,
  history, flags, parties, counts and the last entry, without the entry list
  (entries are on ``docket.events``) or the fold's header internals. It is the
  value on the compacted ``case.states`` and what the read model serves.

Both are pure functions of the *set* of events applied to a case: the same
events in any order and with any number of redeliveries give the same value,
byte for byte once encoded.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field

from schemas.events import DocumentNumber, EventType, Frozen, SequenceNumber
from schemas.vocabulary import Confidence, DispositionType, Prejudice, Scope, Status

SNAPSHOT_VERSION: Literal[2] = 2
"""``state_version`` of the public snapshot on ``case.states``.

Version 1 was the whole ``CaseState`` (entries and header internals included);
``schemas.codec.decode_snapshot`` upcasts it (``tests/fixtures/states/v1``)."""
MEMORY_VERSION = 2
"""Version of the private memory encoding (``schemas.codec.encode_memory``).

Version 1 is ``CaseState`` v1 as the old processor's table wrote it (JSON, on
``case.states``); ``schemas.codec.decode_memory`` upcasts it."""


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
    """What the fold needs to remember of one docket entry (not its text: that is in the log).

    ``_row`` (a slot, not a field) remembers the record's encoded row in the private memory.
    """

    __slots__ = ("_row",)

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


class CaseProjection(Frozen):
    """What the memory and the snapshot both hold, in this order (the snapshot's JSON is the
    memory's head up to ``header_date_filed``: ``schemas.codec.encode_outputs``)."""

    case_id: str
    court_id: str
    docket_number: str
    case_name: str | None = None
    nature_of_suit: str | None = None
    cause: str | None = None
    parties: tuple[str, ...] = ()
    status: Status
    disposition: Disposition | None = None
    date_filed: dt.date | None = None
    date_terminated: dt.date | None = None
    status_history: tuple[StatusChange, ...] = ()
    flags: CaseFlags = CaseFlags()
    entry_count: int = Field(default=0, description="Docket entries applied (one per entry key).")
    updated_at: dt.datetime | None = Field(
        default=None, description="Source time of the newest applied event (not wall-clock time)."
    )


class CaseState(CaseProjection):
    """The fold's memory of one case: private to the processor (see the module docstring).

    ``_derived`` (a slot, not a field: never encoded, compared or copied) holds
    what ``services.core.evolve`` derives from the entries to go on from this
    value without folding them again (entry index, stricken numbers, fold
    checkpoints).
    """

    __slots__ = ("_derived",)

    header_date_filed: dt.date | None = Field(
        default=None, description="Filing date from source case headers."
    )
    header_class_action: bool = Field(
        default=False, description="A source header marks the case as a class action."
    )
    entries: tuple[EntryRecord, ...] = Field(
        default=(),
        description="Applied entries in event-time order (date, document number, sequence).",
    )


class LastEntry(Frozen):
    """The case's last docket entry in event-time order (the version the fold applied)."""

    entry_key: str
    event_id: str
    type: EventType
    date: dt.date
    document_number: DocumentNumber | None = None


class CaseSnapshot(CaseProjection):
    """The public projection of a case on ``case.states`` (compacted, keyed by ``case_id``).

    No entry list: a case's entries are its events on ``docket.events`` (the read
    model keeps them for timelines). Version 2; version 1 (``CaseState`` v1, with
    entries) is upcast by ``schemas.codec.decode_snapshot``.
    """

    last_entry: LastEntry | None = None
    state_version: Literal[2] = SNAPSHOT_VERSION
