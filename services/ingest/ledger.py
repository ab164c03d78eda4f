"""A small local record of what this machine has already published.

Event ids are deterministic, so Kafka consumers already treat a re-sent event
as a no-op; the ledger saves the re-send itself and lets ``docketline ingest``
answer "N duplicates skipped, 0 published" when a file is ingested twice.

Invariant: a row is written only after the broker acknowledged the record
(``acks=all``), so the ledger can under-report (a crash between ack and write
re-sends, harmlessly) but never claims an event that is not on the topic.
Rows are keyed by topic and event id: the same file ingested into another
topic (another ``DOCKETLINE_TOPIC_PREFIX``) is published there.

The ledger is local state: after a topic is deleted or recreated, ingest with
``--no-ledger`` to publish again.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from services.sqlite_open import apply_schema, enable_wal

LEDGER_FILE = "ingest-ledger.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS published (
    topic        TEXT NOT NULL,
    event_id     TEXT NOT NULL,
    case_id      TEXT NOT NULL,
    partition    INTEGER NOT NULL,
    offset       INTEGER NOT NULL,
    published_at TEXT NOT NULL,
    PRIMARY KEY (topic, event_id)
) WITHOUT ROWID
"""


class LedgerError(Exception):
    """The ledger file cannot be opened or written."""


@dataclass(frozen=True, slots=True)
class Acked:
    """One record the broker acknowledged."""

    event_id: str
    case_id: str
    partition: int
    offset: int


class Ledger:
    """SQLite-backed set of (topic, event id) already acknowledged by the broker.

    Blocking by design (SQLite); async callers run its methods in a thread.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, check_same_thread=False, timeout=30)
            enable_wal(self._db)  # several processes may open a new file at once
            apply_schema(self._db, _SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise LedgerError(f"cannot open ingest ledger {path}: {exc}") from exc

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> Ledger:
        return cls(data_dir / LEDGER_FILE)

    def known(self, topic: str, event_ids: Sequence[str]) -> set[str]:
        """The subset of ``event_ids`` already published to ``topic``."""
        found: set[str] = set()
        for start in range(0, len(event_ids), 500):  # SQLite's variable limit
            chunk = list(event_ids[start : start + 500])
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT event_id FROM published WHERE topic = ? AND event_id IN ({marks})",
                [topic, *chunk],
            )
            found.update(r[0] for r in rows)
        return found

    def record(self, topic: str, acked: Iterable[Acked]) -> None:
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        try:
            with self._db:
                self._db.executemany(
                    "INSERT OR IGNORE INTO published VALUES (?, ?, ?, ?, ?, ?)",
                    [(topic, a.event_id, a.case_id, a.partition, a.offset, now) for a in acked],
                )
        except sqlite3.Error as exc:
            raise LedgerError(f"cannot write ingest ledger {self.path}: {exc}") from exc

    def count(self, topic: str) -> int:
        row = self._db.execute("SELECT count(*) FROM published WHERE topic = ?", [topic]).fetchone()
        return int(row[0])

    def close(self) -> None:
        self._db.close()
