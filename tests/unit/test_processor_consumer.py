"""The worker's consumer settings that faust does not expose (see services.processor.app)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from services.processor.app import FETCH_MAX_WAIT_MS, build_processor
from services.settings import Settings


def test_the_worker_consumer_holds_an_empty_fetch_for_at_most_fetch_max_wait_ms(tmp_path: Path) -> None:
    settings = Settings(bootstrap_servers="127.0.0.1:9", data_dir=tmp_path, topic_prefix="t.")

    async def make() -> int:
        proc = build_processor(settings)
        thread = proc.app.consumer._thread  # faust's consumer thread; nothing is started or connected
        consumer = thread._create_worker_consumer(proc.app.transport)
        try:
            return int(consumer._fetch_max_wait_ms)
        finally:
            await consumer.stop()

    assert FETCH_MAX_WAIT_MS < 1500  # faust's hard-coded wait, the cause of ~1.2 s alert latency
    assert asyncio.run(make()) == FETCH_MAX_WAIT_MS
