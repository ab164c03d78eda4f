"""What ``rebuild --reclassify`` tells a user upgrading: per changed case, the entry the new rules
read differently, with its old and new reading and the deciding rule. Pure."""

from __future__ import annotations

import datetime as dt

from schemas.events import DocketEvent
from services.core.classification import Classification
from services.core.classify import CLASSIFIER_VERSION, classify
from services.core.evolve import project
from services.rebuild.explain import TEXT_CHARS, Reading, deciding_event, explain
from services.rebuild.plan import CaseChange, describe, reclassify
from tests.unit.core_builders import ANSWER, REF_ID, complaint, event

NOTICE = "NOTICE OF VOLUNTARY DISMISSAL WITHOUT PREJUDICE by Alessandro De La Torre"
HEARING = "DEFAULT JUDGMENT HEARING set for 5/5/2025 before Judge X."


def _reread(events: list[DocketEvent]) -> tuple[list[DocketEvent], dict[str, DocketEvent]]:
    fresh = [reclassify(e) for e in events]
    return fresh, {f.id: f for f, e in zip(fresh, events, strict=True) if f is not e}


def test_a_stale_plain_reading_that_now_closes_the_case_is_the_deciding_entry() -> None:
    stale = event(12, "2025-01-30", NOTICE, ANSWER, time=dt.datetime(2025, 1, 31, tzinfo=dt.UTC))
    log = [complaint(), stale]
    fresh, changed = _reread(log)
    before, after = project(log), project(fresh)
    assert (before.status, after.status) == ("open", "closed")
    change = CaseChange(REF_ID, describe(before), describe(after), ("reclassified",))

    [case] = explain(
        [change], {REF_ID: before}, {REF_ID: after}, changed, {stale.id: Reading.of(stale)}
    )

    assert (case.case_id, case.before, case.after) == (
        REF_ID,
        "open",
        "closed (voluntary_dismissal, without, 2025-01-30)",
    )
    assert case.entry is not None
    assert (case.entry.event_id, case.entry.date, case.entry.document_number) == (
        stale.id,
        "2025-01-30",
        12,
    )
    assert case.entry.text == NOTICE
    assert case.entry.old == Reading("docket.entry", "default", "test")
    assert (case.entry.new.type, case.entry.new.rule) == (
        "case.dismissed",
        "notice_of_voluntary_dismissal",
    )


def test_an_old_closing_the_new_rules_read_as_a_plain_entry_is_the_deciding_entry() -> None:
    # an older classifier read a hearing notice as a default judgment: the case was closed by it
    wrong = event(
        20, "2025-03-01", HEARING, Classification(type="judgment.entered", judgment="default")
    )
    log = [complaint(), wrong]
    fresh, changed = _reread(log)
    before, after = project(log), project(fresh)
    assert (before.status, after.status) == ("closed", "open")
    change = CaseChange(REF_ID, describe(before), describe(after), ("reclassified",))

    [case] = explain(
        [change], {REF_ID: before}, {REF_ID: after}, changed, {wrong.id: Reading.of(wrong)}
    )

    assert case.entry is not None and case.entry.event_id == wrong.id
    assert case.entry.old == Reading("judgment.entered", "default", "test")
    assert case.entry.new == Reading("docket.entry", classify(HEARING).rule, CLASSIFIER_VERSION)


def test_without_a_changed_reading_there_is_no_deciding_entry_and_long_texts_are_cut() -> None:
    log = [complaint()]
    state = project(log)
    assert deciding_event(REF_ID, state, state, {}) is None
    change = CaseChange(REF_ID, "open", "closed", ("recomputed",))
    [case] = explain([change], {REF_ID: None}, {REF_ID: state}, {}, {})
    assert case.entry is None and case.why == ("recomputed",)

    long_text = NOTICE + " " + "x" * 400
    stale = event(12, "2025-01-30", long_text, ANSWER)
    fresh, changed = _reread([complaint(), stale])
    [cut] = explain(
        [CaseChange(REF_ID, "open", "closed", ("reclassified",))],
        {REF_ID: project([complaint(), stale])},
        {REF_ID: project(fresh)},
        changed,
        {},
    )
    assert cut.entry is not None and len(cut.entry.text) == TEXT_CHARS
    assert cut.entry.old is None, "a reading the rebuild did not keep is unknown, not invented"


def test_a_change_earlier_in_the_history_falls_back_to_the_cases_first_changed_entry() -> None:
    # the new rules read an old entry differently, but the closing entry itself reads the same
    other = event(5, "2025-01-25", NOTICE, ANSWER)
    other_fresh = reclassify(other)
    assert other_fresh is not other
    later = event(9, "2025-02-01", NOTICE, ANSWER)
    changed = {other_fresh.id: other_fresh, reclassify(later).id: reclassify(later)}
    chosen = deciding_event(REF_ID, None, None, changed)
    assert chosen is not None and chosen.id == other.id
