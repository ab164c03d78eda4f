"""CourtListener REST resolver: retries, Retry-After, errors, and the TTL cache.

The API is driven through ``httpx.MockTransport`` (a fake server in-process);
the integration test covers the same paths against a real local HTTP server.
"""

from __future__ import annotations

import asyncio
import email.utils
from collections.abc import Callable
from pathlib import Path

import httpx
import orjson
import pytest
from pydantic import SecretStr

from services.ingest.courtlistener_api import (
    ApiPolicy,
    CourtListenerApi,
    CourtListenerResponseError,
    CourtListenerUnavailable,
    DocketCache,
    DocketInfo,
    DocketNotFound,
    DocketResolver,
    docket_from_api,
    parse_retry_after,
)
from tests.courtlistener_util import REF_DOCKET, REF_DOCKET_ID

BASE = "https://cl.test/api/rest/v4/"
Handler = Callable[[httpx.Request], httpx.Response]


class Clock:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class Server:
    """Scripted answers, in order; the last one repeats. Records every request."""

    def __init__(self, *answers: httpx.Response | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


def ok(doc: dict[str, object] = REF_DOCKET) -> httpx.Response:
    return httpx.Response(200, json=doc)


def api(server: Server, sleeps: list[float], **policy: float) -> CourtListenerApi:
    async def sleep(s: float) -> None:
        sleeps.append(s)

    client = httpx.AsyncClient(transport=httpx.MockTransport(server))
    return CourtListenerApi(
        client,
        BASE.rstrip("/"),  # a base without the trailing slash works too
        SecretStr("cl-secret"),
        ApiPolicy(**policy),  # type: ignore[arg-type]
        sleep=sleep,
        clock=Clock(),
    )


async def test_a_docket_resolves_to_court_and_number_with_the_token_and_field_list() -> None:
    server, sleeps = Server(ok()), []
    info = await api(server, sleeps).docket(REF_DOCKET_ID)
    assert info == DocketInfo(
        docket_id=REF_DOCKET_ID,
        court_id="cand",
        docket_number="5:25-cv-00709",
        case_name="De La Torre v. LinkedIn Corporation",
        date_filed="2025-01-21",
        nature_of_suit="890 Other Statutory Actions",
        cause="28:1332 Diversity-Breach of Contract",
        jurisdiction_type="Diversity",
    )
    (req,) = server.requests
    assert req.method == "GET"
    assert req.url.path == f"/api/rest/v4/dockets/{REF_DOCKET_ID}/"
    assert req.headers["authorization"] == "Token cl-secret"
    assert set(req.url.params["fields"].split(",")) >= {"court_id", "docket_number", "case_name"}
    assert sleeps == []


async def test_503_then_200_is_retried_after_the_backoff() -> None:
    server, sleeps = Server(httpx.Response(503, text="upstream down"), ok()), []
    info = await api(server, sleeps, backoff_base=0.25).docket(REF_DOCKET_ID)
    assert info.court_id == "cand"
    assert len(server.requests) == 2
    assert sleeps == [0.25]


async def test_429_honours_retry_after_in_seconds_and_as_a_date() -> None:
    later = email.utils.formatdate(Clock().now + 7, usegmt=True)
    server, sleeps = (
        Server(
            httpx.Response(429, headers={"Retry-After": "3"}),
            httpx.Response(503, headers={"Retry-After": later}),
            ok(),
        ),
        [],
    )
    await api(server, sleeps).docket(REF_DOCKET_ID)
    assert sleeps == [3.0, 7.0]


async def test_a_retry_after_longer_than_the_policy_ends_the_lookup_with_that_delay() -> None:
    server, sleeps = Server(httpx.Response(429, headers={"Retry-After": "600"}), ok()), []
    with pytest.raises(CourtListenerUnavailable) as info:
        await api(server, sleeps, max_retry_after=10).docket(REF_DOCKET_ID)
    assert info.value.retry_after == 600
    assert "retry after 600s" in str(info.value)
    assert len(server.requests) == 1 and sleeps == []


async def test_still_failing_after_every_attempt_is_unavailable_with_the_last_error() -> None:
    server, sleeps = Server(httpx.Response(502, text="Bad Gateway")), []
    with pytest.raises(CourtListenerUnavailable) as info:
        await api(server, sleeps, attempts=3, backoff_base=1, backoff_cap=1.5).docket(42)
    assert len(server.requests) == 3
    assert sleeps == [1.0, 1.5]
    assert "after 3 attempts" in str(info.value) and "HTTP 502: Bad Gateway" in str(info.value)
    assert info.value.docket_id == 42
    assert info.value.retry_after is None  # no Retry-After: the inbox uses its own backoff


async def test_timeouts_and_refused_connections_are_retried() -> None:
    server = Server(
        httpx.ConnectError("connection refused"), httpx.ReadTimeout("read timed out"), ok()
    )
    sleeps: list[float] = []
    assert (await api(server, sleeps).docket(REF_DOCKET_ID)).docket_number == "5:25-cv-00709"
    assert len(server.requests) == 3


async def test_404_is_not_found_at_once() -> None:
    server, sleeps = (
        Server(httpx.Response(404, json={"detail": "No Docket matches the given query."})),
        [],
    )
    with pytest.raises(DocketNotFound, match="docket 7: not found"):
        await api(server, sleeps).docket(7)
    assert len(server.requests) == 1 and sleeps == []


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        (
            httpx.Response(401, json={"detail": "Invalid token."}),
            'HTTP 401 from CourtListener: {"detail":"Invalid token."}',
        ),
        (httpx.Response(200, text="<html>maintenance</html>"), "Invalid JSON"),
        (httpx.Response(200, json={**REF_DOCKET, "court_id": None}), "court_id"),
        (httpx.Response(200, json={**REF_DOCKET, "docket_number": ""}), "docket_number"),
    ],
    ids=["bad-token", "not-json", "no-court", "empty-number"],
)
async def test_an_unusable_answer_is_a_response_error_without_retries(
    answer: httpx.Response, says: str
) -> None:
    server, sleeps = Server(answer), []
    with pytest.raises(CourtListenerResponseError) as info:
        await api(server, sleeps).docket(REF_DOCKET_ID)
    assert says in str(info.value)
    assert len(server.requests) == 1


