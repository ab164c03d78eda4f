"""The pure half of ``docketline rebuild``: re-reading, the fold with its acknowledgement boundary, the plan."""

from __future__ import annotations

import datetime as dt

from schemas.codec import decode_snapshot, encode_event, encode_memory, encode_snapshot
from schemas.events import DocketEvent
from schemas.projection import CaseState
from services.consistency.compare import fold_log
from services.core.classification import Classification
from services.core.classify import CLASSIFIER_VERSION
from services.core.detect import detect
from services.core.evolve import project, snapshot
from services.core.ids import alert_id
from services.rebuild.plan import (
    REBUILD_SOURCE,
    LogFold,
    Plan,
    cause_event_id,
    encode_outputs_of,
    plan,
    rebuild_alerts,
    reclassify,
    same_reading,
    status_differs,
)
from tests.unit.core_builders import ANSWER, REF_CASE, REF_ID, VOLUNTARY_UNKNOWN, complaint, event

DISMISSAL_TEXT = "NOTICE OF VOLUNTARY DISMISSAL WITHOUT PREJUDICE by Alessandro De La Torre"
OTHER = REF_CASE.model_copy(
    update={"docket_number": "5:25-cv-00800", "case_name": "Other v. Corp."}
)
OTHER_ID = "cand:5:25-cv-00800"


def stale_dismissal() -> DocketEvent:
    """A notice of voluntary dismissal whose stored reading is a plain entry (an older, wrong classifier)."""
    return event(
        12, "2025-01-30", DISMISSAL_TEXT, ANSWER, time=dt.datetime(2025, 1, 31, tzinfo=dt.UTC)
    )


def answer(doc: int, date: str, case=REF_CASE) -> DocketEvent:
    return event(doc, date, "ANSWER to Complaint by LinkedIn Corporation.", ANSWER, case=case)


def records(
    events: list[DocketEvent], partition: int = 0
) -> list[tuple[str, int, int, bytes, bytes]]:
    return [
        ("docket.events", partition, i, e.subject.encode(), encode_event(e))
        for i, e in enumerate(events)
    ]


# --------------------------------------------------------------------------- re-reading


def test_reclassifying_a_stale_dismissal_keeps_its_identity_and_reads_it_as_a_dismissal() -> None:
    stored = stale_dismissal()
    assert stored.type == "docket.entry"
    fresh = reclassify(stored)
    assert fresh.type == "case.dismissed"
    assert (fresh.data.dismissal, fresh.data.prejudice, fresh.data.scope) == (
        "voluntary",
        "without",
        "whole",
    )
    assert fresh.id == stored.id
    assert (fresh.subject, fresh.source, fresh.time) == (stored.subject, stored.source, stored.time)
    assert fresh.data.entry == stored.data.entry and fresh.data.case == stored.data.case
    assert fresh.data.classifier_version == CLASSIFIER_VERSION
    assert fresh.data.classifier_rule == "notice_of_voluntary_dismissal"


def test_an_unchanged_reading_returns_the_stored_event_itself() -> None:
    stored = (
        complaint()
    )  # stamped classifier_version="test", rule "default": only the reading counts
    assert stored.data.classifier_version != CLASSIFIER_VERSION
    assert reclassify(stored) is stored


def test_an_alternate_classifier_can_be_injected_and_the_id_still_stays() -> None:
    def reads_nothing(
        text: str, event_name: str | None, document_number: int | None
    ) -> Classification:
        return Classification(rule="nothing")

    dismissal = event(12, "2025-01-30", DISMISSAL_TEXT, VOLUNTARY_UNKNOWN)
    plain = reclassify(dismissal, reads_nothing, "nothing-1")
    assert (plain.type, plain.id, plain.data.classifier_version, plain.data.classifier_rule) == (
        "docket.entry",
        dismissal.id,
        "nothing-1",
        "nothing",
    )


def test_a_foreign_event_id_is_kept_when_re_read() -> None:
    foreign = stale_dismissal().model_copy(update={"id": "ev_from_another_tool"})
    assert reclassify(foreign).id == "ev_from_another_tool"


def test_same_reading_ignores_who_read_it() -> None:
    a = complaint()
    b = a.model_copy(
        update={
            "data": a.data.model_copy(update={"classifier_version": "x", "classifier_rule": "y"})
        }
    )
    assert same_reading(a, b)
    assert not same_reading(stale_dismissal(), reclassify(stale_dismissal()))


# --------------------------------------------------------------------------- the fold


