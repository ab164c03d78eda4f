from __future__ import annotations

import json

import pytest

from services.core.docket_numbers import (
    DocketNumberError,
    make_case_id,
    normalise_docket_number,
    split_case_id,
)
from tests.shared_data import SHARED_DATA, requires_shared_data


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("5:25-CV-709-EJD", "5:25-cv-00709"),
        ("5:25-cv-00709-EJD", "5:25-cv-00709"),
        ("5:25-cv-00709", "5:25-cv-00709"),
        ("3:08cv159", "3:08-cv-00159"),
        ("1:2019-cv-01234", "1:19-cv-01234"),
        ("2:17-cr-00378-1", "2:17-cr-00378"),
        ("2:17-cr-378-JAT-1", "2:17-cr-00378"),
        ("4:13-md-02420-YGR", "4:13-md-02420"),
        ("19-8054", "19-08054"),
        ("17-80033", "17-80033"),
        ("MDL No. 2168", "mdl-02168"),
        ("  1:08-CV-00901-WKW  ", "1:08-cv-00901"),
    ],
)
def test_normalises_real_spellings(raw: str, expected: str) -> None:
    assert normalise_docket_number(raw) == expected


@pytest.mark.parametrize("raw", ["", "hello", "cv-123", "5:25-cv-", "12345678"])
def test_rejects_non_docket_numbers(raw: str) -> None:
    with pytest.raises(DocketNumberError):
        normalise_docket_number(raw)


def test_case_id_round_trip() -> None:
    cid = make_case_id("CAND", "5:25-CV-709-EJD")
    assert cid == "cand:5:25-cv-00709"
    assert split_case_id(cid) == ("cand", "5:25-cv-00709")
    with pytest.raises(DocketNumberError):
        split_case_id("cand:5:25-CV-709")
    with pytest.raises(DocketNumberError):
        split_case_id("nocolon")


@requires_shared_data
def test_every_docket_number_in_the_shared_dockets_normalises_idempotently() -> None:
    seen = 0
    for path in sorted((SHARED_DATA / "juriscraper" / "dockets").glob("*.json")):
        doc = json.loads(path.read_text())
        if not doc.get("docket_number"):
            continue
        n = normalise_docket_number(doc["docket_number"])
        assert normalise_docket_number(n) == n, path.name
        if doc["docket_number"].count("-") >= 2 and ":" in doc["docket_number"]:
            assert n == doc["docket_number"].lower()[: len(n)], path.name
        seen += 1
    assert seen == 58
