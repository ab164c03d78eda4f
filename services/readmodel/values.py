"""Plain values the read model speaks, and the pure rules both stores share.

Every implementation of :class:`services.readmodel.store.ReadModel` indexes a
case through :func:`case_row` and searches through :func:`search_terms` /
:func:`search_tokens`, so the in-memory and the SQLite store sort, filter and
search by the same values; the contract test suite holds them to it.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from schemas.alerts import Alert, AlertType
from schemas.events import DocketEvent, Frozen
from schemas.projection import CaseFlags, CaseSnapshot, Disposition, EntryRecord
from schemas.vocabulary import (
    DeadlineKind,
    DeadlineStatus,
    DispositionType,
    EntryClass,
    Outcome,
    Status,
)
from services.core.deadlines import CalendarItem
from services.core.entry_classes import MILESTONE_CLASSES
from services.core.evolve import order_key

MAX_PAGE_SIZE = 200
"""No query returns more rows than this in one page."""

COUNT_CAP = 10_000
"""A case list counts the rows matching its filters up to this many, never more.

Counting every match of a broad filter over a million cases would cost more
than the page itself; past the cap ``CasePage.total`` is ``COUNT_CAP`` and
``CasePage.total_exact`` is false ("10,000 or more").
"""

SortField = Literal["updated_at", "date_filed", "date_terminated", "case_name"]
SORT_FIELDS: tuple[SortField, ...] = ("updated_at", "date_filed", "date_terminated", "case_name")

Position = tuple[str, int]
"""(topic, partition) of the log."""


class ReadModelError(Exception):
    """Base of the read model's errors."""


class QueryError(ReadModelError, ValueError):
    """A query the read model cannot answer as asked; ``field`` names the culprit."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class StoredDataError(ReadModelError):
    """A stored row no longer decodes (the read model must be rebuilt)."""


class RowError(ReadModelError):
    """A row of the batch cannot be stored (a value outside what the store holds).

    Nothing of the batch was applied, and the same batch will fail again: the
    feeder applies its records one by one and quarantines the one that fails.
    """


class StaleBatchError(ReadModelError):
    """A batch read before the last ``reset()``: applying it would mix two generations."""


# --- writes ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Batch:
    """Rows read from the log and the log positions they bring the store to.

    A store applies a batch atomically: the rows and ``offsets`` (next offset to
    read per partition) become visible together or not at all, so a restart
    that resumes from the stored offsets neither skips nor repeats a record.
    """

    cases: tuple[tuple[str, CaseSnapshot | None], ...] = ()
    """(case_id, latest state) in log order; ``None`` is a tombstone (delete)."""
    events: tuple[DocketEvent, ...] = ()
    alerts: tuple[Alert, ...] = ()
    offsets: Mapping[Position, int] = field(default_factory=dict)
    generation: int | None = None
    """The store generation the batch was read for (see ``ReadModel.generation``); None = unchecked."""


@dataclass(frozen=True, slots=True)
class Applied:
    """What a batch changed (duplicates are counted, never stored twice)."""

    cases_upserted: int = 0
    cases_deleted: int = 0
    events_added: int = 0
    events_duplicate: int = 0
    alerts_added: int = 0
    alerts_duplicate: int = 0


# --- case queries -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CaseCursor:
    """Where a page of cases ended: the last row's sort value and case id."""

    sort: SortField
    descending: bool
    value: str | None
    case_id: str


