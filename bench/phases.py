"""The measurements of ``docketline bench``, one function per figure.

Each phase returns a plain dict of numbers (what goes into the JSON); the
runner (:mod:`bench.run`) decides sizes, order and printing. Nothing here
asserts on time: figures are reported, and the smoke test only checks that
counts add up.
"""

from __future__ import annotations

import asyncio
import os
import random
import resource
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from aiokafka import TopicPartition  # type: ignore[import-untyped]

from bench.kafka_io import (
    BenchTimeout,
    GroupWatch,
    count_records,
    end_offsets,
    fill_topic,
    topic_partitions,
)
from schemas.codec import decode_event
from schemas.events import DocketEvent
from schemas.projection import CaseState
from services.core.evolve import evolve
from services.kafka import clients
from services.kafka.topics import ensure_app_topics
from services.settings import Settings

DOCKETLINE = str(Path(sys.executable).with_name("docketline"))


# --------------------------------------------------------------------------- processes and memory


def peak_rss_mib(pid: int) -> float | None:
    """Peak resident set size (``VmHWM``) of a live process, in MiB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time a process has used so far (``/proc/<pid>/stat``).

    On a shared machine CPU time per event is a steadier figure than wall
    time: it does not count the time the process waited for a core.
    """
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def child_pids(pid: int) -> list[int]:
    """The live children of a process (``/proc/<pid>/task/*/children``)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def uvicorn_impl(pid: int) -> str:
    """Which HTTP parser and event loop a uvicorn process runs ("auto" takes httptools and uvloop when installed)."""
    try:
        maps = Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return "unknown"
    http = "httptools" if "/httptools/" in maps else "h11"
    loop = "uvloop" if "/uvloop/" in maps else "asyncio"
    return f"{http} + {loop}"


def service_env(settings: Settings, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCKETLINE_")}
    env.update(
        DOCKETLINE_BOOTSTRAP_SERVERS=settings.bootstrap_servers,
        DOCKETLINE_TOPIC_PREFIX=settings.topic_prefix,
        DOCKETLINE_DATA_DIR=str(settings.data_dir),
        DOCKETLINE_PARTITIONS=str(settings.partitions),
    )
    env.update(extra)
    return env


@contextmanager
def running(
    cmd: Sequence[str], env: Mapping[str, str], log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """Run a child process; SIGTERM (then SIGKILL) it on exit; show its log tail on failure."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        proc = subprocess.Popen(list(cmd), env=dict(env), stdout=out, stderr=subprocess.STDOUT)
    try:
        yield proc
    except BaseException:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-40:])
        print(f"--- last lines of {log} ---\n{tail}", file=sys.stderr)
        raise
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)


def percentiles(samples_ms: Sequence[float]) -> dict[str, float]:
    if not samples_ms:
        return {"n": 0}
    s = sorted(samples_ms)

    def q(p: float) -> float:
        return s[min(len(s) - 1, round(p * (len(s) - 1)))]

    return {
        "n": len(s),
        "p50_ms": round(q(0.50), 2),
        "p99_ms": round(q(0.99), 2),
        "max_ms": round(s[-1], 2),
        "mean_ms": round(statistics.fmean(s), 2),
    }


# --------------------------------------------------------------------------- ceiling


