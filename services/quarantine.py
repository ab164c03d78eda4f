"""Records a reader of our topics could not apply: kept, counted, shown, passed.

Every reader of docketline's topics (the read model's feeder, the dispatcher,
``docketline rebuild``, ``docketline check``) sends a record it cannot decode
or apply here, with its topic, partition, offset, key, raw value and the
reason, and goes on with the next record: one record never stops a reader.

Where: one SQLite file, ``DATA_DIR/quarantine.sqlite``, shared by every reader
on the machine (WAL, so several processes write it). A quarantine topic was
the alternative; the file was chosen because

* a reader writes its quarantine rows *before* it stores or commits the offset
  that moves past them, and a crash in between only re-reads the record:
  rows are unique per (reader, topic, partition, offset), so it is kept once;
* it needs nothing from the broker (no producer in every reader, no topic to
  create, no retention that would delete the only copy of the raw bytes);
* ``/healthz`` and ``/metrics`` read counts and the latest rows with one query,
  without consuming a topic.

It is local: a dispatcher on another machine keeps its quarantine in its own
``DATA_DIR`` (the API there shows it when it shares that directory).

A rebuild of the read model re-reads the same log: its poison records are
found again at the same positions and not counted twice.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

from services.settings import Settings
from services.sqlite_open import apply_schema, enable_wal

QUARANTINE_FILENAME: Final = "quarantine.sqlite"

Reader = Literal["readmodel", "dispatcher", "rebuild", "check"]
READERS: Final[tuple[Reader, ...]] = ("readmodel", "dispatcher", "rebuild", "check")

MAX_REASON_CHARS: Final = 2000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS quarantine (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    reader         TEXT NOT NULL,
    topic          TEXT NOT NULL,
    partition      INTEGER NOT NULL,
    "offset"       INTEGER NOT NULL,
    key            BLOB,
    value          BLOB,
    reason         TEXT NOT NULL,
    quarantined_at REAL NOT NULL,
    UNIQUE (reader, topic, partition, "offset")
);
"""


class QuarantineError(Exception):
    """The quarantine file could not be opened, read or written (the reader must not move on)."""


@dataclass(frozen=True, slots=True)
class Quarantined:
    """One record a reader could not apply, as it was on the log."""

    reader: Reader
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    reason: str
    quarantined_at: float = 0.0
    """Unix time it was first quarantined (set by :meth:`Quarantine.add` when 0)."""

    @property
    def when(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.quarantined_at, tz=dt.UTC)


def reason_of(exc: BaseException) -> str:
    """``TypeName: message``, the way every reader words an unexpected failure."""
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class Quarantine:
    """The quarantine file: ``add`` (idempotent per position), ``counts``, ``latest``.

    Safe to share between threads (one connection under a lock); several
    processes may open the same file.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(
                path, isolation_level=None, check_same_thread=False, timeout=30.0
            )
            self._conn.execute("PRAGMA busy_timeout = 30000")
            enable_wal(self._conn)  # several processes may open a new file at once
            apply_schema(self._conn, _SCHEMA)
            self._conn.execute("PRAGMA synchronous = NORMAL")
        except (sqlite3.Error, OSError) as exc:
            raise QuarantineError(f"cannot open the quarantine at {path}: {exc}") from exc

    @classmethod
    def of(cls, settings: Settings) -> Quarantine:
        return cls(quarantine_path(settings))

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def add(self, records: Iterable[Quarantined]) -> int:
        """Keep ``records`` durably (one transaction); returns how many were new.

        A record already kept at the same (reader, topic, partition, offset) is
        left as it was: a reader that re-reads it after a crash or a rebuild
        does not count it twice.
        """
        now = time.time()
        rows = [
            (
                r.reader, r.topic, r.partition, r.offset, r.key, r.value,
                r.reason[:MAX_REASON_CHARS], r.quarantined_at or now,
            )
            for r in records
        ]  # fmt: skip
        if not rows:
            return 0
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                before = self._conn.total_changes
                self._conn.executemany(
                    'INSERT OR IGNORE INTO quarantine (reader, topic, partition, "offset", key, value,'
                    " reason, quarantined_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    rows,
                )
                added = self._conn.total_changes - before
                self._conn.execute("COMMIT")
                return added
            except sqlite3.Error as exc:
                raise QuarantineError(f"cannot write the quarantine at {self.path}: {exc}") from exc
            finally:
                try:
                    if self._conn.in_transaction:
                        self._conn.execute("ROLLBACK")
                except sqlite3.Error:
                    pass  # closed or broken: the QuarantineError above says so

    def counts(self) -> dict[tuple[str, str], int]:
        """(reader, topic) -> records kept."""
        rows = self._read("SELECT reader, topic, count(*) FROM quarantine GROUP BY 1, 2", ())
        return {(reader, topic): n for reader, topic, n in rows}

    def latest(self, limit: int = 5) -> list[Quarantined]:
        """The most recently quarantined records, newest first."""
        rows = self._read(
            'SELECT reader, topic, partition, "offset", key, value, reason, quarantined_at '
            "FROM quarantine ORDER BY id DESC LIMIT ?",
            (limit,),
        )
        return [Quarantined(*row) for row in rows]

    def _read(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        with self._lock:
            try:
                return list(self._conn.execute(sql, params))
            except sqlite3.Error as exc:
                raise QuarantineError(f"cannot read the quarantine at {self.path}: {exc}") from exc


def keep(settings: Settings, records: list[Quarantined]) -> None:
    """Open the quarantine of ``settings``, add ``records``, close it (for one-shot readers)."""
    if not records:
        return
    quarantine = Quarantine.of(settings)
    try:
        quarantine.add(records)
    finally:
        quarantine.close()


def quarantine_path(settings: Settings) -> Path:
    return settings.data_dir / QUARANTINE_FILENAME
