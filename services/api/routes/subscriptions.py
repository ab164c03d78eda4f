"""``/api/subscriptions``: webhook subscriptions, owned by the calling token.

Every endpoint requires a bearer token; a subscription belonging to another
caller answers 404, exactly like one that does not exist, so ids cannot be
probed. The signing secret is returned once, by ``POST``. Storage is the
shared subscription log (compacted Kafka topic, see docs/architecture.md); the
attempts log comes from the dispatcher's SQLite file, opened read-only.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any, Literal

from fastapi import APIRouter, FastAPI, HTTPException, Query, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from services.api.auth import Caller, RequireSubscriptions, app_settings
from services.dispatcher.model import Subscription, SubscriptionFilters, SubscriptionState
from services.dispatcher.signing import new_secret
from services.dispatcher.ssrf import SSRFError, check_url
from services.dispatcher.store import DB_FILENAME, DeliveryStore, DeliveryStoreError
from services.dispatcher.subscriptions import (
    KafkaSubscriptionLog,
    SubscriptionDeletedError,
    SubscriptionLog,
    SubscriptionLogError,
)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Close the subscription log if a request opened it (it is opened lazily, so an
    API without subscription traffic never needs the broker)."""
    yield
    owned = getattr(app.state, "subscription_log_owned", None)
    if owned is not None:
        await owned.close()
        app.state.subscription_log = None
        app.state.subscription_log_owned = None


router = APIRouter(prefix="/api/subscriptions", tags=["subscriptions"], lifespan=_lifespan)


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(max_length=2048, examples=["https://example.org/hooks/docketline"])
    filters: SubscriptionFilters = SubscriptionFilters()


class SubscriptionOut(BaseModel):
    id: str
    url: str
    filters: SubscriptionFilters
    state: SubscriptionState
    state_reason: str | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def of(cls, s: Subscription) -> SubscriptionOut:
        return cls(
            id=s.id,
            url=s.url,
            filters=s.filters,
            state=s.state,
            state_reason=s.state_reason,
            created_at=s.created_at,
            updated_at=s.updated_at,
        )


class SubscriptionCreated(SubscriptionOut):
    secret: str = Field(description="Signing secret (whsec_...). Shown only in this response.")


class AttemptOut(BaseModel):
    attempt: int
    url: str
    started_at: dt.datetime
    duration_ms: float
    webhook_timestamp: int
    status_code: int | None
    error: str | None
    outcome: Literal["delivered", "retry", "dead", "disable"]
    next_attempt_at: dt.datetime | None
    response_excerpt: str | None


class DeliveryOut(BaseModel):
    alert_id: str = Field(description="Also the webhook-id header of every attempt.")
    alert_type: str
    case_id: str
    status: Literal["pending", "delivered", "dead", "cancelled"]
    attempts: int
    next_attempt_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime
    last_error: str | None
    dead_letter_reason: str | None
    attempt_log: list[AttemptOut]


def _ts(value: float | None) -> dt.datetime | None:
    return None if value is None else dt.datetime.fromtimestamp(value, tz=dt.UTC)


def _delivery_out(row: dict[str, Any]) -> DeliveryOut:
    return DeliveryOut(
        alert_id=row["alert_id"],
        alert_type=row["alert_type"],
        case_id=row["case_id"],
        status=row["status"],
        attempts=row["attempts"],
        next_attempt_at=_ts(row["next_attempt_at"]),
        created_at=_ts(row["created_at"]),
        updated_at=_ts(row["updated_at"]),
        last_error=row["last_error"],
        dead_letter_reason=row["dead_letter"]["reason"] if row["dead_letter"] else None,
        attempt_log=[
            AttemptOut(
                **{
                    **a,
                    "started_at": _ts(a["started_at"]),
                    "next_attempt_at": _ts(a["next_attempt_at"]),
                }
            )
            for a in row["attempt_log"]
        ],
    )


async def _log(request: Request) -> SubscriptionLog:
    """The app's subscription log: ``app.state.subscription_log`` if the app (or a test)
    set one, else a Kafka log opened on first use and caught up on every call."""
    state = request.app.state
    sub_log: SubscriptionLog | None = getattr(state, "subscription_log", None)
    try:
        if sub_log is None:
            lock: asyncio.Lock | None = getattr(state, "subscription_log_lock", None)
            if lock is None:  # no await since the check: atomic on the event loop
                lock = state.subscription_log_lock = asyncio.Lock()
            async with lock:
                sub_log = getattr(state, "subscription_log", None)
                if sub_log is None:
                    opened = KafkaSubscriptionLog(app_settings(request))
                    await opened.start()
                    state.subscription_log = state.subscription_log_owned = sub_log = opened
        await sub_log.refresh()
    except SubscriptionLogError as exc:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, f"subscriptions unavailable: {exc}"
        ) from exc
    return sub_log


def _own(sub_log: SubscriptionLog, sub_id: str, caller: Caller) -> Subscription:
    sub = sub_log.get(sub_id)
    if sub is None or not secrets.compare_digest(sub.owner, caller.identity):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no subscription {sub_id}")
    return sub


async def _put(sub_log: SubscriptionLog, sub: Subscription) -> None:
    try:
        await sub_log.put(sub)
    except SubscriptionDeletedError as exc:  # deleted (by another process) since it was read
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no subscription {sub.id}") from exc
    except SubscriptionLogError as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, f"could not store: {exc}") from exc


def _now() -> dt.datetime:
    now = dt.datetime.now(dt.UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=SubscriptionCreated)
