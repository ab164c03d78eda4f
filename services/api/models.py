"""Response models of the read API: the external contract (DESIGN.md) as types.

Field names here are a contract with users and the dashboard. They are read
from the public snapshot (``case.states``), which lists no entries: the
timeline serves them, from the stored events, with their words.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from schemas.alerts import Alert
from schemas.events import EventType
from schemas.projection import CaseFlags, CaseSnapshot, Disposition, LastEntry
from schemas.vocabulary import (
    DeadlineKind,
    DispositionType,
    EntryClass,
    Outcome,
    Prejudice,
    Scope,
    Status,
)
from services.core.deadlines import CalendarItem
from services.quarantine import Quarantined
from services.readmodel.feeder import DecodeFailure, FeederStatus
from services.readmodel.store import CaseDeadline, Milestone, Stats, StoredAlert
from services.readmodel.views import TimelineItem, entry_reading


class Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class StatusChangeOut(Out):
    status: Status
    disposition: Disposition | None = None
    date: dt.date
    event_id: str = Field(description="The event (docket entry version) that caused the change.")


class CaseSummary(Out):
    """A case as listed: the projection without its history and parties."""

    case_id: str = Field(examples=["cand:5:25-cv-00709"])
    court_id: str = Field(examples=["cand"])
    docket_number: str = Field(examples=["5:25-cv-00709"])
    case_name: str | None = None
    nature_of_suit: str | None = None
    status: Status
    disposition: Disposition | None = Field(
        default=None, description="How the case ended, when closed."
    )
    date_filed: dt.date | None = None
    date_terminated: dt.date | None = None
    flags: CaseFlags
    entry_count: int = Field(description="Docket entries applied to the projection.")
    updated_at: dt.datetime | None = Field(
        default=None, description="Source time of the newest applied event (not wall-clock time)."
    )

    @classmethod
    def of(cls, state: CaseSnapshot) -> CaseSummary:
        return cls.model_validate(_summary_fields(state))


class CaseOut(CaseSummary):
    """The projection of one case (DESIGN.md external contract)."""

    cause: str | None = None
    parties: list[str] = Field(default_factory=list)
    status_history: list[StatusChangeOut] = Field(
        description="Every status the case has had, oldest first, with the entry that caused it."
    )
    last_entry: LastEntry | None = Field(
        default=None, description="The case's last docket entry in event-time order."
    )
    as_of: dt.date | None = Field(
        default=None, description="Set when the answer is the case as it stood on that date."
    )

    @classmethod
    def of_state(cls, state: CaseSnapshot, as_of: dt.date | None = None) -> CaseOut:
        return cls.model_validate(
            {
                **_summary_fields(state),
                "cause": state.cause,
                "parties": list(state.parties),
                "status_history": [
                    {
                        "status": h.status,
                        "disposition": h.disposition,
                        "date": h.date,
                        "event_id": h.event_id,
                    }
                    for h in state.status_history
                ],
                "last_entry": state.last_entry,
                "as_of": as_of,
            }
        )


def _summary_fields(state: CaseSnapshot) -> dict[str, object]:
    return {name: getattr(state, name) for name in CaseSummary.model_fields}


class CasePageOut(Out):
    items: list[CaseSummary]
    total: int = Field(
        description="Cases matching the filters, over all pages, counted up to 10,000: "
        "when more match, `total` is 10000 and `total_exact` is false."
    )
    total_exact: bool = Field(
        default=True,
        description="False when more cases match than `total` says (the count stops at 10,000).",
    )
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page."
    )


class TimelineChangeOut(Out):
    from_status: Status | None = Field(description="Null for the entry that opened the case.")
    status: Status
    disposition: Disposition | None = None
    date: dt.date


class TimelineEntryOut(Out):
    """One docket entry on a case's timeline, in the source's words, with what it meant."""

    entry_key: str
    event_id: str
    date: dt.date = Field(description="Filing date of the entry (event time).")
    date_entered: dt.date | None = None
    document_number: int | None = None
    sequence: int | None = None
    type: EventType = Field(description="What the classifier read the entry as.")
    text: str | None = Field(
        description="Docket text; null while the read model has not stored the event yet."
    )
    event_name: str | None = None
    text_is_stub: bool = False
    source: str | None = None
    source_ref: str | None = None
    classifier_version: str | None = None
    disposition: DispositionType | None = None
    prejudice: Prejudice | None = None
    scope: Scope | None = None
    class_action: bool = False
    appeal: bool = False
    entry_class: EntryClass | None = Field(
        default=None,
        description="What kind of paper or act the entry is (docs/entry-classes.md): the event's "
        "own class, or for an event of before v4 its kept words classified by the read model.",
    )
    entry_outcome: Outcome | None = Field(
        default=None, description="For an order on a motion: what it did to the motion."
    )
    cites: list[int] = Field(
        default_factory=list, description="Docket numbers the entry refers to."
    )
    milestone: bool = Field(
        default=False,
        description="The class is one a watcher is told about (MILESTONE_CLASSES: orders on "
        "dispositive motions, class certification, settlement approvals, judgment, appeal, mandate).",
    )
    status_change: TimelineChangeOut | None = Field(
        description="The status change this entry caused, if any."
    )

    @classmethod
    def of(cls, item: TimelineItem) -> TimelineEntryOut:
        r, e, c = item.record, item.event, item.change
        entry = e.data.entry if e is not None else None
        kind = entry_reading(e) if e is not None else None
        return cls(
            entry_key=r.entry_key,
            event_id=r.event_id,
            date=r.date,
            date_entered=entry.date_entered if entry else None,
            document_number=r.document_number,
            sequence=r.sequence,
            type=r.type,
            text=entry.text if entry else None,
            event_name=entry.event_name if entry else None,
            text_is_stub=r.stub,
            source=e.source if e else None,
            source_ref=entry.source_ref if entry else None,
            classifier_version=e.data.classifier_version if e else None,
            disposition=r.disposition,
            prejudice=r.prejudice,
            scope=r.scope,
            class_action=r.class_action,
            appeal=r.appeal,
            entry_class=kind.entry_class if kind else None,
            entry_outcome=kind.outcome if kind else None,
            cites=list(kind.cites) if kind else [],
            milestone=kind.milestone if kind else False,
            status_change=None
            if c is None
            else TimelineChangeOut(
                from_status=c.from_status,
                status=c.change.status,
                disposition=c.change.disposition,
                date=c.change.date,
            ),
        )


class DeadlineOut(Out):
    """One dated event of a case's calendar, read from its docket text (services.core.deadlines)."""

    key: str = Field(
        description="Stable identity: a later entry that resets or vacates it keeps the key."
    )
    date: dt.date
    time: dt.time | None = None
    kind: DeadlineKind
    name: str = Field(description="What is due or held, in the entry's words (lower-case).")
    status: Literal["pending", "vacated"] = Field(
        description="'vacated' once an entry vacates it; pending deadlines of a closed case stay "
        "listed as 'pending' (the docket never vacated them; see case_status)."
    )
    text: str = Field(description="Docket text of the entry that last set, moved or vacated it.")
    set_by: str = Field(description="entry_key of the entry that first set it.")
    updated_by: str = Field(description="entry_key of the entry that last changed it.")

    @classmethod
    def of(cls, item: CalendarItem) -> DeadlineOut:
        return cls(
            key=item.key,
            date=item.date,
            time=item.time,
            kind=item.kind,
            name=item.name,
            status=item.status,
            text=item.text,
            set_by=item.set_by,
            updated_by=item.updated_by,
        )


