"""The mail inbox: every NEF e-mail a watcher took, raw bytes and state, in DATA_DIR.

``DATA_DIR/mail-inbox.sqlite``, shared by the SMTP receiver and the IMAP
watcher. The SMTP receiver answers ``250`` only after :meth:`MailInbox.accept`
committed the message; SQLite's ``synchronous=FULL`` makes that commit an
fsync of the write-ahead log, so an accepted message survives a crash of the
process and of the machine. Publishing happens from here (with retries), so a
Kafka outage never loses an accepted message. Rows are never deleted.

One row per message, keyed by the SHA-256 of its raw bytes: the same message
delivered twice (a relay that retries after a lost ``250``, the same NEF in
two IMAP folders) is one row, counted in ``deliveries``. States (the pure
machine is :func:`services.ingest.watch.mail.transition`):

* ``received``: stored, not published yet; after a failed try ``reason`` holds
  the error, ``attempts`` the tries and ``next_attempt_at`` the next one;
* ``published``: its events were acknowledged by Kafka (``event_ids``);
  ``reason`` lists the case blocks of a multi-case notice the adapter refused;
* ``rejected``: not a district-court NEF (``kind``, ``reason``); kept with its
  bytes for a fixed adapter, never retried by itself.

Blocking by design (SQLite); async callers run the methods in a thread. One
connection guarded by a lock, WAL journal.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from services.ingest.sqlite_file import DurableStore
from services.ingest.watch.mail import STATES, Outcome, RejectKind, State, transition

INBOX_FILE: Final = "mail-inbox.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    id              TEXT PRIMARY KEY,
    source          TEXT NOT NULL,
    origin          TEXT NOT NULL,
    envelope_from   TEXT,
    received_at     REAL NOT NULL,
    deliveries      INTEGER NOT NULL DEFAULT 1,
    state           TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL,
    kind            TEXT,
    reason          TEXT,
    event_ids       TEXT,
    updated_at      REAL NOT NULL,
    size            INTEGER NOT NULL,
    raw             BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_due ON messages (state, next_attempt_at);
"""


class MailInboxError(Exception):
    """The inbox file cannot be opened, read or written."""


def message_id(raw: bytes) -> str:
    """The inbox key of a message: the SHA-256 of its bytes, hex."""
    return hashlib.sha256(raw).hexdigest()


@dataclass(frozen=True, slots=True)
class Stored:
    """What :meth:`MailInbox.accept` did: the row's id, whether it was known, its state."""

    id: str
    duplicate: bool
    state: State


@dataclass(frozen=True, slots=True)
class DueMessage:
    """A message to (re)try."""

    id: str
    source: str
    origin: str
    envelope_from: str | None
    attempts: int
    raw: bytes

    @property
    def where(self) -> str:
        """Names the message in events' reports and rejected records."""
        return f"{self.source}:{self.id[:16]}"


@dataclass(frozen=True, slots=True)
class Try:
    """The outcome of one try of one message."""

    id: str
    outcome: Outcome
    reason: str | None = None
    kind: RejectKind | None = None
    event_ids: tuple[str, ...] = ()
    next_attempt_at: float | None = None


@dataclass(frozen=True, slots=True)
class MessageView:
    id: str
    source: str
    origin: str
    envelope_from: str | None
    received_at: float
    deliveries: int
    state: State
    attempts: int
    next_attempt_at: float
    kind: str | None
    reason: str | None
    event_ids: tuple[str, ...]
    updated_at: float
    size: int


_VIEW_COLUMNS = (
    "id, source, origin, envelope_from, received_at, deliveries, state, attempts,"
    " next_attempt_at, kind, reason, event_ids, updated_at, size"
)


