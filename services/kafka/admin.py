"""Small Kafka admin helpers shared by the broker manager, services and tests.

Topics are created explicitly with the partition count and configuration the
caller needs (case topics keyed by ``case_id`` need a fixed partition count;
``case.states`` is compacted), never left to broker auto-creation. Readiness is
a real metadata round trip, never "the port is open".
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiokafka.admin import NewTopic  # type: ignore[import-untyped]
from aiokafka.errors import (  # type: ignore[import-untyped]
    CoordinatorLoadInProgressError,
    GroupCoordinatorNotAvailableError,
    KafkaError,
    NotCoordinatorError,
    TopicAlreadyExistsError,
    for_code,
)

from services.kafka import clients
from services.settings import Settings


class KafkaAdminError(Exception):
    """Base of the admin helpers' errors."""


class KafkaNotReadyError(KafkaAdminError):
    """No metadata answer from the cluster before the deadline."""


class TopicCreationError(KafkaAdminError):
    """The cluster refused to create a topic, or it never got leaders."""


_TOPIC_NAME = re.compile(r"^[A-Za-z0-9._-]{1,249}$")


@dataclass(frozen=True)
class TopicSpec:
    """A topic as the code needs it: name, partitions, topic-level config."""

    name: str
    partitions: int = 1
    config: Mapping[str, str] = field(default_factory=dict)
    replication_factor: int = 1

    def __post_init__(self) -> None:
        if not _TOPIC_NAME.match(self.name) or self.name in {".", ".."}:
            raise ValueError(f"invalid Kafka topic name {self.name!r}")
        if self.partitions < 1:
            raise ValueError(f"{self.name}: partitions must be >= 1, got {self.partitions}")
        if self.replication_factor < 1:
            raise ValueError(
                f"{self.name}: replication_factor must be >= 1, got {self.replication_factor}"
            )


def _admin(settings: Settings, request_timeout_s: float) -> Any:
    return clients.admin(settings, request_timeout_ms=max(1000, int(request_timeout_s * 1000)))


async def cluster_id(settings: Settings, request_timeout_s: float = 5.0) -> str:
    """One metadata round trip; the cluster id that answered.

    Raises ``KafkaError`` (or ``OSError``/``TimeoutError``) when nothing answers.
    """
    admin = _admin(settings, request_timeout_s)
    try:
        await asyncio.wait_for(admin.start(), timeout=request_timeout_s)
        info = await asyncio.wait_for(admin.describe_cluster(), timeout=request_timeout_s)
        return str(info.get("cluster_id"))
    finally:
        await admin.close()


