"""Recorded version-1 events on a real topic: the worker upcasts and folds them like current ones."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from schemas.codec import decode_alert, decode_snapshot
from services.consistency.check import check, report_lines
from services.kafka.topics import ensure_app_topics
from services.settings import Settings
from tests.kafka_util import produce, read_all, wait_caught_up
from tests.procs import running, service_env

pytestmark = pytest.mark.kafka

V1 = Path(__file__).resolve().parents[1] / "fixtures" / "events" / "v1"
REF_ID = "cand:5:25-cv-00709"


async def test_version_1_records_are_folded_by_the_worker(
    kafka_bootstrap: str, unique_prefix: str, tmp_path: Path
) -> None:
    # newest first, as a feed delivers them: the RSS stub of the dismissal, the complaint, the NEF text
    names = [
        "reference_dismissal_rss.json",
        "reference_complaint.json",
        "reference_dismissal_nef.json",
    ]
    raws = [(V1 / n).read_bytes().strip() for n in names]
    assert {orjson.loads(r)["schema_version"] for r in raws} == {1}
    s = Settings(
        bootstrap_servers=kafka_bootstrap,
        topic_prefix=unique_prefix,
        data_dir=tmp_path,
        partitions=4,
    )
    await ensure_app_topics(s)
    await produce(kafka_bootstrap, s.topic_events, [(REF_ID.encode(), r) for r in raws])
    with running(
        ["worker", "-l", "warn"],
        service_env(kafka_bootstrap, unique_prefix, tmp_path),
        tmp_path / "w.log",
    ):
        await wait_caught_up(
            kafka_bootstrap, f"{unique_prefix}{s.processor_app_id}", s.topic_events, timeout=120
        )
    assert await read_all(kafka_bootstrap, s.topic_dlq) == [], (
        "no version-1 record is dead-lettered"
    )
    final = decode_snapshot((await read_all(kafka_bootstrap, s.topic_states))[-1].value)
    assert final.status == "closed" and final.entry_count == 2
    assert final.disposition is not None and final.disposition.prejudice == "without"
    alerts = [decode_alert(r.value) for r in await read_all(kafka_bootstrap, s.topic_alerts)]
    assert [(a.type, a.data.to_status) for a in alerts] == [
        ("status.changed", "closed"),
        ("disposition.changed", "closed"),
    ]
    report = await check(s)
    print(*report_lines(report), sep="\n")
    assert report.ok
