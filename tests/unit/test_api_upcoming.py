"""``GET /api/deadlines``, ``GET /api/milestones`` and the timeline's entry classes, over ASGI.

The read model is the in-memory one, filled with events built by the real
classifier and states folded by ``evolve`` (tests/calendar_samples.py); the
same store contract runs against SQLite in test_readmodel_calendar.py. "Today"
is the app's injected clock (``app.state.today``) or the ``from`` parameter.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from services.api.app import create_app
from services.readmodel.memory import InMemoryReadModel
from services.settings import load_settings
from tests.calendar_samples import ACME_ID, CALENDAR_SAMPLES, ORBIT_ID
from tests.readmodel_samples import REF_CASE_ID, fold

TODAY = dt.date(2024, 6, 18)


@pytest.fixture
def app(tmp_path: Path) -> FastAPI:
    store = InMemoryReadModel()
    store.apply(fold(CALENDAR_SAMPLES).batch())
    app = create_app(load_settings(data_dir=tmp_path), store, start_feeder=False)
    app.state.today = lambda: TODAY
    return app


@pytest.fixture
async def api(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://api"
    ) as client:
        yield client


async def ok(r: httpx.Response) -> Any:
    assert r.status_code == 200, r.text
    return r.json()


async def refused(api: httpx.AsyncClient, url: str) -> str:
    r = await api.get(url)
    assert r.status_code == 422, r.text
    return "; ".join(f"{'.'.join(map(str, d['loc']))}: {d['msg']}" for d in r.json()["detail"])


# --- /api/deadlines ---------------------------------------------------------------------------


async def test_the_default_window_is_the_14_days_from_the_injected_today(
    api: httpx.AsyncClient,
) -> None:
    body = await ok(await api.get("/api/deadlines"))
    assert (body["from"], body["to"]) == ("2024-06-18", "2024-07-01")
    assert [(i["case_id"], i["date"], i["time"], i["kind"]) for i in body["items"]] == [
        (ACME_ID, "2024-06-20", "10:00:00", "conference"),
        (ORBIT_ID, "2024-06-20", "10:00:00", "hearing"),
        (ORBIT_ID, "2024-07-01", "09:00:00", "conference"),
    ]
    hearing = body["items"][1]
    assert hearing == {
        "case_id": ORBIT_ID,
        "case_name": "Chen v. Orbit Telecom, Inc.",
        "court_id": "ohsd",
        "case_status": "open",
        "key": "hearing:motion hearing",
        "date": "2024-06-20",
        "time": "10:00:00",
        "kind": "hearing",
        "name": "motion hearing",
        "status": "pending",
        "text": hearing["text"],
        "set_by": f"{ORBIT_ID}#20",
        "updated_by": f"{ORBIT_ID}#20",
    }
    assert hearing["text"].startswith("MOTION to Dismiss for Failure to State a Claim")
    assert (body["total"], body["total_exact"], body["next_cursor"]) == (3, True, None)


async def test_from_with_days_or_to_choose_the_window(api: httpx.AsyncClient) -> None:
    days = await ok(await api.get("/api/deadlines", params={"from": "2025-04-22", "days": 1}))
    assert [(i["case_id"], i["date"], i["case_status"]) for i in days["items"]] == [
        (REF_CASE_ID, "2025-04-22", "closed")
    ]
    to = await ok(
        await api.get("/api/deadlines", params={"from": "2025-04-01", "to": "2025-05-31"})
    )
    assert [(i["date"], i["status"]) for i in to["items"]] == [
        ("2025-04-22", "pending"),
        ("2025-05-06", "vacated"),
    ]
    pending = await ok(
        await api.get(
            "/api/deadlines", params={"from": "2025-04-01", "to": "2025-05-31", "status": "pending"}
        )
    )
    assert [i["date"] for i in pending["items"]] == ["2025-04-22"]


async def test_deadlines_page_with_the_cursor(api: httpx.AsyncClient) -> None:
    seen = []
    params: dict[str, str | int] = {"limit": 1}
    while True:
        body = await ok(await api.get("/api/deadlines", params=params))
        assert body["total"] == 3
        seen += [(i["case_id"], i["key"]) for i in body["items"]]
        if body["next_cursor"] is None:
            break
        params["cursor"] = body["next_cursor"]
    assert len(seen) == len(set(seen)) == 3


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("from=2024-07-01&to=2024-06-01", "to: 2024-06-01 is before from 2024-07-01"),
        ("from=2024-01-01&to=2025-06-01", "to: the window is 518 days long; at most 366"),
        ("days=0", "days: Input should be greater than or equal to 1"),
        ("days=367", "days: Input should be less than or equal to 366"),
        ("to=2024-07-01&days=3", "days: give either to or days, not both"),
        ("from=2024-13-01", "from: Input should be a valid date"),
        ("status=cancelled", "status.0: Input should be 'pending' or 'vacated'"),
        ("cursor=bm9wZQ", "cursor: cursor is not a cursor issued by this API"),
        ("limit=201", "limit: Input should be less than or equal to 200"),
    ],
)
async def test_bad_deadline_parameters_get_a_422_that_names_them(
    api: httpx.AsyncClient, query: str, words: str
) -> None:
    assert words in await refused(api, f"/api/deadlines?{query}")


async def test_a_milestone_cursor_is_not_a_deadline_cursor(api: httpx.AsyncClient) -> None:
    milestones = await ok(await api.get("/api/milestones", params={"limit": 1}))
    cursor = milestones["next_cursor"]
    assert cursor is not None
    assert "is not a deadlines cursor" in await refused(api, f"/api/deadlines?cursor={cursor}")


# --- /api/milestones --------------------------------------------------------------------------


async def test_milestones_newest_first_with_class_outcome_text_and_case(
    api: httpx.AsyncClient,
) -> None:
    body = await ok(await api.get("/api/milestones"))
    assert [
        (i["case_id"], i["document_number"], i["entry_class"], i["entry_outcome"], i["cites"])
        for i in body["items"]
    ] == [
        (ACME_ID, 41, "order_on_motion_to_dismiss", "granted", [30]),
        (ORBIT_ID, 31, "order_on_motion_to_dismiss", "granted_in_part", [20]),
    ]
    first = body["items"][0]
    assert (first["case_name"], first["case_status"], first["date"], first["type"]) == (
        "Smith v. Acme Widgets Inc.",
        "closed",
        "2024-06-28",
        "case.dismissed",
    )
    assert first["text"].startswith("ORDER granting 30 Motion to Dismiss")
    assert body["next_cursor"] is None


async def test_milestones_of_one_case_and_pages(api: httpx.AsyncClient) -> None:
    one = await ok(await api.get("/api/milestones", params={"case_id": ORBIT_ID}))
    assert [i["document_number"] for i in one["items"]] == [31]
    page = await ok(await api.get("/api/milestones", params={"limit": 1}))
    rest = await ok(
        await api.get("/api/milestones", params={"limit": 1, "cursor": page["next_cursor"]})
    )
    assert [i["case_id"] for i in page["items"] + rest["items"]] == [ACME_ID, ORBIT_ID]
    assert rest["next_cursor"] is None


@pytest.mark.parametrize(
    ("query", "words"),
    [
        (
            "entry_class=motion_to_dismiss",
            "entry_class: motion_to_dismiss is not a milestone class",
        ),
        ("entry_class=verdict", "entry_class.0: Input should be 'complaint'"),
        ("case_id=CAND:5:25-CV-709", "case_id: "),
        ("limit=0", "limit: Input should be greater than or equal to 1"),
        ("cursor=%%%", "cursor: cursor is not a cursor issued by this API"),
    ],
)
async def test_bad_milestone_parameters_get_a_422_that_names_them(
    api: httpx.AsyncClient, query: str, words: str
) -> None:
    assert words in await refused(api, f"/api/milestones?{query}")


# --- the timeline's entry classes ---------------------------------------------------------------


async def test_timeline_entries_carry_their_class_outcome_and_milestone_flag(
    api: httpx.AsyncClient,
) -> None:
    body = await ok(await api.get(f"/api/cases/{ORBIT_ID}/timeline"))
    assert [
        (i["document_number"], i["entry_class"], i["entry_outcome"], i["milestone"])
        for i in body["items"]
    ] == [
        (1, "complaint", None, False),
        (20, "motion_to_dismiss", None, False),
        (31, "order_on_motion_to_dismiss", "granted_in_part", True),
        (32, "other", None, False),
    ]
    assert body["items"][2]["cites"] == [20]


async def test_the_timeline_filters_by_repeated_entry_class(api: httpx.AsyncClient) -> None:
    body = await ok(
        await api.get(
            f"/api/cases/{ORBIT_ID}/timeline",
            params=[
                ("entry_class", "motion_to_dismiss"),
                ("entry_class", "order_on_motion_to_dismiss"),
            ],
        )
    )
    assert [i["document_number"] for i in body["items"]] == [20, 31]
    assert body["total"] == 2
    assert "entry_class.0: Input should be" in await refused(
        api, f"/api/cases/{ORBIT_ID}/timeline?entry_class=hearing"
    )


async def test_the_case_calendar_is_read_from_the_stored_calendar(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    body = await ok(await api.get(f"/api/cases/{REF_CASE_ID}/deadlines"))
    assert [(i["date"], i["status"]) for i in body["items"]] == [
        ("2025-04-22", "pending"),
        ("2025-05-06", "vacated"),
    ]
    across = await ok(
        await api.get("/api/deadlines", params={"from": "2025-04-22", "to": "2025-05-06"})
    )
    case_fields = ("case_id", "case_name", "court_id", "case_status")
    assert body["items"] == [
        {k: v for k, v in i.items() if k not in case_fields} for i in across["items"]
    ]


async def test_the_new_routes_are_documented(api: httpx.AsyncClient) -> None:
    spec = await ok(await api.get("/openapi.json"))
    deadlines = spec["paths"]["/api/deadlines"]["get"]
    assert {p["name"] for p in deadlines["parameters"]} >= {
        "from",
        "to",
        "days",
        "status",
        "cursor",
        "limit",
    }
    assert "closed case" in deadlines["description"]
    milestones = spec["paths"]["/api/milestones"]["get"]
    assert {p["name"] for p in milestones["parameters"]} >= {
        "case_id",
        "entry_class",
        "cursor",
        "limit",
    }
    timeline = spec["paths"]["/api/cases/{case_id}/timeline"]["get"]
    assert "entry_class" in {p["name"] for p in timeline["parameters"]}