@dataclass(frozen=True, slots=True)
class CaseQuery:
    """Filters, search, order and page of ``GET /api/cases``.

    Order is the sort field (nulls last in both directions), then ``case_id``
    in the same direction, so every row has exactly one place and keyset
    pagination neither skips nor repeats rows.
    """

    statuses: tuple[Status, ...] = ()
    dispositions: tuple[DispositionType, ...] = ()
    courts: tuple[str, ...] = ()
    nature_of_suit: str | None = None
    """Case-insensitive substring of the nature of suit (``440`` matches ``440 Civil Rights``)."""
    class_action: bool | None = None
    filed_from: dt.date | None = None
    filed_to: dt.date | None = None
    terminated_from: dt.date | None = None
    terminated_to: dt.date | None = None
    q: str | None = None
    """Words that must all occur (as word prefixes) in the case name, parties or docket number."""
    sort: SortField = "updated_at"
    descending: bool = True
    after: CaseCursor | None = None
    limit: int = 50

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= MAX_PAGE_SIZE:
            raise QueryError("limit", f"must be between 1 and {MAX_PAGE_SIZE}, got {self.limit}")
        if self.sort not in SORT_FIELDS:
            raise QueryError("sort", f"must be one of {', '.join(SORT_FIELDS)}, got {self.sort!r}")
        for lo, hi, name in (
            (self.filed_from, self.filed_to, "filed"),
            (self.terminated_from, self.terminated_to, "terminated"),
        ):
            if lo is not None and hi is not None and lo > hi:
                raise QueryError(
                    f"{name}_from", f"{lo.isoformat()} is after {name}_to {hi.isoformat()}"
                )
        if self.q is not None and not search_terms(self.q):
            raise QueryError("q", "contains no searchable word (letters or digits)")
        if self.after is not None and (
            self.after.sort != self.sort or self.after.descending != self.descending
        ):
            raise QueryError(
                "cursor",
                f"was issued for sort={self.after.sort} "
                f"order={'desc' if self.after.descending else 'asc'}; repeat that sort or drop the cursor",
            )

    @property
    def terms(self) -> tuple[str, ...]:
        return search_terms(self.q) if self.q is not None else ()


class CaseSummary(Frozen):
    """A case as listed: the projection's scalar fields, without parties, history and entries.

    What a list page carries (and the SQLite store keeps per row, so a page never
    decodes whole states); :func:`case_summary` derives it from a state.
    """

    case_id: str
    court_id: str
    docket_number: str
    case_name: str | None = None
    nature_of_suit: str | None = None
    status: Status
    disposition: Disposition | None = None
    date_filed: dt.date | None = None
    date_terminated: dt.date | None = None
    flags: CaseFlags = CaseFlags()
    entry_count: int = 0
    updated_at: dt.datetime | None = None


def case_summary(state: CaseSnapshot) -> CaseSummary:
    return CaseSummary.model_construct(
        **{name: getattr(state, name) for name in CaseSummary.model_fields}
    )


@dataclass(frozen=True, slots=True)
class CasePage:
    items: tuple[CaseSummary, ...]
    next: CaseCursor | None
    """Cursor for the next page; ``None`` when this page is the last."""
    total: int
    """Rows matching the filters (all pages), counted up to :data:`COUNT_CAP`."""
    total_exact: bool = True
    """False when more than :data:`COUNT_CAP` rows match (``total`` is then the cap)."""


# --- timelines ---------------------------------------------------------------

TimelineKey = tuple[dt.date, bool, int, int, str]
"""Event-time position of an entry (:func:`services.core.evolve.order_key`)."""


@dataclass(frozen=True, slots=True)
class TimelineSlice:
    """A page of a case's timeline: entries (the version the fold keeps, with its event) in event-time order."""

    entries: tuple[tuple[EntryRecord, DocketEvent], ...]
    next: TimelineKey | None
    """Where the next page starts after (None: this page is the last)."""
    total: int
    """Entries on the whole timeline."""


# --- calendars and milestones across cases ------------------------------------

MAX_DEADLINE_DAYS = 366
"""The widest window ``GET /api/deadlines`` answers (a year, leap day included)."""

DeadlineCursor = tuple[dt.date, str, str, str]
"""Where a page of upcoming deadlines ended: (date, time key, case id, deadline key)."""


def time_key(t: dt.time | None) -> str:
    """A deadline's time as a string that sorts by time of day; ``""`` (no time) sorts first."""
    return "" if t is None else t.isoformat()


