"""Alerts: exactly one per real status change, with ids independent of arrival order."""

from __future__ import annotations

from schemas.events import DocketEvent
from schemas.projection import CaseState
from services.core.detect import detect
from services.core.evolve import evolve
from tests.unit.core_builders import (
    AMENDED,
    REOPENED,
    STAYED,
    VOLUNTARY_UNKNOWN,
    complaint,
    dismissal,
    event,
    stricken,
)


def run(events: list[DocketEvent]) -> tuple[CaseState | None, list]:
    state: CaseState | None = None
    alerts = []
    for e in events:
        new = evolve(state, e)
        alerts += detect(state, new, e)
        state = new
    return state, alerts


def test_reference_case_produces_exactly_one_open_to_closed_alert() -> None:
    _, alerts = run([complaint(), dismissal()])
    assert [(a.type, a.data.from_status, a.data.to_status) for a in alerts] == [
        ("status.changed", "open", "closed")
    ]
    a = alerts[0]
    assert a.subject == "cand:5:25-cv-00709"
    assert a.data.disposition is not None and a.data.disposition.type == "voluntary_dismissal"
    assert a.data.disposition.prejudice == "without"
    assert a.data.cause_event_id == dismissal().id


def test_case_opening_is_not_an_alert() -> None:
    assert run([complaint()])[1] == []


def test_redelivery_emits_nothing() -> None:
    _, alerts = run([complaint(), dismissal(), dismissal(), complaint()])
    assert len(alerts) == 1


def test_reverse_order_gives_the_same_single_alert_id() -> None:
    _, forward = run([complaint(), dismissal()])
    _, backward = run([dismissal(), complaint()])
    assert [a.id for a in backward] == [a.id for a in forward]
    assert backward[0].data.from_status == "open"


def test_refined_prejudice_is_a_disposition_change_not_a_second_status_alert() -> None:
    stub = event(12, "2025-01-30", "Notice of Voluntary Dismissal", VOLUNTARY_UNKNOWN, stub=True)
    _, alerts = run([complaint(), stub, dismissal()])
    assert [(a.type, a.data.from_status, a.data.to_status) for a in alerts] == [
        ("status.changed", "open", "closed"),
        ("disposition.changed", "closed", "closed"),
    ]
    assert (
        alerts[1].data.disposition is not None and alerts[1].data.disposition.prejudice == "without"
    )


def test_stay_then_reopen_and_undo_each_alert_once() -> None:
    _, alerts = run(
        [
            complaint(),
            event(5, "2025-01-25", "ORDER staying case", STAYED),
            dismissal(),
            event(15, "2025-03-01", "ORDER reopening case", REOPENED),
        ]
    )
    assert [(a.data.from_status, a.data.to_status) for a in alerts] == [
        ("open", "stayed"),
        ("stayed", "closed"),
        ("closed", "open"),
    ]
    assert len({a.id for a in alerts}) == 3


def test_undoing_a_dismissal_alerts_closed_to_open() -> None:
    _, alerts = run(
        [
            complaint(),
            dismissal(),
            event(13, "2025-01-31", "NOTICE of filing error re [12]", stricken(12)),
        ]
    )
    assert [(a.data.from_status, a.data.to_status) for a in alerts] == [
        ("open", "closed"),
        ("closed", "open"),
    ]


def test_amended_complaint_alerts_once() -> None:
    amended = event(9, "2025-01-25", "FIRST AMENDED COMPLAINT", AMENDED)
    _, alerts = run([complaint(), amended, amended])
    assert [a.type for a in alerts] == ["complaint.amended"]
