"""Fixtures shared by the whole suite.

Kafka: ONE real broker per test session (started by the project's own
``LocalKafka`` on a free port in a temp dir, stopped at the end, also on
Ctrl-C or failure). Tests isolate themselves by topic prefix, consumer group
and app id (``unique_prefix``), not by a broker each. Set
``DOCKETLINE_TEST_BOOTSTRAP_SERVERS=host:port[,host:port]`` to run against an
existing cluster instead.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import uuid
from collections.abc import Awaitable, Callable, Iterable

import pytest

from services.kafka.admin import TopicSpec, ensure_topics, wait_ready
from services.kafka_local import LocalKafka
from tests.kafka_util import kafka_settings

EXTERNAL_BOOTSTRAP_ENV = "DOCKETLINE_TEST_BOOTSTRAP_SERVERS"
KAFKA_READY_TIMEOUT = 180.0


# -- Kafka -----------------------------------------------------------------
@pytest.fixture(scope="session")
def kafka_bootstrap(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> str:
    """Bootstrap address (``127.0.0.1:PORT``) of the session's broker."""
    external = os.environ.get(EXTERNAL_BOOTSTRAP_ENV, "").strip()
    if external:
        asyncio.run(wait_ready(kafka_settings(external), timeout=KAFKA_READY_TIMEOUT))
        return external
    # Generous: a loaded 2-core machine can take well over a minute to start a JVM broker.
    manager = LocalKafka(ready_timeout=KAFKA_READY_TIMEOUT)
    data_dir = tmp_path_factory.mktemp("kafka")

    def stop() -> None:
        manager.stop(data_dir)

    # Registered before start: an interrupted start still gets cleaned up.
    # atexit covers the rare exit that skips pytest's teardown (stop is idempotent).
    request.addfinalizer(stop)
    atexit.register(stop)
    return manager.start(port=0, data_dir=data_dir, partitions=4)


@pytest.fixture
def unique_prefix() -> str:
    """A topic/group/app-id prefix no other test uses, e.g. ``t1f2e3d4c.``."""
    return f"t{uuid.uuid4().hex[:8]}."


CreateTopics = Callable[..., Awaitable[None]]


async def create_topics(
    bootstrap: str,
    names: Iterable[str],
    partitions: int,
    compacted: Iterable[str] = frozenset(),
) -> None:
    """Create ``names`` with ``partitions`` each; those in ``compacted`` get cleanup.policy=compact."""
    compact = set(compacted)
    await ensure_topics(
        kafka_settings(bootstrap),
        [
            TopicSpec(n, partitions, {"cleanup.policy": "compact"} if n in compact else {})
            for n in names
        ],
    )


@pytest.fixture(name="create_topics")
def create_topics_fixture() -> CreateTopics:
    """``await create_topics(kafka_bootstrap, names, partitions, compacted={...})``."""
    return create_topics