def calendar_order(item: CalendarItem) -> tuple[dt.date, dt.time, str]:
    """The order :func:`services.core.deadlines.calendar` lists a case's items in."""
    return (item.date, item.time or dt.time(0), item.key)


@dataclass(frozen=True, slots=True)
class DeadlineQuery:
    """Deadlines across cases dated ``start <= date <= end``, in (date, time, case, key) order.

    The window is explicit: the caller (the API) decides what "today" is, so the
    store and the core never read a clock.
    """

    start: dt.date
    end: dt.date
    statuses: tuple[DeadlineStatus, ...] = ()
    """Empty = every status (vacated deadlines stay listed, marked)."""
    after: DeadlineCursor | None = None
    limit: int = 50

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= MAX_PAGE_SIZE:
            raise QueryError("limit", f"must be between 1 and {MAX_PAGE_SIZE}, got {self.limit}")
        if self.start > self.end:
            raise QueryError(
                "to", f"{self.end.isoformat()} is before from {self.start.isoformat()}"
            )
        span = (self.end - self.start).days + 1
        if span > MAX_DEADLINE_DAYS:
            raise QueryError(
                "to", f"the window is {span} days long; at most {MAX_DEADLINE_DAYS} are answered"
            )


@dataclass(frozen=True, slots=True)
class CaseDeadline:
    """One item of a case's calendar (:class:`services.core.deadlines.CalendarItem`'s fields),
    with the case it belongs to as it stands (name and status: a closed case keeps its
    pending deadlines listed). Only cases the read model holds are listed."""

    case_id: str
    case_name: str | None
    court_id: str
    case_status: Status
    key: str
    kind: DeadlineKind
    name: str
    date: dt.date
    time: dt.time | None
    status: DeadlineStatus
    set_by: str
    updated_by: str
    text: str

    @property
    def cursor(self) -> DeadlineCursor:
        return (self.date, time_key(self.time), self.case_id, self.key)


@dataclass(frozen=True, slots=True)
class DeadlinePage:
    items: tuple[CaseDeadline, ...]
    next: DeadlineCursor | None
    total: int
    """Deadlines in the window (all pages), counted up to :data:`COUNT_CAP`."""
    total_exact: bool = True


MilestoneCursor = tuple[dt.date, bool, int, int, str, str]
"""Where a page of milestones ended: the entry's event-time position and its case
(date, undocketed, document number, sequence, case id, entry key), newest first."""


@dataclass(frozen=True, slots=True)
class MilestoneQuery:
    """Timeline entries whose class is a milestone, across cases (or of one), newest first."""

    case_id: str | None = None
    classes: tuple[EntryClass, ...] = ()
    """Empty = every milestone class; else only these (each must be a milestone class)."""
    before: MilestoneCursor | None = None
    limit: int = 50

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= MAX_PAGE_SIZE:
            raise QueryError("limit", f"must be between 1 and {MAX_PAGE_SIZE}, got {self.limit}")
        others = [c for c in self.classes if c not in MILESTONE_CLASSES]
        if others:
            raise QueryError(
                "entry_class",
                f"{', '.join(others)} is not a milestone class; milestones are "
                f"{', '.join(sorted(MILESTONE_CLASSES))}",
            )


@dataclass(frozen=True, slots=True)
class Milestone:
    """A timeline entry whose class is a milestone, with its case as it stands."""

    case_id: str
    case_name: str | None
    court_id: str
    case_status: Status
    entry_class: EntryClass
    entry_outcome: Outcome | None
    record: EntryRecord
    event: DocketEvent

    @property
    def cursor(self) -> MilestoneCursor:
        day, undocketed, doc, seq, key = order_key(self.record)
        return (day, undocketed, doc, seq, self.case_id, key)


@dataclass(frozen=True, slots=True)
class MilestonePage:
    items: tuple[Milestone, ...]
    next: MilestoneCursor | None
    """Pass as ``before`` for older milestones; ``None`` on the last page."""