def test_records_past_the_committed_offset_are_folded_alerted_and_dead_lettered() -> None:
    evs = [
        complaint(),
        answer(2, "2025-01-22"),
        event(12, "2025-01-30", DISMISSAL_TEXT, VOLUNTARY_UNKNOWN),
    ]
    recs = records(evs)
    recs.insert(
        1, ("docket.events", 0, 1, REF_ID.encode(), b"{broken")
    )  # acknowledged: the worker dead-lettered it
    recs = [(t, p, i, k, v) for i, (t, p, _, k, v) in enumerate(recs)]
    recs.append(
        ("docket.events", 0, len(recs), None, encode_event(evs[0]))
    )  # unacknowledged, no key
    fold = LogFold(committed={0: 3})
    for r in recs:
        fold.add(*r)
    assert (fold.events, fold.undecodable, fold.unprocessed, fold.next_offset) == (3, 2, 2, {0: 5})
    assert fold.acked[REF_ID] == project(evs[:2])
    assert fold.states[REF_ID] == project(evs)
    expected = detect(project(evs[:2]), project(evs), evs[2])
    assert [a.id for a in fold.tail_alerts] == [a.id for a in expected] and len(expected) == 1
    assert {a.source for a in fold.tail_alerts} == {REBUILD_SOURCE}
    assert [(d.reason, d.ref.offset) for d in fold.tail_dead_letters] == [("missing_key", 4)]
    assert fold.reasons == {REF_ID: {"unprocessed"}}


def test_a_re_reading_fold_counts_what_reads_differently() -> None:
    evs = [
        complaint(),
        stale_dismissal(),
        stale_dismissal(),
    ]  # the stale entry twice (a redelivery)
    fold = LogFold(committed={0: 3}, reread=reclassify)
    for r in records(evs):
        fold.add(*r)
    assert fold.transitions == {"docket.entry -> case.dismissed": 2}
    assert list(fold.changed_readings) == [stale_dismissal().id]
    assert fold.states[REF_ID].status == "closed"
    assert fold.reasons == {REF_ID: {"reclassified"}}
    assert fold.tail_alerts == [] and fold.unprocessed == 0


# --------------------------------------------------------------------------- the plan


def _fold(events: list[DocketEvent], reread: bool = False) -> LogFold:
    fold = LogFold(committed={0: len(events)}, reread=reclassify if reread else None)
    for r in records(events):
        fold.add(*r)
    return fold


def _plan(fold: LogFold, live: dict[str, bytes], table: dict[str, bytes], **kw: object) -> Plan:
    snapshots, memories = encode_outputs_of(fold.states)
    return plan(
        snapshots,
        live,
        table,
        rebuilt_memory=memories,
        reasons=fold.reasons,
        decode=decode_snapshot,
        rebuilt_states=fold.states,
        **kw,  # type: ignore[arg-type]
    )


def _published(states: dict[str, CaseState]) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """What a worker wrote: the snapshots on case.states and the memories on its changelog."""
    return (
        {c: encode_snapshot(snapshot(s)) for c, s in states.items()},
        {c: encode_memory(s) for c, s in states.items()},
    )


def test_an_unchanged_log_plans_no_write_and_no_change() -> None:
    evs = [complaint(), answer(2, "2025-01-22"), answer(1, "2025-02-01", case=OTHER)]
    fold = _fold(evs)
    live, table = _published(fold_log(evs)[0])
    out = _plan(fold, live, table)
    assert (out.snapshots, out.changelog, out.changes, out.orphans) == ({}, {}, [], [])


def test_a_log_of_the_old_processor_is_migrated_without_a_change() -> None:
    # case.states holds CaseState v1 (the old table's changelog too); there is no private changelog
    from tests import reference_fold

    evs = [complaint(), answer(2, "2025-01-22"), answer(1, "2025-02-01", case=OTHER)]
    fold = _fold(evs)
    live = {c: reference_fold.encode(s) for c, s in reference_fold.fold_log(evs).items()}
    out = _plan(fold, live, {})
    assert (out.snapshots, out.changelog) == encode_outputs_of(fold.states)
    assert (out.changes, out.orphans) == ([], [])
    for case_id, raw in out.snapshots.items():
        assert decode_snapshot(live[case_id]) == decode_snapshot(raw or b"")


def test_a_reclassified_case_is_rewritten_and_reported_with_its_reason() -> None:
    evs = [complaint(), stale_dismissal(), answer(1, "2025-02-01", case=OTHER)]
    live, table = _published(fold_log(evs)[0])
    fold = _fold(evs, reread=True)
    out = _plan(fold, live, table)
    assert list(out.snapshots) == [REF_ID] == list(out.changelog)
    assert decode_snapshot(out.snapshots[REF_ID] or b"").status == "closed"
    [change] = out.changes
    assert (change.case_id, change.before, change.why) == (REF_ID, "open", ("reclassified",))
    assert change.after == "closed (voluntary_dismissal, without, 2025-01-30)"


