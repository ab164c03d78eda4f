"""Calendars and Atom feeds through the real parts: the real broker, the API under uvicorn with
its own SQLite read model and feeder, the subscription log on Kafka, httpx as the client.

What the processor publishes is produced to the topics (events built by ``build_event`` from
the real classifier's readings, states folded by ``evolve``, alerts from ``detect``:
tests/readmodel_samples.py); the feeder brings it into the read model, and the test reads the
``.ics`` back with ``icalendar`` and the Atom with ``feedparser``, as a calendar app and a feed
reader would. The reference case's docket grows entry by entry: the conference its entry 3
sets is reset by entry 8 and vacated by entry 13.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import feedparser
import httpx
import icalendar
import pytest

from schemas.alerts import DEFAULT_ALERT_TYPES
from schemas.codec import encode, encode_event
from schemas.events import CaseInfo
from services.api.app import create_app
from services.core.classify import classify
from services.kafka.topics import ensure_app_topics
from services.settings import Settings, load_settings
from tests.api_server import serve
from tests.integration.test_api_deadlines import TEXTS as DOCKET
from tests.kafka_util import produce
from tests.readmodel_samples import REF_CASE_ID, SampleCase, fold

pytestmark = pytest.mark.kafka

TOKEN = {"Authorization": "Bearer tok-a"}
INFO = CaseInfo(
    court_id="cand",
    docket_number="5:25-cv-00709",
    case_name="De La Torre v. LinkedIn Corporation",
    nature_of_suit="890 Other Statutory Actions",
    date_filed=dt.date(2025, 1, 21),
)
CALENDAR = f"/api/cases/{REF_CASE_ID}/calendar.ics"
FEED = f"/api/cases/{REF_CASE_ID}/feed.atom"


def _docket(upto: int) -> SampleCase:
    """The reference case up to and including entry number ``upto``."""
    return SampleCase(
        INFO, [(n, d, t, classify(t, None, n), True) for n, d, t in DOCKET if n <= upto]
    )


@dataclass
class Live:
    settings: Settings
    api: httpx.AsyncClient

    async def publish(self, upto: int) -> None:
        """What the processor publishes for the docket up to entry ``upto`` (records it
        published before are published again: the read model keeps each once)."""
        folded = fold([_docket(upto)])
        b = self.settings.bootstrap_servers
        await produce(
            b,
            self.settings.topic_events,
            [(e.subject.encode(), encode_event(e)) for e in folded.events],
        )
        await produce(
            b, self.settings.topic_alerts, [(a.subject.encode(), encode(a)) for a in folded.alerts]
        )
        await produce(
            b, self.settings.topic_states, [(s.case_id.encode(), encode(s)) for s in folded.history]
        )

    async def until(
        self, what: str, path: str, ok: Callable[[httpx.Response], bool]
    ) -> httpx.Response:
        """GET ``path`` until ``ok`` (the feeder has caught up); fail with the last answer."""
        deadline = time.monotonic() + 60
        while not ok(r := await self.api.get(path)):
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{what}: not after 60s; last: {r.status_code} {r.text[:2000]}"
                )
            await asyncio.sleep(0.2)
        return r

    async def links(self, **filters: Any) -> dict[str, str]:
        r = await self.api.post(
            "/api/subscriptions",
            json={"url": "http://127.0.0.1:9/hook", "filters": filters},
            headers=TOKEN,
        )
        assert r.status_code == 201, r.text
        links = await self.api.get(f"/api/subscriptions/{r.json()['id']}/feeds", headers=TOKEN)
        assert links.status_code == 200, links.text
        return {"id": r.json()["id"], **links.json()}


@pytest.fixture
async def live(kafka_bootstrap: str, unique_prefix: str, tmp_path: Path) -> AsyncIterator[Live]:
    settings = load_settings(
        bootstrap_servers=kafka_bootstrap,
        topic_prefix=unique_prefix,
        data_dir=tmp_path,
        api_tokens="tok-a",
        webhook_allow_private_networks=True,
        partitions=2,
    )
    await ensure_app_topics(settings)
    with serve(create_app(settings)) as url:
        async with httpx.AsyncClient(base_url=url, timeout=15.0) as api:
            yield Live(settings, api)


def _events(r: httpx.Response) -> dict[str, icalendar.Event]:
    assert r.headers["content-type"] == "text/calendar; charset=utf-8"
    cal = icalendar.Calendar.from_ical(r.content)
    assert str(cal["VERSION"]) == "2.0" and cal.get("PRODID")
    return {str(e["SUMMARY"]).split(": ", 1)[1].lower(): e for e in cal.walk("VEVENT")}


def _has(n: int) -> Callable[[httpx.Response], bool]:
    """The calendar shows ``n`` events."""
    return lambda r: (
        r.status_code == 200 and len(icalendar.Calendar.from_ical(r.content).walk("VEVENT")) == n
    )


async def test_a_reset_keeps_the_uid_and_a_vacate_cancels_in_case_and_subscription_calendars(
    live: Live,
) -> None:
    await live.publish(upto=5)
    first = await live.until("the case calendar", CALENDAR, _has(2))
    events = _events(first)
    due = events["case management statement due"]
    assert due.decoded("DTSTART") == dt.date(2025, 4, 22)  # the reference case's entry 3
    assert "Case Management Statement due by 4/22/2025" in str(due["DESCRIPTION"])
    assert str(due["SUMMARY"]).startswith("De La Torre v. LinkedIn Corporation: ")
    conference = events["case management conference"]
    assert conference.decoded("DTSTART") == dt.datetime(2025, 4, 29, 10, 0)
    assert str(conference["STATUS"]) == "CONFIRMED"

    sub = await live.links(query="linkedin", alert_types=["status.changed"])
    in_sub = _events(await live.api.get(sub["calendar_url"]))
    assert {str(e["UID"]) for e in in_sub.values()} == {str(e["UID"]) for e in events.values()}

    await live.publish(upto=8)
    moved = await live.until(
        "the reset conference",
        CALENDAR,
        lambda r: b"DTSTART:20250506T133000" in r.content,
    )
    assert moved.headers["etag"] != first.headers["etag"]
    reset = _events(moved)["case management conference"]
    assert str(reset["UID"]) == str(conference["UID"])
    assert reset.decoded("DTSTART") == dt.datetime(2025, 5, 6, 13, 30)
    assert int(reset["SEQUENCE"]) > int(conference["SEQUENCE"])
    assert _events(moved)["case management statement due"] == due  # untouched, byte for byte

    await live.publish(upto=13)
    gone = await live.until(
        "the vacated conference", CALENDAR, lambda r: b"STATUS:CANCELLED" in r.content
    )
    by_uid = {str(e["UID"]): e for e in _events(gone).values()}
    cancelled = by_uid[str(conference["UID"])]
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert int(cancelled["SEQUENCE"]) > int(reset["SEQUENCE"])
    assert str(by_uid[str(due["UID"])]["STATUS"]) == "CONFIRMED"  # a closed case keeps it listed

    sub_gone = {str(e["UID"]): e for e in _events(await live.api.get(sub["calendar_url"])).values()}
    assert str(sub_gone[str(conference["UID"])]["STATUS"]) == "CANCELLED"
    assert int(sub_gone[str(conference["UID"])]["SEQUENCE"]) == int(cancelled["SEQUENCE"])

    again = await live.api.get(CALENDAR, headers={"If-None-Match": gone.headers["etag"]})
    assert again.status_code == 304


async def test_atom_feeds_parse_without_bozo_and_a_deleted_subscription_is_gone(
    live: Live,
) -> None:
    sub = await live.links(case_ids=[REF_CASE_ID])
    await live.publish(upto=13)
    case_feed = await live.until(
        "the case feed",
        FEED,
        lambda r: r.status_code == 200 and len(feedparser.parse(r.content).entries) == len(DOCKET),
    )
    assert case_feed.headers["content-type"] == "application/atom+xml; charset=utf-8"
    parsed = feedparser.parse(case_feed.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert [e.id for e in parsed.entries] == [
        f"urn:docketline:entry:cand:5:25-cv-00709%23{n}" for n, _, _ in reversed(DOCKET)
    ]
    assert "open \u2192 closed" in parsed.entries[1].title

    alerts = await live.until(
        "the subscription feed",
        sub["feed_url"],
        lambda r: r.status_code == 200 and len(feedparser.parse(r.content).entries) > 0,
    )
    feed = feedparser.parse(alerts.content)
    assert not feed.bozo, feed.get("bozo_exception")
    wanted = {"case_id": REF_CASE_ID, "type": list(DEFAULT_ALERT_TYPES)}  # no alert_types filter
    listed = (await live.api.get("/api/alerts", params=wanted)).json()["items"]
    assert listed
    assert [e.id for e in feed.entries] == [f"urn:docketline:alert:{a['id']}" for a in listed]
    assert any("open \u2192 closed" in e.title for e in feed.entries)
    assert alerts.headers["cache-control"] == "private, max-age=300"

    path = f"/api/subscriptions/{sub['id']}/feed.atom"
    assert (await live.api.get(path)).status_code == 401
    assert (await live.api.get(path, params={"token": "tok-a"})).status_code == 401
    assert (await live.api.get(path, params={"token": "dlf_" + "A" * 43})).status_code == 403
    deleted = await live.api.delete(f"/api/subscriptions/{sub['id']}", headers=TOKEN)
    assert deleted.status_code == 204
    for url in (sub["feed_url"], sub["calendar_url"]):
        r = await live.api.get(url)
        assert r.status_code == 410 and r.json() == {
            "detail": f"subscription {sub['id']} was deleted"
        }
