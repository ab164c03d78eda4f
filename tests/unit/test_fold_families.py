"""The fold's status rules for the issue-11 families, read with the real classifier (pure).

A bare "Stipulation and Order" closes only after a reported settlement, and then
on ``medium`` evidence that the disposition and the alert carry; a renewed stay
keeps the case stayed; a settlement dismissal records its reopening window.
"""

from __future__ import annotations

from schemas.events import DocketEvent
from schemas.projection import CaseState
from services.core.classify import classify
from services.core.detect import detect
from services.core.evolve import evolve, project
from tests.unit.core_builders import complaint, dismissal, event


def read(doc: int, date: str, text: str, name: str | None = None) -> DocketEvent:
    return event(doc, date, text, classify(text, name, doc), event_name=name)


def fold(*events: DocketEvent) -> tuple[CaseState, list]:
    state, alerts = None, []
    for e in events:
        new = evolve(state, e)
        alerts += detect(state, new, e)
        state = new
    assert state is not None
    return state, alerts


def test_the_reference_case_gives_one_high_confidence_open_to_closed_alert() -> None:
    state, alerts = fold(complaint(), dismissal())
    assert [(a.type, a.data.from_status, a.data.to_status, a.data.confidence) for a in alerts] == [
        ("status.changed", "open", "closed", "high")
    ]
    d = state.disposition
    assert d is not None and (d.type, d.prejudice, d.date.isoformat(), d.confidence) == (
        "voluntary_dismissal",
        "without",
        "2025-01-30",
        "high",
    )


def test_a_bare_stipulation_and_order_after_a_settlement_conference_closes_on_medium_evidence() -> (
    None
):
    state, alerts = fold(
        complaint(),
        read(
            20,
            "2025-03-03",
            "Minute Entry for proceedings held before Magistrate Judge Peggy Kuo: Settlement Conference held on 3/3/2025.",
        ),
        read(21, "2025-03-20", "", "Stipulation and Order"),
    )
    assert state.status == "closed"
    assert state.disposition is not None
    assert (state.disposition.type, state.disposition.confidence) == (
        "stipulated_dismissal",
        "medium",
    )
    (alert,) = alerts
    assert (alert.data.to_status, alert.data.confidence, alert.data.rule) == (
        "closed",
        "medium",
        "bare_stipulation_and_order_after_settlement",
    )


def test_its_twin_a_bare_stipulation_and_order_with_no_settlement_before_it_changes_nothing() -> (
    None
):
    state, alerts = fold(complaint(), read(21, "2025-03-20", "", "Stipulation and Order"))
    assert state.status == "open" and alerts == []


def test_the_same_entries_in_any_order_give_the_same_state() -> None:
    es = [
        complaint(),
        read(20, "2025-03-03", "NOTICE of Settlement by Alessandro De La Torre"),
        read(
            21, "2025-03-20", "STIPULATION AND ORDER. Signed by Judge Joan M. Azrack on 3/20/2025."
        ),
    ]
    forward, backward = project(es), project(reversed(es))
    assert forward == backward and forward is not None and forward.status == "closed"


def test_successive_stays_keep_the_case_stayed_until_the_stay_is_lifted() -> None:
    state, alerts = fold(
        complaint(),
        read(10, "2025-02-01", "ORDER granting 9 Motion to Stay Case pending inter partes review."),
        read(11, "2025-05-01", "ORDER: The stay is extended for an additional 90 days."),
        read(12, "2025-08-01", "ORDER granting 11 Joint Motion to Extend Stay."),
        read(13, "2025-09-01", "ORDER granting 14 Motion to Stay Discovery."),
    )
    assert state.status == "stayed"
    assert [a.data.to_status for a in alerts] == ["stayed"]
    lifted, more = fold(
        *[
            complaint(),
            read(10, "2025-02-01", "ORDER STAYING CASE pending arbitration."),
            read(15, "2025-10-01", "ORDER: The stay entered on 2/1/2025 is LIFTED."),
        ]
    )
    assert lifted.status == "open" and [a.data.to_status for a in more] == ["stayed", "open"]


def test_a_settlement_dismissal_records_its_reopening_window_on_the_disposition() -> None:
    state, _ = fold(
        complaint(),
        read(
            30,
            "2025-04-01",
            "ORDER OF DISMISSAL: The Court having been advised that the action has been settled, it is ORDERED that this action is DISMISSED without prejudice to the right to reopen within 60 days if settlement is not consummated.",
        ),
    )
    d = state.disposition
    assert state.status == "closed" and d is not None
    assert (
        d.type == "settled"
        and d.detail == "may reopen within 60 days if the settlement is not consummated"
    )


def test_a_sentence_six_remand_stays_and_a_sentence_four_remand_closes() -> None:
    six, _ = fold(
        complaint(),
        read(
            9,
            "2025-02-01",
            "ORDER remanding this case pursuant to sentence six of 42 U.S.C. 405(g). The Court retains jurisdiction.",
        ),
    )
    four, _ = fold(
        complaint(),
        read(
            9,
            "2025-02-01",
            "ORDER remanding case to the Commissioner of Social Security pursuant to sentence four of 42 U.S.C. 405(g).",
        ),
    )
    assert six.status == "stayed"
    assert (
        four.status == "closed"
        and four.disposition is not None
        and four.disposition.type == "remanded"
    )


def test_post_judgment_motions_and_an_affirming_mandate_do_not_reopen_but_a_reversal_does() -> None:
    closed = [
        complaint(),
        read(
            20, "2025-03-01", "JUDGMENT ON JURY VERDICT in favor of defendant. Signed by Judge X."
        ),
    ]
    after = [
        read(21, "2025-03-10", "MOTION for New Trial by Alessandro De La Torre"),
        read(22, "2025-03-20", "ORDER denying 21 Motion for New Trial."),
        read(23, "2025-03-25", "NOTICE OF APPEAL as to 20 Judgment by Alessandro De La Torre."),
        read(24, "2025-09-01", "MANDATE of USCA: the judgment of the district court is AFFIRMED."),
    ]
    state, _ = fold(*closed, *after)
    assert state.status == "closed" and state.flags.appealed
    reversed_, _ = fold(
        *closed,
        read(
            24,
            "2025-09-01",
            "MANDATE of USCA: the judgment of the district court is REVERSED and the case is REMANDED for further proceedings.",
        ),
    )
    assert reversed_.status == "open"
