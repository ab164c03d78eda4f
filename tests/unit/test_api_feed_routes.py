"""The calendar and feed routes over ASGI, with the in-memory read model and subscription log:
the token rule, the errors of every new path, conditional GETs, the OpenAPI entries.
(tests/integration/test_api_feeds.py runs them on a real server, Kafka and feeder.)"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import feedparser
import httpx
import icalendar
import pytest
from fastapi import FastAPI

from schemas.events import CaseInfo
from services.api.app import create_app
from services.api.feed_tokens import feed_token
from services.core.classify import classify
from services.dispatcher.subscriptions import InMemorySubscriptionLog
from services.readmodel.memory import InMemoryReadModel
from services.settings import Settings, load_settings
from tests.readmodel_samples import REF_CASE_ID, SampleCase, fold
from tests.unit.test_api_calendars import ENTRIES

A = {"Authorization": "Bearer tok-a"}
B = {"Authorization": "Bearer tok-b"}
REFERENCE = SampleCase(
    CaseInfo(
        court_id="cand",
        docket_number="5:25-cv-00709",
        case_name="De La Torre v. LinkedIn Corporation",
        date_filed=dt.date(2025, 1, 21),
    ),
    [(n, d, t, classify(t, None, n), True) for n, d, t in ENTRIES if n in (1, 3, 12)],
)
CALENDAR = f"/api/cases/{REF_CASE_ID}/calendar.ics"
FEED = f"/api/cases/{REF_CASE_ID}/feed.atom"


def _app(settings: Settings) -> FastAPI:
    store = InMemoryReadModel()
    store.apply(fold([REFERENCE]).batch())
    app = create_app(settings, store, start_feeder=False)
    app.state.subscription_log = InMemorySubscriptionLog()
    return app


async def _client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
        yield client


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    settings = load_settings(
        api_tokens="tok-a,tok-b", data_dir=tmp_path, webhook_allow_private_networks=True
    )
    async for client in _client(settings):
        yield client


async def _subscribe(api: httpx.AsyncClient, headers: dict[str, str] = A, **filters: object) -> str:
    r = await api.post(
        "/api/subscriptions",
        json={"url": "http://127.0.0.1:9/h", "filters": filters},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def _links(api: httpx.AsyncClient, sub_id: str) -> dict[str, str]:
    r = await api.get(f"/api/subscriptions/{sub_id}/feeds", headers=A)
    assert r.status_code == 200, r.text
    return dict(r.json())


async def test_a_case_calendar_has_its_media_type_and_cache_headers(api: httpx.AsyncClient) -> None:
    r = await api.get(CALENDAR)
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/calendar; charset=utf-8"
    assert r.headers["etag"].startswith('"') and r.headers["cache-control"] == "public, max-age=300"
    assert r.headers["last-modified"] == "Tue, 21 Jan 2025 18:00:00 GMT"
    events = icalendar.Calendar.from_ical(r.content).walk("VEVENT")
    (due,) = [e for e in events if "statement" in str(e["SUMMARY"])]
    assert due.decoded("DTSTART") == dt.date(2025, 4, 22)


async def test_an_unchanged_calendar_or_feed_answers_304(api: httpx.AsyncClient) -> None:
    for path in (CALENDAR, FEED):
        first = await api.get(path)
        again = await api.get(path, headers={"If-None-Match": first.headers["etag"]})
        assert again.status_code == 304 and again.content == b""
        assert again.headers["etag"] == first.headers["etag"]
        stale = await api.get(path, headers={"If-None-Match": '"0000"'})
        assert stale.status_code == 200 and stale.content == first.content


async def test_a_case_feed_is_atom_newest_first(api: httpx.AsyncClient) -> None:
    r = await api.get(FEED, params={"limit": 2})
    assert r.headers["content-type"] == "application/atom+xml; charset=utf-8"
    parsed = feedparser.parse(r.content)
    assert not parsed.bozo
    assert [e.id.rsplit("%23", 1)[1] for e in parsed.entries] == ["12", "3"]


@pytest.mark.parametrize("path", [CALENDAR, FEED])
async def test_unknown_and_malformed_cases_get_clear_errors(
    api: httpx.AsyncClient, path: str
) -> None:
    missing = await api.get(path.replace("00709", "00708"))
    assert missing.status_code == 404
    assert missing.json() == {"detail": "no case cand:5:25-cv-00708 in the read model"}
    bad = await api.get(path.replace(REF_CASE_ID, "not-a-case"))
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["path", "case_id"]


@pytest.mark.parametrize("limit", ["0", "501", "many"])
async def test_a_bad_feed_limit_is_a_422(api: httpx.AsyncClient, limit: str) -> None:
    r = await api.get(FEED, params={"limit": limit})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "limit"]


async def test_a_subscription_calendar_and_feed_open_with_its_feed_token(
    api: httpx.AsyncClient,
) -> None:
    sub_id = await _subscribe(api, query="linkedin")
    links = await _links(api, sub_id)
    assert links["calendar_url"] == (
        f"http://api/api/subscriptions/{sub_id}/calendar.ics?token={links['token']}"
    )
    cal = await api.get(links["calendar_url"])
    assert cal.status_code == 200 and cal.headers["content-type"].startswith("text/calendar")
    assert cal.headers["cache-control"] == "private, max-age=300"
    assert cal.headers["referrer-policy"] == "no-referrer"
    events = icalendar.Calendar.from_ical(cal.content).walk("VEVENT")
    assert any(e.decoded("DTSTART") == dt.date(2025, 4, 22) for e in events)
    feed = await api.get(links["feed_url"])
    parsed = feedparser.parse(feed.content)
    assert not parsed.bozo and [e.tags[0].term for e in parsed.entries] == ["status.changed"]
    assert "open \u2192 closed" in parsed.entries[0].title
    assert (
        links["token"].encode() not in feed.content and links["token"].encode() not in cal.content
    )


async def test_a_subscription_matching_no_case_has_an_empty_calendar_and_feed(
    api: httpx.AsyncClient,
) -> None:
    links = await _links(api, await _subscribe(api, courts=["nysd"]))
    cal = await api.get(links["calendar_url"])
    assert icalendar.Calendar.from_ical(cal.content).walk("VEVENT") == []
    feed = feedparser.parse((await api.get(links["feed_url"])).content)
    assert not feed.bozo and feed.entries == []


@pytest.mark.parametrize("route", ["calendar.ics", "feed.atom"])
async def test_the_token_rule_of_subscription_feeds(api: httpx.AsyncClient, route: str) -> None:
    mine = await _subscribe(api, query="linkedin")
    other = await _subscribe(api, headers=B)
    path = f"/api/subscriptions/{mine}/{route}"
    missing = await api.get(path)
    assert missing.status_code == 401 and missing.headers["www-authenticate"].startswith("Bearer")
    assert "missing feed token" in missing.json()["detail"]
    api_token = await api.get(path, params={"token": "tok-a"})  # an API token is never one
    assert api_token.status_code == 401 and "not a feed token" in api_token.json()["detail"]
    header_only = await api.get(path, headers=A)  # nor does a bearer header open it
    assert header_only.status_code == 401
    wrong = await api.get(path, params={"token": feed_token(mine, "whsec_guess")})
    assert wrong.status_code == 403
    r = await api.get(f"/api/subscriptions/{other}/feeds", headers=B)
    assert r.status_code == 200
    crossed = await api.get(path, params={"token": r.json()["token"]})
    assert crossed.status_code == 403
    too_long = await api.get(path, params={"token": "dlf_" + "a" * 300})
    assert too_long.status_code == 422


@pytest.mark.parametrize("route", ["calendar.ics", "feed.atom"])
async def test_unknown_and_deleted_subscriptions(api: httpx.AsyncClient, route: str) -> None:
    sub_id = await _subscribe(api)
    token = (await _links(api, sub_id))["token"]
    unknown = await api.get(
        f"/api/subscriptions/sub_000000000000000000000000/{route}", params={"token": token}
    )
    assert unknown.status_code == 404 and "no subscription" in unknown.json()["detail"]
    assert (await api.delete(f"/api/subscriptions/{sub_id}", headers=A)).status_code == 204
    gone = await api.get(f"/api/subscriptions/{sub_id}/{route}", params={"token": token})
    assert gone.status_code == 410 and gone.json() == {
        "detail": f"subscription {sub_id} was deleted"
    }


async def test_rotating_the_secret_without_overlap_ends_the_old_feed_url(
    api: httpx.AsyncClient,
) -> None:
    sub_id = await _subscribe(api)
    old = await _links(api, sub_id)
    r = await api.post(
        f"/api/subscriptions/{sub_id}/rotate-secret", json={"overlap_seconds": 0}, headers=A
    )
    assert r.status_code == 200
    assert (await api.get(old["feed_url"])).status_code == 403
    new = await _links(api, sub_id)
    assert new["token"] != old["token"] and (await api.get(new["feed_url"])).status_code == 200


async def test_feed_links_belong_to_the_owner_only(api: httpx.AsyncClient) -> None:
    sub_id = await _subscribe(api)
    assert (await api.get(f"/api/subscriptions/{sub_id}/feeds")).status_code == 401
    assert (await api.get(f"/api/subscriptions/{sub_id}/feeds", headers=B)).status_code == 404
    token = (await _links(api, sub_id))["token"]
    as_bearer = await api.get("/api/subscriptions", headers={"Authorization": f"Bearer {token}"})
    assert as_bearer.status_code == 401  # a feed token manages nothing


async def test_when_reads_need_a_token_case_feeds_need_a_bearer_not_a_feed_token(
    tmp_path: Path,
) -> None:
    settings = load_settings(
        api_tokens="read:tok-r,tok-a",
        read_requires_token=True,
        data_dir=tmp_path,
        webhook_allow_private_networks=True,
    )
    async for api in _client(settings):
        assert (await api.get(CALENDAR)).status_code == 401
        links = await _links(api, await _subscribe(api))
        assert (await api.get(CALENDAR, params={"token": links["token"]})).status_code == 401
        ok = await api.get(CALENDAR, headers={"Authorization": "Bearer tok-r"})
        assert ok.status_code == 200 and ok.headers["cache-control"] == "private, max-age=300"
        assert (await api.get(links["calendar_url"])).status_code == 200


async def test_openapi_shows_the_routes_with_their_media_types(api: httpx.AsyncClient) -> None:
    paths = (await api.get("/openapi.json")).json()["paths"]
    for path, media in [
        ("/api/cases/{case_id}/calendar.ics", "text/calendar"),
        ("/api/cases/{case_id}/feed.atom", "application/atom+xml"),
        ("/api/subscriptions/{sub_id}/calendar.ics", "text/calendar"),
        ("/api/subscriptions/{sub_id}/feed.atom", "application/atom+xml"),
    ]:
        responses = paths[path]["get"]["responses"]
        assert media in responses["200"]["content"], (path, responses["200"])
        assert "404" in responses
    token = paths["/api/subscriptions/{sub_id}/feed.atom"]["get"]["parameters"]
    assert any(p["name"] == "token" and p["in"] == "query" for p in token)
    assert {"401", "403", "410"} <= set(
        paths["/api/subscriptions/{sub_id}/calendar.ics"]["get"]["responses"]
    )
    assert "/api/subscriptions/{sub_id}/feeds" in paths
