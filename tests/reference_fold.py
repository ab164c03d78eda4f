"""Today's fold, kept as the reference implementation (the processor's until the private memory).

A copy of ``services/core/evolve.py`` and of ``CaseState`` v1 (``schemas/projection.py``)
as of commit 1e15560, with their encoding (``schemas.codec.encode_state``: pydantic's
JSON of the model). Tests fold the same logs with it and with the current fold and
compare the public projections byte for byte; ``tests/fixtures/states/record.py``
records the v1 fixtures with it. Do not "fix" this file: it is what the old
processor wrote.
"""

# ruff: noqa
# mypy: ignore-errors

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Iterable
from typing import NamedTuple

from pydantic import Field

from schemas.events import CaseInfo, DocketEvent, Frozen
from schemas.projection import CaseFlags, Disposition, EntryRecord, StatusChange
from schemas.vocabulary import DispositionType, Status
from services.core.docket_numbers import make_case_id
from services.core.fjc import fjc_code

STATE_SCHEMA_VERSION = 1


class CaseState(Frozen):
    """``CaseState`` v1, as the old processor wrote it on ``case.states``."""

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


def encode(state: CaseState) -> bytes:
    """The bytes the old processor wrote (its ``encode_state`` was byte-identical to this)."""
    return CaseState.__pydantic_serializer__.to_json(state)


# The old processor's encoder, as of 1e15560 (schemas/codec.py): encode(state) byte for byte,
# each entry's JSON remembered; bench/fold_compare.py measures the old cost with it.
import itertools

_ENTRY_SERIALIZER = EntryRecord.__pydantic_serializer__
_STATE_SERIALIZER = CaseState.__pydantic_serializer__  # the v1 CaseState above
_NO_ENTRIES = b',"entries":[],'
ENTRY_JSON_CACHE_SIZE = 30_000
"""Entries whose JSON is remembered: at most ~52 MiB (1.7 KB each with the record it holds, measured)."""
_entry_json: dict[int, tuple[EntryRecord, bytes]] = {}


