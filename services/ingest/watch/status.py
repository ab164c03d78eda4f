"""``docketline watch status``: one table of every watcher's sources, from their state files.

Each watcher keeps its state in ``DATA_DIR/watch/`` and registers a reader in
:data:`READERS` that turns that state into :class:`StatusRow` s; the table
does not know any watcher. A reader must only read (the watcher may be
running) and return ``[]`` when its watcher never ran.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rich.table import Table

from services.ingest.watch.schedule import FeedState
from services.ingest.watch.state import read_states


@dataclass(frozen=True, slots=True)
class StatusRow:
    """One watched source (a feed, a mailbox) as the status table shows it."""

    watcher: str
    source: str
    last_success_at: float | None
    last_error_at: float | None
    last_error: str | None
    next_at: float | None
    seen: int
    new: int
    rejected: int
    last_duration: float | None
    answer: str = ""
    """The last answer in a word or two (``200``, ``304``, ``timeout``...)."""
    failures: int = 0

    @property
    def healthy(self) -> bool:
        return self.last_success_at is not None and self.failures == 0


StatusReader = Callable[[Path], list[StatusRow]]


def rss_row(state: FeedState) -> StatusRow:
    return StatusRow(
        watcher="rss",
        source=state.feed_id,
        last_success_at=state.last_success_at,
        last_error_at=state.last_error_at,
        last_error=state.last_error,
        next_at=state.next_poll_at or None,
        seen=state.items_seen,
        new=state.items_new,
        rejected=state.items_rejected,
        last_duration=state.last_duration,
        answer=str(state.last_status)
        if state.last_status is not None
        else ("error" if state.failures else "-"),
        failures=state.failures,
    )


def rss_rows(data_dir: Path) -> list[StatusRow]:
    return [rss_row(s) for s in sorted(read_states(data_dir).values(), key=lambda s: s.feed_id)]


def _epoch(value: object) -> float | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return dt.datetime.fromisoformat(value).timestamp()
    except ValueError:
        return None


def mail_rows(data_dir: Path) -> list[StatusRow]:
    """The mail watchers (SMTP receiver, IMAP watcher) from their status files."""
    from services.ingest.watch.mail_publisher import read_mail_status

    rows = []
    for doc in read_mail_status(data_dir):
        messages = doc.get("messages") or {}
        source = doc.get("mailbox") or doc.get("listening") or "-"
        rows.append(
            StatusRow(
                watcher=str(doc.get("watcher", "mail")),
                source=str(source),
                last_success_at=_epoch(doc.get("last_success_at")),
                last_error_at=_epoch(doc.get("last_error_at")),
                last_error=doc.get("last_error"),
                next_at=None,
                seen=int(messages.get("received", 0)) + int(messages.get("duplicate", 0)),
                new=int(messages.get("published", 0)),
                rejected=int(messages.get("rejected", 0)),
                last_duration=None,
                answer="running" if doc.get("running") else "stopped",
            )
        )
    return rows


READERS: dict[str, StatusReader] = {"rss": rss_rows, "mail": mail_rows}
"""Every watcher's reader, by watcher name (``watch mail`` adds its own)."""


def read_all(data_dir: Path) -> list[StatusRow]:
    return [row for read in READERS.values() for row in read(data_dir)]


def _ago(when: float | None, now: float) -> str:
    if when is None:
        return "never"
    return f"{_span(now - when)} ago" if now >= when else f"in {_span(when - now)}"


def _span(seconds: float) -> str:
    s = abs(seconds)
    if s < 90:
        return f"{s:.0f}s"
    if s < 90 * 60:
        return f"{s / 60:.0f}m"
    if s < 36 * 3600:
        return f"{s / 3600:.1f}h"
    return f"{s / 86400:.1f}d"


def table(rows: Sequence[StatusRow], now: float | None = None, *, error_width: int = 60) -> Table:
    """The status table (rich) of ``rows``."""
    at = time.time() if now is None else now
    out = Table(show_edge=False, pad_edge=False, header_style="bold")
    for name, justify in [
        ("watcher", "left"), ("source", "left"), ("answer", "left"), ("last success", "right"),
        ("last error", "right"), ("next", "right"), ("seen", "right"), ("new", "right"),
        ("rejected", "right"), ("poll", "right"), ("error", "left"),
    ]:  # fmt: skip
        out.add_column(name, justify=justify)  # type: ignore[arg-type]
    for r in rows:
        error = (r.last_error or "") if r.last_error_at is not None else ""
        if len(error) > error_width:
            error = error[: error_width - 3] + "..."
        out.add_row(
            r.watcher,
            r.source,
            r.answer + (f" x{r.failures}" if r.failures else ""),
            _ago(r.last_success_at, at),
            _ago(r.last_error_at, at) if r.last_error_at is not None else "-",
            _ago(r.next_at, at) if r.next_at is not None else "-",
            str(r.seen),
            str(r.new),
            str(r.rejected),
            f"{r.last_duration * 1000:.0f} ms" if r.last_duration is not None else "-",
            error,
        )
    return out
