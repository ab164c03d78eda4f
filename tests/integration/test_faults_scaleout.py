"""Scale-out under faults, against real brokers: several workers, moving partitions, a broker restart.

Each test ingests while workers process, injects its fault mid-run, waits
until the processor group has committed the end of ``docket.events``, and ends
with the consistency checker (``services.consistency.check``) finding zero
differences — every expected alert id present, no unexpected one. It prints
its figures: events, kills, restarts, differences found.

Workers run as ``docketline worker`` subprocesses with their own data dirs
(as on separate machines) and the same app id. ``BROKER_SESSION_TIMEOUT=10``
(a faust setting read from the environment; default 60 s) bounds how long a
SIGKILLed worker keeps its partitions, so the tests stay short.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import subprocess
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from aiokafka import AIOKafkaProducer, TopicPartition
from aiokafka.coordinator.protocol import ConsumerProtocolMemberAssignment
from aiokafka.errors import KafkaError

from schemas.codec import decode_event, encode
from services.api.models import CaseOut
from services.consistency.check import check, report_lines
from services.consistency.compare import Report, fold_log
from services.core.evolve import project, snapshot
from services.kafka import clients
from services.kafka.topics import ensure_app_topics
from services.kafka_local import LocalKafka
from services.kafka_local.config import pick_free_ports, port_is_free
from services.readmodel.store import open_read_model
from services.settings import Settings
from tests.kafka_util import kafka_settings, wait_caught_up
from tests.procs import kill, running, service_env
from tests.workload import workload

pytestmark = [pytest.mark.kafka, pytest.mark.timeout(900)]

SESSION_TIMEOUT_S = "10"
WORKER_LOGLEVEL = "warn"
Records = list[tuple[bytes, bytes]]


def _settings(bootstrap: str, prefix: str, tmp: Path) -> Settings:
    return Settings(bootstrap_servers=bootstrap, topic_prefix=prefix, data_dir=tmp, partitions=4)


def _worker_env(bootstrap: str, prefix: str, data_dir: Path) -> dict[str, str]:
    data_dir.mkdir(parents=True, exist_ok=True)
    return service_env(bootstrap, prefix, data_dir, BROKER_SESSION_TIMEOUT=SESSION_TIMEOUT_S)


def _group(s: Settings) -> str:
    return f"{s.topic_prefix}{s.processor_app_id}"


async def _assignment(bootstrap: str, group: str, topic: str) -> dict[str, list[int]]:
    """member id -> partitions of ``topic`` assigned to it (decoded from the group's metadata)."""
    admin = clients.admin(kafka_settings(bootstrap))
    await admin.start()
    try:
        [response] = await admin.describe_consumer_groups([group])
    finally:
        await admin.close()
    out: dict[str, list[int]] = {}
    for _err, _gid, state, _ptype, _proto, members, *_ in response.groups:
        if state != "Stable":
            return {}
        for m in members:
            raw = m[-1]
            parts: list[int] = []
            if raw:
                decoded = ConsumerProtocolMemberAssignment.decode(raw)
                for t, ps in decoded.assignment:
                    if t == topic:
                        parts += list(ps)
            out[str(m[0])] = sorted(parts)
    return out


async def _wait_shared(
    bootstrap: str,
    s: Settings,
    members: int,
    procs: Sequence[subprocess.Popen[bytes]],
    *,
    previous: set[str] | frozenset[str] = frozenset(),
    new: int = 0,
    timeout: float = 180.0,
) -> dict[str, list[int]]:
    """Wait until ``members`` workers (``new`` of them not in ``previous``) each hold partitions of docket.events.

    A SIGKILLed worker stays a member until its session times out, so after a
    restart the assignment counts only once the new member is in it.
    """
    deadline = time.monotonic() + timeout
    seen: dict[str, list[int]] = {}
    while time.monotonic() < deadline:
        dead = [p.args for p in procs if p.poll() is not None]
        assert not dead, f"workers exited while waiting for the assignment: {dead}"
        try:
            seen = await _assignment(bootstrap, _group(s), s.topic_events)
        except KafkaError as exc:
            seen = {"error": [repr(exc)]}  # type: ignore[list-item]
        if len(seen) == members and all(seen.values()) and len(set(seen) - set(previous)) >= new:
            return seen
        await asyncio.sleep(0.5)
    raise AssertionError(
        f"{members} workers never shared {s.topic_events} within {timeout:.0f}s: {seen}"
    )


async def _wait_committed(bootstrap: str, group: str, at_least: int, timeout: float = 300.0) -> int:
    """Wait until the group has committed ``at_least`` records of docket.events in total."""
    deadline = time.monotonic() + timeout
    done = 0
    while time.monotonic() < deadline:
        done = await _committed_total(bootstrap, group)
        if done >= at_least:
            return done
        await asyncio.sleep(0.2)
    raise AssertionError(
        f"{group} committed only {done} records within {timeout:.0f}s (waiting for {at_least})"
    )


async def _committed_total(bootstrap: str, group: str) -> int:
    admin = clients.admin(kafka_settings(bootstrap))
    await admin.start()
    try:
        return sum(
            o.offset
            for o in (await admin.list_consumer_group_offsets(group)).values()
            if o.offset > 0
        )
    except KafkaError:
        return 0
    finally:
        await admin.close()


async def _ingest(
    bootstrap: str,
    topic: str,
    records: Records,
    *,
    chunk: int = 400,
    pause: float = 0.05,
    at: dict[int, Callable[[], Awaitable[None]]] | None = None,
) -> int:
    """A producer loop: publish ``records`` in chunks; run ``at[i]`` before chunk ``i``.

    A chunk is re-sent until the broker acknowledges all of it (a broker that
    is away fails it), with a new producer each time. Re-sent records are the
    same events with the same ids: the fold ignores what it has applied.
    Returns the number of chunks that had to be re-sent.
    """
    at = at or {}
    resent = 0
    producer: AIOKafkaProducer | None = None
    try:
        for i, start in enumerate(range(0, len(records), chunk)):
            if i in at:
                await at[i]()
            part = records[start : start + chunk]
            delay = 0.5
            while True:
                try:
                    if producer is None:
                        producer = clients.producer(
                            kafka_settings(bootstrap),
                            acks="all",
                            enable_idempotence=True,
                            linger_ms=10,
                            request_timeout_ms=10_000,
                        )
                        await asyncio.wait_for(producer.start(), 15)
                    futures = [await producer.send(topic, key=k, value=v) for k, v in part]
                    await asyncio.wait_for(asyncio.gather(*futures), 30)
                    break
                except (TimeoutError, KafkaError, OSError) as exc:
                    print(
                        f"ingest: chunk {i} not acknowledged ({type(exc).__name__}); re-sending in {delay:.1f}s"
                    )
                    resent += 1
                    if producer is not None:
                        try:
                            await asyncio.wait_for(producer.stop(), 15)
                        except (TimeoutError, KafkaError, OSError):
                            pass
                    producer = None
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 5.0)
            await asyncio.sleep(pause)
    finally:
        if producer is not None:
            await producer.stop()
    return resent


