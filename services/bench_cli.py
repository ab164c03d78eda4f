"""``docketline bench [--quick]``: measure docketline against its own machine (issue 7).

Starts its own Kafka broker (free port, temp dir), pre-fills topics and
measures, in one run: the ceiling (bare aiokafka), the processor (one real
``docketline worker``) and their ratio, ingest, produce-to-alert latency,
rebuild, the read API under 16 clients, and peak memory. Prints a table,
writes JSON, and ends with ``processor/ceiling ratio: X.XX``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

_ERR = Console(stderr=True)


def bench_command(
    quick: Annotated[
        bool,
        typer.Option(
            "--quick",
            help="A few minutes on a quiet machine: 100k-event rebuild, 100k-case read model, 20k processor events.",
        ),
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Where to write the JSON results (default bench/results/latest.json)."
        ),
    ] = None,
    keep: Annotated[
        bool, typer.Option("--keep", help="Keep the temp dir (broker data, logs) for inspection.")
    ] = False,
) -> None:
    """Benchmark throughput, latency, rebuild and the read API on this machine; print and save the figures."""
    from bench.report import print_report
    from bench.run import RESULTS_DIR, Bench, write_json

    target = out or RESULTS_DIR / "latest.json"
    bench = Bench("quick" if quick else "full", log=lambda m: _ERR.print(f"[dim]bench:[/dim] {m}"),
                  cache_dir=RESULTS_DIR / "cache", keep_dir=keep)  # fmt: skip
    results = bench.run()
    write_json(results, target)
    _ERR.print(f"results written to {target}")
    print_report(results)
