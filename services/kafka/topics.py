"""The topics docketline owns, declared once.

Case-keyed topics share one partition count so a case's events, its table
changelog, its state snapshots and its alerts live on the same partition number.

``processor.case-memory`` (``Settings.topic_memory``) is private: the changelog of
the processor's table (the fold's memory, ``schemas.codec.encode_memory``),
compacted, read only by workers recovering their table and by the rebuild and
``docketline check``. Readers consume ``case.states``.
"""

from __future__ import annotations

from services.kafka.admin import TopicSpec, ensure_topics

MAX_MESSAGE_BYTES = 16 * 1024 * 1024
"""Case snapshots of very long dockets and dead letters of 1 MB records exceed Kafka's 1 MB default.

The broker checks it against a record batch as stored, i.e. after compression.
"""
OUTPUT_COMPRESSION = "zstd"
"""How the processor and the rebuild compress what they write (the fold's memory above all).

The memory lists every entry of its case (~170 bytes each; the v1 states that
``case.states`` carried, ~360): uncompressed, a v1 state of a case of
~46,000 entries exceeded ``MAX_MESSAGE_BYTES`` and its partition stopped, the batch
refused and retried forever. State JSON compresses 11-13x (a 48,000-entry state:
17.4 MB -> 1.5 MB, measured), so states up to ``MAX_OUTPUT_BYTES`` fit. zstd (level 3,
aiokafka's, via cramjam): gzip, the codec aiokafka has without a library, runs at
level 9 only, ~9x slower per state (measured).
"""
MAX_OUTPUT_BYTES = 8 * MAX_MESSAGE_BYTES
"""The largest record the processor and the rebuild produce, uncompressed (aiokafka checks this before
compressing; the broker then checks the compressed batch against ``MAX_MESSAGE_BYTES``)."""
from services.settings import Settings


def topic_specs(settings: Settings) -> list[TopicSpec]:
    p, rf = settings.partitions, settings.kafka_replication_factor
    big = {"max.message.bytes": str(MAX_MESSAGE_BYTES)}
    # docket.events is the system of record and the dead letters are the only copy of the bad
    # records: neither may expire (the broker's default deletes after 7 days)
    forever = {"retention.ms": "-1"}
    return [
        TopicSpec(settings.topic_events, p, forever, rf),
        TopicSpec(settings.topic_states, p, {"cleanup.policy": "compact", **big}, rf),
        TopicSpec(settings.topic_memory, p, {"cleanup.policy": "compact", **big}, rf),
        TopicSpec(settings.topic_alerts, p, {}, rf),
        TopicSpec(settings.topic_dlq, p, {**big, **forever}, rf),
    ]


async def ensure_app_topics(settings: Settings) -> None:
    await ensure_topics(settings, topic_specs(settings))
