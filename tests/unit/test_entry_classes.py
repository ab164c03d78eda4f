"""Entry classes: every row's examples are decided by that row; outcomes, citations; the labelled figures.

The figures test reads the labelled entries in ../shared/data (skipped with a
reason when that folder is absent) through the real ingest path.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from schemas.vocabulary import ENTRY_CLASSES
from services.core.entry_classes import (
    MILESTONE_CLASSES,
    ROWS,
    citations,
    classify_entry,
    decided_by,
    outcome_of,
)
from services.evaluation.entries import evaluate_entries
from tests.shared_data import SHARED_DATA, requires_shared_data

CASES = [(r.name, ex) for r in ROWS for ex in r.examples]
ENTRY_LABELS = Path(__file__).resolve().parents[1] / "labels" / "entries.json"

MILESTONE_PRECISION_TARGET = 0.90
MIN_SUPPORT = 5
"""A milestone class's precision is asserted only with at least this many labelled examples."""


def test_the_vocabulary_has_about_thirty_classes_and_the_milestones_are_in_it() -> None:
    assert 25 <= len(ENTRY_CLASSES) <= 35
    assert MILESTONE_CLASSES <= set(ENTRY_CLASSES)
    assert {r.entry_class for r in ROWS} <= set(ENTRY_CLASSES)


def test_every_row_has_a_unique_name_and_examples() -> None:
    names = [r.name for r in ROWS]
    assert len(names) == len(set(names))
    assert all(r.examples for r in ROWS)


@pytest.mark.parametrize(
    ("name", "example"), CASES, ids=[f"{n}:{i}" for i, (n, _) in enumerate(CASES)]
)
def test_each_rows_examples_are_decided_by_that_row(name: str, example: str) -> None:
    assert decided_by(example) == name


def test_the_status_reading_decides_what_it_knows_but_not_an_order_on_a_dispositive_motion() -> (
    None
):
    dismissal = classify_entry(
        "NOTICE OF VOLUNTARY DISMISSAL WITHOUT PREJUDICE by Alessandro De La Torre"
    )
    assert (dismissal.entry_class, dismissal.rule) == ("dismissal", "status:case.dismissed")
    order = classify_entry(
        "RULING AND ORDER Adopting 35 Report and Recommendation; granting 31 Motion to Dismiss for "
        "Failure to State a Claim. Plaintiff's Complaint is DISMISSED WITH PREJUDICE. Signed by Judge Brian A. Jackson."
    )
    assert (order.entry_class, order.outcome, order.cites) == (
        "order_on_motion_to_dismiss",
        "granted",
        (31, 35),
    )


def test_a_bare_stipulation_and_order_is_an_order_not_a_dismissal() -> None:
    assert classify_entry("Stipulation and Order").entry_class == "order"


@pytest.mark.parametrize(
    ("text", "outcome"),
    [
        ("ORDER granting 22 Motion to Dismiss for Failure to State a Claim.", "granted"),
        ("ORDER denying 22 Motion to Dismiss.", "denied"),
        ("ORDER granting in part and denying in part 22 Motion to Dismiss.", "granted_in_part"),
        ("ORDER finding as moot 22 Motion to Dismiss.", "moot"),
        ("Order on Motion to Dismiss", "unknown"),
        (
            "ORDER denying 40 Motion for Summary Judgment; granting 40 Motion to Preclude.",
            "denied",
        ),
    ],
)
def test_outcomes_of_orders_on_motions(text: str, outcome: str) -> None:
    reading = classify_entry(text)
    assert reading.outcome == outcome, reading
    assert reading.entry_class in ("order_on_motion_to_dismiss", "order_on_summary_judgment")


def test_outcome_reads_only_the_clauses_about_the_motion_when_they_say() -> None:
    import re

    text = "ORDER denying 40 Motion for Summary Judgment; granting 40 Motion to Preclude."
    assert outcome_of(text) == "granted_in_part"
    assert outcome_of(text, re.compile(r"summary judgment")) == "denied"


