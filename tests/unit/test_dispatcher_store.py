"""The delivery outbox in SQLite: de-duplication, due order, attempts, dead letters."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from services.dispatcher.store import (
    AttemptRecord,
    DeliveryStore,
    Health,
    NewDelivery,
)


def nd(sub: str, alert: str) -> NewDelivery:
    return NewDelivery(sub, alert, "status.changed", "cand:5:25-cv-00709", b'{"x":1}', "t/0/1")


def attempt(
    sub: str, alert: str, n: int, outcome: str, next_at: float | None, code: int | None = 500
) -> AttemptRecord:
    return AttemptRecord(
        sub, alert, n, "http://h/", 100.0 + n, 3.0, 100 + n, code, None, outcome, next_at, "oops"
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[DeliveryStore]:
    s = DeliveryStore.open(tmp_path / "d" / "dispatcher.sqlite")
    yield s
    s.close()


def test_enqueue_is_idempotent_per_subscription_and_alert(store: DeliveryStore) -> None:
    assert len(store.enqueue([nd("s1", "a1"), nd("s2", "a1")], 10.0)) == 2
    again = store.enqueue([nd("s1", "a1"), nd("s1", "a2")], 11.0)
    assert [(d.subscription_id, d.alert_id) for d in again] == [("s1", "a2")]
    assert store.subscriptions_with_pending() == {"s1", "s2"}


def test_due_order_is_next_attempt_time(store: DeliveryStore) -> None:
    store.enqueue([nd("s1", "a1")], 10.0)
    store.enqueue([nd("s1", "a2")], 20.0)
    first = store.next_pending("s1")
    assert first is not None and (first.alert_id, first.next_attempt_at) == ("a1", 10.0)
    store.record_attempt(attempt("s1", "a1", 1, "retry", 50.0), Health(1, 101.0, 1), None)
    nxt = store.next_pending("s1")
    assert nxt is not None and nxt.alert_id == "a2"


def test_attempts_are_logged_and_delivery_completes(store: DeliveryStore) -> None:
    store.enqueue([nd("s1", "a1")], 10.0)
    store.record_attempt(attempt("s1", "a1", 1, "retry", 50.0), Health(1, 101.0, 1), None)
    store.record_attempt(attempt("s1", "a1", 2, "delivered", None, 200), Health(1, None, 0), None)
    assert store.next_pending("s1") is None
    [row] = store.deliveries("s1")
    assert (row["status"], row["attempts"], row["last_error"]) == ("delivered", 2, None)
    assert [(a["attempt"], a["outcome"], a["status_code"]) for a in row["attempt_log"]] == [
        (1, "retry", 500),
        (2, "delivered", 200),
    ]
    assert store.health("s1") == Health(1, None, 0)


def test_exhausted_delivery_gets_a_dead_letter(store: DeliveryStore) -> None:
    store.enqueue([nd("s1", "a1")], 10.0)
    store.record_attempt(
        attempt("s1", "a1", 1, "dead", None), Health(1, 101.0, 1), "1 attempts failed"
    )
    [row] = store.deliveries("s1", status="dead")
    assert row["dead_letter"]["reason"] == "1 attempts failed"
    assert store.next_pending("s1") is None


def test_deleted_subscription_pending_deliveries_are_cancelled_not_dropped(
    store: DeliveryStore,
) -> None:
    store.enqueue([nd("s1", "a1"), nd("s1", "a2")], 10.0)
    assert store.cancel_pending("s1", "subscription deleted", 12.0) == 2
    rows = store.deliveries("s1")
    assert {(r["status"], r["last_error"]) for r in rows} == {("cancelled", "subscription deleted")}


def test_state_survives_reopening_and_reads_work_read_only(tmp_path: Path) -> None:
    path = tmp_path / "dispatcher.sqlite"
    assert DeliveryStore.open_readonly(path) is None
    s = DeliveryStore.open(path)
    s.enqueue([nd("s1", "a1")], 10.0)
    s.close()
    ro = DeliveryStore.open_readonly(path)
    assert ro is not None
    assert [r["alert_id"] for r in ro.deliveries("s1")] == ["a1"]
    with pytest.raises(Exception, match="readonly|read-only"):
        ro.enqueue([nd("s1", "a9")], 11.0)
    ro.close()
    again = DeliveryStore.open(path)
    pending = again.next_pending("s1")
    assert pending is not None and pending.body == b'{"x":1}'
    again.close()


def test_a_file_whose_tables_a_starting_dispatcher_has_not_created_yet_reads_as_absent(
    tmp_path: Path,
) -> None:
    import sqlite3

    path = tmp_path / "dispatcher.sqlite"
    sqlite3.connect(path).close()  # the file exists, its schema does not yet
    assert DeliveryStore.open_readonly(path) is None
