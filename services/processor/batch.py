"""One batch of records folded into what to write — no Kafka, no faust.

``fold_events`` admits each record through the offset ledger, folds it with
:func:`services.processor.step.handle_record` and collects the batch's
outputs: the alerts and dead letters in fold order, and the last state of
each changed case (with the last event that touched it, whose partition the
state is written to). The worker writes them (``services.processor.app``);
the unit tests call it with plain records.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Generic, NamedTuple, Protocol, TypeVar

from schemas.cloudevents import Headers, ce_headers
from schemas.codec import encode
from schemas.projection import CaseState
from services.kafka.records import RecordLike
from services.processor.offsets import OffsetLedger, Verdict
from services.processor.step import DeadLetter, Outcome, RecordRef, handle_record

log = logging.getLogger("docketline.processor")


class Message(RecordLike, Protocol):
    """A record as faust hands it to the agent: also its topic-partition."""

    @property
    def tp(self) -> Hashable: ...


class Event(Protocol):
    """What the fold needs of faust's ``Event``."""

    @property
    def message(self) -> Message: ...


E = TypeVar("E", bound=Event)


class AlertRecord(NamedTuple):
    """One record for ``case.alerts``: the case key, the encoded alert, its CloudEvents headers."""

    key: bytes
    value: bytes
    headers: Headers


@dataclass
class FoldedBatch(Generic[E]):
    """What a batch leaves to write, in the order it must be written."""

    alerts: list[AlertRecord] = field(default_factory=list)
    """In fold order."""
    dead_letters: list[DeadLetter] = field(default_factory=list)
    states: dict[str, CaseState] = field(default_factory=dict)
    """The last new state of each case the batch changed."""
    last_event: dict[str, E] = field(default_factory=dict)
    """The last event of each case to write: changed, or (``rewrite``) only touched."""
    outcomes: Counter[str] = field(default_factory=Counter)
    """applied / unchanged / dead_lettered, and the ledger's verdicts for records not folded."""


def fold_events(
    batch: Sequence[E],
    ledger: OffsetLedger[Hashable],
    load_state: Callable[[str], CaseState | None],
    *,
    rewrite: bool = False,
    enter: Callable[[E], None] = lambda event: None,
) -> FoldedBatch[E]:
    """Fold the records of ``batch`` the ledger admits; collect what to write.

    ``load_state(case_id)`` reads the table; the batch's own earlier states are
    read from the batch (an overlay) first. ``enter(event)`` runs before each
    record is folded (the worker makes it faust's current event, so the table
    reads the right partition). ``rewrite`` also lists the cases of unchanged
    records in ``last_event``: after a failed attempt their last write may not
    have reached Kafka. A bug of the fold on one record dead-letters it
    (``internal_error``) instead of losing it.
    """
    out: FoldedBatch[E] = FoldedBatch()

    def current(case_id: str) -> CaseState | None:
        return out.states[case_id] if case_id in out.states else load_state(case_id)

    for event in batch:
        message = event.message
        verdict = ledger.admit(message.tp, message.offset)
        if verdict is not Verdict.FOLD:
            out.outcomes[verdict.value] += 1
            continue
        enter(event)
        ref = RecordRef(message.topic, message.partition, message.offset)
        try:
            outcome = handle_record(message.key, message.value, ref, current)
        except Exception as exc:  # a bug in our code must not lose the record: dead-letter it
            log.exception("internal error on %s", ref)
            error = f"{type(exc).__name__}: {exc}"
            dl = DeadLetter("internal_error", error, ref, message.key, message.value)
            outcome = Outcome(dead_letter=dl)
        if outcome.dead_letter is not None:
            dl = outcome.dead_letter
            log.warning("dead-lettered %s: %s (%s)", ref, dl.reason, dl.error)
            out.dead_letters.append(dl)
            out.outcomes["dead_lettered"] += 1
        elif outcome.state is None:
            out.outcomes["unchanged"] += 1
            if rewrite and outcome.case_id is not None:
                out.last_event[outcome.case_id] = event
        else:
            assert outcome.case_id is not None
            key = outcome.case_id.encode()
            out.alerts.extend(
                AlertRecord(key, encode(alert), ce_headers(alert)) for alert in outcome.alerts
            )
            out.states[outcome.case_id] = outcome.state
            out.last_event[outcome.case_id] = event
            out.outcomes["applied"] += 1
    return out