def encode_state(state: CaseState) -> bytes:
    """``encode(state)``, byte for byte, with each entry's JSON remembered.

    A state is written after every change of its case, and it lists every
    entry; serialising the entries again each time was most of the cost (a
    24-entry state: ~150 us of which ~7 us per entry). Entry records are
    immutable and shared by a case's successive states, so their JSON is kept
    by object (the record is held with it, so an id is never reused while it
    is in the memo; the oldest quarter goes when it is full).
    """
    head = (
        _STATE_SERIALIZER.to_json(state.model_copy(update={"entries": ()}))
        if state.entries
        else None
    )
    if head is None:
        return _STATE_SERIALIZER.to_json(state)
    parts = []
    memo = _entry_json
    for r in state.entries:
        hit = memo.get(id(r))
        if hit is not None:  # the memo holds the record: its id is not reused while it is here
            parts.append(hit[1])
        else:
            raw = _ENTRY_SERIALIZER.to_json(r)
            memo[id(r)] = (r, raw)
            parts.append(raw)
    if len(memo) > ENTRY_JSON_CACHE_SIZE:
        for key in list(itertools.islice(memo, len(memo) // 4)):
            del memo[key]
    at = head.rindex(_NO_ENTRIES)  # the last field but one, after every string value of the header
    return b"".join(
        (head[:at], b',"entries":[', b",".join(parts), b"],", head[at + len(_NO_ENTRIES) :])
    )


def fold_log(events: Iterable[DocketEvent]) -> dict[str, CaseState]:
    """Event by event, as the old processor applied them: case id -> state."""
    states: dict[str, CaseState] = {}
    for event in events:
        states[event.subject] = evolve(states.get(event.subject), event)
    return states


_DISMISSAL_DISPOSITION: dict[str, DispositionType] = {
    "voluntary": "voluntary_dismissal",
    "stipulated": "stipulated_dismissal",
    "court": "dismissed",
}


def to_record(event: DocketEvent) -> EntryRecord:
    """The part of an event the fold needs to remember."""
    d = event.data
    e = d.entry
    common = dict(
        entry_key=e.entry_key,
        event_id=event.id,
        type=event.type,
        date=e.date_filed,
        document_number=e.document_number,
        sequence=e.sequence if e.sequence is not None else e.pacer_seq_no,
        stub=e.text_is_stub,
        time=event.time,
        class_action=d.class_action,
        appeal=d.appeal,
        confidence=d.classifier_confidence or "high",
    )
    match event.type:
        case "case.dismissed":
            disp = _DISMISSAL_DISPOSITION[event.data.dismissal]
            return EntryRecord(
                **common,
                disposition=disp,
                prejudice=event.data.prejudice,
                scope=event.data.scope,
                detail=_with_window(event.data.reason, event.data.reopen_within_days),
                fjc_code=fjc_code(disp, reason=event.data.reason),
                closes_case=event.data.scope == "whole",
                closes_after_settlement=event.data.closes_after_settlement,
            )
        case "case.settled":
            return EntryRecord(
                **common,
                disposition="settled",
                prejudice="unknown",
                detail=_with_window(None, event.data.reopen_within_days),
                fjc_code=13,
                closes_case=event.data.closes_case,
            )
        case "judgment.entered":
            kind = event.data.judgment
            return EntryRecord(
                **common,
                disposition="judgment",
                prejudice=event.data.prejudice,
                scope=event.data.scope,
                detail=f"{kind} judgment" if kind != "other" else None,
                fjc_code=fjc_code("judgment", judgment=kind),
                closes_case=event.data.scope == "whole",
            )
        case "case.transferred":
            mdl = event.data.mdl
            to = event.data.to_court
            return EntryRecord(
                **common,
                disposition="transferred",
                prejudice="unknown",
                detail="MDL transfer" if mdl else (f"to {to}" if to else None),
                fjc_code=fjc_code("transferred", mdl=mdl),
                closes_case=True,
            )
        case "case.remanded":
            return EntryRecord(
                **common,
                disposition="remanded",
                prejudice="unknown",
                detail=f"to {event.data.to.replace('_', ' ')}",
                fjc_code=fjc_code("remanded", remand_to=event.data.to),
                closes_case=True,
            )
        case "case.closed":
            disp = event.data.disposition
            return EntryRecord(
                **common,
                disposition=disp,
                prejudice="unknown",
                detail=event.data.reason,
                fjc_code=fjc_code(disp, reason=event.data.reason),
                closes_case=True,
            )
        case "entry.stricken":
            return EntryRecord(**common, targets=event.data.target_document_numbers)
        case _:
            return EntryRecord(**common)


def _with_window(detail: str | None, days: int | None) -> str | None:
    """The disposition's detail, with the reopening window a settlement dismissal gives."""
    if days is None:
        return detail
    window = f"may reopen within {days} days if the settlement is not consummated"
    return f"{detail}; {window}" if detail else window


def _rank(r: EntryRecord) -> tuple[bool, dt.datetime, str]:
    t = r.time or dt.datetime.min.replace(tzinfo=dt.UTC)
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.UTC)
    return (not r.stub, t, r.event_id)


def order_key(r: EntryRecord) -> tuple[dt.date, bool, int, int, str]:
    """Event-time order: filing date, then document number (unnumbered last), sequence, key."""
    return (
        r.date,
        r.document_number is None,
        r.document_number or 0,
        r.sequence or 0,
        r.entry_key,
    )


def _pick(a: str | None, b: str | None) -> str | None:
    """Commutative choice between two header values: prefer present, then longer, then larger."""
    if a == b:
        return a
    if a is None or not a.strip():
        return b if b and b.strip() else a
    if b is None or not b.strip():
        return a
    return max(a, b, key=lambda s: (len(s), s))


def _min_date(a: dt.date | None, b: dt.date | None) -> dt.date | None:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)


