"""The feeder against the real broker: converge, count garbage, resume without duplicates.

Records are produced with aiokafka to the three output topics exactly as the
processor publishes them (states keyed by case id, encoded with the codec).
"""

from __future__ import annotations

import asyncio
import re
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
import typer
from typer.testing import CliRunner

from schemas.codec import encode, encode_event
from services.api.app import create_app
from services.kafka.topics import ensure_app_topics
from services.readmodel.cli import rebuild_read_model_command
from services.readmodel.feeder import Feeder
from services.readmodel.store import AlertFilter, ReadModel, SqliteReadModel
from services.settings import Settings, load_settings
from tests.api_server import serve
from tests.kafka_util import produce
from tests.readmodel_samples import REF_CASE_ID, REFERENCE, Folded, SampleCase, fold

FOLDED = fold()
GARBAGE_EVENT = b"{not json"
GARBAGE_ALERT = b'{"id": "al_x", "type": "status.changed"}'


def _settings(bootstrap: str, prefix: str, data_dir: Path) -> Settings:
    return load_settings(
        bootstrap_servers=bootstrap, topic_prefix=prefix, data_dir=data_dir, partitions=3
    )


async def _produce(
    bootstrap: str, topic: str, records: list[tuple[bytes | None, bytes | None]]
) -> None:
    try:
        await asyncio.wait_for(produce(bootstrap, topic, records), 60)
    except TimeoutError:
        raise AssertionError(
            f"producing {len(records)} records to {topic} took more than 60s"
        ) from None


async def _publish(settings: Settings, folded: Folded, *, garbage: bool = False) -> None:
    b = settings.bootstrap_servers
    await _produce(
        b, settings.topic_states, [(s.case_id.encode(), encode(s)) for s in folded.history]
    )
    events: list[tuple[bytes | None, bytes | None]] = [
        (e.subject.encode(), encode_event(e)) for e in folded.events
    ]
    alerts: list[tuple[bytes | None, bytes | None]] = [
        (a.subject.encode(), encode(a)) for a in folded.alerts
    ]
    if garbage:
        events.insert(1, (REF_CASE_ID.encode(), GARBAGE_EVENT))
        alerts.append((REF_CASE_ID.encode(), GARBAGE_ALERT))
    await _produce(b, settings.topic_events, events)
    await _produce(b, settings.topic_alerts, alerts)


async def _until(
    what: str, ok: Callable[[], bool], seen: Callable[[], Any], timeout: float = 60.0
) -> None:
    deadline = time.monotonic() + timeout
    while not ok():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not after {timeout}s; seen: {seen()}")
        await asyncio.sleep(0.1)


R = TypeVar("R")


def _poll(what: str, fetch: Callable[[], R], ok: Callable[[R], bool], timeout: float) -> R:
    """Fetch until ``ok``; at the deadline fail with the last thing fetched."""
    deadline = time.monotonic() + timeout
    while not ok(last := fetch()):
        if time.monotonic() > deadline:
            raise AssertionError(
                f"{what}: not after {timeout}s; last seen: {getattr(last, 'text', last)}"
            )
        time.sleep(0.2)
    return last


def _feeder(settings: Settings, store: ReadModel) -> Feeder:
    return Feeder(
        settings, store, lag_every_s=0.2, discover_every_s=0.5, retry_initial_s=0.2, poll_ms=100
    )


def _content(store: ReadModel) -> tuple[Any, ...]:
    """Everything a reader can see, for before/after comparisons."""
    return (
        store.counts(),
        {cid: store.get_case(cid) for cid in FOLDED.states},
        [(a.seq, a.alert.id) for a in store.alerts_after(0, AlertFilter(), 1000)],
        {cid: [e.id for e in store.case_events(cid)] for cid in FOLDED.states},
    )


