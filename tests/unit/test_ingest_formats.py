"""Format detection and directory walking (``services.ingest.formats``)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from services.ingest.formats import FORMAT_CHOICES, detect, discover, parse_file, parse_path
from services.ingest.records import IngestError, Parsed, Rejected
from tests.shared_data import SHARED_DATA, requires_shared_data

DEMO = Path(__file__).resolve().parents[2] / "services" / "demo"
J = SHARED_DATA / "juriscraper"


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("reference_case.jsonl", "jsonl"),
        ("sample_cases.jsonl", "jsonl"),
        ("reference_case_rss.xml", "pacer-rss"),
        ("reference_dismissal_nef.eml", "nef"),
    ],
)
def test_demo_files_are_recognised_by_content(name: str, fmt: str, tmp_path: Path) -> None:
    data = (DEMO / name).read_bytes()
    assert detect(data, Path(name).suffix) == fmt
    # content decides, not the extension
    renamed = tmp_path / "input.data"
    renamed.write_bytes(data)
    assert [i.format for i in discover(renamed)] == [fmt]


@requires_shared_data
@pytest.mark.shared_data
@pytest.mark.parametrize(
    ("relative", "fmt"),
    [
        ("rss/nyed_1.xml", "pacer-rss"),
        ("rss/ca10.xml", "pacer-rss"),
        ("nef-email/almd_3_plain.txt", "nef"),  # mbox "From " line first
        ("nef-email/cand_1.txt", "nef"),
        ("nef/cand.html", "nef"),
        ("dockets/cand_7.json", "courtlistener"),
        ("dockets/canb_1.json", "courtlistener"),  # {}
        ("rss/nyed_1.json", "courtlistener"),  # juriscraper's list of dockets
        ("nef-email/cand_1.json", None),  # juriscraper's NEF output is not a docket
    ],
)
def test_real_files_are_recognised(relative: str, fmt: str | None) -> None:
    path = J / relative
    assert detect(path.read_bytes(), path.suffix) == fmt


def test_unrecognisable_content_is_none_and_broken_content_falls_back_to_the_extension() -> None:
    assert detect(b"just some words", ".md") is None
    assert detect(b'{"menu": [1, 2]}', ".json") is None
    assert detect(b"{broken json", ".json") == "courtlistener"
    assert detect(b"{broken json", ".jsonl") == "jsonl"
    assert detect(b"<html><body>hello</body></html>", ".html") is None
    assert detect(b"", ".xml") == "pacer-rss"
    assert detect(b"Note: a text file\n\nwith a colon", ".txt") is None


def test_a_directory_is_walked_in_sorted_order_taking_only_input_files(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / ".hidden").mkdir()
    shutil.copy(DEMO / "reference_case_rss.xml", tmp_path / "b" / "feed.xml")
    shutil.copy(DEMO / "reference_case.jsonl", tmp_path / "a.jsonl")
    shutil.copy(DEMO / "reference_case.jsonl", tmp_path / ".hidden" / "x.jsonl")
    (tmp_path / "notes.md").write_text("# notes")
    (tmp_path / "other.json").write_text('{"menu": []}')
    found = list(discover(tmp_path))
    assert [(i.path.relative_to(tmp_path).as_posix(), i.format) for i in found] == [
        ("a.jsonl", "jsonl"),
        ("b/feed.xml", "pacer-rss"),
        ("notes.md", None),
        ("other.json", None),
    ]
    assert all(i.note for i in found if i.format is None)
    results = list(parse_path(tmp_path))
    assert [r.where for r in results] == [
        f"{tmp_path / 'a.jsonl'}:1",
        f"{tmp_path / 'a.jsonl'}:2",
        f"{tmp_path / 'b' / 'feed.xml'}#item-1",
        f"{tmp_path / 'b' / 'feed.xml'}#item-2",
    ]
    # an explicit format takes the files with its extensions only
    assert [i.path.name for i in discover(tmp_path, "pacer-rss") if i.format] == ["feed.xml"]


def test_an_explicit_file_in_an_unknown_format_is_rejected_not_skipped(tmp_path: Path) -> None:
    path = tmp_path / "notes.md"
    path.write_text("# not a docket")
    (r,) = parse_path(path)
    assert isinstance(r, Rejected)
    assert r.where == str(path) and "unrecognised format" in r.reason


def test_an_explicit_format_overrides_detection(tmp_path: Path) -> None:
    path = tmp_path / "feed.txt"
    path.write_bytes((DEMO / "reference_case_rss.xml").read_bytes())
    assert all(isinstance(r, Parsed) for r in parse_path(path, "pacer-rss"))
    wrong = list(parse_path(path, "jsonl"))  # the wrong adapter says why, line by line
    assert wrong and all(isinstance(r, Rejected) and "Invalid JSON" in r.reason for r in wrong)
    assert wrong[0].where == f"{path}:1"


def test_missing_and_unreadable_inputs_raise_ingest_error(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="no such file or directory"):
        list(parse_path(tmp_path / "nope.jsonl"))
    with pytest.raises(IngestError, match="unknown format 'yaml'"):
        list(parse_path(DEMO / "reference_case.jsonl", "yaml"))
    with pytest.raises(IngestError, match="cannot read"):
        list(parse_file(tmp_path, "jsonl"))  # a directory is not a readable file


def test_format_choices_are_the_cli_contract() -> None:
    assert FORMAT_CHOICES == ("auto", "jsonl", "courtlistener", "pacer-rss", "nef")