class Header(NamedTuple):
    """The case header facts a state keeps, merged from every event's ``data.case``."""

    case_name: str | None
    nature_of_suit: str | None
    cause: str | None
    parties: tuple[str, ...]
    header_date_filed: dt.date | None
    header_class_action: bool

    @classmethod
    def of(cls, state: CaseState) -> Header:
        return cls(
            state.case_name,
            state.nature_of_suit,
            state.cause,
            state.parties,
            state.header_date_filed,
            state.header_class_action,
        )


def _merge_header(prev: Header | None, info: CaseInfo) -> Header:
    if prev is None:
        return Header(
            case_name=_pick(None, info.case_name),
            nature_of_suit=_pick(None, info.nature_of_suit),
            cause=_pick(None, info.cause),
            parties=tuple(sorted(set(info.parties))),
            header_date_filed=info.date_filed,
            header_class_action=bool(info.class_action),
        )
    return Header(
        case_name=_pick(prev.case_name, info.case_name),
        nature_of_suit=_pick(prev.nature_of_suit, info.nature_of_suit),
        cause=_pick(prev.cause, info.cause),
        parties=prev.parties
        if set(info.parties).issubset(prev.parties)
        else tuple(sorted({*prev.parties, *info.parties})),
        header_date_filed=_min_date(prev.header_date_filed, info.date_filed),
        header_class_action=prev.header_class_action or bool(info.class_action),
    )


def evolve(state: CaseState | None, event: DocketEvent) -> CaseState:
    """Apply one event. Returns ``state`` itself when the event adds nothing."""
    record = to_record(event)
    old_header = None if state is None else Header.of(state)
    header = _merge_header(old_header, event.data.case)
    if state is None:
        entries: tuple[EntryRecord, ...] = (record,)
        court_id, docket_number = event.data.case.court_id, event.data.case.docket_number
        case_id = make_case_id(court_id, docket_number)
    else:
        key = record.entry_key
        keys = [r.entry_key for r in state.entries]
        at = keys.index(key) if key in keys else -1
        if at >= 0 and _rank(state.entries[at]) >= _rank(record):
            if header == old_header:
                return state
            entries = state.entries
        else:
            # ``state.entries`` is kept in event-time order (its documented
            # invariant), so the new version is inserted, not re-sorted:
            # ``order_key`` is unique per entry key, so this is exactly
            # ``sorted((*others, record), key=order_key)``.
            others = state.entries if at < 0 else state.entries[:at] + state.entries[at + 1 :]
            i = bisect_right(others, order_key(record), key=order_key)
            if at < 0 and i == len(others) and _appendable(state, header, old_header, record):
                # the usual case, a new entry after every other one: go on from the
                # state's own fold instead of folding the whole history again
                return _append(state, header, record)
            entries = (*others[:i], record, *others[i:])
        case_id, court_id, docket_number = state.case_id, state.court_id, state.docket_number
    return derive(case_id, court_id, docket_number, header, entries)


def project(events: Iterable[DocketEvent], state: CaseState | None = None) -> CaseState | None:
    """Fold many events (any order) into one state."""
    for event in events:
        state = evolve(state, event)
    return state


