"""``docketline bench``: every figure of issue 7 in one run, on its own broker.

Order (each phase on its own topics, so none sees another's records):

1. build (or reuse from the cache) the workload: a bulk stream and a "live" one;
2. start a private Kafka broker (``LocalKafka``, free port, temp dir);
3. classify + build rate, in process (what ingest pays per entry);
4. pre-fill the processor's ``docket.events`` and the bulk topic;
5. ceiling: bare aiokafka decode + produce over the processor's input;
6. processor: the real ``docketline worker`` subprocess on the same input;
7. latency: the same (caught-up) worker, live events at half its throughput;
   then feed -> alert through ``docketline watch rss`` and its CPU per idle
   poll (:mod:`bench.watch_rss`);
8. ingest: JSONL file -> acknowledged records through the ingest publisher;
9. rebuild: fold the bulk topic with the pure core;
10. read API: fill SQLite with copies of the rebuilt states, serve it with the
    real API in its own process, 16 concurrent clients.

Sizes are in :data:`SIZES`; ``--quick`` runs a few minutes, the full run tens
of minutes (building a million events is the slow part the first time; later
runs reuse the cache in ``bench/results/cache``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import platform
import shutil
import socket
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench import phases, watch_rss
from bench.dataset import Dataset, dataset
from bench.kafka_io import fill_topic
from services.kafka.topics import ensure_app_topics
from services.kafka_local.manager import LocalKafka
from services.settings import Settings

RESULTS_DIR = Path(__file__).resolve().parent / "results"
SEED = 20250121


@dataclass(frozen=True)
class Sizes:
    bulk_events: int
    """Events on the bulk topic: the rebuild reads them all."""
    processor_events: int
    """The first N bulk events: input of the ceiling and the processor."""
    ingest_events: int
    latency_seconds: float
    live_events: int
    """Events available to the latency phase (it sends rate x seconds of them)."""
    readmodel_cases: int
    lookups: int
    lists: int
    classify_sample: int
    clients: int = 16
    latency_rate: float | None = None
    """Fixed live rate (events/s); None = half the processor's measured throughput."""
    watch_samples: int = 30
    """Feed -> alert samples of the ``watch_rss`` phase (items appended to a served feed)."""
    watch_interval: float = 10.0
    watch_idle_feeds: int = 200
    watch_idle_seconds: float = 30.0
    watch_idle_interval: float = 5.0
    """Poll interval of the idle feeds (the window must hold a few rounds)."""


SIZES: dict[str, Sizes] = {
    "quick": Sizes(100_000, 20_000, 20_000, 20.0, 15_000, 100_000, 1_500, 600, 2_000),
    "full": Sizes(
        1_000_000,
        200_000,
        200_000,
        60.0,
        60_000,
        1_000_000,
        20_000,
        10_000,
        20_000,
        watch_samples=100,
    ),
    "smoke": Sizes(
        600,
        400,
        300,
        2.0,
        200,
        500,
        100,
        50,
        100,
        clients=4,
        latency_rate=100.0,
        watch_samples=3,
        watch_interval=1.0,
        watch_idle_feeds=10,
        watch_idle_seconds=2.0,
        watch_idle_interval=0.5,
    ),
}


