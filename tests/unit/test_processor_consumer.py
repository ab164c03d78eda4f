"""The worker's consumer settings that faust does not expose (see services.processor.app)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from services.processor.app import FETCH_MAX_WAIT_MS, build_processor
from services.settings import Settings


def test_the_worker_consumer_holds_an_empty_fetch_for_at_most_fetch_max_wait_ms(
    tmp_path: Path,
) -> None:
    settings = Settings(bootstrap_servers="127.0.0.1:9", data_dir=tmp_path, topic_prefix="t.")

    async def make() -> int:
        proc = build_processor(settings)
        thread = (
            proc.app.consumer._thread
        )  # faust's consumer thread; nothing is started or connected
        consumer = thread._create_worker_consumer(proc.app.transport)
        try:
            return int(consumer._fetch_max_wait_ms)
        finally:
            await consumer.stop()

    assert FETCH_MAX_WAIT_MS < 1500  # faust's hard-coded wait, the cause of ~1.2 s alert latency
    assert asyncio.run(make()) == FETCH_MAX_WAIT_MS


def test_full_garbage_collections_wait_for_idle_time_or_the_longest_interval(
    tmp_path: Path,
) -> None:
    # the worker's oldest generation is never collected by Python itself (a full collection
    # of the state cache stops the worker ~1 s); it takes one when idle after work, or at
    # the latest every FULL_GC_AT_LEAST_EVERY_S when it never is
    import gc

    from services.processor.app import (
        FULL_GC_AT_LEAST_EVERY_S,
        FULL_GC_IDLE_S,
        GC_THRESHOLDS,
        full_collection_due,
    )

    now = 10_000.0
    assert not full_collection_due(
        now, now - 100, now - 100, 0, busy=False
    )  # nothing since the last
    assert full_collection_due(now, now - FULL_GC_IDLE_S, now - 5, 3, busy=False)  # idle after work
    assert not full_collection_due(
        now, now - FULL_GC_IDLE_S / 2, now - 5, 3, busy=False
    )  # just finished
    assert not full_collection_due(now, now - 100, now - 5, 3, busy=True)  # a batch is running
    assert full_collection_due(now, now, now - FULL_GC_AT_LEAST_EVERY_S, 3, busy=True)  # never idle
    assert not full_collection_due(now, now, now - FULL_GC_AT_LEAST_EVERY_S + 1, 3, busy=True)
    before = gc.get_threshold()
    try:
        from services.processor.app import configure_gc

        build_processor(
            Settings(bootstrap_servers="127.0.0.1:9", data_dir=tmp_path, topic_prefix="t.")
        )
        assert gc.get_threshold() == before  # building the app changes nothing of the process
        configure_gc()  # what `docketline worker` does before it runs the app
        assert gc.get_threshold() == GC_THRESHOLDS and GC_THRESHOLDS[2] >= 1_000_000
    finally:
        gc.set_threshold(*before)