class CaseAccumulator:
    """One case's events gathered in arrival order and derived once: ``project`` without the steps.

    ``evolve`` re-derives the whole case on every event, which a caller that
    needs only the final state (the rebuild) pays for nothing. This keeps what
    ``evolve`` keeps between events — the first event's case identity, the
    header merged event by event, per entry key the version of highest rank
    (the first of equal ranks) — and :meth:`state` derives from the entries in
    event-time order: the same state, byte for byte, as ``project`` over the
    same events in the same order.
    """

    __slots__ = ("case_id", "court_id", "docket_number", "entries", "header", "merged")

    def __init__(self, first: DocketEvent) -> None:
        info = first.data.case
        self.case_id = make_case_id(info.court_id, info.docket_number)
        self.court_id = info.court_id
        self.docket_number = info.docket_number
        self.header = _merge_header(None, info)
        self.merged = info
        self.entries: dict[str, EntryRecord] = {}
        self._keep(to_record(first))

    def add(self, event: DocketEvent) -> None:
        info = event.data.case
        if info != self.merged:  # merging the same header facts again changes nothing
            self.header = _merge_header(self.header, info)
            self.merged = info
        self._keep(to_record(event))

    def state(self) -> CaseState:
        entries = tuple(sorted(self.entries.values(), key=order_key))
        return derive(self.case_id, self.court_id, self.docket_number, self.header, entries)

    def _keep(self, record: EntryRecord) -> None:
        held = self.entries.get(record.entry_key)
        if held is None or _rank(held) < _rank(record):
            self.entries[record.entry_key] = record


def derive(
    case_id: str,
    court_id: str,
    docket_number: str,
    header: Header,
    entries: tuple[EntryRecord, ...],
) -> CaseState:
    """Re-derive status, disposition, history and flags from ordered entries."""
    voided: set[int] = set()
    updated_at: dt.datetime | None = None
    newest: dt.datetime | None = None  # updated_at as an aware instant (naive = UTC)
    for r in entries:
        if r.type == "entry.stricken":
            voided.update(r.targets)
        t = r.time
        if t is not None:
            aware = t if t.tzinfo else t.replace(tzinfo=dt.UTC)
            if (
                newest is None or aware > newest
            ):  # strict: the first of equal instants wins, as max() does
                updated_at, newest = t, aware

    fold = _Fold(header.header_class_action)
    header_date = header.header_date_filed
    for r in entries:
        if fold.status is None:
            opened = (
                r.date
                if r.type == "case.filed" or header_date is None
                else min(header_date, r.date)
            )
            fold.status = "open"
            fold.history.append(
                StatusChange(status="open", date=opened, event_id=r.event_id, entry_key=r.entry_key)
            )
        fold.step(r, voided)
    return fold.state(case_id, court_id, docket_number, header, entries, updated_at)


