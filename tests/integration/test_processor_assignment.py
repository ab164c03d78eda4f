"""A backlog the worker finds at its start is folded, however slowly it reads its positions.

faust fetches without waiting for the processor's ``on_partitions_assigned``
receiver (``services.processor.faust_compat`` item 7). On the SASL_SSL broker
that receiver's admin connection took longer than faust's recovery, the first
batch came before the ledger knew its partitions, and the 2 events already on
``docket.events`` were skipped for good (the secure end-to-end test failed in
most runs). Here the real worker, on the plain broker, reads its committed
offsets after a delay, which makes that order certain.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from schemas.codec import decode_alert, encode_event
from services.kafka.topics import ensure_app_topics
from tests.integration.test_processor import _settings
from tests.kafka_util import produce, read_all, wait_caught_up
from tests.procs import service_env, stop
from tests.unit.core_builders import REF_ID, complaint, dismissal

pytestmark = pytest.mark.kafka

READ_POSITIONS_AFTER_S = 3.0

# `docketline worker --no-supervise`, its committed-offset read delayed (nothing else changed)
SLOW_POSITIONS_WORKER = f"""
import asyncio, sys
import services.processor.app as app

real = app.committed_offsets

async def slow(*args, **kwargs):
    await asyncio.sleep({READ_POSITIONS_AFTER_S})
    return await real(*args, **kwargs)

app.committed_offsets = slow
from services.processor.cli import main
sys.argv = ["worker", "-l", "warn", "--no-supervise"]
main()
"""


def _start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-c", SLOW_POSITIONS_WORKER], env=env, stdout=out, stderr=out
        )


async def test_events_on_the_topic_before_the_start_are_folded_when_positions_come_late(
    kafka_bootstrap: str, unique_prefix: str, tmp_path: Path
) -> None:
    s = _settings(kafka_bootstrap, unique_prefix, tmp_path)  # the processor tests' settings
    await ensure_app_topics(s)
    events = [(REF_ID.encode(), encode_event(e)) for e in (complaint(), dismissal())]
    await produce(kafka_bootstrap, s.topic_events, events)  # the backlog, before the worker
    log = tmp_path / "worker.log"
    worker = _start_worker(
        service_env(
            kafka_bootstrap, unique_prefix, tmp_path, DOCKETLINE_PROCESSOR_METRICS_PORT="0"
        ),
        log,
    )
    try:
        await wait_caught_up(
            kafka_bootstrap, f"{unique_prefix}{s.processor_app_id}", s.topic_events, timeout=60
        )
    except BaseException:
        print(f"--- {log} ---\n" + "\n".join(log.read_text(errors="replace").splitlines()[-60:]))
        raise
    finally:
        stop(worker)
    alerts = [decode_alert(r.value) for r in await read_all(kafka_bootstrap, s.topic_alerts)]
    assert [(a.subject, a.data.from_status, a.data.to_status) for a in alerts] == [
        (REF_ID, "open", "closed")
    ]
