"""The pure half of ``docketline rebuild``: re-read, fold, compare, decide what to write.

Nothing here touches Kafka, the file system or the clock, so every rule of a
rebuild is a unit test away:

* :func:`reclassify` re-reads one stored event with the current classifier,
  keeping its identity (id, case, entry, source, time): the same words are the
  same fact, only their meaning may change.
* :class:`LogFold` folds ``docket.events`` record by record, exactly as the
  processor does (:func:`services.processor.step.decode_record` decides what is
  an event; :class:`RecordDecoder` is the same rules), and remembers the processor's acknowledgement boundary: records
  at or past the consumer group's committed offset of their partition were
  never acknowledged by a worker, so their alerts and dead letters have never
  been sent — the rebuild sends them (first sends, not re-sends).
* :func:`plan` compares the rebuilt snapshots with what ``case.states`` holds
  and the rebuilt memories with the processor's private changelog, byte for
  byte, and says what to write and which cases changed status or disposition,
  and why. A log written by the old processor has ``CaseState`` v1 on
  ``case.states`` and no private changelog: every case is written (the
  migration), its old snapshot read through the upcaster.
* :func:`rebuild_alerts` are the alerts a subscriber would need to see the
  difference a rebuild makes (only with ``--emit-alerts``), with the same
  deterministic ids :func:`services.core.detect.detect` gives the processor.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from schemas.alerts import Alert
from schemas.cloudevents import Headers, kafka_record
from schemas.codec import encode_outputs
from schemas.events import DocketEvent
from schemas.projection import CaseSnapshot, CaseState, Disposition
from services.core.build import build_event
from services.core.classification import Classification
from services.core.classify import CLASSIFIER_VERSION, classify
from services.core.detect import detect, status_alerts
from services.core.docket_numbers import make_case_id
from services.core.evolve import CaseAccumulator, evolve
from services.processor.step import DeadLetter, RecordRef, RecordRejected, decode_record

ClassifyFn = Callable[[str, str | None, int | None], Classification]
Reason = Literal["reclassified", "unprocessed", "recomputed"]
"""Why a case's projection changed: one of its events reads differently now; it has
events the processor never acknowledged; or neither — the fold itself gives a
different answer (the projection code changed, or a write was lost)."""

REBUILD_SOURCE = "docketline/rebuild"
"""``source`` of alerts the rebuild sends (their ids are the processor's ids)."""

_CLASSIFIER_FIELDS: set[str] = {"classifier_version", "classifier_rule"}


# --------------------------------------------------------------------------- re-reading


def reclassify(
    event: DocketEvent,
    classify_fn: ClassifyFn = classify,
    classifier_version: str = CLASSIFIER_VERSION,
) -> DocketEvent:
    """``event`` as the classifier reads it now; ``event`` itself when the reading is unchanged.

    The case, entry, source and time are kept, and so is the id (it depends on
    the entry's identity and words, never on the classification; an id that a
    foreign producer derived differently is kept as it is). Returning the very
    same object for an unchanged reading keeps an unchanged log's projections
    byte-identical, whatever ``classifier_version`` the events were stamped with.
    """
    entry = event.data.entry
    fresh = build_event(
        event.data.case,
        entry,
        classify_fn(entry.text, entry.event_name, entry.document_number),
        source=event.source,
        classifier_version=classifier_version,
        time=event.time,
    )
    if same_reading(event, fresh):
        return event
    if fresh.id != event.id:
        fresh = fresh.model_copy(update={"id": event.id})
    return fresh


def transition(old: DocketEvent, new: DocketEvent) -> str:
    """How a re-read changed an event, for the report: its type, and its entry class when only that changed.

    Events recorded before schema version 4 carry no entry class: re-read, they
    gain one ("docket.entry -> docket.entry (entry class recorded)") while their
    status reading stays; a later entry-class rule change shows as
    "(entry class motion -> brief)".
    """
    label = f"{old.type} -> {new.type}"
    was, now = old.data.entry_class, new.data.entry_class
    if old.type == new.type and was != now:
        label += " (entry class recorded)" if was is None else f" (entry class {was} -> {now})"
    return label


def same_reading(a: DocketEvent, b: DocketEvent) -> bool:
    """Whether two versions of an event mean the same (type and parameters; not who read them)."""
    return a.type == b.type and a.data.model_dump(exclude=_CLASSIFIER_FIELDS) == b.data.model_dump(
        exclude=_CLASSIFIER_FIELDS
    )


# --------------------------------------------------------------------------- decoding


class RecordDecoder:
    """:func:`services.processor.step.decode_record`, remembering each case's ``case_id``.

    It is ``decode_record`` itself with a memo of ``make_case_id``: the same checks in the
    same order, with the same reasons and messages (a record the processor dead-letters
    is rejected here the same way;
    ``tests/unit/test_rebuild_fold.py`` compares the two on valid and broken
    records). The one difference: ``make_case_id`` is a pure function of the
    court id and docket number, and a case's events repeat them, so its answer
    is kept per pair (a fifth of the fold's time otherwise, at ~24 events per
    case). Errors are not kept: a broken pair is rare and raises every time.
    """

    __slots__ = ("_case_ids",)

    def __init__(self) -> None:
        self._case_ids: dict[tuple[str, str], str] = {}

    def __call__(self, key: bytes | None, value: bytes | None) -> DocketEvent:
        return decode_record(key, value, self._case_id)

    def _case_id(self, court_id: str, docket_number: str) -> str:
        pair = (court_id, docket_number)
        known = self._case_ids.get(pair)
        if known is None:  # make_case_id raises for a broken pair: nothing is kept then
            known = self._case_ids[pair] = make_case_id(court_id, docket_number)
        return known


# --------------------------------------------------------------------------- the fold


@dataclass
class LogFold:
    """Fold ``docket.events`` records (per partition in offset order) into projections.

    ``committed`` is the processor group's committed offset per partition (the
    next offset a worker would read); records before it were acknowledged by a
    worker, records from it on were not. ``reread`` re-reads each decoded event
    (:func:`reclassify`) or is ``None`` to fold the stored readings.

    Acknowledged records need no intermediate state (they send nothing), so a
    case's acknowledged events are gathered (:class:`CaseAccumulator`) and its state
    derived once, when it is first read or when an unacknowledged record of
    the case needs it as the "old" state of its alerts: the same bytes as
    ``evolve`` event by event (``tests/unit/test_rebuild_plan.py`` checks),
    without re-deriving the whole case on every event. Unacknowledged records
    are folded with ``evolve`` one by one, for ``detect``.
    """

    committed: Mapping[int, int]
    reread: Callable[[DocketEvent], DocketEvent] | None = None
    events: int = 0
    undecodable: int = 0
    _states: dict[str, CaseState] = field(default_factory=dict)
    _acked: dict[str, CaseState] = field(default_factory=dict)
    _pending: dict[str, CaseAccumulator] = field(default_factory=dict)
    partition_of: dict[str, int] = field(default_factory=dict)
    misplaced: set[str] = field(default_factory=set)
    """Cases whose events are on more than one partition (the topic's partition count changed?)."""
    next_offset: dict[int, int] = field(default_factory=dict)
    """Per partition, one past the last record folded."""
    reasons: dict[str, set[Reason]] = field(default_factory=dict)
    changed_readings: dict[str, DocketEvent] = field(default_factory=dict)
    """Event id -> the event as re-read, for every event that reads differently now."""
    transitions: Counter[str] = field(default_factory=Counter)
    """``"docket.entry -> case.dismissed"`` -> number of events re-read that way."""
    unprocessed: int = 0
    tail_alerts: list[Alert] = field(default_factory=list)
    tail_dead_letters: list[DeadLetter] = field(default_factory=list)
    rejected: list[DeadLetter] = field(default_factory=list)
    """Every record the fold could not use (undecodable, or re-reading or folding it failed),
    acknowledged or not, with its raw bytes: the rebuild quarantines them."""
    _decode: RecordDecoder = field(default_factory=RecordDecoder, repr=False, compare=False)

    @property
    def states(self) -> dict[str, CaseState]:
        """Per case, the fold of all its events."""
        self._derive_pending()
        return self._states

    @property
    def acked(self) -> dict[str, CaseState]:
        """Per case, the fold of its acknowledged events only (what the processor's table should hold)."""
        self._derive_pending()
        return self._acked

    def _derive_pending(self) -> None:
        for case_id in list(self._pending):
            self._derive(case_id)

    def _derive(self, case_id: str) -> CaseState | None:
        pending = self._pending.pop(case_id, None)
        if pending is None:
            return self._states.get(case_id)
        state = self._states[case_id] = self._acked[case_id] = pending.state()
        return state

    def add(
        self, topic: str, partition: int, offset: int, key: bytes | None, value: bytes | None
    ) -> None:
        """Fold one record of ``docket.events``."""
        self.next_offset[partition] = max(self.next_offset.get(partition, 0), offset + 1)
        acked = offset < self.committed.get(partition, 0)
        if not acked:
            self.unprocessed += 1
        try:
            stored = self._decode(key, value)
        except RecordRejected as exc:
            self.undecodable += 1
            dead = DeadLetter(
                exc.reason, exc.error, RecordRef(topic, partition, offset), key, value
            )
            self.rejected.append(dead)
            if not acked:  # never dead-lettered by a worker: do what the worker would have done
                self.tail_dead_letters.append(dead)
            return
        try:
            self._fold(stored, partition, acked)
        except Exception as exc:  # noqa: BLE001 - pure steps on one valid event: it is kept, the fold goes on
            self.rejected.append(
                DeadLetter(
                    "unapplicable",
                    f"{type(exc).__name__}: {exc}",
                    RecordRef(topic, partition, offset),
                    key,
                    value,
                )
            )

    def _fold(self, stored: DocketEvent, partition: int, acked: bool) -> None:
        event = stored if self.reread is None else self.reread(stored)
        self.events += 1
        case_id = event.subject
        if event is not stored:
            self.transitions[transition(stored, event)] += 1
            self.changed_readings.setdefault(event.id, event)
            self.reasons.setdefault(case_id, set()).add("reclassified")
        if self.partition_of.setdefault(case_id, partition) != partition:
            self.misplaced.add(case_id)
        if acked and case_id not in self._states:
            pending = self._pending.get(case_id)
            if pending is None:
                self._pending[case_id] = CaseAccumulator(event)
            else:
                pending.add(event)
            return
        old = self._derive(case_id)
        new = evolve(old, event)
        if new is old:
            return
        self._states[case_id] = new
        if acked:
            self._acked[case_id] = new
        else:
            self.reasons.setdefault(case_id, set()).add("unprocessed")
            self.tail_alerts.extend(
                a.model_copy(update={"source": REBUILD_SOURCE}) for a in detect(old, new, event)
            )


# --------------------------------------------------------------------------- comparing


Semantic = tuple[str, str, str, str | None]


def _semantic(d: Disposition | None) -> Semantic | None:
    return None if d is None else (d.type, d.prejudice, d.date.isoformat(), d.detail)


@dataclass(frozen=True, slots=True)
class StateSummary:
    """What :func:`plan` reads of a rebuilt state (status, disposition), without the state.

    A fold in another process sends this instead of the whole state (decoding
    every rebuilt state again would cost what the fold saved).
    """

    status: str
    semantic: Semantic | None
    text: str

    @classmethod
    def of(cls, state: CaseState) -> StateSummary:
        return cls(state.status, _semantic(state.disposition), describe(state))


Projected = CaseState | CaseSnapshot | StateSummary


def _status_key(s: Projected) -> tuple[str, Semantic | None]:
    if isinstance(s, StateSummary):
        return s.status, s.semantic
    return s.status, _semantic(s.disposition)


def status_differs(before: Projected | None, after: Projected | None) -> bool:
    """Whether status or disposition differ (what a subscriber or a case page shows)."""
    if before is None or after is None:
        return before is not after
    return _status_key(before) != _status_key(after)


def describe(state: Projected | None) -> str:
    """``closed (voluntary_dismissal, without, 2025-01-30)``, ``open``, or ``-`` for no projection."""
    if state is None:
        return "-"
    if isinstance(state, StateSummary):
        return state.text
    d = state.disposition
    return (
        state.status
        if d is None
        else f"{state.status} ({d.type}, {d.prejudice}, {d.date.isoformat()})"
    )


@dataclass(frozen=True, slots=True)
class CaseChange:
    """A case whose status or disposition differs between its live and its rebuilt projection."""

    case_id: str
    before: str
    after: str
    why: tuple[str, ...]


@dataclass
class Plan:
    """What the rebuild writes, and what it found."""

    snapshots: dict[str, bytes | None] = field(default_factory=dict)
    """case_id -> bytes to write on ``case.states`` (None = tombstone)."""
    changelog: dict[str, bytes | None] = field(default_factory=dict)
    """case_id -> bytes to write on the processor's private changelog (None = tombstone)."""
    orphans: list[str] = field(default_factory=list)
    """Live projections without a single event in the log (kept unless dropped)."""
    changes: list[CaseChange] = field(default_factory=list)


def plan(
    rebuilt: Mapping[str, bytes],
    live: Mapping[str, bytes],
    table: Mapping[str, bytes],
    *,
    rebuilt_memory: Mapping[str, bytes],
    reasons: Mapping[str, set[Reason]],
    decode: Callable[[bytes], CaseSnapshot | None],
    rebuilt_states: Mapping[str, Projected],
    drop_orphans: bool = False,
) -> Plan:
    """Byte-compare rebuilt snapshots with ``case.states`` (``live``), memories with the changelog (``table``).

    A case is written where its bytes differ (an unchanged log writes nothing).
    ``decode`` turns a live snapshot (any version) into the current one, only
    for cases that differ (None: the snapshot cannot be read — quarantined by
    the caller — and is replaced).
    """
    out = Plan()
    for case_id in sorted(rebuilt_memory):
        if table.get(case_id) != rebuilt_memory[case_id]:
            out.changelog[case_id] = rebuilt_memory[case_id]
    for case_id in sorted(rebuilt):
        raw = rebuilt[case_id]
        old = live.get(case_id)
        if old == raw:
            continue
        out.snapshots[case_id] = raw
        before = None if old is None else decode(old)
        after = rebuilt_states[case_id]
        if status_differs(before, after):
            why = tuple(sorted(reasons.get(case_id, ()))) or ("recomputed",)
            out.changes.append(CaseChange(case_id, describe(before), describe(after), why))
    for case_id in sorted((set(live) | set(table)) - set(rebuilt)):
        out.orphans.append(case_id)
        if drop_orphans:
            if case_id in live:
                out.snapshots[case_id] = None
            if case_id in table:
                out.changelog[case_id] = None
    return out


def cause_event_id(before: CaseSnapshot | None, after: CaseState) -> str:
    """The entry a subscriber would be told caused the difference between two projections."""
    if before is not None and before.status == after.status and after.disposition is not None:
        return after.disposition.event_id
    return after.status_history[-1].event_id


def rebuild_alerts(
    before: Mapping[str, CaseSnapshot],
    after: Mapping[str, CaseState],
    events: Mapping[str, DocketEvent],
) -> list[Alert]:
    """Alerts for the cases whose status or disposition the rebuild changes.

    ``before``: live projections of the changed cases; ``after``: their
    rebuilt acknowledged projections; ``events``: at least the events named by
    :func:`cause_event_id`. The ids are what :func:`detect` gives for the same
    transition and cause, so a subscriber that already saw it de-duplicates it.
    """
    out: list[Alert] = []
    for case_id in sorted(after):
        new = after[case_id]
        old = before.get(case_id)
        if not status_differs(old, new):
            continue
        cause = events[cause_event_id(old, new)]
        out.extend(
            a.model_copy(update={"source": REBUILD_SOURCE}) for a in status_alerts(old, new, cause)
        )
    return out


def encode_outputs_of(states: Mapping[str, CaseState]) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """(case_id -> public snapshot bytes for ``case.states``, case_id -> private memory bytes)."""
    snapshots: dict[str, bytes] = {}
    memories: dict[str, bytes] = {}
    for case_id, state in states.items():
        memories[case_id], snapshots[case_id] = encode_outputs(state)
    return snapshots, memories


@dataclass
class FoldResult:
    """A finished fold as the writing half needs it: encoded states, summaries, counts.

    Built from one in-process :class:`LogFold` (:meth:`of`) or merged from the
    folds of disjoint partition sets run in other processes (:meth:`merge`),
    which send plain data: pickling every state's models would cost more than
    the fold. ``acked`` states and re-read events come only from an in-process
    fold (``--emit-alerts`` and ``--reclassify`` use one).
    """

    events: int = 0
    undecodable: int = 0
    unprocessed: int = 0
    encoded: dict[str, bytes] = field(default_factory=dict)
    """case_id -> the rebuilt snapshot's bytes."""
    memories: dict[str, bytes] = field(default_factory=dict)
    """case_id -> the rebuilt memory's bytes."""
    summaries: dict[str, StateSummary] = field(default_factory=dict)
    partition_of: dict[str, int] = field(default_factory=dict)
    misplaced: set[str] = field(default_factory=set)
    next_offset: dict[int, int] = field(default_factory=dict)
    reasons: dict[str, set[Reason]] = field(default_factory=dict)
    transitions: Counter[str] = field(default_factory=Counter)
    tail_alerts: list[tuple[bytes, bytes, Headers]] = field(default_factory=list)
    """(key, encoded alert, CloudEvents headers) of the records no worker acknowledged."""
    tail_dead_letters: list[DeadLetter] = field(default_factory=list)
    rejected: list[DeadLetter] = field(default_factory=list)
    acked: dict[str, CaseState] = field(default_factory=dict)
    changed_readings: dict[str, DocketEvent] = field(default_factory=dict)

    @classmethod
    def of(cls, fold: LogFold, *, keep_models: bool = True) -> FoldResult:
        """``keep_models=False`` leaves out the models (acked states, re-read events): plain data only."""
        states = fold.states
        snapshots, memories = encode_outputs_of(states)
        return cls(
            events=fold.events,
            undecodable=fold.undecodable,
            unprocessed=fold.unprocessed,
            encoded=snapshots,
            memories=memories,
            summaries={c: StateSummary.of(s) for c, s in states.items()},
            partition_of=fold.partition_of,
            misplaced=fold.misplaced,
            next_offset=fold.next_offset,
            reasons=fold.reasons,
            transitions=fold.transitions,
            tail_alerts=[kafka_record(a) for a in fold.tail_alerts],
            tail_dead_letters=fold.tail_dead_letters,
            rejected=fold.rejected,
            acked=fold.acked if keep_models else {},
            changed_readings=fold.changed_readings if keep_models else {},
        )

    @classmethod
    def merge(cls, parts: Iterable[FoldResult]) -> FoldResult:
        """One result from folds of disjoint partition sets (a case on several of them: see ``misplaced``)."""
        out = cls()
        for part in parts:
            out.events += part.events
            out.undecodable += part.undecodable
            out.unprocessed += part.unprocessed
            for case_id, partition in part.partition_of.items():
                if out.partition_of.setdefault(case_id, partition) != partition:
                    out.misplaced.add(case_id)
            out.misplaced |= part.misplaced
            out.encoded.update(part.encoded)
            out.memories.update(part.memories)
            out.summaries.update(part.summaries)
            out.next_offset.update(part.next_offset)
            for case_id, why in part.reasons.items():
                out.reasons.setdefault(case_id, set()).update(why)
            out.transitions.update(part.transitions)
            out.tail_alerts += part.tail_alerts
            out.tail_dead_letters += part.tail_dead_letters
            out.rejected += part.rejected
            out.acked.update(part.acked)
            out.changed_readings.update(part.changed_readings)
        return out


def first(items: Iterable[CaseChange], n: int) -> list[CaseChange]:
    return [c for _, c in zip(range(n), items)]
