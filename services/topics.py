"""The topics docketline owns, declared once.

Case-keyed topics share one partition count so a case's events, its table
changelog, its state snapshots and its alerts live on the same partition number.
"""

from __future__ import annotations

from services.kafka_admin import TopicSpec, ensure_topics
from services.settings import Settings


def topic_specs(settings: Settings) -> list[TopicSpec]:
    p = settings.partitions
    return [
        TopicSpec(settings.topic_events, p, {}),
        TopicSpec(settings.topic_states, p, {"cleanup.policy": "compact"}),
        TopicSpec(settings.topic_alerts, p, {}),
        TopicSpec(settings.topic_dlq, p, {}),
    ]


async def ensure_app_topics(settings: Settings) -> None:
    await ensure_topics(settings.bootstrap_list, topic_specs(settings))
