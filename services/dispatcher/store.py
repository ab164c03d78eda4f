"""Durable delivery state in SQLite (``{data_dir}/dispatcher.sqlite``): the outbox.

The dispatcher records every delivery an alert causes as ``pending`` *before*
it commits the alert's Kafka offset, so a crash between consuming and
delivering loses nothing: on restart the pending rows are picked up again, and
a re-consumed alert is de-duplicated by the primary key (subscription id,
alert id). Every attempt is a row in ``attempts``; an exhausted schedule leaves
a ``dead_letters`` row. Undecodable alert records are kept with their raw bytes
in the quarantine (``services.quarantine``); files written before it may still
hold a ``rejected_alerts`` table, which is left as it was (no longer written).

The class is synchronous and owns one connection; the dispatcher runs it on a
single dedicated thread (see ``dispatcher.Db``) so the event loop never blocks.
The API opens the same file read-only (``open_readonly``) to show the attempts.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from services.sqlite_open import apply_schema, enable_wal

DeliveryStatus = Literal["pending", "delivered", "dead", "cancelled"]
DB_FILENAME = "dispatcher.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS deliveries (
    subscription_id TEXT NOT NULL,
    alert_id        TEXT NOT NULL,
    alert_type      TEXT NOT NULL,
    case_id         TEXT NOT NULL,
    body            BLOB NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending','delivered','dead','cancelled')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL,
    created_at      REAL NOT NULL,
    updated_at      REAL NOT NULL,
    last_error      TEXT,
    source          TEXT,
    PRIMARY KEY (subscription_id, alert_id)
);
CREATE INDEX IF NOT EXISTS deliveries_due
    ON deliveries (subscription_id, status, next_attempt_at);
CREATE TABLE IF NOT EXISTS attempts (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    subscription_id TEXT NOT NULL,
    alert_id        TEXT NOT NULL,
    attempt         INTEGER NOT NULL,
    url             TEXT NOT NULL,
    started_at      REAL NOT NULL,
    duration_ms     REAL NOT NULL,
    webhook_timestamp INTEGER NOT NULL,
    status_code     INTEGER,
    error           TEXT,
    outcome         TEXT NOT NULL,
    next_attempt_at REAL,
    response_excerpt TEXT
);
CREATE INDEX IF NOT EXISTS attempts_by_delivery ON attempts (subscription_id, alert_id, attempt);
CREATE TABLE IF NOT EXISTS dead_letters (
    subscription_id TEXT NOT NULL,
    alert_id        TEXT NOT NULL,
    attempts        INTEGER NOT NULL,
    reason          TEXT NOT NULL,
    dead_at         REAL NOT NULL,
    PRIMARY KEY (subscription_id, alert_id)
);
CREATE TABLE IF NOT EXISTS endpoint_health (
    subscription_id      TEXT PRIMARY KEY,
    revision             INTEGER NOT NULL,
    failing_since        REAL,
    consecutive_failures INTEGER NOT NULL
);
"""


class DeliveryStoreError(Exception):
    """The delivery database could not be opened, read or written."""


@dataclass(frozen=True)
class NewDelivery:
    subscription_id: str
    alert_id: str
    alert_type: str
    case_id: str
    body: bytes
    source: str
    """``topic/partition/offset`` of the alert record (for tracing)."""


@dataclass(frozen=True)
class PendingDelivery:
    subscription_id: str
    alert_id: str
    body: bytes
    attempts: int
    next_attempt_at: float


@dataclass(frozen=True)
class Health:
    """An endpoint's failure streak, tied to the subscription revision it was seen
    under: a pause/resume (new revision) starts a fresh streak."""

    revision: int
    failing_since: float | None
    consecutive_failures: int


def next_health(prev: Health | None, revision: int, succeeded: bool, at: float) -> Health:
    """The streak after one attempt at time ``at``. Pure."""
    if succeeded:
        return Health(revision, None, 0)
    if prev is None or prev.revision != revision or prev.failing_since is None:
        return Health(revision, at, 1)
    return Health(revision, prev.failing_since, prev.consecutive_failures + 1)


@dataclass(frozen=True)
class AttemptRecord:
    subscription_id: str
    alert_id: str
    attempt: int
    url: str
    started_at: float
    duration_ms: float
    webhook_timestamp: int
    status_code: int | None
    error: str | None
    outcome: str
    """``delivered`` | ``retry`` | ``dead`` | ``disable``."""
    next_attempt_at: float | None
    response_excerpt: str | None


