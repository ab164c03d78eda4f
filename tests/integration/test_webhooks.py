"""Webhook delivery end to end: real Kafka broker, the subscriptions API on the real
Kafka subscription log, the dispatcher, and real local HTTP receivers.

Alerts are published directly (built as ``schemas.alerts.Alert``); the full
reference-case flow through the processor is tested elsewhere.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka.errors import GroupCoordinatorNotAvailableError
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from schemas.alerts import Alert
from schemas.codec import decode_alert, dumps, encode, loads
from services.api.app import create_app
from services.dispatcher.bootstrap import run_dispatcher
from services.dispatcher.config import DispatcherConfig
from services.dispatcher.store import DB_FILENAME, DeliveryStore
from services.dispatcher.subscriptions import KafkaSubscriptionLog, subscriptions_topic
from services.kafka.topics import ensure_app_topics
from services.readmodel.memory import InMemoryReadModel
from services.settings import Settings, load_settings
from tests.kafka_util import produce, read_all, wait_caught_up
from tests.procs import service_env, stop
from tests.webhook_util import Receiver, Reply, make_alert

pytestmark = pytest.mark.kafka

TOKEN = {"Authorization": "Bearer tok-a"}
FAST = (0.0, 0.3, 0.3, 0.3, 0.3)


@dataclass
class Env:
    settings: Settings
    api: httpx.AsyncClient
    receiver: Receiver
    group: str

    async def subscribe(self, path: str, filters: dict[str, Any] | None = None) -> dict[str, Any]:
        r = await self.api.post(
            "/api/subscriptions",
            json={"url": self.receiver.url(path), "filters": filters or {}},
            headers=TOKEN,
        )
        assert r.status_code == 201, r.text
        return r.json()  # type: ignore[no-any-return]

    async def publish(self, *alerts: Alert) -> None:
        await produce(
            self.settings.bootstrap_servers,
            self.settings.topic_alerts,
            [(a.subject.encode(), encode(a)) for a in alerts],
        )

    async def deliveries(self, sub_id: str) -> list[dict[str, Any]]:
        r = await self.api.get(f"/api/subscriptions/{sub_id}/deliveries", headers=TOKEN)
        assert r.status_code == 200, r.text
        return r.json()  # type: ignore[no-any-return]

    async def subscription(self, sub_id: str) -> dict[str, Any]:
        r = await self.api.get(f"/api/subscriptions/{sub_id}", headers=TOKEN)
        assert r.status_code == 200, r.text
        return r.json()  # type: ignore[no-any-return]

    async def caught_up(self) -> None:
        """Barrier: the dispatcher has recorded the deliveries of every published alert
        (it commits an offset only after that)."""
        deadline = time.monotonic() + 60
        while True:
            try:
                return await wait_caught_up(
                    self.settings.bootstrap_servers,
                    self.group,
                    self.settings.topic_alerts,
                    max(1.0, deadline - time.monotonic()),
                )
            except GroupCoordinatorNotAvailableError as exc:  # a fresh broker's offsets topic
                if time.monotonic() > deadline:
                    raise AssertionError(f"no group coordinator for {self.group}: {exc}") from exc
                await asyncio.sleep(0.2)


async def eventually(
    what: str, probe: Callable[[], Awaitable[Any]], ok: Callable[[Any], bool], timeout: float = 30.0
) -> Any:
    """Poll ``probe`` until ``ok(value)``; on timeout fail showing the last value seen."""
    deadline = time.monotonic() + timeout
    value = await probe()
    while not ok(value):
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not reached within {timeout}s; last seen: {value!r}")
        await asyncio.sleep(0.1)
        value = await probe()
    return value


def settings_for(bootstrap: str, prefix: str, data_dir: Path, **kw: Any) -> Settings:
    base: dict[str, Any] = dict(
        bootstrap_servers=bootstrap,
        topic_prefix=prefix,
        data_dir=data_dir,
        api_tokens="tok-a",
        webhook_allow_private_networks=True,
        partitions=4,
    )
    return load_settings(**(base | kw))


def config_for(group: str, **kw: Any) -> DispatcherConfig:
    base: dict[str, Any] = dict(
        webhook_retry_schedule=FAST,
        webhook_retry_jitter=0.0,
        webhook_timeout_seconds=5.0,
        dispatcher_group_id=group,
        dispatcher_poll_seconds=0.2,
    )
    return DispatcherConfig(**(base | kw))


@pytest.fixture
async def env(kafka_bootstrap: str, unique_prefix: str, tmp_path: Path) -> AsyncIterator[Env]:
    settings = settings_for(kafka_bootstrap, unique_prefix, tmp_path / "data")
    await ensure_app_topics(settings)
    app = create_app(settings, InMemoryReadModel(), start_feeder=False)
    receiver = await Receiver().start()
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://api"
        ) as api:
            yield Env(settings, api, receiver, unique_prefix + "dispatcher")
    await receiver.stop()


@pytest.fixture
async def dispatcher(env: Env) -> AsyncIterator[Callable[..., None]]:
    """``start(**config_overrides, settings=...)`` runs a dispatcher task for the test."""
    tasks: list[asyncio.Task[None]] = []

    def start(settings: Settings | None = None, **overrides: Any) -> None:
        task = asyncio.create_task(
            run_dispatcher(settings or env.settings, config_for(env.group, **overrides))
        )
        tasks.append(task)

    yield start
    for t in tasks:
        t.cancel()
    for t in tasks:
        try:
            await t
        except asyncio.CancelledError:
            pass


def verify(secret: str, received: Any) -> dict[str, Any]:
    return Webhook(secret).verify(received.body, received.headers)  # type: ignore[no-any-return]


LINKEDIN_DISMISSED = make_alert()
OTHER_CASE_AMENDED = make_alert(
    case_id="nysd:1:24-cv-00001",
    case_name="Doe v. Google LLC",
    type_="complaint.amended",
    from_status="open",
    to_status="open",
    class_action=False,
    nature_of_suit="440 Civil Rights",
)


async def test_one_alert_gives_exactly_one_signed_delivery_to_a_match_and_none_otherwise(
    env: Env, dispatcher: Callable[..., None]
) -> None:
    watcher = await env.subscribe(
        "/linkedin", {"query": "linkedin", "transitions": ["any->closed"]}
    )
    other = await env.subscribe("/other", {"case_ids": ["nysd:1:24-cv-00002"]})
    dispatcher()
    # the alert twice in one batch, plus an alert the watcher does not want
    await env.publish(LINKEDIN_DISMISSED, OTHER_CASE_AMENDED, LINKEDIN_DISMISSED)
    await eventually(
        "watcher delivery",
        lambda: env.deliveries(watcher["id"]),
        lambda rows: bool(rows) and rows[0]["status"] == "delivered",
    )
    # ...and once more after it was delivered (a processor replay republishes it)
    await env.publish(LINKEDIN_DISMISSED)
    await env.caught_up()
    rows = await env.deliveries(watcher["id"])
    assert [(r["alert_id"], r["attempts"]) for r in rows] == [(LINKEDIN_DISMISSED.id, 1)]
    [got] = env.receiver.at("/linkedin")
    assert env.receiver.at("/other") == []
    assert await env.deliveries(other["id"]) == []
    assert got.headers["webhook-id"] == LINKEDIN_DISMISSED.id
    payload = verify(watcher["secret"], got)
    assert decode_alert(dumps(payload["data"]["alert"])) == LINKEDIN_DISMISSED
    assert payload["data"]["case"]["status"] == "closed"
    assert payload["data"]["case"]["disposition"]["prejudice"] == "without"
    with pytest.raises(Exception):
        verify(other["secret"], got)  # signed with the subscriber's own secret only


async def test_500_twice_then_200_delivers_on_the_third_attempt_with_the_same_id(
    env: Env, dispatcher: Callable[..., None]
) -> None:
    sub = await env.subscribe("/flaky")
    env.receiver.script("/flaky", [Reply(500), Reply(500)])
    dispatcher()
    await env.publish(LINKEDIN_DISMISSED)
    got = await env.receiver.wait_for("/flaky", 3)
    assert [r.headers["webhook-id"] for r in got] == [LINKEDIN_DISMISSED.id] * 3
    for r in got:
        verify(sub["secret"], r)
    rows = await eventually(
        "delivered after retries",
        lambda: env.deliveries(sub["id"]),
        lambda rows: bool(rows) and rows[0]["status"] == "delivered",
    )
    log = rows[0]["attempt_log"]
    assert [(a["attempt"], a["status_code"], a["outcome"]) for a in log] == [
        (1, 500, "retry"),
        (2, 500, "retry"),
        (3, 200, "delivered"),
    ]
    assert log[0]["next_attempt_at"] is not None and log[2]["next_attempt_at"] is None
    assert len(env.receiver.at("/flaky")) == 3


async def test_a_hanging_receiver_does_not_delay_a_healthy_one(
    env: Env, dispatcher: Callable[..., None]
) -> None:
    await env.subscribe("/hang")
    healthy = await env.subscribe("/ok")
    env.receiver.script("/hang", [Reply(hang=True)] * 5)
    dispatcher(webhook_timeout_seconds=60.0)
    first = LINKEDIN_DISMISSED
    second = make_alert(case_id="cand:3:25-cv-01234", case_name="Roe v. LinkedIn Corp.")
    await env.publish(first)
    await env.receiver.wait_for("/hang", 1)
    await env.publish(second)
    got = await env.receiver.wait_for("/ok", 2)
    # Both healthy deliveries completed while the first request to /hang is still open.
    assert env.receiver.in_flight >= 1
    assert len(env.receiver.at("/hang")) == 1
    assert {r.headers["webhook-id"] for r in got} == {first.id, second.id}
    rows = await eventually(
        "healthy delivered",
        lambda: env.deliveries(healthy["id"]),
        lambda rows: len(rows) == 2 and all(r["status"] == "delivered" for r in rows),
    )
    assert len(rows) == 2


async def test_410_disables_the_endpoint_and_resume_delivers_what_was_held(
    env: Env, dispatcher: Callable[..., None]
) -> None:
    sub = await env.subscribe("/gone")
    env.receiver.script("/gone", [Reply(410)])
    dispatcher()
    await env.publish(LINKEDIN_DISMISSED)
    state = await eventually(
        "disabled", lambda: env.subscription(sub["id"]), lambda s: s["state"] == "disabled"
    )
    assert "410" in state["state_reason"]
    later = make_alert(case_id="cand:3:25-cv-01234", case_name="Roe v. LinkedIn Corp.")
    await env.publish(later)
    await env.caught_up()
    rows = await eventually(
        "both held", lambda: env.deliveries(sub["id"]), lambda rows: len(rows) == 2
    )
    by_id = {r["alert_id"]: r for r in rows}
    assert [a["outcome"] for a in by_id[LINKEDIN_DISMISSED.id]["attempt_log"]] == ["disable"]
    assert (by_id[later.id]["status"], by_id[later.id]["attempts"]) == ("pending", 0)
    assert len(env.receiver.at("/gone")) == 1
    # The subscriber fixes the endpoint and resumes: the held deliveries go out.
    r = await env.api.post(f"/api/subscriptions/{sub['id']}/resume", headers=TOKEN)
    assert r.json()["state"] == "active"
    got = await env.receiver.wait_for("/gone", 3)
    assert {g.headers["webhook-id"] for g in got[1:]} == {LINKEDIN_DISMISSED.id, later.id}


async def test_a_delete_during_an_attempt_that_then_gets_410_stays_deleted(
    env: Env, dispatcher: Callable[..., None]
) -> None:
    """The dispatcher read the subscription before the attempt; the subscriber deletes it
    while the POST is in flight; the endpoint then answers 410. Disabling must not write
    the old copy (URL, secret) back."""
    sub = await env.subscribe("/going")
    answer = asyncio.Event()
    env.receiver.script("/going", [Reply(410, gate=answer)])
    dispatcher()
    await env.publish(LINKEDIN_DISMISSED)
    await env.receiver.wait_for("/going", 1)  # in flight, held by the receiver
    assert (
        await env.api.delete(f"/api/subscriptions/{sub['id']}", headers=TOKEN)
    ).status_code == 204
    answer.set()
    # The worker records the 410, disables (or not), then sees the delete and cancels.
    rows = await eventually(
        "the delivery cancelled after the 410",
        lambda: _stored_deliveries(env, sub["id"]),
        lambda rows: bool(rows) and rows[0]["status"] == "cancelled",
    )
    assert [a["status_code"] for a in rows[0]["attempt_log"]] == [410]
    await env.caught_up()
    assert (await env.api.get(f"/api/subscriptions/{sub['id']}", headers=TOKEN)).status_code == 404
    late = KafkaSubscriptionLog(env.settings)  # a reader started now folds the whole topic
    await late.start()
    try:
        assert late.get(sub["id"]) is None and late.all() == []
    finally:
        await late.close()
    records = [
        r
        for r in await read_all(env.settings.bootstrap_servers, subscriptions_topic(env.settings))
        if r.key == sub["id"].encode()
    ]
    deleted_at = next(i for i, r in enumerate(records) if r.value is None)
    assert [r.value for r in records[deleted_at:]] == [None] * (len(records) - deleted_at), (
        "a record for the deleted subscription was written after its deletion"
    )


async def _stored_deliveries(env: Env, sub_id: str) -> list[dict[str, Any]]:
    """The dispatcher's own record (the API answers 404 for a deleted subscription)."""
    store = DeliveryStore.open_readonly(env.settings.data_dir / DB_FILENAME)
    if store is None:
        return []
    try:
        return store.deliveries(sub_id)
    finally:
        store.close()


