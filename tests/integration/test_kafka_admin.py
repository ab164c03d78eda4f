"""``ensure_topics``, ``wait_ready`` and the connection check against the session's real broker."""

from __future__ import annotations

import subprocess
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType  # type: ignore[import-untyped]

from services.kafka import clients
from services.kafka.admin import (
    KafkaNotReadyError,
    TopicCreationError,
    TopicSpec,
    ensure_topics,
    wait_ready,
)
from services.kafka_local.config import bootstrap_address, pick_free_ports
from tests.kafka_util import kafka_settings
from tests.procs import DOCKETLINE, service_env

pytestmark = pytest.mark.kafka


async def _describe(bootstrap: str, topics: list[str]) -> tuple[dict[str, int], dict[str, str]]:
    """Partition count per topic, and cleanup.policy per topic."""
    admin = clients.admin(kafka_settings(bootstrap))
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
        kafka_settings(kafka_bootstrap),
        [TopicSpec(events, 4), TopicSpec(states, 4, {"cleanup.policy": "compact"})],
    )
    partitions, policies = await _describe(kafka_bootstrap, [events, states])
    assert partitions == {events: 4, states: 4}
    assert policies == {events: "delete", states: "compact"}


async def test_ensure_topics_is_idempotent_and_leaves_existing_topics_alone(
    kafka_bootstrap: str, unique_prefix: str
) -> None:
    name = f"{unique_prefix}once"
    await ensure_topics(kafka_settings(kafka_bootstrap), [TopicSpec(name, 2)])
    await ensure_topics(kafka_settings(kafka_bootstrap), [TopicSpec(name, 2)])
    await ensure_topics(
        kafka_settings(kafka_bootstrap), [TopicSpec(name, 5)]
    )  # exists: not re-partitioned
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
            kafka_settings(kafka_bootstrap),
            [TopicSpec(f"{unique_prefix}bad", 1, {"cleanup.policy": "shred"})],
        )


async def test_wait_ready_returns_the_cluster_id(kafka_bootstrap: str) -> None:
    cid = await wait_ready(kafka_settings(kafka_bootstrap), timeout=30)
    assert len(cid) == 22


async def test_wait_ready_on_a_closed_port_gives_up_with_the_last_error() -> None:
    nobody = bootstrap_address(pick_free_ports(1)[0])
    with pytest.raises(KafkaNotReadyError, match=f"no metadata answer from {nobody}.*last: "):
        await wait_ready(kafka_settings(nobody), timeout=1.0)


async def test_wait_ready_refuses_a_different_cluster_on_the_address(kafka_bootstrap: str) -> None:
    with pytest.raises(KafkaNotReadyError, match="expected 'AAAAAAAAAAAAAAAAAAAAAA'"):
        await wait_ready(kafka_settings(kafka_bootstrap), timeout=1.0, expect_cluster_id="A" * 22)


# --------------------------------------------------------------------------- the connection check


async def test_check_connection_passes_against_the_broker(kafka_bootstrap: str) -> None:
    await clients.check_connection(kafka_settings(kafka_bootstrap), timeout=30)


async def test_a_tls_client_on_the_plaintext_listener_is_one_line(kafka_bootstrap: str) -> None:
    s = kafka_settings(kafka_bootstrap).model_copy(update={"kafka_security_protocol": "SSL"})
    with pytest.raises(clients.KafkaConnectError) as err:
        await clients.check_connection(s, timeout=10)
    message = str(err.value)
    assert message.startswith(f"Kafka at {kafka_bootstrap}: the broker closed the connection (")
    assert message.endswith("does the listener expect DOCKETLINE_KAFKA_SECURITY_PROTOCOL=SSL?")
    assert "\n" not in message


@pytest.mark.parametrize("command", [["check"], ["rebuild", "--dry-run"], ["dispatcher"]])
def test_a_command_stops_at_start_with_one_line_when_kafka_is_unreachable(
    command: list[str], tmp_path: Path
) -> None:
    nobody = bootstrap_address(pick_free_ports(1)[0])
    env = service_env(nobody, "unreachable.", tmp_path)
    done = subprocess.run(
        [DOCKETLINE, *command], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 3, done.stderr
    [line] = done.stderr.strip().splitlines()
    assert line.startswith(f"error: cannot use Kafka: Kafka at {nobody}: unreachable"), line


def test_incomplete_security_settings_stop_a_command_with_one_line(tmp_path: Path) -> None:
    env = service_env(
        "127.0.0.1:1", "bad.", tmp_path, DOCKETLINE_KAFKA_SECURITY_PROTOCOL="SASL_SSL"
    )
    done = subprocess.run(
        [DOCKETLINE, "check"], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 2, done.stderr
    expected = (
        "error: settings: DOCKETLINE_KAFKA_SECURITY_PROTOCOL=SASL_SSL needs "
        "DOCKETLINE_KAFKA_SASL_MECHANISM (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER)"
    )
    assert done.stderr.strip().splitlines() == [expected]
