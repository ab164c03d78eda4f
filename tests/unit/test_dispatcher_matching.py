"""Which alerts a subscription wants: ``services.dispatcher.matching`` (pure)."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from services.dispatcher.matching import matches, nature_of_suit_matches, query_matches, wants
from services.dispatcher.model import Subscription, SubscriptionFilters
from tests.webhook_util import REF_CASE_ID, make_alert

REF = make_alert()  # De La Torre v. LinkedIn: open -> closed, class action, NOS 890


def f(**kw: object) -> SubscriptionFilters:
    return SubscriptionFilters.model_validate(kw)


def test_empty_filters_match_every_status_alert() -> None:
    assert matches(f(), REF)
    assert matches(f(), make_alert(type_="complaint.amended", from_status="open", to_status="open"))


@pytest.mark.parametrize(
    "kind", ["entry.filed", "milestone.reached", "deadline.set", "deadline.upcoming"]
)
def test_the_alert_types_of_version_2_are_opt_in(kind: str) -> None:
    alert = make_alert(type_=kind, from_status="open", to_status="open")
    assert not matches(f(), alert)
    assert matches(f(alert_types=[kind]), alert)
    assert not matches(f(alert_types=["status.changed"]), alert)


def test_case_ids_are_canonicalised_before_matching() -> None:
    assert f(case_ids=["cand:5:25-CV-709-EJD"]).case_ids == (REF_CASE_ID,)
    assert matches(f(case_ids=["cand:5:25-CV-709"]), REF)
    assert not matches(f(case_ids=["cand:5:25-cv-00710"]), REF)


def test_invalid_case_id_is_refused() -> None:
    with pytest.raises(ValidationError):
        f(case_ids=["linkedin"])


def test_courts_match_case_insensitively_and_any_of_several() -> None:
    assert matches(f(courts=["NYSD", "CAND"]), REF)
    assert not matches(f(courts=["nysd"]), REF)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("linkedin", True),
        ("LinkedIn corp", True),
        ("de la torre", True),
        ("linked", True),
        ("linkedin google", False),
        ("microsoft", False),
        ("5:25-cv-00709", True),
    ],
)
def test_query_needs_every_word_in_the_case_name(query: str, expected: bool) -> None:
    assert matches(f(query=query), REF) is expected


def test_query_without_a_case_name_only_sees_the_case_id() -> None:
    assert not query_matches("linkedin", None, REF_CASE_ID)


@pytest.mark.parametrize(
    ("wanted", "expected"),
    [
        (["890"], True),
        (["89"], False),
        (["statutory"], True),
        (["440", "890"], True),
        (["civil rights"], False),
    ],
)
def test_nature_of_suit_by_code_or_words(wanted: list[str], expected: bool) -> None:
    assert matches(f(nature_of_suit=wanted), REF) is expected


def test_nature_of_suit_filter_excludes_alerts_without_one() -> None:
    assert not nature_of_suit_matches(("890",), None)


def test_class_action_only() -> None:
    assert matches(f(class_action_only=True), REF)
    assert not matches(f(class_action_only=True), make_alert(class_action=False))


def test_alert_types() -> None:
    assert matches(f(alert_types=["status.changed"]), REF)
    assert not matches(f(alert_types=["complaint.amended"]), REF)


@pytest.mark.parametrize(
    ("pattern", "frm", "to", "expected"),
    [
        ("any->closed", "open", "closed", True),
        ("any->closed", "stayed", "closed", True),
        ("any->closed", None, "closed", True),
        ("any->closed", "closed", "closed", False),  # a refinement is not "became closed"
        ("closed->closed", "closed", "closed", True),
        ("closed->open", "closed", "open", True),
        ("closed->open", "open", "closed", False),
        ("new->open", None, "open", True),
        ("new->any", "open", "closed", False),
        ("any->any", "open", "open", False),
        ("open -> stayed", "open", "stayed", True),
    ],
)
def test_transitions(pattern: str, frm: str | None, to: str, expected: bool) -> None:
    alert = make_alert(from_status=frm, to_status=to)
    assert matches(f(transitions=[pattern]), alert) is expected


@pytest.mark.parametrize("bad", ["closed", "open->shut", "x->y", "closed->new", ""])
def test_malformed_transitions_are_refused(bad: str) -> None:
    with pytest.raises(ValidationError):
        f(transitions=[bad])


def test_filters_combine_with_and() -> None:
    both = f(query="linkedin", transitions=["any->closed"])
    assert matches(both, REF)
    assert not matches(both, make_alert(from_status="closed", to_status="open"))
    assert not matches(both, make_alert(case_name="Doe v. Google LLC"))


def test_unknown_filter_keys_are_refused() -> None:
    with pytest.raises(ValidationError):
        f(party="linkedin")


def _sub(created: dt.datetime, **filters: object) -> Subscription:
    return Subscription(
        id="sub_1",
        owner="caller_x",
        url="https://example.org/h",
        secret="whsec_x",
        filters=SubscriptionFilters.model_validate(filters),
        created_at=created,
        updated_at=created,
    )


def test_a_subscription_wants_only_alerts_published_since_it_exists() -> None:
    created = dt.datetime(2025, 2, 1, 12, 0, 0, 123456, tzinfo=dt.UTC)
    sub = _sub(created, query="linkedin")
    # Kafka record times have millisecond precision: the same millisecond counts.
    assert wants(sub, REF, created.replace(microsecond=123000))
    assert wants(sub, REF, created + dt.timedelta(days=1))
    assert not wants(sub, REF, created - dt.timedelta(milliseconds=1))
    assert not wants(_sub(created, query="google"), REF, created + dt.timedelta(days=1))
