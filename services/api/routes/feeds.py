"""Calendars (``.ics``) and Atom feeds of cases and subscriptions, for the tools people use.

* ``GET /api/cases/{case_id}/calendar.ics`` and ``.../feed.atom``: read routes
  like the case's JSON (open, or a bearer token with ``read`` when
  ``DOCKETLINE_READ_REQUIRES_TOKEN`` is set);
* ``GET /api/subscriptions/{id}/calendar.ics`` and ``.../feed.atom``: opened
  by the subscription's **feed token** in the query (``?token=``), because
  calendar apps and feed readers cannot send headers. The token is a read-only
  capability for these two routes of that one subscription
  (:mod:`services.api.feed_tokens`); its owner gets it, with the two URLs,
  from ``GET /api/subscriptions/{id}/feeds`` (bearer token with
  ``subscriptions``).

The routes only read and hand plain values to the pure renderers
(:mod:`services.api.calendars`, :mod:`services.api.feeds`,
:mod:`services.api.feed_selection`). Every answer carries a strong ETag over
its bytes (``If-None-Match`` gets a 304), ``Last-Modified`` and
``Cache-Control``. See docs/feeds.md.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from email.utils import format_datetime
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from schemas.projection import CaseSnapshot
from services.api.auth import RequireSubscriptions
from services.api.calendars import (
    EPOCH,
    CaseCalendar,
    StampedEntry,
    calendar_events,
    entry_stamp,
    last_modified,
    render_calendar,
)
from services.api.deps import Store, read_access, valid_case_id
from services.api.feed_selection import alert_prefilter, case_matches, case_prefilter
from services.api.feed_tokens import feed_token, opens, well_formed
from services.api.feeds import (
    Feed,
    alert_item,
    case_feed_id,
    entry_item,
    newest,
    render_atom,
    subscription_feed_id,
)
from services.api.models import ErrorOut
from services.api.routes.cases import CaseId
from services.api.routes.dashboard import _etags
from services.api.routes.subscriptions import _log, _own
from services.dispatcher.matching import matches
from services.dispatcher.model import Subscription, SubscriptionFilters
from services.readmodel.store import MAX_PAGE_SIZE, ReadModel, StoredAlert
from services.readmodel.values import CaseSummary, case_summary
from services.readmodel.views import case_deadlines, timeline_page

router = APIRouter(prefix="/api", tags=["calendars and feeds"])

ICS: Final = "text/calendar; charset=utf-8"
ATOM: Final = "application/atom+xml; charset=utf-8"
MAX_AGE: Final = 300
MAX_CALENDAR_CASES: Final = 200
"""A subscription's calendar lists at most this many matching cases (most recently updated first)."""
MAX_CASE_SCAN: Final = 20 * MAX_PAGE_SIZE
MAX_ALERT_SCAN: Final = 50 * MAX_PAGE_SIZE
"""How many alerts a subscription feed reads at most to find its matches."""
FEED_LIMIT_MAX: Final = 500


def _body(media: str, what: str) -> dict[int | str, dict[str, Any]]:
    return {
        200: {
            "content": {media.split(";")[0]: {"schema": {"type": "string"}}},
            "description": what,
        },
        304: {"description": "Not modified: the `If-None-Match` ETag is current."},
    }


CASE_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorOut, "description": "No such case in the read model."},
}
FEED_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "No feed token, or not a feed token."},
    403: {"model": ErrorOut, "description": "The feed token does not open this subscription."},
    404: {"model": ErrorOut, "description": "No such subscription."},
    410: {"model": ErrorOut, "description": "The subscription was deleted."},
    503: {"model": ErrorOut, "description": "The subscription log cannot be read."},
}

FeedToken = Annotated[
    str | None,
    Query(
        max_length=200,
        description="The subscription's feed token (`dlf_...`, from `GET /api/subscriptions/{id}/feeds`). "
        "A read-only capability for this subscription's calendar and feed; never an API token.",
    ),
]
Limit = Annotated[int, Query(ge=1, le=FEED_LIMIT_MAX, description="How many items, newest first.")]


def _answer(
    request: Request,
    body: bytes,
    media_type: str,
    modified: dt.datetime | None,
    *,
    private: bool,
    filename: str | None = None,
) -> Response:
    """``body`` with its ETag and cache headers, or a 304 when the client has it."""
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {
        "ETag": etag,
        "Cache-Control": f"{'private' if private else 'public'}, max-age={MAX_AGE}",
        "X-Content-Type-Options": "nosniff",
    }
    if private:
        headers["Referrer-Policy"] = "no-referrer"
    if modified is not None:
        headers["Last-Modified"] = format_datetime(modified.astimezone(dt.UTC), usegmt=True)
    wanted = _etags(request.headers.get("if-none-match"))
    if etag in wanted or "*" in wanted:
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    if filename is not None:
        headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return Response(content=body, media_type=media_type, headers=headers)


def _case_link(request: Request, case_id: str) -> str:
    """The case's page on the dashboard."""
    return f"{request.base_url}#/case/{case_id}"


