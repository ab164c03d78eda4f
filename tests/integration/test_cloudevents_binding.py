"""A CloudEvents SDK reads docketline's records straight off the broker (Kafka protocol binding,
binary content mode), for what ``docketline ingest`` publishes and for the worker's alerts.

The SDK is the CloudEvents project's own Python SDK (``cloudevents.core.bindings.kafka``),
not our code: it gets back the envelope's id, type, source, subject and time from the
headers, and the envelope itself as the event data.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import orjson
import pytest
from cloudevents.core.bindings.kafka import KafkaMessage, from_binary
from cloudevents.core.exceptions import CloudEventValidationError
from cloudevents.core.formats.json import JSONFormat

from schemas.alerts import Alert
from schemas.cloudevents import occurrence_time
from schemas.codec import decode_alert, decode_event
from schemas.events import DocketEvent
from services.settings import Settings
from tests.integration.test_ingest_publish import DEMO, DEMO_JSONL, _ingest
from tests.kafka_util import read_all, wait_caught_up
from tests.procs import running, service_env

pytestmark = pytest.mark.kafka


def _sdk_attributes(record: Any) -> tuple[Any, dict[str, Any]]:
    """What the SDK makes of one consumed record: (the event, its data)."""
    message = KafkaMessage(headers=dict(record.headers), key=record.key, value=record.value)
    event = from_binary(message, JSONFormat())
    data = event.get_data()
    assert isinstance(data, dict)
    return event, data


def _assert_same(record: Any, envelope: DocketEvent | Alert) -> None:
    event, data = _sdk_attributes(record)
    assert event.get_specversion() == "1.0"
    assert (event.get_id(), event.get_type(), event.get_source(), event.get_subject()) == (
        envelope.id,
        envelope.type,
        envelope.source,
        envelope.subject,
    )
    expected_time = occurrence_time(envelope)
    if expected_time.tzinfo is None:
        expected_time = expected_time.replace(tzinfo=dt.UTC)
    assert event.get_time() == expected_time
    assert event.get_datacontenttype() == "application/json"
    assert data == orjson.loads(record.value)  # binary mode: the data is our JSON envelope
    assert event.get_extension("partitionkey") == envelope.subject  # the record key


async def test_the_sdk_reads_back_what_ingest_publishes_and_what_the_worker_alerts(
    kafka_bootstrap: str, unique_prefix: str, tmp_path: Path
) -> None:
    env = service_env(kafka_bootstrap, unique_prefix, tmp_path)
    s = Settings(bootstrap_servers=kafka_bootstrap, topic_prefix=unique_prefix, data_dir=tmp_path)
    sources = [*DEMO_JSONL, DEMO / "reference_case_rss.xml", DEMO / "reference_dismissal_nef.eml"]
    done = _ingest(env, *map(str, sources))
    assert done.returncode == 0, done.stderr
    with running(["worker", "-l", "warn"], env, tmp_path / "worker.log"):
        await wait_caught_up(
            kafka_bootstrap, f"{unique_prefix}{s.processor_app_id}", s.topic_events, timeout=120
        )
    events = await read_all(kafka_bootstrap, s.topic_events)
    assert len(events) == 20  # 17 JSONL lines, 2 RSS items, 1 NEF
    timed = 0
    for record in events:
        envelope = decode_event(record.value)
        timed += envelope.time is not None
        _assert_same(record, envelope)
    assert timed >= 3, "the RSS and NEF events carry a published time: ce_time is that time"

    alerts = await read_all(kafka_bootstrap, s.topic_alerts)
    assert alerts, "the reference case's dismissal closes it: the worker alerts"
    for record in alerts:
        _assert_same(record, decode_alert(record.value))


def test_a_record_without_headers_is_not_a_binary_mode_cloudevent_for_the_sdk() -> None:
    """Records written before the headers existed carry none: the SDK refuses them (no id,
    no source), while docketline's own readers go on reading the value as before."""

    class Bare:
        headers: tuple[tuple[str, bytes], ...] = ()
        key = b"cand:5:25-cv-00709"
        value = DEMO_JSONL[0].read_bytes().splitlines()[0]

    with pytest.raises(CloudEventValidationError, match="Missing required attribute: 'source'"):
        _sdk_attributes(Bare())
    assert decode_event(Bare.value).subject == "cand:5:25-cv-00709"