def test_the_changelog_is_compared_on_its_own() -> None:
    evs = [complaint()]
    fold = _fold(evs)
    live, _ = _published(fold.states)
    out = _plan(
        fold,
        live,
        {},
    )
    assert (list(out.changelog), out.snapshots, out.changes) == ([REF_ID], {}, [])


def test_a_projection_that_differs_without_a_reason_is_recomputed() -> None:
    evs = [complaint(), event(12, "2025-01-30", DISMISSAL_TEXT, VOLUNTARY_UNKNOWN)]
    fold = _fold(evs)
    stale = {REF_ID: project(evs[:1]) or _never()}  # a lost write left the case open
    out = _plan(fold, *_published(stale))
    assert [(c.case_id, c.why) for c in out.changes] == [(REF_ID, ("recomputed",))]


def test_orphans_are_kept_unless_dropped() -> None:
    fold = _fold([complaint()])
    ghost = project([answer(1, "2025-02-01", case=OTHER)]) or _never()
    live, table = _published({REF_ID: fold.states[REF_ID], OTHER_ID: ghost})
    kept = _plan(fold, live, table)
    assert (kept.orphans, kept.snapshots, kept.changelog) == ([OTHER_ID], {}, {})
    dropped = _plan(fold, live, table, drop_orphans=True)
    assert (dropped.snapshots, dropped.changelog) == ({OTHER_ID: None}, {OTHER_ID: None})


# --------------------------------------------------------------------------- alerts for changed statuses


def test_the_rebuild_alert_for_a_changed_status_has_the_id_an_in_order_processor_gives() -> None:
    evs = [complaint(), stale_dismissal()]
    before = snapshot(project(evs) or _never())  # what case.states holds
    fold = _fold(evs, reread=True)
    after = fold.acked[REF_ID]
    assert status_differs(before, after)
    cause = cause_event_id(before, after)
    assert cause == stale_dismissal().id
    [alert] = rebuild_alerts({REF_ID: before}, {REF_ID: after}, fold.changed_readings)
    assert alert.source == REBUILD_SOURCE
    assert (alert.type, alert.data.from_status, alert.data.to_status) == (
        "status.changed",
        "open",
        "closed",
    )
    assert alert.id == alert_id(REF_ID, "status.changed", f"{REF_ID}#12", "open", "closed")
    _, ids_in_order = fold_log([reclassify(e) for e in evs])
    assert ids_in_order == {alert.id}


def test_no_alert_when_the_status_and_disposition_stay() -> None:
    state = project([complaint()]) or _never()
    assert rebuild_alerts({REF_ID: snapshot(state)}, {REF_ID: state}, {}) == []


def test_a_refined_disposition_alerts_as_a_disposition_change_caused_by_the_closing_entry() -> None:
    unknown = event(12, "2025-01-30", "NOTICE OF VOLUNTARY DISMISSAL", VOLUNTARY_UNKNOWN)
    before = snapshot(project([complaint(), unknown]) or _never())
    without = event(12, "2025-01-30", DISMISSAL_TEXT, VOLUNTARY_UNKNOWN)
    after = project([complaint(), reclassify(without)]) or _never()
    assert before.status == after.status == "closed"
    cause = cause_event_id(before, after)
    [alert] = rebuild_alerts({REF_ID: before}, {REF_ID: after}, {cause: reclassify(without)})
    assert (alert.type, alert.data.disposition and alert.data.disposition.prejudice) == (
        "disposition.changed",
        "without",
    )


def _never() -> CaseState:
    raise AssertionError("a fold of at least one event is never None")


def test_a_version_3_event_re_read_gains_its_entry_class_and_says_so() -> None:
    from pathlib import Path

    from schemas.codec import decode_event
    from services.rebuild.plan import transition

    raw = (
        Path(__file__).resolve().parents[1]
        / "fixtures"
        / "events"
        / "v3"
        / "reference_dismissal.json"
    ).read_bytes()
    old = decode_event(raw.strip())
    assert old.data.entry_class is None
    new = reclassify(old)
    assert new is not old and new.id == old.id and new.type == old.type
    assert new.data.entry_class == "dismissal"
    assert transition(old, new) == "case.dismissed -> case.dismissed (entry class recorded)"
    assert reclassify(new) is new, "an event read with the current rules is unchanged"
