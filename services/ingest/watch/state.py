"""The RSS watcher's state file: ``DATA_DIR/watch/rss.sqlite``.

Two tables:

* ``feeds``: one :class:`~services.ingest.watch.schedule.FeedState` per feed id
  (validators, body digest, last poll / success / error, next poll, counters,
  newest item seen). A restart resumes from it: conditional GETs, backoff and
  ``Retry-After`` survive, and ``docketline watch status`` reads it from
  another process (WAL: readers never block the watcher).
* ``rejected``: a digest of every record already rejected per feed, so an
  unchanged bad item in a feed that changes around it is reported (and kept in
  the rejected-records report) once, not on every poll.

A poll's state and its new rejects are written in one transaction, after its
events were acknowledged and recorded in the ingest ledger (see
:mod:`services.ingest.watch.rss`). Blocking by design (SQLite); the watcher
calls it from a worker thread.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import asdict, fields
from pathlib import Path

from services.ingest.sqlite_file import open_sqlite
from services.ingest.watch.schedule import FeedState, Validators

STATE_FILE = Path("watch") / "rss.sqlite"

_COLUMNS = [f.name for f in fields(FeedState) if f.name != "validators"] + ["etag", "last_modified"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feeds (
    feed_id         TEXT PRIMARY KEY,
    url             TEXT NOT NULL,
    etag            TEXT,
    last_modified   TEXT,
    body_digest     TEXT,
    polls           INTEGER NOT NULL,
    failures        INTEGER NOT NULL,
    next_poll_at    REAL NOT NULL,
    last_poll_at    REAL,
    last_success_at REAL,
    last_error_at   REAL,
    last_error      TEXT,
    last_status     INTEGER,
    last_duration   REAL,
    last_item_ref   TEXT,
    last_item_at    TEXT,
    items_seen      INTEGER NOT NULL,
    items_new       INTEGER NOT NULL,
    items_rejected  INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS rejected (
    feed_id TEXT NOT NULL,
    digest  TEXT NOT NULL,
    PRIMARY KEY (feed_id, digest)
) WITHOUT ROWID;
"""


class StateError(Exception):
    """The state file cannot be opened, read or written."""


def state_path(data_dir: Path) -> Path:
    return data_dir / STATE_FILE


def _load(db: sqlite3.Connection, path: Path) -> dict[str, FeedState]:
    try:
        rows = db.execute(f"SELECT {', '.join(_COLUMNS)} FROM feeds").fetchall()
    except sqlite3.Error as exc:
        raise StateError(f"cannot read {path}: {exc}") from exc
    out = {}
    for row in rows:
        values = dict(zip(_COLUMNS, row, strict=True))
        validators = Validators(values.pop("etag"), values.pop("last_modified"))
        state = FeedState(validators=validators, **values)
        out[state.feed_id] = state
    return out


def read_states(data_dir: Path) -> dict[str, FeedState]:
    """The feed states of a watcher's state file, read-only (``{}`` when there is none).

    For ``docketline watch status`` in another process than the watcher.
    """
    path = state_path(data_dir)
    if not path.exists():
        return {}
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    except sqlite3.Error as exc:
        raise StateError(f"cannot open {path}: {exc}") from exc
    try:
        return _load(db, path)
    finally:
        db.close()


class RssState:
    """The state file; one connection, serialised by a lock (the watcher writes from threads)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        try:
            # durable: validators written here decide what is fetched again after a crash
            self._db = open_sqlite(path, _SCHEMA, durable=True)
        except (OSError, sqlite3.Error) as exc:
            raise StateError(f"cannot open RSS watcher state {path}: {exc}") from exc

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> RssState:
        return cls(state_path(data_dir))

    def load(self) -> dict[str, FeedState]:
        """Every feed state in the file, by feed id."""
        with self._lock:
            return _load(self._db, self.path)

    def known_rejects(self, feed_id: str, digests: Iterable[str]) -> set[str]:
        """The subset of ``digests`` already rejected (and reported) for ``feed_id``."""
        wanted = list(dict.fromkeys(digests))
        found: set[str] = set()
        with self._lock:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                rows = self._db.execute(
                    f"SELECT digest FROM rejected WHERE feed_id = ? AND digest IN ({','.join('?' * len(chunk))})",
                    [feed_id, *chunk],
                )
                found.update(r[0] for r in rows)
        return found

    def save(self, state: FeedState, new_rejects: Iterable[str] = ()) -> None:
        """Write ``state`` and mark ``new_rejects`` as reported, in one transaction."""
        values = asdict(state)
        validators = values.pop("validators")
        values["etag"] = validators["etag"]
        values["last_modified"] = validators["last_modified"]
        row = [values[c] for c in _COLUMNS]
        with self._lock:
            try:
                with self._db:
                    self._db.execute(
                        f"INSERT OR REPLACE INTO feeds ({', '.join(_COLUMNS)}) "
                        f"VALUES ({', '.join('?' * len(_COLUMNS))})",
                        row,
                    )
                    self._db.executemany(
                        "INSERT OR IGNORE INTO rejected VALUES (?, ?)",
                        [(state.feed_id, d) for d in new_rejects],
                    )
            except sqlite3.Error as exc:
                raise StateError(f"cannot write {self.path}: {exc}") from exc

    def close(self) -> None:
        with self._lock:
            self._db.close()
