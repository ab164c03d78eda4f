"""Opening the small local SQLite files of the ingest part (inbox, docket cache).

One way to open them: parent directory created, usable from worker threads
(callers serialise access with their own lock), a 30 s busy timeout for the
rare second process, WAL so readers do not block the writer, and the schema
applied. Errors are left to the caller, which wraps them in its own named error.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from services.sqlite_open import apply_schema, enable_wal


def open_sqlite(path: Path, schema: str, *, durable: bool = False) -> sqlite3.Connection:
    """Open (creating if needed) ``path`` and apply ``schema`` (one or more statements).

    ``durable=True`` sets ``synchronous=FULL``: a committed row survives a crash of
    the machine, not just of the process (for data that exists nowhere else).
    Raises ``OSError`` or ``sqlite3.Error``.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, check_same_thread=False, timeout=30)
    try:
        enable_wal(db)  # several processes may open a new file at once
        if durable:
            db.execute("PRAGMA synchronous=FULL")
        apply_schema(db, schema)
    except sqlite3.Error:
        db.close()
        raise
    return db


class DurableStore:
    """A durable SQLite file behind one lock: the inboxes of data that exists nowhere else.

    ``synchronous=FULL`` (a committed row survives a machine crash), WAL, one
    connection usable from worker threads. Errors are raised as ``error``
    (the subclass's named exception) with ``label`` and the path in the text.
    """

    label = "store"
    error: type[Exception] = Exception

    def __init__(self, path: Path, schema: str) -> None:
        self.path = path
        self._lock = threading.Lock()
        try:
            self._db = open_sqlite(path, schema, durable=True)
        except (OSError, sqlite3.Error) as exc:
            raise self.error(f"cannot open {self.label} {path}: {exc}") from exc

    @contextmanager
    def _tx(self, what: str) -> Iterator[sqlite3.Connection]:
        """One transaction under the lock (committed on leaving, rolled back on an error)."""
        try:
            with self._lock, self._db:
                yield self._db
        except sqlite3.Error as exc:
            raise self.error(f"cannot {what} in {self.label} {self.path}: {exc}") from exc

    def close(self) -> None:
        with self._lock:
            self._db.close()