class MailInbox(DurableStore):
    """SQLite inbox of NEF e-mails; see the module doc for the invariants."""

    label = "mail inbox"
    error = MailInboxError

    def __init__(self, path: Path) -> None:
        # durable: an SMTP-accepted message exists nowhere else once the sender got 250
        super().__init__(path, _SCHEMA)

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> MailInbox:
        return cls(data_dir / INBOX_FILE)

    def accept(
        self,
        raw: bytes,
        *,
        source: str,
        origin: str,
        now: float,
        envelope_from: str | None = None,
    ) -> Stored:
        """Store a message durably (committed and fsynced when this returns).

        A message already stored (same bytes) is not stored again: its
        ``deliveries`` count goes up and its current state is returned.
        """
        key = message_id(raw)
        with self._tx("store a message") as db:
            row = db.execute("SELECT state FROM messages WHERE id = ?", [key]).fetchone()
            if row is not None:
                db.execute("UPDATE messages SET deliveries = deliveries + 1 WHERE id = ?", [key])
                return Stored(key, True, row[0])
            db.execute(
                "INSERT INTO messages (id, source, origin, envelope_from, received_at, state,"
                " next_attempt_at, updated_at, size, raw) VALUES (?, ?, ?, ?, ?, 'received', ?, ?, ?, ?)",
                [key, source, origin, envelope_from, now, now, now, len(raw), raw],
            )
            return Stored(key, False, "received")

    def due(self, now: float, limit: int, ids: Sequence[str] | None = None) -> list[DueMessage]:
        """Received messages whose time has come, oldest first (``ids``: only those, due or not)."""
        with self._tx("read due messages") as db:
            if ids is not None:
                marks = ",".join("?" * len(ids)) or "NULL"
                rows = db.execute(
                    "SELECT id, source, origin, envelope_from, attempts, raw FROM messages"
                    f" WHERE state = 'received' AND id IN ({marks}) ORDER BY received_at, id",
                    list(ids),
                ).fetchall()
            else:
                rows = db.execute(
                    "SELECT id, source, origin, envelope_from, attempts, raw FROM messages"
                    " WHERE state = 'received' AND next_attempt_at <= ?"
                    " ORDER BY received_at, id LIMIT ?",
                    [now, limit],
                ).fetchall()
        return [DueMessage(i, s, o, f, a, bytes(r)) for i, s, o, f, a, r in rows]

    def next_due(self) -> float | None:
        """When the earliest received message is due, or ``None`` when none is waiting."""
        with self._tx("read the next due time") as db:
            row = db.execute(
                "SELECT min(next_attempt_at) FROM messages WHERE state = 'received'"
            ).fetchone()
        return None if row[0] is None else float(row[0])

    def record(self, tries: Sequence[Try], now: float) -> None:
        """Record the outcome of one try of each message (one transaction).

        Raises :class:`~services.ingest.watch.mail.InvalidTransition` (and
        records nothing) when a message is already final.
        """
        with self._tx("record outcomes") as db:
            for t in tries:
                row = db.execute("SELECT state FROM messages WHERE id = ?", [t.id]).fetchone()
                if row is None:
                    raise MailInboxError(f"no message {t.id} in mail inbox {self.path}")
                state = transition(row[0], t.outcome)
                db.execute(
                    "UPDATE messages SET state = ?, attempts = attempts + 1, kind = ?, reason = ?,"
                    " event_ids = ?, next_attempt_at = coalesce(?, next_attempt_at),"
                    " updated_at = ? WHERE id = ?",
                    [
                        state,
                        t.kind,
                        t.reason,
                        json.dumps(list(t.event_ids)) if t.event_ids else None,
                        t.next_attempt_at,
                        now,
                        t.id,
                    ],
                )

    def counts(self) -> dict[str, int]:
        """Messages by state (every state present, zeros included)."""
        with self._tx("count messages") as db:
            counts: dict[str, int] = dict.fromkeys(STATES, 0)
            for state, n in db.execute("SELECT state, count(*) FROM messages GROUP BY state"):
                counts[state] = int(n)
            return counts

    def rejected_kinds(self) -> dict[str, int]:
        """Rejected messages by kind of rejection."""
        with self._tx("count rejected messages") as db:
            return {
                str(kind): int(n)
                for kind, n in db.execute(
                    "SELECT kind, count(*) FROM messages WHERE state = 'rejected' GROUP BY kind"
                )
            }

    def get(self, key: str) -> MessageView | None:
        with self._tx("read a message") as db:
            row = db.execute(f"SELECT {_VIEW_COLUMNS} FROM messages WHERE id = ?", [key]).fetchone()
        return None if row is None else _view(row)

    def states(self, keys: Sequence[str]) -> dict[str, State]:
        """The state of each of ``keys`` that is in the inbox."""
        out: dict[str, State] = {}
        with self._tx("read states") as db:
            for start in range(0, len(keys), 500):
                chunk = list(keys[start : start + 500])
                marks = ",".join("?" * len(chunk))
                for key, state in db.execute(
                    f"SELECT id, state FROM messages WHERE id IN ({marks})", chunk
                ):
                    out[key] = state
        return out

    def messages(self, state: State | None = None, limit: int = 1000) -> list[MessageView]:
        """Messages (of ``state``), oldest first."""
        where, args = ("WHERE state = ?", [state]) if state else ("", [])
        with self._tx("list messages") as db:
            rows = db.execute(
                f"SELECT {_VIEW_COLUMNS} FROM messages {where} ORDER BY received_at, id LIMIT ?",
                [*args, limit],
            ).fetchall()
        return [_view(r) for r in rows]

    def raw(self, key: str) -> bytes | None:
        """The message's bytes exactly as received."""
        with self._tx("read a message's bytes") as db:
            row = db.execute("SELECT raw FROM messages WHERE id = ?", [key]).fetchone()
        return None if row is None else bytes(row[0])


def _view(row: tuple[object, ...]) -> MessageView:
    values = list(row)
    values[11] = tuple(json.loads(str(values[11]))) if values[11] else ()
    return MessageView(*values)  # type: ignore[arg-type]
