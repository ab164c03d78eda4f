"""CourtListener docket-alert webhooks end to end: real API server, real Kafka, real HTTP.

A stand-in for CourtListener's REST API v4 (a Starlette app served by uvicorn
on a free loopback port) answers ``dockets/{id}/`` for the reference case,
*De La Torre v. LinkedIn Corporation* (CourtListener id invented). The
docketline API runs under uvicorn with ``create_app(settings,
start_feeder=False)``, its base URL for CourtListener taken from settings,
and publishes to the session's Kafka broker.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from schemas.codec import decode_event
from services.api.app import create_app
from services.ingest.courtlistener_api import ApiPolicy
from services.ingest.courtlistener_worker import WebhookConfig
from services.settings import Settings, load_settings
from tests.api_server import serve
from tests.courtlistener_util import (
    DISMISSAL_TEXT,
    REF_CASE_ID,
    REF_DOCKET,
    REF_DOCKET_ID,
    complaint_entry,
    dismissal_entry,
    webhook_bytes,
)
from tests.kafka_util import read_all

pytestmark = pytest.mark.kafka

API_TOKEN = "tok-docketline-test"
CL_TOKEN = "cl-stand-in-token"
WAIT = 60.0
FAST = WebhookConfig(
    retry_min=0.1, retry_base=0.3, retry_cap=1.0, idle_poll=1.0, api=ApiPolicy(backoff_base=0.1)
)


@dataclass
class StandIn:
    """CourtListener's ``GET /api/rest/v4/dockets/{id}/``: the dockets it knows, scripted
    failures (``fail_next[id] = [503, ...]``, consumed in order) and a log of every call."""

    dockets: dict[int, dict[str, Any]] = field(default_factory=lambda: {REF_DOCKET_ID: REF_DOCKET})
    fail_next: dict[int, list[int]] = field(default_factory=dict)
    calls: list[tuple[int, int, str | None]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def docket(self, request: Request) -> JSONResponse:
        docket_id: int = request.path_params["docket_id"]
        auth = request.headers.get("authorization")
        with self.lock:
            script = self.fail_next.get(docket_id)
            status = script.pop(0) if script else None
            if status is None and auth != f"Token {CL_TOKEN}":
                status = 401
            if status is None and docket_id not in self.dockets:
                status = 404
            self.calls.append((docket_id, status or 200, auth))
            doc = self.dockets.get(docket_id)
        if status == 401:
            return JSONResponse({"detail": "Invalid token."}, 401)
        if status == 404:
            return JSONResponse({"detail": "No Docket matches the given query."}, 404)
        if status is not None:
            return JSONResponse(
                {"detail": "temporarily unavailable"}, status, headers={"Retry-After": "1"}
            )
        return JSONResponse(doc)

    def calls_for(self, docket_id: int) -> list[int]:
        with self.lock:
            return [status for d, status, _ in self.calls if d == docket_id]


@contextmanager
def stand_in() -> Iterator[tuple[StandIn, str]]:
    state = StandIn()
    app = Starlette(routes=[Route("/api/rest/v4/dockets/{docket_id:int}/", state.docket)])
    with serve(app) as url:
        yield state, url


def make_settings(kafka: str, prefix: str, data_dir: Path, cl_url: str) -> Settings:
    return load_settings(
        bootstrap_servers=kafka,
        topic_prefix=prefix,
        data_dir=data_dir,
        api_tokens=API_TOKEN,
        courtlistener_base_url=f"{cl_url}/api/rest/v4/",
        courtlistener_token=CL_TOKEN,
    )


@contextmanager
def docketline(settings: Settings) -> Iterator[str]:
    app = create_app(settings, start_feeder=False)
    app.state.courtlistener_ingest_config = FAST
    with serve(app) as url:
        yield url


@pytest.fixture
def running(
    kafka_bootstrap: str, unique_prefix: str, tmp_path: Path
) -> Iterator[tuple[StandIn, str]]:
    """The CourtListener stand-in and a docketline API pointed at it: (stand-in, API URL)."""
    with (
        stand_in() as (cl, cl_url),
        docketline(make_settings(kafka_bootstrap, unique_prefix, tmp_path, cl_url)) as url,
    ):
        yield cl, url


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=15.0) as c:
        yield c


AUTH = {"Authorization": f"Bearer {API_TOKEN}"}
HOOK = "/api/ingest/courtlistener"


async def post(
    client: httpx.AsyncClient, url: str, body: bytes, key: str | None, **headers: str
) -> httpx.Response:
    h = {"Content-Type": "application/json", **AUTH, **headers}
    if key is not None:
        h["Idempotency-Key"] = key
    return await client.post(url + HOOK, content=body, headers=h)


async def wait_for_delivery(
    client: httpx.AsyncClient, url: str, key: str, until: str, timeout: float = WAIT
) -> dict[str, Any]:
    """Poll the delivery until every entry has status ``until``; print what was seen if not."""
    deadline = time.monotonic() + timeout
    seen: Any = None
    while time.monotonic() < deadline:
        r = await client.get(f"{url}{HOOK}/deliveries/{key}", headers=AUTH)
        seen = r.json()
        if r.status_code == 200 and all(e["status"] == until for e in seen["entries"]):
            return dict(seen)
        await asyncio.sleep(0.1)
    raise AssertionError(f"delivery {key} not all {until!r} after {timeout}s; last seen: {seen}")


async def events_on_topic(kafka: str, prefix: str) -> list[tuple[bytes, Any]]:
    return [(r.key, decode_event(r.value)) for r in await read_all(kafka, f"{prefix}docket.events")]


# ----------------------------------------------------------------------------------------


async def test_docket_alerts_for_the_reference_case_land_once_each_keyed_by_case(
    running: tuple[StandIn, str],
    client: httpx.AsyncClient,
    kafka_bootstrap: str,
    unique_prefix: str,
) -> None:
    cl, url = running
    cl.fail_next[REF_DOCKET_ID] = [503]  # CourtListener hiccups once

    r = await post(client, url, webhook_bytes(complaint_entry()), "cl-delivery-0001")
    assert r.status_code == 202, r.text
    assert r.json() == {
        "status": "accepted",
        "idempotency_key": "cl-delivery-0001",
        "entries": 1,
        "accepted": 1,
        "duplicates": 0,
        "state": {"pending": 1, "retrying": 0, "published": 0, "rejected": 0},
        "status_url": f"{HOOK}/deliveries/cl-delivery-0001",
    }
    complaint = await wait_for_delivery(client, url, "cl-delivery-0001", "published")
    assert cl.calls_for(REF_DOCKET_ID) == [503, 200]  # retried, honouring Retry-After

    r = await post(client, url, webhook_bytes(dismissal_entry()), "cl-delivery-0002")
    assert r.status_code == 202, r.text
    dismissal = await wait_for_delivery(client, url, "cl-delivery-0002", "published")
    assert cl.calls_for(REF_DOCKET_ID) == [503, 200]  # the second webhook used the cache

    again = await post(client, url, webhook_bytes(complaint_entry()), "cl-delivery-0001")
    assert again.status_code == 200, again.text
    assert again.json()["status"] == "duplicate"
    assert (again.json()["accepted"], again.json()["duplicates"]) == (0, 1)
    assert again.json()["state"]["published"] == 1

    inbox = (await client.get(f"{url}{HOOK}/inbox", headers=AUTH)).json()
    assert inbox == {
        "state": {"pending": 0, "retrying": 0, "published": 2, "rejected": 0},
        "unsettled": [],
    }
    metrics = (await client.get(f"{url}/metrics")).text
    assert 'docketline_courtlistener_webhook_deliveries_total{outcome="accepted"} 2.0' in metrics
    assert 'docketline_courtlistener_webhook_deliveries_total{outcome="duplicate"} 1.0' in metrics
    assert 'docketline_courtlistener_api_requests_total{outcome="retryable"} 1.0' in metrics
    assert 'docketline_courtlistener_docket_lookups_total{result="cache_hit"} 1.0' in metrics

    events = await events_on_topic(kafka_bootstrap, unique_prefix)
    assert [(k, e.data.entry.entry_key, e.type) for k, e in events] == [
        (REF_CASE_ID.encode(), f"{REF_CASE_ID}#1", "case.filed"),
        (REF_CASE_ID.encode(), f"{REF_CASE_ID}#12", "case.dismissed"),
    ]
    filed, dismissed = (e for _, e in events)
    assert filed.id == complaint["entries"][0]["event_id"]
    assert dismissed.id == dismissal["entries"][0]["event_id"]
    assert filed.source == "docketline/ingest/courtlistener-webhook"
    assert filed.data.case.case_name == "De La Torre v. LinkedIn Corporation"
    assert filed.data.class_action is True
    assert dismissed.data.entry.text == DISMISSAL_TEXT
    assert str(dismissed.data.entry.date_filed) == "2025-01-30"
    assert (dismissed.data.dismissal, dismissed.data.prejudice) == ("voluntary", "without")
    assert all(auth == f"Token {CL_TOKEN}" for _, _, auth in cl.calls)


async def test_without_a_valid_token_nothing_is_accepted(
    running: tuple[StandIn, str], client: httpx.AsyncClient
) -> None:
    body = webhook_bytes(complaint_entry())
    cl, url = running
    missing = await client.post(url + HOOK, content=body, headers={"Idempotency-Key": "k1"})
    wrong = await post(client, url, body, "k1", Authorization="Bearer not-the-token")
    wrong_query = await client.post(
        url + HOOK, params={"token": "nope"}, content=body, headers={"Idempotency-Key": "k1"}
    )
    for r, says in (
        (missing, "missing bearer token"),
        (wrong, "invalid"),
        (wrong_query, "invalid"),
    ):
        assert r.status_code == 401, r.text
        assert says in r.json()["detail"]
        assert r.headers["www-authenticate"].startswith("Bearer")
    inbox = await client.get(f"{url}{HOOK}/inbox")
    assert inbox.status_code == 401
    inbox = (await client.get(f"{url}{HOOK}/inbox", headers=AUTH)).json()
    assert sum(inbox["state"].values()) == 0
    assert cl.calls == []

    # CourtListener's webhook settings hold only a URL: the token may ride in it.
    in_url = await client.post(
        url + HOOK, params={"token": API_TOKEN}, content=body, headers={"Idempotency-Key": "k1"}
    )
    assert in_url.status_code == 202, in_url.text
    await wait_for_delivery(client, url, "k1", "published")


async def test_a_bad_body_is_refused_precisely_and_nothing_is_kept(
    running: tuple[StandIn, str],
    client: httpx.AsyncClient,
    kafka_bootstrap: str,
    unique_prefix: str,
) -> None:
    cl, url = running
    not_json = await post(client, url, b"docket=69603546", "bad-1")
    assert not_json.status_code == 400, not_json.text
    assert not_json.json()["detail"][0]["type"] == "json_invalid"

    body = orjson.loads(webhook_bytes(complaint_entry(), dismissal_entry()))
    del body["payload"]["results"][1]["docket"]
    body["webhook"]["event_type"] = 2
    wrong = await post(client, url, orjson.dumps(body), "bad-2")
    assert wrong.status_code == 422, wrong.text
    problems = {tuple(d["loc"]): d["msg"] for d in wrong.json()["detail"]}
    assert problems.keys() == {
        ("body", "webhook", "event_type"),
        ("body", "payload", "results", 1, "docket"),
    }
    assert (
        "event_type 2 (search alert) is not a docket alert"
        in problems[("body", "webhook", "event_type")]
    )

    bad_key = await post(client, url, webhook_bytes(complaint_entry()), "has space")
    assert bad_key.status_code == 400, bad_key.text
    assert bad_key.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]

    ok = await post(client, url, webhook_bytes(complaint_entry()), "k-conflict")
    assert ok.status_code == 202
    conflict = await post(client, url, webhook_bytes(dismissal_entry()), "k-conflict")
    assert conflict.status_code == 409, conflict.text
    assert "different body" in conflict.json()["detail"][0]["msg"]

    for key in ("bad-1", "bad-2", "has%20space"):
        r = await client.get(f"{url}{HOOK}/deliveries/{key}", headers=AUTH)
        assert r.status_code == 404, r.text
    await wait_for_delivery(client, url, "k-conflict", "published")
    inbox = (await client.get(f"{url}{HOOK}/inbox", headers=AUTH)).json()
    assert inbox["state"]["published"] == 1 and sum(inbox["state"].values()) == 1
    assert cl.calls_for(REF_DOCKET_ID) == [200]  # refused bodies caused no lookup

    events = await events_on_topic(kafka_bootstrap, unique_prefix)
    assert [e.data.entry.entry_key for _, e in events] == [f"{REF_CASE_ID}#1"]


async def test_an_unresolvable_docket_is_kept_reported_and_published_after_a_restart(
    kafka_bootstrap: str, unique_prefix: str, tmp_path: Path, client: httpx.AsyncClient
) -> None:
    """404 from CourtListener: the entry stays in the inbox, shown with the reason; the API
    restarts; once CourtListener knows the docket, the entry is published; the same
    delivery again after the restart is still a duplicate."""
    other_id = 70112233
    other = {
        **REF_DOCKET,
        "id": other_id,
        "docket_number": "3:25-cv-01234-JSC",
        "case_name": "Doe v. Acme Corp.",
    }
    body = webhook_bytes(complaint_entry(docket=other_id))
    with stand_in() as (cl, cl_url):
        settings = make_settings(kafka_bootstrap, unique_prefix, tmp_path, cl_url)
        with docketline(settings) as url:
            r = await post(client, url, body, "cl-delivery-404")
            assert r.status_code == 202, r.text
            seen = await wait_for_delivery(client, url, "cl-delivery-404", "retrying")
            (entry,) = seen["entries"]
            assert (
                entry["last_error"] == f"docket {other_id}: not found on CourtListener (HTTP 404)"
            )
            assert entry["event_id"] is None and entry["next_attempt_at"] is not None
            inbox = (await client.get(f"{url}{HOOK}/inbox", headers=AUTH)).json()
            assert [(u["idempotency_key"], u["status"]) for u in inbox["unsettled"]] == [
                ("cl-delivery-404", "retrying")
            ]
            metrics = (await client.get(f"{url}/metrics")).text
            assert 'docketline_courtlistener_inbox_entries{status="retrying"} 1.0' in metrics
            assert 'docketline_courtlistener_docket_lookups_total{result="failed"}' in metrics

        with cl.lock:
            cl.dockets[other_id] = other
        with docketline(settings) as url:
            done = await wait_for_delivery(client, url, "cl-delivery-404", "published")
            assert done["entries"][0]["case_id"] == "cand:3:25-cv-01234"
            again = await post(client, url, body, "cl-delivery-404")
            assert again.status_code == 200 and again.json()["status"] == "duplicate"

    events = await events_on_topic(kafka_bootstrap, unique_prefix)
    assert [(k, e.data.entry.entry_key, e.type) for k, e in events] == [
        (b"cand:3:25-cv-01234", "cand:3:25-cv-01234#1", "case.filed")
    ]
    assert events[0][1].id == done["entries"][0]["event_id"]
