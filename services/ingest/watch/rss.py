"""``docketline watch rss``: poll court RSS feeds and publish what is new.

One task per feed, each on its own schedule (:mod:`.schedule`), so a slow,
hanging or failing court never delays another: its GET has its own deadline
(:mod:`.fetch`), its backoff is its own, and only publishing (a few
milliseconds against a local broker) is shared.

One poll of one feed:

1. conditional GET with the validators of the last fully published body;
2. 304 -> nothing to do; a 200 whose body is byte-identical to the last
   published one (a server without validators) -> nothing to do either;
3. otherwise the body goes through the PACER RSS adapter
   (:func:`services.ingest.adapters.pacer_rss.parse`: classify, build), in a
   worker thread;
4. the events go through :func:`services.ingest.publisher.run_ingest` with the
   same idempotent Kafka sink and ingest ledger as ``docketline ingest``:
   already acknowledged event ids are skipped, the rest sent, each recorded in
   the ledger after the broker acknowledged it;
5. only then the feed's new state (validators, body digest, counters, next
   poll) is written to ``DATA_DIR/watch/rss.sqlite``.

Crash safety follows from that order: a SIGKILL before step 5 leaves the old
validators, so the next run fetches the same body again and the ledger (or,
in the tiny window between acknowledgement and ledger write, the event id on
the consumer side) turns the repeat into duplicates, never into a loss. A
poll whose events were not all acknowledged is a failed poll: its validators
are not kept, and it is retried with backoff.

Bad input is kept: a body that is not RSS, or an item the adapter rejects,
goes to the rejected-records report (``DATA_DIR/rejected/``) with its raw
bytes, once per distinct record per feed (:class:`~.state.RssState` remembers
digests), and is counted in the feed's ``rejected``.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import random
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field, replace

import httpx

from schemas.events import DocketEvent
from services.ingest.adapters import pacer_rss
from services.ingest.ledger import Ledger
from services.ingest.publisher import EventSink, KafkaEventSink, run_ingest
from services.ingest.records import Parsed, ParseResult, Rejected
from services.ingest.rejects import RejectReport
from services.ingest.watch.feeds import Feed
from services.ingest.watch.fetch import Fetched, FetchLimits, fetch, new_client
from services.ingest.watch.schedule import (
    FeedState,
    PollPolicy,
    PollResult,
    Rand,
    after_poll,
    refreshed,
    validators_of,
)
from services.ingest.watch.state import RssState
from services.settings import Settings

log = logging.getLogger(__name__)

Clock = Callable[[], float]
PollHook = Callable[[Feed, FeedState, PollResult], None]


@dataclass(frozen=True, slots=True)
class WatchTuning:
    """The watcher's knobs (from :class:`~.config.RssSettings`; tests pass their own)."""

    schedule: PollPolicy = field(default_factory=PollPolicy)
    """The policy of a feed without its own interval."""
    limits: FetchLimits = field(default_factory=FetchLimits)

    def policy(self, feed: Feed) -> PollPolicy:
        return replace(self.schedule, interval=feed.interval) if feed.interval else self.schedule


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _reject_digest(r: Rejected) -> str:
    """Identity of a rejected record: its reason and raw bytes (its position in the feed moves)."""
    return _digest(r.reason.encode("utf-8") + b"\0" + (r.raw or b""))


def _newest(events: Sequence[DocketEvent]) -> tuple[str, str] | None:
    timed = [e for e in events if e.time is not None]
    if not timed:
        return None
    top = max(timed, key=lambda e: e.time)  # type: ignore[arg-type, return-value]
    assert top.time is not None
    return (top.data.entry.source_ref or top.id, top.time.isoformat())


