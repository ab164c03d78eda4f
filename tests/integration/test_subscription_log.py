"""One contract for every ``SubscriptionLog``: the in-memory log and the compacted
Kafka topic behave alike; two Kafka readers see each other's acknowledged writes."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr

from schemas.codec import encode
from services.dispatcher.model import Subscription, SubscriptionFilters
from services.dispatcher.subscriptions import (
    InMemorySubscriptionLog,
    InMemoryTopic,
    KafkaSubscriptionLog,
    SubscriptionDeletedError,
    SubscriptionLog,
    subscriptions_topic,
)
from services.settings import Settings, load_settings
from tests.kafka_util import produce, read_all

T0 = dt.datetime(2025, 2, 1, tzinfo=dt.UTC)


def sub(sub_id: str, owner: str = "caller_a") -> Subscription:
    return Subscription(
        id=sub_id,
        owner=owner,
        url="https://93.184.215.14/h",
        secret="whsec_x",
        filters=SubscriptionFilters(query="linkedin"),
        created_at=T0,
        updated_at=T0,
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
        shared = InMemoryTopic()  # what the processes share: the topic, not the view

        def factory() -> SubscriptionLog:
            return InMemorySubscriptionLog(shared)
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


async def test_a_stale_revision_never_overwrites_a_newer_one(
    make_log: Callable[[], SubscriptionLog],
) -> None:
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


async def test_a_write_from_a_copy_read_before_a_delete_does_not_bring_it_back(
    make_log: Callable[[], SubscriptionLog],
) -> None:
    """The dispatcher's 410 and the API's pause/resume write from a copy read earlier:
    a DELETE in between must stay final, for every reader, also one started later."""
    writer, stale = make_log(), make_log()
    await writer.start()
    await stale.start()
    await writer.put(sub("sub_a"))
    await stale.refresh()
    copy = stale.get("sub_a")
    assert copy is not None
    await writer.delete("sub_a")
    await stale.put(copy.with_state("disabled", "HTTP 410", T0))  # it has not seen the delete
    late = make_log()
    await late.start()
    for reader in (writer, stale, late):
        await reader.refresh()
        assert reader.get("sub_a") is None and reader.all() == []


async def test_a_log_refuses_to_write_a_subscription_it_has_seen_deleted(
    make_log: Callable[[], SubscriptionLog],
) -> None:
    log = make_log()
    await log.start()
    await log.put(sub("sub_a"))
    await log.delete("sub_a")
    with pytest.raises(SubscriptionDeletedError):
        await log.put(sub("sub_a").with_state("paused", "by subscriber", T0))
    await log.refresh()
    assert log.get("sub_a") is None


@pytest.mark.kafka
async def test_a_record_after_a_tombstone_does_not_recreate_the_subscription(
    kafka_bootstrap: str, unique_prefix: str, tmp_path: Path
) -> None:
    """Records as an older writer left them: the record, a bare tombstone, then a late
    record from a copy read before the delete."""
    settings = load_settings(
        bootstrap_servers=kafka_bootstrap, topic_prefix=unique_prefix, data_dir=tmp_path
    )
    first = KafkaSubscriptionLog(settings)
    await first.start()  # creates the compacted topic
    await first.close()
    a = sub("sub_a")
    await produce(
        kafka_bootstrap,
        subscriptions_topic(settings),
        [
            (b"sub_a", encode(a)),
            (b"sub_a", None),
            (b"sub_a", encode(a.with_state("disabled", "410", T0))),
        ],
    )
    reader = KafkaSubscriptionLog(settings)
    await reader.start()
    try:
        assert reader.get("sub_a") is None and reader.all() == []
    finally:
        await reader.close()


@pytest.mark.kafka
async def test_signing_secrets_are_encrypted_on_the_topic_and_old_plaintext_records_still_read(
    kafka_bootstrap: str, unique_prefix: str, tmp_path: Path
) -> None:
    key = Fernet.generate_key().decode()
    settings = load_settings(
        bootstrap_servers=kafka_bootstrap,
        topic_prefix=unique_prefix,
        data_dir=tmp_path,
        subscription_secret_keys=key,
    )
    secret = "whsec_" + base64.b64encode(b"k" * 32).decode()
    writer = KafkaSubscriptionLog(settings)
    await writer.start()
    try:
        await writer.put(sub("sub_new").model_copy(update={"secret": secret}))
    finally:
        await writer.close()
    old = sub("sub_old").model_copy(update={"secret": secret})  # as written before encryption
    await produce(kafka_bootstrap, subscriptions_topic(settings), [(b"sub_old", encode(old))])
    raw = b"".join(
        r.value or b"" for r in await read_all(kafka_bootstrap, subscriptions_topic(settings))
    )
    assert raw.count(secret.encode()) == 1  # only the old plaintext record holds it
    reader = KafkaSubscriptionLog(settings)
    await reader.start()
    try:
        assert reader.get("sub_new").secret == secret  # type: ignore[union-attr]
        assert reader.get("sub_old") == old
    finally:
        await reader.close()
    # a reader with another key keeps the sealed record out, with the reason, and goes on
    other = KafkaSubscriptionLog(
        settings.model_copy(
            update={"subscription_secret_keys": (SecretStr(Fernet.generate_key().decode()),)}
        )
    )
    await other.start()
    try:
        assert other.get("sub_new") is None and other.get("sub_old") == old
        assert any("no configured key decrypts" in reason for _, _, reason in other.rejected)
    finally:
        await other.close()
