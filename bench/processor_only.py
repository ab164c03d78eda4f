"""Only the ceiling and processor phases, for profiling and A/B of the worker.

    python -m bench.processor_only --events 20000              # ceiling + one worker, ratio
    python -m bench.processor_only --events 20000 --repeat 3   # three rounds, each on a fresh topic
    python -m bench.processor_only --py-spy /tmp/worker.txt    # py-spy raw profile of the worker

Starts its own broker (or ``--bootstrap``), pre-fills ``docket.events`` with the
first N events of the bench workload (cached in ``bench/results/cache``, the
same records as ``docketline bench``'s processor phase) and measures, per
round, the bare aiokafka ceiling and one ``docketline worker --no-supervise``
exactly as ``docketline bench`` does (``bench.phases``). Prints one line per
phase and writes ``bench/results/processor-<N>.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import phases
from bench.dataset import dataset
from bench.kafka_io import fill_topic
from bench.run import SEED, machine
from services.kafka.topics import ensure_app_topics
from services.kafka_local.manager import LocalKafka
from services.settings import Settings

RESULTS = Path(__file__).resolve().parent / "results"


def _take(records: Any, n: int) -> Any:
    for i, rec in enumerate(records):
        if i >= n:
            return
        yield rec


async def _round(
    bootstrap: str, root: Path, events: int, index: int, py_spy: Path | None
) -> dict[str, Any]:
    name = f"r{index}-{os.getpid()}"
    s = Settings(
        bootstrap_servers=bootstrap, topic_prefix=f"{name}.", data_dir=root / name, partitions=4
    )
    (root / name).mkdir(parents=True)
    await ensure_app_topics(s)
    bulk = dataset(RESULTS / "cache", max(events, 100_000), SEED)
    filled = await fill_topic(s, s.topic_events, _take(bulk.records(), events))
    out: dict[str, Any] = {
        "events": filled,
        "loadavg_before": [round(x, 2) for x in os.getloadavg()],
    }
    out["ceiling"] = await phases.ceiling(s, s.topic_events, f"{name}.ceiling", filled, timeout=600)
    print(f"round {index}: ceiling {out['ceiling']['events_per_s']:,.0f} ev/s, "
          f"{out['ceiling']['cpu_us_per_event']} CPU-us/event", flush=True)  # fmt: skip
    log = root / f"{name}.worker.log"
    started = time.perf_counter()
    with phases.running(
        [phases.DOCKETLINE, "worker", "-l", "warn", "--no-supervise"], phases.service_env(s), log
    ) as proc:
        spy = None
        if py_spy is not None:
            target = py_spy.with_name(f"{py_spy.stem}-{index}{py_spy.suffix}")
            spy = subprocess.Popen(
                [
                    str(Path(phases.DOCKETLINE).with_name("py-spy")),
                    "record",
                    "-p",
                    str(proc.pid),
                    "-r",
                    "100",
                    "-f",
                    "raw",
                    "-o",
                    str(target),
                ],  # fmt: skip
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        out["processor"] = await phases.processor_throughput(
            phases.Worker(proc, s, log), filled, started, timeout=1800
        )
        if spy is not None:
            spy.send_signal(signal.SIGINT)  # py-spy writes its file on SIGINT, not on SIGTERM
            spy.wait(30)
    p, c = out["processor"], out["ceiling"]
    out["ratio"] = round(p["events_per_s"] / c["events_per_s"], 4)
    out["ratio_cpu"] = (
        round(c["cpu_us_per_event"] / p["cpu_us_per_event"], 4) if p["cpu_us_per_event"] else None
    )
    out["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
    print(f"round {index}: processor {p['events_per_s']:,.0f} ev/s, {p['cpu_us_per_event']} CPU-us/event, "
          f"{p['states_written']} states, {p['alerts_written']} alerts, RSS {p['peak_rss_mib']} MiB; "
          f"ratio {out['ratio']:.2f} (by CPU {out['ratio_cpu']}); load {out['loadavg_after'][0]}", flush=True)  # fmt: skip
    return out


async def main(args: argparse.Namespace) -> dict[str, Any]:
    root = Path(tempfile.mkdtemp(prefix="docketline-proc-"))
    kafka = LocalKafka(ready_timeout=120)
    bootstrap = args.bootstrap
    try:
        if bootstrap is None:
            bootstrap = kafka.start(port=0, data_dir=root / "kafka", partitions=4)
        rounds = [
            await _round(bootstrap, root, args.events, i, args.py_spy) for i in range(args.repeat)
        ]
    finally:
        if args.bootstrap is None:
            kafka.stop(root / "kafka")
        if args.keep:
            print(f"kept {root}", flush=True)
        else:
            shutil.rmtree(root, ignore_errors=True)
    return {"machine": machine(), "events": args.events, "rounds": rounds}


def cli() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--events", type=int, default=20_000, help="events pre-filled per round (default 20,000)"
    )
    ap.add_argument(
        "--repeat", type=int, default=1, help="rounds, each on fresh topics (default 1)"
    )
    ap.add_argument("--bootstrap", help="use this broker instead of starting one")
    ap.add_argument(
        "--py-spy", type=Path, help="write a py-spy raw profile of each round's worker here"
    )
    ap.add_argument(
        "--keep", action="store_true", help="keep the temp dir (worker logs) instead of removing it"
    )
    ap.add_argument(
        "--out", type=Path, help="JSON results (default bench/results/processor-<N>.json)"
    )
    args = ap.parse_args()
    results = asyncio.run(main(args))
    out = args.out or RESULTS / f"processor-{args.events}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    ratios = [r["ratio"] for r in results["rounds"]]
    print(
        f"wrote {out}; processor/ceiling ratio per round: {', '.join(f'{r:.2f}' for r in ratios)}"
    )


if __name__ == "__main__":
    cli()