def test_retry_after_values() -> None:
    assert parse_retry_after("120", 0) == 120
    assert parse_retry_after(None, 0) is None
    assert parse_retry_after("soon", 0) is None
    assert parse_retry_after(email.utils.formatdate(100, usegmt=True), 160) == 0.0


def test_docket_from_api_ignores_fields_it_does_not_read() -> None:
    info = docket_from_api(
        1, orjson.dumps({"court_id": "nysd", "docket_number": "1:19-cv-01234", "x": [1]})
    )
    assert (info.court_id, info.docket_number, info.case_name) == ("nysd", "1:19-cv-01234", None)


# --- the cache ------------------------------------------------------------------------

REF_INFO = DocketInfo(REF_DOCKET_ID, "cand", "5:25-cv-00709", "De La Torre v. LinkedIn Corporation")


def test_the_cache_keeps_an_entry_for_its_ttl_in_memory_and_in_sqlite(tmp_path: Path) -> None:
    clock = Clock()
    cache = DocketCache(tmp_path / "c.sqlite", ttl=60, clock=clock)
    cache.put(REF_INFO)
    assert cache.get_memory(REF_DOCKET_ID) == REF_INFO
    cache.close()
    clock.now += 59
    reopened = DocketCache(tmp_path / "c.sqlite", ttl=60, clock=clock)
    assert reopened.get_memory(REF_DOCKET_ID) is None  # a new process starts cold in memory
    assert reopened.get(REF_DOCKET_ID) == REF_INFO  # but SQLite still has it
    assert reopened.get_memory(REF_DOCKET_ID) == REF_INFO
    clock.now += 2
    assert reopened.get(REF_DOCKET_ID) is None  # expired
    reopened.close()


def test_the_memory_cache_is_bounded(tmp_path: Path) -> None:
    cache = DocketCache(None, ttl=60, clock=Clock(), memory_size=2)
    for i in (1, 2, 3):
        cache.put(DocketInfo(i, "cand", f"5:25-cv-0000{i}"))
    assert [cache.get(i) is not None for i in (1, 2, 3)] == [False, True, True]


async def test_the_resolver_asks_once_per_docket_also_when_asked_concurrently(
    tmp_path: Path,
) -> None:
    server, sleeps = Server(ok()), []
    resolver = DocketResolver(api(server, sleeps), DocketCache(tmp_path / "c.sqlite", ttl=60))
    got = await asyncio.gather(*(resolver.resolve(REF_DOCKET_ID) for _ in range(5)))
    assert {g.docket_number for g in got} == {"5:25-cv-00709"}
    assert len(server.requests) == 1
    assert await resolver.resolve(REF_DOCKET_ID) == got[0]
    assert len(server.requests) == 1
    assert resolver.lookups == {"fetched": 1, "cache_hit": 5}


async def test_a_failed_lookup_is_not_cached(tmp_path: Path) -> None:
    server, sleeps = Server(httpx.Response(404), ok()), []
    resolver = DocketResolver(api(server, sleeps), DocketCache(tmp_path / "c.sqlite", ttl=60))
    with pytest.raises(DocketNotFound):
        await resolver.resolve(REF_DOCKET_ID)
    assert (await resolver.resolve(REF_DOCKET_ID)).court_id == "cand"
    assert len(server.requests) == 2
    assert resolver.lookups == {"failed": 1, "fetched": 1}