@pytest.mark.kafka
async def test_feeder_converges_skips_garbage_and_resumes_exactly_once(
    kafka_bootstrap: str, unique_prefix: str, tmp_path: Path
) -> None:
    settings = _settings(kafka_bootstrap, unique_prefix, tmp_path)
    await ensure_app_topics(settings)
    await _publish(settings, FOLDED, garbage=True)
    store = SqliteReadModel(tmp_path / "readmodel.sqlite")
    first = _feeder(settings, store)
    first.start()
    try:
        await first.wait_caught_up(60)
        st = first.status()
    finally:
        await first.stop()

    # converged: the latest state per case, every event and alert once
    for case_id, state in FOLDED.states.items():
        assert store.get_case(case_id) == state, case_id
    assert store.counts() == {
        "cases": len(FOLDED.states),
        "events": len(FOLDED.events),
        "alerts": len(FOLDED.alerts),
    }
    stored_alerts = store.alerts_after(0, AlertFilter(), 100)
    assert sorted(a.alert.id for a in stored_alerts) == sorted(a.id for a in FOLDED.alerts)
    assert {a.alert.id: a.alert for a in stored_alerts} == {a.id: a for a in FOLDED.alerts}
    assert [a.seq for a in stored_alerts] == list(range(1, len(FOLDED.alerts) + 1))
    # garbage counted with where it was, not fatal
    assert dict(st.decode_failures) == {
        settings.topic_states: 0,
        settings.topic_events: 1,
        settings.topic_alerts: 1,
    }
    assert {(f.topic, f.reason != "") for f in st.recent_failures} == {
        (settings.topic_events, True),
        (settings.topic_alerts, True),
    }
    assert all(f.offset >= 0 and 0 <= f.partition < 3 for f in st.recent_failures)
    assert dict(st.applied) == {
        settings.topic_states: len(FOLDED.history),
        settings.topic_events: len(FOLDED.events),
        settings.topic_alerts: len(FOLDED.alerts),
    }
    assert dict(st.lag) == {t: 0 for t in st.topics}
    assert st.broker_reachable is True and st.caught_up
    stored_offsets = store.offsets()
    assert (
        sum(v for (t, _), v in stored_offsets.items() if t == settings.topic_events)
        == len(FOLDED.events) + 1
    )

    # restart: resumes at the stored offsets, reads nothing again
    before = _content(store)
    second = _feeder(settings, store)
    second.start()
    try:
        await second.wait_caught_up(60)
        assert dict(second.status().applied) == {t: 0 for t in second.status().topics}
        assert _content(store) == before

        # redelivered events and alerts, a new case, then its tombstone
        extra = fold(
            [
                SampleCase(
                    REFERENCE.info.model_copy(update={"docket_number": "5:25-cv-00710"}),
                    REFERENCE.entries,
                )
            ]
        )
        await _publish(settings, FOLDED)  # every record again
        await _produce(
            kafka_bootstrap,
            settings.topic_states,
            [(s.case_id.encode(), encode(s)) for s in extra.history],
        )
        new_id = next(iter(extra.states))
        await _until("new case stored", lambda: store.get_case(new_id) is not None, store.counts)
        await second.wait_caught_up(60)
        counts = store.counts()
        assert counts == {**before[0], "cases": before[0]["cases"] + 1}
        assert [(a.seq, a.alert.id) for a in store.alerts_after(0, AlertFilter(), 1000)] == before[
            2
        ]
        await _produce(kafka_bootstrap, settings.topic_states, [(new_id.encode(), None)])
        await _until("tombstone applied", lambda: store.get_case(new_id) is None, store.counts)

        # rebuild under a running feeder: it notices the reset and replays the log
        store.reset()
        await _until(
            "read model rebuilt by the running feeder",
            lambda: store.counts() == before[0] and _content(store)[1] == before[1],
            lambda: (store.counts(), second.status()),
        )
    finally:
        await second.stop()
    after = _content(store)
    assert after[1] == before[1] and after[3] == before[3]
    assert sorted(i for _, i in after[2]) == sorted(i for _, i in before[2])
    last = before[2][-1][0]
    assert [s for s, _ in after[2]] == list(range(last + 1, last + 1 + len(before[2]))), (
        "seq never goes back"
    )
    store.close()