class UpcomingDeadlineOut(DeadlineOut):
    """A deadline of a case, listed across cases, with the case as it stands."""

    case_id: str
    case_name: str | None = None
    court_id: str
    case_status: Status = Field(
        description="A closed case keeps its pending deadlines listed as 'pending'."
    )

    @classmethod
    def of_case(cls, d: CaseDeadline) -> UpcomingDeadlineOut:
        return cls(
            case_id=d.case_id,
            case_name=d.case_name,
            court_id=d.court_id,
            case_status=d.case_status,
            key=d.key,
            date=d.date,
            time=d.time,
            kind=d.kind,
            name=d.name,
            status=d.status,
            text=d.text,
            set_by=d.set_by,
            updated_by=d.updated_by,
        )


class UpcomingDeadlinesOut(Out):
    from_date: dt.date = Field(serialization_alias="from", description="First day of the window.")
    to_date: dt.date = Field(serialization_alias="to", description="Last day of the window.")
    items: list[UpcomingDeadlineOut] = Field(
        description="Oldest date first, then time, case id and key."
    )
    total: int = Field(description="Deadlines in the window over all pages, counted up to 10,000.")
    total_exact: bool = True
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page."
    )


class MilestoneOut(Out):
    """A docket entry whose class is a milestone, with its case."""

    case_id: str
    case_name: str | None = None
    court_id: str
    case_status: Status
    entry_key: str
    event_id: str
    date: dt.date = Field(description="Filing date of the entry.")
    document_number: int | None = None
    entry_class: EntryClass
    entry_outcome: Outcome | None = None
    cites: list[int] = Field(default_factory=list)
    type: EventType = Field(description="What the status classifier read the entry as.")
    text: str

    @classmethod
    def of(cls, m: Milestone) -> MilestoneOut:
        entry = m.event.data.entry
        return cls(
            case_id=m.case_id,
            case_name=m.case_name,
            court_id=m.court_id,
            case_status=m.case_status,
            entry_key=m.record.entry_key,
            event_id=m.record.event_id,
            date=m.record.date,
            document_number=m.record.document_number,
            entry_class=m.entry_class,
            entry_outcome=m.entry_outcome,
            cites=list(m.event.data.cites),
            type=m.event.type,
            text=entry.text,
        )


