"""CloudEvents Kafka protocol binding: the record headers of ``docket.events`` and ``case.alerts``.

Every record on those two topics carries the CloudEvents *binary content mode*
headers (``ce_specversion``, ``ce_id``, ``ce_source``, ``ce_type``,
``ce_subject``, ``ce_time``, ``content-type``), and its value stays docketline's
own JSON envelope (the models in :mod:`schemas.events` / :mod:`schemas.alerts`,
whose fields carry the same attribute names).

Why binary mode and not structured mode
---------------------------------------
A structured-mode record (``content-type: application/cloudevents+json``) must be
a valid CloudEvents JSON document, and ours is not quite: ``schema_version`` is
not a legal extension attribute name (CloudEvents allows ``[a-z0-9]`` only). So
the records declare binary mode: ``content-type: application/json`` says the
value is the event *data*, and for a CloudEvents SDK that data is the whole
docketline envelope. Our own consumers keep reading the value as they always
have and may ignore the headers.

Invariants
----------
* The headers are a pure function of the envelope: the same event (or alert)
  gives byte-identical headers, whoever produces it (ingest, the worker, a
  rebuild), so a redelivered record is the same record.
* ``ce_id``, ``ce_source``, ``ce_type`` and ``ce_subject`` are the envelope's
  ``id``, ``source``, ``type`` and ``subject`` (the case id, also the record key).
* ``ce_time`` is the envelope's ``time`` when it has one. Several sources do not
  say when they published an entry (CourtListener docket JSON, JSONL files) and
  their envelopes carry ``time: null``; then ``ce_time`` is the day the
  occurrence happened at 00:00 UTC (the entry's ``date_filed``; an alert's
  ``data.date``). CloudEvents allows that ("MAY be set to some other time ...
  all producers for the same source MUST be consistent"): every producer here
  uses this function.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

from schemas.alerts import Alert
from schemas.codec import encode
from schemas.events import DocketEvent

Headers = list[tuple[str, bytes]]
"""Kafka record headers as aiokafka and faust take them: (name, UTF-8 bytes)."""

CONTENT_TYPE: Final = "application/json"
"""The value's media type; not ``application/cloudevents+json`` (that would claim structured mode)."""

HEADER_NAMES: Final = (
    "ce_specversion",
    "ce_id",
    "ce_source",
    "ce_type",
    "ce_subject",
    "ce_time",
    "content-type",
)


def rfc3339(t: dt.datetime) -> str:
    """``t`` as an RFC 3339 timestamp; a naive time is read as UTC (as the rest of docketline does)."""
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.UTC)
    s = t.isoformat()
    return s[:-6] + "Z" if s.endswith("+00:00") else s


def occurrence_time(message: DocketEvent | Alert) -> dt.datetime:
    """The envelope's ``time``, else its occurrence day at 00:00 UTC (see the module doc)."""
    if message.time is not None:
        return message.time
    day = message.data.date if isinstance(message, Alert) else message.data.entry.date_filed
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def ce_headers(message: DocketEvent | Alert) -> Headers:
    """The binary-mode CloudEvents headers of one record, in ``HEADER_NAMES`` order."""
    values = (
        message.specversion,
        message.id,
        message.source,
        message.type,
        message.subject,
        rfc3339(occurrence_time(message)),
        CONTENT_TYPE,
    )
    return [(name, value.encode("utf-8")) for name, value in zip(HEADER_NAMES, values, strict=True)]


def kafka_record(message: DocketEvent | Alert) -> tuple[bytes, bytes, Headers]:
    """(key, value, headers) of the record that carries ``message``: key = subject (the case id)."""
    return message.subject.encode("utf-8"), encode(message), ce_headers(message)
