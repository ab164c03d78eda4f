"""Token scopes: each token may do only what its scopes allow (``read``, ``ingest``,
``subscriptions``, ``admin``), over ASGI with the in-memory read model and subscription log."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from services.api.app import ApiConfigError, create_app
from services.api.auth import SCOPES, TokenScopeError, parse_token, token_scopes
from services.dispatcher.subscriptions import InMemorySubscriptionLog
from services.readmodel.memory import InMemoryReadModel
from services.settings import Settings, load_settings

PUBLIC = "https://93.184.215.14/hooks/docketline"
TOKENS = "read:tok-read, subscriptions:tok-subs, ingest:tok-ingest, read+subscriptions:tok-both, tok-legacy"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _settings(tmp_path: Path, **kw: object) -> Settings:
    return load_settings(api_tokens=TOKENS, data_dir=tmp_path, **kw)


async def _client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, InMemoryReadModel(), start_feeder=False)
    app.state.subscription_log = InMemorySubscriptionLog()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://api"
    ) as c:
        yield c


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async for c in _client(_settings(tmp_path)):
        yield c


@pytest.fixture
async def closed_api(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async for c in _client(_settings(tmp_path, read_requires_token=True)):
        yield c


def test_a_token_carries_its_scopes_and_one_without_a_list_is_admin() -> None:
    assert parse_token(SecretStr("read+ingest:abc")).scopes == {"read", "ingest"}
    assert parse_token(SecretStr("read+ingest:abc")).secret.get_secret_value() == "abc"
    assert parse_token(SecretStr("abc")).scopes == {"admin"}
    # a token with a colon that is not a scope list stays whole
    legacy = parse_token(SecretStr("Abc:9f:x"))
    assert (legacy.secret.get_secret_value(), legacy.scopes) == ("Abc:9f:x", {"admin"})
    with pytest.raises(TokenScopeError, match="writ"):
        parse_token(SecretStr("writ:abc"))
    tokens = (SecretStr("read:abc"), SecretStr("ingest:def"))
    assert token_scopes("def", tokens) == {"ingest"}
    assert token_scopes("read:abc", tokens) is None  # the scope list is not part of the secret
    assert token_scopes("", (SecretStr(""),)) is None
    assert set(SCOPES) == {"read", "ingest", "subscriptions", "admin"}


def test_the_api_refuses_to_start_on_an_unknown_scope(tmp_path: Path) -> None:
    with pytest.raises(ApiConfigError, match="unknown scope"):
        create_app(
            load_settings(api_tokens="reed:x", data_dir=tmp_path),
            InMemoryReadModel(),
            start_feeder=False,
        )


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("tok-subs", 201),
        ("tok-both", 201),
        ("tok-legacy", 201),
        ("tok-read", 403),
        ("tok-ingest", 403),
    ],
)
async def test_only_a_subscriptions_token_manages_subscriptions(
    api: httpx.AsyncClient, token: str, expected: int
) -> None:
    r = await api.post("/api/subscriptions", json={"url": PUBLIC}, headers=bearer(token))
    assert r.status_code == expected, r.text
    if expected == 403:
        assert "subscriptions" in r.json()["detail"]
        assert (await api.get("/api/subscriptions", headers=bearer(token))).status_code == 403


@pytest.mark.parametrize(("token", "expected"), [("tok-read", 403), ("tok-subs", 403)])
async def test_the_courtlistener_inbox_needs_the_ingest_scope(
    api: httpx.AsyncClient, token: str, expected: int
) -> None:
    for path in ("/api/ingest/courtlistener/inbox", "/api/ingest/courtlistener/deliveries/k"):
        r = await api.get(path, headers=bearer(token))
        assert r.status_code == expected, (path, r.text)
    r = await api.post("/api/ingest/courtlistener", params={"token": token}, json={})
    assert r.status_code == expected, r.text


async def test_an_ingest_token_passes_the_scope_check_of_the_inbox(api: httpx.AsyncClient) -> None:
    # no CourtListener service runs in this app: past the scope check the answer is its 503
    r = await api.get("/api/ingest/courtlistener/inbox", headers=bearer("tok-ingest"))
    assert r.status_code == 503, r.text


async def test_open_reads_need_no_token_and_show_operations(api: httpx.AsyncClient) -> None:
    assert (await api.get("/api/alerts")).status_code == 200
    health = (await api.get("/healthz")).json()
    assert health["read_model"] is not None and health["quarantine"] is not None
    assert (await api.get("/metrics")).status_code == 200


@pytest.mark.parametrize("token", ["tok-read", "tok-both", "tok-legacy"])
async def test_protected_reads_need_the_read_scope(
    closed_api: httpx.AsyncClient, token: str
) -> None:
    assert (await closed_api.get("/api/alerts", headers=bearer(token))).status_code == 200
    assert (await closed_api.get("/api/stats", headers=bearer(token))).status_code == 200
    assert (await closed_api.get("/metrics", headers=bearer(token))).status_code == 200
    health = (await closed_api.get("/healthz", headers=bearer(token))).json()
    assert health["read_model"] is not None and health["feeder"] is not None


@pytest.mark.parametrize("token", ["tok-subs", "tok-ingest"])
async def test_a_token_without_read_cannot_read_when_reads_are_protected(
    closed_api: httpx.AsyncClient, token: str
) -> None:
    r = await closed_api.get("/api/alerts", headers=bearer(token))
    assert r.status_code == 403 and "read" in r.json()["detail"]
    assert (await closed_api.get("/api/alerts/stream", headers=bearer(token))).status_code == 403
    assert (await closed_api.get("/metrics", headers=bearer(token))).status_code == 401


async def test_protected_operations_hide_their_detail_without_a_read_token(
    closed_api: httpx.AsyncClient,
) -> None:
    r = await closed_api.get("/metrics")
    assert r.status_code == 401 and "docketline_" not in r.text
    health = await closed_api.get("/healthz")
    assert health.status_code == 200
    body = health.json()
    assert body["status"] == "ok"
    assert body["read_model"] is None and body["quarantine"] is None and body["feeder"] is None
