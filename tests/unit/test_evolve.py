"""The fold: status, disposition and history from the event-time-ordered entries."""

from __future__ import annotations

import datetime as dt
import itertools
import random

from schemas.codec import encode
from schemas.projection import CaseState
from services.core.evolve import CaseAccumulator, Header, derive, evolve, project
from tests.unit.core_builders import (
    ADMIN_CLOSED,
    AMENDED,
    ANSWER,
    APPEAL,
    JUDGMENT,
    LIFTED,
    PARTIAL,
    REMAND,
    REOPENED,
    SETTLED,
    SETTLEMENT_NOTICE,
    STAYED,
    TRANSFER_MDL,
    VOLUNTARY_UNKNOWN,
    complaint,
    dismissal,
    event,
    stricken,
)


def test_reference_case_closes_by_voluntary_dismissal_without_prejudice() -> None:
    s = project([complaint(), dismissal()])
    assert s is not None
    assert s.case_id == "cand:5:25-cv-00709"
    assert s.status == "closed"
    assert s.disposition is not None
    assert s.disposition.type == "voluntary_dismissal"
    assert s.disposition.prejudice == "without"
    assert s.disposition.date == dt.date(2025, 1, 30)
    assert s.disposition.fjc_code == 12
    assert s.date_filed == dt.date(2025, 1, 21)
    assert s.date_terminated == dt.date(2025, 1, 30)
    assert [(h.status, h.date) for h in s.status_history] == [
        ("open", dt.date(2025, 1, 21)),
        ("closed", dt.date(2025, 1, 30)),
    ]
    assert s.flags.class_action is True
    assert s.entry_count == 2


def test_complaint_alone_opens_the_case() -> None:
    s = project([complaint()])
    assert (
        s is not None and s.status == "open" and s.disposition is None and s.date_terminated is None
    )


def test_redelivered_event_returns_the_same_state_object() -> None:
    s = project([complaint(), dismissal()])
    assert evolve(s, dismissal()) is s
    assert evolve(s, complaint()) is s


def test_any_arrival_order_gives_byte_identical_state() -> None:
    evs = [
        complaint(),
        event(5, "2025-02-10", "ORDER staying case pending arbitration", STAYED),
        event(7, "2025-04-01", "ORDER lifting stay", LIFTED),
        event(9, "2025-05-01", "FIRST AMENDED COMPLAINT", AMENDED),
        dismissal().model_copy(),
    ]
    # dismissal dated 2025-01-30 sorts before the stay: the case closes then; later entries do not reopen it
    reference = encode(project(evs))  # type: ignore[arg-type]
    for perm in itertools.permutations(evs):
        assert encode(project(perm)) == reference  # type: ignore[arg-type]


def test_late_entry_is_placed_by_filing_date_not_arrival() -> None:
    closed = project([complaint(), dismissal()])
    late_answer = event(3, "2025-01-25", "ANSWER to Complaint by LinkedIn Corporation", ANSWER)
    s = evolve(closed, late_answer)
    assert s.status == "closed"
    assert [e.document_number for e in s.entries] == [1, 3, 12]


def test_old_stay_arriving_late_does_not_change_a_later_closing() -> None:
    closed = project([complaint(), dismissal()])
    s = evolve(closed, event(4, "2025-01-24", "ORDER staying case", STAYED))
    assert s.status == "closed"
    assert [h.status for h in s.status_history] == ["open", "stayed", "closed"]


def test_stay_and_lift() -> None:
    s = project([complaint(), event(5, "2025-02-10", "ORDER staying case", STAYED)])
    assert s is not None and s.status == "stayed"
    s = evolve(s, event(7, "2025-04-01", "ORDER lifting stay", LIFTED))
    assert s.status == "open"


def test_lift_without_stay_and_stay_of_closed_case_change_nothing() -> None:
    s = project([complaint(), event(7, "2025-04-01", "ORDER lifting stay", LIFTED)])
    assert s is not None and s.status == "open"
    s = project(
        [complaint(), dismissal(), event(20, "2025-03-01", "ORDER staying execution", STAYED)]
    )
    assert s is not None and s.status == "closed"


def test_stayed_case_can_close() -> None:
    s = project([complaint(), event(5, "2025-01-25", "ORDER staying case", STAYED), dismissal()])
    assert s is not None and s.status == "closed"
    assert [h.status for h in s.status_history] == ["open", "stayed", "closed"]


def test_reopened_case_is_open_without_disposition() -> None:
    s = project(
        [complaint(), dismissal(), event(15, "2025-03-01", "ORDER reopening case", REOPENED)]
    )
    assert s is not None
    assert s.status == "open" and s.disposition is None and s.date_terminated is None
    assert [h.status for h in s.status_history] == ["open", "closed", "open"]


def test_reopen_of_an_open_case_changes_nothing() -> None:
    s = project([complaint(), event(15, "2025-03-01", "ORDER reopening case", REOPENED)])
    assert s is not None and [h.status for h in s.status_history] == ["open"]