async def test_the_dispatcher_never_logs_credentials_from_a_webhook_url(
    env: Env, dispatcher: Callable[..., None], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    url = f"http://hookuser:pw-s3cret@127.0.0.1:{env.receiver.port}/cred?token=q-s3cret"
    r = await env.api.post("/api/subscriptions", json={"url": url}, headers=TOKEN)
    assert r.status_code == 201, r.text
    sub = r.json()
    env.receiver.script("/cred", [Reply(410)])
    dispatcher()
    await env.publish(LINKEDIN_DISMISSED)
    await eventually(
        "disabled", lambda: env.subscription(sub["id"]), lambda s: s["state"] == "disabled"
    )
    assert len(env.receiver.at("/cred")) == 1
    # the dispatcher's own log and that of its HTTP client (aiokafka's DEBUG log of the
    # records it sends is the broker client's, and shows what the topic holds anyway)
    logged = "\n".join(
        rec.getMessage()
        for rec in caplog.records
        if rec.name.split(".")[0] in ("services", "httpx", "httpcore")
    )
    assert sub["id"] in logged  # the dispatcher did log about this endpoint
    assert "s3cret" not in logged


async def test_after_a_secret_rotation_either_secret_verifies_during_the_overlap_only_the_new_after(
    env: Env, dispatcher: Callable[..., None]
) -> None:
    sub = await env.subscribe("/rotating")
    r = await env.api.post(
        f"/api/subscriptions/{sub['id']}/rotate-secret",
        json={"overlap_seconds": 3600},
        headers=TOKEN,
    )
    assert r.status_code == 200, r.text
    first_rotation = r.json()["secret"]
    dispatcher()
    await env.publish(LINKEDIN_DISMISSED)
    [during] = await env.receiver.wait_for("/rotating", 1)
    verify(sub["secret"], during)  # a receiver that still has the old secret
    verify(first_rotation, during)  # one that already has the new one
    r = await env.api.post(
        f"/api/subscriptions/{sub['id']}/rotate-secret", json={"overlap_seconds": 0}, headers=TOKEN
    )
    newest = r.json()["secret"]
    await env.publish(make_alert(case_id="cand:3:25-cv-01234", case_name="Roe v. LinkedIn Corp."))
    got = await env.receiver.wait_for("/rotating", 2)
    verify(newest, got[1])
    for old in (sub["secret"], first_rotation):
        with pytest.raises(WebhookVerificationError):
            verify(old, got[1])


async def test_internal_address_is_refused_at_connection_time(
    env: Env, dispatcher: Callable[..., None]
) -> None:
    # Registered while private networks were allowed; the dispatcher no longer allows them.
    sub = await env.subscribe("/internal")
    strict = env.settings.model_copy(update={"webhook_allow_private_networks": False})
    dispatcher(settings=strict, webhook_retry_schedule=(0.0,))
    await env.publish(LINKEDIN_DISMISSED)
    rows = await eventually(
        "refused and dead-lettered",
        lambda: env.deliveries(sub["id"]),
        lambda rows: bool(rows) and rows[0]["status"] == "dead",
    )
    [attempt] = rows[0]["attempt_log"]
    assert "refused by SSRF guard" in attempt["error"] and "loopback" in attempt["error"]
    assert rows[0]["dead_letter_reason"]
    assert env.receiver.received == []


async def test_paused_subscription_collects_and_delivers_on_resume(
    env: Env, dispatcher: Callable[..., None]
) -> None:
    sub = await env.subscribe("/paused")
    assert (
        await env.api.post(f"/api/subscriptions/{sub['id']}/pause", headers=TOKEN)
    ).status_code == 200
    dispatcher()
    await env.publish(LINKEDIN_DISMISSED)
    await env.caught_up()
    rows = await eventually("held", lambda: env.deliveries(sub["id"]), lambda rows: len(rows) == 1)
    assert (rows[0]["status"], rows[0]["attempts"]) == ("pending", 0)
    assert env.receiver.at("/paused") == []
    await env.api.post(f"/api/subscriptions/{sub['id']}/resume", headers=TOKEN)
    [got] = await env.receiver.wait_for("/paused", 1)
    assert got.headers["webhook-id"] == LINKEDIN_DISMISSED.id


def _spawn(settings: Settings, group: str, log: Path) -> subprocess.Popen[bytes]:
    """``python -m services.dispatcher`` (= ``docketline dispatcher``) as a real process."""
    env = service_env(
        settings.bootstrap_servers,
        settings.topic_prefix,
        settings.data_dir,
        DOCKETLINE_WEBHOOK_ALLOW_PRIVATE_NETWORKS="true",
        DOCKETLINE_WEBHOOK_RETRY_SCHEDULE="0,4,0.5,0.5,0.5",
        DOCKETLINE_WEBHOOK_RETRY_JITTER="0",
        DOCKETLINE_DISPATCHER_GROUP_ID=group,
        DOCKETLINE_DISPATCHER_POLL_SECONDS="0.2",
    )
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "services.dispatcher"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=Path(__file__).resolve().parents[2],
        )


