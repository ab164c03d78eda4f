"""A fast path for the two hot reads, ``GET /api/cases/{case_id}`` and ``GET /api/cases``.

FastAPI's per-request machinery (routing, dependency solving, parameter
validation, the thread-pool hop of a sync endpoint) costs several times what
the read model does for these requests (~2 ms of CPU against 0.1-0.2 ms for a
lookup). :class:`FastReads` answers the plain, valid forms of the two requests
itself, with the same bytes and headers as the routes in
:mod:`services.api.routes.cases` (it calls the same serialisers), and passes
every other request to the app unchanged: anything it does not recognise with
certainty — an ``as_of``, an unknown, repeated, empty or invalid parameter, a
case the read model does not have (404), read authentication, a store error —
takes the normal route, which answers (or refuses) it as it always did. The
OpenAPI document is the routes', so it still describes these answers.

It sits inside :class:`~services.api.metrics.LatencyMiddleware` and sets
``scope["route"]`` to the route it stands for, so the latency histogram
labels the request as the route would.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any, get_args
from urllib.parse import parse_qsl

from fastapi.exceptions import RequestValidationError
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from schemas.vocabulary import DispositionType, Status
from services.api.cursor import CursorError, decode_case_cursor
from services.api.deps import valid_case_id, valid_court
from services.api.routes.cases import case_json, case_page_json, case_page_json_spliced
from services.readmodel.sqlite import SqliteReadModel
from services.readmodel.store import MAX_PAGE_SIZE, CaseQuery, QueryError, ReadModel
from services.readmodel.values import SORT_FIELDS

CASE_PATH = "/api/cases/{case_id}"
LIST_PATH = "/api/cases"
_CASE_PREFIX = "/api/cases/"

_STATUSES = frozenset(get_args(Status))
_DISPOSITIONS = frozenset(get_args(DispositionType))
_SORTS = frozenset(SORT_FIELDS)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_LIST_KEYS = frozenset({"status", "disposition", "court"})
_MAX_LENGTH = {"nature_of_suit": 200, "q": 500, "cursor": 2048}
_DATE_KEYS = ("filed_from", "filed_to", "terminated_from", "terminated_to")
_SCALAR_KEYS = frozenset(
    {"nature_of_suit", "class_action", "q", "sort", "order", "cursor", "limit", *_DATE_KEYS}
)
_HEADERS = [(b"content-type", b"application/json")]
LIST_THREADS = 2
_LIST_THREAD = ThreadPoolExecutor(max_workers=LIST_THREADS, thread_name_prefix="list-pages")
"""List pages run on these few threads, not Starlette's pool of 40 and not the event loop.

With 16 concurrent clients the pool ran up to 16 threads, each with its own SQLite
connection and page cache, taking turns at the GIL: 4.5-4.9 ms of server CPU per page
at 1M cases against ~0.3 ms in process. Two threads: 1.3 ms, p99 28 ms, 952 pages/s
(one: 1.1 ms, p99 38 ms; on the event loop itself: 0.6 ms, p99 24 ms, but a slow query,
an uncounted filter or a full-text search, would then hold every other request).
"""


class _NotPlain(Exception):
    """The request is not one the fast path answers: the app's route does."""


