"""The fold: ``evolve(state | None, event) -> state``. Pure.

A case's state is a function of the *set* of entry versions applied to it,
never of arrival order:

* entries are kept in event-time order (filing date, document number,
  sequence, entry key), and status is re-derived from that ordered history on
  every change, so a late or back-filled entry lands where it belongs;
* each entry keeps its most informative version: rank = (not a stub, source
  time, event id); a redelivery or a lower-ranked version returns the *same*
  state object (callers test ``new is old`` to skip writes and alerts);
* header facts merge with commutative rules (longest name, union of parties,
  earliest filing date), so sources may arrive in any order.

The fold is incremental, with the same result as deriving the whole history
again (``tests/unit/test_incremental_fold.py`` holds it to today's fold, kept
in ``tests/reference_fold.py``):

* an entry after every other one goes on from the state's own fold: O(1) work
  (no entry is folded again; the only O(n) is the tuple of entries gaining one);
* an entry that lands earlier, or a better version of an entry, re-derives only
  the suffix from the nearest fold checkpoint before it (one every
  ``CHECKPOINT_EVERY`` entries);
* only what changes what came before it — an entry that strikes others, a
  header filing date or class-action mark that changes, an entry that becomes
  the first — folds the whole history again.

What a state needs to go on (entry index, stricken document numbers,
checkpoints) is derived from its entries once and kept with it (the
``_derived`` slot of :class:`~schemas.projection.CaseState`), shared by the
states that append to it.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Iterable
from typing import NamedTuple

from schemas.events import CaseInfo, DocketEvent
from schemas.projection import (
    CaseFlags,
    CaseSnapshot,
    CaseState,
    Disposition,
    EntryRecord,
    LastEntry,
    StatusChange,
)
from schemas.vocabulary import DispositionType, Status
from services.core.docket_numbers import make_case_id
from services.core.fjc import fjc_code

_DISMISSAL_DISPOSITION: dict[str, DispositionType] = {
    "voluntary": "voluntary_dismissal",
    "stipulated": "stipulated_dismissal",
    "court": "dismissed",
}


def to_record(event: DocketEvent) -> EntryRecord:
    """The part of an event the fold needs to remember."""
    d = event.data
    e = d.entry
    common = {
        "entry_key": e.entry_key,
        "event_id": event.id,
        "type": event.type,
        "date": e.date_filed,
        "document_number": e.document_number,
        "sequence": e.sequence if e.sequence is not None else e.pacer_seq_no,
        "stub": e.text_is_stub,
        "time": event.time,
        "class_action": d.class_action,
        "appeal": d.appeal,
        "confidence": d.classifier_confidence or "high",
    }
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


def rank(r: EntryRecord) -> tuple[bool, dt.datetime, str]:
    """Which version of an entry the fold keeps: the highest (not a stub, source time, event id)."""
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
    if state is None:
        info = event.data.case
        return derive(
            make_case_id(info.court_id, info.docket_number),
            info.court_id,
            info.docket_number,
            _merge_header(None, info),
            (record,),
        )
    old_header = Header.of(state)
    header = _merge_header(old_header, event.data.case)
    folds_same = (
        header.header_date_filed == old_header.header_date_filed
        and header.header_class_action == old_header.header_class_action
    )
    d = _derived_of(state)
    entries = state.entries
    at = d.position(entries, record.entry_key)
    if at >= 0 and rank(entries[at]) >= rank(record):
        if header == old_header:
            return state
        if folds_same:  # only names and parties changed: nothing to fold again
            return _with_header(state, header)
        return _derive_all(state, header, entries)
    # ``entries`` is kept in event-time order (its documented invariant), so the
    # new version is inserted, not re-sorted: ``order_key`` is unique per entry
    # key, so this is exactly ``sorted((*others, record), key=order_key)``.
    others = entries if at < 0 else entries[:at] + entries[at + 1 :]
    i = bisect_right(others, order_key(record), key=order_key)
    stricken = record.type == "entry.stricken" or (at >= 0 and entries[at].type == "entry.stricken")
    if not folds_same or stricken:
        # what came before changes too: the strike voids earlier entries, the
        # header's filing date and class-action mark enter the fold at its start
        return _derive_all(state, header, (*others[:i], record, *others[i:]))
    if at < 0 and i == len(others):
        # the usual case, a new entry after every other one: go on from the state's own fold
        return _append(state, d, header, record)
    start = i if at < 0 else min(at, i)
    return _derive_suffix(state, d, header, (*others[:i], record, *others[i:]), start)


def holds_entry(state: CaseState | None, entry_key: str) -> bool:
    """Whether ``state`` has applied a version of the entry ``entry_key``."""
    return state is not None and _derived_of(state).position(state.entries, entry_key) >= 0


_SNAPSHOT_FIELDS = tuple(
    n for n in CaseSnapshot.model_fields if n not in ("last_entry", "state_version")
)
"""The snapshot's fields that are the memory's own (every one but the two below)."""


def snapshot(state: CaseState) -> CaseSnapshot:
    """The public projection of a state (``case.states``): no entries, no header internals."""
    last = state.entries[-1] if state.entries else None
    return CaseSnapshot.model_construct(
        **{n: getattr(state, n) for n in _SNAPSHOT_FIELDS},
        last_entry=None
        if last is None
        else LastEntry.model_construct(**{n: getattr(last, n) for n in LastEntry.model_fields}),
        state_version=2,
    )


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
        if held is None or rank(held) < rank(record):
            self.entries[record.entry_key] = record


CHECKPOINT_EVERY = 32
"""Entries between two fold checkpoints: an entry that lands before the last one folds at most
this many more entries than the suffix after it."""


def derive(
    case_id: str,
    court_id: str,
    docket_number: str,
    header: Header,
    entries: tuple[EntryRecord, ...],
) -> CaseState:
    """Re-derive status, disposition, history and flags from ordered entries."""
    voided = frozenset(t for r in entries if r.type == "entry.stricken" for t in r.targets)
    d = _Derived({r.entry_key: i for i, r in enumerate(entries)}, voided, [])
    fold = _Fold(header.header_class_action)
    _fold_from(fold, entries, 0, header, d)
    state = fold.state(case_id, court_id, docket_number, header, entries, _updated_at(entries))
    object.__setattr__(state, "_derived", d)
    return state


def _updated_at(entries: tuple[EntryRecord, ...]) -> dt.datetime | None:
    """The newest source time of the entries (naive = UTC); the first of equal instants wins."""
    updated_at: dt.datetime | None = None
    newest: dt.datetime | None = None  # updated_at as an aware instant (naive = UTC)
    for r in entries:
        t = r.time
        if t is not None:
            aware = t if t.tzinfo else t.replace(tzinfo=dt.UTC)
            if (
                newest is None or aware > newest
            ):  # strict: the first of equal instants wins, as max() does
                updated_at, newest = t, aware
    return updated_at


def _fold_from(
    fold: _Fold, entries: tuple[EntryRecord, ...], start: int, header: Header, d: _Derived
) -> None:
    """Fold ``entries[start:]`` into ``fold`` (the fold of ``entries[:start]``), adding checkpoints."""
    header_date = header.header_date_filed
    voided = d.voided
    cps = d.checkpoints
    every = CHECKPOINT_EVERY
    for n in range(start, len(entries)):
        r = entries[n]
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
        if (n + 1) % every == 0 and len(cps) == n // every:
            cps.append(fold.checkpoint(r))


class _Derived:
    """What a state's entries give that the next fold step needs (not part of the value).

    ``index`` (entry key -> position) and ``checkpoints`` are shared with the
    states that append to this one, and only ever gain items, so a position or
    a checkpoint read from them is checked against the state's own entries.
    """

    __slots__ = ("checkpoints", "index", "voided")

    def __init__(
        self, index: dict[str, int], voided: frozenset[int], checkpoints: list[_Checkpoint]
    ) -> None:
        self.index = index
        self.voided = voided
        self.checkpoints = checkpoints
        """``checkpoints[j]``: the fold after the first ``(j + 1) * CHECKPOINT_EVERY`` entries."""

    def position(self, entries: tuple[EntryRecord, ...], key: str) -> int:
        """Where ``entries`` hold ``key`` (-1: nowhere)."""
        at = self.index.get(key)
        if at is None:  # every key of every state sharing the index is in it
            return -1
        if at < len(entries) and entries[at].entry_key == key:
            return at
        # a sibling state (a batch retried from an older state) moved the key: look
        for i, r in enumerate(entries):
            if r.entry_key == key:
                return i
        return -1

    def resume(
        self, entries: tuple[EntryRecord, ...], before: int
    ) -> tuple[int, _Checkpoint | None]:
        """The latest valid checkpoint covering only entries before ``before``: (entries covered, it)."""
        every = CHECKPOINT_EVERY
        j = min(before // every, len(self.checkpoints)) - 1
        while j >= 0:
            cp = self.checkpoints[j]
            end = (j + 1) * every
            if end <= len(entries) and entries[end - 1] is cp.last:
                return end, cp
            j -= 1
        return 0, None


def _derived_of(state: CaseState) -> _Derived:
    try:
        d: _Derived = state._derived  # type: ignore[attr-defined]
    except AttributeError:  # decoded, or built by hand: derive what the fold needs once
        entries = state.entries
        d = _Derived(
            {r.entry_key: i for i, r in enumerate(entries)},
            frozenset(t for r in entries if r.type == "entry.stricken" for t in r.targets),
            [],
        )
        object.__setattr__(state, "_derived", d)
    return d


class _Checkpoint(NamedTuple):
    """The fold after an entry (``last``, the entry itself: identity checks it still applies)."""

    last: EntryRecord
    status: Status | None
    disposition: Disposition | None
    date_terminated: dt.date | None
    history: tuple[StatusChange, ...]
    class_action: bool
    appealed: bool
    settlement_noticed: bool
    amended: int
    partial: int


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

    def checkpoint(self, last: EntryRecord) -> _Checkpoint:
        return _Checkpoint(
            last,
            self.status,
            self.disposition,
            self.date_terminated,
            tuple(self.history),
            self.class_action,
            self.appealed,
            self.settlement_noticed,
            self.amended,
            self.partial,
        )

    @classmethod
    def of_checkpoint(cls, cp: _Checkpoint) -> _Fold:
        fold = cls(cp.class_action)
        fold.status = cp.status
        fold.disposition = cp.disposition
        fold.date_terminated = cp.date_terminated
        fold.history = list(cp.history)
        fold.appealed = cp.appealed
        fold.settlement_noticed = cp.settlement_noticed
        fold.amended = cp.amended
        fold.partial = cp.partial
        return fold

    def step(self, r: EntryRecord, voided: frozenset[int]) -> None:
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
        return CaseState.model_construct(
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
            flags=CaseFlags.model_construct(
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


def _append(state: CaseState, d: _Derived, header: Header, record: EntryRecord) -> CaseState:
    """``derive`` over ``state``'s entries followed by ``record``, without folding them again."""
    updated_at = state.updated_at
    t = record.time
    if t is not None and (
        updated_at is None or _aware(t) > _aware(updated_at)
    ):  # strict, as in derive
        updated_at = t
    fold = _Fold.of(state)
    fold.step(record, d.voided)
    entries = (*state.entries, record)
    n = len(state.entries)
    d.index[record.entry_key] = n  # shared: see _Derived
    cps = d.checkpoints
    if (n + 1) % CHECKPOINT_EVERY == 0 and len(cps) == n // CHECKPOINT_EVERY:
        cps.append(fold.checkpoint(record))
    new = fold.state(
        state.case_id, state.court_id, state.docket_number, header, entries, updated_at
    )
    object.__setattr__(new, "_derived", d)
    return new


