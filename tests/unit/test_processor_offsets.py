"""The processor's offset ledger: fold each record once, in order, and commit only what is durable."""

from __future__ import annotations

from services.processor.offsets import OffsetLedger, Verdict

P0, P1 = ("docket.events", 0), ("docket.events", 1)


def ledger(**positions: int) -> OffsetLedger[tuple[str, int]]:
    led: OffsetLedger[tuple[str, int]] = OffsetLedger()
    led.assign({("docket.events", int(k[1:])): v for k, v in positions.items()})
    return led


def test_records_are_folded_in_order_from_the_committed_offset() -> None:
    led = ledger(p0=10)
    assert [led.admit(P0, o) for o in (10, 11, 12)] == [Verdict.FOLD] * 3
    assert led.position(P0) == (13, 10, 10)


def test_a_redelivered_record_is_not_folded_twice() -> None:
    led = ledger(p0=10)
    led.admit(P0, 10)
    assert led.admit(P0, 10) is Verdict.REDELIVERED
    assert led.admit(P0, 3) is Verdict.REDELIVERED


def test_a_record_past_a_hole_is_not_folded_and_asks_once_for_a_seek_back() -> None:
    led = ledger(p0=10)
    assert led.admit(P0, 10) is Verdict.FOLD
    assert [led.admit(P0, o) for o in (19, 20, 21)] == [Verdict.GAP] * 3
    assert led.seeks() == {P0: 11}
    assert led.seeks() == {}, "asked once"
    assert led.pending_seeks() == {P0}
    assert led.admit(P0, 11) is Verdict.FOLD, "the missing record arrives after the seek"
    assert led.pending_seeks() == frozenset()
    assert led.admit(P0, 12) is Verdict.FOLD


def test_a_seek_that_brought_nothing_can_be_repeated() -> None:
    led = ledger(p0=5)
    led.admit(P0, 9)
    assert led.seeks() == {P0: 5}
    led.retry_seek(P0)
    assert led.seeks() == {P0: 5}


def test_only_durable_positions_are_committed_and_each_only_once() -> None:
    led = ledger(p0=10, p1=0)
    led.admit(P0, 10)
    led.admit(P0, 11)
    assert led.to_commit() == {}, "folded but the outputs are not acknowledged yet"
    led.durable()
    assert led.to_commit() == {P0: 12}
    led.committed({P0: 12})
    assert led.to_commit() == {}
    led.admit(P1, 0)
    led.durable()
    assert led.to_commit([P0]) == {} and led.to_commit([P1]) == {P1: 1}


def test_a_failed_batch_is_folded_again_after_a_rollback() -> None:
    led = ledger(p0=10)
    led.admit(P0, 10)
    led.durable()
    led.admit(P0, 11)
    led.admit(P0, 12)
    led.rollback()
    assert led.admit(P0, 11) is Verdict.FOLD, "not mistaken for a redelivery"
    assert led.to_commit() == {P0: 11}


def test_records_of_partitions_not_assigned_belong_to_another_worker() -> None:
    led = ledger(p0=0)
    assert led.admit(P1, 0) is Verdict.NOT_OURS
    led.revoke([P0])
    assert led.admit(P0, 0) is Verdict.NOT_OURS
    assert led.to_commit() == {}


def test_a_reassigned_partition_starts_again_from_the_new_committed_offset() -> None:
    led = ledger(p0=0)
    led.admit(P0, 0)
    led.admit(P0, 5)  # a hole: a seek is pending
    led.revoke([P0])
    led.assign({P0: 40})  # another worker folded up to 40 meanwhile
    assert led.seeks() == {}
    assert led.admit(P0, 39) is Verdict.REDELIVERED
    assert led.admit(P0, 40) is Verdict.FOLD
