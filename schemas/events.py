"""Docket events: the facts on ``docket.events``.

Every event is a past-tense fact about one docket entry of one case. The
envelope follows CloudEvents 1.0 attribute names (``id``, ``source``, ``type``,
``time``, ``subject``, ``data``) so generic tooling can read it; ``subject`` is
the ``case_id`` and is also the Kafka record key.

Invariants
----------
* ``id`` is deterministic: derived from the entry's identity (``entry_key``)
  and its content, so the same entry seen twice from the same source is the
  same event and a redelivery is a no-op.
* ``data.entry.entry_key`` identifies the docket entry across sources (court,
  docket number, document number, ...). Two events with the same entry key
  and different ids are two *versions* of one entry (an RSS stub and the NEF
  text that follows it); the projection keeps the most informative version.
* ``data.entry`` keeps the source's own words (docket text, event name,
  document number, source reference) so a later classifier can re-read them.
* Models are frozen and reject unknown fields; ``schema_version`` names the
  shape, and :mod:`schemas.codec` upcasts older versions before validation.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from schemas.vocabulary import (
    Confidence,
    DismissalKind,
    DispositionType,
    EntryClass,
    JudgmentKind,
    OpeningKind,
    Outcome,
    Prejudice,
    Scope,
)

EVENT_SCHEMA_VERSION: Final = 4
"""Current version of the event shape; older versions are upcast on read (schemas.codec).

History (each step has an upcaster in ``schemas.codec.UPCASTERS``, tested with
recorded events in ``tests/fixtures/events/v<N>/``):

* 1 — the first shape.
* 2 — ``data.classifier_rule``: the name of the classifier rule that decided
  the event's type, so a reader (and a ``docketline rebuild --reclassify``
  report) can say *why* an entry was read as it was. Version 1 events did not
  record it: the upcaster sets ``None``.
* 3 — ``data.classifier_confidence`` (``high`` when the entry's words say what
  happened, ``medium`` when it is inferred, e.g. a bare "Stipulation and
  Order"), and on dismissals/settlements ``reopen_within_days`` and
  ``closes_after_settlement``. Version 2 events did not record a confidence:
  the upcaster sets ``None`` (read as ``high``, what the version 2 classifier
  meant by every reading); the new fields take their defaults.
* 4 — ``data.entry_class`` (what kind of paper or act the entry is, from
  ``schemas.vocabulary.EntryClass``; see ``docs/entry-classes.md``),
  ``data.entry_outcome`` (granted / denied / ... for an order on a motion) and
  ``data.cites`` (docket numbers the entry refers to, e.g. the motion an order
  decides). Version 3 events did not record them: the upcaster sets
  ``entry_class`` to ``None`` (unknown: a reader may classify the kept words
  with ``services.core.entry_classes``), no outcome and no citations.
"""


MAX_DOCUMENT_NUMBER: Final = 9_999_999
"""Largest document (entry) number the contract accepts.

The largest real dockets (MDLs, mega-bankruptcies) have entries numbered in
the tens of thousands; seven digits leave two orders of magnitude and match
what the ingest step always read from text. Stored as SQLite INTEGER (signed
64 bits) and read by the dashboard as a JavaScript number: both exact here.
"""

MAX_SEQUENCE: Final = 2**53 - 1
"""Largest sequence number (PACER ``de_seq_num``, feed position) the contract accepts.

PACER sequence numbers count entries of a court's whole database (seven digits
today). 2**53 - 1 is the largest integer every JSON reader that uses doubles
(JavaScript, the dashboard) reads exactly, and it is well inside SQLite's
signed 64 bits, so every reader can store and sort it.
"""

DocumentNumber = Annotated[
    int,
    Field(
        ge=0,
        le=MAX_DOCUMENT_NUMBER,
        description=f"Docket entry number, 0..{MAX_DOCUMENT_NUMBER:_}.",
    ),
]
SequenceNumber = Annotated[
    int,
    Field(
        ge=0,
        le=MAX_SEQUENCE,
        description="Sequence number, 0..2**53-1 (exact as a JSON double and in SQLite).",
    ),
]


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CaseInfo(Frozen):
    """What the source says about the case itself (header facts)."""

    court_id: str = Field(description="PACER/CourtListener court abbreviation, e.g. 'cand'.")
    docket_number: str = Field(description="Normalised docket number, e.g. '5:25-cv-00709'.")
    case_name: str | None = None
    nature_of_suit: str | None = None
    cause: str | None = None
    jurisdiction: str | None = None
    date_filed: dt.date | None = Field(
        default=None, description="Filing date as the source's case header gives it."
    )
    parties: tuple[str, ...] = ()
    class_action: bool | None = Field(
        default=None, description="True when the source marks the case as a class action."
    )


class Entry(Frozen):
    """One docket entry in the source's own words."""

    entry_key: str = Field(
        description="Identity of the entry across sources and versions "
        "(case_id + document number, or + date and sequence/text digest when unnumbered)."
    )
    date_filed: dt.date
    date_entered: dt.date | None = None
    document_number: DocumentNumber | None = Field(
        default=None,
        description=f"The entry's number on the docket, 0..{MAX_DOCUMENT_NUMBER:_} (see MAX_DOCUMENT_NUMBER).",
    )
    sequence: SequenceNumber | None = Field(
        default=None,
        description="Ordering hint within a day (PACER seq no or feed position), 0..2**53-1 (see MAX_SEQUENCE).",
    )
    text: str = Field(description="The docket text as the clerk wrote it.", max_length=200_000)
    event_name: str | None = Field(
        default=None, description="Short event name, e.g. the RSS '[Complaint]' label."
    )
    text_is_stub: bool = Field(
        default=False,
        description="True when the source only gave the event name; a fuller version may follow.",
    )
    pacer_doc_id: str | None = None
    pacer_seq_no: SequenceNumber | None = Field(
        default=None, description="PACER's de_seq_num of the entry, 0..2**53-1 (see MAX_SEQUENCE)."
    )
    source_ref: str | None = Field(
        default=None, description="Where this came from: file:line, feed URL + guid, message id."
    )


