"""``GET /api/alerts``: recent status-change alerts, newest first."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from schemas.alerts import AlertType
from services.api.cursor import MAX_SEQ, decode_alert_cursor, encode_alert_cursor
from services.api.deps import (
    CASE_ID_PATTERN,
    COURT_PATTERN,
    Store,
    cursor_param,
    read_access,
    valid_case_id,
    valid_court,
)
from services.api.models import AlertOut, AlertPageOut
from services.readmodel.store import MAX_PAGE_SIZE, AlertFilter

router = APIRouter(prefix="/api", tags=["alerts"], dependencies=[Depends(read_access)])


@router.get(
    "/alerts",
    summary="Recent alerts",
    description=(
        "Alerts as published on `case.alerts`, newest first, each with its local `seq`. "
        "`since` keeps only alerts with a greater `seq` (poll with the highest `seq` seen); "
        "`next_cursor` pages towards older alerts."
    ),
)
def list_alerts(
    store: Store,
    case_id: Annotated[
        str | None,
        Query(description="Only this case.", json_schema_extra={"pattern": CASE_ID_PATTERN}),
    ] = None,
    court: Annotated[
        str | None,
        Query(description="Only this court.", json_schema_extra={"pattern": COURT_PATTERN}),
    ] = None,
    type: Annotated[list[AlertType] | None, Query(description="Only these alert types.")] = None,
    since: Annotated[
        int | None, Query(ge=0, le=MAX_SEQ, description="Only alerts with a greater `seq`.")
    ] = None,
    cursor: Annotated[
        str | None, Query(max_length=2048, description="`next_cursor` of the previous page.")
    ] = None,
    limit: Annotated[
        int, Query(ge=1, le=MAX_PAGE_SIZE, description=f"Page size (at most {MAX_PAGE_SIZE}).")
    ] = 50,
) -> AlertPageOut:
    if case_id is not None:
        valid_case_id(case_id, where="query")
    if court is not None:
        court = valid_court(court)
    before = cursor_param(cursor, decode_alert_cursor)
    filters = AlertFilter(case_id=case_id, court=court, types=tuple(dict.fromkeys(type or ())))
    rows = store.recent_alerts(filters, before=before, since=since, limit=limit + 1)
    page = rows[:limit]
    return AlertPageOut(
        items=[AlertOut.of(a) for a in page],
        next_cursor=encode_alert_cursor(page[-1].seq) if len(rows) > limit else None,
    )
