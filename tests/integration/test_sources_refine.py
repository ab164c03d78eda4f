"""One case from two sources: the RSS stub closes it, the NEF text refines it.

Runs the real `docketline ingest` on the shipped demo RSS feed and NEF e-mail
and the real `docketline worker`, against the real broker.
"""

from __future__ import annotations

import subprocess
from importlib import resources
from pathlib import Path

import pytest

from schemas.codec import decode_alert, decode_snapshot
from services.kafka.topics import ensure_app_topics
from services.settings import Settings
from tests.kafka_util import read_all, wait_caught_up
from tests.procs import DOCKETLINE, running, service_env

pytestmark = pytest.mark.kafka

DEMO = Path(str(resources.files("services.demo")))
REF = "cand:5:25-cv-00709"


def ingest(env: dict[str, str], *paths: Path) -> str:
    done = subprocess.run(
        [DOCKETLINE, "ingest", *map(str, paths)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


async def test_rss_stub_closes_with_unknown_prejudice_and_nef_refines_it_without_a_second_close_alert(
    kafka_bootstrap: str, unique_prefix: str, tmp_path: Path
) -> None:
    s = Settings(
        bootstrap_servers=kafka_bootstrap,
        topic_prefix=unique_prefix,
        data_dir=tmp_path,
        partitions=4,
    )
    await ensure_app_topics(s)
    env = service_env(kafka_bootstrap, unique_prefix, tmp_path)
    group = f"{unique_prefix}{s.processor_app_id}"
    with running(["worker", "-l", "warn"], env, tmp_path / "worker.log"):
        out = ingest(env, DEMO / "reference_case_rss.xml")
        assert "published 2" in out, out
        await wait_caught_up(kafka_bootstrap, group, s.topic_events, timeout=120)
        states = [
            decode_snapshot(r.value)
            for r in await read_all(kafka_bootstrap, s.topic_states)
            if r.key == REF.encode()
        ]
        after_rss = states[-1]
        assert after_rss.status == "closed"
        assert after_rss.disposition is not None
        assert (after_rss.disposition.type, after_rss.disposition.prejudice) == (
            "voluntary_dismissal",
            "unknown",
        )

        out = ingest(env, DEMO / "reference_dismissal_nef.eml")
        assert "published 1" in out, out
        await wait_caught_up(kafka_bootstrap, group, s.topic_events, timeout=120)

    states = [
        decode_snapshot(r.value)
        for r in await read_all(kafka_bootstrap, s.topic_states)
        if r.key == REF.encode()
    ]
    final = states[-1]
    assert final.status == "closed" and final.entry_count == 2, (
        "the NEF updated entry 12, it did not add one"
    )
    assert final.disposition is not None and final.disposition.prejudice == "without"
    assert [(h.status, h.date.isoformat()) for h in final.status_history] == [
        ("open", "2025-01-21"),
        ("closed", "2025-01-30"),
    ]
    alerts = [decode_alert(r.value) for r in await read_all(kafka_bootstrap, s.topic_alerts)]
    assert [(a.type, a.data.from_status, a.data.to_status) for a in alerts] == [
        ("status.changed", "open", "closed"),
        ("disposition.changed", "closed", "closed"),
    ]
    assert (
        alerts[1].data.disposition is not None and alerts[1].data.disposition.prejudice == "without"
    )
