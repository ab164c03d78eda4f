"""The read API over real HTTP: uvicorn on a free port, an httpx client, a SQLite read model.

The read model is filled with real model objects (events built by
``build_event``, states folded by ``evolve``, alerts from ``detect``); the
feeder is off here (``tests/integration/test_feeder.py`` covers it with Kafka).
"""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
import typer
from hypothesis import HealthCheck, given, settings
from typer.testing import CliRunner

from services.api.app import create_app
from services.api.cli import case_command
from services.readmodel.values import search_terms
from services.settings import load_settings
from tests.api_server import serve, serve_read_model
from tests.readmodel_samples import REF_CASE_ID, fold

FOLDED = fold()
READ_OPERATIONS = [
    "/api/cases",
    "/api/cases/{case_id}",
    "/api/cases/{case_id}/timeline",
    "/api/cases/{case_id}/deadlines",
    "/api/cases/{case_id}/calendar.ics",
    "/api/cases/{case_id}/feed.atom",
    "/api/alerts",
    "/api/stats",
    "/healthz",
    "/metrics",
]
"""The read API's operations (all GET); each is documented and property-tested."""
REF_TEXTS = [
    "CLASS ACTION COMPLAINT against LinkedIn Corporation. Filed by Alessandro De La Torre.",
    "Summons Issued as to LinkedIn Corporation.",
    "NOTICE OF VOLUNTARY DISMISSAL WITHOUT PREJUDICE by Alessandro De La Torre",
]


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve_read_model(tmp_path_factory.mktemp("api"), FOLDED.batch()) as url:
        yield url


@pytest.fixture
def client(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=10.0) as c:
        yield c


def ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def rejected(response: httpx.Response, name: str, says: str, status: int = 422) -> None:
    """A 4xx whose detail names the parameter and says why."""
    assert response.status_code == status, response.text
    detail = response.json()["detail"]
    assert isinstance(detail, list) and detail, detail
    hits = [d for d in detail if len(d["loc"]) > 1 and d["loc"][1] == name]
    assert hits, f"no error for {name!r} in {detail}"
    assert any(re.search(says, d["msg"], re.IGNORECASE) for d in hits), (
        f"{says!r} not in {[d['msg'] for d in hits]}"
    )


def case_ids(client: httpx.Client, **params: Any) -> list[str]:
    body = ok(client.get("/api/cases", params={"limit": 200, **params}))
    assert body["next_cursor"] is None
    assert body["total"] == len(body["items"])
    return sorted(i["case_id"] for i in body["items"])


# --- one case -------------------------------------------------------------------


def test_reference_case_is_closed_by_voluntary_dismissal_without_prejudice(
    client: httpx.Client,
) -> None:
    case = ok(client.get(f"/api/cases/{REF_CASE_ID}"))
    assert case["case_id"] == REF_CASE_ID
    assert case["court_id"] == "cand" and case["docket_number"] == "5:25-cv-00709"
    assert case["case_name"] == "De La Torre v. LinkedIn Corporation"
    assert case["status"] == "closed"
    assert case["disposition"]["type"] == "voluntary_dismissal"
    assert case["disposition"]["prejudice"] == "without"
    assert case["disposition"]["date"] == "2025-01-30"
    assert case["disposition"]["fjc_code"] == 12
    assert case["date_filed"] == "2025-01-21" and case["date_terminated"] == "2025-01-30"
    assert [(h["status"], h["date"]) for h in case["status_history"]] == [
        ("open", "2025-01-21"),
        ("closed", "2025-01-30"),
    ]
    assert set(case["status_history"][0]) == {"status", "disposition", "date", "event_id"}
    assert case["status_history"][1]["event_id"] == case["disposition"]["event_id"]
    assert case["flags"]["class_action"] is True
    assert case["entry_count"] == 3
    assert case["updated_at"].startswith("2025-01-30T18:00:00")
    assert case["parties"] == ["Alessandro De La Torre", "LinkedIn Corporation"]
    assert case["nature_of_suit"] == "890 Other Statutory Actions"
    assert case["as_of"] is None
    assert "entries" not in case
    assert (case["last_entry"]["document_number"], case["last_entry"]["type"]) == (
        12,
        "case.dismissed",
    )
    assert case["last_entry"]["event_id"] == case["disposition"]["event_id"]


