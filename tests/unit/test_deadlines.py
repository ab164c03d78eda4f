"""Deadlines from docket text: extraction, the calendar fold (set / reset / vacate), the labelled figures.

The figures test reads the labelled entries in ../shared/data (skipped with a
reason when that folder is absent) through the real ingest path.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from services.core.deadlines import KINDS, DatedEntry, calendar, extract
from services.evaluation.deadlines import evaluate_deadlines, load_deadline_labels
from services.evaluation.labels import LabelError
from tests.shared_data import SHARED_DATA, requires_shared_data

DEADLINE_LABELS = Path(__file__).resolve().parents[1] / "labels" / "deadlines.json"
ACCURACY_TARGET = 0.95

# The reference case's entry 3 as N.D. Cal. dockets it (the issue quotes its deadline).
REFERENCE_ENTRY_3 = (
    "ORDER Setting Initial Case Management Conference and ADR Deadlines: Case Management "
    "Statement due by 4/22/2025. Initial Case Management Conference set for 4/29/2025 10:00 AM "
    "in San Jose, Courtroom 4, 5th Floor. (Attachments: # 1 Standing Order)(cv, COURT STAFF) "
    "(Filed on 1/21/2025) (Entered: 01/22/2025)"
)


def _one(text: str) -> tuple[dt.date, str, str, dt.time | None]:
    (d,) = extract(text)
    return d.date, d.kind, d.action, d.time


def test_the_reference_cases_entry_3_is_a_deadline_on_2025_04_22() -> None:
    found = extract(REFERENCE_ENTRY_3, dt.date(2025, 1, 21))
    due = [d for d in found if d.kind == "filing_due"]
    assert [d.date for d in due] == [dt.date(2025, 4, 22)]
    assert due[0].name.endswith("case management statement"), due[0].name
    conference = [d for d in found if d.kind == "conference"]
    assert [(d.date, d.time) for d in conference] == [(dt.date(2025, 4, 29), dt.time(10, 0))]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Final Approval Hearing set for 6/5/2025 10:00 AM in Courtroom 4",
            (dt.date(2025, 6, 5), "hearing", "set", dt.time(10, 0)),
        ),
        (
            "Claims must be submitted by March 1, 2026.",
            (dt.date(2026, 3, 1), "claims_due", "set", None),
        ),
        (
            "Set/Reset Deadlines: Responses due by 2/4/2022. (mml)",
            (dt.date(2022, 2, 4), "filing_due", "set", None),
        ),
        (
            "NOTICE OF CHANGE OF HEARING. Motion In Limine Hearing set for 5/11/2012 is reset to 5/14/2012 11:00 AM in Courtroom 10.",
            (dt.date(2012, 5, 14), "hearing", "reset", dt.time(11, 0)),
        ),
        (
            "ORDER that the Status Conference has been continued until 6/18/09 at 9:00 a.m.",
            (dt.date(2009, 6, 18), "conference", "reset", dt.time(9, 0)),
        ),
        (
            "ORDER re 12 MOTION to Continue Trial. ORDERED that the Motion to Continue is GRANTED and that trial set for 11/30/09 is continued.",
            (dt.date(2009, 11, 30), "trial", "vacated", None),
        ),
        (
            "The Case Management Conference set for 4/29/2025 is VACATED.",
            (dt.date(2025, 4, 29), "conference", "vacated", None),
        ),
        (
            "Deadline updated, reset Calendar Call for 9:31 1/5/04 for Robert Warren before Judge Lacy H. Thornburg",
            (dt.date(2004, 1, 5), "conference", "reset", dt.time(9, 31)),
        ),
        (
            "MINUTES: Scheduling Conference held. Discovery cut-off 10/16/2006.",
            (dt.date(2006, 10, 16), "discovery_due", "set", None),
        ),
    ],
)
def test_extraction_of_the_families(
    text: str, expected: tuple[dt.date, str, str, dt.time | None]
) -> None:
    assert _one(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Minute Entry for proceedings held before Judge Gregory H. Woods: Telephone Conference held on 3/30/2021.",
        "SUMMONS Returned Executed. Hornblower Group, Inc. served on 1/19/2021. (Entered: 02/08/2021)",
        "ORDER granting 14 Motion for Leave to Appear Pro Hac Vice. Signed by Magistrate Judge Jose R. Almonte on 3/23/2023.",
        "ENTERED IN ERROR.....TRANSCRIPT. Redaction Request due 4/4/2022. Redacted Transcript Deadline set for 4/14/2022.",
        "Counsel requests that the time to file the motion be adjourned to 9/15/03.",
        "",
        "13/45/2020 99/99/99 February 30, 2021 set for",
    ],
)
def test_dates_that_set_nothing_are_not_deadlines(text: str) -> None:
    assert extract(text) == ()


def test_an_entry_does_not_schedule_its_past_but_a_late_paper_keeps_its_due_date() -> None:
    assert extract("Meeting Scheduled 9/9/2024 for Debtor", dt.date(2024, 9, 10)) == ()
    (d,) = extract(
        "PROOF OF SERVICE Executed, served on 2/9/2006, answer due 3/1/2006.", dt.date(2006, 3, 3)
    )
    assert (d.date, d.kind) == (dt.date(2006, 3, 1), "filing_due")


def _entry(n: int, text: str) -> DatedEntry:
    return DatedEntry(f"cand:5:25-cv-00709#{n}", dt.date(2025, 1, 20 + n), text)


def test_the_calendar_applies_set_reset_and_vacate_to_the_same_deadline() -> None:
    items = calendar(
        [
            _entry(3, REFERENCE_ENTRY_3),
            _entry(
                5, "CLERK'S NOTICE: Initial Case Management Conference reset for 5/6/2025 01:30 PM."
            ),
            _entry(7, "ORDER: the Initial Case Management Conference set for 5/6/2025 is VACATED."),
        ]
    )
    by_kind = {i.kind: i for i in items}
    assert set(by_kind) == {"filing_due", "conference"}
    due = by_kind["filing_due"]
    assert (due.date, due.status, due.set_by) == (
        dt.date(2025, 4, 22),
        "pending",
        "cand:5:25-cv-00709#3",
    )
    conference = by_kind["conference"]
    assert (conference.date, conference.time, conference.status) == (
        dt.date(2025, 5, 6),
        dt.time(13, 30),
        "vacated",
    )
    assert (conference.set_by, conference.updated_by) == (
        "cand:5:25-cv-00709#3",
        "cand:5:25-cv-00709#7",
    )
    assert [i.key for i in items] == [due.key, conference.key]


def test_the_key_is_stable_across_a_reset_and_the_fold_is_pure() -> None:
    first = extract("Status Conference set for 11/25/2014 at 10:00 AM")
    moved = extract(
        "TEXT ORDER RESETTING HEARING. Status Conference is reset for 1/6/2015 at 10:45 AM"
    )
    assert first[0].key == moved[0].key
    entries = [
        _entry(1, "Status Conference set for 11/25/2014"),
        _entry(2, "Status Conference is reset for 1/6/2015"),
    ]
    assert calendar(entries) == calendar(list(entries))
    (item,) = calendar(entries)
    assert (item.date, item.status, item.updated_by) == (
        dt.date(2015, 1, 6),
        "pending",
        entries[1].entry_key,
    )


def test_a_vacate_without_a_known_deadline_is_listed_as_vacated() -> None:
    (item,) = calendar([_entry(1, "The jury trial set for 12/22/08 is vacated.")])
    assert (item.kind, item.status) == ("trial", "vacated")


def test_every_kind_is_in_the_vocabulary() -> None:
    assert {"hearing", "conference", "trial", "filing_due"} <= set(KINDS)


def test_bad_deadline_labels_say_which_label(tmp_path: Path) -> None:
    bad = tmp_path / "d.json"
    bad.write_text(
        '[{"file": "x.json", "entry_key": "k", "deadlines": [{"date": "2025-02-30", "kind": "hearing", "action": "set"}]}]'
    )
    with pytest.raises(LabelError, match="#0"):
        load_deadline_labels(bad)
    bad.write_text(
        '[{"file": "x.json", "entry_key": "k", "deadlines": [{"date": "2025-02-03", "kind": "party", "action": "set"}]}]'
    )
    with pytest.raises(LabelError, match="kind"):
        load_deadline_labels(bad)


@requires_shared_data
@pytest.mark.shared_data
def test_labelled_entries_meet_the_deadline_accuracy_target() -> None:
    labels = load_deadline_labels(DEADLINE_LABELS)
    assert len(labels) >= 100
    report = evaluate_deadlines(DEADLINE_LABELS, [SHARED_DATA / "juriscraper" / "dockets"])
    assert report.root is not None
    assert all(r.found is not None for r in report.results), "every labelled entry is produced"
    right, held = report.held_out
    print(
        f"\ndeadlines: accuracy {report.accuracy:.3f}, held out {right}/{held}, counts {report.deadline_counts}"
    )
    for r in report.mismatches:
        print(f"  MISS {r.label.entry_key}: {sorted(r.label.dated)} != {sorted(r.dated)}")
    assert report.accuracy is not None and report.accuracy >= ACCURACY_TARGET
