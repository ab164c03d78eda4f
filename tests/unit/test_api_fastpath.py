"""The read API's fast path answers only plain requests and hands every other one to the app.

(That its answers are the routes' bytes is tested over HTTP in tests/integration/test_api.py.)
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest
from starlette.types import Message, Receive, Scope, Send

from services.api import fastpath
from services.api.app import create_app
from services.api.cursor import encode_case_cursor
from services.api.fastpath import CASE_PATH, LIST_PATH, FastReads
from services.api.routes import cases
from services.readmodel.memory import InMemoryReadModel
from services.readmodel.values import CaseCursor, CaseQuery
from services.settings import load_settings
from tests.readmodel_samples import REF_CASE_ID, fold


class Inner:
    """The app behind the fast path: records what reaches it."""

    def __init__(self) -> None:
        self.paths: list[str] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.paths.append(scope["path"])
        await send({"type": "http.response.start", "status": 418, "headers": []})
        await send({"type": "http.response.body", "body": b""})


def _call(path: str, query: str = "", *, read_guard: Any = None) -> tuple[list[str], list[Message]]:
    store = InMemoryReadModel()
    store.apply(fold().batch())
    app = create_app(load_settings(), store=store, start_feeder=False)
    app.state.read_guard = read_guard
    routes = {
        r.path: r for r in cases.router.routes if getattr(r, "path", None) in (CASE_PATH, LIST_PATH)
    }
    inner = Inner()
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http", "method": "GET", "path": path, "root_path": "", "app": app,
        "query_string": query.encode(), "headers": [],
    }  # fmt: skip
    asyncio.run(FastReads(inner, routes)(scope, receive, send))
    return inner.paths, sent


def test_a_plain_lookup_is_answered_without_the_app() -> None:
    reached, sent = _call(f"/api/cases/{REF_CASE_ID}")
    assert reached == []
    assert sent[0]["status"] == 200
    assert (b"content-type", b"application/json") in sent[0]["headers"]
    assert REF_CASE_ID.encode() in sent[1]["body"]


def test_a_plain_list_page_is_answered_without_the_app() -> None:
    reached, sent = _call("/api/cases", "status=closed&court=cand&limit=1")
    assert reached == []
    assert sent[0]["status"] == 200


@pytest.mark.parametrize(
    ("path", "query"),
    [
        (f"/api/cases/{REF_CASE_ID}", "as_of=2025-01-25"),  # as of a date: the route folds events
        ("/api/cases/cand:5:25-cv-99999", ""),  # no such case: the route's 404
        ("/api/cases/not-a-case-id", ""),  # the route's 422 says why
        (f"/api/cases/{REF_CASE_ID}/timeline", ""),
        ("/api/cases", "status=opn"),
        ("/api/cases", "status="),
        ("/api/cases", "limit=0"),
        ("/api/cases", "limit=050"),
        ("/api/cases", "limit=1&limit=2"),
        ("/api/cases", "class_action=yes"),
        ("/api/cases", "filed_from=20250101"),
        ("/api/cases", "filed_from=2025-02-30"),
        ("/api/cases", "court=c"),
        ("/api/cases", "cursor=forged"),
        ("/api/cases", "q=%C3%BC"),  # not ASCII
        ("/api/cases", "q=---"),  # no searchable word: CaseQuery refuses it
        ("/api/cases", "unknown=1"),
        ("/api/cases/", ""),
    ],
)
def test_anything_else_goes_to_the_app(path: str, query: str) -> None:
    reached, sent = _call(path, query)
    assert reached == [path]
    assert sent[0]["status"] == 418


def test_reads_that_need_a_token_always_go_to_the_app() -> None:
    def guard(request: object) -> None:
        return None

    assert _call(f"/api/cases/{REF_CASE_ID}", read_guard=guard)[0] == [f"/api/cases/{REF_CASE_ID}"]
    assert _call("/api/cases", read_guard=guard)[0] == ["/api/cases"]


def test_list_parameters_are_read_as_the_route_reads_them() -> None:
    cursor = CaseCursor("date_filed", False, "2024-01-01", "cand:3:24-cv-07777")
    query = fastpath._case_query(
        b"status=closed&status=stayed&disposition=settled&court=CAND&court=nysd&court=cand"
        b"&nature_of_suit=440&class_action=false&filed_from=2019-01-01&filed_to=2024-12-31"
        b"&terminated_from=2020-01-01&terminated_to=2025-01-30&q=linkedin+corp&sort=date_filed"
        b"&order=asc&limit=7&cursor=" + encode_case_cursor(cursor).encode()
    )
    assert query == CaseQuery(
        statuses=("closed", "stayed"),
        dispositions=("settled",),
        courts=("cand", "nysd"),
        nature_of_suit="440",
        class_action=False,
        filed_from=dt.date(2019, 1, 1),
        filed_to=dt.date(2024, 12, 31),
        terminated_from=dt.date(2020, 1, 1),
        terminated_to=dt.date(2025, 1, 30),
        q="linkedin corp",
        sort="date_filed",
        descending=False,
        after=cursor,
        limit=7,
    )
    assert fastpath._case_query(b"") == CaseQuery()
