"""Issue 12: one poison record on any of our topics never stops a reader.

Real broker, real API over uvicorn, real dispatcher and webhook receiver. A
poison value is put first on ``case.states``, ``docket.events`` and
``case.alerts``; the records after it must keep flowing, and the poison must be
kept (raw bytes, reason) and shown in ``/healthz`` and ``/metrics``.

The poisons are the ones that wedged a reader before: a docket entry numbered
past 64 bits (``OverflowError`` in the SQLite read model), a state whose
``updated_at`` has no UTC instant before year 10000 (``OverflowError`` while
indexing it), an alert record whose timestamp no datetime holds (the
dispatcher's consume loop died on it), and an alert that does not decode.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from schemas.codec import encode, encode_event
from services.api.app import create_app
from services.kafka import clients
from services.kafka.topics import ensure_app_topics
from services.quarantine import Quarantine, quarantine_path
from services.readmodel.store import SqliteReadModel
from services.settings import Settings, load_settings
from tests.api_server import serve
from tests.integration.test_feeder import _poll
from tests.integration.test_webhooks import (  # noqa: F401 - fixtures used by the dispatcher test
    LINKEDIN_DISMISSED,
    Env,
    dispatcher,
    env,
    eventually,
)
from tests.kafka_util import kafka_settings
from tests.readmodel_samples import REF_CASE_ID, fold
from tests.webhook_util import make_alert

pytestmark = pytest.mark.kafka

FOLDED = fold()
POISON_ALERT = b'{"id": "al_poison", "type": "status.changed"}'
YEAR_10000_MS = 253_402_300_800_000
"""A record timestamp past 9999-12-31: no ``datetime`` holds it. Kafka 4 refuses timestamps more than
an hour ahead by default; before 4.0 the default accepted any, and a topic may still allow them."""


def _poison_event() -> bytes:
    doc = json.loads(encode_event(FOLDED.events[0]))
    doc["data"]["entry"]["document_number"] = 99999999999999999999
    return json.dumps(doc).encode()


def _poison_state() -> bytes:
    late = dt.datetime(9999, 12, 31, 23, 59, tzinfo=dt.timezone(dt.timedelta(hours=-1)))
    return encode(FOLDED.states[REF_CASE_ID].model_copy(update={"updated_at": late}))


async def _produce(
    bootstrap: str, topic: str, records: list[tuple[bytes | None, bytes | None, int | None]]
) -> None:
    producer = clients.producer(kafka_settings(bootstrap), acks="all", enable_idempotence=True)
    await producer.start()
    try:
        for key, value, ts in records:
            await asyncio.wait_for(
                producer.send_and_wait(topic, key=key, value=value, timestamp_ms=ts), 60
            )
    finally:
        await producer.stop()


async def _topics(bootstrap: str, prefix: str, data_dir: Path) -> Settings:
    settings = load_settings(
        bootstrap_servers=bootstrap, topic_prefix=prefix, data_dir=data_dir, partitions=3
    )
    await ensure_app_topics(settings)
    return settings


async def _publish_after(settings: Settings, poisons: dict[str, list[tuple[bytes, bytes]]]) -> None:
    """Each topic's poison records first, then the sample log (states in history order)."""
    good = {
        settings.topic_states: [(s.case_id.encode(), encode(s)) for s in FOLDED.history],
        settings.topic_events: [(e.subject.encode(), encode_event(e)) for e in FOLDED.events],
        settings.topic_alerts: [(a.subject.encode(), encode(a)) for a in FOLDED.alerts],
    }
    for topic, records in good.items():
        await _produce(
            settings.bootstrap_servers,
            topic,
            [(k, v, None) for k, v in [*poisons[topic], *records]],
        )


async def _accept_any_timestamp(bootstrap: str, topic: str) -> None:
    """The pre-4.0 broker default: a producer's timestamp is taken as it is."""
    admin = clients.admin(kafka_settings(bootstrap))
    await admin.start()
    try:
        await admin.alter_configs(
            [
                ConfigResource(
                    ConfigResourceType.TOPIC,
                    topic,
                    {"message.timestamp.after.max.ms": str(2**63 - 1)},
                )
            ]
        )
    finally:
        await admin.close()


def _metric(text: str, reader: str, topic: str) -> float | None:
    m = re.search(
        rf'^docketline_quarantined_records_total\{{reader="{reader}",topic="{re.escape(topic)}"\}} (\S+)$',
        text,
        re.MULTILINE,
    )
    return float(m[1]) if m else None


