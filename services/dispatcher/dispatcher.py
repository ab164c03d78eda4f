"""The dispatcher: consume ``case.alerts``, record matching deliveries (outbox),
deliver each from a per-endpoint worker with signed HTTP POSTs and retries.

Flow per batch of alert records:

1. catch the subscription view up with the subscription log (so a subscription
   acknowledged before the alert was published is always seen);
2. decode each alert and match it against every subscription (``matching.wants``);
   a record that fails either is quarantined (``services.quarantine``: raw bytes
   and reason, before the offset is committed) and the batch goes on;
3. write the deliveries as ``pending`` in SQLite, durably, de-duplicated on
   (subscription id, alert id);
4. only then commit the batch's Kafka offsets, and wake the endpoint workers.

Each subscription has its own worker task, so a slow, hanging or dead endpoint
only ever delays its own queue. A worker takes its earliest due delivery,
attempts it (bounded by a whole-attempt deadline), records the attempt, and
schedules the retry, dead letter or endpoint disabling that ``schedule.decide``
chose. A crash at any point loses nothing: what was not recorded as attempted is
attempted again (at-least-once; receivers de-duplicate on ``webhook-id``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import logging
import random
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ParamSpec, TypeVar

import httpx

from schemas.codec import CodecError, decode_alert
from services.dispatcher.config import DispatcherConfig
from services.dispatcher.matching import wants
from services.dispatcher.model import Subscription
from services.dispatcher.payload import delivery_body
from services.dispatcher.schedule import Outcome, decide, parse_retry_after, should_disable
from services.dispatcher.signing import webhook_headers
from services.dispatcher.ssrf import SSRFError
from services.dispatcher.store import (
    AttemptRecord,
    DeliveryStore,
    DeliveryStoreError,
    NewDelivery,
    PendingDelivery,
    next_health,
)
from services.dispatcher.subscriptions import (
    SubscriptionDeletedError,
    SubscriptionLog,
    SubscriptionLogError,
)
from services.kafka import clients
from services.quarantine import Quarantine, Quarantined, reason_of
from services.settings import Settings

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")
EXCERPT_BYTES = 512


class Db:
    """Runs ``DeliveryStore`` calls on one dedicated thread: SQLite stays off the
    event loop, and one thread means one connection used serially."""

    def __init__(self, store: DeliveryStore) -> None:
        self.store = store
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dispatcher-db")

    async def __call__(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, functools.partial(fn, *args, **kwargs))

    def close(self) -> None:
        self._pool.shutdown(wait=True)


def _utc(ts: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(ts, tz=dt.UTC)


class Dispatcher:
    def __init__(
        self,
        settings: Settings,
        config: DispatcherConfig,
        *,
        client: httpx.AsyncClient,
        subscriptions: SubscriptionLog,
        db: Db,
        clock: Callable[[], float] = time.time,
        rand: Callable[[], float] = random.random,
        quarantine: Quarantine | None = None,
    ) -> None:
        self._settings = settings
        self._quarantine = quarantine
        """Opened on the first record to keep when not given (``DATA_DIR/quarantine.sqlite``)."""
        self._config = config
        self._policy = config.policy
        self._client = client
        self._subs = subscriptions
        self._db = db
        self._clock = clock
        self._rand = rand
        self._workers: dict[str, asyncio.Task[None]] = {}
        self._wakes: dict[str, asyncio.Event] = {}
        self._seen: dict[str, int] = {}
        self._stopped_at_revision: dict[str, int] = {}
        """Endpoints this process disabled, by the revision it disabled; kept even if
        writing the disabled record failed, so a 410 never turns into a hot loop."""
        self.ready = asyncio.Event()

    # alert intake ----------------------------------------------------------
    async def run(self) -> None:
        """Consume alerts until cancelled."""
        consumer = clients.consumer(
            self._settings,
            self._settings.topic_alerts,
            group_id=self._config.dispatcher_group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            client_id=clients.client_id(self._settings, "dispatcher"),
        )
        await consumer.start()
        try:
            await self._subs.refresh()
            for sub_id in await self._db(self._db.store.subscriptions_with_pending):
                self._ensure_worker(sub_id)
            self._sync_workers()
            self.ready.set()
            log.info(
                "dispatcher consuming %s as group %s",
                self._settings.topic_alerts,
                self._config.dispatcher_group_id,
            )
            poll_ms = int(self._config.dispatcher_poll_seconds * 1000)
            while True:
                batches = await consumer.getmany(timeout_ms=poll_ms, max_records=500)
                await self._subs.refresh()
                self._sync_workers()
                if batches:
                    await self.ingest(batches)
                    await consumer.commit(
                        {tp: records[-1].offset + 1 for tp, records in batches.items() if records}
                    )
        finally:
            await self._stop_workers()
            await consumer.stop()

    async def ingest(self, batches: Mapping[Any, list[Any]]) -> list[NewDelivery]:
        """Match a batch of alert records and record the deliveries durably (the outbox step)."""
        subs = self._subs.all()
        new: list[NewDelivery] = []
        kept: list[Quarantined] = []
        for tp, records in batches.items():
            for r in records:
                try:
                    if r.value is None:
                        raise CodecError("alert record without a value")
                    alert = decode_alert(r.value)
                    published = _utc(r.timestamp / 1000)
                    matched = [sub for sub in subs if wants(sub, alert, published)]
                    body = delivery_body(alert) if matched else b""
                except Exception as exc:  # noqa: BLE001 - pure steps on one record: it is at fault, keep it
                    reason = exc.reason if isinstance(exc, CodecError) else reason_of(exc)
                    log.error(
                        "quarantined alert %s[%d]@%d: %s", tp.topic, tp.partition, r.offset, reason
                    )
                    kept.append(
                        Quarantined(
                            "dispatcher", tp.topic, tp.partition, r.offset, r.key, r.value, reason
                        )
                    )
                    continue
                for sub in matched:
                    new.append(
                        NewDelivery(
                            sub.id,
                            alert.id,
                            alert.type,
                            alert.data.case_id,
                            body,
                            f"{tp.topic}/{tp.partition}/{r.offset}",
                        )
                    )
        if kept:
            await self._db(self._keep, kept)
        inserted = await self._db(self._db.store.enqueue, new, [], self._clock())
        for d in inserted:
            self._ensure_worker(d.subscription_id)
            self._wakes[d.subscription_id].set()
        return inserted

    def _keep(self, kept: list[Quarantined]) -> None:
        """Quarantine durably (on the db thread), before the batch's offsets are committed."""
        if self._quarantine is None:
            self._quarantine = Quarantine.of(self._settings)
        self._quarantine.add(kept)

    # workers ---------------------------------------------------------------
    def _ensure_worker(self, sub_id: str) -> None:
        task = self._workers.get(sub_id)
        if task is None or task.done():
            self._wakes.setdefault(sub_id, asyncio.Event())
            self._workers[sub_id] = asyncio.create_task(
                self._worker(sub_id), name=f"endpoint:{sub_id}"
            )

    def _sync_workers(self) -> None:
        """Start workers for new subscriptions; wake those whose record changed or vanished."""
        current = {s.id: s for s in self._subs.all()}
        for sub_id, sub in current.items():
            self._ensure_worker(sub_id)  # also restarts a worker that crashed
            if self._seen.get(sub_id) != sub.revision:
                self._seen[sub_id] = sub.revision
                self._wakes[sub_id].set()
        for sub_id in [s for s in self._seen if s not in current]:
            del self._seen[sub_id]
            if sub_id in self._wakes:
                self._wakes[sub_id].set()

    async def _stop_workers(self) -> None:
        tasks = list(self._workers.values())
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._workers.clear()

    def _deliverable(self, sub: Subscription) -> bool:
        stopped = self._stopped_at_revision.get(sub.id)
        return sub.state == "active" and (stopped is None or sub.revision > stopped)

    async def _worker(self, sub_id: str) -> None:
        try:
            await self._worker_loop(sub_id)
        except DeliveryStoreError:
            # The delivery stays pending in the store; the next sync restarts this worker.
            log.exception("endpoint worker %s stopped on a store error; restarting shortly", sub_id)
            await asyncio.sleep(1.0)

    async def _worker_loop(self, sub_id: str) -> None:
        wake = self._wakes[sub_id]
        while True:
            wake.clear()  # before looking, so a wake-up during the look is not lost
            sub = self._subs.get(sub_id)
            if sub is None:
                cancelled = await self._db(
                    self._db.store.cancel_pending, sub_id, "subscription deleted", self._clock()
                )
                if cancelled:
                    log.info(
                        "subscription %s deleted: %d pending deliveries cancelled",
                        sub_id,
                        cancelled,
                    )
                self._workers.pop(sub_id, None)
                return
            if not self._deliverable(sub):
                await wake.wait()
                continue
            due = await self._db(self._db.store.next_pending, sub_id)
            if due is None:
                await wake.wait()
                continue
            wait = due.next_attempt_at - self._clock()
            if wait > 0:
                try:
                    await asyncio.wait_for(wake.wait(), timeout=wait)
                except TimeoutError:
                    pass
                continue
            await self._attempt(sub, due)

    # one attempt -----------------------------------------------------------
    async def _post(
        self, sub: Subscription, d: PendingDelivery, timestamp: int
    ) -> tuple[Outcome, str | None]:
        """POST once, never following redirects, within the whole-attempt deadline;
        the outcome and the first bytes of the response body."""
        headers = webhook_headers(
            sub.signing_secrets(_utc(timestamp)), d.alert_id, timestamp, d.body
        )
        headers["user-agent"] = self._config.webhook_user_agent
        deadline = self._config.webhook_timeout_seconds
        try:
            async with asyncio.timeout(deadline):
                async with self._client.stream(
                    "POST",
                    sub.url,
                    content=d.body,
                    headers=headers,
                    timeout=deadline,
                    follow_redirects=False,
                ) as resp:
                    excerpt = b""
                    async for chunk in resp.aiter_raw():
                        excerpt += chunk
                        if len(excerpt) >= EXCERPT_BYTES:
                            break
        except TimeoutError:
            return Outcome(error=f"timed out after {deadline:g}s"), None
        except SSRFError as exc:
            return Outcome(error=f"refused by SSRF guard: {exc}"), None
        except httpx.InvalidURL as exc:
            return Outcome(error=f"refused: invalid URL: {exc}"), None
        except httpx.TimeoutException as exc:
            return Outcome(error=f"timed out after {deadline:g}s ({type(exc).__name__})"), None
        except httpx.HTTPError as exc:
            return Outcome(error=f"{type(exc).__name__}: {exc}"), None
        retry_after = parse_retry_after(resp.headers.get("retry-after"), _utc(self._clock()))
        text = excerpt[:EXCERPT_BYTES].decode("utf-8", "replace")
        return Outcome(status_code=resp.status_code, retry_after=retry_after), text

    async def _attempt(self, sub: Subscription, d: PendingDelivery) -> None:
        started = self._clock()
        t0 = time.monotonic()
        outcome, excerpt = await self._post(sub, d, int(started))
        duration_ms = (time.monotonic() - t0) * 1000
        number = d.attempts + 1
        decision = decide(self._policy, number, outcome, self._rand())
        now = self._clock()
        prev = await self._db(self._db.store.health, sub.id)
        health = next_health(prev, sub.revision, outcome.succeeded, started)
        disable_reason: str | None = None
        if decision.action == "disable":
            disable_reason = decision.reason
        elif not outcome.succeeded and should_disable(
            self._policy,
            failing_since=None if health.failing_since is None else _utc(health.failing_since),
            consecutive_failures=health.consecutive_failures,
            now=_utc(now),
        ):
            disable_reason = (
                f"sustained failure: {health.consecutive_failures} failed attempts since "
                f"{_utc(health.failing_since or started).isoformat()}"
            )
        if decision.action == "retry":
            next_at: float | None = now + (decision.delay or 0.0)
        elif decision.action == "disable":
            next_at = now  # held until the endpoint is resumed
        else:
            next_at = None
        record = AttemptRecord(
            subscription_id=sub.id,
            alert_id=d.alert_id,
            attempt=number,
            url=sub.url,
            started_at=started,
            duration_ms=duration_ms,
            webhook_timestamp=int(started),
            status_code=outcome.status_code,
            error=outcome.error,
            outcome=decision.action,
            next_attempt_at=next_at,
            response_excerpt=excerpt,
        )
        await self._db(
            self._db.store.record_attempt,
            record,
            health,
            decision.reason if decision.action == "dead" else None,
        )
        log.info(
            "delivery %s -> %s attempt %d: %s (%s)",
            d.alert_id,
            sub.id,
            number,
            decision.action,
            decision.reason,
        )
        if decision.action == "dead":
            log.warning("dead-lettered %s for %s: %s", d.alert_id, sub.id, decision.reason)
        if disable_reason is not None:
            await self._disable(sub, disable_reason)

    async def _disable(self, sub: Subscription, reason: str) -> None:
        """Record the endpoint as disabled -- on the subscription as it is *now*, never on
        the copy read before the attempt: the subscriber may have deleted, paused or
        changed it meanwhile, and writing the old copy back would undo that (a deleted
        subscription would come back with its URL and secret)."""
        self._stopped_at_revision[sub.id] = sub.revision
        try:
            await self._subs.refresh()
        except SubscriptionLogError as exc:  # the local stop above still holds
            log.error("could not read endpoint %s before disabling it: %s", sub.id, exc)
            return
        current = self._subs.get(sub.id)
        if current is None:
            log.info("endpoint %s was deleted during the attempt; nothing to disable", sub.id)
            return
        if current.state != "active":
            log.info("endpoint %s is %s already; not disabled", sub.id, current.state)
            return
        self._stopped_at_revision[sub.id] = max(sub.revision, current.revision)
        log.warning("disabling endpoint %s: %s", sub.id, reason)  # no URL: it may hold credentials
        try:
            await self._subs.put(current.with_state("disabled", reason, _utc(self._clock())))
        except SubscriptionDeletedError:
            log.info("endpoint %s was deleted while being disabled", sub.id)
        except SubscriptionLogError as exc:  # the local stop above still holds
            log.error("could not record endpoint %s as disabled: %s", sub.id, exc)
