"""``/api/ingest/courtlistener``: CourtListener docket-alert webhooks as a live source.

Persist, then answer. ``POST`` validates the body, commits it to the SQLite
inbox under ``data_dir`` (:mod:`services.ingest.courtlistener_inbox`) and
answers 202 at once; the publishing loop
(:mod:`services.ingest.courtlistener_worker`) resolves the CourtListener docket
ids and publishes from the inbox, retrying until each entry is on
``docket.events`` or rejected with a reason. A 2xx therefore means "durably
accepted", never "maybe lost": CourtListener stops retrying on a 2xx, so
nothing may depend on a publish that has not happened yet. Anything that
prevents the commit answers 5xx, so CourtListener retries.

Deduplication: the ``Idempotency-Key`` header (CourtListener reuses it when it
retries a delivery) is the inbox's primary key, so the same key again, also
after a restart, answers 200 ``duplicate`` and publishes nothing. Without the
header the key is the body's SHA-256. Published events are deduplicated again
by their deterministic ids and the ingest ledger, like every other source.

Auth: a bearer token from ``DOCKETLINE_API_TOKENS`` with the ``ingest`` scope (the shared
``require_ingest``). CourtListener's webhook settings hold only a URL, so the
token may also be given as ``?token=...`` in that URL (see docs/courtlistener.md).

Outcomes per entry are in ``GET /api/ingest/courtlistener/deliveries/{key}``,
open and rejected entries in ``GET /api/ingest/courtlistener/inbox``, and
counts in ``/metrics``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Query, Request, status
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from pydantic import BaseModel, Field

from services.api.auth import Caller, RequireIngest, bearer_scheme, require_ingest
from services.ingest.courtlistener_inbox import (
    STATUSES,
    DeliveryView,
    EntryView,
    IdempotencyConflict,
    InboxError,
)
from services.ingest.courtlistener_webhook import (
    IdempotencyKeyError,
    WebhookBody,
    WebhookBodyError,
    body_digest,
    entry_json,
    idempotency_key,
    parse_body,
)
from services.ingest.courtlistener_worker import WebhookConfig, WebhookIngest, build_webhook_ingest
from services.settings import Settings

PREFIX = "/api/ingest/courtlistener"


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Open the inbox and start the publishing loop (it picks up what a previous run left).

    With ``app.state.courtlistener_publish`` false (processes 1.. of ``docketline api
    --workers N``) deliveries are only committed to the inbox; process 0's loop, which
    polls it, publishes them.

    ``app.state.courtlistener_ingest_config`` (a ``WebhookConfig``) and
    ``app.state.courtlistener_http`` (an ``httpx.AsyncClient``) override the
    defaults; tests set them.
    """
    settings: Settings = app.state.settings
    config = getattr(app.state, "courtlistener_ingest_config", None) or WebhookConfig()
    service = build_webhook_ingest(
        settings, config, http=getattr(app.state, "courtlistener_http", None)
    )
    app.state.courtlistener_ingest = service
    _register_metrics(app)
    if getattr(app.state, "courtlistener_publish", True):  # one publisher per inbox
        service.start()
    try:
        yield
    finally:
        app.state.courtlistener_ingest = None
        await service.aclose()


router = APIRouter(prefix=PREFIX, tags=["ingest"], lifespan=_lifespan)


def _service(request: Request) -> WebhookIngest:
    service: WebhookIngest | None = getattr(request.app.state, "courtlistener_ingest", None)
    if service is None:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, "CourtListener ingest is not running"
        )
    return service


async def webhook_caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    token: Annotated[
        str | None,
        Query(
            description="The API token, for senders that cannot set headers (CourtListener's "
            "webhook settings hold only a URL). A bearer header takes precedence.",
        ),
    ] = None,
) -> Caller:
    """``require_ingest``, also accepting the token as ``?token=``."""
    if credentials is None and token:
        credentials = HTTPAuthorizationCredentials(scheme="Bearer", credentials=token)
    return await require_ingest(request, credentials)


# --------------------------------------------------------------------------- models


class ReceiptOut(BaseModel):
    status: Literal["accepted", "duplicate"]
    idempotency_key: str
    entries: int = Field(description="Docket entries in the delivery.")
    accepted: int = Field(description="Entries newly accepted into the inbox (0 for a duplicate).")
    duplicates: int = Field(description="Entries not accepted again because the key was known.")
    state: dict[str, int] = Field(
        description="The delivery's entries by status now: pending, retrying, published, rejected."
    )
    status_url: str