@pytest.mark.kafka
async def test_caught_up_holds_for_the_log_as_it_was_at_lag_checked_at(
    kafka_bootstrap: str, unique_prefix: str, tmp_path: Path
) -> None:
    """``caught_up`` with lag 0 is as of the last lag check, not of now: ``lag_checked_at`` says when.

    With lag checks 15 s apart, a state published right after a check is not
    applied-and-checked yet while the status still says caught up with lag 0
    (what the partitions-move fault test once waited on, and then found 7 of its
    30 watched cases short). Only a check that started after the publish
    vouches for it.
    """
    settings = _settings(kafka_bootstrap, unique_prefix, tmp_path)
    await ensure_app_topics(settings)
    [first, *later] = FOLDED.history
    await _produce(
        kafka_bootstrap, settings.topic_states, [(first.case_id.encode(), encode(first))]
    )
    store = SqliteReadModel(tmp_path / "readmodel.sqlite")
    feeder = Feeder(
        settings, store, lag_every_s=15.0, discover_every_s=0.5, retry_initial_s=0.2, poll_ms=100
    )
    feeder.start()
    try:
        await _until(
            "caught up with the first state", lambda: feeder.status().caught_up, feeder.status, 60
        )
        since = time.time()
        last = later[-1]
        await _produce(
            kafka_bootstrap, settings.topic_states, [(last.case_id.encode(), encode(last))]
        )
        st = feeder.status()
        assert st.lag_checked_at is not None and st.lag_checked_at < since, st
        assert st.caught_up and all(v == 0 for v in st.lag.values()), (
            "as of the last check, before the publish"
        )

        def vouched() -> bool:
            now = feeder.status()
            return now.caught_up and now.lag_checked_at is not None and now.lag_checked_at >= since

        await _until("a lag check after the publish finds it applied", vouched, feeder.status, 60)
        assert store.get_case(last.case_id) == last
    finally:
        await feeder.stop()
        store.close()


def test_rebuild_command_replays_the_log_into_a_fresh_read_model(
    kafka_bootstrap: str, unique_prefix: str, tmp_path: Path
) -> None:
    settings = _settings(kafka_bootstrap, unique_prefix, tmp_path)
    asyncio.run(ensure_app_topics(settings))
    asyncio.run(_publish(settings, fold([REFERENCE]), garbage=True))
    env = {
        "DOCKETLINE_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "DOCKETLINE_TOPIC_PREFIX": unique_prefix,
        "DOCKETLINE_DATA_DIR": str(tmp_path),
    }
    app = typer.Typer()
    app.command()(rebuild_read_model_command)
    for _ in range(2):  # a second rebuild gives the same read model
        result = CliRunner().invoke(app, ["--timeout", "60"], env=env)
        assert result.exit_code == 0, result.output
        assert "1 cases, 3 events, 1 alerts" in result.output
        assert "2 undecodable records skipped" in result.output
    store = SqliteReadModel(tmp_path / "readmodel.sqlite")
    try:
        assert store.get_case(REF_CASE_ID) == FOLDED.states[REF_CASE_ID]
    finally:
        store.close()


