"""A batch folded into what the worker writes (services.processor.batch), without faust or Kafka."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from schemas.codec import encode_event
from schemas.projection import CaseState
from services.core.evolve import evolve
from services.processor.batch import fold_events
from services.processor.offsets import OffsetLedger
from tests.unit.core_builders import REF_ID, complaint, dismissal

TOPIC = "docket.events"


@dataclass(frozen=True)
class Msg:
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    topic: str = TOPIC

    @property
    def tp(self) -> tuple[str, int]:
        return (self.topic, self.partition)


@dataclass(frozen=True)
class Ev:
    message: Msg


def _ledger(**start: int) -> OffsetLedger[Any]:
    ledger: OffsetLedger[Any] = OffsetLedger()
    ledger.assign({(TOPIC, int(p[1:])): o for p, o in start.items()})
    return ledger


KEY = REF_ID.encode()
COMPLAINT, DISMISSAL = encode_event(complaint()), encode_event(dismissal())


def test_a_case_changed_twice_in_a_batch_is_written_once_with_its_last_state_and_every_alert() -> (
    None
):
    batch = [Ev(Msg(1, 0, KEY, COMPLAINT)), Ev(Msg(1, 1, KEY, DISMISSAL))]
    entered: list[Ev] = []
    out = fold_events(batch, _ledger(p1=0), lambda _: None, enter=entered.append)
    assert out.states[REF_ID] == evolve(evolve(None, complaint()), dismissal())
    assert out.last_event == {REF_ID: batch[1]}, "the state goes to the partition of its last event"
    assert [orjson.loads(v)["data"]["to_status"] for _, v in out.alerts][-1] == "closed"
    assert all(k == KEY for k, _ in out.alerts)
    assert out.outcomes == {"applied": 2}
    assert entered == batch, "each folded event becomes faust's current event before its read"


def test_records_the_ledger_does_not_admit_are_counted_not_folded() -> None:
    batch = [
        Ev(Msg(1, 4, KEY, COMPLAINT)),  # before the position: a redelivery
        Ev(Msg(1, 7, KEY, DISMISSAL)),  # after it: records 5 and 6 never arrived
        Ev(Msg(3, 0, KEY, COMPLAINT)),  # a partition not assigned here
    ]
    out = fold_events(batch, _ledger(p1=5), lambda _: None)
    assert out.outcomes == {"redelivered": 1, "gap": 1, "not_ours": 1}
    assert not out.states and not out.alerts and not out.dead_letters


def test_a_bad_record_and_a_bug_are_dead_lettered_with_their_bytes_and_the_batch_goes_on() -> None:
    def broken(case_id: str) -> CaseState | None:
        raise RuntimeError("the table is broken")

    batch = [Ev(Msg(0, 0, KEY, b"{not json")), Ev(Msg(0, 1, KEY, COMPLAINT))]
    out = fold_events(batch, _ledger(p0=0), broken)
    assert [(d.reason, d.ref.offset, d.value) for d in out.dead_letters] == [
        ("invalid_event", 0, b"{not json"),
        ("internal_error", 1, COMPLAINT),
    ]
    assert "RuntimeError: the table is broken" in out.dead_letters[1].error
    assert out.outcomes == {"dead_lettered": 2}


def test_only_a_rewrite_lists_the_case_of_an_unchanged_record() -> None:
    state = evolve(None, complaint())
    batch = [Ev(Msg(2, 0, KEY, COMPLAINT))]  # already in the table: unchanged
    plain = fold_events(batch, _ledger(p2=0), lambda _: state)
    assert plain.outcomes == {"unchanged": 1} and plain.last_event == {}
    again = fold_events(batch, _ledger(p2=0), lambda _: state, rewrite=True)
    assert again.last_event == {REF_ID: batch[0]} and again.states == {}