async def create_subscription(
    body: SubscriptionIn, request: Request, response: Response, caller: RequireSubscriptions
) -> SubscriptionCreated:
    """Register a webhook. The URL is checked now (and again on every delivery):
    http(s) only, and every address it resolves to must be public."""
    settings = app_settings(request)
    try:
        await check_url(body.url, allow_private=settings.webhook_allow_private_networks)
    except SSRFError as exc:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, f"webhook url refused: {exc}"
        ) from exc
    sub_log = await _log(request)
    now = _now()
    sub = Subscription(
        id="sub_" + secrets.token_hex(12),
        owner=caller.identity,
        url=body.url,
        filters=body.filters,
        secret=new_secret(),
        created_at=now,
        updated_at=now,
    )
    await _put(sub_log, sub)
    response.headers["Location"] = f"/api/subscriptions/{sub.id}"
    return SubscriptionCreated(**SubscriptionOut.of(sub).model_dump(), secret=sub.secret)


@router.get("", response_model=list[SubscriptionOut])
async def list_subscriptions(
    request: Request, caller: RequireSubscriptions
) -> list[SubscriptionOut]:
    sub_log = await _log(request)
    return [SubscriptionOut.of(s) for s in sub_log.all() if s.owner == caller.identity]


@router.get("/{sub_id}", response_model=SubscriptionOut)
async def get_subscription(
    sub_id: str, request: Request, caller: RequireSubscriptions
) -> SubscriptionOut:
    return SubscriptionOut.of(_own(await _log(request), sub_id, caller))


@router.delete("/{sub_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_subscription(
    sub_id: str, request: Request, caller: RequireSubscriptions
) -> Response:
    """Delete for good; the dispatcher cancels (and keeps a record of) pending deliveries."""
    sub_log = await _log(request)
    _own(sub_log, sub_id, caller)
    try:
        await sub_log.delete(sub_id)
    except SubscriptionLogError as exc:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, f"could not delete: {exc}"
        ) from exc
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{sub_id}/pause", response_model=SubscriptionOut)
async def pause_subscription(
    sub_id: str, request: Request, caller: RequireSubscriptions
) -> SubscriptionOut:
    """Hold deliveries: matching alerts are still collected and delivered on resume."""
    sub_log = await _log(request)
    sub = _own(sub_log, sub_id, caller)
    if sub.state != "paused":
        sub = sub.with_state("paused", "paused by subscriber", _now())
        await _put(sub_log, sub)
    return SubscriptionOut.of(sub)


@router.post("/{sub_id}/resume", response_model=SubscriptionOut)
async def resume_subscription(
    sub_id: str, request: Request, caller: RequireSubscriptions
) -> SubscriptionOut:
    """Deliver again (also re-enables an endpoint the dispatcher disabled); held
    deliveries go out at once, and the failure streak starts afresh."""
    sub_log = await _log(request)
    sub = _own(sub_log, sub_id, caller)
    if sub.state != "active":
        sub = sub.with_state("active", None, _now())
        await _put(sub_log, sub)
    return SubscriptionOut.of(sub)


MAX_OVERLAP_SECONDS = 7 * 86400


class RotateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    overlap_seconds: int = Field(
        default=86400,
        ge=0,
        le=MAX_OVERLAP_SECONDS,
        description="How long deliveries are also signed with the old secret (0: not at all).",
    )


class SecretRotated(SubscriptionOut):
    secret: str = Field(
        description="The new signing secret (whsec_...). Shown only in this response."
    )
    previous_secret_valid_until: dt.datetime | None = Field(
        description="Until then every delivery carries a signature with the old secret too."
    )


@router.post("/{sub_id}/rotate-secret", response_model=SecretRotated)
async def rotate_secret(
    sub_id: str, request: Request, caller: RequireSubscriptions, body: RotateIn | None = None
) -> SecretRotated:
    """Issue a new signing secret. During the overlap each delivery carries two
    signatures (new and old, space-separated in ``webhook-signature``), so a receiver
    verifying with either accepts it; afterwards only the new one."""
    overlap = dt.timedelta(seconds=(body or RotateIn()).overlap_seconds)
    sub_log = await _log(request)
    sub = _own(sub_log, sub_id, caller).with_new_secret(new_secret(), overlap, _now())
    await _put(sub_log, sub)
    return SecretRotated(
        **SubscriptionOut.of(sub).model_dump(),
        secret=sub.secret,
        previous_secret_valid_until=sub.previous_secret_until,
    )


@router.get("/{sub_id}/deliveries", response_model=list[DeliveryOut])
async def list_deliveries(
    sub_id: str,
    request: Request,
    caller: RequireSubscriptions,
    delivery_status: Annotated[
        Literal["pending", "delivered", "dead", "cancelled"] | None, Query(alias="status")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[DeliveryOut]:
    """Deliveries newest first, each with every attempt (status code or error, timing,
    next attempt) and the dead-letter reason once the schedule is exhausted."""
    _own(await _log(request), sub_id, caller)
    path = app_settings(request).data_dir / DB_FILENAME

    def read() -> list[dict[str, Any]]:
        store = DeliveryStore.open_readonly(path)
        if store is None:
            return []
        try:
            return store.deliveries(sub_id, status=delivery_status, limit=limit)
        finally:
            store.close()

    try:
        rows = await run_in_threadpool(read)
    except DeliveryStoreError as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, str(exc)) from exc
    return [_delivery_out(r) for r in rows]