class EventData(Frozen):
    case: CaseInfo
    entry: Entry
    classifier_version: str = Field(
        description="Version of the classifier that assigned this event's type."
    )
    classifier_rule: str | None = Field(
        default=None,
        description="Name of the classifier rule that decided the type (services.core.classify); "
        "None when unknown (events recorded before schema version 2).",
    )
    classifier_confidence: Confidence | None = Field(
        default=None,
        description="'high' when the entry's words say what happened, 'medium' when the classifier inferred it "
        "(e.g. a bare 'Stipulation and Order' after a reported settlement); None before schema version 3 (read as high).",
    )
    class_action: bool = Field(
        default=False,
        description="The entry's text alleges class claims (e.g. a class action complaint).",
    )
    appeal: bool = Field(default=False, description="The entry is a notice of appeal.")
    entry_class: EntryClass | None = Field(
        default=None,
        description="What kind of paper or act the entry is (services.core.entry_classes, docs/entry-classes.md); "
        "None when unknown (events recorded before schema version 4).",
    )
    entry_outcome: Outcome | None = Field(
        default=None,
        description="For an order on a motion (to dismiss, for summary judgment, class certification): what it did.",
    )
    cites: tuple[DocumentNumber, ...] = Field(
        default=(),
        description="Docket numbers the entry refers to ('granting 12 Motion', 're [12]', 'ECF No. 12').",
    )


class CaseFiledData(EventData):
    opening: OpeningKind = "complaint"


class ComplaintAmendedData(EventData):
    pass


class CaseDismissedData(EventData):
    dismissal: DismissalKind
    prejudice: Prejudice = "unknown"
    scope: Scope = Field(
        default="whole",
        description="'whole' ends the action; 'partial' drops some parties or claims.",
    )
    reason: str | None = Field(
        default=None, description="e.g. 'want of prosecution', 'jurisdiction'."
    )
    reopen_within_days: int | None = Field(
        default=None,
        ge=0,
        description="Days to reopen if a settlement is not consummated, when the entry says so.",
    )
    closes_after_settlement: bool = Field(
        default=False,
        description="True when the entry closes the case only after a reported settlement (a bare 'Stipulation and Order').",
    )


class CaseSettledData(EventData):
    closes_case: bool = Field(
        default=True,
        description="False for a mere notice of settlement; true when the settlement closes the case.",
    )
    reopen_within_days: int | None = Field(
        default=None,
        ge=0,
        description="Days to reopen if the settlement is not consummated, when the entry says so.",
    )