# --- alerts -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AlertFilter:
    case_id: str | None = None
    court: str | None = None
    types: tuple[AlertType, ...] = ()


@dataclass(frozen=True, slots=True)
class StoredAlert:
    """An alert and its local sequence number.

    ``seq`` grows with every *new* alert id the store sees (a redelivered alert
    keeps its first seq), so a live stream can resume with ``Last-Event-ID``.
    """

    seq: int
    alert: Alert


# --- stats ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MonthCount:
    month: str
    """``YYYY-MM``."""
    opened: int
    closed: int


@dataclass(frozen=True, slots=True)
class Stats:
    total_cases: int
    by_status: Mapping[str, int]
    by_disposition: Mapping[str, int]
    by_court: Mapping[str, int]
    dispositions_by_court: Mapping[str, Mapping[str, int]]
    per_month: tuple[MonthCount, ...]
    """Openings (by ``date_filed``) and closings (by ``date_terminated``) per month, oldest first."""


# --- the indexed view of a case, shared by every store ------------------------


def utc_key(t: dt.datetime | None) -> str | None:
    """A datetime as a string that sorts like the instant (naive = UTC, as the fold assumes)."""
    if t is None:
        return None
    aware = t if t.tzinfo is not None else t.replace(tzinfo=dt.UTC)
    return aware.astimezone(dt.UTC).replace(tzinfo=None).isoformat(timespec="microseconds")


def fold_text(text: str) -> str:
    """Lower case without diacritics — what SQLite FTS5 ``unicode61 remove_diacritics 2`` compares."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


_WORD = re.compile(r"[^\W_]+")


def search_tokens(text: str) -> list[str]:
    """Words of a searchable text: runs of letters and digits, folded."""
    return _WORD.findall(fold_text(text))


def search_terms(q: str) -> tuple[str, ...]:
    """The words of a user query, folded, deduplicated, in order; each matches as a word prefix."""
    return tuple(dict.fromkeys(search_tokens(q)))


@dataclass(frozen=True, slots=True)
class CaseRow:
    """The columns a case is filtered, sorted and searched by."""

    case_id: str
    court_id: str
    docket_number: str
    status: str
    disposition: str | None
    nature_of_suit: str | None
    nos_folded: str | None
    class_action: bool
    date_filed: str | None
    date_terminated: str | None
    updated_at: str | None
    case_name: str | None
    sort_name: str | None
    parties_text: str

    def sort_value(self, field: SortField) -> str | None:
        if field == "case_name":
            return self.sort_name
        value: str | None = getattr(self, field)
        return value

    def search_text(self) -> str:
        return " ".join(p for p in (self.case_name, self.parties_text, self.docket_number) if p)


def case_row(state: CaseSnapshot) -> CaseRow:
    return CaseRow(
        case_id=state.case_id,
        court_id=state.court_id,
        docket_number=state.docket_number,
        status=state.status,
        disposition=state.disposition.type if state.disposition else None,
        nature_of_suit=state.nature_of_suit,
        nos_folded=fold_text(state.nature_of_suit) if state.nature_of_suit else None,
        class_action=state.flags.class_action,
        date_filed=state.date_filed.isoformat() if state.date_filed else None,
        date_terminated=state.date_terminated.isoformat() if state.date_terminated else None,
        updated_at=utc_key(state.updated_at),
        case_name=state.case_name,
        sort_name=fold_text(state.case_name) if state.case_name else None,
        parties_text=" ; ".join(state.parties),
    )


def merge_months(opened: Mapping[str, int], closed: Mapping[str, int]) -> tuple[MonthCount, ...]:
    """Openings and closings per ``YYYY-MM`` month, oldest first, months with neither omitted."""
    return tuple(
        MonthCount(month=m, opened=opened.get(m, 0), closed=closed.get(m, 0))
        for m in sorted(set(opened) | set(closed))
    )
