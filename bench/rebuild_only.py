"""Only the rebuild phase of ``docketline bench``, at any size.

``python -m bench.rebuild_only --events 1000000`` builds (or reuses from
``bench/results/cache``) the bulk workload of that many events, starts its own
broker (free port, temp dir; or uses ``--bootstrap``), pre-fills a fresh
``docket.events`` and runs what the bench's rebuild phase runs:

* (a) the pure fold from Kafka in process (``--no-fold`` skips it), and
* (b) ``docketline rebuild --no-read-model`` as a subprocess, ``--repeat N``
  times, each on its own freshly filled topics (a second rebuild of the same
  topics would find nothing to write).

``--py-spy FILE`` records the command under ``.venv/bin/py-spy`` (speedscope
or raw output by the file's suffix, subprocesses included). Figures are
printed and written as JSON (``--out``, default
``bench/results/rebuild-<N>.json``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from bench import phases
from bench.dataset import dataset
from bench.kafka_io import fill_topic
from bench.run import RESULTS_DIR, SEED, machine, write_json
from services.kafka.topics import ensure_app_topics
from services.kafka_local.manager import LocalKafka
from services.settings import Settings


def _log(msg: str) -> None:
    print(f"rebuild-bench: {msg}", file=sys.stderr, flush=True)


def _settings(root: Path, bootstrap: str, name: str) -> Settings:
    (root / name).mkdir(parents=True, exist_ok=True)
    return Settings(
        bootstrap_servers=bootstrap,
        topic_prefix=f"r{uuid.uuid4().hex[:6]}.{name}.",
        data_dir=root / name,
        partitions=4,
    )


async def _warm_up_coordinator(bootstrap: str) -> None:
    """A first group commit, so a fresh broker has its ``__consumer_offsets`` before anything is timed."""
    from services.rebuild.run import commit_offsets

    warm = Settings(
        bootstrap_servers=bootstrap, topic_prefix=f"warm{uuid.uuid4().hex[:6]}.", partitions=1
    )
    await ensure_app_topics(warm)
    await commit_offsets(warm, f"{warm.topic_prefix}warm-up", warm.topic_events, {0: 0})


async def _commit_to_end(s: Settings) -> None:
    """Commit the processor group's offsets to the end of the events topic: a log workers have processed."""
    from bench.kafka_io import end_offsets
    from services.rebuild.run import commit_offsets, processor_group

    ends = await end_offsets(s, s.topic_events)
    await commit_offsets(s, processor_group(s), s.topic_events, ends)


def _py_spy(out: Path) -> list[str]:
    spy = Path(sys.executable).with_name("py-spy")
    fmt = (
        "speedscope" if out.suffix == ".json" else ("flamegraph" if out.suffix == ".svg" else "raw")
    )
    return [str(spy), "record", "--subprocesses", "-r", "50", "-f", fmt, "-o", str(out), "--"]


