"""Feed tokens (services.api.feed_tokens) and which cases/alerts a subscription's calendar and
feed show (services.api.feed_selection): pure functions over plain values."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from schemas.projection import CaseFlags
from services.api.feed_selection import alert_prefilter, case_matches, case_prefilter
from services.api.feed_tokens import (
    PREFIX,
    RedactTokens,
    feed_token,
    opens,
    redact,
    well_formed,
)
from services.dispatcher.model import Subscription, SubscriptionFilters
from services.readmodel.values import CaseSummary

NOW = dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.UTC)


def _sub(secret: str = "whsec_one", sub_id: str = "sub_aaaaaaaaaaaaaaaaaaaaaaaa") -> Subscription:
    return Subscription(
        id=sub_id,
        owner="caller_x",
        url="https://e.org/h",
        secret=secret,
        created_at=NOW,
        updated_at=NOW,
    )


def test_a_feed_token_is_derived_from_the_subscription_and_its_secret() -> None:
    token = feed_token("sub_a", "whsec_one")
    assert token.startswith(PREFIX) and well_formed(token)
    assert token == feed_token("sub_a", "whsec_one")
    assert token != feed_token("sub_b", "whsec_one") != feed_token("sub_a", "whsec_two")
    assert "whsec_one" not in token and "sub_a" not in token


def test_only_its_own_token_opens_a_subscription() -> None:
    sub = _sub()
    assert opens(sub, feed_token(sub.id, sub.secret), NOW)
    assert not opens(sub, feed_token(sub.id, "whsec_other"), NOW)
    assert not opens(sub, feed_token("sub_other", sub.secret), NOW)
    assert not opens(sub, "", NOW)


def test_rotating_the_secret_rotates_the_token_after_the_overlap() -> None:
    old = _sub()
    rotated = old.with_new_secret("whsec_new", dt.timedelta(hours=1), NOW)
    old_token = feed_token(old.id, old.secret)
    assert opens(rotated, feed_token(rotated.id, "whsec_new"), NOW)
    assert opens(rotated, old_token, NOW + dt.timedelta(minutes=59))
    assert not opens(rotated, old_token, NOW + dt.timedelta(hours=1))
    at_once = old.with_new_secret("whsec_new", dt.timedelta(0), NOW)
    assert not opens(at_once, old_token, NOW)


@pytest.mark.parametrize(
    "presented",
    [
        "",
        "tok-a",
        "read+subscriptions:tok-a",
        "dlf_short",
        "dlf_" + "a" * 42 + "!",
        "DLF_" + "a" * 43,
    ],
)
def test_api_tokens_and_garbage_are_not_feed_tokens(presented: str) -> None:
    assert not well_formed(presented)


def test_the_access_log_never_shows_a_feed_token() -> None:
    path = "/api/subscriptions/sub_x/calendar.ics?limit=5&token=dlf_SECRET&x=1"
    assert redact(path) == "/api/subscriptions/sub_x/calendar.ics?limit=5&token=REDACTED&x=1"
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5", "GET", path, "1.1", 200), None,
    )  # fmt: skip
    assert RedactTokens().filter(record)
    assert "dlf_SECRET" not in record.getMessage() and "token=REDACTED" in record.getMessage()


def _case(**kw: object) -> CaseSummary:
    base: dict[str, object] = {
        "case_id": "cand:5:25-cv-00709",
        "court_id": "cand",
        "docket_number": "5:25-cv-00709",
        "case_name": "De La Torre v. LinkedIn Corp.",
        "nature_of_suit": "890 Other Statutory Actions",
        "status": "closed",
        "flags": CaseFlags(class_action=True),
    }
    return CaseSummary(**{**base, **kw})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, True),
        ({"case_ids": ["cand:5:25-CV-709"]}, True),
        ({"case_ids": ["nysd:1:24-cv-01234"]}, False),
        ({"courts": ["CAND"]}, True),
        ({"courts": ["nysd"]}, False),
        ({"query": "linkedin corp"}, True),
        ({"query": "meta"}, False),
        ({"nature_of_suit": ["890"]}, True),
        ({"nature_of_suit": ["89"]}, False),
        ({"nature_of_suit": ["statutory"]}, True),
        ({"class_action_only": True}, True),
        # about alerts, not cases: they do not narrow the calendar
        ({"alert_types": ["deadline.set"], "transitions": ["any->open"]}, True),
        ({"courts": ["cand"], "query": "meta"}, False),
    ],
)
def test_a_calendar_shows_the_cases_the_filters_match(
    filters: dict[str, object], expected: bool
) -> None:
    assert case_matches(SubscriptionFilters.model_validate(filters), _case()) is expected


def test_class_action_only_leaves_out_a_case_not_flagged() -> None:
    only = SubscriptionFilters(class_action_only=True)
    assert not case_matches(only, _case(flags=CaseFlags()))
    assert case_prefilter(only, 50).class_action is True
    assert case_prefilter(SubscriptionFilters(), 50).class_action is None


def test_the_store_prefilters_narrow_only_by_what_they_filter_exactly() -> None:
    one = SubscriptionFilters(case_ids=("cand:5:25-cv-00709",), courts=("cand",))
    assert alert_prefilter(one).case_id == "cand:5:25-cv-00709"
    assert alert_prefilter(one).court == "cand"
    assert alert_prefilter(one).types == (
        "status.changed",
        "disposition.changed",
        "complaint.amended",
    )
    two = SubscriptionFilters(
        case_ids=("cand:5:25-cv-00709", "nysd:1:24-cv-01234"), alert_types=("deadline.set",)
    )
    assert (alert_prefilter(two).case_id, alert_prefilter(two).types) == (None, ("deadline.set",))
    assert case_prefilter(SubscriptionFilters(courts=("cand", "nysd")), 10).courts == (
        "cand",
        "nysd",
    )