def test_partial_dismissal_does_not_close() -> None:
    s = project(
        [
            complaint(),
            event(8, "2025-01-28", "ORDER dismissing claims against defendant Doe", PARTIAL),
        ]
    )
    assert s is not None and s.status == "open" and s.flags.partial_dismissals == 1


def test_notice_of_settlement_does_not_close_but_flags() -> None:
    s = project([complaint(), event(8, "2025-01-28", "NOTICE of Settlement", SETTLEMENT_NOTICE)])
    assert s is not None and s.status == "open" and s.flags.settlement_noticed


def test_each_closing_event_type_closes_with_its_disposition() -> None:
    cases = [
        (SETTLED, "settled", 13),
        (JUDGMENT, "judgment", 6),
        (TRANSFER_MDL, "transferred", 10),
        (REMAND, "remanded", 1),
        (ADMIN_CLOSED, "other", 18),
        (VOLUNTARY_UNKNOWN, "voluntary_dismissal", 12),
    ]
    for c, disp, fjc in cases:
        s = project([complaint(), event(30, "2025-03-03", "closing entry", c)])
        assert s is not None and s.status == "closed", c
        assert (
            s.disposition is not None
            and s.disposition.type == disp
            and s.disposition.fjc_code == fjc
        ), c


def test_second_closing_event_keeps_the_first_disposition() -> None:
    s = project([complaint(), dismissal(), event(13, "2025-02-03", "JUDGMENT", JUDGMENT)])
    assert (
        s is not None and s.disposition is not None and s.disposition.type == "voluntary_dismissal"
    )


def test_entry_marked_filed_in_error_undoes_its_effect() -> None:
    s = project(
        [
            complaint(),
            dismissal(),
            event(13, "2025-01-31", "NOTICE of filing error re [12]", stricken(12)),
        ]
    )
    assert s is not None and s.status == "open" and s.disposition is None
    assert s.entry_count == 3


def test_updated_text_of_the_same_entry_replaces_the_stub() -> None:
    stub = event(12, "2025-01-30", "Notice of Voluntary Dismissal", VOLUNTARY_UNKNOWN, stub=True)
    s = project([complaint(), stub])
    assert s is not None and s.disposition is not None and s.disposition.prejudice == "unknown"
    s2 = evolve(s, dismissal())
    assert s2.disposition is not None and s2.disposition.prejudice == "without"
    assert s2.entry_count == 2
    # and the stub arriving after the full text does not downgrade it
    assert evolve(s2, stub) is s2


def test_first_entry_that_is_not_a_complaint_opens_the_case_at_the_header_date() -> None:
    s = project([dismissal()])
    assert s is not None
    assert [(h.status, h.date) for h in s.status_history] == [
        ("open", dt.date(2025, 1, 21)),
        ("closed", dt.date(2025, 1, 30)),
    ]


def test_appeal_is_a_flag_not_a_status() -> None:
    s = project([complaint(), dismissal(), event(14, "2025-02-20", "NOTICE OF APPEAL", APPEAL)])
    assert s is not None and s.status == "closed" and s.flags.appealed


def test_amended_complaints_are_counted() -> None:
    s = project([complaint(), event(9, "2025-01-25", "FIRST AMENDED COMPLAINT", AMENDED)])
    assert s is not None and s.flags.amended_complaints == 1 and s.status == "open"


def test_header_facts_merge_commutatively() -> None:
    from schemas.events import CaseInfo

    a = CaseInfo(
        court_id="cand",
        docket_number="5:25-cv-00709",
        case_name="De La Torre v. LinkedIn",
        parties=("A",),
    )
    b = CaseInfo(
        court_id="cand",
        docket_number="5:25-cv-00709",
        case_name="De La Torre v. LinkedIn Corporation",
        parties=("B",),
        class_action=True,
    )
    e1 = event(1, "2025-01-21", "COMPLAINT", ANSWER, case=a)
    e2 = event(2, "2025-01-22", "SUMMONS issued", ANSWER, case=b)
    s1, s2 = project([e1, e2]), project([e2, e1])
    assert encode(s1) == encode(s2)  # type: ignore[arg-type]
    assert s1 is not None and s1.case_name == "De La Torre v. LinkedIn Corporation"
    assert s1.parties == ("A", "B") and s1.flags.class_action


def test_later_closing_entry_stating_prejudice_refines_an_unknown_prejudice() -> None:
    from tests.unit.core_builders import Classification

    stipulation = Classification(type="case.dismissed", dismissal="stipulated")
    order = Classification(type="case.dismissed", dismissal="court", prejudice="with")
    s = project(
        [
            complaint(),
            event(12, "2025-02-01", "STIPULATION of Dismissal by all parties", stipulation),
            event(13, "2025-02-03", "ORDER: this action is discontinued with prejudice", order),
        ]
    )
    assert s is not None and s.disposition is not None
    assert (s.disposition.type, s.disposition.prejudice, s.disposition.date) == (
        "stipulated_dismissal",
        "with",
        dt.date(2025, 2, 1),
    )
    assert s.status_history[-1].disposition == s.disposition


