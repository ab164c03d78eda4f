"""One contract for every ``SubscriptionLog``: the in-memory log and the compacted
Kafka topic behave alike; two Kafka readers see each other's acknowledged writes."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from services.dispatcher.model import Subscription, SubscriptionFilters
from services.dispatcher.subscriptions import InMemorySubscriptionLog, KafkaSubscriptionLog, SubscriptionLog
from services.settings import Settings, load_settings

T0 = dt.datetime(2025, 2, 1, tzinfo=dt.timezone.utc)


def sub(sub_id: str, owner: str = "caller_a") -> Subscription:
    return Subscription(
        id=sub_id, owner=owner, url="https://93.184.215.14/h", secret="whsec_x",
        filters=SubscriptionFilters(query="linkedin"), created_at=T0, updated_at=T0,
    )


@pytest.fixture(params=["memory", pytest.param("kafka", marks=pytest.mark.kafka)])
def kafka_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings | None:
    """``None`` for the in-memory log; settings on the session broker for the Kafka log
    (a sync fixture: the broker fixture must not start inside a running event loop)."""
    if request.param == "memory":
        return None
    bootstrap = request.getfixturevalue("kafka_bootstrap")
    prefix = request.getfixturevalue("unique_prefix")
    return load_settings(bootstrap_servers=bootstrap, topic_prefix=prefix, data_dir=tmp_path)


@pytest.fixture
async def make_log(kafka_settings: Settings | None) -> AsyncIterator[Callable[[], SubscriptionLog]]:
    opened: list[SubscriptionLog] = []
    settings = kafka_settings
    if settings is None:
        shared = InMemorySubscriptionLog()

        def factory() -> SubscriptionLog:
            return shared
    else:

        def factory() -> SubscriptionLog:
            log = KafkaSubscriptionLog(settings)
            opened.append(log)
            return log

    yield factory
    for log in opened:
        await log.close()


async def test_put_get_update_delete(make_log: Callable[[], SubscriptionLog]) -> None:
    log = make_log()
    await log.start()
    a, b = sub("sub_a"), sub("sub_b", owner="caller_b")
    await log.put(a)
    await log.put(b)
    assert log.get("sub_a") == a and [s.id for s in log.all()] == ["sub_a", "sub_b"]
    paused = a.with_state("paused", "by subscriber", T0 + dt.timedelta(minutes=1))
    await log.put(paused)
    await log.refresh()
    assert log.get("sub_a") == paused and paused.revision == 2
    await log.delete("sub_a")
    await log.refresh()
    assert log.get("sub_a") is None and [s.id for s in log.all()] == ["sub_b"]


async def test_a_stale_revision_never_overwrites_a_newer_one(make_log: Callable[[], SubscriptionLog]) -> None:
    log = make_log()
    await log.start()
    a = sub("sub_a")
    newer = a.with_state("disabled", "410", T0)
    await log.put(newer)
    await log.put(a)  # an old writer's late record
    await log.refresh()
    assert log.get("sub_a") == newer


async def test_a_second_reader_sees_acknowledged_writes_after_refresh(
    make_log: Callable[[], SubscriptionLog],
) -> None:
    writer, reader = make_log(), make_log()
    await writer.start()
    await reader.start()
    await writer.put(sub("sub_a"))
    await reader.refresh()
    assert reader.get("sub_a") == sub("sub_a")
    await writer.delete("sub_a")
    await reader.refresh()
    assert reader.get("sub_a") is None
    late = make_log()  # a reader started later folds the whole topic
    await late.start()
    assert late.get("sub_a") is None
