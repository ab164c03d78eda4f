"""The topics docketline owns, declared once.

Case-keyed topics share one partition count so a case's events, its table
changelog, its state snapshots and its alerts live on the same partition number.
"""

from __future__ import annotations

from services.kafka_admin import TopicSpec, ensure_topics

MAX_MESSAGE_BYTES = 16 * 1024 * 1024
"""Case snapshots of very long dockets and dead letters of 1 MB records exceed Kafka's 1 MB default."""
from services.settings import Settings


def topic_specs(settings: Settings) -> list[TopicSpec]:
    p = settings.partitions
    big = {"max.message.bytes": str(MAX_MESSAGE_BYTES)}
    return [
        TopicSpec(settings.topic_events, p, {}),
        TopicSpec(settings.topic_states, p, {"cleanup.policy": "compact", **big}),
        TopicSpec(settings.topic_alerts, p, {}),
        TopicSpec(settings.topic_dlq, p, big),
    ]


async def ensure_app_topics(settings: Settings) -> None:
    await ensure_topics(settings.bootstrap_list, topic_specs(settings))