def test_case_id_may_arrive_percent_encoded(client: httpx.Client) -> None:
    case = ok(client.get("/api/cases/cand%3A5%3A25-cv-00709"))
    assert case["case_id"] == REF_CASE_ID


def test_as_of_before_the_dismissal_shows_the_case_open(client: httpx.Client) -> None:
    case = ok(client.get(f"/api/cases/{REF_CASE_ID}", params={"as_of": "2025-01-25"}))
    assert case["as_of"] == "2025-01-25"
    assert case["status"] == "open"
    assert case["disposition"] is None and case["date_terminated"] is None
    assert [(h["status"], h["date"]) for h in case["status_history"]] == [("open", "2025-01-21")]
    assert case["entry_count"] == 2


def test_as_of_the_dismissal_day_shows_the_case_closed(client: httpx.Client) -> None:
    case = ok(client.get(f"/api/cases/{REF_CASE_ID}", params={"as_of": "2025-01-30"}))
    assert case["status"] == "closed"
    assert case["disposition"]["type"] == "voluntary_dismissal"
    assert case["entry_count"] == 3
    current = ok(client.get(f"/api/cases/{REF_CASE_ID}"))
    assert {k: v for k, v in case.items() if k != "as_of"} == {
        k: v for k, v in current.items() if k != "as_of"
    }


def test_as_of_before_the_first_entry_is_not_found(client: httpx.Client) -> None:
    r = client.get(f"/api/cases/{REF_CASE_ID}", params={"as_of": "2025-01-20"})
    assert r.status_code == 404
    assert "no docket entry filed on or before 2025-01-20" in r.json()["detail"]


def test_unknown_case_is_not_found(client: httpx.Client) -> None:
    for path in ("/api/cases/cand:5:25-cv-99999", "/api/cases/cand:5:25-cv-99999/timeline"):
        r = client.get(path)
        assert r.status_code == 404, path
        assert "no case cand:5:25-cv-99999" in r.json()["detail"]
    r = client.get("/api/cases/cand:5:25-cv-99999", params={"as_of": "2025-01-30"})
    assert r.status_code == 404 and "no case" in r.json()["detail"]


@pytest.mark.parametrize(
    ("case_id", "says"),
    [
        ("cand:5:25-CV-709-EJD", r"not canonical.*expected '5:25-cv-00709'"),
        ("linkedin", r"not a case id"),
        ("c!and:5:25-cv-00709", r"not a court id"),
        ("cand:not-a-number", r"not a docket number"),
    ],
)
def test_invalid_case_ids_are_rejected_with_the_reason(
    client: httpx.Client, case_id: str, says: str
) -> None:
    rejected(client.get(f"/api/cases/{case_id}"), "case_id", says)
    rejected(client.get(f"/api/cases/{case_id}/timeline"), "case_id", says)


def test_bad_as_of_is_rejected(client: httpx.Client) -> None:
    rejected(
        client.get(f"/api/cases/{REF_CASE_ID}", params={"as_of": "2025-02-30"}), "as_of", "date"
    )
    rejected(
        client.get(f"/api/cases/{REF_CASE_ID}", params={"as_of": "yesterday"}), "as_of", "date"
    )


# --- timeline -------------------------------------------------------------------


