"""The shipped demo dockets: valid, consistent across sources, and up to date with their generator."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from schemas.codec import decode_event
from services.demo import make_demo
from services.ingest.formats import parse_path
from services.ingest.records import Parsed

DEMO = Path(make_demo.__file__).resolve().parent
FILES = (
    "reference_case.jsonl",
    "sample_cases.jsonl",
    "reference_case_rss.xml",
    "reference_dismissal_nef.eml",
)


def test_the_reference_case_is_the_public_record() -> None:
    events = [
        decode_event(line) for line in (DEMO / "reference_case.jsonl").read_bytes().splitlines()
    ]
    complaint, dismissal = events
    assert {e.subject for e in events} == {"cand:5:25-cv-00709"}
    assert complaint.data.case.case_name == "De La Torre v. LinkedIn Corporation"
    assert complaint.data.case.date_filed == dt.date(2025, 1, 21)
    assert (
        complaint.type,
        complaint.data.entry.date_filed,
        complaint.data.entry.document_number,
    ) == (
        "case.filed",
        dt.date(2025, 1, 21),
        1,
    )
    assert complaint.data.class_action
    assert complaint.data.entry.text.startswith(
        "CLASS ACTION COMPLAINT against LinkedIn Corporation"
    )
    assert (
        dismissal.type,
        dismissal.data.entry.date_filed,
        dismissal.data.entry.document_number,
    ) == (
        "case.dismissed",
        dt.date(2025, 1, 30),
        12,
    )
    assert dismissal.data.dismissal == "voluntary"  # type: ignore[union-attr]
    assert dismissal.data.prejudice == "without"  # type: ignore[union-attr]


def test_the_samples_cover_the_status_changes_the_dashboard_shows() -> None:
    events = [
        decode_event(line) for line in (DEMO / "sample_cases.jsonl").read_bytes().splitlines()
    ]
    by_case: dict[str, list[str]] = {}
    for e in events:
        by_case.setdefault(e.subject, []).append(e.type)
    assert len(by_case) == 5
    assert {t for types in by_case.values() for t in types} >= {
        "case.filed",
        "case.stayed",
        "case.settled",
        "case.remanded",
        "case.transferred",
        "complaint.amended",
    }
    assert sum(e.data.class_action for e in events) >= 3


def test_every_source_of_the_reference_case_names_the_same_case_and_entries() -> None:
    keys: dict[str, set[str]] = {}
    for name in FILES:
        if name == "sample_cases.jsonl":
            continue
        results = list(parse_path(DEMO / name))
        assert results and all(isinstance(r, Parsed) for r in results), results
        keys[name] = {r.event.data.entry.entry_key for r in results if isinstance(r, Parsed)}
    assert (
        keys["reference_case.jsonl"]
        == keys["reference_case_rss.xml"]
        == {
            "cand:5:25-cv-00709#1",
            "cand:5:25-cv-00709#12",
        }
    )
    assert keys["reference_dismissal_nef.eml"] == {"cand:5:25-cv-00709#12"}


def test_the_shipped_files_are_what_the_generator_makes_now(tmp_path: Path) -> None:
    """Fails after a classifier or case change until ``python -m services.demo.make_demo`` is run."""
    make_demo.main(tmp_path)
    for name in FILES:
        fresh, shipped = (tmp_path / name).read_bytes(), (DEMO / name).read_bytes()
        if name.endswith(".jsonl"):
            for a, b in zip(fresh.splitlines(), shipped.splitlines(), strict=True):
                new, old = decode_event(a), decode_event(b)
                assert new.id == old.id, f"{name}: ids changed"
                assert new.type == old.type, (
                    f"{name}: {new.data.entry.entry_key} now reads as {new.type}, shipped {old.type}; "
                    "regenerate with python -m services.demo.make_demo"
                )
        assert fresh == shipped, (
            f"{name} is stale; regenerate with python -m services.demo.make_demo"
        )


@pytest.mark.parametrize("name", FILES)
def test_demo_files_are_package_data(name: str) -> None:
    import tomllib

    patterns = tomllib.loads((DEMO.parents[1] / "pyproject.toml").read_text())["tool"][
        "setuptools"
    ]["package-data"]["services"]
    assert f"**/*{Path(name).suffix}" in patterns
