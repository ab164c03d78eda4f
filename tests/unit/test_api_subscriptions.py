"""``/api/subscriptions`` and bearer auth, over ASGI with the in-memory subscription log
(the Kafka log runs the same API in tests/integration/test_webhooks.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from services.api.app import create_app
from services.api.auth import caller_identity, token_is_valid
from services.dispatcher.subscriptions import InMemorySubscriptionLog
from services.readmodel.memory import InMemoryReadModel
from services.settings import Settings, load_settings

A = {"Authorization": "Bearer token-a"}
B = {"Authorization": "Bearer token-b"}
PUBLIC = "https://93.184.215.14/hooks/docketline"


def build_app(settings: Settings) -> FastAPI:
    app = create_app(settings, InMemoryReadModel(), start_feeder=False)
    app.state.subscription_log = InMemorySubscriptionLog()
    return app


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(api_tokens="token-a, token-b", data_dir=tmp_path)


@pytest.fixture
async def api(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=build_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
        yield client


def test_token_comparison_and_identity() -> None:
    tokens = (SecretStr("alpha"), SecretStr("beta"))
    assert token_is_valid("beta", tokens)
    assert not token_is_valid("bet", tokens)
    assert not token_is_valid("", (SecretStr(""),))
    assert caller_identity("alpha") == caller_identity("alpha") != caller_identity("beta")
    assert "alpha" not in caller_identity("alpha")


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic dG9rZW4tYQ=="}]
)
async def test_subscriptions_require_a_valid_bearer_token(
    api: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    r = await api.get("/api/subscriptions", headers=headers)
    assert r.status_code == 401
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert "token-a" not in r.text


async def test_no_configured_tokens_means_no_access(tmp_path: Path) -> None:
    app = build_app(load_settings(data_dir=tmp_path))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://api"
    ) as c:
        r = await c.post("/api/subscriptions", json={"url": PUBLIC}, headers=A)
    assert r.status_code == 401


async def test_create_returns_id_and_secret_once(api: httpx.AsyncClient) -> None:
    r = await api.post(
        "/api/subscriptions",
        json={
            "url": PUBLIC,
            "filters": {
                "query": "LinkedIn",
                "transitions": ["any -> closed"],
                "case_ids": ["cand:5:25-CV-709"],
            },
        },
        headers=A,
    )
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["id"].startswith("sub_") and created["secret"].startswith("whsec_")
    assert r.headers["location"] == f"/api/subscriptions/{created['id']}"
    assert created["filters"]["transitions"] == ["any->closed"]
    assert created["filters"]["case_ids"] == ["cand:5:25-cv-00709"]
    got = (await api.get(f"/api/subscriptions/{created['id']}", headers=A)).json()
    assert "secret" not in got and got["state"] == "active"
    listed = (await api.get("/api/subscriptions", headers=A)).json()
    assert [s["id"] for s in listed] == [created["id"]] and "secret" not in listed[0]


async def test_a_caller_sees_and_changes_only_its_own(api: httpx.AsyncClient) -> None:
    mine = (await api.post("/api/subscriptions", json={"url": PUBLIC}, headers=A)).json()["id"]
    theirs = (await api.post("/api/subscriptions", json={"url": PUBLIC}, headers=B)).json()["id"]
    assert [s["id"] for s in (await api.get("/api/subscriptions", headers=A)).json()] == [mine]
    for method, path in [
        ("GET", f"/api/subscriptions/{theirs}"),
        ("DELETE", f"/api/subscriptions/{theirs}"),
        ("POST", f"/api/subscriptions/{theirs}/pause"),
        ("POST", f"/api/subscriptions/{theirs}/resume"),
        ("GET", f"/api/subscriptions/{theirs}/deliveries"),
    ]:
        assert (await api.request(method, path, headers=A)).status_code == 404, (method, path)
    assert (await api.get(f"/api/subscriptions/{theirs}", headers=B)).json()["state"] == "active"


async def test_pause_resume_delete(api: httpx.AsyncClient) -> None:
    sid = (await api.post("/api/subscriptions", json={"url": PUBLIC}, headers=A)).json()["id"]
    paused = (await api.post(f"/api/subscriptions/{sid}/pause", headers=A)).json()
    assert paused["state"] == "paused"
    assert (await api.post(f"/api/subscriptions/{sid}/pause", headers=A)).json()[
        "state"
    ] == "paused"
    resumed = (await api.post(f"/api/subscriptions/{sid}/resume", headers=A)).json()
    assert (resumed["state"], resumed["state_reason"]) == ("active", None)
    assert (await api.delete(f"/api/subscriptions/{sid}", headers=A)).status_code == 204
    assert (await api.get(f"/api/subscriptions/{sid}", headers=A)).status_code == 404


async def test_deliveries_are_empty_before_the_dispatcher_ever_ran(api: httpx.AsyncClient) -> None:
    sid = (await api.post("/api/subscriptions", json={"url": PUBLIC}, headers=A)).json()["id"]
    r = await api.get(f"/api/subscriptions/{sid}/deliveries", headers=A)
    assert (r.status_code, r.json()) == (200, [])


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "2130706433",
        "0x7f000001",
        "0177.0.0.1",
        "127.1",
        "[::1]",
        "169.254.169.254",
        "10.0.0.1",
        "100.64.0.1",
        "[::ffff:127.0.0.1]",
        "0.0.0.0",
    ],
)
async def test_internal_urls_are_refused_at_registration(api: httpx.AsyncClient, host: str) -> None:
    r = await api.post("/api/subscriptions", json={"url": f"http://{host}:8080/hook"}, headers=A)
    assert r.status_code == 422, r.text
    assert "refused" in r.json()["detail"]
    assert (await api.get("/api/subscriptions", headers=A)).json() == []


@pytest.mark.parametrize("url", ["ftp://93.184.215.14/x", "file:///etc/passwd", "not a url"])
async def test_non_http_urls_are_refused(api: httpx.AsyncClient, url: str) -> None:
    assert (await api.post("/api/subscriptions", json={"url": url}, headers=A)).status_code == 422


async def test_allow_private_networks_permits_loopback_for_development(tmp_path: Path) -> None:
    s = load_settings(api_tokens="token-a", data_dir=tmp_path, webhook_allow_private_networks=True)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=build_app(s)), base_url="http://api"
    ) as c:
        r = await c.post("/api/subscriptions", json={"url": "http://127.0.0.1:9/h"}, headers=A)
        assert r.status_code == 201
        r = await c.post("/api/subscriptions", json={"url": "http://169.254.169.254/"}, headers=A)
        assert r.status_code == 422


@pytest.mark.parametrize(
    "filters",
    [
        {"transitions": ["closed"]},
        {"case_ids": ["linkedin"]},
        {"alert_types": ["case.exploded"]},
        {"colour": "red"},
    ],
)
async def test_invalid_filters_are_422(api: httpx.AsyncClient, filters: dict[str, object]) -> None:
    r = await api.post("/api/subscriptions", json={"url": PUBLIC, "filters": filters}, headers=A)
    assert r.status_code == 422


async def test_stream_requires_a_token_when_reads_are_protected(tmp_path: Path) -> None:
    s = load_settings(api_tokens="token-a", data_dir=tmp_path, read_requires_token=True)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=build_app(s)), base_url="http://api"
    ) as c:
        assert (await c.get("/api/alerts/stream")).status_code == 401
        assert (
            await c.get("/api/alerts/stream", headers={"Authorization": "Bearer x"})
        ).status_code == 401
        # the same guard protects the other read routes (create_app installs check_read_access)
        assert (await c.get("/api/alerts")).status_code == 401
        assert (await c.get("/api/alerts", headers=A)).status_code == 200


@pytest.mark.parametrize(
    "value", ["²".encode("latin-1"), "١٢".encode(), b"-1", b"1e3", str(2**63).encode()]
)
async def test_a_last_event_id_that_is_not_an_alert_seq_is_a_400(
    api: httpx.AsyncClient, value: bytes
) -> None:
    r = await api.get("/api/alerts/stream", headers={"Last-Event-ID": value})  # type: ignore[dict-item]
    assert r.status_code == 400, r.text
    assert "Last-Event-ID" in r.json()["detail"]


@pytest.mark.parametrize("since", [str(10**20), str(2**63), "-1"])
async def test_a_since_beyond_the_seq_range_is_a_422(api: httpx.AsyncClient, since: str) -> None:
    r = await api.get("/api/alerts/stream", params={"since": since})
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"] == ["query", "since"]


async def test_rotating_the_secret_returns_the_new_one_once(api: httpx.AsyncClient) -> None:
    created = (await api.post("/api/subscriptions", json={"url": PUBLIC}, headers=A)).json()
    r = await api.post(
        f"/api/subscriptions/{created['id']}/rotate-secret",
        json={"overlap_seconds": 3600},
        headers=A,
    )
    assert r.status_code == 200, r.text
    rotated = r.json()
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != created["secret"]
    assert rotated["previous_secret_valid_until"] is not None
    got = (await api.get(f"/api/subscriptions/{created['id']}", headers=A)).json()
    assert "secret" not in got and "previous_secret" not in got
    assert (
        await api.post(f"/api/subscriptions/{created['id']}/rotate-secret", headers=B)
    ).status_code == 404
    for bad in (-1, 7 * 86400 + 1):
        r = await api.post(
            f"/api/subscriptions/{created['id']}/rotate-secret",
            json={"overlap_seconds": bad},
            headers=A,
        )
        assert r.status_code == 422
