"""The RSS watcher's pure decisions: when to poll, what to send back, how a poll changes a feed."""

from __future__ import annotations

import pytest

from services.ingest.watch.schedule import (
    FeedState,
    PollPolicy,
    PollResult,
    Validators,
    after_poll,
    backoff,
    jittered,
    next_delay,
    refreshed,
    validators_of,
)

POLICY = PollPolicy(interval=300, jitter=0.1, backoff_cap=3600, max_retry_after=6 * 3600)


def mid() -> float:
    return 0.5


def test_jitter_moves_the_delay_by_at_most_the_fraction_either_way() -> None:
    assert jittered(300, 0.1, lambda: 0.0) == pytest.approx(270)
    assert jittered(300, 0.1, mid) == pytest.approx(300)
    assert jittered(300, 0.1, lambda: 0.999999) == pytest.approx(330, rel=1e-5)


def test_a_success_polls_again_after_the_jittered_interval() -> None:
    assert next_delay(0, 200, None, POLICY, lambda: 0.0) == pytest.approx(270)
    assert next_delay(0, 304, None, POLICY, mid) == pytest.approx(300)


def test_failures_back_off_exponentially_from_the_interval_up_to_the_cap() -> None:
    assert [backoff(n, POLICY) for n in range(1, 7)] == [600, 1200, 2400, 3600, 3600, 3600]
    assert backoff(10_000, POLICY) == 3600  # no float overflow after days of failures


def test_the_cap_is_never_shorter_than_the_interval() -> None:
    policy = PollPolicy(interval=600, backoff_cap=60)
    assert backoff(1, policy) == 600


def test_retry_after_of_a_429_or_503_is_honoured_instead_of_the_backoff() -> None:
    assert next_delay(1, 429, 1800, POLICY, mid) == 1800
    assert next_delay(3, 503, 1800, POLICY, mid) == 1800
    # never earlier than the interval, whatever the server says
    assert next_delay(1, 429, 5, POLICY, mid) == 300


def test_retry_after_is_bounded_so_a_server_cannot_silence_a_court_for_a_week() -> None:
    assert next_delay(1, 429, 7 * 86400, POLICY, mid) == 6 * 3600


def test_retry_after_on_other_statuses_does_not_count() -> None:
    assert next_delay(1, 500, 1800, POLICY, mid) == pytest.approx(600)


def test_a_429_without_retry_after_backs_off() -> None:
    assert next_delay(2, 429, None, POLICY, mid) == pytest.approx(1200)


def test_policy_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        PollPolicy(interval=0)
    with pytest.raises(ValueError):
        PollPolicy(jitter=1.0)


def test_conditional_get_sends_back_both_validators() -> None:
    v = Validators(etag='W/"abc"', last_modified="Wed, 18 Apr 2018 00:15:28 GMT")
    assert v.request_headers() == {
        "If-None-Match": 'W/"abc"',
        "If-Modified-Since": "Wed, 18 Apr 2018 00:15:28 GMT",
    }
    assert Validators().request_headers() == {}


def test_a_200_without_an_etag_forgets_the_old_one() -> None:
    assert validators_of({"last-modified": "x"}) == Validators(None, "x")


def test_a_304_refreshes_only_the_validators_it_carries() -> None:
    before = Validators('"1"', "old date")
    assert refreshed(before, {}) == before
    assert refreshed(before, {"etag": '"2"'}) == Validators('"2"', "old date")


def test_a_fetched_poll_records_success_counts_validators_and_the_next_poll() -> None:
    state = FeedState("cand", "https://ecf.cand.uscourts.gov/cgi-bin/rss_outside.pl")
    result = PollResult(
        "fetched", 0.25, 200, validators=Validators('"e1"'), body_digest="d1", seen=3, new=2,
        rejected=1, newest_item=("ref-9", "2025-01-30T23:12:44+00:00"),
    )  # fmt: skip
    new = after_poll(state, result, now=1000.0, policy=POLICY, rand=mid)
    assert (new.polls, new.items_seen, new.items_new, new.items_rejected) == (1, 3, 2, 1)
    assert new.validators == Validators('"e1"') and new.body_digest == "d1"
    assert (new.last_success_at, new.failures, new.last_status) == (1000.0, 0, 200)
    assert new.next_poll_at == pytest.approx(1300.0)
    assert (new.last_item_ref, new.last_item_at) == ("ref-9", "2025-01-30T23:12:44+00:00")
    assert new.last_duration == 0.25


def test_a_failed_poll_keeps_the_validators_of_the_last_published_body() -> None:
    """The invariant behind crash safety: a failure never turns into a 304 for unpublished items."""
    state = FeedState(
        "cand", "u", validators=Validators('"e1"'), body_digest="d1", last_success_at=5
    )
    failed = PollResult(
        "failed",
        0.1,
        200,
        "3 event(s) not acknowledged",
        validators=Validators('"e2"'),
        body_digest="d2",
    )
    new = after_poll(state, failed, now=1000.0, policy=POLICY, rand=mid)
    assert new.validators == Validators('"e1"') and new.body_digest == "d1"
    assert (new.failures, new.last_error, new.last_error_at, new.last_success_at) == (
        1, "3 event(s) not acknowledged", 1000.0, 5,
    )  # fmt: skip
    assert new.next_poll_at == pytest.approx(1600.0)


def test_consecutive_failures_grow_the_delay_and_a_success_resets_it() -> None:
    state = FeedState("f", "u")
    for expected in (600, 1200, 2400):
        now = 10_000.0
        state = after_poll(
            state, PollResult("failed", 0.0, 500, "HTTP 500"), now=now, policy=POLICY, rand=mid
        )
        assert state.next_poll_at - now == pytest.approx(expected)
    state = after_poll(
        state, PollResult("not_modified", 0.0, 304), now=20_000.0, policy=POLICY, rand=mid
    )
    assert state.failures == 0 and state.next_poll_at == pytest.approx(20_300.0)
    assert state.last_error == "HTTP 500", "the last error stays visible after a success"


def test_a_timeout_without_a_status_is_recorded_with_its_error() -> None:
    state = after_poll(
        FeedState("f", "u"),
        PollResult("failed", 30.0, None, "no complete answer within 30s"),
        now=0.0, policy=POLICY, rand=mid,
    )  # fmt: skip
    assert state.last_error == "no complete answer within 30s" and state.last_status is None


def test_a_feed_moved_to_another_url_forgets_its_validators() -> None:
    state = FeedState("cand", "old", validators=Validators('"e"'), body_digest="d", items_new=4)
    moved = state.for_url("new")
    assert (moved.url, moved.validators, moved.body_digest, moved.items_new) == (
        "new",
        Validators(),
        None,
        4,
    )
    assert state.for_url("old") is state
