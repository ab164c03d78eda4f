"""The CourtListener webhook inbox: every accepted delivery, kept until its entries are out.

``POST /api/ingest/courtlistener`` answers 202 only after the delivery is
committed here (SQLite under ``settings.data_dir``), and publishes from here,
so an accepted body survives a crash, a broker outage or a CourtListener API
outage. Rows are never deleted:

* ``deliveries``: one row per ``Idempotency-Key`` with the raw body and its
  SHA-256. The key is the primary key, so a redelivery (also after a restart)
  is recognised as a duplicate; the same key with a different body is a
  conflict (:class:`IdempotencyConflict`), not silently a duplicate.
* ``entries``: one row per docket entry of a delivery, with its state:

  - ``pending``: accepted, not tried yet;
  - ``retrying``: tried and not published (docket not found, CourtListener or
    Kafka unavailable); ``last_error`` says why, ``next_attempt_at`` when;
  - ``published``: on the events topic (``event_id``, ``case_id``);
  - ``rejected``: the shared ingest step refused it (``last_error`` names the
    field); kept with its bytes for a fixed adapter, not retried by itself.

Blocking by design (SQLite); async callers run the methods in a thread. One
connection guarded by a lock, WAL journal.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

from services.ingest.sqlite_file import DurableStore

INBOX_FILE: Final = "courtlistener-inbox.sqlite"

EntryStatus = Literal["pending", "retrying", "published", "rejected"]
STATUSES: Final[tuple[EntryStatus, ...]] = ("pending", "retrying", "published", "rejected")
_OPEN = ("pending", "retrying")

_SCHEMA = """
PRAGMA foreign_keys=ON;
CREATE TABLE IF NOT EXISTS deliveries (
    key          TEXT PRIMARY KEY,
    body_sha256  TEXT NOT NULL,
    received_at  REAL NOT NULL,
    entries      INTEGER NOT NULL,
    body         BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS entries (
    key             TEXT NOT NULL REFERENCES deliveries(key),
    idx             INTEGER NOT NULL,
    docket_id       INTEGER NOT NULL,
    entry           BLOB NOT NULL,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL,
    last_error      TEXT,
    event_id        TEXT,
    case_id         TEXT,
    updated_at      REAL NOT NULL,
    PRIMARY KEY (key, idx)
);
CREATE INDEX IF NOT EXISTS entries_open ON entries (status, next_attempt_at);
"""


class InboxError(Exception):
    """The inbox file cannot be opened, read or written."""


class IdempotencyConflict(InboxError):
    """An ``Idempotency-Key`` already names a delivery with a different body."""


@dataclass(frozen=True, slots=True)
class Receipt:
    """What :meth:`Inbox.accept` did with a delivery."""

    key: str
    duplicate: bool
    entries: int
    counts: dict[str, int]
    """Entries of the delivery by status, right now."""


@dataclass(frozen=True, slots=True)
class DueEntry:
    """An entry to (re)try: its raw validated JSON and where it sits."""

    key: str
    idx: int
    docket_id: int
    entry: bytes
    attempts: int

    @property
    def where(self) -> str:
        """Names the entry in events' reports and rejected records."""
        return f"courtlistener-webhook:{self.key}#{self.idx}"


@dataclass(frozen=True, slots=True)
class Settled:
    """The outcome of one try of one entry (see the module doc for the statuses)."""

    key: str
    idx: int
    status: EntryStatus
    error: str | None = None
    next_attempt_at: float | None = None
    event_id: str | None = None
    case_id: str | None = None


@dataclass(frozen=True, slots=True)
class EntryView:
    key: str
    idx: int
    docket_id: int
    status: EntryStatus
    attempts: int
    next_attempt_at: float | None
    last_error: str | None
    event_id: str | None
    case_id: str | None
    updated_at: float


@dataclass(frozen=True, slots=True)
class DeliveryView:
    key: str
    body_sha256: str
    received_at: float
    entries: list[EntryView]


_ENTRY_COLUMNS = "key, idx, docket_id, status, attempts, next_attempt_at, last_error, event_id, case_id, updated_at"


class Inbox(DurableStore):
    """SQLite inbox of webhook deliveries; see the module doc for the invariants."""

    label = "CourtListener inbox"
    error = InboxError

    def __init__(self, path: Path) -> None:
        # durable: an accepted delivery exists nowhere else once CourtListener got its 202
        super().__init__(path, _SCHEMA)

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> Inbox:
        return cls(data_dir / INBOX_FILE)

    def accept(
        self,
        key: str,
        body_sha256: str,
        body: bytes,
        entries: Sequence[tuple[int, bytes]],
        now: float,
    ) -> Receipt:
        """Store a delivery and its entries (``(docket id, entry JSON)``) in one transaction.

        Returns a duplicate receipt, storing nothing, when the key is known with
        the same body; raises :class:`IdempotencyConflict` when it is known with
        another body.
        """
        with self._tx("store a delivery") as db:
            row = db.execute("SELECT body_sha256 FROM deliveries WHERE key = ?", [key]).fetchone()
            if row is not None:
                if row[0] != body_sha256:
                    raise IdempotencyConflict(
                        f"Idempotency-Key {key!r} was already used for a different body"
                    )
                return Receipt(key, True, self._entry_count(db, key), self._counts(db, key))
            db.execute(
                "INSERT INTO deliveries VALUES (?, ?, ?, ?, ?)",
                [key, body_sha256, now, len(entries), body],
            )
            db.executemany(
                "INSERT INTO entries (key, idx, docket_id, entry, status, next_attempt_at, updated_at)"
                " VALUES (?, ?, ?, ?, 'pending', ?, ?)",
                [(key, i, docket, raw, now, now) for i, (docket, raw) in enumerate(entries)],
            )
            return Receipt(key, False, len(entries), self._counts(db, key))

    @staticmethod
    def _entry_count(db: sqlite3.Connection, key: str) -> int:
        return int(db.execute("SELECT count(*) FROM entries WHERE key = ?", [key]).fetchone()[0])

    @staticmethod
    def _counts(db: sqlite3.Connection, key: str | None = None) -> dict[str, int]:
        counts: dict[str, int] = dict.fromkeys(STATUSES, 0)
        where, args = ("WHERE key = ?", [key]) if key is not None else ("", [])
        for status, n in db.execute(
            f"SELECT status, count(*) FROM entries {where} GROUP BY status", args
        ):
            counts[status] = int(n)
        return counts

    def due(self, now: float, limit: int) -> list[DueEntry]:
        """Open entries whose time has come, oldest first (delivery order within a delivery)."""
        with self._tx("read due entries") as db:
            rows = db.execute(
                "SELECT e.key, e.idx, e.docket_id, e.entry, e.attempts FROM entries e"
                " JOIN deliveries d ON d.key = e.key"
                " WHERE e.status IN ('pending', 'retrying') AND e.next_attempt_at <= ?"
                " ORDER BY d.received_at, e.key, e.idx LIMIT ?",
                [now, limit],
            ).fetchall()
        return [DueEntry(k, i, d, bytes(e), a) for k, i, d, e, a in rows]

    def next_due(self) -> float | None:
        """When the earliest open entry is due, or ``None`` when nothing is open."""
        with self._tx("read the next due time") as db:
            row = db.execute(
                "SELECT min(next_attempt_at) FROM entries WHERE status IN ('pending', 'retrying')"
            ).fetchone()
        return None if row[0] is None else float(row[0])

    def settle(self, outcomes: Sequence[Settled], now: float) -> None:
        """Record the outcome of one try of each entry (one transaction)."""
        with self._tx("record outcomes") as db:
            db.executemany(
                "UPDATE entries SET status = ?, attempts = attempts + 1, last_error = ?,"
                " next_attempt_at = coalesce(?, next_attempt_at), event_id = coalesce(?, event_id),"
                " case_id = coalesce(?, case_id), updated_at = ? WHERE key = ? AND idx = ?",
                [
                    (o.status, o.error, o.next_attempt_at, o.event_id, o.case_id, now, o.key, o.idx)
                    for o in outcomes
                ],
            )

    def counts(self) -> dict[str, int]:
        """Entries of every delivery by status."""
        with self._tx("count entries") as db:
            return self._counts(db)

    def delivery(self, key: str) -> DeliveryView | None:
        with self._tx("read a delivery") as db:
            row = db.execute(
                "SELECT body_sha256, received_at FROM deliveries WHERE key = ?", [key]
            ).fetchone()
            if row is None:
                return None
            entries = db.execute(
                f"SELECT {_ENTRY_COLUMNS} FROM entries WHERE key = ? ORDER BY idx", [key]
            ).fetchall()
        return DeliveryView(key, row[0], row[1], [EntryView(*e) for e in entries])

    def unsettled(self, limit: int) -> list[EntryView]:
        """Entries that are not published (retrying, rejected, pending), oldest change first."""
        with self._tx("list unsettled entries") as db:
            rows = db.execute(
                f"SELECT {_ENTRY_COLUMNS} FROM entries WHERE status != 'published'"
                " ORDER BY updated_at, key, idx LIMIT ?",
                [limit],
            ).fetchall()
        return [EntryView(*r) for r in rows]

    def body(self, key: str) -> bytes | None:
        """The delivery's raw body exactly as received."""
        with self._tx("read a body") as db:
            row = db.execute("SELECT body FROM deliveries WHERE key = ?", [key]).fetchone()
        return None if row is None else bytes(row[0])