def _filename(case_id: str, ext: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in case_id) + ext


def _case_or_404(store: ReadModel, case_id: str) -> CaseSnapshot:
    valid_case_id(case_id)
    state = store.get_case(case_id)
    if state is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no case {case_id} in the read model")
    return state


def _case_calendar(store: ReadModel, case: CaseSummary, link: str) -> CaseCalendar:
    part = store.timeline(case.case_id, None, max(1, case.entry_count))
    items = case_deadlines(event for _, event in part.entries)
    stamped = [StampedEntry(r.entry_key, entry_stamp(r.time, r.date)) for r, _ in part.entries]
    return CaseCalendar(case.case_id, case.case_name, link, calendar_events(items, stamped))


def _private(request: Request) -> bool:
    return getattr(request.app.state, "read_guard", None) is not None


@router.get(
    "/cases/{case_id}/calendar.ics",
    response_class=Response,
    summary="A case's calendar as iCalendar (RFC 5545)",
    description=(
        "The deadlines of `GET /api/cases/{case_id}/deadlines` as `VEVENT`s: all-day, or at the "
        "docket's local time (floating). UIDs are stable per deadline, so a reset deadline "
        "replaces its event (same UID, new date, higher SEQUENCE) and a vacated one is "
        "`STATUS:CANCELLED`. Subscribe to the URL in a calendar app."
    ),
    responses={**_body(ICS, "The iCalendar document."), **CASE_ERRORS},
    dependencies=[Depends(read_access)],
)
def case_calendar(request: Request, store: Store, case_id: CaseId) -> Response:
    state = _case_or_404(store, case_id)
    cal = _case_calendar(store, case_summary(state), _case_link(request, case_id))
    name = f"{state.case_name or case_id} ({case_id})"
    body = render_calendar(name, f"Deadlines of {name}, read from its docket by docketline.", [cal])
    return _answer(
        request,
        body,
        ICS,
        last_modified([cal]),
        private=_private(request),
        filename=_filename(case_id, ".ics"),
    )


@router.get(
    "/cases/{case_id}/feed.atom",
    response_class=Response,
    summary="A case's docket entries as an Atom feed",
    description=(
        "The case's docket entries, newest first in docket order (the latest `limit`), each "
        "with its class, its text and the status change it caused. Entry ids are "
        "`urn:docketline:entry:` + the entry key, stable across polls. The case's alerts are "
        "in the feed of a subscription to it (`filters.case_ids`)."
    ),
    responses={**_body(ATOM, "The Atom document."), **CASE_ERRORS},
    dependencies=[Depends(read_access)],
)
def case_feed(request: Request, store: Store, case_id: CaseId, limit: Limit = 100) -> Response:
    state = _case_or_404(store, case_id)
    part = store.timeline(case_id, None, max(1, state.entry_count))
    page = timeline_page(state, dataclasses.replace(part, entries=part.entries[-limit:]))
    link = _case_link(request, case_id)
    items = tuple(entry_item(case_id, state.case_name, i, link) for i in reversed(page.items))
    fallback = state.updated_at or EPOCH
    feed = Feed(
        id=case_feed_id(case_id),
        title=f"{state.case_name or case_id} ({case_id})",
        subtitle=f"Docket entries of {case_id}, newest first (docketline).",
        updated=newest(items, fallback),
        link=link,
        self_link=str(request.url),
        items=items,
    )
    return _answer(request, render_atom(feed), ATOM, feed.updated, private=_private(request))


# --------------------------------------------------------------------------- subscriptions


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def _opened(request: Request, sub_id: str, token: str | None) -> Subscription:
    """The subscription ``token`` opens: 401 without a feed token, 404 / 410 for an
    unknown / deleted subscription, 403 for a feed token that is not this one's."""
    headers = {"WWW-Authenticate": 'Bearer realm="docketline feeds"'}
    if not token:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "missing feed token (?token=)", headers=headers
        )
    if not well_formed(token):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "not a feed token: use the token of GET /api/subscriptions/{id}/feeds "
            "(an API token is never accepted here)",
            headers=headers,
        )
    sub_log = await _log(request)
    sub = sub_log.get(sub_id)
    if sub is None:
        if sub_log.was_deleted(sub_id):
            raise HTTPException(status.HTTP_410_GONE, f"subscription {sub_id} was deleted")
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no subscription {sub_id}")
    if not opens(sub, token, _now()):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, f"this feed token does not open subscription {sub_id}"
        )
    return sub


def _matching_cases(store: ReadModel, filters: SubscriptionFilters) -> list[CaseSummary]:
    """The cases of a subscription's calendar (see services.api.feed_selection)."""
    if filters.case_ids:
        found = (store.get_case(c) for c in filters.case_ids[:MAX_CALENDAR_CASES])
        return [
            s for s in (case_summary(f) for f in found if f is not None) if case_matches(filters, s)
        ]
    query = case_prefilter(filters, MAX_PAGE_SIZE)
    out: list[CaseSummary] = []
    scanned = 0
    while len(out) < MAX_CALENDAR_CASES and scanned < MAX_CASE_SCAN:
        page = store.list_cases(query)
        scanned += len(page.items)
        out.extend(c for c in page.items if case_matches(filters, c))
        if page.next is None:
            break
        query = dataclasses.replace(query, after=page.next)
    return out[:MAX_CALENDAR_CASES]