class DeliveryStore:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    # opening -------------------------------------------------------------
    @classmethod
    def open(cls, path: Path | str) -> DeliveryStore:
        """Open (creating if needed) for the dispatcher: WAL + ``synchronous=FULL``, so a
        committed outbox row survives a crash of the process or the machine."""
        try:
            if str(path) != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA busy_timeout=5000")
            enable_wal(conn)  # several processes may open a new file at once
            conn.execute("PRAGMA synchronous=FULL")
            apply_schema(conn, _SCHEMA)
        except sqlite3.Error as exc:
            raise DeliveryStoreError(f"cannot open delivery store {path}: {exc}") from exc
        return cls(conn)

    @classmethod
    def open_readonly(cls, path: Path | str) -> DeliveryStore | None:
        """For the API: the dispatcher's file, read-only; ``None`` if it does not exist yet
        -- also while a starting dispatcher has created the file but not its tables."""
        if not Path(path).exists():
            return None
        try:
            conn = sqlite3.connect(
                f"file:{Path(path).resolve()}?mode=ro", uri=True, check_same_thread=False
            )
            conn.execute("PRAGMA busy_timeout=5000")
            ready = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'deliveries'"
            ).fetchone()
        except sqlite3.Error as exc:
            raise DeliveryStoreError(f"cannot open delivery store {path} read-only: {exc}") from exc
        if ready is None:
            conn.close()
            return None
        return cls(conn)

    def close(self) -> None:
        self._conn.close()

    def _tx(self, statements: list[tuple[str, tuple[Any, ...]]]) -> list[int]:
        """Run statements in one IMMEDIATE transaction; row counts per statement."""
        counts = []
        try:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                for sql, params in statements:
                    counts.append(self._conn.execute(sql, params).rowcount)
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")
        except sqlite3.Error as exc:
            raise DeliveryStoreError(f"delivery store write failed: {exc}") from exc
        return counts

    def _query(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        try:
            cur = self._conn.execute(sql, params)
            cols = [c[0] for c in cur.description]
            return [dict(zip(cols, row)) for row in cur.fetchall()]
        except sqlite3.Error as exc:
            raise DeliveryStoreError(f"delivery store read failed: {exc}") from exc

    # the outbox ----------------------------------------------------------
    def enqueue(self, deliveries: list[NewDelivery], now: float) -> list[NewDelivery]:
        """Record deliveries as pending (ignoring ones already known) in one durable
        transaction. Returns the deliveries that were new."""
        stmts: list[tuple[str, tuple[Any, ...]]] = [
            (
                (
                    "INSERT OR IGNORE INTO deliveries (subscription_id, alert_id, alert_type, case_id,"
                    " body, status, attempts, next_attempt_at, created_at, updated_at, source)"
                    " VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?, ?)"
                ),
                (
                    d.subscription_id,
                    d.alert_id,
                    d.alert_type,
                    d.case_id,
                    d.body,
                    now,
                    now,
                    now,
                    d.source,
                ),
            )
            for d in deliveries
        ]
        if not stmts:
            return []
        counts = self._tx(stmts)
        return [d for d, n in zip(deliveries, counts) if n == 1]

    def next_pending(self, subscription_id: str) -> PendingDelivery | None:
        """The pending delivery of this subscription that is due first."""
        rows = self._query(
            "SELECT subscription_id, alert_id, body, attempts, next_attempt_at FROM deliveries"
            " WHERE subscription_id = ? AND status = 'pending'"
            " ORDER BY next_attempt_at, created_at, alert_id LIMIT 1",
            (subscription_id,),
        )
        return PendingDelivery(**rows[0]) if rows else None

    def subscriptions_with_pending(self) -> set[str]:
        rows = self._query(
            "SELECT DISTINCT subscription_id FROM deliveries WHERE status = 'pending'"
        )
        return {r["subscription_id"] for r in rows}

    def health(self, subscription_id: str) -> Health | None:
        rows = self._query(
            "SELECT revision, failing_since, consecutive_failures FROM endpoint_health"
            " WHERE subscription_id = ?",
            (subscription_id,),
        )
        return Health(**rows[0]) if rows else None

    def record_attempt(self, a: AttemptRecord, health: Health, dead_reason: str | None) -> None:
        """One attempt, its effect on the delivery, the endpoint's streak and, when the
        schedule is exhausted, the dead letter -- atomically."""
        if a.outcome == "delivered":
            status: DeliveryStatus = "delivered"
        elif a.outcome == "dead":
            status = "dead"
        else:
            status = "pending"
        stmts: list[tuple[str, tuple[Any, ...]]] = [
            (
                (
                    "INSERT INTO attempts (subscription_id, alert_id, attempt, url, started_at,"
                    " duration_ms, webhook_timestamp, status_code, error, outcome, next_attempt_at,"
                    " response_excerpt) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                ),
                (
                    a.subscription_id,
                    a.alert_id,
                    a.attempt,
                    a.url,
                    a.started_at,
                    a.duration_ms,
                    a.webhook_timestamp,
                    a.status_code,
                    a.error,
                    a.outcome,
                    a.next_attempt_at,
                    a.response_excerpt,
                ),
            ),
            (
                (
                    "UPDATE deliveries SET status = ?, attempts = ?, next_attempt_at = ?,"
                    " updated_at = ?, last_error = ? WHERE subscription_id = ? AND alert_id = ?"
                    " AND status = 'pending'"
                ),
                (
                    status,
                    a.attempt,
                    a.next_attempt_at if status == "pending" else None,
                    a.started_at,
                    None if a.outcome == "delivered" else (a.error or f"HTTP {a.status_code}"),
                    a.subscription_id,
                    a.alert_id,
                ),
            ),
            (
                (
                    "INSERT INTO endpoint_health (subscription_id, revision, failing_since,"
                    " consecutive_failures) VALUES (?, ?, ?, ?) ON CONFLICT (subscription_id) DO UPDATE"
                    " SET revision = excluded.revision, failing_since = excluded.failing_since,"
                    " consecutive_failures = excluded.consecutive_failures"
                ),
                (
                    a.subscription_id,
                    health.revision,
                    health.failing_since,
                    health.consecutive_failures,
                ),
            ),
        ]
        if dead_reason is not None:
            stmts.append(
                (
                    (
                        "INSERT OR REPLACE INTO dead_letters (subscription_id, alert_id, attempts,"
                        " reason, dead_at) VALUES (?, ?, ?, ?, ?)"
                    ),
                    (a.subscription_id, a.alert_id, a.attempt, dead_reason, a.started_at),
                )
            )
        self._tx(stmts)

    def cancel_pending(self, subscription_id: str, reason: str, now: float) -> int:
        """A deleted subscription's pending deliveries end as ``cancelled`` (kept, not dropped)."""
        return self._tx(
            [
                (
                    (
                        "UPDATE deliveries SET status = 'cancelled', next_attempt_at = NULL,"
                        " updated_at = ?, last_error = ? WHERE subscription_id = ? AND status = 'pending'"
                    ),
                    (now, reason, subscription_id),
                )
            ]
        )[0]

    # reading (API, tests) ------------------------------------------------
    def deliveries(
        self,
        subscription_id: str,
        *,
        status: DeliveryStatus | None = None,
        limit: int = 50,
        before: float | None = None,
    ) -> list[dict[str, Any]]:
        """Newest first, each with its attempts (oldest first) and dead-letter reason."""
        where = ["subscription_id = ?"]
        params: list[Any] = [subscription_id]
        if status is not None:
            where.append("status = ?")
            params.append(status)
        if before is not None:
            where.append("created_at < ?")
            params.append(before)
        rows = self._query(
            "SELECT subscription_id, alert_id, alert_type, case_id, status, attempts,"
            " next_attempt_at, created_at, updated_at, last_error FROM deliveries"
            f" WHERE {' AND '.join(where)} ORDER BY created_at DESC, alert_id LIMIT ?",
            (*params, limit),
        )
        for row in rows:
            row["attempt_log"] = self._query(
                "SELECT attempt, url, started_at, duration_ms, webhook_timestamp, status_code,"
                " error, outcome, next_attempt_at, response_excerpt FROM attempts"
                " WHERE subscription_id = ? AND alert_id = ? ORDER BY attempt, id",
                (subscription_id, row["alert_id"]),
            )
            dead = self._query(
                "SELECT reason, dead_at FROM dead_letters WHERE subscription_id = ? AND alert_id = ?",
                (subscription_id, row["alert_id"]),
            )
            row["dead_letter"] = dead[0] if dead else None
        return rows
