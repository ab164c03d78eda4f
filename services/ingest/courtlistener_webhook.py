"""CourtListener docket-alert webhooks: the body, validated, and its entries as records.

CourtListener POSTs one body per docket-alert delivery::

    {"webhook": {"event_type": 1, "version": 2, "date_created": "..."},
     "payload": {"results": [{"docket": 69603546, "entry_number": 12,
                              "date_filed": "2025-01-30", "description": "...",
                              "recap_documents": [{"document_number": "12",
                                                   "attachment_number": null,
                                                   "description": "...",
                                                   "pacer_doc_id": "..."}]}]}}

and sends an ``Idempotency-Key`` header that stays the same when it retries a
delivery. A docket-alert entry names its docket by CourtListener's numeric id
only; court and docket number come from CourtListener's REST API
(:mod:`services.ingest.courtlistener_api`). So the path is split in two pure
halves around that lookup:

* :func:`parse_body` validates the bytes (pydantic, one module-level
  ``TypeAdapter``) and raises :class:`WebhookBodyError` with every problem's
  location; nothing of an invalid body is kept or published.
* :func:`to_record` turns one validated entry plus its docket header (a
  :class:`~services.ingest.common.SourceCase`) into a record through the shared
  step :func:`~services.ingest.common.to_result`, so entry keys and case ids are
  the ones every other source produces (entry keyed by its number,
  ``cand:5:25-cv-00709#12``).

CourtListener adds fields over time; unknown fields are ignored rather than
refused (``extra="ignore"``), so a new CourtListener release does not turn
into rejected deliveries. Only the fields read here are validated.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Sequence
from typing import Annotated, Any, Final

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
)

from services.ingest.common import SourceCase, SourceEntry, clean, to_result
from services.ingest.records import ParseResult

SOURCE: Final = "courtlistener-webhook"
"""Adapter name: events carry ``source = docketline/ingest/courtlistener-webhook``."""

EVENT_TYPE_DOCKET_ALERT: Final = 1
EVENT_TYPE_NAMES: Final = {
    1: "docket alert",
    2: "search alert",
    3: "old docket alerts report",
    4: "RECAP fetch",
    5: "pray and pay",
}
"""CourtListener's webhook event types; only docket alerts carry docket entries."""

MAX_KEY_LENGTH: Final = 255
_KEY_CHARS = re.compile(r"^[\x21-\x7e]+$")  # printable ASCII, no spaces
_DOCKET_URL = re.compile(r"/dockets/(\d+)/?$")


class WebhookBodyError(ValueError):
    """The body is not a CourtListener docket-alert webhook.

    ``errors`` lists each problem as ``{"loc": [...], "msg": ..., "type": ...}``
    with ``loc`` starting at ``"body"``, the shape FastAPI uses for 422s.
    """

    def __init__(self, message: str, errors: Sequence[dict[str, Any]]) -> None:
        super().__init__(message)
        self.errors = list(errors)

    @property
    def not_json(self) -> bool:
        """The bytes are not JSON at all (a 400), rather than JSON of the wrong shape (a 422)."""
        return any(e["type"] == "json_invalid" for e in self.errors)


class IdempotencyKeyError(ValueError):
    """The ``Idempotency-Key`` header cannot be stored as a key."""


# --------------------------------------------------------------------------- the body


def _docket_id(value: object) -> object:
    """CourtListener's docket id: an int (``69603546``), its digits, or its API URL."""
    if isinstance(value, str):
        m = _DOCKET_URL.search(value.strip())
        if m:
            return int(m[1])
    return value