async def ceiling(
    settings: Settings, src: str, dst: str, expected: int, timeout: float
) -> dict[str, Any]:
    """A bare aiokafka loop: fetch, decode each record, produce one record per input, commit.

    The upper bound of any consumer-transform-producer on this machine and
    broker with the same client faust uses and the worker's producer settings
    (acks=all, 1 MiB batches, 5 ms linger), pipelined per fetched batch.
    """
    from services.processor.app import PRODUCER_BATCH_BYTES, PRODUCER_LINGER_S

    group = f"{dst}.group"
    consumer = clients.consumer(
        settings,
        src,
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=2000,
    )
    producer = clients.producer(
        settings,
        acks="all",
        max_batch_size=PRODUCER_BATCH_BYTES,
        linger_ms=int(PRODUCER_LINGER_S * 1000),
    )
    await consumer.start()
    await producer.start()
    n = 0
    started: float | None = None
    deadline = time.perf_counter() + timeout
    try:
        while n < expected:
            if time.perf_counter() > deadline:
                raise BenchTimeout(
                    f"ceiling consumer got {n} of {expected} records from {src} in {timeout:.0f}s"
                )
            batch = await consumer.getmany(timeout_ms=500)
            if not batch:
                continue
            if started is None:
                started = time.perf_counter()
                cpu0 = time.process_time()
            futures = []
            for records in batch.values():
                for rec in records:
                    event = decode_event(rec.value)
                    futures.append(await producer.send(dst, key=rec.key, value=rec.value))
                    n += 1
                    del event
            await asyncio.gather(*futures)
            await consumer.commit()
        assert started is not None
        took = time.perf_counter() - started
        cpu = time.process_time() - cpu0
    finally:
        await consumer.stop()
        await producer.stop()
    return {
        "events": n,
        "seconds": round(took, 3),
        "events_per_s": round(n / took, 1),
        "cpu_us_per_event": round(cpu / n * 1e6, 1),
    }


# --------------------------------------------------------------------------- processor


@dataclass
class Worker:
    proc: subprocess.Popen[bytes]
    settings: Settings
    log: Path

    @property
    def group(self) -> str:
        return f"{self.settings.topic_prefix}{self.settings.processor_app_id}"

    def check_alive(self) -> None:
        if self.proc.poll() is not None:
            tail = "\n".join(self.log.read_text(errors="replace").splitlines()[-30:])
            raise BenchTimeout(
                f"the worker exited with {self.proc.returncode}; last lines of {self.log}:\n{tail}"
            )


async def _first_output(
    settings: Settings, topic: str, stop: asyncio.Event, pid: int
) -> tuple[float, float | None] | None:
    """(``perf_counter`` time, CPU seconds of ``pid``) when ``topic`` first holds a record (polled every 50 ms)."""
    tps = await topic_partitions(settings, topic)
    consumer = clients.consumer(settings, enable_auto_commit=False)
    await consumer.start()
    try:
        while not stop.is_set():
            ends = await consumer.end_offsets(tps)
            if any(ends.values()):
                return time.perf_counter(), cpu_seconds(pid)
            await asyncio.sleep(0.05)
        return None
    finally:
        await consumer.stop()


async def processor_throughput(
    worker: Worker, expected: int, started_at: float, timeout: float
) -> dict[str, Any]:
    """Events/s from ``docket.events`` to committed outputs.

    The clock starts when the worker's first output appears on ``case.states``
    (after faust's start-up, rebalance and table recovery) and stops when the
    group has committed the last input offset, i.e. every output is flushed
    (faust flushes its producer before committing). The figure including
    start-up is reported too.
    """
    s = worker.settings
    stop = asyncio.Event()
    first_output = asyncio.create_task(_first_output(s, s.topic_states, stop, worker.proc.pid))
    try:
        async with GroupWatch(s, worker.group, s.topic_events) as watch:
            _, done_t, _ = await watch.wait_for(
                expected, timeout, still_worth_waiting=worker.check_alive
            )
        done_cpu = cpu_seconds(worker.proc.pid)
    finally:
        stop.set()
    first = await first_output
    first_t, first_cpu = (
        first if first is not None else (started_at, 0.0)
    )  # states stayed empty: all dead-lettered?
    states = await count_records(s, s.topic_states)
    alerts = await count_records(s, s.topic_alerts)
    dlq = await count_records(s, s.topic_dlq)
    return {
        "events": expected,
        "seconds": round(done_t - first_t, 3),
        "events_per_s": round(expected / max(done_t - first_t, 1e-3), 1),
        "cpu_us_per_event": (
            round((done_cpu - first_cpu) / expected * 1e6, 1)
            if done_cpu is not None and first_cpu is not None
            else None
        ),
        "wall_seconds_incl_startup": round(done_t - started_at, 3),
        "events_per_s_incl_startup": round(expected / (done_t - started_at), 1),
        "states_written": states,
        "alerts_written": alerts,
        "dead_lettered": dlq,
        "peak_rss_mib": peak_rss_mib(worker.proc.pid),
    }


# --------------------------------------------------------------------------- latency


