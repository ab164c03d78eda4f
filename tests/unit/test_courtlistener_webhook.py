"""CourtListener docket-alert webhook bodies: validation, and entries -> docket events."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import orjson
import pytest

from services.ingest.common import SourceCase
from services.ingest.courtlistener_webhook import (
    IdempotencyKeyError,
    WebhookBodyError,
    body_digest,
    entry_from_json,
    entry_json,
    idempotency_key,
    main_document,
    parse_body,
    to_record,
)
from services.ingest.records import Parsed, Rejected
from tests.courtlistener_util import (
    COMPLAINT_TEXT,
    DISMISSAL_TEXT,
    REF_CASE_ID,
    REF_DOCKET,
    REF_DOCKET_ID,
    complaint_entry,
    dismissal_entry,
    webhook_body,
    webhook_bytes,
)

REF_CASE = SourceCase(
    court_id=REF_DOCKET["court_id"],
    docket_number=REF_DOCKET["docket_number"],
    case_name=REF_DOCKET["case_name"],
    nature_of_suit=REF_DOCKET["nature_of_suit"],
    cause=REF_DOCKET["cause"],
    jurisdiction=REF_DOCKET["jurisdiction_type"],
    date_filed=REF_DOCKET["date_filed"],
)


def _errors(raw: bytes) -> WebhookBodyError:
    with pytest.raises(WebhookBodyError) as info:
        parse_body(raw)
    return info.value


def _locs(err: WebhookBodyError) -> dict[str, str]:
    return {".".join(map(str, e["loc"])): e["msg"] for e in err.errors}


# --- valid bodies ------------------------------------------------------------------


def test_a_real_shaped_docket_alert_validates_with_every_entry_and_its_documents() -> None:
    body = parse_body(webhook_bytes(complaint_entry(), dismissal_entry()))
    assert body.webhook.event_type == 1 and body.webhook.version == 2
    first, second = body.payload.results
    assert (first.docket, first.entry_number, first.date_filed) == (
        REF_DOCKET_ID,
        1,
        dt.date(2025, 1, 21),
    )
    assert first.description == COMPLAINT_TEXT
    assert [d.attachment_number for d in first.recap_documents] == [None, 1, 2]
    assert second.entry_number == 12 and second.pacer_sequence_number == 41


def test_fields_courtlistener_adds_later_are_ignored_not_refused() -> None:
    entry = {**complaint_entry(), "new_field_2026": {"x": 1}}
    body = webhook_body(entry)
    body["webhook"]["another_new_field"] = True
    assert parse_body(orjson.dumps(body)).payload.results[0].entry_number == 1


def test_a_docket_given_as_its_api_url_is_read_as_its_id() -> None:
    entry = {
        **complaint_entry(),
        "docket": f"https://www.courtlistener.com/api/rest/v4/dockets/{REF_DOCKET_ID}/",
    }
    assert parse_body(webhook_bytes(entry)).payload.results[0].docket == REF_DOCKET_ID


def test_a_stored_entry_reads_back_as_the_same_entry() -> None:
    entry = parse_body(webhook_bytes(dismissal_entry())).payload.results[0]
    assert entry_from_json(entry_json(entry)) == entry


# --- bad bodies --------------------------------------------------------------------


def test_bytes_that_are_not_json_are_a_400_kind_of_error() -> None:
    err = _errors(b"event_type=1&docket=69603546")
    assert err.not_json
    assert "Invalid JSON" in str(err)
    assert err.errors[0]["loc"] == ["body"]


@pytest.mark.parametrize(
    ("body", "loc", "says"),
    [
        ([], "body", "valid dictionary|object"),
        ({"payload": {"results": [complaint_entry()]}}, "body.webhook", "Field required"),
        ({"webhook": {"event_type": 1}}, "body.payload", "Field required"),
        (webhook_body(), "body.payload.results", "at least 1 item"),
        (
            webhook_body(complaint_entry(), event_type=2),
            "body.webhook.event_type",
            r"event_type 2 \(search alert\) is not a docket alert",
        ),
        (
            webhook_body({k: v for k, v in complaint_entry().items() if k != "docket"}),
            "body.payload.results.0.docket",
            "Field required",
        ),
        (
            webhook_body(complaint_entry(), {**dismissal_entry(), "docket": "LinkedIn"}),
            "body.payload.results.1.docket",
            "valid integer",
        ),
        (
            webhook_body({**dismissal_entry(), "docket": -3}),
            "body.payload.results.0.docket",
            "greater than 0",
        ),
        (
            webhook_body({**dismissal_entry(), "date_filed": "2025-02-30"}),
            "body.payload.results.0.date_filed",
            "day value is outside",
        ),
        (
            webhook_body({**dismissal_entry(), "entry_number": "twelve"}),
            "body.payload.results.0.entry_number",
            "valid integer",
        ),
        (
            webhook_body({**dismissal_entry(), "recap_documents": {"document_number": "12"}}),
            "body.payload.results.0.recap_documents",
            "valid (list|array)",
        ),
    ],
    ids=[
        "list-not-object",
        "no-webhook",
        "no-payload",
        "no-results",
        "search-alert",
        "entry-without-docket",
        "docket-not-a-number",
        "negative-docket",
        "impossible-date",
        "entry-number-not-a-number",
        "documents-not-a-list",
    ],
)
def test_a_bad_body_is_refused_naming_where_and_why(body: Any, loc: str, says: str) -> None:
    err = _errors(orjson.dumps(body))
    assert not err.not_json
    locs = _locs(err)
    assert loc in locs, locs
    assert re.search(says, locs[loc]), locs[loc]
    assert loc in str(err)


# --- the idempotency key -------------------------------------------------------------


def test_the_header_is_the_key_and_without_it_the_body_digest_is() -> None:
    raw = webhook_bytes(complaint_entry())
    assert idempotency_key(" 3f1e0a5c-7a1d-4b8e-9d1c-2c6c1b0e9f11 ", raw) == (
        "3f1e0a5c-7a1d-4b8e-9d1c-2c6c1b0e9f11"
    )
    assert idempotency_key(None, raw) == "sha256:" + body_digest(raw)
    assert idempotency_key(None, raw) != idempotency_key(None, webhook_bytes(dismissal_entry()))


@pytest.mark.parametrize("header", ["", "   ", "has space", "x" * 256, "é"])
def test_an_unusable_idempotency_key_is_refused(header: str) -> None:
    with pytest.raises(IdempotencyKeyError):
        idempotency_key(header, b"{}")


# --- entries -> events ---------------------------------------------------------------


def _record(entry: dict[str, Any], case: SourceCase = REF_CASE) -> Parsed | Rejected:
    parsed = parse_body(webhook_bytes(entry)).payload.results[0]
    return to_record(parsed, case, where="delivery-1#0")


def test_the_complaint_opens_the_reference_case_keyed_by_its_entry_number() -> None:
    r = _record(complaint_entry())
    assert isinstance(r, Parsed), r
    e = r.event
    assert e.type == "case.filed"
    assert e.subject == REF_CASE_ID
    assert e.source == "docketline/ingest/courtlistener-webhook"
    assert e.data.entry.entry_key == f"{REF_CASE_ID}#1"
    assert e.data.entry.text == COMPLAINT_TEXT
    assert e.data.entry.event_name == "Complaint"  # the main document, not an attachment
    assert e.data.entry.text_is_stub is False
    assert e.data.entry.pacer_doc_id == "035025112340"  # attachment flag digit zeroed
    assert e.data.entry.pacer_seq_no == 1
    assert e.data.entry.source_ref == f"courtlistener:docket/{REF_DOCKET_ID}/entry/4105550001"
    assert e.data.case.case_name == "De La Torre v. LinkedIn Corporation"
    assert e.data.case.date_filed == dt.date(2025, 1, 21)
    assert e.data.class_action is True


def test_the_notice_of_voluntary_dismissal_closes_without_prejudice() -> None:
    r = _record(dismissal_entry())
    assert isinstance(r, Parsed), r
    e = r.event
    assert e.type == "case.dismissed"
    assert e.data.entry.entry_key == f"{REF_CASE_ID}#12"
    assert e.data.entry.date_filed == dt.date(2025, 1, 30)
    assert e.data.entry.text == DISMISSAL_TEXT
    assert (e.data.dismissal, e.data.prejudice, e.data.scope) == ("voluntary", "without", "whole")


def test_a_courtlistener_docket_number_with_judge_initials_is_the_same_case() -> None:
    case = SourceCase(court_id="CAND", docket_number="5:25-cv-709-EJD")
    r = _record(dismissal_entry(), case)
    assert isinstance(r, Parsed) and r.event.subject == REF_CASE_ID
    assert r.event.data.entry.entry_key == f"{REF_CASE_ID}#12"


def test_an_entry_known_only_by_its_short_description_is_a_stub() -> None:
    entry = {**dismissal_entry(), "description": ""}
    r = _record(entry)
    assert isinstance(r, Parsed), r
    assert r.event.data.entry.text == "Notice of Voluntary Dismissal"
    assert r.event.data.entry.text_is_stub is True
    assert r.event.type == "case.dismissed"
    assert r.event.data.prejudice == "unknown"  # only explicit text decides prejudice


def test_without_an_entry_number_the_main_documents_number_keys_the_entry() -> None:
    entry = {**dismissal_entry(), "entry_number": None}
    r = _record(entry)
    assert isinstance(r, Parsed) and r.event.data.entry.entry_key == f"{REF_CASE_ID}#12"


def test_an_unnumbered_minute_entry_is_keyed_by_date_and_sequence() -> None:
    entry = {
        **dismissal_entry(),
        "entry_number": None,
        "recap_documents": [],
        "description": "CLERK'S NOTICE re: case management conference.",
    }
    r = _record(entry)
    assert isinstance(r, Parsed), r
    assert r.event.data.entry.entry_key == f"{REF_CASE_ID}@2025-01-30/s41"
    assert r.event.data.entry.document_number is None


def test_main_document_is_the_one_without_attachment_number() -> None:
    entry = parse_body(webhook_bytes(complaint_entry())).payload.results[0]
    reordered = entry.model_copy(update={"recap_documents": entry.recap_documents[::-1]})
    main = main_document(reordered)
    assert main is not None and main.description == "Complaint"


@pytest.mark.parametrize(
    ("entry", "case", "reason"),
    [
        ({**dismissal_entry(), "date_filed": None}, REF_CASE, "entry date_filed: missing date"),
        (
            {**dismissal_entry(), "description": "", "recap_documents": []},
            REF_CASE,
            "no docket text",
        ),
        (
            dismissal_entry(),
            SourceCase(court_id="cand", docket_number="not a docket"),
            "docket number: unrecognisable 'not a docket'",
        ),
    ],
    ids=["no-date", "no-text", "bad-docket-number"],
)
def test_an_entry_the_shared_step_cannot_use_is_rejected_with_its_bytes(
    entry: dict[str, Any], case: SourceCase, reason: str
) -> None:
    r = _record(entry, case)
    assert isinstance(r, Rejected), r
    assert reason in r.reason
    assert r.where == "delivery-1#0"
    assert r.raw is not None and orjson.loads(r.raw)["docket"] == REF_DOCKET_ID


def test_the_openapi_document_describes_the_webhook_body_self_contained(tmp_path: Any) -> None:
    from services.api.app import create_app
    from services.settings import load_settings

    doc = create_app(load_settings(data_dir=tmp_path), start_feeder=False).openapi()
    post = doc["paths"]["/api/ingest/courtlistener"]["post"]
    schema = post["requestBody"]["content"]["application/json"]["schema"]
    assert "#/$defs/" not in orjson.dumps(doc).decode()
    entry = schema["properties"]["payload"]["properties"]["results"]["items"]
    assert {"docket", "entry_number", "date_filed", "description", "recap_documents"} <= set(
        entry["properties"]
    )
    assert set(post["responses"]) >= {"200", "202", "400", "401", "409", "422"}
