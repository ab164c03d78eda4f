"""Processor peak RSS with N cases: ``python -m bench.processor_rss 1000000``.

Pre-fills ``docket.events`` on its own broker with one ``case.filed`` event for
each of N distinct cases, runs one ``docketline worker --no-supervise`` until
the group has committed every offset and prints events/s, CPU-us/event and the
worker's peak RSS (VmHWM). 1M cases: ~90 s to fill, ~12 min to fold on 2 cores.
"""

import asyncio
import datetime as dt
import socket
import sys
import tempfile
import time
from pathlib import Path

from bench import phases
from bench.kafka_io import fill_topic
from schemas.codec import encode_event
from schemas.events import CaseInfo, Entry
from services.core.build import build_event
from services.core.classification import Classification
from services.core.ids import entry_key
from services.kafka.topics import ensure_app_topics
from services.kafka_local.manager import LocalKafka
from services.settings import Settings


def records(n):
    c = Classification(type="case.filed")
    for i in range(n):
        court = ("cand", "nysd", "txed", "ilnd", "dcd")[i % 5]
        dn = f"{1 + i % 5}:{10 + i // 100000}-cv-{i % 100000:05d}"
        d = dt.date(2020, 1, 1) + dt.timedelta(days=i % 1500)
        case = CaseInfo(
            court_id=court,
            docket_number=dn,
            case_name=f"Plaintiff {i} v. Defendant Corp.",
            date_filed=d,
        )
        cid = f"{court}:{dn}"
        e = Entry(
            entry_key=entry_key(cid, document_number=1, date_filed=d),
            date_filed=d,
            document_number=1,
            text=f"COMPLAINT against Defendant Corp. (Filing fee $ 405, receipt number {i}) filed by Plaintiff {i}.",
        )
        ev = build_event(case, e, c, source="bench/rss", classifier_version="test")
        yield cid.encode(), encode_event(ev)


async def main(n):
    root = Path(tempfile.mkdtemp(prefix="rss-"))
    k = LocalKafka(ready_timeout=120)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    bootstrap = k.start(port=port, data_dir=root / "kafka", partitions=4)
    try:
        s = Settings(
            bootstrap_servers=bootstrap, topic_prefix="rss.", data_dir=root / "w", partitions=4
        )
        (root / "w").mkdir()
        await ensure_app_topics(s)
        t = time.perf_counter()
        filled = await fill_topic(s, s.topic_events, records(n))
        print("filled", filled, "in", round(time.perf_counter() - t), "s", flush=True)
        env = phases.service_env(s)
        log = root / "w.log"
        with phases.running(
            [phases.DOCKETLINE, "worker", "-l", "warn", "--no-supervise"], env, log
        ) as proc:
            w = phases.Worker(proc, s, log)
            out = await phases.processor_throughput(w, filled, time.perf_counter(), timeout=2400)
            print(
                {
                    k2: out[k2]
                    for k2 in (
                        "events",
                        "events_per_s",
                        "cpu_us_per_event",
                        "states_written",
                        "peak_rss_mib",
                    )
                },
                flush=True,
            )
    finally:
        k.stop(root / "kafka")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000))
