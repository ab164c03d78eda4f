"""The webhook inbox (SQLite) and the loop that publishes from it.

The loop runs with an in-memory event sink and CourtListener's API behind
``httpx.MockTransport``; the integration test runs it with Kafka and a real
HTTP stand-in.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import orjson
import pytest
from pydantic import SecretStr

from schemas.events import DocketEvent
from services.ingest.courtlistener_api import (
    ApiPolicy,
    CourtListenerApi,
    DocketCache,
    DocketResolver,
)
from services.ingest.courtlistener_inbox import IdempotencyConflict, Inbox, Settled
from services.ingest.courtlistener_webhook import body_digest, entry_json, parse_body
from services.ingest.courtlistener_worker import WebhookConfig, WebhookIngest
from services.ingest.ledger import Ledger
from services.ingest.publisher import EventSink, PublishError, SendResult
from tests.courtlistener_util import (
    REF_CASE_ID,
    REF_DOCKET,
    REF_DOCKET_ID,
    complaint_entry,
    dismissal_entry,
    webhook_bytes,
)

T0 = 1_700_000_000.0


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


def accept(inbox: Inbox, key: str, raw: bytes, now: float = T0) -> object:
    body = parse_body(raw)
    entries = [(e.docket, entry_json(e)) for e in body.payload.results]
    return inbox.accept(key, body_digest(raw), raw, entries, now)


# --- the inbox --------------------------------------------------------------------------


def test_a_delivery_is_stored_once_and_its_key_survives_a_restart(tmp_path: Path) -> None:
    raw = webhook_bytes(complaint_entry(), dismissal_entry())
    inbox = Inbox(tmp_path / "inbox.sqlite")
    first = accept(inbox, "k1", raw)
    assert (first.duplicate, first.entries, first.counts["pending"]) == (False, 2, 2)  # type: ignore[attr-defined]
    inbox.close()
    reopened = Inbox(tmp_path / "inbox.sqlite")
    again = accept(reopened, "k1", raw)
    assert (again.duplicate, again.entries) == (True, 2)  # type: ignore[attr-defined]
    assert reopened.counts() == {"pending": 2, "retrying": 0, "published": 0, "rejected": 0}
    assert reopened.body("k1") == raw  # kept byte for byte
    reopened.close()


def test_the_same_key_with_another_body_is_a_conflict_and_stores_nothing(tmp_path: Path) -> None:
    inbox = Inbox(tmp_path / "inbox.sqlite")
    accept(inbox, "k1", webhook_bytes(complaint_entry()))
    with pytest.raises(IdempotencyConflict, match="different body"):
        accept(inbox, "k1", webhook_bytes(dismissal_entry()))
    assert inbox.counts()["pending"] == 1
    inbox.close()


def test_due_entries_come_in_arrival_order_and_settled_ones_leave_the_open_set(
    tmp_path: Path,
) -> None:
    inbox = Inbox(tmp_path / "inbox.sqlite")
    accept(inbox, "b-later", webhook_bytes(dismissal_entry()), now=T0 + 1)
    accept(inbox, "a-first", webhook_bytes(complaint_entry(), dismissal_entry()), now=T0)
    assert [(d.key, d.idx) for d in inbox.due(T0 + 1, 10)] == [
        ("a-first", 0),
        ("a-first", 1),
        ("b-later", 0),
    ]
    inbox.settle(
        [
            Settled("a-first", 0, "published", event_id="ev_1", case_id=REF_CASE_ID),
            Settled("a-first", 1, "retrying", "docket 1: not found", next_attempt_at=T0 + 30),
        ],
        T0 + 2,
    )
    assert [(d.key, d.idx) for d in inbox.due(T0 + 2, 10)] == [("b-later", 0)]
    assert inbox.next_due() == T0 + 1
    view = inbox.delivery("a-first")
    assert view is not None
    assert [(e.status, e.attempts, e.last_error, e.event_id) for e in view.entries] == [
        ("published", 1, None, "ev_1"),
        ("retrying", 1, "docket 1: not found", None),
    ]
    assert [e.key for e in inbox.unsettled(10)] == ["b-later", "a-first"]
    inbox.close()


# --- the loop ---------------------------------------------------------------------------


class ListSink:
    """In-memory ``EventSink``: keeps what it was sent; ``fail`` makes every send fail."""

    topic = "docket.events"

    def __init__(self) -> None:
        self.events: list[DocketEvent] = []
        self.fail: str | None = None
        self.opened = 0
        self.refuse_open: str | None = None

    async def send(self, events: Sequence[DocketEvent]) -> list[SendResult]:
        if self.fail:
            return [SendResult(error=self.fail) for _ in events]
        self.events.extend(events)
        return [SendResult(partition=0, offset=len(self.events) - 1) for _ in events]

    @asynccontextmanager
    async def open(self) -> AsyncIterator[EventSink]:
        if self.refuse_open:
            raise PublishError(self.refuse_open)
        self.opened += 1
        yield self


class DocketServer:
    """CourtListener's ``dockets/{id}/`` for the dockets it knows; ``down`` answers 503."""

    def __init__(self) -> None:
        self.known = {REF_DOCKET_ID: REF_DOCKET}
        self.down = False
        self.calls: list[int] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        docket = int(request.url.path.rstrip("/").rsplit("/", 1)[1])
        self.calls.append(docket)
        if self.down:
            return httpx.Response(503, headers={"Retry-After": "120"})
        if docket not in self.known:
            return httpx.Response(404, json={"detail": "No Docket matches the given query."})
        return httpx.Response(200, json=self.known[docket])


