"""Which alerts a subscription wants. Pure: values in, bool out, no I/O.

Semantics (documented in docs/webhooks.md and tested in
tests/unit/dispatcher/test_matching.py):

* every filter is optional; filters combine with AND, values of one filter with OR;
* ``query``: every word must occur in the case name (or the case id), case- and
  punctuation-insensitive, so ``linkedin corp`` matches "De La Torre v. LinkedIn Corp.";
* ``nature_of_suit``: a numeric entry matches the leading NOS code (``890`` matches
  "890 Other Statutory Actions", ``89`` does not); a word entry matches as a
  case-insensitive substring;
* ``alert_types``: without it, the three status alerts (``DEFAULT_ALERT_TYPES``); the
  others (``entry.filed``, ``milestone.reached``, ``deadline.*``) are opt-in;
* ``transitions`` ``FROM->TO``: ``any`` matches every status (and ``new``, a case's
  first appearance); a pattern with an ``any`` side matches only real changes
  (from != to), so ``any->closed`` is "the case became closed" and does not fire
  on a disposition refinement of an already closed case; ``closed->closed`` asks
  for those refinements explicitly;
* a subscription receives only alerts published at or after its creation, and
  only while it is not deleted (paused or disabled subscriptions still *collect*
  their matches, delivered on resume).
"""

from __future__ import annotations

import datetime as dt
import re

from schemas.alerts import DEFAULT_ALERT_TYPES, Alert
from services.dispatcher.model import Subscription, SubscriptionFilters, parse_transition

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
_NOS_CODE = re.compile(r"^\s*(\d+)")


def _words(text: str) -> list[str]:
    return [w for w in _NON_WORD.split(text.casefold()) if w]


def query_matches(query: str, *haystacks: str | None) -> bool:
    """All words of ``query`` occur (as substrings of words) in the haystacks."""
    terms = _words(query)
    if not terms:
        return True
    text = " " + " ".join(" ".join(_words(h)) for h in haystacks if h) + " "
    return all(term in text for term in terms)


def nature_of_suit_matches(wanted: tuple[str, ...], nos: str | None) -> bool:
    if not wanted:
        return True
    if not nos:
        return False
    code = _NOS_CODE.match(nos)
    folded = nos.casefold()
    for entry in wanted:
        if entry.isdigit():
            if code is not None and int(code.group(1)) == int(entry):
                return True
        elif entry.casefold() in folded:
            return True
    return False


def transition_matches(pattern: str, from_status: str | None, to_status: str) -> bool:
    frm, to = parse_transition(pattern)
    if frm == "new":
        from_ok = from_status is None
    else:
        from_ok = frm == "any" or frm == from_status
    to_ok = to == "any" or to == to_status
    if "any" in (frm, to) and from_status == to_status:
        return False
    return from_ok and to_ok


def matches(filters: SubscriptionFilters, alert: Alert) -> bool:
    """True when ``alert`` passes every filter of ``filters``."""
    d = alert.data
    if filters.case_ids and d.case_id not in filters.case_ids:
        return False
    if filters.courts and d.court_id not in filters.courts:
        return False
    if filters.class_action_only and not d.class_action:
        return False
    if alert.type not in (filters.alert_types or DEFAULT_ALERT_TYPES):
        return False
    if filters.query and not query_matches(filters.query, d.case_name, d.case_id):
        return False
    if not nature_of_suit_matches(filters.nature_of_suit, d.nature_of_suit):
        return False
    return not filters.transitions or any(
        transition_matches(t, d.from_status, d.to_status) for t in filters.transitions
    )


def wants(subscription: Subscription, alert: Alert, published_at: dt.datetime) -> bool:
    """Whether ``subscription`` collects ``alert``, published (Kafka record time) at
    ``published_at``: not before the subscription existed, and only if it matches.
    Replaying the alert topic from the start therefore never floods a new subscriber
    with history, and the answer is the same on every replay."""
    created = subscription.created_at
    created_ms = created.replace(microsecond=created.microsecond // 1000 * 1000)  # Kafka time is ms
    return published_at >= created_ms and matches(subscription.filters, alert)