class FastReads:
    """Pure ASGI middleware answering plain case lookups and list pages (see the module doc)."""

    def __init__(self, app: ASGIApp, routes: dict[str, BaseRoute]) -> None:
        self.app = app
        self._case_route = routes[CASE_PATH]
        self._list_route = routes[LIST_PATH]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and not scope.get("root_path"):
            path: str = scope["path"]
            state = scope["app"].state if "app" in scope else None
            body: bytes | None = None
            if path.startswith(_CASE_PREFIX) and state is not None:
                body = _lookup(state, path[len(_CASE_PREFIX) :], scope["query_string"])
                route = self._case_route
            elif path == LIST_PATH and state is not None:
                body = await _list(state, scope["query_string"])
                route = self._list_route
            if body is not None:
                scope["route"] = route
                await send(
                    {
                        "type": "http.response.start",
                        "status": 200,
                        "headers": [(b"content-length", str(len(body)).encode()), *_HEADERS],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


def _store(state: Any) -> ReadModel | None:
    """The open store, or None when the app's own path must answer (not open, reads need a token)."""
    if getattr(state, "read_guard", None) is not None:
        return None
    store: ReadModel | None = getattr(state, "store", None)
    return store


def _lookup(state: Any, case_id: str, query_string: bytes) -> bytes | None:
    store = _store(state)
    if store is None or query_string or not case_id or "/" in case_id:
        return None
    try:
        valid_case_id(case_id)
        found = store.get_case(case_id)  # one index probe: cheaper than a thread hop
    except Exception:  # noqa: BLE001 - the route answers (422, 5xx) the way it always does
        return None
    return None if found is None else case_json(found)


async def _list(state: Any, query_string: bytes) -> bytes | None:
    store = _store(state)
    if store is None:
        return None
    try:
        query = _case_query(query_string)
    except (_NotPlain, RequestValidationError, CursorError, QueryError, ValueError):
        return None
    try:
        loop = asyncio.get_running_loop()
        if isinstance(store, SqliteReadModel):  # the summaries are JSON already: splice them
            return case_page_json_spliced(
                await loop.run_in_executor(_LIST_THREAD, store.list_cases_json, query)
            )
        return case_page_json(await loop.run_in_executor(_LIST_THREAD, store.list_cases, query))
    except Exception:  # noqa: BLE001 - the route answers store errors the way it always does
        return None


def _case_query(query_string: bytes) -> CaseQuery:
    """The list's parameters, read as FastAPI reads the route's, when each is plainly valid."""
    lists: dict[str, list[str]] = {k: [] for k in _LIST_KEYS}
    scalars: dict[str, str] = {}
    for key, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
        if not value or not value.isascii():
            raise _NotPlain(key)
        if key in lists:
            lists[key].append(value)
        elif key in _SCALAR_KEYS and key not in scalars:
            if len(value) > _MAX_LENGTH.get(key, 2048):
                raise _NotPlain(key)
            scalars[key] = value
        else:  # an unknown or repeated parameter: the route decides what it means
            raise _NotPlain(key)
    statuses = lists["status"]
    dispositions = lists["disposition"]
    if not _STATUSES.issuperset(statuses) or not _DISPOSITIONS.issuperset(dispositions):
        raise _NotPlain("vocabulary")
    sort = scalars.get("sort", "updated_at")
    order = scalars.get("order", "desc")
    limit = scalars.get("limit", "50")
    class_action = scalars.get("class_action")
    if (
        sort not in _SORTS
        or order not in ("asc", "desc")
        or class_action not in (None, "true", "false")
    ):
        raise _NotPlain("choice")
    if not limit.isdigit() or limit.startswith("0") or int(limit) > MAX_PAGE_SIZE:
        raise _NotPlain("limit")
    dates: dict[str, dt.date | None] = {}
    for key in _DATE_KEYS:
        raw = scalars.get(key)
        if raw is not None and not _DATE.fullmatch(raw):
            raise _NotPlain(key)
        dates[key] = dt.date.fromisoformat(raw) if raw is not None else None
    cursor = scalars.get("cursor")
    return CaseQuery(
        statuses=tuple(statuses),  # type: ignore[arg-type]  # checked against the Literal above
        dispositions=tuple(dispositions),  # type: ignore[arg-type]
        courts=tuple(dict.fromkeys(valid_court(c) for c in lists["court"])),
        nature_of_suit=scalars.get("nature_of_suit"),
        class_action=None if class_action is None else class_action == "true",
        filed_from=dates["filed_from"],
        filed_to=dates["filed_to"],
        terminated_from=dates["terminated_from"],
        terminated_to=dates["terminated_to"],
        q=scalars.get("q"),
        sort=sort,  # one of SORT_FIELDS (checked above)
        descending=order == "desc",
        after=decode_case_cursor(cursor) if cursor is not None else None,
        limit=int(limit),
    )