class EntryOut(BaseModel):
    index: int = Field(description="Position in payload.results.")
    docket: int = Field(description="CourtListener docket id.")
    status: Literal["pending", "retrying", "published", "rejected"]
    attempts: int
    last_error: str | None
    next_attempt_at: dt.datetime | None = Field(description="Set while the entry is retrying.")
    event_id: str | None
    case_id: str | None
    updated_at: dt.datetime

    @classmethod
    def of(cls, e: EntryView) -> EntryOut:
        return cls(
            index=e.idx,
            docket=e.docket_id,
            status=e.status,
            attempts=e.attempts,
            last_error=e.last_error,
            next_attempt_at=(
                _ts(e.next_attempt_at)
                if e.status == "retrying" and e.next_attempt_at is not None
                else None
            ),
            event_id=e.event_id,
            case_id=e.case_id,
            updated_at=_ts(e.updated_at),
        )


class DeliveryOut(BaseModel):
    idempotency_key: str
    received_at: dt.datetime
    body_sha256: str
    state: dict[str, int]
    entries: list[EntryOut]

    @classmethod
    def of(cls, d: DeliveryView) -> DeliveryOut:
        state = dict.fromkeys(STATUSES, 0)
        for e in d.entries:
            state[e.status] += 1
        return cls(
            idempotency_key=d.key,
            received_at=_ts(d.received_at),
            body_sha256=d.body_sha256,
            state=state,
            entries=[EntryOut.of(e) for e in d.entries],
        )


class UnsettledOut(EntryOut):
    idempotency_key: str

    @classmethod
    def of(cls, e: EntryView) -> UnsettledOut:
        return cls(idempotency_key=e.key, **EntryOut.of(e).model_dump())


class InboxOut(BaseModel):
    state: dict[str, int] = Field(description="All entries by status.")
    unsettled: list[UnsettledOut] = Field(
        description="Entries not published (retrying with the reason, rejected, pending)."
    )


def _ts(value: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(value, tz=dt.UTC)


def _inline_refs(schema: dict[str, Any]) -> dict[str, Any]:
    """The model's JSON Schema with ``$defs`` inlined, so it stands alone inside OpenAPI."""
    defs = schema.pop("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return walk(defs[ref.removeprefix("#/$defs/")])
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    out: dict[str, Any] = walk(schema)
    return out


def _problem(code: int, loc: list[str | int], msg: str, kind: str) -> HTTPException:
    """An error in FastAPI's validation shape: ``{"detail": [{loc, msg, type}]}``."""
    return HTTPException(code, detail=[{"loc": loc, "msg": msg, "type": kind}])


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _problem(413, ["body"], f"body is larger than {limit} bytes", "too_large")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _problem(413, ["body"], f"body is larger than {limit} bytes", "too_large")
        chunks.append(chunk)
    return b"".join(chunks)


# --------------------------------------------------------------------------- routes

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Body is not JSON, or the Idempotency-Key header is unusable."},
    401: {"description": "Missing or invalid token."},
    409: {"description": "The Idempotency-Key was already used for a different body."},
    413: {"description": "Body too large."},
    422: {
        "description": "Body is JSON but not a docket-alert webhook; `detail` says where and why."
    },
    503: {
        "description": "The inbox cannot store the delivery right now: retry (nothing was kept)."
    },
}


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Receive a CourtListener docket-alert webhook",
    description=(
        "Validates the body, stores it durably in the inbox and answers 202; docket ids are "
        "resolved through CourtListener's API and the entries published to `docket.events` in "
        "the background, retried until published. The same `Idempotency-Key` again answers 200 "
        "`duplicate` and publishes nothing. Follow `status_url` for each entry's outcome."
    ),
    response_model=ReceiptOut,
    responses={
        200: {"model": ReceiptOut, "description": "Duplicate delivery: nothing new."},
        **_ERRORS,
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": _inline_refs(WebhookBody.model_json_schema())}
            },
        }
    },
)
async def receive_webhook(
    request: Request,
    caller: Annotated[Caller, Depends(webhook_caller)],
    key_header: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            description="CourtListener's delivery id, the same on retries. Default: the body's SHA-256.",
        ),
    ] = None,
) -> JSONResponse:
    service = _service(request)
    raw = await _read_body(request, service.config.max_body_bytes)
    try:
        key = idempotency_key(key_header, raw)
    except IdempotencyKeyError as exc:
        service.deliveries["invalid"] += 1
        raise _problem(400, ["header", "Idempotency-Key"], str(exc), "value_error") from exc
    try:
        body = parse_body(raw)
    except WebhookBodyError as exc:
        service.deliveries["invalid"] += 1
        raise HTTPException(400 if exc.not_json else 422, detail=exc.errors) from exc
    entries = [(e.docket, entry_json(e)) for e in body.payload.results]
    try:
        receipt = await asyncio.to_thread(
            service.inbox.accept, key, body_digest(raw), raw, entries, service.clock()
        )
    except IdempotencyConflict as exc:
        service.deliveries["conflict"] += 1
        raise _problem(409, ["header", "Idempotency-Key"], str(exc), "conflict") from exc
    except InboxError as exc:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, f"not accepted, retry: {exc}"
        ) from exc
    if receipt.duplicate:
        service.deliveries["duplicate"] += 1
    else:
        service.deliveries["accepted"] += 1
        service.notify()
    out = ReceiptOut(
        status="duplicate" if receipt.duplicate else "accepted",
        idempotency_key=key,
        entries=receipt.entries,
        accepted=0 if receipt.duplicate else receipt.entries,
        duplicates=receipt.entries if receipt.duplicate else 0,
        state=receipt.counts,
        status_url=f"{PREFIX}/deliveries/{quote(key, safe=':@')}",
    )
    return JSONResponse(
        status_code=status.HTTP_200_OK if receipt.duplicate else status.HTTP_202_ACCEPTED,
        content=out.model_dump(mode="json"),
    )


