"""``/api/deadlines`` and ``/api/milestones``: what is coming up and what just happened, across cases.

Both read what the read model keeps as events arrive (each case's calendar, and
each timeline entry's class), never the events themselves. "Today" is decided
here, at the edge: ``from`` when the caller gives it, else the app's clock
(``app.state.today``, a callable; the UTC date by default), so tests and
dashboards in other time zones say which day they mean.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Query, Request

from schemas.vocabulary import DeadlineStatus, EntryClass
from services.api.cursor import (
    decode_deadline_cursor,
    decode_milestone_cursor,
    encode_deadline_cursor,
    encode_milestone_cursor,
)
from services.api.deps import (
    CASE_ID_PATTERN,
    Store,
    cursor_param,
    invalid,
    read_access,
    valid_case_id,
)
from services.api.models import (
    MilestoneOut,
    MilestonePageOut,
    UpcomingDeadlineOut,
    UpcomingDeadlinesOut,
)
from services.api.routes.cases import Cursor, Limit
from services.readmodel.store import DeadlineQuery, MilestoneQuery, QueryError
from services.readmodel.values import MAX_DEADLINE_DAYS

router = APIRouter(prefix="/api", tags=["calendar"], dependencies=[Depends(read_access)])

DEFAULT_DAYS = 14
Q = TypeVar("Q")


def checked(make: Callable[..., Q], **fields: Any) -> Q:
    """The store query built from the parameters, or a 422 naming the one it refuses."""
    try:
        return make(**fields)
    except QueryError as exc:
        raise invalid("query", exc.field, exc.message) from exc


def today(request: Request) -> dt.date:
    """The day the request is answered for: ``app.state.today()`` when set, else the UTC date."""
    clock = getattr(request.app.state, "today", None)
    if clock is not None:
        day: dt.date = clock()
        return day
    return dt.datetime.now(dt.UTC).date()


@router.get(
    "/deadlines",
    summary="Deadlines coming up across cases",
    description=(
        "The dates the cases' docket entries set (hearings, conferences, trials, filing "
        f"deadlines), from `from` (default: today, UTC) for `days` days (default {DEFAULT_DAYS}: "
        f"`from` and the {DEFAULT_DAYS - 1} days after it) or through `to` (inclusive), at most "
        f"{MAX_DEADLINE_DAYS} days. Ordered by date, time (none first), case id and key. "
        "Vacated deadlines stay listed with `status` 'vacated' unless `status=pending` is asked; "
        "a closed case's pending deadlines stay listed as 'pending' (see `case_status`)."
    ),
)
def upcoming_deadlines(
    store: Store,
    request: Request,
    from_date: Annotated[
        dt.date | None, Query(alias="from", description="First day (YYYY-MM-DD); default today.")
    ] = None,
    to_date: Annotated[
        dt.date | None, Query(alias="to", description="Last day, inclusive (instead of `days`).")
    ] = None,
    days: Annotated[
        int | None,
        Query(ge=1, le=MAX_DEADLINE_DAYS, description=f"Window length (default {DEFAULT_DAYS})."),
    ] = None,
    status: Annotated[
        list[DeadlineStatus] | None, Query(description="Only these statuses (repeatable).")
    ] = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> UpcomingDeadlinesOut:
    if to_date is not None and days is not None:
        raise invalid("query", "days", "give either to or days, not both", days)
    start = from_date if from_date is not None else today(request)
    end = to_date if to_date is not None else start + dt.timedelta(days=(days or DEFAULT_DAYS) - 1)
    query = checked(
        DeadlineQuery,
        start=start,
        end=end,
        statuses=tuple(dict.fromkeys(status or ())),
        after=cursor_param(cursor, decode_deadline_cursor),
        limit=limit,
    )
    page = store.upcoming_deadlines(query)
    return UpcomingDeadlinesOut(
        from_date=start,
        to_date=end,
        items=[UpcomingDeadlineOut.of_case(d) for d in page.items],
        total=page.total,
        total_exact=page.total_exact,
        next_cursor=encode_deadline_cursor(page.next) if page.next else None,
    )


@router.get(
    "/milestones",
    summary="Milestones across cases, newest first",
    description=(
        "Docket entries whose class is a milestone (orders on motions to dismiss, for summary "
        "judgment and on class certification, preliminary and final settlement approval, "
        "judgment, notice of appeal, mandate; docs/entry-classes.md), with their outcome, text "
        "and case, newest first by filing date and docket order. `case_id` limits them to one "
        "case, `entry_class` (repeatable) to some of the milestone classes."
    ),
)
def milestones(
    store: Store,
    case_id: Annotated[
        str | None,
        Query(description="Only this case.", json_schema_extra={"pattern": CASE_ID_PATTERN}),
    ] = None,
    entry_class: Annotated[
        list[EntryClass] | None, Query(description="Only these milestone classes (repeatable).")
    ] = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> MilestonePageOut:
    if case_id is not None:
        valid_case_id(case_id, "query")
    query = checked(
        MilestoneQuery,
        case_id=case_id,
        classes=tuple(dict.fromkeys(entry_class or ())),
        before=cursor_param(cursor, decode_milestone_cursor),
        limit=limit,
    )
    page = store.milestones(query)
    return MilestonePageOut(
        items=[MilestoneOut.of(m) for m in page.items],
        next_cursor=encode_milestone_cursor(page.next) if page.next else None,
    )
