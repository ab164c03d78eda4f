"""``docketline bench`` harness on a tiny workload against the real broker.

Checks that every figure is produced and that the counts add up (events in =
events handled, alerts = what the pure core says, nothing dead-lettered); it
never asserts on time.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.dataset import dataset
from bench.report import print_report
from bench.run import SEED, SIZES, Bench
from services.processor.step import RecordRef, handle_record

pytestmark = pytest.mark.kafka


def _expected_alerts(records: list[tuple[bytes, bytes]]) -> int:
    states: dict = {}
    alerts = 0
    for i, (key, value) in enumerate(records):
        out = handle_record(key, value, RecordRef("t", 0, i), states.get)
        assert out.dead_letter is None
        if out.state is not None:
            states[out.case_id] = out.state
            alerts += len(out.alerts)
    return alerts


def test_bench_smoke_produces_every_figure_with_consistent_counts(
    kafka_bootstrap: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sz = SIZES["smoke"]
    bench = Bench(
        "smoke", log=print, cache_dir=tmp_path / "cache", bootstrap=kafka_bootstrap, build_workers=1
    )
    r = bench.run()

    bulk = dataset(tmp_path / "cache", sz.bulk_events, SEED)
    assert bulk.build_seconds is None, "the run built and cached the workload"
    proc_records = list(bulk.records())[: sz.processor_events]

    assert r["ceiling"]["events"] == sz.processor_events and r["ceiling"]["events_per_s"] > 0
    p = r["processor"]
    assert (
        p["events"] == sz.processor_events
        and p["events_per_s"] > 0
        and p["events_per_s_incl_startup"] > 0
    )
    assert p["dead_lettered"] == 0
    assert p["alerts_written"] == _expected_alerts(proc_records)
    assert 0 < p["states_written"] <= sz.processor_events
    assert p["peak_rss_mib"] > 0
    assert r["ratio_processor_ceiling"] > 0
    sw = r["same_work_ceiling"]  # the worker's work without faust: the same outputs
    assert sw["events"] == sz.processor_events and sw["events_per_s"] > 0
    assert sw["alerts_written"] == p["alerts_written"] and sw["dead_lettered"] == 0
    assert 0 < sw["states_written"] <= sz.processor_events
    assert r["ratio_processor_same_work"] > 0 and r["ratio_processor_same_work_cpu"] > 0

    lat = r["latency"]
    live = dataset(tmp_path / "cache", sz.live_events, SEED + 1, seq_base=60_000)
    assert lat["events"] == sz.live_events
    assert lat["unmatched_alerts"] == 0
    assert lat["alerts"] == _expected_alerts(list(live.records())) > 0
    assert lat["n"] == lat["alerts"] and lat["p50_ms"] <= lat["p99_ms"] <= lat["max_ms"]

    watch = r["watch_rss"]
    assert watch["feed_to_alert"]["n"] == sz.watch_samples, (
        "one open -> closed alert per appended item"
    )
    assert watch["idle"]["feeds"] == sz.watch_idle_feeds and watch["idle"]["idle_polls"] > 0
    assert watch["idle"]["other_answers"] == 0, "an unchanged feed is only ever answered 304"

    ing = r["ingest"]
    assert ing["events"] == ing["on_topic"] == sz.ingest_events and ing["rejected"] == 0

    rb = r["rebuild"]
    assert rb["events"] == sz.bulk_events
    assert rb["cases"] == len({k for k, _ in bulk.records()})
    if "rebuild_command" in r:  # the command exists in this checkout
        assert r["rebuild_command"]["states_written"] == rb["cases"]
        # the same log again, now processed (group offsets at the end): every case derived once
        processed = r["rebuild_command_processed"]
        assert processed["log"] == "processed" and processed["states_written"] == rb["cases"]

    api = r["read_api"]
    assert api["fill"]["cases"] == sz.readmodel_cases
    assert api["errors"] == 0
    assert api["lookup"]["n"] == sz.lookups and api["list"]["n"] == sz.lists
    assert api["miss"]["n"] == min(sz.lookups, 1000)  # unknown ids answered 404
    assert api["peak_rss_mib"] > 0

    assert 0 < r["classify_build"]["classifier_agreement"] <= 1
    print_report(r)
    assert "processor/ceiling ratio: " in capsys.readouterr().out.splitlines()[-1]
