"""The RSS watcher's decisions, as plain functions over plain values.

* **When to poll next** (:func:`next_delay`): every ``interval`` seconds with
  ``±jitter`` (so 200 feeds configured together do not poll in lockstep); after
  a failure, exponential backoff from the interval up to ``backoff_cap``; a 429
  or 503 with ``Retry-After`` waits at least what the server asked (bounded by
  ``max_retry_after``, so a typo of a server cannot silence a court for a week).
* **Conditional GET** (:class:`Validators`): the ``ETag`` and ``Last-Modified``
  of the last body that was fully published are sent back as ``If-None-Match``
  and ``If-Modified-Since``; a 304 may refresh them (RFC 9111 §4.3.4).
* **Feed state** (:func:`after_poll`): one poll's :class:`PollResult` folded
  into the feed's :class:`FeedState`: counters, last success and error,
  consecutive failures, the next poll time.

Invariant the watcher relies on: the validators and the body digest in a state
come only from a poll whose events were all acknowledged by the broker
(:func:`after_poll` keeps the previous ones on a failed poll), so a crash or a
failed send can never turn into a 304 for items that were not published.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Literal

Rand = Callable[[], float]
"""A uniform random number in [0, 1) (``random.random``; tests pass a constant)."""

RETRY_AFTER_STATUSES = frozenset({429, 503})


@dataclass(frozen=True, slots=True)
class PollPolicy:
    """How often one feed is polled and how it backs off."""

    interval: float = 300.0
    jitter: float = 0.1
    """Fraction of the delay added or taken away at random (0.1 = ±10 %)."""
    backoff_cap: float = 3600.0
    """Longest delay after consecutive failures (never shorter than the interval)."""
    max_retry_after: float = 6 * 3600.0

    def __post_init__(self) -> None:
        if self.interval <= 0:
            raise ValueError(f"interval must be > 0, not {self.interval}")
        if not 0 <= self.jitter < 1:
            raise ValueError(f"jitter must be in [0, 1), not {self.jitter}")


def jittered(delay: float, fraction: float, rand: Rand) -> float:
    """``delay`` moved by up to ``±fraction`` of itself."""
    return delay * (1.0 + fraction * (2.0 * rand() - 1.0))


def backoff(failures: int, policy: PollPolicy) -> float:
    """Delay (before jitter) after ``failures`` consecutive failed polls (``failures >= 1``)."""
    cap = max(policy.backoff_cap, policy.interval)
    # 2**failures overflows a float long before it matters; stop doubling at the cap
    delay = policy.interval
    for _ in range(failures):
        delay *= 2
        if delay >= cap:
            return cap
    return delay


def next_delay(
    failures: int, status: int | None, retry_after: float | None, policy: PollPolicy, rand: Rand
) -> float:
    """Seconds until the next poll, given the consecutive failures so far (0 after a success).

    ``retry_after`` (seconds) counts only with a 429 or a 503: the next poll is
    then no earlier than the server asked, and no earlier than the interval.
    """
    if failures == 0:
        return jittered(policy.interval, policy.jitter, rand)
    if status in RETRY_AFTER_STATUSES and retry_after is not None:
        return max(min(retry_after, policy.max_retry_after), policy.interval)
    return jittered(backoff(failures, policy), policy.jitter, rand)


@dataclass(frozen=True, slots=True)
class Validators:
    """The validators of the last fully published body of a feed."""

    etag: str | None = None
    last_modified: str | None = None

    def request_headers(self) -> dict[str, str]:
        """The conditional-GET headers that ask "only if changed since"."""
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers


def validators_of(headers: Mapping[str, str]) -> Validators:
    """The validators a 200 response carries (``headers`` must be case-insensitive or lower-case).

    Missing ones are ``None``: an old ETag does not describe a new body.
    """
    return Validators(
        etag=headers.get("etag") or None, last_modified=headers.get("last-modified") or None
    )


def refreshed(previous: Validators, headers: Mapping[str, str]) -> Validators:
    """The validators after a 304: those it sends replace the stored ones, the rest stay."""
    fresh = validators_of(headers)
    return Validators(
        etag=fresh.etag or previous.etag,
        last_modified=fresh.last_modified or previous.last_modified,
    )


PollKind = Literal["fetched", "unchanged", "not_modified", "failed"]


@dataclass(frozen=True, slots=True)
class PollResult:
    """What one poll of one feed did.

    ``fetched``: a 200 body parsed and every event acknowledged (or already
    known); ``unchanged``: a 200 body identical to the last published one (not
    parsed again); ``not_modified``: a 304; ``failed``: anything else (HTTP
    error, timeout, oversized or unparsable body, events not acknowledged).
    ``validators``/``body_digest``/``newest_item`` are ``None`` to keep the
    previous ones.
    """

    kind: PollKind
    duration: float
    status: int | None = None
    error: str | None = None
    retry_after: float | None = None
    validators: Validators | None = None
    body_digest: str | None = None
    seen: int = 0
    """Items read from the body."""
    new: int = 0
    """Events published for the first time."""
    rejected: int = 0
    """Records rejected for the first time (each kept in the rejected-records report)."""
    newest_item: tuple[str, str] | None = None
    """(reference, ISO time) of the newest item of the body."""

    @property
    def ok(self) -> bool:
        return self.kind != "failed"


@dataclass(frozen=True, slots=True)
class FeedState:
    """Everything the watcher remembers about one feed (persisted in ``DATA_DIR/watch``)."""

    feed_id: str
    url: str
    validators: Validators = Validators()
    body_digest: str | None = None
    polls: int = 0
    failures: int = 0
    """Consecutive failed polls (0 after a success)."""
    next_poll_at: float = 0.0
    """Unix time of the next poll (0: as soon as the watcher starts)."""
    last_poll_at: float | None = None
    last_success_at: float | None = None
    last_error_at: float | None = None
    last_error: str | None = None
    last_status: int | None = None
    last_duration: float | None = None
    last_item_ref: str | None = None
    last_item_at: str | None = None
    items_seen: int = 0
    items_new: int = 0
    items_rejected: int = 0

    def for_url(self, url: str) -> FeedState:
        """This state for ``url``: a feed moved to another URL forgets its validators and digest."""
        if url == self.url:
            return self
        return replace(self, url=url, validators=Validators(), body_digest=None)


def after_poll(
    state: FeedState, result: PollResult, *, now: float, policy: PollPolicy, rand: Rand
) -> FeedState:
    """``state`` after ``result``: counters added, success or failure recorded, next poll set."""
    counted = replace(
        state,
        polls=state.polls + 1,
        last_poll_at=now,
        last_status=result.status,
        last_duration=result.duration,
        items_seen=state.items_seen + result.seen,
        items_new=state.items_new + result.new,
        items_rejected=state.items_rejected + result.rejected,
    )
    if result.ok:
        newest = result.newest_item
        return replace(
            counted,
            validators=result.validators if result.validators is not None else state.validators,
            body_digest=result.body_digest if result.body_digest is not None else state.body_digest,
            failures=0,
            last_success_at=now,
            last_item_ref=newest[0] if newest else state.last_item_ref,
            last_item_at=newest[1] if newest else state.last_item_at,
            next_poll_at=now + next_delay(0, result.status, None, policy, rand),
        )
    failures = state.failures + 1
    return replace(
        counted,
        failures=failures,
        last_error_at=now,
        last_error=result.error or f"HTTP {result.status}",
        next_poll_at=now + next_delay(failures, result.status, result.retry_after, policy, rand),
    )
