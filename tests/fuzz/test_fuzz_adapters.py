"""Fuzz every ingest adapter: only its documented records or rejection type may come out.

The file adapters (NEF, PACER RSS, CourtListener docket JSON, JSONL) promise
that bad content never raises: every record is a ``Parsed`` event or a
``Rejected`` record with a reason and its raw bytes (``services.ingest.formats``).
The webhook path documents its errors: :class:`WebhookBodyError` for a body,
:class:`IdempotencyKeyError` for the header, :class:`CourtListenerResponseError`
for the API's answer; :func:`to_record` never raises.

An event an adapter does produce must survive the trip through the topic:
``decode_event(encode_event(e)) == e``, or the processor would dead-letter
what ingest published.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemas.codec import decode_event, encode_event
from services.ingest.adapters import courtlistener, jsonl, nef, pacer_rss
from services.ingest.common import SourceCase
from services.ingest.courtlistener_api import (
    CourtListenerResponseError,
    docket_from_api,
    parse_retry_after,
)
from services.ingest.courtlistener_webhook import (
    IdempotencyKeyError,
    WebhookBodyError,
    idempotency_key,
    parse_body,
    to_record,
)
from services.ingest.formats import FORMATS, detect
from services.ingest.records import Parsed, ParseResult, Rejected
from tests.fuzz import corpus
from tests.fuzz.budget import FUZZ, count_example


def _only_records(results: Iterable[ParseResult]) -> list[ParseResult]:
    """The adapter's contract, checked on every record it yields."""
    out = list(results)
    for r in out:
        assert isinstance(r, (Parsed, Rejected)), r
        if isinstance(r, Rejected):
            assert isinstance(r.reason, str) and r.reason.strip(), r
            assert r.raw is not None, f"{r.where}: rejected without its raw bytes"
        else:
            assert decode_event(encode_event(r.event)) == r.event, r.where
    return out


# --------------------------------------------------------------------------- file adapters


FILE_ADAPTERS = {
    "nef": (nef.parse, "nef", corpus.EMAIL_MUTATORS),
    "pacer-rss": (pacer_rss.parse, "rss", corpus.RSS_MUTATORS),
}


@pytest.mark.parametrize("fmt", FILE_ADAPTERS)
@FUZZ
@given(data=st.data())
def test_nef_and_rss_yield_only_records_for_mutated_real_files(
    fmt: str, data: st.DataObject
) -> None:
    count_example(fmt)
    parse, kind, mutators = FILE_ADAPTERS[fmt]
    name, raw = data.draw(corpus.mutated(kind, mutators), label="file")
    _only_records(parse(raw, name))


@FUZZ
@given(st.sampled_from(corpus.docket_seeds()).flatmap(corpus.mutated_json))
def test_courtlistener_yields_only_records_for_mutated_real_dockets(doc: object) -> None:
    count_example("courtlistener-json")
    _only_records(courtlistener.parse(json.dumps(doc).encode(), "docket.json"))


@FUZZ
@given(
    st.one_of(
        corpus.json_values.map(lambda v: json.dumps(v).encode()),
        corpus.mutated_seeds(corpus.docket_files(), corpus.BYTE_MUTATORS).map(lambda s: s[1]),
        st.integers(1, 100_000).map(corpus.deep_json),
    )
)
def test_courtlistener_yields_only_records_for_any_json_and_broken_bytes(data: bytes) -> None:
    count_example("courtlistener-bytes")
    _only_records(courtlistener.parse(data, "docket.json"))


def _jsonl_lines() -> list[object]:
    return [
        json.loads(line)
        for _, data in corpus.seeds("jsonl")
        for line in data.splitlines()
        if line.strip()
    ]


@FUZZ
@given(
    st.lists(st.sampled_from(_jsonl_lines()).flatmap(corpus.mutated_json), min_size=1, max_size=4),
    st.sampled_from([b"\n", b"\r\n"]),
)
def test_jsonl_yields_only_records_for_mutated_real_events(docs: list[object], sep: bytes) -> None:
    count_example("jsonl")
    data = sep.join(json.dumps(d).encode() for d in docs)
    results = _only_records(jsonl.parse(data, "events.jsonl"))
    assert len(results) == len(docs)  # one record per line, none dropped