def machine() -> dict[str, Any]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gib = round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "ram_gib": mem_gib,
        "cpu_model": model,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "hostname": socket.gethostname(),
        "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Bench:
    """One benchmark run: owns its broker, temp dir and results."""

    def __init__(
        self,
        mode: str,
        *,
        log: Callable[[str], None],
        cache_dir: Path,
        keep_dir: bool = False,
        bootstrap: str | None = None,
        build_workers: int | None = None,
    ) -> None:
        """``bootstrap``: use that broker instead of starting one (the smoke test's session broker)."""
        self.mode = mode
        self.bootstrap = bootstrap
        self.build_workers = build_workers
        self.sizes = SIZES[mode]
        self.log = log
        self.cache_dir = cache_dir
        self.keep_dir = keep_dir
        self.run_id = uuid.uuid4().hex[:6]
        self.results: dict[str, Any] = {
            "mode": mode,
            "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "machine": machine(),
            "sizes": asdict(self.sizes),
            "notes": [],
        }

    def settings(self, root: Path, bootstrap: str, name: str) -> Settings:
        (root / name).mkdir(parents=True, exist_ok=True)
        return Settings(
            bootstrap_servers=bootstrap,
            topic_prefix=f"b{self.run_id}.{name}.",
            data_dir=root / name,
            partitions=4,
        )

    def run(self) -> dict[str, Any]:
        sz = self.sizes
        t0 = time.perf_counter()
        self.log(
            f"workload: {sz.bulk_events} bulk events + {sz.live_events} live events (seed {SEED})"
        )
        bulk = dataset(self.cache_dir, sz.bulk_events, SEED, workers=self.build_workers)
        live = dataset(
            self.cache_dir, sz.live_events, SEED + 1, seq_base=60_000, workers=self.build_workers
        )
        self.results["workload"] = {
            "bulk": _ds(bulk),
            "live": _ds(live),
            **_sizes_of(bulk),
        }
        root = Path(tempfile.mkdtemp(prefix="docketline-bench-"))
        kafka = LocalKafka(progress=self.log)
        kdir = root / "kafka"
        try:
            if self.bootstrap is not None:
                bootstrap = self.bootstrap
                self.results["notes"].append(f"used an existing broker at {bootstrap}")
            else:
                bootstrap = kafka.start(port=0, data_dir=kdir, partitions=4)
                self.log(f"broker at {bootstrap} (data in {kdir})")
            asyncio.run(self._kafka_phases(root, bootstrap, bulk, live))
            self._read_api(root)
        finally:
            if self.bootstrap is None:
                kafka.stop(kdir)
            if not self.keep_dir:
                shutil.rmtree(root, ignore_errors=True)
        proc = self.results.get("processor", {}).get("events_per_s")
        ceil = self.results.get("ceiling", {}).get("events_per_s")
        self.results["ratio_processor_ceiling"] = round(proc / ceil, 4) if proc and ceil else None
        # CPU time per event does not count waiting for a core: steadier on a shared machine
        pc = self.results.get("processor", {}).get("cpu_us_per_event")
        cc = self.results.get("ceiling", {}).get("cpu_us_per_event")
        self.results["ratio_processor_ceiling_cpu"] = round(cc / pc, 4) if pc and cc else None
        self.results["machine"]["loadavg_at_end"] = [round(x, 2) for x in os.getloadavg()]
        self.results["total_seconds"] = round(time.perf_counter() - t0, 1)
        return self.results

    async def _kafka_phases(self, root: Path, bootstrap: str, bulk: Dataset, live: Dataset) -> None:
        sz = self.sizes
        self.log(f"classify + build rate on {sz.classify_sample} entries")
        self.results["classify_build"] = await asyncio.to_thread(
            phases.classify_build_rate, sz.classify_sample, SEED
        )

        proc_s = self.settings(root, bootstrap, "proc")
        bulk_s = self.settings(root, bootstrap, "bulk")
        self.log(
            f"pre-filling {proc_s.topic_events} ({sz.processor_events}) and {bulk_s.topic_events} ({bulk.count})"
        )
        await ensure_app_topics(proc_s)
        await ensure_app_topics(bulk_s)
        started = time.perf_counter()
        n = await fill_topic(proc_s, proc_s.topic_events, _take(bulk, sz.processor_events))
        n_bulk = await fill_topic(bulk_s, bulk_s.topic_events, bulk.records())
        took = time.perf_counter() - started
        self.results["prefill"] = {
            "events": n + n_bulk,
            "seconds": round(took, 2),
            "events_per_s": round((n + n_bulk) / took, 1),
        }

        self.log("ceiling: bare aiokafka decode + produce")
        ceiling_out = f"b{self.run_id}.ceiling.out"
        from services.kafka.admin import TopicSpec, ensure_topics

        await ensure_topics(proc_s, [TopicSpec(ceiling_out, 4)])
        self.results["ceiling"] = await phases.ceiling(
            proc_s, proc_s.topic_events, ceiling_out, n, timeout=1800
        )

        self.log("processor: docketline worker (one process)")
        env = phases.service_env(proc_s)
        log_path = root / "worker.log"
        with phases.running(
            [phases.DOCKETLINE, "worker", "-l", "warn", "--no-supervise"], env, log_path
        ) as proc:
            worker = phases.Worker(proc, proc_s, log_path)
            started_at = time.perf_counter()
            self.results["processor"] = await phases.processor_throughput(
                worker, n, started_at, timeout=3600
            )
            rate = sz.latency_rate or max(1.0, self.results["processor"]["events_per_s"] / 2)
            count = min(live.count, int(rate * sz.latency_seconds))
            self.log(f"latency: {count} live events at {rate:.0f}/s")
            self.results["latency"] = await phases.latency(
                worker, list(_take(live, count)), rate, timeout=600
            )
            self.results["processor"]["peak_rss_mib_after_latency"] = phases.peak_rss_mib(proc.pid)
            self.log(
                f"watch rss: feed -> alert, {sz.watch_samples} items, {sz.watch_interval:g} s interval"
            )
            self.results["watch_rss"] = {
                "feed_to_alert": await watch_rss.feed_to_alert(
                    worker, root, samples=sz.watch_samples, interval=sz.watch_interval
                )
            }
        self.log(f"watch rss: CPU per idle poll of {sz.watch_idle_feeds} feeds")
        self.results["watch_rss"]["idle"] = await watch_rss.idle_cpu(
            self.settings(root, bootstrap, "watch"), root, feeds=sz.watch_idle_feeds,
            interval=sz.watch_idle_interval, seconds=sz.watch_idle_seconds,
        )  # fmt: skip

        self.log("ingest: JSONL file -> acknowledged records")
        ing_s = self.settings(root, bootstrap, "ingest")
        jsonl = root / "ingest.jsonl"
        with jsonl.open("wb") as out:
            for i, (_, value) in enumerate(bulk.records()):
                if i >= sz.ingest_events:
                    break
                out.write(value + b"\n")
        self.results["ingest"] = await phases.ingest(ing_s, jsonl, sz.ingest_events)

        self.log(f"rebuild: folding {bulk.count} events from {bulk_s.topic_events}")
        figures, states = await phases.rebuild_fold(
            bulk_s, bulk_s.topic_events, bulk.count, timeout=3600
        )
        self.results["rebuild"] = figures
        self._templates = list(states.values())
        # Two logs: one no worker has read (the rebuild also does the processor's job: every
        # record through evolve + detect for its alerts) and one the workers have processed
        # (their group's offsets at the end: the usual rebuild after a code change, which
        # derives each case once). The first rebuild commits the group's offsets, which makes
        # the same topic the second kind. The full run measures only the second (the first
        # takes ~10 min at 1M events; bench/rebuild_only.py measures it at any size).
        runs = ["unread", "processed"] if self.mode != "full" else ["processed"]
        for kind in runs:
            if kind == "processed":
                await phases.commit_processor_offsets_to_end(bulk_s)
            self.log(f"rebuild: docketline rebuild on {bulk_s.topic_events} ({kind} by workers)")
            command = await asyncio.to_thread(
                phases.rebuild_command, bulk_s, bulk.count, root / f"rebuild-{kind}.log", 3600.0
            )
            if command is None:
                self.results["notes"].append(
                    "no `docketline rebuild` command in this checkout: only the in-process fold"
                )
                break
            command["log"] = kind
            self.results["rebuild_command" if kind == "unread" else "rebuild_command_processed"] = (
                command
            )

    def read_model_path(self) -> Path:
        """Where the filled read model of this run's size is cached (same workload and code = same rows)."""
        from bench.dataset import code_digest

        name = f"readmodel-{self.sizes.readmodel_cases}-{code_digest()}-{_readmodel_digest()}"
        return self.cache_dir / name / "readmodel.sqlite"

    def read_model_cached(self) -> bool:
        return self.read_model_path().with_name("complete").exists()

    def _read_api(
        self, root: Path, db: Path | None = None, generator: str = "asyncio", workers: int = 1
    ) -> None:
        """Fill (or reuse) the read model, serve it with the real API, hit it; ``db``: serve that file as is.

        ``generator``: the load generator of :func:`bench.phases.api_requests`;
        ``workers``: API processes (``docketline api --workers``)."""
        from bench.readmodel_fill import case_ids as fill_case_ids
        from bench.readmodel_fill import fill

        sz = self.sizes
        # Filling a million rows takes long: the file is cached like the workload
        # (same workload and code = same rows) and only read by the API.
        if db is not None:
            case_ids = fill_case_ids(sz.readmodel_cases)
            fill_figures = {
                "cases": sz.readmodel_cases,
                "cached": True,
                "path": str(db),
                "db_mib": _mib(db),
            }
        elif self.read_model_cached():
            db = self.read_model_path()
            case_ids = fill_case_ids(sz.readmodel_cases)
            fill_figures = {"cases": sz.readmodel_cases, "cached": True, "db_mib": _mib(db)}
            self.log(f"read model: reusing {db}")
        else:
            db = self.read_model_path()
            shutil.rmtree(db.parent, ignore_errors=True)
            db.parent.mkdir(parents=True, exist_ok=True)
            self.log(f"read model: filling {sz.readmodel_cases} cases")
            case_ids, fill_figures = fill(db, self._templates, sz.readmodel_cases)
            db.with_name("complete").write_text("ok")
        courts = sorted({c.split(":", 1)[0] for c in case_ids[:5000]})
        port = _free_port()
        cmd = [sys.executable, "-m", "bench.api_server", str(db), str(port), str(workers)]
        with phases.running(cmd, dict(os.environ), root / "api.log") as proc:
            phases.wait_http(f"http://127.0.0.1:{port}/healthz", timeout=120, proc=proc)
            pids = [proc.pid, *phases.child_pids(proc.pid)]
            self.log(
                f"read API: {sz.lookups} lookups + {sz.lists} lists, {sz.clients} clients, {len(pids)} API processes"
            )
            figures = phases.api_requests(
                f"http://127.0.0.1:{port}",
                case_ids,
                courts,
                sz.lookups,
                sz.lists,
                sz.clients,
                server_pids=pids,
                generator=generator,
            )
            figures["peak_rss_mib"] = phases.peak_rss_mib(proc.pid)
            figures["server"] = phases.uvicorn_impl(proc.pid)
            if len(pids) > 1:
                figures["peak_rss_mib_all_processes"] = sum(
                    phases.peak_rss_mib(p) or 0.0 for p in pids
                )
        self.results["read_api"] = {"fill": fill_figures, **figures}