class _Fold:
    """What ``derive`` carries from one entry to the next, in event-time order."""

    __slots__ = (
        "amended",
        "appealed",
        "class_action",
        "date_terminated",
        "disposition",
        "history",
        "partial",
        "settlement_noticed",
        "status",
    )

    def __init__(self, class_action: bool) -> None:
        self.status: Status | None = None
        self.disposition: Disposition | None = None
        self.date_terminated: dt.date | None = None
        self.history: list[StatusChange] = []
        self.class_action = class_action
        self.appealed = self.settlement_noticed = False
        self.amended = self.partial = 0

    @classmethod
    def of(cls, state: CaseState) -> _Fold:
        """The fold as it stood after the last of ``state``'s entries."""
        fold = cls(state.flags.class_action)
        fold.status = state.status
        fold.disposition = state.disposition
        fold.date_terminated = state.date_terminated
        fold.history = list(state.status_history)
        fold.appealed = state.flags.appealed
        fold.settlement_noticed = state.flags.settlement_noticed
        fold.amended = state.flags.amended_complaints
        fold.partial = state.flags.partial_dismissals
        return fold

    def step(self, r: EntryRecord, voided: set[int]) -> None:
        if (
            r.document_number is not None
            and r.document_number in voided
            and r.type != "entry.stricken"
        ):
            return
        self.class_action = self.class_action or r.class_action
        self.appealed = self.appealed or r.appeal
        if r.type == "complaint.amended":
            self.amended += 1
        elif r.type == "case.settled" and not r.closes_case:
            self.settlement_noticed = True
        elif r.scope == "partial":
            self.partial += 1

        status, disposition = self.status, self.disposition
        new_status: Status | None = None
        if (
            r.closes_case
            and r.disposition is not None
            and (self.settlement_noticed or not r.closes_after_settlement)
        ):
            # a bare "Stipulation and Order" (closes_after_settlement) closes only after a reported settlement
            if (
                status == "closed"
                and disposition is not None
                and disposition.prejudice == "unknown"
                and (r.prejudice in ("with", "without"))
            ):
                # a later closing entry that states prejudice (the order on a stipulation,
                # "discontinued with prejudice") refines the closing it follows
                self.disposition = disposition.model_copy(update={"prejudice": r.prejudice})
                self.history[-1] = self.history[-1].model_copy(
                    update={"disposition": self.disposition}
                )
            elif status != "closed":
                new_status = "closed"
                self.disposition = Disposition(
                    type=r.disposition,
                    prejudice=r.prejudice or "unknown",
                    date=r.date,
                    event_id=r.event_id,
                    fjc_code=r.fjc_code,
                    detail=r.detail,
                    confidence=r.confidence,
                )
                self.date_terminated = r.date
        elif r.type == "case.stayed" and status == "open":
            new_status = "stayed"
        elif r.type == "stay.lifted" and status == "stayed":
            new_status = "open"
        elif r.type == "case.reopened" and status == "closed":
            new_status = "open"
            self.disposition = None
            self.date_terminated = None
        if new_status is not None:
            self.status = new_status
            self.history.append(
                StatusChange(
                    status=new_status,
                    disposition=self.disposition if new_status == "closed" else None,
                    date=r.date,
                    event_id=r.event_id,
                    entry_key=r.entry_key,
                )
            )

    def state(
        self,
        case_id: str,
        court_id: str,
        docket_number: str,
        header: Header,
        entries: tuple[EntryRecord, ...],
        updated_at: dt.datetime | None,
    ) -> CaseState:
        assert self.status is not None  # entries is never empty
        return CaseState(
            case_id=case_id,
            court_id=court_id,
            docket_number=docket_number,
            case_name=header.case_name,
            nature_of_suit=header.nature_of_suit,
            cause=header.cause,
            parties=header.parties,
            header_date_filed=header.header_date_filed,
            header_class_action=header.header_class_action,
            status=self.status,
            disposition=self.disposition,
            date_filed=_min_date(header.header_date_filed, self.history[0].date),
            date_terminated=self.date_terminated,
            status_history=tuple(self.history),
            flags=CaseFlags(
                class_action=self.class_action,
                appealed=self.appealed,
                settlement_noticed=self.settlement_noticed,
                amended_complaints=self.amended,
                partial_dismissals=self.partial,
            ),
            entry_count=len(entries),
            updated_at=updated_at,
            entries=entries,
        )


def _aware(t: dt.datetime) -> dt.datetime:
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


def _appendable(
    state: CaseState, header: Header, old_header: Header | None, record: EntryRecord
) -> bool:
    """Whether ``derive`` over ``state``'s entries + ``record`` (last in event-time order) may go on from ``state``.

    Only the header's filing date and class-action mark enter the fold, and an
    entry that strikes others changes what came before it.
    """
    return (
        old_header is not None
        and record.type != "entry.stricken"
        and header.header_date_filed == old_header.header_date_filed
        and header.header_class_action == old_header.header_class_action
    )


def _append(state: CaseState, header: Header, record: EntryRecord) -> CaseState:
    """``derive`` over ``state``'s entries followed by ``record``, without folding them again."""
    voided = {t for r in state.entries if r.type == "entry.stricken" for t in r.targets}
    updated_at = state.updated_at
    t = record.time
    if t is not None and (
        updated_at is None or _aware(t) > _aware(updated_at)
    ):  # strict, as in derive
        updated_at = t
    fold = _Fold.of(state)
    fold.step(record, voided)
    entries = (*state.entries, record)
    return fold.state(
        state.case_id, state.court_id, state.docket_number, header, entries, updated_at
    )