def test_timeline_shows_every_entry_with_its_words_and_the_change_it_caused(
    client: httpx.Client,
) -> None:
    body = ok(client.get(f"/api/cases/{REF_CASE_ID}/timeline"))
    assert body["case_id"] == REF_CASE_ID and body["total"] == 3 and body["next_cursor"] is None
    items = body["items"]
    assert [i["text"] for i in items] == REF_TEXTS
    assert [(i["date"], i["document_number"], i["type"]) for i in items] == [
        ("2025-01-21", 1, "case.filed"),
        ("2025-01-23", 5, "docket.entry"),
        ("2025-01-30", 12, "case.dismissed"),
    ]
    assert items[0]["status_change"] == {
        "from_status": None,
        "status": "open",
        "disposition": None,
        "date": "2025-01-21",
    }
    assert items[1]["status_change"] is None
    change = items[2]["status_change"]
    assert (change["from_status"], change["status"], change["date"]) == (
        "open",
        "closed",
        "2025-01-30",
    )
    assert change["disposition"]["type"] == "voluntary_dismissal"
    assert items[2]["disposition"] == "voluntary_dismissal" and items[2]["prejudice"] == "without"
    assert items[0]["class_action"] is True
    case = ok(client.get(f"/api/cases/{REF_CASE_ID}"))
    assert [i["event_id"] for i in items if i["status_change"]] == [
        h["event_id"] for h in case["status_history"]
    ]


