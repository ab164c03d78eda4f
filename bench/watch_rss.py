"""The RSS watcher's end-to-end figures (issue 13): feed -> alert latency, CPU per idle poll.

* **feed -> alert**: a local feed server (:class:`bench.feed_server.FeedServer`)
  serves one court feed; ``docketline watch rss`` polls it every ``interval``
  seconds (10 s: what a user would configure against a court) and publishes to
  the topic a real ``docketline worker`` reads. The feed first lists one
  complaint per synthetic case (processed before the clock starts); then a
  dismissal item per case is added to the feed at random moments, and each is
  timed from the instant it appeared on the feed to its ``open -> closed``
  alert on ``case.alerts`` (matched by ``cause_event_id``; one
  ``perf_counter`` clock in the bench process). Expect roughly uniform(0,
  interval) plus the pipeline: p50 near interval/2, p99 near the interval.
* **idle CPU**: a second watcher polls ``feeds`` real feeds (the 13 juriscraper
  feeds, repeated) that do not change: after a warm-up round every poll is a
  conditional GET answered 304. CPU time of the watcher process
  (``/proc/<pid>/stat``) over a window, divided by the polls the server
  answered in it.

``python -m bench.watch_rss [--samples N] [--interval S] [--feeds N]`` runs
both on its own broker; ``docketline bench`` runs them as its ``watch_rss`` phase.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import email.utils
import json
import random
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

from bench import phases
from bench.feed_server import FeedServer, assemble
from bench.kafka_io import GroupWatch, count_records, topic_partitions
from services.ingest.adapters import pacer_rss
from services.ingest.records import Parsed
from services.kafka import clients
from services.settings import Settings

RSS_DIR = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "juriscraper" / "rss"
HEAD = b"""<?xml version="1.0" encoding="ISO-8859-1"?>
<rss version="2.0">
<channel>
<title>California Northern District Court - Recent Entries</title>
<link>https://ecf.cand.uscourts.gov</link>
<description>Docket entries of type: all</description>
"""
TAIL = b"</channel>\n</rss>\n"


def _item(seq: int, doc: int, event: str, when: dt.datetime) -> bytes:
    case = 900_000 + seq
    link = f"https://ecf.cand.uscourts.gov/doc1/0351{case:08d}{doc:02d}?caseid={case}&amp;de_seq_num={doc * 3}"
    return (
        f"<item>\n<title><![CDATA[5:26-cv-{seq:05d}-EJD Bench{seq} v. Example Corporation]]></title>\n"
        f"<link>https://ecf.cand.uscourts.gov/cgi-bin/DktRpt.pl?{case}</link>\n"
        f"<description>[{event}] (&lt;a href=&quot;{link}&quot;&gt;{doc}&lt;/a&gt;)</description>\n"
        f'<guid isPermaLink="true">https://ecf.cand.uscourts.gov/cgi-bin/DktRpt.pl?{case}&amp;{doc * 3}</guid>\n'
        f"<pubDate>{email.utils.format_datetime(when, usegmt=True)}</pubDate>\n</item>\n"
    ).encode("ascii")


def _event_id(item: bytes) -> str:
    (parsed,) = [
        r for r in pacer_rss.parse(assemble(HEAD, [item], TAIL), "bench") if isinstance(r, Parsed)
    ]
    return parsed.event.id


async def feed_to_alert(
    worker: phases.Worker, root: Path, *, samples: int, interval: float, timeout: float = 600.0
) -> dict[str, Any]:
    """Feed -> alert latency through ``docketline watch rss`` and ``worker`` (see the module doc)."""
    s = worker.settings
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    complaints = [_item(i, 1, "Complaint", now - dt.timedelta(hours=1)) for i in range(samples)]
    items = list(reversed(complaints))  # newest first, as courts serve them
    before = await count_records(s, s.topic_events)
    with FeedServer() as server:
        server.set("/cand.xml", assemble(HEAD, items, TAIL))
        cmd = [phases.DOCKETLINE, "watch", "rss", "--feed", server.url("/cand.xml"),
               "--interval", str(interval), "--metrics-port", "0", "-l", "warning"]  # fmt: skip
        with phases.running(cmd, phases.service_env(s), root / "watch-rss.log") as proc:
            deadline = time.monotonic() + timeout
            while await count_records(s, s.topic_events) < before + samples:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise phases.BenchTimeout("the watcher did not publish the complaints")
                await asyncio.sleep(0.5)
            async with GroupWatch(s, worker.group, s.topic_events) as watch:
                await watch.wait_for(
                    before + samples, timeout, still_worth_waiting=worker.check_alive
                )
            tps = await topic_partitions(s, s.topic_alerts)
            consumer = clients.consumer(s, enable_auto_commit=False)
            await consumer.start()
            try:
                consumer.assign(tps)
                await consumer.seek_to_end(*tps)
                for tp in tps:
                    await consumer.position(tp)
                appeared: dict[str, float] = {}
                latencies: list[float] = []
                rng = random.Random(13)

                async def append() -> None:
                    for i in range(samples):
                        await asyncio.sleep(rng.uniform(0.2, 2.0))
                        when = dt.datetime.now(dt.UTC).replace(microsecond=0)
                        item = _item(i, 2, "Notice of Voluntary Dismissal", when)
                        items.insert(0, item)
                        event_id = _event_id(item)
                        server.set("/cand.xml", assemble(HEAD, items, TAIL))
                        appeared[event_id] = time.perf_counter()

                appender = asyncio.create_task(append())
                deadline = time.monotonic() + timeout
                while len(latencies) < samples:
                    worker.check_alive()
                    if time.monotonic() > deadline:
                        raise phases.BenchTimeout(
                            f"{len(latencies)} of {samples} alerts after {timeout}s"
                        )
                    batch = await consumer.getmany(timeout_ms=100)
                    at = time.perf_counter()
                    for recs in batch.values():
                        for rec in recs:
                            cause = orjson.loads(rec.value).get("data", {}).get("cause_event_id")
                            if cause in appeared:
                                latencies.append((at - appeared.pop(cause)) * 1000)
                await appender
            finally:
                await consumer.stop()
    return {"interval_s": interval, "samples": samples, **phases.percentiles(latencies)}


def _real_feeds() -> list[bytes]:
    """The juriscraper feeds; a synthetic 50-item feed when ../shared/data is absent."""
    real = [p.read_bytes() for p in sorted(RSS_DIR.glob("*.xml"))]
    when = dt.datetime(2025, 1, 30, 23, 12, 44, tzinfo=dt.UTC)
    return real or [assemble(HEAD, [_item(i, 1, "Complaint", when) for i in range(50)], TAIL)]


async def idle_cpu(
    settings: Settings, root: Path, *, feeds: int, interval: float, seconds: float
) -> dict[str, Any]:
    """CPU of one watcher per idle (304) poll of ``feeds`` unchanged real feeds."""
    bodies = _real_feeds()
    with FeedServer() as server:
        paths = [f"/f{i:03d}.xml" for i in range(feeds)]
        for i, path in enumerate(paths):
            server.set(path, bodies[i % len(bodies)])
        config = root / "watch-idle.toml"
        config.write_text("".join(f'[[feed]]\nurl = "{server.url(p)}"\n' for p in paths))
        env = phases.service_env(settings, DOCKETLINE_RSS_CONFIG=str(config))
        cmd = [
            phases.DOCKETLINE,
            "watch",
            "rss",
            "--interval",
            str(interval),
            "--metrics-port",
            "0",
            "-l",
            "warning",
        ]
        with phases.running(cmd, env, root / "watch-idle.log") as proc:
            deadline = time.monotonic() + 600
            # warm-up: every feed fetched once and answered 304 once
            while len({r.path for r in server.requests if r.status == 304}) < feeds:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise phases.BenchTimeout("the idle watcher did not reach one 304 per feed")
                await asyncio.sleep(0.2)
            t0, cpu0 = time.perf_counter(), phases.cpu_seconds(proc.pid)
            await asyncio.sleep(seconds)
            t1, cpu1 = time.perf_counter(), phases.cpu_seconds(proc.pid)
            window = [r for r in list(server.requests) if t0 <= r.at < t1]
    polls = sum(1 for r in window if r.status == 304)
    cpu = (cpu1 or 0.0) - (cpu0 or 0.0)
    per_poll_ms = cpu * 1000 / polls if polls else None
    return {
        "feeds": feeds,
        "interval_s": interval,
        "window_s": round(t1 - t0, 2),
        "idle_polls": polls,
        "other_answers": len(window) - polls,
        "cpu_s": round(cpu, 3),
        "cpu_ms_per_idle_poll": round(per_poll_ms, 3) if per_poll_ms is not None else None,
        # what 200 feeds at the default 5-minute interval cost in share of one core
        "core_share_200_feeds_at_300s": round(per_poll_ms / 1000 * 200 / 300, 5)
        if per_poll_ms
        else None,
    }


async def _main(args: argparse.Namespace) -> dict[str, Any]:
    from services.kafka.topics import ensure_app_topics
    from services.kafka_local.manager import LocalKafka

    root = Path(tempfile.mkdtemp(prefix="docketline-bench-watch-"))
    kafka = LocalKafka(ready_timeout=180)
    try:
        bootstrap = kafka.start(port=0, data_dir=root / "kafka", partitions=4)
        out: dict[str, Any] = {
            "loadavg_at_start": [round(x, 2) for x in __import__("os").getloadavg()]
        }
        s = Settings(
            bootstrap_servers=bootstrap, topic_prefix="bw.", data_dir=root / "proc", partitions=4
        )
        await ensure_app_topics(s)
        log = root / "worker.log"
        with phases.running(
            [phases.DOCKETLINE, "worker", "-l", "warn", "--no-supervise"],
            phases.service_env(s),
            log,
        ) as proc:
            worker = phases.Worker(proc, s, log)
            out["feed_to_alert"] = await feed_to_alert(
                worker, root, samples=args.samples, interval=args.interval
            )
        idle_s = Settings(
            bootstrap_servers=bootstrap, topic_prefix="bi.", data_dir=root / "idle", partitions=4
        )
        out["idle"] = await idle_cpu(
            idle_s, root, feeds=args.feeds, interval=args.idle_interval, seconds=args.seconds
        )
        out["loadavg_at_end"] = [round(x, 2) for x in __import__("os").getloadavg()]
        return out
    finally:
        kafka.stop(root / "kafka")
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--samples", type=int, default=60)
    ap.add_argument("--interval", type=float, default=10.0)
    ap.add_argument("--feeds", type=int, default=200)
    ap.add_argument("--idle-interval", type=float, default=5.0)
    ap.add_argument("--seconds", type=float, default=30.0)
    out = asyncio.run(_main(ap.parse_args()))
    print(json.dumps(out, indent=2))
    fa, idle = out["feed_to_alert"], out["idle"]
    print(f"feed -> alert at a {fa['interval_s']:g} s interval: p50 {fa.get('p50_ms')} ms, p99 {fa.get('p99_ms')} ms "
          f"({fa.get('n')} alerts); idle CPU per poll of {idle['feeds']} feeds: {idle['cpu_ms_per_idle_poll']} ms")  # fmt: skip


if __name__ == "__main__":
    main()