def _cause_of(alert_value: bytes) -> str | None:
    doc = orjson.loads(alert_value)
    cause = doc.get("data", {}).get("cause_event_id")
    return cause if isinstance(cause, str) else None


async def latency(
    worker: Worker, records: Sequence[tuple[bytes, bytes]], rate: float, timeout: float
) -> dict[str, Any]:
    """Produce ``records`` at a steady ``rate`` and time each alert from its cause's produce call.

    The clock is one process's ``perf_counter``: the produce time of every
    event id is taken just before ``send``, the alert time when the consumer
    hands the record over.
    """
    s = worker.settings
    tps = await topic_partitions(s, s.topic_alerts)
    consumer = clients.consumer(s, enable_auto_commit=False)
    producer = clients.producer(s, acks="all", enable_idempotence=True)
    await consumer.start()
    await producer.start()
    consumer.assign(tps)
    await consumer.seek_to_end(*tps)
    for tp in tps:
        await consumer.position(tp)
    sent: dict[str, float] = {}
    latencies: list[float] = []
    unmatched = 0
    done_sending = asyncio.Event()

    async def receive() -> None:
        nonlocal unmatched
        while True:
            batch = await consumer.getmany(timeout_ms=100)
            now = time.perf_counter()
            for recs in batch.values():
                for rec in recs:
                    cause = _cause_of(rec.value)
                    t0 = sent.get(cause) if cause else None
                    if t0 is None:
                        unmatched += 1
                    else:
                        latencies.append((now - t0) * 1000)
            if done_sending.is_set() and not batch:
                return

    receiver = asyncio.create_task(receive())
    ids = [orjson.loads(v)["id"] for _, v in records]
    start = time.perf_counter()
    futures = []
    try:
        for i, (key, value) in enumerate(records):
            due = start + i / rate
            wait = due - time.perf_counter()
            if wait > 0.001:
                await asyncio.sleep(wait)
            sent[ids[i]] = time.perf_counter()
            futures.append(await producer.send(s.topic_events, key=key, value=value))
        await asyncio.gather(*futures)
        send_seconds = time.perf_counter() - start
        async with GroupWatch(s, worker.group, s.topic_events) as watch:
            total = await count_records(s, s.topic_events)
            await watch.wait_for(total, timeout, still_worth_waiting=worker.check_alive)
        await asyncio.sleep(1.0)  # the last alerts' fetch
        done_sending.set()
        await asyncio.wait_for(receiver, timeout=30)
    finally:
        receiver.cancel()
        await producer.stop()
        await consumer.stop()
    return {
        "events": len(records),
        "target_rate": round(rate, 1),
        "achieved_rate": round(len(records) / send_seconds, 1),
        "alerts": len(latencies),
        "unmatched_alerts": unmatched,
        **percentiles(latencies),
    }


# --------------------------------------------------------------------------- ingest


async def ingest(settings: Settings, jsonl: Path, expected: int) -> dict[str, Any]:
    """JSONL file -> acknowledged records through the real ingest pipeline.

    :func:`services.ingest.publisher.run_ingest` with the JSONL adapter, the
    idempotent ``KafkaEventSink`` and a fresh ledger: exactly what
    ``docketline ingest FILE --format jsonl`` runs, minus process start-up.
    """
    from services.ingest.formats import parse_file
    from services.ingest.ledger import Ledger
    from services.ingest.publisher import KafkaEventSink, run_ingest

    ledger = Ledger(settings.data_dir / "bench-ingest-ledger.sqlite")
    started = time.perf_counter()
    async with KafkaEventSink(settings) as sink:
        summary = await run_ingest(parse_file(jsonl, "jsonl"), sink, ledger=ledger)
    took = time.perf_counter() - started
    on_topic = await count_records(settings, settings.topic_events)
    return {
        "path": "services.ingest.publisher.run_ingest (jsonl adapter, KafkaEventSink, ledger)",
        "events": summary.published,
        "rejected": summary.rejected,
        "duplicates": summary.duplicates,
        "on_topic": on_topic,
        "expected": expected,
        "seconds": round(took, 3),
        "events_per_s": round(summary.published / took, 1),
        "file_mib": round(jsonl.stat().st_size / 2**20, 1),
    }