def test_timeline_pages_to_the_end(client: httpx.Client) -> None:
    seen: list[int] = []
    cursor = None
    for _ in range(5):
        params: dict[str, Any] = {"limit": 1} | ({"cursor": cursor} if cursor else {})
        body = ok(client.get(f"/api/cases/{REF_CASE_ID}/timeline", params=params))
        seen += [i["document_number"] for i in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == [1, 5, 12]
    assert cursor is None


def test_timeline_rejects_foreign_and_forged_cursors(client: httpx.Client) -> None:
    path = f"/api/cases/{REF_CASE_ID}/timeline"
    cases_cursor = ok(client.get("/api/cases", params={"limit": 1}))["next_cursor"]
    rejected(client.get(path, params={"cursor": cases_cursor}), "cursor", "not a timeline cursor")
    rejected(client.get(path, params={"cursor": "%%%"}), "cursor", "not a cursor")
    forged = base64.urlsafe_b64encode(b'["timeline","2025-13-01",false,1,0,"x"]').decode()
    rejected(client.get(path, params={"cursor": forged}), "cursor", "malformed")
    rejected(client.get(path, params={"limit": 0}), "limit", "greater than or equal to 1")
    rejected(client.get(path, params={"limit": 201}), "limit", "less than or equal to 200")


# --- the case list ----------------------------------------------------------------


def test_every_filter_of_the_case_list(client: httpx.Client) -> None:
    everything = sorted(FOLDED.states)
    assert case_ids(client) == everything
    assert case_ids(client, status="closed") == sorted(
        [REF_CASE_ID, "txnd:3:23-cv-00456", "ilnd:1:22-cv-00100"]
    )
    assert case_ids(client, status=["open", "stayed"]) == sorted(
        ["nysd:1:24-cv-01234", "cand:3:24-cv-07777", "nysd:1:25-cv-00002"]
    )
    assert case_ids(client, disposition="voluntary_dismissal") == [REF_CASE_ID]
    assert case_ids(client, disposition=["settled", "judgment"]) == sorted(
        ["txnd:3:23-cv-00456", "ilnd:1:22-cv-00100"]
    )
    assert case_ids(client, court="cand") == sorted([REF_CASE_ID, "cand:3:24-cv-07777"])
    assert case_ids(client, court="CAND") == sorted([REF_CASE_ID, "cand:3:24-cv-07777"])
    assert case_ids(client, court=["nysd", "ilnd"]) == sorted(
        ["nysd:1:24-cv-01234", "nysd:1:25-cv-00002", "ilnd:1:22-cv-00100"]
    )
    assert case_ids(client, nature_of_suit="440") == sorted(
        ["txnd:3:23-cv-00456", "ilnd:1:22-cv-00100"]
    )
    assert case_ids(client, class_action="true") == sorted([REF_CASE_ID, "cand:3:24-cv-07777"])
    assert case_ids(client, class_action="false") == sorted(
        set(everything) - {REF_CASE_ID, "cand:3:24-cv-07777"}
    )
    assert case_ids(client, filed_from="2025-01-01") == sorted([REF_CASE_ID, "nysd:1:25-cv-00002"])
    assert case_ids(client, filed_to="2023-11-10") == sorted(
        ["txnd:3:23-cv-00456", "ilnd:1:22-cv-00100"]
    )
    assert case_ids(client, terminated_from="2024-01-01", terminated_to="2025-01-30") == sorted(
        [REF_CASE_ID, "txnd:3:23-cv-00456"]
    )
    assert case_ids(client, q="LinkedIn") == [REF_CASE_ID]
    assert case_ids(client, q="alessandro torre") == [REF_CASE_ID]
    assert case_ids(client, q="muller") == ["txnd:3:23-cv-00456"]
    assert case_ids(client, q="LinkedIn", status="open") == []
    assert case_ids(client, q="inc", class_action="true", court="cand", status="stayed") == [
        "cand:3:24-cv-07777"
    ]


def test_list_items_are_summaries_of_the_projection(client: httpx.Client) -> None:
    body = ok(client.get("/api/cases", params={"q": "linkedin"}))
    (item,) = body["items"]
    case = ok(client.get(f"/api/cases/{REF_CASE_ID}"))
    assert item == {k: v for k, v in case.items() if k in item}
    assert {"status_history", "parties", "entries"}.isdisjoint(item)


@pytest.mark.parametrize("sort", ["updated_at", "date_filed", "date_terminated", "case_name"])
@pytest.mark.parametrize("order", ["asc", "desc"])
def test_case_list_pages_to_the_end_in_every_order(
    client: httpx.Client, sort: str, order: str
) -> None:
    full = ok(client.get("/api/cases", params={"sort": sort, "order": order, "limit": 200}))
    expected = [i["case_id"] for i in full["items"]]
    assert sorted(expected) == sorted(FOLDED.states)
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"sort": sort, "order": order, "limit": 2} | (
            {"cursor": cursor} if cursor else {}
        )
        body = ok(client.get("/api/cases", params=params))
        pages += 1
        assert body["total"] == len(FOLDED.states)
        seen += [i["case_id"] for i in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None or pages > 10:
            break
    assert cursor is None, f"no end after {pages} pages: {seen}"
    assert seen == expected
    values = [i[sort] for i in full["items"]]
    present = [v for v in values if v is not None]
    if sort == "case_name":
        present = [v.lower() for v in present]
    assert present == sorted(present, reverse=order == "desc")
    assert values[len(present) :] == [None] * (len(values) - len(present)), "nulls come last"


@pytest.mark.parametrize(
    ("params", "name", "says"),
    [
        ({"status": "pending"}, "status", "open.*stayed.*closed"),
        ({"disposition": "won"}, "disposition", "voluntary_dismissal"),
        ({"court": "n.d. cal"}, "court", "not a court id"),
        ({"class_action": "maybe"}, "class_action", "boolean"),
        ({"filed_from": "2025-02-30"}, "filed_from", "date"),
        ({"filed_from": "2025-02-01", "filed_to": "2025-01-01"}, "filed_from", "after filed_to"),
        (
            {"terminated_from": "2025-02-01", "terminated_to": "2025-01-01"},
            "terminated_from",
            "after terminated_to",
        ),
        ({"q": "?!"}, "q", "no searchable word"),
        ({"q": "x" * 501}, "q", "at most 500"),
        ({"sort": "relevance"}, "sort", "updated_at"),
        ({"order": "sideways"}, "order", "asc.*desc"),
        ({"limit": 0}, "limit", "greater than or equal to 1"),
        ({"limit": 201}, "limit", "less than or equal to 200"),
        ({"limit": "ten"}, "limit", "integer"),
        ({"cursor": "not-a-cursor"}, "cursor", "not a cursor"),
    ],
)
def test_bad_list_parameters_get_a_precise_422(
    client: httpx.Client, params: dict[str, Any], name: str, says: str
) -> None:
    rejected(client.get("/api/cases", params=params), name, says)


def test_a_cursor_only_continues_the_sort_it_came_from(client: httpx.Client) -> None:
    cursor = ok(client.get("/api/cases", params={"sort": "date_filed", "limit": 1}))["next_cursor"]
    assert cursor
    rejected(
        client.get("/api/cases", params={"sort": "case_name", "limit": 1, "cursor": cursor}),
        "cursor",
        "issued for sort=date_filed order=desc",
    )
    alerts_cursor = ok(client.get("/api/alerts", params={"limit": 1}))["next_cursor"]
    rejected(
        client.get("/api/cases", params={"cursor": alerts_cursor}), "cursor", "not a cases cursor"
    )


# --- alerts -----------------------------------------------------------------------


def test_alerts_newest_first_with_filters(client: httpx.Client) -> None:
    body = ok(client.get("/api/alerts"))
    assert body["next_cursor"] is None
    items = body["items"]
    assert [a["seq"] for a in items] == [4, 3, 2, 1]
    assert [a["id"] for a in reversed(items)] == [a.id for a in FOLDED.alerts]
    ref = ok(client.get("/api/alerts", params={"case_id": REF_CASE_ID}))["items"]
    assert len(ref) == 1
    assert ref[0]["type"] == "status.changed" and ref[0]["subject"] == REF_CASE_ID
    assert (ref[0]["data"]["from_status"], ref[0]["data"]["to_status"]) == ("open", "closed")
    assert ref[0]["data"]["disposition"]["prejudice"] == "without"
    assert [a["seq"] for a in ok(client.get("/api/alerts", params={"court": "cand"}))["items"]] == [
        3,
        1,
    ]
    assert [a["seq"] for a in ok(client.get("/api/alerts", params={"since": 2}))["items"]] == [4, 3]
    assert ok(client.get("/api/alerts", params={"type": "complaint.amended"}))["items"] == []
    assert (
        len(
            ok(client.get("/api/alerts", params={"type": ["status.changed", "complaint.amended"]}))[
                "items"
            ]
        )
        == 4
    )


def test_alerts_page_to_the_end(client: httpx.Client) -> None:
    seqs: list[int] = []
    cursor = None
    for _ in range(6):
        body = ok(
            client.get("/api/alerts", params={"limit": 1} | ({"cursor": cursor} if cursor else {}))
        )
        seqs += [a["seq"] for a in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seqs == [4, 3, 2, 1] and cursor is None


@pytest.mark.parametrize(
    ("params", "name", "says"),
    [
        ({"case_id": "cand:5:25-CV-709"}, "case_id", "not canonical"),
        ({"court": "??"}, "court", "not a court id"),
        ({"type": "status.exploded"}, "type", "status.changed"),
        ({"since": -1}, "since", "greater than or equal to 0"),
        ({"limit": 1000}, "limit", "less than or equal to 200"),
        ({"since": 2**63}, "since", "less than or equal to 9223372036854775807"),
        (
            {"cursor": base64.urlsafe_b64encode(b'["alerts",9223372036854775808]').decode()},
            "cursor",
            "malformed",
        ),
        ({"cursor": base64.urlsafe_b64encode(b'["alerts",0]').decode()}, "cursor", "malformed"),
    ],
)
def test_bad_alert_parameters_get_a_precise_422(
    client: httpx.Client, params: dict[str, Any], name: str, says: str
) -> None:
    rejected(client.get("/api/alerts", params=params), name, says)


# --- stats, health, metrics, OpenAPI ---------------------------------------------------


def test_stats(client: httpx.Client) -> None:
    st = ok(client.get("/api/stats"))
    assert st["total_cases"] == 6
    assert st["by_status"] == {"open": 2, "closed": 3, "stayed": 1}
    assert st["by_disposition"] == {"voluntary_dismissal": 1, "settled": 1, "judgment": 1}
    assert st["by_court"] == {"cand": 2, "nysd": 2, "txnd": 1, "ilnd": 1}
    assert st["dispositions_by_court"]["cand"] == {"voluntary_dismissal": 1}
    months = {m["month"]: (m["opened"], m["closed"]) for m in st["per_month"]}
    assert months["2025-01"] == (1, 1) and months["2023-05"] == (0, 1)
    assert sum(o for o, _ in months.values()) == 6 and sum(c for _, c in months.values()) == 3


def test_healthz_serves_with_the_feeder_off(client: httpx.Client) -> None:
    h = ok(client.get("/healthz"))
    assert h["status"] == "ok"
    assert h["broker"] == {"reachable": None, "last_error": None}
    assert h["feeder"]["enabled"] is False
    assert h["read_model"] == {
        "cases": 6,
        "events": len(FOLDED.events),
        "alerts": len(FOLDED.alerts),
    }


def test_metrics_time_requests_by_route_template(client: httpx.Client) -> None:
    ok(client.get(f"/api/cases/{REF_CASE_ID}"))
    client.get("/api/cases/cand:5:25-cv-99999")
    text = client.get("/metrics").text
    assert (
        'docketline_api_request_duration_seconds_count{method="GET",route="/api/cases/{case_id}",status="200"}'
        in text
    )
    assert 'route="/api/cases/{case_id}",status="404"' in text
    assert REF_CASE_ID not in text, "raw paths must not become labels"
    assert "# TYPE docketline_readmodel_records_applied_total counter" in text
    assert "# TYPE docketline_readmodel_lag_records gauge" in text


def test_openapi_documents_every_endpoint_with_typed_responses(client: httpx.Client) -> None:
    spec = ok(client.get("/openapi.json"))
    paths = spec["paths"]
    for path in READ_OPERATIONS:
        assert "get" in paths[path], path
    case_schema = spec["components"]["schemas"]["CaseOut"]["properties"]
    for field in (
        "case_id", "court_id", "docket_number", "case_name", "status", "disposition", "date_filed",
        "date_terminated", "status_history", "flags", "entry_count", "updated_at",
    ):  # fmt: skip
        assert field in case_schema, field
    assert "entries" not in case_schema
    case_id_param = next(
        p for p in paths["/api/cases/{case_id}"]["get"]["parameters"] if p["name"] == "case_id"
    )
    assert re.fullmatch(case_id_param["schema"]["pattern"], REF_CASE_ID)
    assert "404" in paths["/api/cases/{case_id}"]["get"]["responses"]


# --- the fast path (services.api.fastpath) answers as the routes do ------------------------

FAST_LISTS = [
    "",
    "status=closed",
    "status=open&status=stayed&limit=2",
    "court=CAND",
    "court=cand&court=nysd&court=cand",
    "disposition=settled&court=txnd",
    "disposition=voluntary_dismissal&court=cand&status=closed&filed_from=2019-01-01",
    "class_action=false&limit=2",
    "class_action=true&sort=date_filed&order=asc",
    "sort=case_name&order=asc&limit=2",
    "sort=date_terminated&order=desc&limit=1",
    "filed_from=2025-01-01",
    "terminated_from=2024-01-01&terminated_to=2025-01-30",
    "nature_of_suit=440",
    "q=alessandro+torre",
]


def _same_answer(client: httpx.Client, path: str, query: str) -> httpx.Response:
    """``path?query`` (the fast path) against the route's answer to the same request.

    An unknown parameter hands the request to the route (FastAPI ignores it), so
    the second request is the route's answer to the same question."""
    fast = client.get(f"{path}?{query}" if query else path)
    routed = client.get(f"{path}?{query}&unused=1" if query else f"{path}?unused=1")
    assert fast.status_code == routed.status_code == 200, (fast.text, routed.text)
    assert fast.content == routed.content
    for header in ("content-type", "content-length"):
        assert fast.headers[header] == routed.headers[header]
    return fast


@pytest.mark.parametrize("case_id", sorted(FOLDED.states))
def test_fast_case_lookup_is_byte_for_byte_the_route(client: httpx.Client, case_id: str) -> None:
    _same_answer(client, f"/api/cases/{case_id}", "")


@pytest.mark.parametrize("query", FAST_LISTS)
def test_fast_case_list_is_byte_for_byte_the_route(client: httpx.Client, query: str) -> None:
    body = _same_answer(client, "/api/cases", query).json()
    cursor = body["next_cursor"]
    while cursor is not None:  # and so is every further page
        more = "&".join(p for p in (query, f"cursor={cursor}") if p)
        cursor = _same_answer(client, "/api/cases", more).json()["next_cursor"]


def test_default_store_is_sqlite_in_the_data_dir(tmp_path: Path) -> None:
    app = create_app(load_settings(data_dir=tmp_path / "state"), start_feeder=False)
    with serve(app) as url:
        h = httpx.get(f"{url}/healthz", timeout=10).json()
        assert h["read_model"] == {"cases": 0, "events": 0, "alerts": 0}
        assert httpx.get(f"{url}/api/cases/{REF_CASE_ID}", timeout=10).status_code == 404
    assert (tmp_path / "state" / "readmodel.sqlite").is_file()


# --- docketline case (the CLI reads through the API) ------------------------------------


def _cli() -> typer.Typer:
    app = typer.Typer()
    app.command()(case_command)
    return app


def test_case_command_prints_status_and_history(base_url: str) -> None:
    port = base_url.rsplit(":", 1)[1]
    env = {"DOCKETLINE_API_HOST": "127.0.0.1", "DOCKETLINE_API_PORT": port}
    result = CliRunner().invoke(_cli(), [REF_CASE_ID], env=env)
    assert result.exit_code == 0, result.output
    assert "CLOSED" in result.output and "voluntary_dismissal, prejudice without" in result.output
    assert "2025-01-21" in result.output and "2025-01-30" in result.output
    as_of = CliRunner().invoke(_cli(), [REF_CASE_ID, "--as-of", "2025-01-25", "--json"], env=env)
    assert as_of.exit_code == 0, as_of.output
    assert '"status":"open"' in as_of.output and '"as_of":"2025-01-25"' in as_of.output
    missing = CliRunner().invoke(_cli(), ["cand:5:25-cv-99999"], env=env)
    assert missing.exit_code == 1 and "no case cand:5:25-cv-99999" in missing.output
    bad = CliRunner().invoke(_cli(), ["cand:5:25-CV-709"], env=env)
    assert bad.exit_code == 2 and "not canonical" in bad.output


def test_case_command_explains_when_the_api_is_not_running() -> None:
    import socket

    with socket.socket() as s:  # a port nothing listens on: bound, never listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        env = {"DOCKETLINE_API_HOST": "127.0.0.1", "DOCKETLINE_API_PORT": str(port)}
        result = CliRunner().invoke(_cli(), [REF_CASE_ID], env=env)
    assert result.exit_code == 3, result.output
    assert f"cannot reach the docketline API at http://127.0.0.1:{port}" in result.output
    assert "docketline api" in result.output


# --- property-based: schemathesis against /openapi.json ---------------------------------

EXAMPLES = int(os.environ.get("DOCKETLINE_API_FUZZ_EXAMPLES", "60"))


def _only_constraints_openapi_can_state(case: Any) -> None:
    """Bring a *schema-valid* generated request within the rules OpenAPI cannot express.

    Three rules of the API are not expressible in the document, and each has its
    own test above: a cursor is valid only as a previous page returned it; a date
    range's ``from`` may not be after its ``to``; ``q`` needs at least one letter
    or digit. Negative (schema-invalid) cases are sent untouched.
    """
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or not case.query:
        return
    query = dict(case.query)
    query.pop("cursor", None)
    for lo, hi in (("filed_from", "filed_to"), ("terminated_from", "terminated_to")):
        if lo in query and hi in query and str(query[lo]) > str(query[hi]):
            query[lo], query[hi] = query[hi], query[lo]
    if "q" in query and not search_terms(str(query["q"])):
        del query["q"]
    case.query = query


@pytest.mark.parametrize("path", READ_OPERATIONS)
def test_api_honours_its_openapi_document(base_url: str, path: str) -> None:
    """Generated requests, valid and invalid, never get a 5xx or an undocumented answer."""
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    operation = schema[path]["GET"]

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    def check(case: Any) -> None:
        _only_constraints_openapi_can_state(case)
        case.call_and_validate(base_url=base_url)

    check()
