"""The worker's process settings: its static member id and its garbage collection (services.processor.app).

The consumer settings faust does not expose are pinned in test_faust_compat.py.
"""

from __future__ import annotations

from pathlib import Path

from services.processor.app import build_processor, group_instance_id
from services.settings import Settings


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


def test_the_static_member_id_is_stable_per_data_dir_and_differs_between_two_on_one_host(
    tmp_path: Path,
) -> None:
    def settings(data_dir: Path, **kw: object) -> Settings:
        return Settings(bootstrap_servers="127.0.0.1:9", data_dir=data_dir, **kw)  # type: ignore[arg-type]

    a, b = tmp_path / "a", tmp_path / "b"
    assert group_instance_id(settings(a), host="h1") == group_instance_id(settings(a), host="h1")
    assert group_instance_id(settings(a), host="h1").startswith("h1-")
    assert group_instance_id(settings(a), host="h1") != group_instance_id(settings(b), host="h1")
    assert group_instance_id(settings(a), host="h1") != group_instance_id(settings(a), host="h2")
    # the same directory named another way is the same worker slot
    assert group_instance_id(settings(tmp_path / "x" / ".." / "a"), host="h1") == group_instance_id(
        settings(a), host="h1"
    )
    assert group_instance_id(settings(a, processor_instance_id="w-7"), host="h1") == "w-7"