def classify_build_rate(n_events: int, seed: int) -> dict[str, Any]:
    """In-process cost of turning docket text into events: classify + build + validate + encode."""
    from bench.workload import cases_for_events, iter_entries, to_event
    from schemas.codec import encode_event

    n_cases = cases_for_events(n_events, seed)
    entries = []
    for n, g in enumerate(iter_entries(n_cases, seed)):
        if n >= n_events:
            break
        entries.append(g)
    started = time.perf_counter()
    agree = 0
    for g in entries:
        ev = to_event(g)
        encode_event(ev)
        agree += ev.type == g.entry.expected
    took = time.perf_counter() - started
    return {
        "events": len(entries),
        "seconds": round(took, 3),
        "events_per_s": round(len(entries) / took, 1),
        "classifier_agreement": round(agree / len(entries), 4),
    }


# --------------------------------------------------------------------------- rebuild


async def commit_processor_offsets_to_end(settings: Settings) -> None:
    """Commit the processor group's offsets at the end of the events topic: a log the workers have processed."""
    from services.rebuild.run import commit_offsets, processor_group

    ends = await end_offsets(settings, settings.topic_events)
    await commit_offsets(settings, processor_group(settings), settings.topic_events, ends)


async def rebuild_fold(
    settings: Settings, topic: str, expected: int, timeout: float
) -> tuple[dict[str, Any], dict[str, CaseState]]:
    """Fold the whole events topic with the pure core, in process (decode + ``evolve``).

    This is the work ``rebuild`` does before writing anything: read the log
    from the beginning and recompute every case's state.
    """
    tps = await topic_partitions(settings, topic)
    consumer = clients.consumer(
        settings,
        enable_auto_commit=False,
        max_partition_fetch_bytes=8 * 1024 * 1024,
        fetch_max_bytes=64 * 1024 * 1024,
        max_poll_records=10_000,
    )
    await consumer.start()
    states: dict[str, CaseState] = {}
    n = 0
    started = time.perf_counter()
    deadline = started + timeout
    try:
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        while n < expected:
            if time.perf_counter() > deadline:
                raise BenchTimeout(
                    f"rebuild read {n} of {expected} events from {topic} in {timeout:.0f}s"
                )
            batch = await consumer.getmany(timeout_ms=500, max_records=10_000)
            for recs in batch.values():
                for rec in recs:
                    event: DocketEvent = decode_event(rec.value)
                    states[event.subject] = evolve(states.get(event.subject), event)
                    n += 1
        took = time.perf_counter() - started
    finally:
        await consumer.stop()
    closed = sum(1 for st in states.values() if st.status == "closed")
    return {
        "path": "in-process fold from Kafka (decode_event + evolve), no writes",
        "events": n,
        "cases": len(states),
        "closed_cases": closed,
        "seconds": round(took, 3),
        "events_per_s": round(n / took, 1),
    }, states


def rebuild_command(
    settings: Settings,
    events: int,
    log: Path,
    timeout: float,
    *,
    wrap: Sequence[str] = (),
    extra_args: Sequence[str] = (),
) -> dict[str, Any] | None:
    """``docketline rebuild --no-read-model`` on an events topic no worker has read.

    The real command: read the log, fold it, write every state to the
    processor's changelog and ``case.states``, commit the group's offsets.
    ``wrap`` prefixes the command (e.g. ``py-spy record -o FILE --``);
    ``extra_args`` are appended to it. Returns None when this checkout has no
    ``rebuild`` command. ``cpu_seconds`` is the user + system time of the
    command and every process it waited for (``RUSAGE_CHILDREN``).
    """
    help_text = subprocess.run(
        [DOCKETLINE, "--help"], capture_output=True, text=True, timeout=120, check=False
    ).stdout
    if " rebuild " not in help_text:
        return None
    cmd = [*wrap, DOCKETLINE, "rebuild", "--no-read-model", *extra_args]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with log.open("ab") as out:
        done = subprocess.run(
            cmd,
            env=service_env(settings),
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=timeout,
            check=False,
        )
    took = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-30:])
        raise BenchTimeout(f"{' '.join(cmd)} exited with {done.returncode}:\n{tail}")
    states = asyncio.run(count_records(settings, settings.topic_states))
    return {
        "path": "docketline rebuild --no-read-model (subprocess, incl. start-up and all writes)",
        "events": events,
        "states_written": states,
        "seconds": round(took, 3),
        "events_per_s": round(events / took, 1),
        "cpu_seconds": round(cpu, 2),
        "cpu_us_per_event": round(cpu / events * 1e6, 1) if events else None,
    }