def run(args: argparse.Namespace) -> dict[str, Any]:
    results: dict[str, Any] = {"machine": machine(), "events": args.events, "runs": []}
    t0 = time.perf_counter()
    bulk = dataset(RESULTS_DIR / "cache", args.events, SEED, workers=args.build_workers)
    results["workload"] = {
        "events": bulk.count,
        "cases": bulk.n_cases,
        "cached": bulk.build_seconds is None,
    }
    _log(
        f"workload: {bulk.count} events, {bulk.n_cases} cases ({'cached' if bulk.build_seconds is None else 'built'})"
    )
    root = Path(tempfile.mkdtemp(prefix="docketline-rebuild-bench-"))
    kafka = LocalKafka(progress=_log)
    kdir = root / "kafka"
    try:
        bootstrap = args.bootstrap or kafka.start(port=0, data_dir=kdir, partitions=4)
        _log(f"broker at {bootstrap}")
        asyncio.run(_warm_up_coordinator(bootstrap))
        for i in range(args.repeat):
            s = _settings(root, bootstrap, f"run{i}")
            asyncio.run(ensure_app_topics(s))
            started = time.perf_counter()
            n = asyncio.run(fill_topic(s, s.topic_events, bulk.records()))
            _log(
                f"run {i}: filled {s.topic_events} with {n} events in {time.perf_counter() - started:.1f}s"
            )
            if args.acked:
                asyncio.run(_commit_to_end(s))
            run_figures: dict[str, Any] = {"loadavg_before": [round(x, 2) for x in os.getloadavg()]}
            if i == 0 and not args.no_fold:
                fold, _ = asyncio.run(phases.rebuild_fold(s, s.topic_events, n, timeout=3600))
                results["rebuild"] = fold
                _log(f"pure fold: {fold['seconds']}s, {fold['events_per_s']} ev/s")
            wrap = _py_spy(Path(args.py_spy).resolve()) if args.py_spy and i == 0 else []
            other = args.ab if args.ab and i % 2 else args.pythonpath
            if other:  # the command imports docketline from another checkout
                wrap = ["env", f"PYTHONPATH={Path(other).resolve()}", *wrap]
            extra = (args.ab_args if i % 2 else args.args).split()
            command = phases.rebuild_command(
                s, n, root / f"rebuild-{i}.log", 3600.0, wrap=wrap, extra_args=extra
            )
            if command is None:
                raise SystemExit("this checkout has no `docketline rebuild` command")
            if n and not command["states_written"]:  # fresh topics: every case has a state to write
                tail = (root / f"rebuild-{i}.log").read_text(errors="replace")[-3000:]
                raise SystemExit(
                    f"run {i}: the rebuild wrote no state (py-spy hides a failed exit code):\n{tail}"
                )
            command["loadavg_before"] = run_figures["loadavg_before"]
            command["log_acknowledged"] = args.acked
            command["checkout"] = str(Path(other).resolve()) if other else "this"
            command["args"] = " ".join(extra)
            if wrap:
                command["profiled"] = True
            results["runs"].append(command)
            _log(
                f"run {i} ({command['checkout']} {command['args']}): docketline rebuild --no-read-model {command['seconds']}s, {command['events_per_s']} ev/s, "
                f"{command['cpu_us_per_event']} CPU-µs/event, {command['states_written']} states"
            )
            if args.show_log:
                print(
                    (root / f"rebuild-{i}.log").read_text(errors="replace")[-args.show_log :],
                    file=sys.stderr,
                )
    finally:
        if args.bootstrap is None:
            kafka.stop(kdir)
        if args.keep:
            _log(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    results["machine"]["loadavg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    results["total_seconds"] = round(time.perf_counter() - t0, 1)
    return results


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(
        prog="python -m bench.rebuild_only", description=__doc__.split("\n\n")[0]
    )
    p.add_argument("--events", type=int, default=100_000, help="bulk workload size (events)")
    p.add_argument(
        "--repeat", type=int, default=1, help="rebuild runs, each on freshly filled topics"
    )
    p.add_argument(
        "--acked",
        action="store_true",
        help="commit the processor group's offsets to the end first (a log workers processed: the rebuild "
        "recomputes and writes states, no alerts); default: a log no worker has read (the rebuild also sends "
        "every record's alerts, as the processor would)",
    )
    p.add_argument("--no-fold", action="store_true", help="skip the in-process pure fold")
    p.add_argument("--bootstrap", help="use this broker instead of starting one")
    p.add_argument(
        "--py-spy", metavar="FILE", help="profile the first rebuild run with py-spy into FILE"
    )
    p.add_argument(
        "--build-workers", type=int, default=None, help="processes building an uncached workload"
    )
    p.add_argument(
        "--show-log",
        type=int,
        default=0,
        metavar="CHARS",
        help="print the tail of each rebuild's output",
    )
    p.add_argument(
        "--pythonpath",
        help="run the command with docketline imported from this checkout (with --ab: the A side)",
    )
    p.add_argument(
        "--ab",
        metavar="DIR",
        help="alternate runs between this checkout (or --pythonpath) and DIR (A/B on one broker)",
    )
    p.add_argument(
        "--args", default="", help="extra arguments of `docketline rebuild` (e.g. '--jobs 1')"
    )
    p.add_argument(
        "--ab-args", default="", help="extra arguments of every second run instead of --args (A/B)"
    )
    p.add_argument("--keep", action="store_true", help="keep the temp dir (broker data, logs)")
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        help="JSON results (default bench/results/rebuild-<N>.json)",
    )
    args = p.parse_args(argv)
    results = run(args)
    out = args.out or RESULTS_DIR / f"rebuild-{args.events}.json"
    write_json(results, out)
    _log(f"results written to {out}")


if __name__ == "__main__":
    main()