def _derive_suffix(
    state: CaseState, d: _Derived, header: Header, entries: tuple[EntryRecord, ...], start: int
) -> CaseState:
    """``derive`` over ``entries``, which equal ``state``'s before position ``start``."""
    covered, cp = d.resume(entries, start)
    if cp is None:
        return _derive_all(state, header, entries)
    nd = _Derived(
        {r.entry_key: i for i, r in enumerate(entries)},
        d.voided,
        d.checkpoints[: covered // CHECKPOINT_EVERY],
    )
    fold = _Fold.of_checkpoint(cp)
    _fold_from(fold, entries, covered, header, nd)
    new = fold.state(
        state.case_id, state.court_id, state.docket_number, header, entries, _updated_at(entries)
    )
    object.__setattr__(new, "_derived", nd)
    return new


def _derive_all(state: CaseState, header: Header, entries: tuple[EntryRecord, ...]) -> CaseState:
    return derive(state.case_id, state.court_id, state.docket_number, header, entries)


def _with_header(state: CaseState, header: Header) -> CaseState:
    """``state`` with header facts that do not enter the fold (name, nature of suit, cause, parties)."""
    new = state.model_copy(
        update={
            "case_name": header.case_name,
            "nature_of_suit": header.nature_of_suit,
            "cause": header.cause,
            "parties": header.parties,
        }
    )
    object.__setattr__(new, "_derived", _derived_of(state))
    return new
