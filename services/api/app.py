"""The read API's one bootstrap: ``create_app(settings, store=None, start_feeder=True)``.

Nothing is created at import time. ``create_app`` builds the FastAPI app from
frozen settings and the parts it is given; the lifespan opens the default read
model (SQLite at ``settings.data_dir / "readmodel.sqlite"``) when no store was
passed, starts the feeder that keeps it in step with the log, and stops both
on shutdown. Tests pass their own store and ``start_feeder=False``.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.routing import APIRoute

from services.api.deps import ReadGuard
from services.api.fastpath import CASE_PATH, LIST_PATH, FastReads
from services.api.feed_tokens import redact_access_log
from services.api.metrics import ApiMetrics, LatencyMiddleware
from services.api.routes import ROUTERS
from services.quarantine import Quarantine
from services.readmodel.feeder import Feeder, FeederStatus
from services.readmodel.store import ReadModel, open_read_model
from services.settings import Settings

API_VERSION = "1.0.0"

DESCRIPTION = """\
Read API of **docketline**, an event-sourced litigation timeline service.

Case projections, docket timelines, status-change alerts and statistics, served
from a read model that a feeder keeps in step with the processor's output
topics (`case.states`, `docket.events`, `case.alerts`). `/healthz` says how far
behind the log the read model is.

A `case_id` is `{court_id}:{docket_number}` with the docket number normalised,
e.g. `cand:5:25-cv-00709`. Lists use opaque cursors: pass `next_cursor` back as
`cursor`; it is null on the last page. Bad parameters get a 422 naming the
parameter and the reason.
"""


class ApiConfigError(Exception):
    """The settings ask for something this installation cannot do."""


def _check_tokens(settings: Settings) -> None:
    """Refuse to start on a token whose scope list names an unknown scope (not a 500 per request)."""
    from services.api.auth import TokenScopeError, parse_token

    for token in settings.api_tokens:
        try:
            parse_token(token)
        except TokenScopeError as exc:
            raise ApiConfigError(str(exc)) from exc


def _read_guard(settings: Settings) -> ReadGuard | None:
    """HOOK: bearer-token auth on read routes when ``read_requires_token`` is set.

    Expects ``services.api.auth.check_read_access(request) -> None`` (raising
    ``HTTPException`` 401/403). Fails closed: if reads must be authenticated
    and that module is missing, the app refuses to start.
    """
    if not settings.read_requires_token:
        return None
    try:
        auth = importlib.import_module("services.api.auth")
        guard: ReadGuard = auth.check_read_access
    except (ImportError, AttributeError) as exc:
        raise ApiConfigError(
            "DOCKETLINE_READ_REQUIRES_TOKEN is set but services.api.auth.check_read_access "
            "(bearer-token auth) is not available"
        ) from exc
    return guard


def create_app(
    settings: Settings,
    store: ReadModel | None = None,
    start_feeder: bool = True,
    *,
    publish_courtlistener: bool = True,
) -> FastAPI:
    """Build the API. ``store`` defaults to SQLite under ``settings.data_dir`` (opened at startup).

    ``start_feeder`` and ``publish_courtlistener`` start the two background loops that
    exactly one process per data directory may run (the read model's feeder, the
    CourtListener inbox's publisher); ``docketline api --workers N`` runs them in
    process 0 only."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = store is None
        active: ReadModel = (
            store if store is not None else await asyncio.to_thread(open_read_model, settings)
        )
        app.state.store = active
        quarantine = app.state.quarantine = await asyncio.to_thread(Quarantine.of, settings)
        feeder = Feeder(settings, active, quarantine=quarantine) if start_feeder else None
        app.state.feeder = feeder
        if feeder is not None:
            feeder.start()
        try:
            yield
        finally:
            if feeder is not None:
                await feeder.stop()
            quarantine.close()
            if own:
                active.close()

    app = FastAPI(
        title="docketline",
        version=API_VERSION,
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.store = store
    app.state.feeder = None
    app.state.courtlistener_publish = publish_courtlistener
    _check_tokens(settings)
    redact_access_log()  # feed URLs carry a token (services.api.feed_tokens)
    app.state.read_guard = _read_guard(settings)

    def feeder_status() -> FeederStatus | None:
        feeder: Feeder | None = app.state.feeder
        return feeder.status() if feeder is not None else None

    def quarantine_counts() -> dict[tuple[str, str], int]:
        quarantine: Quarantine | None = getattr(app.state, "quarantine", None)
        return quarantine.counts() if quarantine is not None else {}

    app.state.metrics = ApiMetrics(feeder_status, quarantine_counts)
    for router in ROUTERS:
        app.include_router(router)
    routes = {
        r.path: r
        for router in ROUTERS
        for r in router.routes
        if isinstance(r, APIRoute) and "GET" in (r.methods or ())
    }
    # the last added is the outer one: the latency histogram also times the fast path
    app.add_middleware(FastReads, routes={p: routes[p] for p in (CASE_PATH, LIST_PATH)})
    app.add_middleware(LatencyMiddleware, histogram=app.state.metrics.latency)
    return app
