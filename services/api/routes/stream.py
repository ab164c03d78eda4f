"""``GET /api/alerts/stream``: alerts as Server-Sent Events, resumable.

Reads the read model's alert table (``alerts_after(seq, ...)``, polled), so a
stream is as complete as the read model and survives API restarts: each event's
``id`` is the alert's ``seq``, and a client that reconnects with
``Last-Event-ID`` (browsers' ``EventSource`` do this by themselves) continues
right after the last alert it saw. Without it the stream starts at the newest
alert (``?since=0`` replays from the beginning). Filters are the subscription
filters, applied by the same pure ``matching.matches``. Events carry no
``event:`` name, so ``EventSource.onmessage`` receives them; the alert type is
in the data. Comment lines (``: ping``) are sent as heartbeats.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any, Protocol

from fastapi import APIRouter, Header, HTTPException, Query, Request, status
from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError
from sse_starlette import EventSourceResponse

from schemas.alerts import AlertType
from schemas.codec import encode
from services.api.auth import ReadAccess
from services.api.cursor import MAX_SEQ
from services.dispatcher.matching import matches
from services.dispatcher.model import SubscriptionFilters
from services.readmodel.values import AlertFilter, StoredAlert

router = APIRouter(tags=["alerts"])

BATCH = 200


@dataclass(frozen=True)
class StreamTuning:
    """``app.state.stream_tuning`` overrides these (tests use short intervals)."""

    heartbeat_seconds: float = 15.0
    poll_seconds: float = 0.5


class AlertSource(Protocol):
    def alerts_after(self, seq: int, filters: AlertFilter, limit: int) -> list[StoredAlert]: ...

    def last_alert_seq(self) -> int: ...


def _read_model(request: Request) -> AlertSource:
    store: AlertSource | None = getattr(request.app.state, "store", None)
    if store is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "read model not available")
    return store


def _prefilter(f: SubscriptionFilters) -> AlertFilter:
    """What the store can narrow by itself (one case, one court); the rest is ``matches``."""
    return AlertFilter(
        case_id=f.case_ids[0] if len(f.case_ids) == 1 else None,
        court=f.courts[0] if len(f.courts) == 1 else None,
        types=tuple(f.alert_types),
    )


@router.get(
    "/api/alerts/stream",
    response_class=EventSourceResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "SSE stream of alerts."}},
)
async def stream_alerts(
    request: Request,
    _caller: ReadAccess,
    case_id: Annotated[list[str], Query()] = [],  # noqa: B006 - FastAPI copies defaults
    court: Annotated[list[str], Query()] = [],  # noqa: B006
    q: Annotated[str | None, Query(max_length=200)] = None,
    nature_of_suit: Annotated[list[str], Query()] = [],  # noqa: B006
    class_action_only: bool = False,
    alert_type: Annotated[list[AlertType], Query()] = [],  # noqa: B006
    transition: Annotated[list[str], Query(description="FROM->TO, e.g. any->closed")] = [],  # noqa: B006
    since: Annotated[
        int | None, Query(ge=0, le=MAX_SEQ, description="Start after this seq.")
    ] = None,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
) -> EventSourceResponse:
    try:
        filters = SubscriptionFilters(
            case_ids=tuple(case_id),
            courts=tuple(court),
            query=q,
            nature_of_suit=tuple(nature_of_suit),
            class_action_only=class_action_only,
            alert_types=tuple(alert_type),
            transitions=tuple(transition),
        )
    except ValidationError as exc:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            exc.errors(include_url=False, include_context=False),
        ) from exc
    resume: int | None = None
    if last_event_id is not None and last_event_id.strip():
        resume = _seq(last_event_id.strip())
    store = _read_model(request)
    start = resume if resume is not None else since
    if start is None:
        start = await run_in_threadpool(store.last_alert_seq)
    tuning: StreamTuning = getattr(request.app.state, "stream_tuning", None) or StreamTuning()
    return EventSourceResponse(
        _events(request, store, filters, start, tuning), ping=tuning.heartbeat_seconds
    )


_ASCII_DIGITS = re.compile(r"[0-9]{1,19}")


def _seq(raw: str) -> int:
    """A ``Last-Event-ID`` as an alert seq: ASCII digits only (``str.isdigit`` also says
    yes to ``²`` and ``١``, which ``int`` refuses) within SQLite's INTEGER range."""
    if _ASCII_DIGITS.fullmatch(raw) is None or int(raw) > MAX_SEQ:
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST, f"Last-Event-ID must be an alert seq (0..{MAX_SEQ})"
        )
    return int(raw)


async def _events(
    request: Request,
    store: AlertSource,
    filters: SubscriptionFilters,
    seq: int,
    tuning: StreamTuning,
) -> AsyncIterator[dict[str, Any]]:
    narrow = _prefilter(filters)
    while not await request.is_disconnected():
        rows = await run_in_threadpool(store.alerts_after, seq, narrow, BATCH)
        for row in rows:
            seq = row.seq
            if matches(filters, row.alert):
                yield {"id": str(row.seq), "data": encode(row.alert).decode()}
        if len(rows) < BATCH:
            await asyncio.sleep(tuning.poll_seconds)