@pytest.fixture
def parts(tmp_path: Path) -> tuple[WebhookIngest, ListSink, DocketServer, Clock]:
    clock, sink, server = Clock(), ListSink(), DocketServer()
    client = httpx.AsyncClient(transport=httpx.MockTransport(server))

    async def no_sleep(_: float) -> None:
        return None

    api = CourtListenerApi(
        client, "https://cl.test/api/rest/v4/", SecretStr("t"), ApiPolicy(), sleep=no_sleep
    )
    resolver = DocketResolver(api, DocketCache(tmp_path / "cache.sqlite", ttl=3600, clock=clock))
    service = WebhookIngest(
        Inbox(tmp_path / "inbox.sqlite"),
        resolver,
        sink.open,
        ledger=Ledger(tmp_path / "ledger.sqlite"),
        config=WebhookConfig(retry_base=30, retry_cap=600),
        clock=clock,
    )
    return service, sink, server, clock


async def test_due_entries_are_resolved_once_per_docket_published_and_settled(
    parts: tuple[WebhookIngest, ListSink, DocketServer, Clock],
) -> None:
    service, sink, server, _ = parts
    accept(service.inbox, "k1", webhook_bytes(complaint_entry(), dismissal_entry()))
    assert await service.process_due() == 2
    assert [(e.subject, e.data.entry.entry_key, e.type) for e in sink.events] == [
        (REF_CASE_ID, f"{REF_CASE_ID}#1", "case.filed"),
        (REF_CASE_ID, f"{REF_CASE_ID}#12", "case.dismissed"),
    ]
    assert server.calls == [REF_DOCKET_ID]
    view = service.inbox.delivery("k1")
    assert view is not None
    assert [(e.status, e.event_id, e.case_id) for e in view.entries] == [
        ("published", sink.events[0].id, REF_CASE_ID),
        ("published", sink.events[1].id, REF_CASE_ID),
    ]
    assert await service.process_due() == 0
    assert service.entries == {"published": 2}


