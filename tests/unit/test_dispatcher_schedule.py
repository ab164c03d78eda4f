"""Retry decisions: ``services.dispatcher.schedule`` (pure; clock and randomness are arguments)."""

from __future__ import annotations

import datetime as dt

import pytest

from services.dispatcher.schedule import (
    DEFAULT_SCHEDULE,
    Outcome,
    RetryPolicy,
    backoff_delay,
    decide,
    describe_schedule,
    parse_retry_after,
    should_disable,
)
from services.dispatcher.store import Health, next_health

NOW = dt.datetime(2025, 1, 30, 12, 0, tzinfo=dt.UTC)
FAST = RetryPolicy(schedule=(0, 10, 100), jitter=0.2)


def test_default_schedule_spans_about_three_days_in_ten_attempts() -> None:
    assert len(DEFAULT_SCHEDULE) == 10
    total_days = sum(DEFAULT_SCHEDULE) / 86400
    assert 3.0 <= total_days <= 3.5
    assert describe_schedule(DEFAULT_SCHEDULE) == (
        "immediately, 5s, 5m, 30m, 2h, 5h, 10h, 10h, 1d, 1d"
    )


@pytest.mark.parametrize(("rand", "expected"), [(0.0, 8.0), (0.5, 10.0), (0.75, 11.0)])
def test_backoff_is_jittered_within_twenty_percent(rand: float, expected: float) -> None:
    assert backoff_delay(FAST, 1, rand) == pytest.approx(expected)


def test_backoff_without_jitter_is_the_schedule() -> None:
    policy = RetryPolicy(schedule=(0, 5, 300), jitter=0)
    assert [backoff_delay(policy, n, 0.9) for n in range(4)] == [0, 5, 300, None]


def test_success_is_delivered() -> None:
    assert decide(FAST, 1, Outcome(status_code=204), 0.5).action == "delivered"


@pytest.mark.parametrize("code", [500, 502, 404, 400, 301, 302, 307, 308])
def test_other_statuses_including_redirects_are_retried(code: int) -> None:
    d = decide(FAST, 1, Outcome(status_code=code), 0.5)
    assert (d.action, d.delay) == ("retry", 10.0)


def test_redirects_are_described_as_not_followed() -> None:
    assert "not followed" in decide(FAST, 1, Outcome(status_code=302), 0.5).reason


def test_network_errors_are_retried() -> None:
    d = decide(FAST, 2, Outcome(error="timed out after 10s"), 0.5)
    assert (d.action, d.delay) == ("retry", 100.0)


def test_410_disables_the_endpoint() -> None:
    d = decide(FAST, 1, Outcome(status_code=410), 0.5)
    assert d.action == "disable" and "410" in d.reason


def test_exhausted_schedule_is_dead_lettered() -> None:
    d = decide(FAST, 3, Outcome(status_code=500), 0.5)
    assert d.action == "dead"
    assert "3 attempts" in d.reason and "500" in d.reason


@pytest.mark.parametrize("code", [429, 503])
def test_retry_after_postpones_the_next_attempt(code: int) -> None:
    d = decide(FAST, 1, Outcome(status_code=code, retry_after=60), 0.5)
    assert (d.action, d.delay) == ("retry", 60)


def test_retry_after_never_brings_an_attempt_forward() -> None:
    assert decide(FAST, 2, Outcome(status_code=429, retry_after=1), 0.5).delay == 100.0


def test_retry_after_is_capped() -> None:
    policy = RetryPolicy(schedule=(0, 10, 100), jitter=0, max_retry_after=3600)
    assert decide(policy, 1, Outcome(status_code=503, retry_after=10**9), 0.5).delay == 3600


def test_retry_after_is_ignored_on_other_statuses() -> None:
    assert decide(FAST, 1, Outcome(status_code=500, retry_after=60), 0.5).delay == 10.0


def test_parse_retry_after() -> None:
    assert parse_retry_after("120", NOW) == 120
    assert parse_retry_after("Thu, 30 Jan 2025 12:02:00 GMT", NOW) == 120
    assert parse_retry_after("Thu, 30 Jan 2025 11:00:00 GMT", NOW) == 0
    assert parse_retry_after("soon", NOW) is None
    assert parse_retry_after(None, NOW) is None


def test_sustained_failure_needs_both_count_and_duration() -> None:
    p = RetryPolicy(disable_after=3600, disable_min_failures=3)
    since = NOW - dt.timedelta(hours=2)
    assert should_disable(p, failing_since=since, consecutive_failures=3, now=NOW)
    assert not should_disable(p, failing_since=since, consecutive_failures=2, now=NOW)
    assert not should_disable(
        p, failing_since=NOW - dt.timedelta(minutes=5), consecutive_failures=50, now=NOW
    )
    assert not should_disable(p, failing_since=None, consecutive_failures=50, now=NOW)


def test_failure_streak_resets_on_success_and_on_a_new_revision() -> None:
    h = next_health(None, 1, False, 100.0)
    assert h == Health(1, 100.0, 1)
    h = next_health(h, 1, False, 200.0)
    assert h == Health(1, 100.0, 2)
    assert next_health(h, 2, False, 300.0) == Health(2, 300.0, 1)  # resumed: fresh streak
    assert next_health(h, 1, True, 300.0) == Health(1, None, 0)


def test_policy_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(schedule=())
    with pytest.raises(ValueError):
        RetryPolicy(schedule=(0, -1))
    with pytest.raises(ValueError):
        RetryPolicy(jitter=1.5)