@router.get(
    "/deliveries/{key:path}",
    name="courtlistener_delivery",
    summary="One webhook delivery and the outcome of each of its entries",
    response_model=DeliveryOut,
    responses={401: _ERRORS[401], 404: {"description": "No delivery with this key."}},
)
async def get_delivery(request: Request, caller: RequireIngest, key: str) -> DeliveryOut:
    service = _service(request)
    try:
        found = await asyncio.to_thread(service.inbox.delivery, key)
    except InboxError as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, str(exc)) from exc
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no delivery with Idempotency-Key {key!r}")
    return DeliveryOut.of(found)


@router.get(
    "/inbox",
    summary="Inbox: entries by status, and those not published yet with the reason",
    response_model=InboxOut,
    responses={401: _ERRORS[401]},
)
async def get_inbox(
    request: Request,
    caller: RequireIngest,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> InboxOut:
    service = _service(request)
    try:
        counts = await asyncio.to_thread(service.inbox.counts)
        rows = await asyncio.to_thread(service.inbox.unsettled, limit)
    except InboxError as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, str(exc)) from exc
    return InboxOut(state=counts, unsettled=[UnsettledOut.of(e) for e in rows])


# --------------------------------------------------------------------------- metrics


class _IngestCollector(Collector):
    """Read at scrape time from the running service (nothing copied into a second set)."""

    def __init__(self, app: FastAPI) -> None:
        self._app = app

    def collect(self) -> Iterator[Metric]:
        service: WebhookIngest | None = getattr(self._app.state, "courtlistener_ingest", None)
        deliveries = CounterMetricFamily(
            "docketline_courtlistener_webhook_deliveries",
            "Webhook deliveries received, by outcome (accepted, duplicate, invalid, conflict).",
            labels=["outcome"],
        )
        entries = CounterMetricFamily(
            "docketline_courtlistener_webhook_entry_tries",
            "Tries to publish an inbox entry, by outcome (published, already_published, "
            "rejected, unresolved, unpublished).",
            labels=["outcome"],
        )
        inbox = GaugeMetricFamily(
            "docketline_courtlistener_inbox_entries",
            "Entries in the inbox by status; retrying ones are waiting for CourtListener or Kafka.",
            labels=["status"],
        )
        requests = CounterMetricFamily(
            "docketline_courtlistener_api_requests",
            "Requests to CourtListener's REST API, by outcome.",
            labels=["outcome"],
        )
        lookups = CounterMetricFamily(
            "docketline_courtlistener_docket_lookups",
            "Docket id lookups, by result (cache_hit, fetched, failed).",
            labels=["result"],
        )
        errors = CounterMetricFamily(
            "docketline_courtlistener_ingest_loop_errors",
            "Publishing passes that failed unexpectedly.",
        )
        if service is not None:
            for name, n in sorted(service.deliveries.items()):
                deliveries.add_metric([name], n)
            for name, n in sorted(service.entries.items()):
                entries.add_metric([name], n)
            try:
                counts = service.inbox.counts()
            except InboxError:
                counts = {}
            for name, n in counts.items():
                inbox.add_metric([name], n)
            for name, n in sorted(getattr(service.resolver.source, "requests", {}).items()):
                requests.add_metric([name], n)
            for name, n in sorted(service.resolver.lookups.items()):
                lookups.add_metric([name], n)
            errors.add_metric([], service.loop_errors)
        yield from (deliveries, entries, inbox, requests, lookups, errors)


def _register_metrics(app: FastAPI) -> None:
    metrics = getattr(app.state, "metrics", None)
    if metrics is None or getattr(app.state, "courtlistener_metrics", False):
        return
    metrics.registry.register(_IngestCollector(app))
    app.state.courtlistener_metrics = True