@pytest.mark.kafka
def test_api_serves_what_the_feeder_reads_from_kafka(
    kafka_bootstrap: str, unique_prefix: str, tmp_path: Path
) -> None:
    settings = _settings(kafka_bootstrap, unique_prefix, tmp_path)
    asyncio.run(ensure_app_topics(settings))
    app = create_app(settings)  # default SQLite store under data_dir, feeder on
    with serve(app) as url, httpx.Client(base_url=url, timeout=10) as client:
        assert client.get(f"/api/cases/{REF_CASE_ID}").status_code == 404
        asyncio.run(_publish(settings, fold([REFERENCE]), garbage=True))
        published = time.time()  # lag checks from here on vouch for everything published
        last = _poll(
            "reference case served as closed",
            lambda: client.get(f"/api/cases/{REF_CASE_ID}"),
            lambda r: r.status_code == 200 and r.json()["status"] == "closed",
            60,
        )
        # the state (case.states) can be served before its entries' texts (docket.events) are
        # applied: the topics are read side by side. Everything published is in only once a lag
        # check made after the publish finds every topic caught up (the API's contract).
        health = _poll(
            "lag zero on every topic",
            lambda: client.get("/healthz").json(),
            lambda h: (
                bool(h["feeder"]["lag"])
                and all(v == 0 for v in h["feeder"]["lag"].values())
                and (h["feeder"]["lag_checked_at"] or 0) >= published
            ),
            30,
        )
        case = last.json()
        assert (
            case["disposition"]["type"] == "voluntary_dismissal"
            and case["disposition"]["prejudice"] == "without"
        )
        timeline = client.get(f"/api/cases/{REF_CASE_ID}/timeline").json()
        assert [i["document_number"] for i in timeline["items"]] == [1, 5, 12]
        assert all(i["text"] for i in timeline["items"])
        alerts = client.get("/api/alerts", params={"case_id": REF_CASE_ID}).json()["items"]
        assert [(a["data"]["from_status"], a["data"]["to_status"]) for a in alerts] == [
            ("open", "closed")
        ]
        assert health["status"] == "ok" and health["broker"]["reachable"] is True
        assert health["feeder"]["decode_failures"][settings.topic_events] == 1
        assert health["read_model"]["cases"] == 1
        metrics = client.get("/metrics").text
        assert (
            f'docketline_readmodel_records_applied_total{{topic="{settings.topic_events}"}} 3.0'
            in metrics
        )
        assert (
            f'docketline_readmodel_decode_failures_total{{topic="{settings.topic_events}"}} 1.0'
            in metrics
        )
        assert f'docketline_readmodel_lag_records{{topic="{settings.topic_states}"}} 0.0' in metrics
    assert (tmp_path / "readmodel.sqlite").is_file()


def _dead_bootstrap() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{s.getsockname()[1]}"


async def test_feeder_survives_an_unreachable_broker(tmp_path: Path) -> None:
    settings = load_settings(bootstrap_servers=_dead_bootstrap(), data_dir=tmp_path)
    store = SqliteReadModel(tmp_path / "readmodel.sqlite")
    feeder = Feeder(settings, store, retry_initial_s=0.1, retry_max_s=0.5, request_timeout_s=2.0)
    feeder.start()
    try:
        await _until(
            "broker reported unreachable",
            lambda: feeder.status().broker_reachable is False,
            feeder.status,
            30,
        )
        await asyncio.sleep(1.0)  # several failed sessions later ...
        st = feeder.status()
        assert st.running, "the feeder task must keep retrying, not die"
        assert st.last_error is not None and re.search("Kafka|Connect", st.last_error), (
            st.last_error
        )
        assert dict(st.lag) == {t: None for t in st.topics}
    finally:
        await feeder.stop()
        store.close()
    assert not feeder.status().running


def test_api_stays_up_and_says_degraded_without_a_broker(tmp_path: Path) -> None:
    settings = load_settings(bootstrap_servers=_dead_bootstrap(), data_dir=tmp_path)
    with serve(create_app(settings)) as url, httpx.Client(base_url=url, timeout=10) as client:
        health = _poll(
            "broker reported away",
            lambda: client.get("/healthz"),
            lambda r: r.json()["broker"]["reachable"] is False,
            30,
        )
        assert health.status_code == 200
        body = health.json()
        assert body["status"] == "degraded" and body["feeder"]["running"] is True
        assert body["broker"]["last_error"]
        assert client.get("/api/cases").json()["items"] == []
        assert "docketline_readmodel_broker_up 0.0" in client.get("/metrics").text