def _matching_alerts(
    store: ReadModel, filters: SubscriptionFilters, limit: int
) -> list[StoredAlert]:
    """The newest ``limit`` alerts ``filters`` match (reading at most ``MAX_ALERT_SCAN``)."""
    prefilter = alert_prefilter(filters)
    out: list[StoredAlert] = []
    before: int | None = None
    scanned = 0
    while len(out) < limit and scanned < MAX_ALERT_SCAN:
        rows = store.recent_alerts(prefilter, before=before, limit=MAX_PAGE_SIZE)
        if not rows:
            break
        scanned += len(rows)
        out.extend(r for r in rows if matches(filters, r.alert))
        before = rows[-1].seq
    return out[:limit]


@router.get(
    "/subscriptions/{sub_id}/calendar.ics",
    response_class=Response,
    summary="A subscription's calendar as iCalendar (token in the URL)",
    description=(
        "The deadlines of the cases the subscription's filters match (the filters about a case: "
        "`case_ids`, `courts`, `query`, `nature_of_suit`, `class_action_only`; at most "
        f"{MAX_CALENDAR_CASES} cases, most recently updated first), as in the case calendar. "
        "Opened by `?token=` (the subscription's feed token), since calendar apps cannot send "
        "headers: see docs/feeds.md for what the token can do and the risk of a URL token."
    ),
    responses={**_body(ICS, "The iCalendar document."), **FEED_ERRORS},
)
async def subscription_calendar(
    request: Request, store: Store, sub_id: str, token: FeedToken = None
) -> Response:
    sub = await _opened(request, sub_id, token)

    def build() -> list[CaseCalendar]:
        cases = _matching_cases(store, sub.filters)
        return [_case_calendar(store, c, _case_link(request, c.case_id)) for c in cases]

    cals = await run_in_threadpool(build)
    name = f"docketline subscription {sub.id}"
    about = f"Deadlines of the {len(cals)} case(s) subscription {sub.id} matches."
    body = render_calendar(name, about, cals)
    return _answer(request, body, ICS, last_modified(cals), private=True, filename=f"{sub.id}.ics")


@router.get(
    "/subscriptions/{sub_id}/feed.atom",
    response_class=Response,
    summary="A subscription's alerts as an Atom feed (token in the URL)",
    description=(
        "The newest alerts the subscription's filters match (the same matching as its webhook, "
        "including alerts published before it was created), newest first. Entry ids are "
        "`urn:docketline:alert:` + the alert id. Opened by `?token=`, like the calendar."
    ),
    responses={**_body(ATOM, "The Atom document."), **FEED_ERRORS},
)
async def subscription_feed(
    request: Request, store: Store, sub_id: str, token: FeedToken = None, limit: Limit = 100
) -> Response:
    sub = await _opened(request, sub_id, token)
    rows = await run_in_threadpool(_matching_alerts, store, sub.filters, limit)
    items = tuple(alert_item(r.alert, _case_link(request, r.alert.data.case_id)) for r in rows)
    feed = Feed(
        id=subscription_feed_id(sub.id),
        title=f"docketline subscription {sub.id}",
        subtitle="Alerts this subscription matches, newest first.",
        updated=newest(items, sub.created_at),
        link=str(request.base_url),
        self_link=None,  # its URL holds the token: not written into the document
        items=items,
    )
    return _answer(request, render_atom(feed), ATOM, feed.updated, private=True)


class FeedLinksOut(BaseModel):
    token: str = Field(description="The feed token (`dlf_...`): read-only, this subscription only.")
    calendar_url: str
    feed_url: str


@router.get(
    "/subscriptions/{sub_id}/feeds",
    response_model=FeedLinksOut,
    summary="The calendar and feed URLs of a subscription (with its feed token)",
    description=(
        "For the subscription's owner (bearer token with `subscriptions`). The URLs carry the "
        "feed token: whoever has them reads this subscription's calendar and feed, and nothing "
        "else. Rotating the signing secret rotates the token; deleting the subscription ends it."
    ),
    responses={404: {"model": ErrorOut, "description": "No such subscription of yours."}},
)
async def subscription_feed_links(
    request: Request, sub_id: str, caller: RequireSubscriptions
) -> FeedLinksOut:
    sub = _own(await _log(request), sub_id, caller)
    token = feed_token(sub.id, sub.secret)
    base = f"{request.base_url}api/subscriptions/{sub.id}"
    return FeedLinksOut(
        token=token,
        calendar_url=f"{base}/calendar.ics?token={token}",
        feed_url=f"{base}/feed.atom?token={token}",
    )
