"""Opening the project's SQLite files safely when several processes open one new file at once.

Every local SQLite file (read model, quarantine, delivery store, ingest ledger,
inboxes, caches) runs in WAL mode. Switching a file to WAL takes a shared lock
and then needs an exclusive one; when two connections do that at the same time,
SQLite answers one of them ``database is locked`` *at once*, without calling the
busy handler, because waiting while holding the shared lock could deadlock.
That is what stopped one of two ``api --workers 2`` processes opening a new
``quarantine.sqlite`` in CI (reproduced by ``tests/unit/test_sqlite_open.py``:
about one round in six of four processes fails without the retry). The failed
statement releases its lock, so retrying it is safe and soon succeeds.

Schemas are applied inside ``BEGIN IMMEDIATE``: the write lock is taken first,
where the busy timeout applies, instead of a read that later upgrades (which in
WAL mode can fail the same way, ``SQLITE_BUSY_SNAPSHOT``).
"""

from __future__ import annotations

import sqlite3
import time

OPEN_TIMEOUT_SECONDS = 30.0
"""How long a process waits for the others opening the same file (the busy timeout too)."""

_RETRY_PAUSE_SECONDS = 0.02


def _locked(exc: sqlite3.OperationalError) -> bool:
    text = str(exc)
    return "locked" in text or "busy" in text


def enable_wal(conn: sqlite3.Connection, *, timeout: float = OPEN_TIMEOUT_SECONDS) -> None:
    """Put ``conn``'s file in WAL mode, retrying while another process holds it (see the module doc).

    Raises ``sqlite3.OperationalError`` when the file stays locked for ``timeout`` seconds, and
    any other ``sqlite3.Error`` at once.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if not _locked(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(_RETRY_PAUSE_SECONDS)


def apply_schema(conn: sqlite3.Connection, schema: str) -> None:
    """Run ``schema`` (``CREATE ... IF NOT EXISTS`` statements) in one ``BEGIN IMMEDIATE`` transaction.

    ``conn`` must not be inside a transaction. The busy timeout of ``conn`` applies to taking the
    write lock.
    """
    try:
        conn.executescript(f"BEGIN IMMEDIATE;\n{schema.strip().rstrip(';')};\nCOMMIT;")
    except sqlite3.Error:
        if conn.in_transaction:
            conn.rollback()
        raise
