"""Retry decisions for webhook deliveries. Pure: the clock and the random draw
are arguments, so every decision is reproducible in a unit test.

The default schedule (delays before attempt 1, 2, 3, ...)::

    immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, 24 h, 24 h

ten attempts spread over about 3 days 3 hours, each delay jittered by ±20 % so
that many deliveries failing together do not retry in lockstep. ``Retry-After``
on 429/503 postpones the next attempt to at least what the receiver asked for
(capped at ``max_retry_after``); it never brings an attempt forward.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import math
from dataclasses import dataclass
from typing import Literal

DEFAULT_SCHEDULE: tuple[float, ...] = (
    0,
    5,
    5 * 60,
    30 * 60,
    2 * 3600,
    5 * 3600,
    10 * 3600,
    10 * 3600,
    24 * 3600,
    24 * 3600,
)
DAY = 24 * 3600.0


@dataclass(frozen=True)
class RetryPolicy:
    """``schedule[i]`` is the delay before attempt ``i + 1`` (so ``schedule[0]``, normally 0,
    delays the first attempt). After ``len(schedule)`` failed attempts a delivery is
    dead-lettered. An endpoint is disabled once it has failed ``disable_min_failures``
    attempts in a row *and* has not succeeded for ``disable_after`` seconds."""

    schedule: tuple[float, ...] = DEFAULT_SCHEDULE
    jitter: float = 0.2
    max_retry_after: float = DAY
    disable_after: float = 5 * DAY
    disable_min_failures: int = 5

    def __post_init__(self) -> None:
        if not self.schedule:
            raise ValueError("retry schedule must have at least one attempt")
        if any(d < 0 or not math.isfinite(d) for d in self.schedule):
            raise ValueError(f"retry delays must be finite and >= 0: {self.schedule}")
        if not 0 <= self.jitter < 1:
            raise ValueError(f"jitter must be in [0, 1): {self.jitter}")

    @property
    def max_attempts(self) -> int:
        return len(self.schedule)


def jittered(base: float, jitter: float, rand: float) -> float:
    """``base`` scaled by a factor in ``[1 - jitter, 1 + jitter)``; ``rand`` in ``[0, 1)``."""
    return base * (1.0 + jitter * (2.0 * rand - 1.0))


def backoff_delay(policy: RetryPolicy, attempts_made: int, rand: float) -> float | None:
    """Seconds to wait before the next attempt after ``attempts_made`` attempts,
    or ``None`` when the schedule is exhausted."""
    if attempts_made < 0:
        raise ValueError("attempts_made must be >= 0")
    if attempts_made >= policy.max_attempts:
        return None
    return jittered(policy.schedule[attempts_made], policy.jitter, rand)


def parse_retry_after(value: str | None, now: dt.datetime) -> float | None:
    """RFC 9110 ``Retry-After``: delta-seconds or an HTTP-date; ``None`` if absent or invalid."""
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return float(int(text))
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - now).total_seconds())


Action = Literal["delivered", "retry", "dead", "disable"]


@dataclass(frozen=True)
class Outcome:
    """What one attempt produced: an HTTP status, or an error before any status."""

    status_code: int | None = None
    error: str | None = None
    retry_after: float | None = None

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    def describe(self) -> str:
        if self.status_code is not None:
            kind = "redirect (not followed)" if 300 <= self.status_code < 400 else "HTTP"
            return f"{kind} {self.status_code}"
        return self.error or "unknown error"


@dataclass(frozen=True)
class Decision:
    action: Action
    delay: float | None = None
    reason: str = ""


def decide(policy: RetryPolicy, attempts_made: int, outcome: Outcome, rand: float) -> Decision:
    """What to do after attempt number ``attempts_made`` ended with ``outcome``.

    2xx -> delivered; 410 -> disable the endpoint (the delivery stays pending and
    resumes with the endpoint); anything else (3xx, 4xx, 5xx, timeout, refused
    connection, blocked address) -> retry on the schedule, or dead-letter when it
    is exhausted.
    """
    if outcome.succeeded:
        return Decision("delivered", reason=outcome.describe())
    if outcome.status_code == 410:
        return Decision("disable", reason="endpoint answered 410 Gone")
    delay = backoff_delay(policy, attempts_made, rand)
    if delay is None:
        return Decision(
            "dead",
            reason=f"{attempts_made} attempts failed, last: {outcome.describe()}",
        )
    if outcome.status_code in (429, 503) and outcome.retry_after is not None:
        delay = max(delay, min(outcome.retry_after, policy.max_retry_after))
    return Decision("retry", delay=delay, reason=outcome.describe())


def should_disable(
    policy: RetryPolicy,
    *,
    failing_since: dt.datetime | None,
    consecutive_failures: int,
    now: dt.datetime,
) -> bool:
    """Sustained failure: enough failed attempts in a row over a long enough time.
    Both are required, so neither one unlucky attempt after a quiet week nor a
    burst of failures within a minute disables an endpoint."""
    if failing_since is None or consecutive_failures < policy.disable_min_failures:
        return False
    return (now - failing_since).total_seconds() >= policy.disable_after


def describe_schedule(schedule: tuple[float, ...]) -> str:
    """``(0, 5, 300)`` -> ``"immediately, 5s, 5m"`` (for logs and docs)."""

    def one(s: float) -> str:
        if s == 0:
            return "immediately"
        for unit, size in (("d", DAY), ("h", 3600.0), ("m", 60.0)):
            if s >= size and s % size == 0:
                return f"{int(s // size)}{unit}"
        return f"{s:g}s"

    return ", ".join(one(s) for s in schedule)