class _DropConnectFailures(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Unable connect to")


@contextlib.contextmanager
def _expected_connect_failures() -> Iterator[None]:
    """While polling a starting broker, refused connections are the expected answer.

    aiokafka logs each one at ERROR; ``wait_ready`` reports the last one itself
    when it gives up, so they are dropped for the duration of the wait.
    """
    logger = logging.getLogger("aiokafka")
    quiet = _DropConnectFailures()
    logger.addFilter(quiet)
    try:
        yield
    finally:
        logger.removeFilter(quiet)


async def wait_ready(
    settings: Settings,
    timeout: float,
    *,
    expect_cluster_id: str | None = None,
    still_worth_waiting: Callable[[], None] | None = None,
    interval: float = 0.25,
) -> str:
    """Poll a metadata request until the cluster answers; return its cluster id.

    ``expect_cluster_id`` guards against a different broker already listening
    on the address. ``still_worth_waiting`` is called between attempts and may
    raise to stop early (the manager uses it to notice a broker that died).
    Raises ``KafkaNotReadyError`` with the last error seen at the deadline.
    """
    with _expected_connect_failures():
        return await _poll_metadata(
            settings, timeout, expect_cluster_id, still_worth_waiting, interval
        )


async def _poll_metadata(
    settings: Settings,
    timeout: float,
    expect_cluster_id: str | None,
    still_worth_waiting: Callable[[], None] | None,
    interval: float,
) -> str:
    deadline = time.monotonic() + timeout
    last: str = "no attempt made"
    attempts = 0
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise KafkaNotReadyError(
                f"no metadata answer from {settings.bootstrap_servers} within {timeout:.0f}s "
                f"after {attempts} attempts; last: {last}"
            )
        if still_worth_waiting is not None:
            still_worth_waiting()
        attempts += 1
        try:
            answered = await cluster_id(settings, request_timeout_s=min(5.0, max(remaining, 1.0)))
        except (TimeoutError, KafkaError, OSError) as exc:
            last = f"{type(exc).__name__}: {exc}"
        else:
            if expect_cluster_id is None or answered == expect_cluster_id:
                return answered
            last = f"answered by cluster {answered!r}, expected {expect_cluster_id!r}"
        await asyncio.sleep(min(interval, max(deadline - time.monotonic(), 0)))


def _create_errors(response: Any) -> list[str]:
    problems = []
    for item in response.topic_errors:
        topic, code = item[0], item[1]
        message = item[2] if len(item) > 2 else None
        if code == 0 or code == TopicAlreadyExistsError.errno:
            continue
        problems.append(f"{topic}: {for_code(code).__name__} {message or ''}".rstrip())
    return problems


def _not_ready(described: list[dict[str, Any]], specs: Mapping[str, TopicSpec]) -> list[str]:
    """Topics whose metadata does not yet show every partition with a leader."""
    seen = {t["topic"]: t for t in described}
    waiting = []
    for name in specs:
        meta = seen.get(name)
        if meta is None or meta["error_code"] != 0:
            code = None if meta is None else meta["error_code"]
            waiting.append(f"{name} (error code {code})")
            continue
        leaders = [p for p in meta["partitions"] if p["leader"] >= 0]
        if not leaders or len(leaders) != len(meta["partitions"]):
            waiting.append(f"{name} ({len(leaders)}/{len(meta['partitions'])} partitions led)")
    return waiting


async def ensure_topics(
    settings: Settings, specs: Sequence[TopicSpec], *, timeout: float = 30.0
) -> None:
    """Create the topics that do not exist yet and wait until all have leaders.

    Idempotent: topics that already exist (also when created concurrently by
    another process) are left as they are, including their partition count.
    """
    by_name = {s.name: s for s in specs}
    if not by_name:
        return
    admin = _admin(settings, min(timeout, 30.0))
    try:
        try:
            await asyncio.wait_for(admin.start(), timeout=timeout)
            existing = set(await admin.list_topics())
            missing = [s for s in by_name.values() if s.name not in existing]
            if missing:
                response = await admin.create_topics(
                    [
                        NewTopic(
                            s.name,
                            s.partitions,
                            s.replication_factor,
                            topic_configs=dict(s.config),
                        )
                        for s in missing
                    ]
                )
                problems = _create_errors(response)
                if problems:
                    raise TopicCreationError("could not create topics: " + "; ".join(problems))
            deadline = time.monotonic() + timeout
            while waiting := _not_ready(await admin.describe_topics(list(by_name)), by_name):
                if time.monotonic() > deadline:
                    raise TopicCreationError(
                        f"topics without leaders after {timeout:.0f}s: {', '.join(waiting)}"
                    )
                await asyncio.sleep(0.1)
        except (TimeoutError, KafkaError, OSError) as exc:
            raise TopicCreationError(
                f"ensure_topics({sorted(by_name)}) on {settings.bootstrap_servers}: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
    finally:
        await admin.close()


# --------------------------------------------------------------------------- consumer groups

T = TypeVar("T")

GROUP_COORDINATOR_ERRORS: dict[int, type[KafkaError]] = {
    e.errno: e
    for e in (
        CoordinatorLoadInProgressError,
        GroupCoordinatorNotAvailableError,
        NotCoordinatorError,
    )
}
"""Group error codes (14, 15, 16) a fresh or moving coordinator answers for a while."""


async def coordinator_retry(call: Callable[[], Awaitable[T]], deadline: float = 30.0) -> T:
    """``call()``, retried while the group coordinator is not there yet.

    A fresh cluster creates ``__consumer_offsets`` on the first coordinator
    look-up and answers ``GroupCoordinatorNotAvailable`` (or "loading") until
    it has; both are transient.
    """
    until = time.monotonic() + deadline
    while True:
        try:
            return await call()
        except (
            GroupCoordinatorNotAvailableError,
            CoordinatorLoadInProgressError,
            NotCoordinatorError,
        ):
            if time.monotonic() >= until:
                raise
            await asyncio.sleep(0.5)


async def committed_offsets(settings: Settings, group: str, topic: str) -> dict[int, int]:
    """``{partition: offset}`` the consumer ``group`` has committed on ``topic`` (partitions without one left out)."""

    async def list_offsets() -> Any:
        admin = clients.admin(settings)
        await admin.start()
        try:
            return await admin.list_consumer_group_offsets(group)
        finally:
            await admin.close()

    offsets = await coordinator_retry(list_offsets)
    return {
        tp.partition: om.offset
        for tp, om in offsets.items()
        if tp.topic == topic and om.offset >= 0
    }