async def test_killing_the_dispatcher_mid_retry_loses_no_delivery(env: Env, tmp_path: Path) -> None:
    sub = await env.subscribe("/restart")
    env.receiver.script("/restart", [Reply(500), Reply(500)])
    log = tmp_path / "dispatcher.log"
    proc = _spawn(env.settings, env.group, log)
    try:
        await env.publish(LINKEDIN_DISMISSED)
        # First attempt failed and is recorded; the retry is pending (due 4 s later).
        await eventually(
            "first attempt recorded",
            lambda: env.deliveries(sub["id"]),
            lambda rows: bool(rows) and rows[0]["attempts"] == 1 and rows[0]["status"] == "pending",
        )
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(10) == -signal.SIGKILL
        # An alert published while no dispatcher runs must not be lost either.
        during = make_alert(case_id="cand:3:25-cv-01234", case_name="Roe v. LinkedIn Corp.")
        await env.publish(during)
        proc = _spawn(env.settings, env.group, log)
        rows = await eventually(
            "both delivered after restart",
            lambda: env.deliveries(sub["id"]),
            lambda rows: len(rows) == 2 and all(r["status"] == "delivered" for r in rows),
            timeout=60,
        )
    except BaseException:
        print(f"--- {log} ---\n{log.read_text(errors='replace')[-6000:]}")
        raise
    finally:
        stop(proc)
    by_id = {r["alert_id"]: r for r in rows}
    assert [a["status_code"] for a in by_id[LINKEDIN_DISMISSED.id]["attempt_log"]] == [
        500,
        500,
        200,
    ]
    ids = [r.headers["webhook-id"] for r in env.receiver.at("/restart")]
    assert ids.count(LINKEDIN_DISMISSED.id) == 3 and ids.count(during.id) == 1
    for r in env.receiver.at("/restart"):
        verify(sub["secret"], r)
    assert loads(env.receiver.at("/restart")[-1].body)["data"]["alert"]["id"] in {
        LINKEDIN_DISMISSED.id,
        during.id,
    }


async def test_sustained_failure_disables_the_endpoint(
    env: Env, dispatcher: Callable[..., None]
) -> None:
    sub = await env.subscribe("/down")
    env.receiver.script("/down", [Reply(500)] * 100)
    dispatcher(
        webhook_retry_schedule=(0.0, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2),
        webhook_disable_min_failures=3,
        webhook_disable_after_seconds=0.5,
    )
    await env.publish(LINKEDIN_DISMISSED)
    state = await eventually(
        "disabled by sustained failure",
        lambda: env.subscription(sub["id"]),
        lambda s: s["state"] == "disabled",
    )
    assert state["state_reason"].startswith("sustained failure")
    rows = await env.deliveries(sub["id"])
    assert rows[0]["status"] == "pending"  # held for a resume, not dropped
    attempts = rows[0]["attempt_log"]
    assert len(attempts) >= 3 and all(a["status_code"] == 500 for a in attempts)
    count = len(env.receiver.at("/down"))
    await env.publish(make_alert(case_id="cand:3:25-cv-01234", case_name="Roe v. LinkedIn Corp."))
    await env.caught_up()
    await eventually("second held", lambda: env.deliveries(sub["id"]), lambda rows: len(rows) == 2)
    assert len(env.receiver.at("/down")) == count
