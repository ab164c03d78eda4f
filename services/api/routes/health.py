"""``/healthz`` and ``/metrics``: is the API serving, and how far behind the log is it."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, HTTPException, Request, Response, status
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from services.api.auth import may_read_operations
from services.api.deps import get_feeder, get_store
from services.api.models import BrokerOut, FeederOut, HealthOut, QuarantineOut
from services.quarantine import Quarantine

QUARANTINE_LATEST = 5

router = APIRouter(tags=["operations"])


@router.get(
    "/healthz",
    summary="Health: broker reachability and read-model lag",
    description=(
        "200 whenever the API serves. `status` is `degraded` while the feeder cannot reach the "
        "broker (the API keeps serving what the read model holds); `feeder.lag` says how many "
        "records per topic the read model is behind the log; `quarantine` counts the records a reader "
        "of the topics (feeder, dispatcher, rebuild, check) could not apply and kept aside, with the "
        "latest few. When reads require a token (`DOCKETLINE_READ_REQUIRES_TOKEN`), the detail is "
        "shown only to a token with the `read` scope; others get `status` alone."
    ),
)
async def healthz(request: Request) -> HealthOut:
    if not may_read_operations(request):
        feeder = get_feeder(request)
        st = feeder.status() if feeder is not None else None
        return HealthOut(
            status="degraded" if st is not None and st.broker_reachable is False else "ok"
        )
    store = get_store(request)
    feeder = get_feeder(request)
    st = feeder.status() if feeder is not None else None
    reachable = st.broker_reachable if st is not None else None
    counts = await asyncio.to_thread(store.counts)
    quarantine: Quarantine | None = getattr(request.app.state, "quarantine", None)
    kept, latest = (
        await asyncio.to_thread(lambda: (quarantine.counts(), quarantine.latest(QUARANTINE_LATEST)))
        if quarantine is not None
        else ({}, [])
    )
    return HealthOut(
        status="degraded" if reachable is False else "ok",
        broker=BrokerOut(reachable=reachable, last_error=st.last_error if st else None),
        feeder=FeederOut.of(st),
        read_model=counts,
        quarantine=QuarantineOut.of(kept, latest),
    )


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={
        200: {
            "content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}},
            "description": "Prometheus text format.",
        }
    },
)
def metrics(request: Request) -> Response:
    if not may_read_operations(request):
        # the body names readers, topics and counts: when reads require a token, so does this
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "reads require a token with the 'read' scope (DOCKETLINE_READ_REQUIRES_TOKEN)",
            headers={"WWW-Authenticate": 'Bearer realm="docketline"'},
        )
    registry = request.app.state.metrics.registry
    return Response(content=generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
