"""Loop the partitions-move scenario until it fails, keeping every run's evidence.

    .venv/bin/python -m tests.stress.partition_moves --runs 10
    .venv/bin/python -m tests.stress.partition_moves --runs 3 --bootstrap 127.0.0.1:9092 --out /tmp/moves

Each run is ``tests/integration/test_faults_scaleout.py``'s
``partitions_move`` (two workers and the API, ingest, one worker SIGKILLed
and restarted) on fresh topics of one broker (started here unless
``--bootstrap``), with the workers at ``-l info``. It then runs
``docketline check`` (log vs ``case.states``) and the test's API checks.
Kept per run in ``--out/run-N/``:

* ``a.log``, ``b-1.log``, ``b-2.log``: the workers (faust's recovery logs the
  changelog high-water marks and the offsets it starts reading from; the
  processor logs each assignment: committed offsets, the table's persisted
  offsets, the changelog's end offsets);
* ``timeline.jsonl``: every ~0.25 s the group's committed offsets and the end
  offsets of ``docket.events`` and ``case.states``;
* ``check.txt``: the check's report, naming every lost event;
* on a failure, ``forensics.txt``: for each case that lost events, its
  events and every ``case.states`` record of it (partition, offset,
  timestamp, which of its events the state holds).

Prints one line per run and, at the end, ``N passed, M failed``; exits 1 when
a run failed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
import tempfile
import time
import traceback
import uuid
from pathlib import Path
from typing import Any

from aiokafka import TopicPartition  # type: ignore[import-untyped]
from aiokafka.errors import KafkaError  # type: ignore[import-untyped]

from schemas.codec import decode_event, decode_memory
from services.consistency.check import check, report_lines
from services.consistency.compare import Report
from services.kafka import clients
from services.kafka.read import scan
from services.kafka_local import LocalKafka
from services.settings import Settings
from tests.integration.test_faults_scaleout import Moves, partitions_move

MONITOR_EVERY_S = 0.25


async def _monitor(s: Settings, out: Path, stop: asyncio.Event) -> None:
    """Write the group's committed offsets and the two topics' end offsets to ``timeline.jsonl``."""
    group = f"{s.topic_prefix}{s.processor_app_id}"
    admin = clients.admin(s)
    consumer = clients.consumer(s, enable_auto_commit=False)
    await admin.start()
    await consumer.start()
    tps = [
        TopicPartition(t, p) for t in (s.topic_events, s.topic_states) for p in range(s.partitions)
    ]
    t0 = time.monotonic()
    try:
        with out.open("w") as f:
            while not stop.is_set():
                row: dict[str, Any] = {"t": round(time.monotonic() - t0, 2), "wall": time.time()}
                try:
                    committed = await admin.list_consumer_group_offsets(group)
                    row["committed"] = {
                        tp.partition: om.offset for tp, om in sorted(committed.items())
                    }
                    ends = await consumer.end_offsets(tps)
                    row["events_end"] = {
                        tp.partition: o for tp, o in ends.items() if tp.topic == s.topic_events
                    }
                    row["states_end"] = {
                        tp.partition: o for tp, o in ends.items() if tp.topic == s.topic_states
                    }
                except (KafkaError, OSError, TimeoutError) as exc:
                    row["error"] = repr(exc)
                f.write(json.dumps(row) + "\n")
                f.flush()
                try:
                    await asyncio.wait_for(stop.wait(), MONITOR_EVERY_S)
                except TimeoutError:
                    pass
    finally:
        await consumer.stop()
        await admin.close()


async def _forensics(s: Settings, report: Report, out: Path) -> None:
    """Per case that lost events: its events in the log and every case.states record of it."""
    cases = {d.case_id for d in report.diffs}
    events: dict[str, list[tuple[int, int, int, str]]] = {}
    async for batch in scan(s, s.topic_events):
        for r in batch:
            case_id = r.key.decode(errors="replace") if r.key else ""
            if case_id in cases:
                events.setdefault(case_id, []).append(
                    (r.partition, r.offset, r.timestamp, decode_event(r.value).id)
                )
    states: dict[str, list[tuple[int, int, int, set[str]]]] = {}
    async for batch in scan(s, s.topic_memory):  # the memories list the entries
        for r in batch:
            case_id = r.key.decode(errors="replace") if r.key else ""
            if case_id in cases and r.value is not None:
                held = {e.event_id for e in decode_memory(r.value).entries}
                states.setdefault(case_id, []).append((r.partition, r.offset, r.timestamp, held))
    with out.open("w") as f:
        for d in report.diffs:
            f.write(f"== {d.case_id}: {d.kind}: {d.detail}\n")
            evs = events.get(d.case_id, [])
            for p, o, ts, eid in evs:
                f.write(f"  event  p{p} @{o:<6} ts {ts} {eid}\n")
            for p, o, ts, held in states.get(d.case_id, []):
                mark = "".join("x" if eid in held else "." for _, _, _, eid in evs)
                f.write(f"  state  p{p} @{o:<6} ts {ts} holds {len(held):>3} [{mark}]\n")


def _api_problems(moves: Moves) -> list[str]:
    w = moves.watcher
    out = list(w.violations[:5])
    if any(moves.feeder_behind.values()):
        out.append(
            f"API said caught up while its read model lacked records of the log: {moves.feeder_behind}"
        )
    short = {c: (w.k[c], n) for c, n in w.final.items() if w.k[c] != n}
    if short:
        out.append(
            f"API: {len(short)} watched cases short at the end: {dict(list(short.items())[:5])}"
        )
    return out


async def one_run(bootstrap: str, root: Path, index: int) -> bool:
    """One scenario run with its evidence under ``root``; True when the log and the states agree."""
    root.mkdir(parents=True, exist_ok=True)
    prefix = f"s{uuid.uuid4().hex[:8]}."
    s = Settings(
        bootstrap_servers=bootstrap, topic_prefix=prefix, data_dir=root / "api", partitions=4
    )
    stop = asyncio.Event()
    monitor = asyncio.create_task(_monitor(s, root / "timeline.jsonl", stop))
    started = time.monotonic()
    try:
        moves = await partitions_move(bootstrap, prefix, root, loglevel="info")
    except Exception:  # a run that could not finish is a failed run with its traceback kept
        (root / "error.txt").write_text(traceback.format_exc())
        print(
            f"run {index}: ERROR after {time.monotonic() - started:.0f}s, see {root / 'error.txt'}",
            flush=True,
        )
        return False
    finally:
        stop.set()
        await monitor
    report = await check(s)
    lines = report_lines(report, limit=200)
    problems = _api_problems(moves)
    (root / "check.txt").write_text("\n".join([moves.figures, *lines, *problems]) + "\n")
    ok = report.ok and not problems
    if not report.ok:
        await _forensics(s, report, root / "forensics.txt")
    lost = [d for d in report.diffs if d.kind == "lost"]
    print(
        f"run {index}: {'ok' if ok else 'FAILED'} ({moves.figures}); check: {len(report.diffs)} differences, "
        f"{len(lost)} cases lost events" + "".join(f"\n    {p}" for p in [*lines[1:6], *problems]),
        flush=True,
    )
    return ok


async def main_async(args: argparse.Namespace) -> int:
    out = Path(args.out or tempfile.mkdtemp(prefix="partition-moves-"))
    out.mkdir(parents=True, exist_ok=True)
    print(f"evidence in {out}", flush=True)
    manager: LocalKafka | None = None
    bootstrap = args.bootstrap
    kafka_dir = out / "kafka"
    if bootstrap is None:
        manager = LocalKafka(ready_timeout=180.0)
        bootstrap = manager.start(port=0, data_dir=kafka_dir, partitions=4)
    passed = failed = 0
    try:
        for i in range(1, args.runs + 1):
            run_dir = out / f"run-{i}"
            if await one_run(bootstrap, run_dir, i):
                passed += 1
                if not args.keep_passed:
                    for d in ("a", "b", "api"):  # the data dirs; logs and timeline stay
                        shutil.rmtree(run_dir / d, ignore_errors=True)
            else:
                failed += 1
                if args.stop_on_failure:
                    break
    finally:
        if manager is not None:
            manager.stop(kafka_dir)
    print(f"partition moves: {passed} passed, {failed} failed")
    return 1 if failed else 0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=10, help="scenario runs (default 10)")
    parser.add_argument("--bootstrap", help="an existing broker (default: start one)")
    parser.add_argument("--out", help="where each run's evidence goes (default: a new temp dir)")
    parser.add_argument(
        "--stop-on-failure", action="store_true", help="stop at the first failed run"
    )
    parser.add_argument(
        "--keep-passed", action="store_true", help="keep the data dirs of passed runs too"
    )
    sys.exit(asyncio.run(main_async(parser.parse_args())))


if __name__ == "__main__":
    main()
