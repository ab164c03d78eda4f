"""``GET /api/cases/{case_id}/deadlines`` over real HTTP: uvicorn, httpx, a SQLite read model.

The read model is filled with real model objects: events built by
``build_event`` from the real classifier's readings, states folded by
``evolve`` (tests/readmodel_samples.py), the deadlines read from the stored
entries' texts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import httpx
import pytest

from schemas.events import CaseInfo
from tests.api_server import serve_read_model
from tests.calendar_samples import REFERENCE_TEXTS as TEXTS
from tests.calendar_samples import case as _case
from tests.integration.test_api import ok
from tests.readmodel_samples import REF_CASE_ID, fold

OPEN_CASE = "nysd:1:24-cv-01234"


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("api-deadlines")
    reference = _case(
        CaseInfo(
            court_id="cand",
            docket_number="5:25-cv-00709",
            case_name="De La Torre v. LinkedIn Corporation",
            date_filed=dt.date(2025, 1, 21),
        ),
        TEXTS,
    )
    plain = _case(
        CaseInfo(court_id="nysd", docket_number="1:24-cv-01234", case_name="Smith v. Acme"),
        [(1, "2024-03-05", "COMPLAINT against Acme Widgets Inc. Filed by John Smith.")],
    )
    with serve_read_model(data_dir, fold([reference, plain]).batch()) as url:
        yield url


@pytest.fixture
def client(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=10.0) as c:
        yield c


def test_the_reference_cases_entry_3_is_a_deadline_on_2025_04_22(client: httpx.Client) -> None:
    body = ok(client.get(f"/api/cases/{REF_CASE_ID}/deadlines"))
    assert body["case_id"] == REF_CASE_ID and body["total"] == len(body["items"]) == 2
    due = body["items"][0]
    assert (due["date"], due["kind"], due["status"]) == ("2025-04-22", "filing_due", "pending")
    assert due["set_by"] == due["updated_by"] == f"{REF_CASE_ID}#3"
    assert "Case Management Statement due by 4/22/2025" in due["text"]
    assert "case management statement" in due["name"]


def test_a_reset_moves_the_conference_and_a_vacate_marks_it_with_the_entries_that_did(
    client: httpx.Client,
) -> None:
    conference = ok(client.get(f"/api/cases/{REF_CASE_ID}/deadlines"))["items"][1]
    assert (conference["date"], conference["time"], conference["kind"]) == (
        "2025-05-06",
        "13:30:00",
        "conference",
    )
    assert conference["status"] == "vacated"
    assert conference["set_by"] == f"{REF_CASE_ID}#3"
    assert conference["updated_by"] == f"{REF_CASE_ID}#13"
    assert conference["text"].startswith("ORDER: the Initial Case Management Conference")


def test_a_closed_cases_pending_deadlines_stay_listed(client: httpx.Client) -> None:
    body = ok(client.get(f"/api/cases/{REF_CASE_ID}/deadlines"))
    assert body["case_status"] == "closed"
    assert [i["status"] for i in body["items"]] == ["pending", "vacated"]


def test_a_case_without_dated_entries_has_an_empty_calendar(client: httpx.Client) -> None:
    body = ok(client.get(f"/api/cases/{OPEN_CASE}/deadlines"))
    assert body == {"case_id": OPEN_CASE, "case_status": "open", "items": [], "total": 0}


def test_unknown_and_malformed_cases_get_clear_errors(client: httpx.Client) -> None:
    missing = client.get("/api/cases/cand:1:99-cv-99999/deadlines")
    assert missing.status_code == 404 and "no case" in missing.json()["detail"]
    bad = client.get("/api/cases/not a case/deadlines")
    assert bad.status_code == 422, bad.text


def test_the_endpoint_is_documented(client: httpx.Client) -> None:
    spec = ok(client.get("/openapi.json"))
    op = spec["paths"]["/api/cases/{case_id}/deadlines"]["get"]
    assert "closed case" in op["description"]
    assert "200" in op["responses"] and "404" in op["responses"]