@pytest.mark.parametrize(
    ("text", "cites"),
    [
        ("ORDER granting 19 Motion for Summary Judgment", (19,)),
        ("Notice of Hearing re [12] MOTION to Dismiss", (12,)),
        ("the parties' request for an extension, Dkt. No. 27, is denied", (27,)),
        ("In light of the status of this matter (ECF No. 44), the conference is adjourned", (44,)),
        ("ORDER: Trial set for 11/30/2009 10:00 AM", ()),
    ],
)
def test_citations(text: str, cites: tuple[int, ...]) -> None:
    assert citations(text.lower()) == cites


def test_an_order_granting_a_motion_to_continue_moves_a_date_and_a_motion_is_a_motion() -> None:
    assert (
        classify_entry(
            "ORDER granting 28 Motion to Continue the 2/7/2018 Motion Hearing. Hearing continued to 3/6/2018 at 11:30 A.M."
        ).entry_class
        == "date_set"
    )
    assert (
        classify_entry(
            "CONSENT LETTER MOTION to Adjourn Conference scheduled for Friday"
        ).entry_class
        == "motion"
    )
    assert classify_entry("Memorandum in Support re 22 MOTION to Dismiss").entry_class == "brief"


def test_odd_input_is_other_and_never_raises() -> None:
    for text in ("", "   ", "\x00", "12", "[]"):
        assert classify_entry(text).entry_class in ENTRY_CLASSES


@requires_shared_data
@pytest.mark.shared_data
def test_labelled_entries_meet_the_milestone_precision_target() -> None:
    report = evaluate_entries(ENTRY_LABELS, [SHARED_DATA / "juriscraper" / "dockets"])
    assert report.root is not None and not report.missing_files
    assert len(report.kind_results) == report.evaluated >= 1388
    checked = []
    for m in report.kinds:
        print(
            f"  {m.label:32} support={m.support:4} predicted={m.predicted:4} p={m.precision} r={m.recall}"
        )
        if m.label in MILESTONE_CLASSES and m.support >= MIN_SUPPORT:
            checked.append(m.label)
            assert m.precision is not None and m.precision >= MILESTONE_PRECISION_TARGET, m
    assert set(checked) >= {"judgment", "mandate", "order_on_summary_judgment"}, checked
    right, labelled = report.outcome_accuracy
    assert labelled >= 5 and right == labelled


def test_bad_entry_class_labels_say_which_label(tmp_path: Path) -> None:
    from services.evaluation.entries import load_entry_labels
    from services.evaluation.labels import LabelError

    base = '{"file": "d.json", "entry_key": "k", "case_id": "c", "class": "docket.entry"'
    bad = tmp_path / "e.json"
    bad.write_text(f'[{base}, "entry_class": "pleading"}}]')
    with pytest.raises(LabelError, match="entry_class 'pleading'"):
        load_entry_labels(bad)
    bad.write_text(f'[{base}, "entry_class": "motion", "outcome": "granted"}}]')
    with pytest.raises(LabelError, match="only an order on a motion"):
        load_entry_labels(bad)
    bad.write_text(f'[{base}, "entry_class": "order_on_motion_to_dismiss", "outcome": "won"}}]')
    with pytest.raises(LabelError, match="not an outcome"):
        load_entry_labels(bad)


@requires_shared_data
@pytest.mark.shared_data
def test_the_held_out_entry_class_labels_are_all_read_and_reported() -> None:
    """Figures only: these entries were labelled after the rows were written and never tuned on."""
    held_out = ENTRY_LABELS.parent / "entry-classes-held-out.json"
    report = evaluate_entries(held_out, [SHARED_DATA / "juriscraper" / "dockets"], status=False)
    assert report.classes == (), "no status figures for entry-class-only labels"
    assert len(report.kind_results) == report.evaluated == 100
    assert all(r.kind is not None for r in report.results), "every labelled entry is produced"
    print(
        f"\nheld out: accuracy {report.kind_accuracy:.3f}, macro P {report.kind_macro_precision:.3f}"
    )
