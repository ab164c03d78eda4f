"""The accuracy report: labels, metrics, the replay through the real ingest path, and the figures.

The figures test reads the labelled civil dockets in ../shared/data (skipped
with a reason when that folder is absent); everything else builds its own tiny
docket files in a temp dir and goes through the same real ingest path.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from services.evaluation import LabelError, eval_command, evaluate, load_labels, per_class
from services.evaluation.entries import ENTRY_CLASSES, evaluate_entries, load_entry_labels
from services.evaluation.metrics import accuracy
from tests.shared_data import SHARED_DATA, requires_shared_data

LABELS = Path(__file__).resolve().parents[1] / "labels" / "dockets.json"
DOCKETS = SHARED_DATA / "juriscraper" / "dockets"

STATUS_TARGET = 0.95
DISPOSITION_TARGET = 0.90


def _docket(court: str, number: str, *texts: str) -> dict[str, Any]:
    return {
        "court_id": court,
        "docket_number": number,
        "case_name": "Doe v. Roe",
        "date_filed": "2025-01-21",
        "docket_entries": [
            {"date_filed": f"2025-01-{21 + i:02d}", "document_number": str(i + 1), "description": t}
            for i, t in enumerate(texts)
        ],
    }


def _write(tmp: Path, name: str, doc: object) -> Path:
    path = tmp / name
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def _label(
    file: str,
    case_id: str,
    status: str,
    disposition: str | None = None,
    prejudice: str | None = None,
) -> dict[str, Any]:
    return {
        "file": file,
        "case_id": case_id,
        "status": status,
        "disposition": disposition,
        "prejudice": prejudice,
        "note": "test",
    }


# --------------------------------------------------------------------------- the figures on the real labelled set


@requires_shared_data
@pytest.mark.shared_data
def test_labelled_civil_dockets_meet_the_accuracy_targets() -> None:
    report = evaluate(LABELS, DOCKETS)
    print(
        f"\nlabelled dockets: {report.evaluated}"
        f"\nstatus accuracy: {report.status_accuracy:.3f}"
        f"\ndisposition accuracy (all cases): {report.disposition_accuracy:.3f}"
        f"\ndisposition accuracy (labelled closed): {report.closed_disposition_accuracy:.3f}"
        f"\nprejudice accuracy (labelled closed): {report.prejudice_accuracy:.3f}"
    )
    for m in (*report.status_classes, *report.disposition_classes):
        print(
            f"  {m.label:22} support={m.support:2} predicted={m.predicted:2} precision={m.precision} recall={m.recall}"
        )
    for case in report.mismatches:
        print(
            f"  MISMATCH {case.label.file}: expected {case.label.status}/{case.label.disposition}/{case.label.prejudice}, got {case.status}/{case.disposition}/{case.prejudice} - {case.cause or case.error}"
        )
    assert report.not_found == (), (
        f"labelled files missing from {DOCKETS}: {[lab.file for lab in report.not_found]}"
    )
    assert report.evaluated == len(load_labels(LABELS))
    assert not [c for c in report.cases if c.error], [c.error for c in report.cases if c.error]
    assert report.status_accuracy is not None and report.status_accuracy >= STATUS_TARGET
    assert (
        report.disposition_accuracy is not None
        and report.disposition_accuracy >= DISPOSITION_TARGET
    )


@requires_shared_data
@pytest.mark.shared_data
def test_eval_command_prints_the_report_as_json() -> None:
    app = typer.Typer()
    app.command()(eval_command)
    result = CliRunner().invoke(app, [str(DOCKETS), "--labels", str(LABELS), "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["evaluated"] == len(load_labels(LABELS))
    assert out["status_accuracy"] >= STATUS_TARGET
    assert {m["class"] for m in out["status_classes"]} >= {"open", "closed"}


def test_labels_are_the_civil_dockets_only_and_say_why() -> None:
    labels = load_labels(LABELS)
    assert len(labels) >= 30
    for lab in labels:
        assert "-cr-" not in lab.case_id and "-mj-" not in lab.case_id, lab.file
        assert len(lab.note) > 20, f"{lab.file}: the note must say why"


# --------------------------------------------------------------------------- replay through the real ingest path


def test_replay_reads_files_through_the_ingest_path_and_folds_them(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "ref.json",
        _docket(
            "cand",
            "5:25-cv-00709-EJD",
            "CLASS ACTION COMPLAINT against LinkedIn Corporation.",
            "NOTICE OF VOLUNTARY DISMISSAL WITHOUT PREJUDICE by Alessandro De La Torre",
        ),
    )
    _write(
        tmp_path,
        "open.json",
        _docket(
            "nysd",
            "1:20-cv-10821",
            "COMPLAINT against Hornblower Group, Inc.",
            "MOTION to Dismiss for Failure to State a Claim by Hornblower Group, Inc.",
        ),
    )
    labels = _write(
        tmp_path,
        "labels.json",
        [
            _label("ref.json", "cand:5:25-cv-00709", "closed", "voluntary_dismissal", "without"),
            _label(
                "open.json", "nysd:1:20-cv-10821", "closed", "dismissed", "unknown"
            ),  # deliberately wrong
        ],
    )
    report = evaluate(labels, tmp_path)
    assert report.evaluated == 2
    ref, opened = report.cases
    assert (ref.status, ref.disposition, ref.prejudice, ref.ok) == (
        "closed",
        "voluntary_dismissal",
        "without",
        True,
    )
    assert (opened.status, opened.disposition, opened.status_ok, opened.disposition_ok) == (
        "open",
        None,
        False,
        False,
    )
    assert report.status_accuracy == 0.5 and report.disposition_accuracy == 0.5
    assert report.closed_disposition_accuracy == 0.5
    assert [c.label.file for c in report.mismatches] == ["open.json"]
    closed = next(m for m in report.status_classes if m.label == "closed")
    assert (
        closed.support,
        closed.predicted,
        closed.true_positives,
        closed.precision,
        closed.recall,
    ) == (2, 1, 1, 1.0, 0.5)
    assert ref.cause is not None and "notice_of_voluntary_dismissal" in ref.cause


def test_unreadable_or_wrong_case_docket_counts_as_wrong_not_skipped(tmp_path: Path) -> None:
    _write(tmp_path, "empty.json", {})
    _write(
        tmp_path,
        "other.json",
        _docket("cand", "3:08-cv-00159", "PETITION for Writ of Habeas Corpus (ifpp)."),
    )
    labels = _write(
        tmp_path,
        "labels.json",
        [
            _label("empty.json", "dcd:1:17-cr-00201", "open"),
            _label("other.json", "cand:3:08-cv-00177", "open"),
            _label("absent.json", "cand:3:08-cv-00178", "open"),
        ],
    )
    report = evaluate(labels, tmp_path)
    assert report.evaluated == 2 and report.status_accuracy == 0.0
    empty, other = report.cases
    assert empty.error is not None and empty.rejected and "empty docket" in empty.rejected[0]
    assert other.error is not None and "cand:3:08-cv-00159" in other.error
    assert [lab.file for lab in report.not_found] == ["absent.json"]


def test_a_file_name_found_twice_below_a_folder_is_an_error_not_a_guess(tmp_path: Path) -> None:
    for sub in ("dockets", "nef"):
        (tmp_path / sub).mkdir()
        _write(
            tmp_path / sub,
            "cand.json",
            _docket("cand", "3:08-cv-00159", "PETITION for Writ of Habeas Corpus (ifpp)."),
        )
    labels = _write(tmp_path, "labels.json", [_label("cand.json", "cand:3:08-cv-00159", "open")])
    (case,) = evaluate(labels, tmp_path).cases
    assert case.error is not None and "2 files named cand.json" in case.error
    (case,) = evaluate(labels, tmp_path / "dockets").cases
    assert case.error is None and case.status_ok


def test_eval_command_exits_non_zero_when_nothing_labelled_is_found(tmp_path: Path) -> None:
    labels = _write(tmp_path, "labels.json", [_label("absent.json", "cand:3:08-cv-00178", "open")])
    app = typer.Typer()
    app.command()(eval_command)
    result = CliRunner().invoke(app, [str(tmp_path), "--labels", str(labels)])
    assert result.exit_code == 1, result.output
    assert "not under the given paths" in result.output


# --------------------------------------------------------------------------- labels and metrics


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ({"file": "a.json", "case_id": "x:1", "status": "dismissed", "note": "n"}, "status"),
        (
            {
                "file": "a.json",
                "case_id": "x:1",
                "status": "closed",
                "disposition": None,
                "prejudice": "with",
                "note": "n",
            },
            "disposition",
        ),
        (
            {
                "file": "a.json",
                "case_id": "x:1",
                "status": "open",
                "disposition": "settled",
                "prejudice": None,
                "note": "n",
            },
            "only a closed case",
        ),
        ({"file": "a.json", "case_id": "x:1", "status": "open", "note": ""}, "note"),
    ],
)
def test_malformed_labels_are_rejected_with_the_reason(
    tmp_path: Path, item: dict[str, Any], message: str
) -> None:
    path = _write(tmp_path, "labels.json", [item])
    with pytest.raises(LabelError, match=message):
        load_labels(path)


def test_per_class_precision_and_recall() -> None:
    pairs = [
        ("closed", "closed"),
        ("closed", "open"),
        ("open", "open"),
        ("open", "closed"),
        ("open", "open"),
    ]
    m = {x.label: x for x in per_class(pairs, ("open", "stayed", "closed"))}
    assert set(m) == {"open", "closed"}  # "stayed" neither expected nor predicted
    assert (m["open"].precision, m["open"].recall) == (2 / 3, 2 / 3)
    assert (m["closed"].precision, m["closed"].recall) == (0.5, 0.5)
    assert accuracy([]) is None and accuracy([True, False]) == 0.5


# --------------------------------------------------------------------------- entry-level labels and false closings

ENTRY_LABELS = Path(__file__).resolve().parents[1] / "labels" / "entries.json"
ENTRY_PRECISION_TARGET = 0.95


@requires_shared_data
@pytest.mark.shared_data
def test_no_labelled_open_case_is_closed_by_the_fold() -> None:
    report = evaluate(LABELS, DOCKETS)
    print(
        f"\nfalse closings: {len(report.false_closings)} of {report.not_closed} open or stayed cases"
    )
    assert report.not_closed > 0
    assert [c.label.file for c in report.false_closings] == []


@requires_shared_data
@pytest.mark.shared_data
def test_labelled_entries_meet_the_precision_target_for_every_status_changing_class() -> None:
    report = evaluate_entries(ENTRY_LABELS, [DOCKETS])
    assert report.root is not None and Path(report.root) == SHARED_DATA / "juriscraper"
    assert report.evaluated >= 800 and not report.missing_files
    for m in report.classes:
        print(
            f"{m.label}: support {m.support} predicted {m.predicted} precision {m.precision} recall {m.recall}"
        )
    # every labelled entry was produced by the ingest path (a lost entry would count as wrong)
    assert all(r.predicted is not None for r in report.results)
    low = [
        (m.label, m.precision)
        for m in report.status_changing
        if m.precision is not None and m.precision < ENTRY_PRECISION_TARGET
    ]
    assert low == []


def test_entry_labels_follow_the_vocabulary_and_say_why_for_traps() -> None:
    labels = load_entry_labels(ENTRY_LABELS)
    assert len(labels) >= 800
    classes = {lab.cls for lab in labels}
    assert {
        "case.filed",
        "case.dismissed",
        "judgment.entered",
        "case.closed",
        "docket.entry",
    } <= classes
    # every label that is not a plain docket entry, and every trap, is a deliberate decision
    assert all(lab.cls in ENTRY_CLASSES for lab in labels)


def test_entry_replay_matches_events_by_entry_key_and_counts_a_lost_entry_as_wrong(
    tmp_path: Path,
) -> None:
    root = tmp_path / "juriscraper"
    (root / "dockets").mkdir(parents=True)
    _write(
        root / "dockets",
        "doe.json",
        _docket(
            "cand",
            "5:25-cv-00709",
            "COMPLAINT against LinkedIn Corp. Filed by Jane Doe.",
            "NOTICE of Voluntary Dismissal without prejudice by Jane Doe",
            "ORDER granting stipulation to extend time to answer",
        ),
    )
    labels = [
        {
            "file": "dockets/doe.json",
            "entry_key": "cand:5:25-cv-00709#1",
            "case_id": "cand:5:25-cv-00709",
            "class": "case.filed",
        },
        {
            "file": "dockets/doe.json",
            "entry_key": "cand:5:25-cv-00709#2",
            "case_id": "cand:5:25-cv-00709",
            "class": "case.dismissed",
        },
        # the labeller says this one closes the case; the classifier does not: a miss, not a skip
        {
            "file": "dockets/doe.json",
            "entry_key": "cand:5:25-cv-00709#3",
            "case_id": "cand:5:25-cv-00709",
            "class": "case.closed",
            "note": "t",
        },
        # an entry the ingest path never produced counts as wrong
        {
            "file": "dockets/doe.json",
            "entry_key": "cand:5:25-cv-00709#9",
            "case_id": "cand:5:25-cv-00709",
            "class": "docket.entry",
        },
    ]
    label_file = _write(tmp_path, "entries.json", labels)
    # found from the dockets folder too (the data root is its parent)
    report = evaluate_entries(label_file, [root / "dockets"])
    assert report.root == str(root)
    assert [(r.label.entry_key.rsplit("#", 1)[1], r.predicted, r.ok) for r in report.results] == [
        ("1", "case.filed", True),
        ("2", "case.dismissed", True),
        ("3", "docket.entry", False),
        ("9", None, False),
    ]
    by_class = {m.label: m for m in report.classes}
    assert by_class["case.closed"].support == 1 and by_class["case.closed"].recall == 0.0
    assert report.accuracy == 0.5


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        ({"file": "x"}, "must hold a JSON list"),
        ([{"file": "a.json", "entry_key": "k", "case_id": "c", "class": "case.won"}], "not in"),
        (
            [{"file": "a.json", "entry_key": "", "case_id": "c", "class": "docket.entry"}],
            "entry_key",
        ),
        (
            [{"file": "a.json", "entry_key": "k", "case_id": "c", "class": "docket.entry"}] * 2,
            "labelled twice",
        ),
    ],
)
def test_malformed_entry_labels_are_rejected_with_the_reason(
    tmp_path: Path, labels: object, message: str
) -> None:
    with pytest.raises(LabelError, match=message):
        load_entry_labels(_write(tmp_path, "entries.json", labels))
