"""The table ``docketline bench`` prints, next to issue 7's targets."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table


def _get(d: dict[str, Any], *path: str) -> Any:
    for p in path:
        if not isinstance(d, dict) or p not in d:
            return None
        d = d[p]
    return d


def _num(v: Any, unit: str = "", digits: int = 0) -> str:
    if v is None:
        return "-"
    if isinstance(v, float) and digits:
        return f"{v:,.{digits}f}{unit}"
    return f"{v:,.0f}{unit}" if isinstance(v, (int, float)) else f"{v}{unit}"


def table(r: dict[str, Any]) -> Table:
    m = r["machine"]
    t = Table(
        title=f"docketline bench ({r['mode']}) - {m['nproc']} cores, {m['ram_gib']} GiB, {m['cpu_model']}",
        caption=f"load average at start {m['loadavg_at_start']}, at end {m.get('loadavg_at_end')}; "
        "the machine is shared, figures are noisy",
    )
    t.add_column("figure")
    t.add_column("value", justify="right")
    t.add_column("target", justify="right")
    t.add_column("detail")
    ratio = r.get("ratio_processor_ceiling")
    rows = [
        (
            "ceiling (bare aiokafka decode+produce)",
            _num(_get(r, "ceiling", "events_per_s"), " ev/s"),
            "",
            f"{_num(_get(r, 'ceiling', 'events'))} events, {_num(_get(r, 'ceiling', 'cpu_us_per_event'))} CPU-us/event",
        ),
        (
            "same-work ceiling (bare aiokafka, the worker's fold)",
            _num(_get(r, "same_work_ceiling", "events_per_s"), " ev/s"),
            "",
            (
                f"{_num(_get(r, 'same_work_ceiling', 'cpu_us_per_event'))} CPU-us/event; decode, "
                f"evolve, detect, encode, {_num(_get(r, 'same_work_ceiling', 'states_written'))} "
                f"states, {_num(_get(r, 'same_work_ceiling', 'alerts_written'))} alerts; "
                "no faust, no RocksDB"
            ),
        ),
        (
            "processor, one worker",
            _num(_get(r, "processor", "events_per_s"), " ev/s"),
            ">= 50% of ceiling",
            f"ratio {ratio:.2f} (by CPU time {_num(r.get('ratio_processor_ceiling_cpu'), '', 2)}); "
            f"{_num(_get(r, 'processor', 'cpu_us_per_event'))} CPU-us/event; {_num(_get(r, 'processor', 'states_written'))} states, "
            f"{_num(_get(r, 'processor', 'alerts_written'))} alerts, {_num(_get(r, 'processor', 'dead_lettered'))} dead-lettered"
            if ratio is not None
            else "",
        ),
        (
            "ingest JSONL -> acked",
            _num(_get(r, "ingest", "events_per_s"), " ev/s"),
            "",
            f"{_num(_get(r, 'ingest', 'events'))} events, {_get(r, 'ingest', 'file_mib')} MiB",
        ),
        (
            "classify + build (in process)",
            _num(_get(r, "classify_build", "events_per_s"), " ev/s"),
            "",
            f"classifier agrees with the generator on {_num((_get(r, 'classify_build', 'classifier_agreement') or 0) * 100, '%')}",
        ),
        (
            "latency produce -> alert p50",
            _num(_get(r, "latency", "p50_ms"), " ms", 1),
            "",
            f"at {_num(_get(r, 'latency', 'achieved_rate'))} ev/s, {_num(_get(r, 'latency', 'n'))} alerts",
        ),
        (
            "latency produce -> alert p99",
            _num(_get(r, "latency", "p99_ms"), " ms", 1),
            "< 500 ms",
            "",
        ),
        ("latency produce -> alert max", _num(_get(r, "latency", "max_ms"), " ms", 1), "", ""),
        (
            "feed -> alert (watch rss) p50 / p99",
            f"{_num(_get(r, 'watch_rss', 'feed_to_alert', 'p50_ms'), '', 1)} / {_num(_get(r, 'watch_rss', 'feed_to_alert', 'p99_ms'), ' ms', 1)}",
            "",
            (
                f"{_num(_get(r, 'watch_rss', 'feed_to_alert', 'n'))} alerts, poll interval "
                f"{_num(_get(r, 'watch_rss', 'feed_to_alert', 'interval_s'))} s"
            ),
        ),
        (
            "watch rss CPU per idle poll",
            _num(_get(r, "watch_rss", "idle", "cpu_ms_per_idle_poll"), " ms", 3),
            "",
            f"{_num(_get(r, 'watch_rss', 'idle', 'feeds'))} feeds, {_num(_get(r, 'watch_rss', 'idle', 'idle_polls'))} polls answered 304",
        ),
        (
            "rebuild: pure fold from Kafka",
            _num(_get(r, "rebuild", "seconds"), " s", 1),
            "1M in < 120 s",
            f"{_num(_get(r, 'rebuild', 'events'))} events, {_num(_get(r, 'rebuild', 'events_per_s'))} ev/s",
        ),
        *(
            (
                f"rebuild (docketline rebuild), {label}",
                _num(_get(r, key, "seconds"), " s", 1),
                "1M in < 120 s",
                (
                    f"{_num(_get(r, key, 'events'))} events, {_num(_get(r, key, 'events_per_s'))} ev/s, "
                    f"{_num(_get(r, key, 'states_written'))} states written"
                ),
            )
            for key, label in (
                ("rebuild_command", "log no worker read"),
                ("rebuild_command_processed", "log processed by workers"),
            )
            if key in r
        ),
        (
            "case lookup p50 / p99",
            f"{_num(_get(r, 'read_api', 'lookup', 'p50_ms'), '', 1)} / {_num(_get(r, 'read_api', 'lookup', 'p99_ms'), ' ms', 1)}",
            "p99 < 20 ms",
            (
                f"{_num(_get(r, 'read_api', 'fill', 'cases'))} cases, {_get(r, 'read_api', 'clients')} clients, "
                f"{_num(_get(r, 'read_api', 'lookups_per_s'))} req/s"
            ),
        ),
        (
            "filtered list p50 / p99",
            f"{_num(_get(r, 'read_api', 'list', 'p50_ms'), '', 1)} / {_num(_get(r, 'read_api', 'list', 'p99_ms'), ' ms', 1)}",
            "p99 < 100 ms",
            f"{_num(_get(r, 'read_api', 'lists_per_s'))} req/s",
        ),
        (
            "processor peak RSS",
            _num(_get(r, "processor", "peak_rss_mib_after_latency"), " MiB"),
            "< 1 GiB @ 1M cases",
            f"{_num(_get(r, 'workload', 'bulk', 'cases'))} cases in the bulk workload",
        ),
        ("API peak RSS", _num(_get(r, "read_api", "peak_rss_mib"), " MiB"), "", ""),
    ]
    for row in rows:
        t.add_row(*row)
    return t


def print_report(r: dict[str, Any], console: Console | None = None) -> None:
    console = console or Console()
    console.print(table(r))
    for note in r.get("notes", []):
        console.print(f"note: {note}")
    ratio = r.get("ratio_processor_ceiling")
    figures = [
        _get(r, "ceiling", "events_per_s"),
        _get(r, "same_work_ceiling", "events_per_s"),
        _get(r, "processor", "events_per_s"),
    ]
    cpu = [
        _get(r, "ceiling", "cpu_us_per_event"),
        _get(r, "same_work_ceiling", "cpu_us_per_event"),
        _get(r, "processor", "cpu_us_per_event"),
    ]
    console.print(
        "ceiling / same-work ceiling / worker: "
        + " / ".join(_num(v) for v in figures)
        + " ev/s, "
        + " / ".join(_num(v) for v in cpu)
        + " CPU-us/event; worker/same-work ratio "
        + f"{_num(r.get('ratio_processor_same_work'), '', 2)} "
        + f"(by CPU {_num(r.get('ratio_processor_same_work_cpu'), '', 2)})"
    )
    console.print(
        f"processor/ceiling ratio: {ratio:.2f}"
        if ratio is not None
        else "processor/ceiling ratio: n/a"
    )