class _Incoming(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", str_strip_whitespace=True)


class WebhookMeta(_Incoming):
    """The ``webhook`` object: which kind of event this is."""

    event_type: int
    version: int | None = None
    date_created: dt.datetime | None = None

    @field_validator("event_type")
    @classmethod
    def _docket_alerts_only(cls, v: int) -> int:
        if v != EVENT_TYPE_DOCKET_ALERT:
            name = EVENT_TYPE_NAMES.get(v, "unknown event type")
            raise ValueError(
                f"event_type {v} ({name}) is not a docket alert; only event_type "
                f"{EVENT_TYPE_DOCKET_ALERT} (docket alert) carries docket entries"
            )
        return v


class RecapDocument(_Incoming):
    """A document of the entry; the main one (no attachment number) names the filing."""

    document_number: str | None = None
    attachment_number: int | None = None
    description: str | None = None
    pacer_doc_id: str | None = None

    @field_validator("document_number", mode="before")
    @classmethod
    def _number_as_text(cls, v: object) -> object:
        return str(v) if isinstance(v, int) and not isinstance(v, bool) else v


class WebhookEntry(_Incoming):
    """One docket entry of a docket alert (CourtListener's ``DocketEntry`` fields)."""

    docket: Annotated[int, BeforeValidator(_docket_id), Field(gt=0)]
    entry_number: int | None = Field(default=None, ge=0)
    date_filed: dt.date | None = None
    description: str | None = None
    short_description: str | None = None
    pacer_sequence_number: int | None = Field(default=None, ge=0)
    id: int | None = None
    recap_documents: list[RecapDocument] = Field(default_factory=list)


class WebhookPayload(_Incoming):
    results: list[WebhookEntry] = Field(min_length=1)


class WebhookBody(_Incoming):
    """A docket-alert delivery: what ``POST /api/ingest/courtlistener`` accepts."""

    webhook: WebhookMeta
    payload: WebhookPayload


_BODY: Final = TypeAdapter(WebhookBody)
_ENTRY: Final = TypeAdapter(WebhookEntry)


def parse_body(raw: bytes) -> WebhookBody:
    """Validate a webhook body; :class:`WebhookBodyError` names every problem and where."""
    try:
        return _BODY.validate_json(raw)
    except ValidationError as exc:
        errors = [
            {"loc": ["body", *e["loc"]], "msg": e["msg"], "type": e["type"]}
            for e in exc.errors(include_url=False, include_input=False)
        ]
        raise WebhookBodyError(describe(errors), errors) from exc


def describe(errors: Sequence[dict[str, Any]]) -> str:
    """``body.payload.results.0.docket: Field required; ...`` (first three, then a count)."""
    parts = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors[:3]]
    more = len(errors) - len(parts)
    return "; ".join(parts) + (f" (+{more} more)" if more > 0 else "")


def entry_json(entry: WebhookEntry) -> bytes:
    """The entry as stored in the inbox (only the fields read here, validated)."""
    return entry.model_dump_json(exclude_none=True).encode("utf-8")


def entry_from_json(raw: bytes) -> WebhookEntry:
    """Inverse of :func:`entry_json` (raises ``ValidationError`` on a corrupted row)."""
    return _ENTRY.validate_json(raw)


def body_digest(raw: bytes) -> str:
    """SHA-256 of the body: tells a redelivery from a different body under the same key."""
    return hashlib.sha256(raw).hexdigest()


def idempotency_key(header: str | None, raw: bytes) -> str:
    """The delivery's key: the ``Idempotency-Key`` header, or ``sha256:<digest>`` of the body.

    CourtListener always sends the header and reuses it on retries; a manual
    ``curl`` without one is still deduplicated when it repeats the same bytes.
    """
    if header is None:
        return "sha256:" + body_digest(raw)
    key = header.strip()
    if not key:
        raise IdempotencyKeyError("Idempotency-Key header is empty")
    if len(key) > MAX_KEY_LENGTH:
        raise IdempotencyKeyError(f"Idempotency-Key is longer than {MAX_KEY_LENGTH} characters")
    if not _KEY_CHARS.match(key):
        raise IdempotencyKeyError("Idempotency-Key must be printable ASCII without spaces")
    return key


# --------------------------------------------------------------------------- entries -> records


def main_document(entry: WebhookEntry) -> RecapDocument | None:
    """The entry's main document (no attachment number), else its first document."""
    for doc in entry.recap_documents:
        if not doc.attachment_number:
            return doc
    return entry.recap_documents[0] if entry.recap_documents else None


def source_entry(entry: WebhookEntry, case: SourceCase) -> SourceEntry:
    """The entry in the shared step's terms.

    ``description`` is the clerk's full docket text; the main document's
    ``description`` (or ``short_description``) is the short event name, which
    becomes the text, marked as a stub, when the full text is missing (entries
    CourtListener learned from an RSS feed). The document number is
    ``entry_number``, falling back to the main document's number.
    """
    main = main_document(entry)
    text = clean(entry.description)
    short = clean(entry.short_description) or (clean(main.description) if main else None)
    number: int | str | None = entry.entry_number
    if number is None and main is not None:
        number = main.document_number
    ref = f"courtlistener:docket/{entry.docket}"
    ref += (
        f"/entry/{entry.id}"
        if entry.id is not None
        else f"#{number if number is not None else '-'}"
    )
    return SourceEntry(
        case=case,
        date_filed=entry.date_filed,
        text=text or short or "",
        event_name=short,
        text_is_stub=text is None and short is not None,
        document_number=number,
        pacer_doc_id=main.pacer_doc_id if main else None,
        pacer_seq_no=entry.pacer_sequence_number,
        source_ref=ref,
    )


def to_record(
    entry: WebhookEntry, case: SourceCase, *, where: str, raw: bytes | None = None
) -> ParseResult:
    """One entry -> a ``Parsed`` event or a ``Rejected`` record with the reason (never raises)."""
    return to_result(
        source_entry(entry, case),
        source=SOURCE,
        where=where,
        raw=raw if raw is not None else entry_json(entry),
    )