def _mib(path: Path) -> float:
    """Size of a SQLite file with its WAL, in MiB."""
    wal = path.with_name(path.name + "-wal")
    return round((path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)) / 2**20, 1)


def _readmodel_digest() -> str:
    import hashlib

    from services.readmodel.sqlite import SCHEMA_VERSION

    # What decides the rows and the file's layout: the fill, the state model, the row values
    # and the store's layout version (which the store itself checks on open). Not the store's
    # query code (a 1M-case fill takes ~20 min), and not the fold: states are byte-identical
    # for the same events whatever the fold's speed-ups (tests/unit/test_evolve.py).
    root = Path(__file__).resolve().parents[1]
    h = hashlib.blake2b(digest_size=6)
    for rel in ("bench/readmodel_fill.py", "services/readmodel/values.py", "schemas/projection.py"):
        h.update((root / rel).read_bytes())
    h.update(f"layout {SCHEMA_VERSION}".encode())
    return h.hexdigest()


def _take(ds: Dataset, n: int) -> Any:
    for i, rec in enumerate(ds.records()):
        if i >= n:
            return
        yield rec


def _ds(d: Dataset) -> dict[str, Any]:
    return {
        "events": d.count,
        "cases": d.n_cases,
        "seed": d.seed,
        "cached": d.build_seconds is None,
        "build_seconds": None if d.build_seconds is None else round(d.build_seconds, 1),
        "build_workers": d.workers,
    }


def _sizes_of(d: Dataset) -> dict[str, Any]:
    sizes = sorted(len(v) for _, v in _take(d, 20_000))
    return {
        "event_bytes_p5": sizes[len(sizes) // 20],
        "event_bytes_p50": sizes[len(sizes) // 2],
        "event_bytes_p95": sizes[(len(sizes) * 19) // 20],
    }


def write_json(results: dict[str, Any], out: Path) -> None:
    import orjson

    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(orjson.dumps(results, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS))
