"""Several processes opening one new SQLite file at once all succeed (services/sqlite_open.py).

Found in CI: two ``api --workers 2`` processes opened a new ``quarantine.sqlite``
together and one exited with ``database is locked`` (the WAL switch answers
"locked" at once, without the busy timeout). Without ``enable_wal``'s retry,
about one round in six of four processes fails here, so 20 rounds per opener
fail with a probability above 97 %.
"""

from __future__ import annotations

import multiprocessing
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from services.dispatcher.store import DeliveryStore
from services.ingest.ledger import Ledger
from services.ingest.sqlite_file import open_sqlite
from services.quarantine import Quarantine
from services.readmodel.sqlite import SqliteReadModel
from services.sqlite_open import apply_schema, enable_wal

PROCESSES = 4
ROUNDS = 20


def _open_quarantine(path: Path) -> None:
    Quarantine(path)


def _open_ledger(path: Path) -> None:
    Ledger(path)


def _open_delivery_store(path: Path) -> None:
    DeliveryStore.open(path)


def _open_read_model(path: Path) -> None:
    SqliteReadModel(path)


def _open_ingest_file(path: Path) -> None:
    open_sqlite(path, "CREATE TABLE IF NOT EXISTS t (k TEXT PRIMARY KEY, v BLOB);", durable=True)


OPENERS: dict[str, Callable[[Path], None]] = {
    "quarantine": _open_quarantine,
    "ingest ledger": _open_ledger,
    "delivery store": _open_delivery_store,
    "read model": _open_read_model,
    "ingest inbox/cache": _open_ingest_file,
}


def _child(opener: str, path: Path, start: object, errors: object) -> None:
    start.wait()  # type: ignore[attr-defined]
    try:
        OPENERS[opener](path)
    except Exception as exc:  # reported to the parent, which fails the test with it
        errors.put(f"{type(exc).__name__}: {exc}")  # type: ignore[attr-defined]


def _race(opener: str, directory: Path) -> list[str]:
    ctx = multiprocessing.get_context("fork")
    failures: list[str] = []
    for round_ in range(ROUNDS):
        path = directory / f"round-{round_}.sqlite"
        start = ctx.Barrier(PROCESSES)
        errors = ctx.Queue()
        procs = [
            ctx.Process(target=_child, args=(opener, path, start, errors)) for _ in range(PROCESSES)
        ]
        for p in procs:
            p.start()
        for p in procs:
            p.join(60)
            assert p.exitcode == 0, f"{opener}: an opening process ended with {p.exitcode}"
        while not errors.empty():
            failures.append(f"round {round_}: {errors.get()}")
    return failures


@pytest.mark.parametrize("opener", sorted(OPENERS))
def test_processes_opening_one_new_file_at_once_all_succeed(opener: str, tmp_path: Path) -> None:
    assert _race(opener, tmp_path) == []


def test_the_file_is_in_wal_mode_with_its_schema(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "x.sqlite", isolation_level=None)
    enable_wal(conn)
    apply_schema(conn, "CREATE TABLE IF NOT EXISTS t (a INTEGER);")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("SELECT name FROM sqlite_master").fetchall() == [("t",)]
    assert not conn.in_transaction


def test_a_bad_schema_is_rolled_back_and_raised(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "x.sqlite", isolation_level=None)
    with pytest.raises(sqlite3.OperationalError, match="syntax"):
        apply_schema(conn, "CREATE TABLE t (a INTEGER); CREATE TABLE oops oops;")
    assert not conn.in_transaction
    assert conn.execute("SELECT name FROM sqlite_master").fetchall() == []


def test_a_file_locked_for_longer_than_the_timeout_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "x.sqlite"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (a INTEGER)")
    holder.execute("BEGIN EXCLUSIVE")
    other = sqlite3.connect(path, isolation_level=None, timeout=0.05)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        enable_wal(other, timeout=0.2)
    holder.rollback()
    enable_wal(other)
    assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
