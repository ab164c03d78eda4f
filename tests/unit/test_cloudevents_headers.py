"""The CloudEvents binary-mode headers are the envelope's attributes, for events and alerts."""

from __future__ import annotations

import datetime as dt

from schemas.cloudevents import CONTENT_TYPE, HEADER_NAMES, ce_headers, kafka_record
from schemas.codec import encode
from services.core.detect import detect
from services.core.evolve import evolve
from tests.unit.core_builders import complaint, dismissal


def _as_dict(headers: list[tuple[str, bytes]]) -> dict[str, str]:
    return {name: value.decode() for name, value in headers}


def test_event_headers_carry_the_envelope_attributes_in_binding_order() -> None:
    event = complaint()
    headers = ce_headers(event)
    assert [name for name, _ in headers] == list(HEADER_NAMES)
    h = _as_dict(headers)
    assert h["ce_specversion"] == "1.0"
    assert (h["ce_id"], h["ce_source"], h["ce_type"], h["ce_subject"]) == (
        event.id,
        event.source,
        event.type,
        event.subject,
    )
    assert h["content-type"] == CONTENT_TYPE == "application/json"


def test_a_published_time_is_ce_time_in_rfc3339() -> None:
    at = dt.datetime(2025, 1, 21, 17, 4, 5, tzinfo=dt.UTC)
    assert _as_dict(ce_headers(complaint().model_copy(update={"time": at})))["ce_time"] == (
        "2025-01-21T17:04:05Z"
    )
    eastern = dt.datetime(2025, 1, 21, 12, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    h = _as_dict(ce_headers(complaint().model_copy(update={"time": eastern})))
    assert h["ce_time"] == "2025-01-21T12:04:05-05:00"
    naive = dt.datetime(2025, 1, 21, 17, 4, 5)
    assert _as_dict(ce_headers(complaint().model_copy(update={"time": naive})))["ce_time"] == (
        "2025-01-21T17:04:05Z"
    )


def test_without_a_published_time_ce_time_is_the_filing_day_at_midnight_utc() -> None:
    event = complaint().model_copy(update={"time": None})
    day = event.data.entry.date_filed
    assert _as_dict(ce_headers(event))["ce_time"] == f"{day.isoformat()}T00:00:00Z"


def test_alert_headers_carry_the_alert_envelope() -> None:
    c, d = complaint(), dismissal()
    s1 = evolve(None, c)
    (alert,) = detect(s1, evolve(s1, d), d)
    h = _as_dict(ce_headers(alert))
    assert (h["ce_id"], h["ce_source"], h["ce_type"], h["ce_subject"]) == (
        alert.id,
        alert.source,
        alert.type,
        alert.subject,
    )
    expected = (
        alert.time.isoformat().replace("+00:00", "Z")
        if alert.time is not None
        else f"{alert.data.date.isoformat()}T00:00:00Z"
    )
    assert h["ce_time"] == expected
    key, value, headers = kafka_record(alert)
    assert (key, value, headers) == (alert.subject.encode(), encode(alert), ce_headers(alert))


def test_the_same_event_gives_the_same_headers() -> None:
    assert ce_headers(complaint()) == ce_headers(complaint())