# --------------------------------------------------------------------------- read API


def api_requests(
    base_url: str,
    case_ids: Sequence[str],
    courts: Sequence[str],
    n_lookups: int,
    n_lists: int,
    clients: int,
    *,
    server_pids: Sequence[int] = (),
    generator: str = "asyncio",
) -> dict[str, Any]:
    """Case lookups, then filtered lists, each from ``clients`` concurrent closed-loop clients.

    Each client has one keep-alive connection and sends its next request when the
    previous answer is in. Also "miss": lookups of case ids the read model does not
    have (404), the same number as the lookups up to 1,000: the per-request floor of
    the API (routing, validation, one index probe).

    ``generator``: ``"asyncio"`` (default), one coroutine per client on a minimal
    HTTP/1.1 client over asyncio streams in this process (~0.1 ms of client CPU per
    request); ``"threads"``, the earlier generator, one thread with an
    ``httpx.Client`` per client (~2.5-3 ms of client CPU per request, which on 2
    cores competes with the server it measures). ``server_pids``: the API's
    processes, whose CPU time per request is reported (a figure the machine's
    other load does not inflate as much as wall time).
    """
    rng = random.Random(7)
    lookups = [f"/api/cases/{rng.choice(case_ids)}" for _ in range(n_lookups)]
    misses = [
        f"/api/cases/{rng.choice(courts)}:1:99-cv-{i % 100000:05d}"
        for i in range(min(n_lookups, 1000))
    ]
    filters = (
        "status=closed&court={c}&limit=50",
        "status=open&limit=50",
        "court={c}&disposition=settled&limit=50",
        "class_action=true&limit=50",
        "court={c}&sort=date_filed&order=asc&limit=50",
        "status=closed&disposition=voluntary_dismissal&court={c}&filed_from=2019-01-01&limit=50",
    )
    lists = [
        f"/api/cases?{rng.choice(filters).format(c=rng.choice(courts))}" for _ in range(n_lists)
    ]
    run_pass = {"asyncio": _asyncio_pass, "threads": _threads_pass}[generator]
    results: dict[str, list[float]] = {}
    errors: list[str] = []
    passes: dict[str, float] = {}
    cpu: dict[str, dict[str, float | None]] = {}
    # one pass per kind: a lookup's latency is not hidden behind concurrent list pages
    for kind, paths in (("miss", misses), ("lookup", lookups), ("list", lists)):
        expected = 404 if kind == "miss" else 200
        server_before = _cpu_of(server_pids)
        client_before = time.process_time()
        started = time.perf_counter()
        results[kind] = run_pass(base_url, paths, expected, clients, errors)
        passes[kind] = time.perf_counter() - started
        client_cpu = time.process_time() - client_before
        server_after = _cpu_of(server_pids)
        server_cpu = (
            None if server_before is None or server_after is None else server_after - server_before
        )
        n = max(1, len(paths))
        cpu[kind] = {
            "server_cpu_ms_per_req": round(server_cpu / n * 1000, 3)
            if server_cpu is not None
            else None,
            "client_cpu_ms_per_req": round(client_cpu / n * 1000, 3),
        }
    return {
        "clients": clients,
        "generator": _GENERATORS[generator],
        "server_processes": len(server_pids) or None,
        "seconds": round(sum(passes.values()), 3),
        "lookups_per_s": round(len(lookups) / passes["lookup"], 1) if lookups else None,
        "lists_per_s": round(len(lists) / passes["list"], 1) if lists else None,
        "lookup": {**percentiles(results["lookup"]), **cpu["lookup"]},
        "list": {**percentiles(results["list"]), **cpu["list"]},
        "miss": {**percentiles(results["miss"]), **cpu["miss"]},
        "errors": len(errors),
        "first_errors": errors[:5],
    }