@FUZZ
@given(
    st.one_of(
        st.binary(max_size=300),
        corpus.mutated("nef", corpus.BYTE_MUTATORS).map(lambda s: s[1]),
        corpus.mutated("rss", corpus.BYTE_MUTATORS).map(lambda s: s[1]),
        corpus.json_values.map(lambda v: json.dumps(v).encode()),
        st.integers(1, 100_000).map(corpus.deep_json),
    ),
    st.sampled_from(["", ".eml", ".txt", ".html", ".xml", ".json", ".jsonl", ".bin"]),
)
def test_format_detection_names_a_format_or_none(data: bytes, suffix: str) -> None:
    count_example("detect")
    assert detect(data, suffix) in (*FORMATS, None)


# --------------------------------------------------------------------------- webhook

_BODY = {
    "webhook": {"event_type": 1, "version": 2, "date_created": "2025-01-30T23:12:44Z"},
    "payload": {
        "results": [
            {
                "docket": 69603546,
                "entry_number": 12,
                "date_filed": "2025-01-30",
                "description": "NOTICE OF VOLUNTARY DISMISSAL WITHOUT PREJUDICE by Alessandro De La Torre",
                "pacer_sequence_number": 40,
                "id": 7,
                "recap_documents": [
                    {
                        "document_number": "12",
                        "attachment_number": None,
                        "description": "Notice of Voluntary Dismissal",
                        "pacer_doc_id": "035023456789",
                    }
                ],
            }
        ]
    },
}
_CASE = SourceCase(
    court_id="cand", docket_number="5:25-cv-00709-EJD", case_name="De La Torre v. LinkedIn"
)


@FUZZ
@given(
    st.one_of(
        corpus.mutated_json(_BODY, steps=4).map(lambda d: json.dumps(d).encode()),
        corpus.json_values.map(lambda v: json.dumps(v).encode()),
        st.binary(max_size=200),
        st.integers(1, 100_000).map(corpus.deep_json),
    ),
    st.one_of(
        st.just(_CASE),
        st.builds(
            SourceCase,
            court_id=st.one_of(
                st.none(), st.sampled_from(["cand", "CAND", "ca9", ""]), st.text(max_size=8)
            ),
            docket_number=st.one_of(st.none(), corpus.numbers, st.text(max_size=20)),
            date_filed=st.one_of(st.none(), corpus.dates),
        ),
    ),
)
def test_webhook_bodies_are_valid_or_a_webhook_body_error_and_entries_become_records(
    raw: bytes, case: SourceCase
) -> None:
    count_example("courtlistener-webhook")
    try:
        body = parse_body(raw)
    except WebhookBodyError as exc:
        assert exc.errors and str(exc)
        return
    for i, entry in enumerate(body.payload.results):
        _only_records([to_record(entry, case, where=f"webhook#{i}")])


@FUZZ
@given(st.one_of(st.none(), st.text(max_size=300)), st.binary(max_size=50))
def test_an_idempotency_key_is_a_key_or_an_idempotency_key_error(
    header: str | None, raw: bytes
) -> None:
    count_example("idempotency-key")
    try:
        key = idempotency_key(header, raw)
    except IdempotencyKeyError:
        return
    assert key and len(key) <= 255


@FUZZ
@given(
    st.one_of(
        corpus.mutated_json(
            {"id": 1, "court_id": "cand", "docket_number": "5:25-cv-00709", "case_name": "X v. Y"}
        ).map(lambda d: json.dumps(d).encode()),
        st.binary(max_size=100),
    ),
    st.one_of(st.none(), st.text(max_size=40), corpus.rfc822_dates, corpus.numbers),
)
def test_courtlistener_api_answers_are_a_docket_or_a_response_error(
    body: bytes, retry_after: str | None
) -> None:
    count_example("courtlistener-api")
    try:
        info = docket_from_api(1, body)
    except CourtListenerResponseError:
        pass
    else:
        assert info.court_id and info.docket_number
    delay = parse_retry_after(retry_after, 1_700_000_000.0)
    assert delay is None or delay >= 0
