"""``GET /api/stats``: counts for the dashboard's charts."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from services.api.deps import Store, read_access
from services.api.models import StatsOut

router = APIRouter(prefix="/api", tags=["stats"], dependencies=[Depends(read_access)])


@router.get(
    "/stats",
    summary="Counts by status, disposition and court; openings and closings per month",
    description="Months are `YYYY-MM` of `date_filed` (openings) and `date_terminated` (closings).",
)
def get_stats(store: Store) -> StatsOut:
    return StatsOut.of(store.stats())