class RssWatcher:
    """Polls ``feeds``; :meth:`run` forever, :meth:`once` one round. States in :attr:`states`."""

    def __init__(
        self,
        feeds: Sequence[Feed],
        *,
        client: httpx.AsyncClient,
        sink: EventSink,
        ledger: Ledger | None,
        store: RssState,
        report: RejectReport | None = None,
        tuning: WatchTuning = WatchTuning(),
        clock: Clock = time.time,
        rand: Rand = random.random,
        on_poll: PollHook | None = None,
    ) -> None:
        self.feeds = list(feeds)
        self.tuning = tuning
        self._client = client
        self._sink = sink
        self._ledger = ledger
        self._store = store
        self._report = report
        self._clock = clock
        self._rand = rand
        self._on_poll = on_poll
        self._publish = asyncio.Lock()
        saved = store.load()
        self.states: dict[str, FeedState] = {
            f.feed_id: saved[f.feed_id].for_url(f.url)
            if f.feed_id in saved
            else FeedState(f.feed_id, f.url)
            for f in self.feeds
        }

    # ------------------------------------------------------------------ loops
    async def run(self) -> None:
        """Poll every feed on its own schedule until cancelled; a state or ledger error stops all."""
        tasks = [
            asyncio.create_task(self._loop(feed), name=f"rss:{feed.feed_id}") for feed in self.feeds
        ]
        try:
            await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _loop(self, feed: Feed) -> None:
        while True:
            delay = self.states[feed.feed_id].next_poll_at - self._clock()
            if delay > 0:
                await asyncio.sleep(delay)
            await self.poll(feed)

    async def once(self) -> list[FeedState]:
        """Poll every feed once, now (whatever its schedule says), concurrently."""
        return list(await asyncio.gather(*(self.poll(f) for f in self.feeds)))

    # ------------------------------------------------------------------ one poll
    async def poll(self, feed: Feed) -> FeedState:
        """One poll of ``feed``: fetch, parse, publish, then record the new state."""
        state = self.states[feed.feed_id]
        started = time.perf_counter()
        fetched = await fetch(
            self._client, feed.url, state.validators.request_headers(), self.tuning.limits
        )
        result, rejects = await self._outcome(feed, state, fetched, started)
        new = after_poll(
            state, result, now=self._clock(), policy=self.tuning.policy(feed), rand=self._rand
        )
        await asyncio.to_thread(self._store.save, new, rejects)
        self.states[feed.feed_id] = new
        if result.ok:
            if result.new or result.rejected:
                log.info(
                    "%s: %d new event(s), %d rejected", feed.feed_id, result.new, result.rejected
                )
        else:
            log.warning("%s: poll failed (%s); next poll in %.0fs", feed.feed_id, new.last_error,
                        new.next_poll_at - new.last_poll_at)  # type: ignore[operator]  # fmt: skip
        if self._on_poll is not None:
            self._on_poll(feed, new, result)
        return new

    async def _outcome(
        self, feed: Feed, state: FeedState, fetched: Fetched, started: float
    ) -> tuple[PollResult, list[str]]:
        def took() -> float:
            return time.perf_counter() - started

        if fetched.status == 304:
            validators = refreshed(state.validators, fetched.headers)
            return PollResult("not_modified", took(), 304, validators=validators), []
        if fetched.status != 200 or fetched.body is None:
            return PollResult(
                "failed", took(), fetched.status, fetched.error, fetched.retry_after
            ), []
        body = fetched.body
        digest = _digest(body)
        validators = validators_of(fetched.headers)
        if digest == state.body_digest:
            return PollResult("unchanged", took(), 200, validators=validators), []
        try:
            results = await asyncio.to_thread(
                lambda: list(pacer_rss.parse(body, feed.url, court=feed.court))
            )
        except Exception as exc:  # an adapter bug must not stop the feed's loop: keep the body
            log.exception("%s: the RSS adapter failed", feed.feed_id)
            results = [Rejected(feed.url, f"RSS adapter error: {type(exc).__name__}: {exc}", body)]
        whole = [r for r in results if isinstance(r, Rejected) and r.where == feed.url]
        rejected = [r for r in results if isinstance(r, Rejected)]
        known = await asyncio.to_thread(
            self._store.known_rejects, feed.feed_id, [_reject_digest(r) for r in rejected]
        )
        fresh_rejects = [r for r in rejected if _reject_digest(r) not in known]
        records: list[ParseResult] = [r for r in results if isinstance(r, Parsed)]
        async with self._publish:
            summary = await run_ingest(
                [*records, *fresh_rejects],
                self._sink,
                ledger=self._ledger,
                on_rejected=self._report.add if self._report is not None else None,
            )
        reject_digests = list(dict.fromkeys(_reject_digest(r) for r in fresh_rejects))
        if whole:
            return PollResult(
                "failed", took(), 200, whole[0].reason, rejected=len(reject_digests)
            ), reject_digests
        items = {r.where for r in results}
        if summary.failed:
            first = summary.failures[0] if summary.failures else ""
            return PollResult(
                "failed",
                took(),
                200,
                f"{summary.failed} event(s) not acknowledged by the broker: {first}",
                seen=len(items),
                new=summary.published,
                rejected=len(reject_digests),
            ), reject_digests
        events = [r.event for r in records if isinstance(r, Parsed)]
        return PollResult(
            "fetched",
            took(),
            200,
            validators=validators,
            body_digest=digest,
            seen=len(items),
            new=summary.published,
            rejected=len(reject_digests),
            newest_item=_newest(events),
        ), reject_digests


@asynccontextmanager
async def open_watcher(
    settings: Settings,
    feeds: Sequence[Feed],
    tuning: WatchTuning,
    *,
    sink: EventSink | None = None,
    on_poll: PollHook | None = None,
) -> AsyncIterator[RssWatcher]:
    """The one place the RSS watcher is wired up: client, Kafka sink, ledger, state, report.

    ``sink``: tests and the benchmark may pass their own; by default the idempotent
    :class:`~services.ingest.publisher.KafkaEventSink` (raises ``PublishError``
    when the broker cannot be reached).
    """
    async with AsyncExitStack() as stack:
        store = RssState.in_data_dir(settings.data_dir)
        stack.callback(store.close)
        ledger = Ledger.in_data_dir(settings.data_dir)
        stack.callback(ledger.close)
        report = RejectReport(settings.data_dir / "rejected")
        stack.callback(report.close)
        client = await stack.enter_async_context(new_client(tuning.limits))
        if sink is None:
            sink = await stack.enter_async_context(KafkaEventSink(settings))
        yield RssWatcher(
            feeds,
            client=client,
            sink=sink,
            ledger=ledger,
            store=store,
            report=report,
            tuning=tuning,
            on_poll=on_poll,
        )
