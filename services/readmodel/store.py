"""The read model port, its two shipped implementations, and the default one.

``ReadModel`` is what the API reads and the feeder writes. Two adapters
implement it and pass one contract test suite
(``tests/unit/test_readmodel_contract.py``):

* :class:`~services.readmodel.sqlite.SqliteReadModel` — the default, one file
  ``settings.data_dir / "readmodel.sqlite"`` (WAL, indexes, FTS5);
* :class:`~services.readmodel.memory.InMemoryReadModel` — in process memory.

Invariants every implementation keeps:

* **Exactly once with respect to the log.** ``apply(batch)`` makes the
  batch's rows and its offsets visible together or not at all; a feeder that
  resumes from ``offsets()`` therefore neither skips nor repeats a record.
* **Idempotent rows.** Cases are replaced by the latest snapshot (log order);
  events are kept once per event id, alerts once per alert id.
* **Timelines from events.** A case's timeline is its stored events, one per
  entry key (the version the fold keeps), in event-time order
  (:func:`services.readmodel.views.chosen_entries` is the rule).
* **Alert ``seq``** increases by one for each new alert id and never goes
  back, not even across ``reset()``.
* **Generations.** ``reset()`` starts a new generation; a batch read for an
  older one (``Batch.generation``) is refused with ``StaleBatchError``, so a
  feeder racing a rebuild can never write rows or offsets into the new one.
* **Calendars and milestones at feed time.** A case's deadlines
  (:func:`services.readmodel.views.case_deadlines` of its timeline) and each
  timeline entry's class (:func:`services.readmodel.views.entry_reading`) are
  kept as its events arrive, in the same ``apply``; the cross-case lists
  (``upcoming_deadlines``, ``milestones``) read them, never every event.
* Implementations are safe to call from several threads (the API serves
  requests on a thread pool while the feeder writes).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from schemas.events import DocketEvent
from schemas.projection import CaseSnapshot
from schemas.vocabulary import EntryClass
from services.core.deadlines import CalendarItem
from services.readmodel.memory import InMemoryReadModel
from services.readmodel.sqlite import SqliteReadModel
from services.readmodel.values import (
    COUNT_CAP,
    MAX_PAGE_SIZE,
    AlertFilter,
    Applied,
    Batch,
    CaseCursor,
    CaseDeadline,
    CasePage,
    CaseQuery,
    CaseSummary,
    DeadlineCursor,
    DeadlinePage,
    DeadlineQuery,
    Milestone,
    MilestoneCursor,
    MilestonePage,
    MilestoneQuery,
    Position,
    QueryError,
    ReadModelError,
    RowError,
    StaleBatchError,
    Stats,
    StoredAlert,
    StoredDataError,
    TimelineKey,
    TimelineSlice,
)
from services.settings import Settings

READMODEL_FILENAME = "readmodel.sqlite"

__all__ = [
    "COUNT_CAP",
    "MAX_PAGE_SIZE",
    "READMODEL_FILENAME",
    "AlertFilter",
    "Applied",
    "Batch",
    "CaseCursor",
    "CaseDeadline",
    "CasePage",
    "CaseQuery",
    "CaseSummary",
    "DeadlineCursor",
    "DeadlinePage",
    "DeadlineQuery",
    "InMemoryReadModel",
    "Milestone",
    "MilestoneCursor",
    "MilestonePage",
    "MilestoneQuery",
    "Position",
    "QueryError",
    "ReadModel",
    "ReadModelError",
    "RowError",
    "SqliteReadModel",
    "StaleBatchError",
    "Stats",
    "StoredAlert",
    "StoredDataError",
    "TimelineKey",
    "TimelineSlice",
    "open_read_model",
    "read_model_path",
]


class ReadModel(Protocol):
    """Queryable projections, events and alerts, fed from the log (see module docstring)."""

    def apply(self, batch: Batch) -> Applied:
        """Apply rows and advance offsets atomically.

        Raises ``RowError`` (and applies nothing) when a row holds a value the
        store cannot keep; ``StaleBatchError`` for a batch of an older generation.
        """
        ...

    def offsets(self) -> dict[Position, int]:
        """(topic, partition) -> next offset to read; absent = from the beginning."""
        ...

    def generation(self) -> int:
        """How many times the store was reset; a batch carrying an older one is refused."""
        ...

    def reset(self) -> None:
        """Drop every row and offset and start a new generation (a rebuild then replays the log)."""
        ...

    def close(self) -> None: ...

    def get_case(self, case_id: str) -> CaseSnapshot | None:
        """The latest snapshot of the case (what ``GET /api/cases/{id}`` shows)."""
        ...

    def timeline(
        self,
        case_id: str,
        after: TimelineKey | None,
        limit: int,
        *,
        classes: Sequence[EntryClass] = (),
    ) -> TimelineSlice:
        """The case's next ``limit`` timeline entries after ``after`` (event-time order).

        With ``classes``, only entries of those classes (``total`` counts those).
        """
        ...

    def deadlines(self, case_id: str) -> tuple[CalendarItem, ...]:
        """The case's calendar as :func:`services.core.deadlines.calendar` lists it (empty if none)."""
        ...

    def upcoming_deadlines(self, query: DeadlineQuery) -> DeadlinePage:
        """Deadlines of every held case dated in the query's window, (date, time, case, key) order."""
        ...

    def milestones(self, query: MilestoneQuery) -> MilestonePage:
        """Timeline entries of a milestone class (of held cases), newest first (event time)."""
        ...

    def list_cases(self, query: CaseQuery) -> CasePage:
        """One page of case summaries matching the query, in the query's order.

        ``total`` counts the matches up to ``COUNT_CAP`` (``total_exact`` is false past it).
        """
        ...

    def case_events(self, case_id: str, *, until: dt.date | None = None) -> list[DocketEvent]:
        """The case's events (every version of every entry) with entry date <= ``until``, in event-time order."""
        ...

    def events_by_id(self, event_ids: Sequence[str]) -> dict[str, DocketEvent]:
        """The stored events among ``event_ids`` (missing ids are simply absent)."""
        ...

    def alerts_after(self, seq: int, filters: AlertFilter, limit: int) -> list[StoredAlert]:
        """Alerts with ``seq`` greater than ``seq``, oldest first (a stream resuming)."""
        ...

    def recent_alerts(
        self,
        filters: AlertFilter,
        *,
        before: int | None = None,
        since: int | None = None,
        limit: int,
    ) -> list[StoredAlert]:
        """Alerts with ``since < seq < before``, newest first."""
        ...

    def last_alert_seq(self) -> int:
        """The highest ``seq`` handed out so far (0 when none)."""
        ...

    def stats(self) -> Stats: ...

    def counts(self) -> dict[str, int]:
        """Rows per table: ``cases``, ``events``, ``alerts``."""
        ...


def read_model_path(settings: Settings) -> Path:
    return settings.data_dir / READMODEL_FILENAME


def open_read_model(settings: Settings) -> SqliteReadModel:
    """The default read model: SQLite at ``settings.data_dir / "readmodel.sqlite"``."""
    return SqliteReadModel(read_model_path(settings))