async def test_an_unknown_docket_stays_in_the_inbox_and_is_published_once_it_resolves(
    parts: tuple[WebhookIngest, ListSink, DocketServer, Clock],
) -> None:
    service, sink, server, clock = parts
    accept(service.inbox, "k404", webhook_bytes(dismissal_entry(docket=555)))
    assert await service.process_due() == 1
    assert sink.events == []
    (entry,) = service.inbox.delivery("k404").entries  # type: ignore[union-attr]
    assert entry.status == "retrying"
    assert entry.last_error == "docket 555: not found on CourtListener (HTTP 404)"
    assert entry.next_attempt_at == T0 + 30
    assert await service.process_due() == 0  # not due yet
    server.known[555] = {**REF_DOCKET, "id": 555}
    clock.now = T0 + 30
    assert await service.process_due() == 1
    assert [e.data.entry.entry_key for e in sink.events] == [f"{REF_CASE_ID}#12"]
    (entry,) = service.inbox.delivery("k404").entries  # type: ignore[union-attr]
    assert (entry.status, entry.attempts) == ("published", 2)
    assert service.entries == {"unresolved": 1, "published": 1}


async def test_courtlistener_down_defers_by_its_retry_after(
    parts: tuple[WebhookIngest, ListSink, DocketServer, Clock],
) -> None:
    service, sink, server, _ = parts
    server.down = True
    accept(service.inbox, "k503", webhook_bytes(complaint_entry()))
    await service.process_due()
    (entry,) = service.inbox.delivery("k503").entries  # type: ignore[union-attr]
    assert entry.status == "retrying" and "retry after 120s" in (entry.last_error or "")
    assert entry.next_attempt_at == T0 + 120
    assert sink.events == []


async def test_kafka_failures_keep_entries_open_and_the_retry_publishes_each_once(
    parts: tuple[WebhookIngest, ListSink, DocketServer, Clock],
) -> None:
    service, sink, _, clock = parts
    accept(service.inbox, "k1", webhook_bytes(complaint_entry()))
    sink.refuse_open = "cannot connect to Kafka at 127.0.0.1:1"
    await service.process_due()
    (entry,) = service.inbox.delivery("k1").entries  # type: ignore[union-attr]
    assert (entry.status, entry.last_error) == (
        "retrying",
        "cannot connect to Kafka at 127.0.0.1:1",
    )

    sink.refuse_open, sink.fail = None, "KafkaTimeoutError: no ack"
    clock.now += 30
    await service.process_due()
    (entry,) = service.inbox.delivery("k1").entries  # type: ignore[union-attr]
    assert entry.status == "retrying" and "KafkaTimeoutError: no ack" in (entry.last_error or "")
    assert entry.next_attempt_at == clock.now + 60  # second failure: the delay doubles

    sink.fail = None
    clock.now += 60
    await service.process_due()
    assert [e.data.entry.entry_key for e in sink.events] == [f"{REF_CASE_ID}#1"]
    assert service.inbox.counts()["published"] == 1
    assert sink.opened == 2  # the failed producer was dropped and a new one opened


async def test_an_entry_the_shared_step_rejects_is_kept_with_the_reason(
    parts: tuple[WebhookIngest, ListSink, DocketServer, Clock],
) -> None:
    service, sink, _, _ = parts
    undated = {**dismissal_entry(), "date_filed": None}
    accept(service.inbox, "k1", webhook_bytes(complaint_entry(), undated))
    await service.process_due()
    view = service.inbox.delivery("k1")
    assert view is not None
    assert [(e.status, e.last_error) for e in view.entries] == [
        ("published", None),
        ("rejected", "entry date_filed: missing date"),
    ]
    assert [e.data.entry.entry_key for e in sink.events] == [f"{REF_CASE_ID}#1"]
    assert await service.process_due() == 0  # rejected entries are not retried by themselves
    assert (
        orjson.loads(service.inbox.body("k1") or b"")["payload"]["results"][1]["date_filed"] is None
    )


async def test_an_entry_already_on_the_topic_is_settled_without_sending_it_again(
    parts: tuple[WebhookIngest, ListSink, DocketServer, Clock],
) -> None:
    service, sink, _, _ = parts
    accept(service.inbox, "k1", webhook_bytes(dismissal_entry()))
    accept(service.inbox, "k2-same-entry", webhook_bytes({**dismissal_entry(), "id": 1}))
    await service.process_due()
    assert len(sink.events) == 1
    assert service.inbox.counts()["published"] == 2
    assert service.entries == {"published": 1, "already_published": 1}