def test_later_closing_entry_does_not_override_a_stated_prejudice() -> None:
    from tests.unit.core_builders import Classification

    order = Classification(type="case.dismissed", dismissal="court", prejudice="with")
    s = project(
        [
            complaint(),
            dismissal(),
            event(13, "2025-02-03", "ORDER dismissing with prejudice", order),
        ]
    )
    assert s is not None and s.disposition is not None and s.disposition.prejudice == "without"


def test_the_accumulator_derives_once_what_project_folds_event_by_event() -> None:
    from schemas.events import CaseInfo

    other = CaseInfo(
        court_id="cand",
        docket_number="5:25-cv-00709",
        case_name="De La Torre v. LinkedIn Corporation",
        parties=("B",),
    )
    stub = event(12, "2025-01-30", "[Notice of Voluntary Dismissal]", VOLUNTARY_UNKNOWN, stub=True)
    evs = [
        complaint(),
        event(2, "2025-01-22", "SUMMONS issued", ANSWER, case=other),
        event(5, "2025-02-10", "ORDER staying case pending arbitration", STAYED),
        stub,
        dismissal(),  # the full text of entry 12: a higher-ranked version of the stub
        event(9, "2025-05-01", "FIRST AMENDED COMPLAINT", AMENDED),
        complaint(),  # redelivered
    ]
    for perm in itertools.permutations(evs, 5):
        acc = CaseAccumulator(perm[0])
        for e in perm[1:]:
            acc.add(e)
        assert encode(acc.state()) == encode(project(perm))  # type: ignore[arg-type]


def _rederived(state: CaseState) -> CaseState:
    """The state ``derive`` makes from ``state``'s own entries and header: what evolve must return."""
    return derive(
        state.case_id, state.court_id, state.docket_number, Header.of(state), state.entries
    )


def test_a_new_last_entry_continues_the_fold_exactly_as_a_full_derive() -> None:
    # evolve goes on from the previous state when the new entry sorts after every other
    # one (no re-fold); every state it returns must equal the full derive of its entries,
    # in log order (mostly appends), shuffled (mostly inserts) and with redeliveries
    from schemas.codec import decode_event
    from tests.workload import workload

    events = [decode_event(v) for _, v in workload(120, seed=3)]
    rng = random.Random(11)
    orders = [
        events,
        rng.sample(events, len(events)),
        [e for e in events for _ in range(1 + (rng.random() < 0.3))],
    ]
    appended = 0
    for order in orders:
        states: dict[str, CaseState] = {}
        for e in order:
            current = states.get(e.subject)
            new = evolve(current, e)
            if (
                current is not None
                and new is not current
                and len(new.entries) == len(current.entries) + 1
            ):
                appended += new.entries[-1].event_id == e.id
            assert new == _rederived(new)
            assert encode(new) == encode(_rederived(new))
            states[e.subject] = new
    assert appended > 500  # the continuation really ran


def test_continuation_covers_every_status_rule() -> None:
    # hand-made dockets whose entries arrive in event-time order, so every step is an append:
    # stay and lift, closing then refinement of prejudice, reopening, a settlement notice,
    # an appeal, an amendment, a partial dismissal, a stricken entry (which re-folds), a
    # header that marks a class action late (which re-folds too)
    from schemas.events import CaseInfo
    from tests.unit.core_builders import Classification

    class_header = CaseInfo(court_id="cand", docket_number="5:25-cv-00709", class_action=True)
    order = Classification(type="case.dismissed", dismissal="court", prejudice="with")
    dockets = [
        [complaint(), event(3, "2025-01-25", "ORDER staying case", STAYED),
         event(4, "2025-01-27", "ORDER lifting stay", LIFTED), dismissal()],
        [complaint(), event(5, "2025-02-01", "[Notice of Voluntary Dismissal]", VOLUNTARY_UNKNOWN),
         event(6, "2025-02-03", "ORDER dismissing with prejudice", order),
         event(7, "2025-03-01", "ORDER reopening case", REOPENED),
         event(8, "2025-03-05", "NOTICE of settlement", SETTLEMENT_NOTICE),
         event(9, "2025-03-06", "NOTICE OF APPEAL", APPEAL),
         event(10, "2025-03-07", "FIRST AMENDED COMPLAINT", AMENDED),
         event(11, "2025-03-08", "ORDER dismissing defendant X", PARTIAL),
         event(12, "2025-03-09", "Docket entry 11 FILED IN ERROR", stricken(11)),
         event(13, "2025-03-10", "SUMMONS issued", ANSWER, case=class_header),
         event(14, "2025-04-01", "JUDGMENT", JUDGMENT)],
    ]  # fmt: skip
    for docket in dockets:
        state = None
        for e in docket:
            state = evolve(state, e)
            assert state == _rederived(state)
            assert encode(state) == encode(_rederived(state))
    assert state is not None and state.flags.class_action and state.status == "closed"