async def test_the_feeder_quarantines_a_poison_on_every_topic_and_later_records_keep_flowing(
    kafka_bootstrap: str, unique_prefix: str, tmp_path: Path
) -> None:
    settings = await _topics(kafka_bootstrap, unique_prefix, tmp_path)
    key = REF_CASE_ID.encode()
    poisons = {
        settings.topic_states: _poison_state(),
        settings.topic_events: _poison_event(),
        settings.topic_alerts: POISON_ALERT,
    }
    await _publish_after(settings, {t: [(key, v)] for t, v in poisons.items()})
    want = {"cases": len(FOLDED.states), "events": len({e.id for e in FOLDED.events}),
            "alerts": len({a.id for a in FOLDED.alerts})}  # fmt: skip

    store = SqliteReadModel(tmp_path / "readmodel.sqlite")
    app = create_app(settings, store, start_feeder=True)
    try:
        with serve(app) as base, httpx.Client(base_url=base, timeout=10) as http:
            health = _poll(
                "every later record applied and the three poisons quarantined",
                lambda: http.get("/healthz").json(),
                lambda h: h["read_model"] == want and h["quarantine"]["total"] == 3,
                60,
            )
            assert health["status"] == "ok"
            assert health["quarantine"]["by_reader"] == {"readmodel": {t: 1 for t in poisons}}
            latest = {q["topic"]: q for q in health["quarantine"]["latest"]}
            assert set(latest) == set(poisons)
            assert all(q["offset"] == 0 and q["key"] == REF_CASE_ID for q in latest.values())
            assert "document_number" in latest[settings.topic_events]["reason"]
            assert "OverflowError" in latest[settings.topic_states]["reason"]
            assert latest[settings.topic_alerts]["value_bytes"] == len(POISON_ALERT)
            assert health["feeder"]["decode_failures"] == {t: 1 for t in poisons}
            # the state after the poison is the one served
            case = http.get(f"/api/cases/{REF_CASE_ID}").json()
            assert case["status"] == FOLDED.states[REF_CASE_ID].status
            metrics = http.get("/metrics").text
            for topic in poisons:
                assert _metric(metrics, "readmodel", topic) == 1.0, metrics
    finally:
        store.close()
    kept = Quarantine(quarantine_path(settings))
    try:
        assert {
            q.topic: q.value for q in kept.latest(10)
        } == poisons  # the raw bytes, as on the log
    finally:
        kept.close()


async def test_the_dispatcher_quarantines_poison_alerts_and_delivers_the_next_one(
    env: Env,  # noqa: F811 - the fixtures of test_webhooks
    dispatcher: Callable[..., None],  # noqa: F811
) -> None:
    watcher = await env.subscribe("/linkedin", {"query": "linkedin"})
    dispatcher()
    later = make_alert(entry="#8")
    topic = env.settings.topic_alerts
    await _accept_any_timestamp(env.settings.bootstrap_servers, topic)
    await _produce(env.settings.bootstrap_servers, topic, [
        (REF_CASE_ID.encode(), POISON_ALERT, None),
        (REF_CASE_ID.encode(), encode(LINKEDIN_DISMISSED), YEAR_10000_MS),
        (REF_CASE_ID.encode(), encode(later), None),
    ])  # fmt: skip
    await eventually(
        "the alert after the poisons delivered",
        lambda: env.deliveries(watcher["id"]),
        lambda rows: [(r["alert_id"], r["status"]) for r in rows] == [(later.id, "delivered")],
    )
    await env.caught_up()  # the offsets moved past the poisons
    r = await env.api.get("/healthz")
    quarantine = r.json()["quarantine"]
    assert quarantine["by_reader"] == {"dispatcher": {topic: 2}}
    reasons = {
        q["offset"]: q["reason"] for q in quarantine["latest"] if q["reader"] == "dispatcher"
    }
    assert set(reasons) == {0, 1}
    assert "data.case_id" in reasons[0] or "Field required" in reasons[0]
    assert "year" in reasons[1] and "out of range" in reasons[1]
    metrics = (await env.api.get("/metrics")).text
    assert _metric(metrics, "dispatcher", topic) == 2.0, metrics
    kept = Quarantine(quarantine_path(env.settings))
    try:
        values = {q.offset: q.value for q in kept.latest(10)}
    finally:
        kept.close()
    assert values == {0: POISON_ALERT, 1: encode(LINKEDIN_DISMISSED)}


async def test_check_reads_past_poison_on_every_topic_and_keeps_it(
    kafka_bootstrap: str, unique_prefix: str, tmp_path: Path
) -> None:
    from services.consistency.check import check

    settings = await _topics(kafka_bootstrap, unique_prefix, tmp_path)
    key = REF_CASE_ID.encode()
    unreadable_state = b'{"case_id": 1}'
    await _publish_after(settings, {
        settings.topic_states: [(key, unreadable_state), (b"\xff\xfe", encode(FOLDED.states[REF_CASE_ID]))],
        settings.topic_events: [(key, _poison_event())],
        settings.topic_alerts: [(key, POISON_ALERT)],
    })  # fmt: skip
    report = await check(settings)
    assert report.quarantined == 4
    assert report.undecodable == 1
    assert report.live_cases == len(FOLDED.states)
    assert report.alerts_seen == len(FOLDED.alerts)
    kept = Quarantine(quarantine_path(settings))
    try:
        assert kept.counts() == {
            ("check", settings.topic_states): 2, ("check", settings.topic_events): 1,
            ("check", settings.topic_alerts): 1,
        }  # fmt: skip
        assert unreadable_state in {q.value for q in kept.latest(10)}
        assert (
            await check(settings) is not None
            and kept.counts()[("check", settings.topic_states)] == 2
        )
    finally:
        kept.close()