async def _consistent(s: Settings, label: str, figures: str) -> Report:
    report = await check(s)
    print(
        f"[{label}] {figures}, differences found: {len(report.diffs)}",
        *report_lines(report),
        sep="\n  ",
    )
    assert report.ok, report_lines(report)
    assert report.alerts_expected > 0
    return report


# --------------------------------------------------------------------------- (a) two workers, one killed


async def test_two_workers_share_the_partitions_and_one_is_killed_mid_run(
    kafka_bootstrap: str, unique_prefix: str, tmp_path: Path
) -> None:
    records = workload(1500, seed=31)
    s = _settings(kafka_bootstrap, unique_prefix, tmp_path)
    await ensure_app_topics(s)
    env_a = _worker_env(kafka_bootstrap, unique_prefix, tmp_path / "a")
    env_b = _worker_env(kafka_bootstrap, unique_prefix, tmp_path / "b")
    started = time.monotonic()
    kills = restarts = 0
    with running(["worker", "-l", WORKER_LOGLEVEL], env_a, tmp_path / "a.log") as a:
        with running(["worker", "-l", WORKER_LOGLEVEL], env_b, tmp_path / "b-1.log") as b:
            shared = await _wait_shared(kafka_bootstrap, s, 2, [a, b])
            print("assignment before the kill:", shared)
            ingest = asyncio.create_task(
                _ingest(kafka_bootstrap, s.topic_events, records, pause=0.2)
            )
            done = await _wait_committed(kafka_bootstrap, _group(s), len(records) // 3)
            kill(
                b
            )  # SIGKILL: no commit, no leave-group; its partitions move after the session timeout
            kills += 1
            print(f"SIGKILLed worker b after {done} of {len(records)} records were committed")
            # after the session timeout its partitions move: a recovers their table from b's changelog
            alone = await _wait_shared(kafka_bootstrap, s, 1, [a])
            assert sorted(p for ps in alone.values() for p in ps) == [0, 1, 2, 3], alone
            print("assignment after the kill:", alone)
            done = await _wait_committed(kafka_bootstrap, _group(s), 2 * len(records) // 3)
            print(f"worker a alone committed up to {done} records")
        # the killed worker comes back with its stale local table: partitions move back, and it
        # replays what a wrote to their changelog since (from the offsets stored in its files)
        with running(["worker", "-l", WORKER_LOGLEVEL], env_b, tmp_path / "b-2.log") as b2:
            restarts += 1
            after = await _wait_shared(kafka_bootstrap, s, 2, [a, b2], previous=set(shared), new=1)
            print("assignment after the restart:", after)
            assert await ingest == 0, "the session broker never refused a chunk"
            await wait_caught_up(kafka_bootstrap, _group(s), s.topic_events, timeout=600)
    figures = f"events {len(records)}, workers 2, kills {kills}, restarts {restarts}, {time.monotonic() - started:.0f}s"
    await _consistent(s, "two workers, one killed", figures)


# --------------------------------------------------------------------------- (b) the broker restarts


async def test_the_broker_stops_and_restarts_while_ingest_and_processing_continue(
    unique_prefix: str, tmp_path: Path
) -> None:
    manager = LocalKafka(ready_timeout=180.0)
    data_dir = tmp_path / "kafka"
    try:
        port = pick_free_ports(1)[0]
        bootstrap = manager.start(port=port, data_dir=data_dir, partitions=4)
        s = _settings(bootstrap, unique_prefix, tmp_path)
        await ensure_app_topics(s)
        records = workload(1000, seed=41)
        restarts = 0
        down_s = 0.0

        async def restart_broker() -> None:
            nonlocal restarts, down_s
            t0 = time.monotonic()
            assert manager.stop(data_dir), "the broker was running"
            deadline = time.monotonic() + 120
            while not port_is_free(port):  # connections the broker closed linger in TIME_WAIT
                assert time.monotonic() < deadline, (
                    f"port {port} still busy 120 s after the broker stopped"
                )
                await asyncio.sleep(1.0)
            await asyncio.sleep(2.0)  # the log keeps flowing into producers' retries meanwhile
            again = await asyncio.to_thread(manager.start, port, data_dir, 4)
            assert again == bootstrap
            restarts += 1
            down_s = time.monotonic() - t0
            print(f"broker stopped and restarted on {bootstrap}: down {down_s:.0f}s")

        env = _worker_env(bootstrap, unique_prefix, tmp_path / "w")
        started = time.monotonic()
        with running(["worker", "-l", WORKER_LOGLEVEL], env, tmp_path / "w.log") as worker:
            await _wait_shared(bootstrap, s, 1, [worker])
            chunks = -(-len(records) // 400)
            resent = await _ingest(
                bootstrap, s.topic_events, records, at={chunks // 2: restart_broker}
            )
            await wait_caught_up(bootstrap, _group(s), s.topic_events, timeout=600)
            assert worker.poll() is None, (
                "docketline worker (the supervisor) survived the broker restart"
            )
        # faust may exit when the broker goes away mid-rebalance; the supervisor starts it again
        worker_restarts = (
            (tmp_path / "w.log").read_text(errors="replace").count("worker exited with status")
        )
        figures = (
            f"events {len(records)}, broker restarts {restarts} (down {down_s:.0f}s), "
            f"chunks re-sent by ingest {resent}, faust worker restarts by the supervisor {worker_restarts}, "
            f"{time.monotonic() - started:.0f}s"
        )
        await _consistent(s, "broker restart", figures)
    finally:
        manager.stop(data_dir)


# --------------------------------------------------------------------------- (c) the API while partitions move


class _Watcher:
    """Polls the API for some cases; every answer must be the fold of a prefix of the case's events.

    Events of a case are folded in log order by whichever worker holds its
    partition, so each answer must equal the projection of the case's first k
    events for some k, and k may never go down (no answer from an older state,
    not even while a partition moves and its table is recovered elsewhere).
    """

    def __init__(self, base: str, cases: dict[str, list[Any]]) -> None:
        self.base = base
        self.renderings = {
            case_id: {
                _key(CaseOut.of_state(snapshot(state)).model_dump(mode="json")): k
                for k in range(1, len(events) + 1)
                if (state := project(events[:k])) is not None
            }
            for case_id, events in cases.items()
        }
        self.final = {case_id: len(events) for case_id, events in cases.items()}
        self.k = dict.fromkeys(cases, 0)
        self.polls = 0
        self.answers = 0
        self.violations: list[str] = []

    async def run(self, stop: asyncio.Event) -> None:
        async with httpx.AsyncClient(base_url=self.base, timeout=10.0) as client:
            while not stop.is_set():
                await self.poll_once(client)
                await asyncio.sleep(0.05)

    async def poll_once(self, client: httpx.AsyncClient) -> None:
        for case_id in self.k:
            response = await client.get(f"/api/cases/{case_id}")
            self.polls += 1
            if response.status_code == 404:
                if self.k[case_id] > 0:
                    self.violations.append(
                        f"{case_id}: 404 after serving {self.k[case_id]} entries"
                    )
                continue
            assert response.status_code == 200, response.text
            self.answers += 1
            k = self.renderings[case_id].get(_key(response.json()))
            if k is None:
                self.violations.append(
                    f"{case_id}: served a state that is no prefix of its events: {response.text[:300]}"
                )
            elif k < self.k[case_id]:
                self.violations.append(
                    f"{case_id}: went back from {self.k[case_id]} to {k} entries"
                )
            else:
                self.k[case_id] = k


def _key(doc: dict[str, Any]) -> bytes:
    return orjson.dumps(doc, option=orjson.OPT_SORT_KEYS)


async def _wait_api_caught_up(
    client: httpx.AsyncClient, since: float, timeout: float = 180.0
) -> dict[str, Any]:
    """Wait until the API's feeder has applied the log as it was at ``since`` (epoch seconds) or later.

    ``caught_up`` and ``lag`` alone are as of the feeder's last lag check, which
    may have read the end offsets before the processor's last writes.
    """
    deadline = time.monotonic() + timeout
    health: dict[str, Any] = {}
    while time.monotonic() < deadline:
        health = (await client.get("/healthz")).json()
        feeder = health["feeder"]
        checked = feeder["lag_checked_at"] is not None and feeder["lag_checked_at"] >= since
        if checked and feeder["caught_up"] and all(v == 0 for v in feeder["lag"].values()):
            return health
        await asyncio.sleep(0.5)
    raise AssertionError(f"the API's read model did not catch up within {timeout:.0f}s: {health}")


@dataclass
class Moves:
    """What one run of the partitions-move scenario left behind, for its checks."""

    settings: Settings
    per_case: dict[str, list[Any]]
    watcher: _Watcher
    health: dict[str, Any]
    figures: str
    feeder_behind: dict[str, int]
    """per topic: records of the log (ends read after the group caught up) the read model had not
    stored when /healthz first said it was caught up"""


async def partitions_move(
    bootstrap: str, prefix: str, root: Path, *, loglevel: str = WORKER_LOGLEVEL, seed: int = 51
) -> Moves:
    """Two workers and the API: ingest, SIGKILL one worker, restart it, until the group and the API caught up.

    The scenario of ``test_the_api_serves_consistent_cases_while_partitions_move``,
    also looped by ``tests/stress/partition_moves.py``. Worker logs: ``root/{a,b-1,b-2}.log``.
    """
    records = workload(1200, seed=seed)
    s = _settings(bootstrap, prefix, root / "api")
    await ensure_app_topics(s)
    per_case: dict[str, list[Any]] = {}
    for key, value in records:
        per_case.setdefault(key.decode(), []).append(decode_event(value))
    watched = dict(random.Random(3).sample(sorted(per_case.items()), 30))
    api_port = pick_free_ports(1)[0]
    api_env = service_env(bootstrap, prefix, root / "api", DOCKETLINE_API_PORT=str(api_port))
    env_a = _worker_env(bootstrap, prefix, root / "a")
    env_b = _worker_env(bootstrap, prefix, root / "b")
    worker = ["worker", "-l", loglevel]
    base = f"http://127.0.0.1:{api_port}"
    watcher = _Watcher(base, watched)
    stop = asyncio.Event()
    kills = restarts = moves = 0
    started = time.monotonic()
    async with contextlib.AsyncExitStack() as stack:
        stack.enter_context(running(["api"], api_env, root / "api.log"))
        client = await stack.enter_async_context(httpx.AsyncClient(base_url=base, timeout=10.0))
        await _wait_http(client)
        polling = asyncio.create_task(watcher.run(stop))
        try:
            a = stack.enter_context(running(worker, env_a, root / "a.log"))
            b = stack.enter_context(running(worker, env_b, root / "b-1.log"))
            await _wait_shared(bootstrap, s, 2, [a, b])

            async def kill_b() -> None:
                nonlocal kills, moves
                kill(b)
                kills += 1
                moves += 1  # b's partitions move to a after the session timeout

            async def restart_b() -> None:
                nonlocal restarts, moves
                stack.enter_context(running(worker, env_b, root / "b-2.log"))
                restarts += 1
                moves += 1  # some move back to b, which recovers their table from the changelog

            chunks = -(-len(records) // 400)
            await _ingest(
                bootstrap,
                s.topic_events,
                records,
                pause=0.3,
                at={chunks // 3: kill_b, (2 * chunks) // 3: restart_b},
            )
            await wait_caught_up(bootstrap, _group(s), s.topic_events, timeout=600)
            since = time.time()  # every output of the processor is acknowledged by now
            ends = await _end_offsets(bootstrap, [s.topic_states, s.topic_events, s.topic_alerts])
            health = await _wait_api_caught_up(client, since)
            feeder_behind = _behind(ends, s)
            await watcher.poll_once(client)
        finally:
            stop.set()
            await polling
    figures = (
        f"events {len(records)}, workers 2, kills {kills}, restarts {restarts}, partition moves {moves}, "
        f"API polls {watcher.polls} ({watcher.answers} answers checked), violations {len(watcher.violations)}, "
        f"{time.monotonic() - started:.0f}s"
    )
    return Moves(s, per_case, watcher, health, figures, feeder_behind)


async def _end_offsets(bootstrap: str, topics: Sequence[str]) -> dict[tuple[str, int], int]:
    consumer = clients.consumer(kafka_settings(bootstrap), enable_auto_commit=False)
    await consumer.start()
    try:
        tps = [TopicPartition(t, p) for t in topics for p in range(4)]
        return {(tp.topic, tp.partition): o for tp, o in (await consumer.end_offsets(tps)).items()}
    finally:
        await consumer.stop()


def _behind(ends: dict[tuple[str, int], int], s: Settings) -> dict[str, int]:
    """Records before ``ends`` that the read model of ``s`` has not stored, per topic."""
    store = open_read_model(s)
    try:
        stored = store.offsets()
    finally:
        store.close()
    out: dict[str, int] = {}
    for (topic, partition), end in ends.items():
        out[topic] = out.get(topic, 0) + max(0, end - stored.get((topic, partition), 0))
    return out


async def test_the_api_serves_consistent_cases_while_partitions_move(
    kafka_bootstrap: str, unique_prefix: str, tmp_path: Path
) -> None:
    moves = await partitions_move(kafka_bootstrap, unique_prefix, tmp_path)
    s, watcher, per_case = moves.settings, moves.watcher, moves.per_case
    print(moves.figures)
    # first the log against case.states: a lost event is named (case, event id, log position)
    await _consistent(s, "API while partitions move", moves.figures)
    assert watcher.violations == [], watcher.violations[:10]
    assert watcher.k == watcher.final, "at the end the API serves every watched case's full history"
    expected, alert_ids = fold_log(e for evs in per_case.values() for e in evs)
    store = open_read_model(s)
    try:
        served = {c: store.get_case(c) for c in expected}
        stale = [
            c
            for c, st in served.items()
            if st is None or encode(st) != encode(snapshot(expected[c]))
        ]
        assert stale == [], (
            f"{len(stale)} cases in the read model differ from the log, e.g. {stale[:3]}"
        )
        assert store.counts()["alerts"] == len(alert_ids), (
            "one row per alert id: redeliveries de-duplicated"
        )
    finally:
        store.close()
    assert moves.health["read_model"]["cases"] == len(expected)


async def _wait_http(client: httpx.AsyncClient, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        try:
            if (await client.get("/healthz")).status_code == 200:
                return
        except httpx.TransportError as exc:
            last = repr(exc)
        await asyncio.sleep(0.25)
    raise AssertionError(f"the API did not answer /healthz within {timeout:.0f}s: {last}")