class JudgmentEnteredData(EventData):
    judgment: JudgmentKind = "other"
    prejudice: Prejudice = "unknown"
    scope: Scope = "whole"


class CaseTransferredData(EventData):
    to_court: str | None = None
    mdl: bool = False


class CaseRemandedData(EventData):
    to: Literal["state_court", "agency", "other"] = "state_court"


class CaseStayedData(EventData):
    reason: str | None = None


class StayLiftedData(EventData):
    pass


class CaseReopenedData(EventData):
    pass


class CaseClosedData(EventData):
    disposition: DispositionType = "other"
    reason: str | None = Field(default=None, description="e.g. 'administrative closing'.")


class EntryStrickenData(EventData):
    target_document_numbers: tuple[DocumentNumber, ...] = Field(
        description="Entries this one strikes, vacates or marks filed in error; their effect is undone."
    )


class DocketEntryData(EventData):
    pass


class _Envelope(Frozen):
    specversion: Literal["1.0"] = "1.0"
    id: str = Field(min_length=8, max_length=128)
    source: str = Field(
        min_length=1, description="Producer of the event, e.g. 'docketline/ingest/courtlistener'."
    )
    subject: str = Field(min_length=3, description="The case_id, also the Kafka key.")
    time: dt.datetime | None = Field(
        default=None, description="When the source published the entry."
    )
    schema_version: Literal[4] = EVENT_SCHEMA_VERSION


class CaseFiled(_Envelope):
    type: Literal["case.filed"] = "case.filed"
    data: CaseFiledData


class ComplaintAmended(_Envelope):
    type: Literal["complaint.amended"] = "complaint.amended"
    data: ComplaintAmendedData


class CaseDismissed(_Envelope):
    type: Literal["case.dismissed"] = "case.dismissed"
    data: CaseDismissedData


class CaseSettled(_Envelope):
    type: Literal["case.settled"] = "case.settled"
    data: CaseSettledData


class JudgmentEntered(_Envelope):
    type: Literal["judgment.entered"] = "judgment.entered"
    data: JudgmentEnteredData


class CaseTransferred(_Envelope):
    type: Literal["case.transferred"] = "case.transferred"
    data: CaseTransferredData


class CaseRemanded(_Envelope):
    type: Literal["case.remanded"] = "case.remanded"
    data: CaseRemandedData


class CaseStayed(_Envelope):
    type: Literal["case.stayed"] = "case.stayed"
    data: CaseStayedData


class StayLifted(_Envelope):
    type: Literal["stay.lifted"] = "stay.lifted"
    data: StayLiftedData


class CaseReopened(_Envelope):
    type: Literal["case.reopened"] = "case.reopened"
    data: CaseReopenedData


class CaseClosed(_Envelope):
    """Closed for another reason (administrative closing, statistical closing, ...)."""

    type: Literal["case.closed"] = "case.closed"
    data: CaseClosedData


class EntryStricken(_Envelope):
    type: Literal["entry.stricken"] = "entry.stricken"
    data: EntryStrickenData


class DocketEntryRecorded(_Envelope):
    """Any other docket entry: kept on the timeline, no status effect."""

    type: Literal["docket.entry"] = "docket.entry"
    data: DocketEntryData


DocketEvent = Annotated[
    CaseFiled
    | ComplaintAmended
    | CaseDismissed
    | CaseSettled
    | JudgmentEntered
    | CaseTransferred
    | CaseRemanded
    | CaseStayed
    | StayLifted
    | CaseReopened
    | CaseClosed
    | EntryStricken
    | DocketEntryRecorded,
    Field(discriminator="type"),
]

EVENT_CLASSES: dict[str, type[_Envelope]] = {
    cls.model_fields["type"].default: cls
    for cls in (
        CaseFiled,
        ComplaintAmended,
        CaseDismissed,
        CaseSettled,
        JudgmentEntered,
        CaseTransferred,
        CaseRemanded,
        CaseStayed,
        StayLifted,
        CaseReopened,
        CaseClosed,
        EntryStricken,
        DocketEntryRecorded,
    )
}
EventType = Literal[
    "case.filed",
    "complaint.amended",
    "case.dismissed",
    "case.settled",
    "judgment.entered",
    "case.transferred",
    "case.remanded",
    "case.stayed",
    "stay.lifted",
    "case.reopened",
    "case.closed",
    "entry.stricken",
    "docket.entry",
]
