"""Every router of the API; ``create_app`` includes each one in ``ROUTERS``.

To add a part of the API (subscriptions, the SSE stream, ingest, the
dashboard), write ``services/api/routes/<name>.py`` with a module-level
``router`` and append it here.
"""

from __future__ import annotations

from fastapi import APIRouter

from services.api.routes import (
    alerts,
    cases,
    dashboard,
    feeds,
    health,
    ingest_courtlistener,
    stats,
    stream,
    subscriptions,
    upcoming,
)

ROUTERS: list[APIRouter] = [cases.router, alerts.router, stats.router, health.router]
ROUTERS.append(dashboard.router)
ROUTERS.append(subscriptions.router)
ROUTERS.append(stream.router)
ROUTERS.append(ingest_courtlistener.router)
ROUTERS.append(upcoming.router)
ROUTERS.append(feeds.router)
