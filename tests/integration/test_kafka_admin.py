"""``ensure_topics`` and ``wait_ready`` against the session's real broker."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from aiokafka.admin import AIOKafkaAdminClient  # type: ignore[import-untyped]
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType  # type: ignore[import-untyped]

from services.kafka_admin import (
    KafkaNotReadyError,
    TopicCreationError,
    TopicSpec,
    ensure_topics,
    wait_ready,
)
from services.kafka_local.config import bootstrap_address, pick_free_ports

pytestmark = pytest.mark.kafka


async def _describe(bootstrap: str, topics: list[str]) -> tuple[dict[str, int], dict[str, str]]:
    """Partition count per topic, and cleanup.policy per topic."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        meta = await admin.describe_topics(topics)
        configs = await admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, t, {"cleanup.policy": None}) for t in topics]
        )
    finally:
        await admin.close()
    partitions = {t["topic"]: len(t["partitions"]) for t in meta}
    policies = {
        res[3]: {c[0]: c[1] for c in res[4]}["cleanup.policy"]
        for response in configs
        for res in response.resources
    }
    return partitions, policies


async def test_ensure_topics_creates_missing_topics_with_partitions_and_config(
    kafka_bootstrap: str, unique_prefix: str
) -> None:
    events, states = f"{unique_prefix}docket.events", f"{unique_prefix}case.states"
    await ensure_topics(
        [kafka_bootstrap],
        [TopicSpec(events, 4), TopicSpec(states, 4, {"cleanup.policy": "compact"})],
    )
    partitions, policies = await _describe(kafka_bootstrap, [events, states])
    assert partitions == {events: 4, states: 4}
    assert policies == {events: "delete", states: "compact"}


async def test_ensure_topics_is_idempotent_and_leaves_existing_topics_alone(
    kafka_bootstrap: str, unique_prefix: str
) -> None:
    name = f"{unique_prefix}once"
    await ensure_topics([kafka_bootstrap], [TopicSpec(name, 2)])
    await ensure_topics([kafka_bootstrap], [TopicSpec(name, 2)])
    await ensure_topics([kafka_bootstrap], [TopicSpec(name, 5)])  # exists: not re-partitioned
    partitions, _ = await _describe(kafka_bootstrap, [name])
    assert partitions == {name: 2}


async def test_create_topics_helper_compacts_only_the_named_topics(
    kafka_bootstrap: str, unique_prefix: str, create_topics: Callable[..., Awaitable[None]]
) -> None:
    a, b = f"{unique_prefix}a", f"{unique_prefix}b"
    await create_topics(kafka_bootstrap, [a, b], 3, compacted={b})
    partitions, policies = await _describe(kafka_bootstrap, [a, b])
    assert partitions == {a: 3, b: 3}
    assert policies == {a: "delete", b: "compact"}


async def test_a_refused_topic_config_is_a_named_error(
    kafka_bootstrap: str, unique_prefix: str
) -> None:
    with pytest.raises(TopicCreationError, match="cleanup.policy|InvalidConfig"):
        await ensure_topics(
            [kafka_bootstrap],
            [TopicSpec(f"{unique_prefix}bad", 1, {"cleanup.policy": "shred"})],
        )


async def test_wait_ready_returns_the_cluster_id(kafka_bootstrap: str) -> None:
    cid = await wait_ready([kafka_bootstrap], timeout=30)
    assert len(cid) == 22


async def test_wait_ready_on_a_closed_port_gives_up_with_the_last_error() -> None:
    nobody = bootstrap_address(pick_free_ports(1)[0])
    with pytest.raises(KafkaNotReadyError, match=f"no metadata answer from {nobody}.*last: "):
        await wait_ready([nobody], timeout=1.0)


async def test_wait_ready_refuses_a_different_cluster_on_the_address(kafka_bootstrap: str) -> None:
    with pytest.raises(KafkaNotReadyError, match="expected 'AAAAAAAAAAAAAAAAAAAAAA'"):
        await wait_ready([kafka_bootstrap], timeout=1.0, expect_cluster_id="A" * 22)