class MilestonePageOut(Out):
    items: list[MilestoneOut] = Field(description="Newest first (filing date, docket order).")
    next_cursor: str | None = Field(
        description="Pass as `cursor` for older milestones; null on the last page."
    )


class DeadlinesOut(Out):
    case_id: str
    case_status: Status = Field(
        description="The case's status: a closed case keeps its pending deadlines listed."
    )
    items: list[DeadlineOut] = Field(description="Oldest date first.")
    total: int


class TimelinePageOut(Out):
    case_id: str
    items: list[TimelineEntryOut]
    total: int = Field(description="Entries on the whole timeline.")
    next_cursor: str | None


class AlertOut(Alert):
    """An alert as published on ``case.alerts``, with its local sequence number."""

    seq: int = Field(description="Local, increasing number; the live stream's event id.")

    @classmethod
    def of(cls, stored: StoredAlert) -> AlertOut:
        return cls.model_validate({**stored.alert.model_dump(), "seq": stored.seq})


class AlertPageOut(Out):
    items: list[AlertOut] = Field(description="Newest first.")
    next_cursor: str | None = Field(
        description="Pass as `cursor` for older alerts; null on the last page."
    )


class MonthOut(Out):
    month: str = Field(examples=["2025-01"])
    opened: int
    closed: int


class StatsOut(Out):
    total_cases: int
    by_status: dict[str, int]
    by_disposition: dict[str, int]
    by_court: dict[str, int]
    dispositions_by_court: dict[str, dict[str, int]]
    per_month: list[MonthOut] = Field(description="Openings and closings per month, oldest first.")

    @classmethod
    def of(cls, s: Stats) -> StatsOut:
        return cls(
            total_cases=s.total_cases,
            by_status=dict(s.by_status),
            by_disposition=dict(s.by_disposition),
            by_court=dict(s.by_court),
            dispositions_by_court={k: dict(v) for k, v in s.dispositions_by_court.items()},
            per_month=[
                MonthOut(month=m.month, opened=m.opened, closed=m.closed) for m in s.per_month
            ],
        )


class DecodeFailureOut(Out):
    topic: str
    partition: int
    offset: int
    reason: str

    @classmethod
    def of(cls, f: DecodeFailure) -> DecodeFailureOut:
        return cls(topic=f.topic, partition=f.partition, offset=f.offset, reason=f.reason)


class BrokerOut(Out):
    reachable: bool | None = Field(
        description="Null when the feeder is disabled or has not tried yet."
    )
    last_error: str | None = None


