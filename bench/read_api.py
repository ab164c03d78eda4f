"""``python -m bench.read_api [--cases N]``: only the read-API phase of ``docketline bench``.

The same code as the full run's last phase (:meth:`bench.run.Bench._read_api`):
the read model is filled (or reused from ``bench/results/cache``) with copies of
real folded states, served by the real API in its own process
(``python -m bench.api_server``) and hit by concurrent clients. No Kafka: the
template states are the workload's bulk events folded in process (``evolve``),
which is what the full run's rebuild phase produces from the broker.

    python -m bench.read_api --cases 100000              # ~2 min once the read model is cached
    python -m bench.read_api --cases 1000000 --lookups 20000 --lists 10000
    python -m bench.read_api --db path/to/readmodel.sqlite   # serve an existing file as is
    python -m bench.read_api --db FILE --workers 2           # docketline api --workers 2
    python -m bench.read_api --db FILE --generator threads   # the earlier httpx-threads load generator

Results go to ``bench/results/read_api-<cases>.json`` (or ``--out``).
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.run import RESULTS_DIR, SEED, SIZES, Bench, write_json
from schemas.codec import decode_event
from schemas.projection import CaseState
from services.core.evolve import evolve

TEMPLATE_EVENTS = 100_000
"""Bulk events folded for template states (~4k cases, the quick run's mix)."""


def templates(cache_dir: Path, n_events: int) -> list[CaseState]:
    from bench.dataset import dataset

    ds = dataset(cache_dir, n_events, SEED)
    states: dict[str, CaseState] = {}
    for _, value in ds.records():
        event = decode_event(value)
        states[event.subject] = evolve(states.get(event.subject), event)
    return list(states.values())


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(
        prog="python -m bench.read_api", description=__doc__.splitlines()[0]
    )
    p.add_argument(
        "--cases", type=int, default=100_000, help="cases in the read model (default 100000)"
    )
    p.add_argument(
        "--lookups", type=int, default=None, help="case lookups (default: the quick run's 1,500)"
    )
    p.add_argument(
        "--lists", type=int, default=None, help="filtered list pages (default: the quick run's 600)"
    )
    p.add_argument("--clients", type=int, default=16)
    p.add_argument(
        "--db", type=Path, default=None, help="serve this SQLite file instead of the cached one"
    )
    p.add_argument(
        "--generator",
        choices=("asyncio", "threads"),
        default="asyncio",
        help="load generator: asyncio streams (default) or the earlier httpx threads",
    )
    p.add_argument(
        "--workers", type=int, default=1, help="API processes (docketline api --workers)"
    )
    p.add_argument("--out", type=Path, default=None)
    args = p.parse_args(argv)

    sizes = dataclasses.replace(
        SIZES["quick"],
        readmodel_cases=args.cases,
        lookups=args.lookups or SIZES["quick"].lookups,
        lists=args.lists or SIZES["quick"].lists,
        clients=args.clients,
    )
    bench = Bench(
        "quick",
        log=lambda m: print(f"bench: {m}", file=sys.stderr),
        cache_dir=RESULTS_DIR / "cache",
    )
    bench.sizes = sizes
    bench.results["sizes"] = dataclasses.asdict(sizes)
    bench.results["mode"] = "read_api"
    started = time.perf_counter()
    if args.db is None and not bench.read_model_cached():
        bench.log(f"templates: folding {TEMPLATE_EVENTS} workload events in process")
        bench._templates = templates(bench.cache_dir, TEMPLATE_EVENTS)
    root = Path(tempfile.mkdtemp(prefix="docketline-bench-api-"))
    try:
        bench._read_api(root, db=args.db, generator=args.generator, workers=args.workers)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    bench.results["total_seconds"] = round(time.perf_counter() - started, 1)
    out = args.out or RESULTS_DIR / f"read_api-{args.cases}.json"
    write_json(bench.results, out)
    _print(bench.results["read_api"])
    print(f"results written to {out}", file=sys.stderr)
    return 0


def _print(r: dict[str, Any]) -> None:
    fill = r["fill"]
    print(f"read model: {fill}")
    for kind, rate in (("miss", None), ("lookup", r["lookups_per_s"]), ("list", r["lists_per_s"])):
        f = r.get(kind, {"n": 0})
        per_s = "" if rate is None else f"{rate} req/s, "
        print(
            f"{kind:6}: p50 {f.get('p50_ms')} ms, p99 {f.get('p99_ms')} ms, max {f.get('max_ms')} ms "
            f"({per_s}n={f['n']}; CPU ms/req: server {f.get('server_cpu_ms_per_req')}, "
            f"client {f.get('client_cpu_ms_per_req')})"
        )
    print(
        f"generator: {r.get('generator')}; server: {r.get('server')}, {r.get('server_processes')} process(es)"
    )
    print(f"errors: {r['errors']} {r['first_errors']}")
    print(f"API peak RSS: {r['peak_rss_mib']:.0f} MiB")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
