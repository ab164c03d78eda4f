"""Which cases and alerts a subscription's calendar and feed show. Pure.

The alert feed uses :func:`services.dispatcher.matching.matches` itself: the
alerts a feed lists are the alerts its webhook would be sent (less the
creation-time rule of ``wants``: a feed is a window on recent history, so a new
subscriber sees the matching alerts published before it subscribed, too).

The calendar lists cases, and of the filters only those about a case apply,
with the same semantics as for alerts (:mod:`services.dispatcher.matching`):
``case_ids``, ``courts``, ``query`` (every word in the case name or id),
``nature_of_suit`` (a code matches the leading NOS code, words as text) and
``class_action_only``. ``alert_types`` and ``transitions`` are about alerts,
not cases, and do not narrow the calendar.
"""

from __future__ import annotations

from schemas.alerts import DEFAULT_ALERT_TYPES
from services.dispatcher.matching import nature_of_suit_matches, query_matches
from services.dispatcher.model import SubscriptionFilters
from services.readmodel.values import AlertFilter, CaseQuery, CaseSummary


def case_matches(filters: SubscriptionFilters, case: CaseSummary) -> bool:
    """True when ``case`` passes every filter of ``filters`` that is about a case."""
    if filters.case_ids and case.case_id not in filters.case_ids:
        return False
    if filters.courts and case.court_id not in filters.courts:
        return False
    if filters.class_action_only and not case.flags.class_action:
        return False
    if filters.query and not query_matches(filters.query, case.case_name, case.case_id):
        return False
    return nature_of_suit_matches(filters.nature_of_suit, case.nature_of_suit)


def case_prefilter(filters: SubscriptionFilters, limit: int) -> CaseQuery:
    """A read-model query whose results include every case ``case_matches`` accepts
    (narrowed by what the store can filter exactly), most recently updated first."""
    return CaseQuery(
        courts=filters.courts,
        class_action=True if filters.class_action_only else None,
        limit=limit,
    )


def alert_prefilter(filters: SubscriptionFilters) -> AlertFilter:
    """A store filter whose results include every alert ``matches`` accepts."""
    return AlertFilter(
        case_id=filters.case_ids[0] if len(filters.case_ids) == 1 else None,
        court=filters.courts[0] if len(filters.courts) == 1 else None,
        types=filters.alert_types or DEFAULT_ALERT_TYPES,
    )