class FeederOut(Out):
    enabled: bool
    running: bool = False
    caught_up: bool = False
    topics: list[str] = Field(default_factory=list)
    partitions: dict[str, int] = Field(default_factory=dict)
    applied: dict[str, int] = Field(default_factory=dict, description="Records applied per topic.")
    decode_failures: dict[str, int] = Field(
        default_factory=dict,
        description="Records quarantined per topic by this feeder since it started.",
    )
    lag: dict[str, int | None] = Field(
        default_factory=dict, description="Records behind the log per topic (null while unknown)."
    )
    recent_failures: list[DecodeFailureOut] = Field(default_factory=list)
    lag_checked_at: float | None = Field(
        default=None,
        description="When the last lag check read the log's end offsets (epoch seconds): lag and "
        "caught_up are as of then. After writing at time T, wait for caught_up with lag_checked_at >= T.",
    )

    @classmethod
    def of(cls, st: FeederStatus | None) -> FeederOut:
        if st is None:
            return cls(enabled=False)
        return cls(
            enabled=True,
            running=st.running,
            caught_up=st.caught_up,
            topics=list(st.topics),
            partitions=dict(st.partitions),
            applied=dict(st.applied),
            decode_failures=dict(st.decode_failures),
            lag=dict(st.lag),
            recent_failures=[DecodeFailureOut.of(f) for f in st.recent_failures],
            lag_checked_at=st.lag_checked_at,
        )


QUARANTINE_EXCERPT_CHARS = 200


class QuarantinedOut(Out):
    reader: str = Field(
        description="Who could not apply it: readmodel, dispatcher, rebuild or check."
    )
    topic: str
    partition: int
    offset: int
    key: str | None = Field(description="The record key (UTF-8, undecodable bytes replaced).")
    value_bytes: int | None = Field(
        description="Size of the raw value kept (null: the record had none)."
    )
    value_excerpt: str | None = Field(
        description=f"The first {QUARANTINE_EXCERPT_CHARS} characters of the value; the whole raw bytes stay in "
        "DATA_DIR/quarantine.sqlite."
    )
    reason: str
    quarantined_at: dt.datetime

    @classmethod
    def of(cls, q: Quarantined) -> QuarantinedOut:
        return cls(
            reader=q.reader, topic=q.topic, partition=q.partition, offset=q.offset,
            key=None if q.key is None else q.key.decode("utf-8", "replace"),
            value_bytes=None if q.value is None else len(q.value),
            value_excerpt=None if q.value is None else q.value[: QUARANTINE_EXCERPT_CHARS * 4].decode(
                "utf-8", "replace")[:QUARANTINE_EXCERPT_CHARS],
            reason=q.reason, quarantined_at=q.when,
        )  # fmt: skip


class QuarantineOut(Out):
    total: int = Field(description="Records kept aside by every reader sharing this DATA_DIR.")
    by_reader: dict[str, dict[str, int]] = Field(
        description="reader -> topic -> records quarantined."
    )
    latest: list[QuarantinedOut] = Field(
        description="The most recently quarantined records, newest first."
    )

    @classmethod
    def of(cls, counts: dict[tuple[str, str], int], latest: list[Quarantined]) -> QuarantineOut:
        by_reader: dict[str, dict[str, int]] = {}
        for (reader, topic), n in sorted(counts.items()):
            by_reader.setdefault(reader, {})[topic] = n
        return cls(
            total=sum(counts.values()),
            by_reader=by_reader,
            latest=[QuarantinedOut.of(q) for q in latest],
        )


class HealthOut(Out):
    status: Literal["ok", "degraded"] = Field(
        description="'degraded' while the feeder cannot reach the broker; the API still serves what it has."
    )
    broker: BrokerOut | None = Field(
        default=None,
        description="Absent when reads require a token and the caller has no 'read' scope.",
    )
    feeder: FeederOut | None = None
    read_model: dict[str, int] | None = Field(
        default=None, description="Rows per table: cases, events, alerts."
    )
    quarantine: QuarantineOut | None = Field(
        default=None,
        description="Records a reader of the topics could not apply, kept with their raw bytes "
        "(services.quarantine); every reader went on past them.",
    )


class ErrorOut(Out):
    detail: str