_GENERATORS = {
    "asyncio": "asyncio streams, minimal HTTP/1.1 keep-alive client, one coroutine + connection per client, one process",
    "threads": "httpx.Client per client, one thread each, one process",
}


def _cpu_of(pids: Sequence[int]) -> float | None:
    if not pids:
        return None
    total = 0.0
    for pid in pids:
        used = cpu_seconds(pid)
        if used is None:
            return None
        total += used
    return total


def _threads_pass(
    base_url: str, paths: Sequence[str], expected: int, clients: int, errors: list[str]
) -> list[float]:
    import httpx

    samples: list[float] = []
    lock = threading.Lock()

    def client(mine: Sequence[str]) -> None:
        with httpx.Client(base_url=base_url, timeout=60.0) as http:
            for path in mine:
                t0 = time.perf_counter()
                r = http.get(path)
                ms = (time.perf_counter() - t0) * 1000
                with lock:
                    if r.status_code == expected:
                        samples.append(ms)
                    else:
                        errors.append(f"{r.status_code} {path}")

    threads = [threading.Thread(target=client, args=(paths[i::clients],)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return samples


def _asyncio_pass(
    base_url: str, paths: Sequence[str], expected: int, clients: int, errors: list[str]
) -> list[float]:
    host, _, port = base_url.removeprefix("http://").partition(":")
    return asyncio.run(_asyncio_clients(host, int(port or 80), paths, expected, clients, errors))


class HttpClientError(Exception):
    """The server's answer was not an HTTP/1.1 response this client understands."""


async def _asyncio_clients(
    host: str, port: int, paths: Sequence[str], expected: int, clients: int, errors: list[str]
) -> list[float]:
    samples: list[float] = []

    async def client(mine: Sequence[str]) -> None:
        conn: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        try:
            for path in mine:
                if conn is None:
                    conn = await asyncio.open_connection(host, port)
                reader, writer = conn
                t0 = time.perf_counter()
                writer.write(f"GET {path} HTTP/1.1\r\nhost: {host}:{port}\r\n\r\n".encode())
                status, keep_alive = await asyncio.wait_for(_read_response(reader), 60.0)
                ms = (time.perf_counter() - t0) * 1000
                if status == expected:
                    samples.append(ms)
                else:
                    errors.append(f"{status} {path}")
                if not keep_alive:
                    writer.close()
                    conn = None
        finally:
            if conn is not None:
                conn[1].close()

    await asyncio.gather(*(client(paths[i::clients]) for i in range(clients)))
    return samples


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one response (status line, headers, ``Content-Length`` body): (status, keep-alive)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or parts[0] != "HTTP/1.1":
        raise HttpClientError(f"not an HTTP/1.1 status line: {lines[0]!r}")
    length: int | None = None
    keep_alive = True
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "connection" and value.strip().lower() == "close":
            keep_alive = False
        elif name == "transfer-encoding":
            raise HttpClientError(f"transfer-encoding {value.strip()} is not supported")
    if length is None:
        raise HttpClientError("a response without Content-Length")
    await reader.readexactly(length)
    return int(parts[1]), keep_alive


def wait_http(url: str, timeout: float, proc: subprocess.Popen[bytes] | None = None) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    last = "no attempt"
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise BenchTimeout(f"{url}: the server exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=2.0).status_code < 500:
                return
        except httpx.HTTPError as exc:
            last = f"{type(exc).__name__}: {exc}"
        time.sleep(0.2)
    raise BenchTimeout(f"{url} did not answer within {timeout:.0f}s; last: {last}")


async def start_and_fill(
    settings: Settings, records: Sequence[tuple[bytes, bytes]] | Iterator[tuple[bytes, bytes]]
) -> int:
    await ensure_app_topics(settings)
    return await fill_topic(settings, settings.topic_events, records)


__all__ = [
    "TopicPartition",
    "Worker",
    "api_requests",
    "ceiling",
    "classify_build_rate",
    "ingest",
    "latency",
    "peak_rss_mib",
    "percentiles",
    "processor_throughput",
    "rebuild_fold",
    "running",
    "service_env",
    "start_and_fill",
    "wait_http",
]
