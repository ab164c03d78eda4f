"""The one step every adapter shares: source fields -> validated docket event.

Adapters only *read* their format (XML, e-mail, JSON) into a :class:`SourceEntry`
of raw strings and numbers. :func:`to_result` then does everything that must be
the same for every source, so one case seen through RSS, NEF and docket JSON is
one case with one set of entry keys:

* court id and docket number normalised with :mod:`services.core.docket_numbers`
  (``5:25-CV-709-EJD`` -> ``5:25-cv-00709``),
* dates parsed from the shapes the sources use (ISO, ``M/D/YYYY``),
* the entry key from :func:`services.core.ids.entry_key`,
* classification with :func:`services.core.classify.classify` and the event built
  with :func:`services.core.build.build_event`.

Any problem becomes a :class:`~services.ingest.records.Rejected` naming the
field and the value, never an exception: one bad entry must not stop a file.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

from pydantic import ValidationError

from schemas.events import MAX_DOCUMENT_NUMBER, MAX_SEQUENCE, CaseInfo, Entry
from services.core.build import build_event
from services.core.classify import CLASSIFIER_VERSION, classify
from services.core.docket_numbers import (
    DocketNumberError,
    normalise_court_id,
    normalise_docket_number,
)
from services.core.ids import entry_key
from services.ingest.records import Parsed, ParseResult, Rejected

SOURCE_PREFIX: Final = "docketline/ingest/"

DateLike = dt.date | str | None
IntLike = int | str | None

_US_DATE = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})\s*$")
_ISO_DATE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?$")
_DIGITS = re.compile(r"^\s*(\d+)\s*$")
_WS = re.compile(r"\s+")
_ECF_HOST = re.compile(r"^(?:ecf|pacer|ecf-train)\.([a-z0-9]+)\.uscourts\.gov$")
_DOC_LINK = re.compile(r"/docs?1/(\d+)")
_SEQ_PARAM = re.compile(r"[?&]de_seq_num=(\d{1,1000})")
"""At most 1,000 digits are read: int() of a longer run raises, and any run past 16 digits is out of
range anyway (``parse_int`` refuses it, naming the field)."""


class FieldError(ValueError):
    """A source field holds a value the shared step cannot use."""


@dataclass(frozen=True, slots=True)
class SourceCase:
    """Case header facts as the source gives them (not yet normalised)."""

    court_id: str | None
    docket_number: str | None
    case_name: str | None = None
    nature_of_suit: str | None = None
    cause: str | None = None
    jurisdiction: str | None = None
    date_filed: DateLike = None
    parties: tuple[str, ...] = ()
    class_action: bool | None = None


@dataclass(frozen=True, slots=True)
class SourceEntry:
    """One docket entry in the source's own words, plus where it came from."""

    case: SourceCase
    date_filed: DateLike
    text: str
    date_entered: DateLike = None
    document_number: IntLike = None
    event_name: str | None = None
    text_is_stub: bool = False
    pacer_doc_id: str | None = None
    pacer_seq_no: IntLike = None
    part: int | None = None
    """Separates several events reported for one docket entry (RSS ``A AND B``)."""
    identity_text: str | None = None
    """What identifies an entry with neither document nor sequence number (default: ``text``)."""
    source_ref: str | None = None


# --------------------------------------------------------------------------- values


def clean(value: object) -> str | None:
    """Whitespace-collapsed string, or ``None`` for missing/blank values."""
    if value is None:
        return None
    s = _WS.sub(" ", str(value)).strip()
    return s or None


def parse_date(value: DateLike, field: str) -> dt.date:
    """ISO (``2025-01-30``, ``2018-05-22T22:10:04+00:00``) or US (``1/30/2025``) date."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if value is None or not str(value).strip():
        raise FieldError(f"{field}: missing date")
    text = str(value)
    try:
        m = _ISO_DATE.match(text)
        if m:
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        m = _US_DATE.match(text)
        if m:
            year = int(m[3]) if len(m[3]) == 4 else 2000 + int(m[3])
            return dt.date(year, int(m[1]), int(m[2]))
    except ValueError as exc:
        raise FieldError(f"{field}: impossible date {text!r} ({exc})") from exc
    raise FieldError(f"{field}: unparsable date {text!r}")


def optional_date(value: DateLike, field: str) -> dt.date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return parse_date(value, field)


def parse_int(value: IntLike, field: str, maximum: int = MAX_DOCUMENT_NUMBER) -> int | None:
    """A document or sequence number: digits up to ``maximum`` (the contract's bound), or nothing.

    A number past the bound is refused here, naming the field, rather than
    published: every reader of the log must be able to store it (issue 12).
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    else:
        if not str(value).strip():
            return None
        m = _DIGITS.match(str(value))
        if not m:
            raise FieldError(f"{field}: not a number: {value!r}")
        digits = m[1].lstrip("0") or "0"
        if len(digits) > len(str(maximum)):  # never int() a 5,000-digit string
            raise FieldError(f"{field}: {_shorten(digits)} is out of range (at most {maximum})")
        number = int(digits)
    if number < 0:
        raise FieldError(f"{field}: negative number {number}")
    if number > maximum:
        raise FieldError(f"{field}: {_shorten(str(number))} is out of range (at most {maximum})")
    return number


def _shorten(digits: str) -> str:
    return digits if len(digits) <= 30 else f"{digits[:12]}...({len(digits)} digits)"


def court_from_url(url: str | None) -> str | None:
    """``https://ecf.cand.uscourts.gov/cgi-bin/...`` -> ``cand`` (None if not a court host)."""
    if not url:
        return None
    host = (urlsplit(url.strip()).hostname or "").lower()
    m = _ECF_HOST.match(host)
    return m[1] if m else None


def document_link(url: str | None) -> tuple[str | None, int | None]:
    """(PACER doc id, PACER sequence number) of a CM/ECF document link (``/doc1/<id>?...&de_seq_num=N``)."""
    doc = _DOC_LINK.search(url or "")
    seq = _SEQ_PARAM.search(url or "")
    return (doc[1] if doc else None), (int(seq[1]) if seq else None)


def normalise_pacer_doc_id(doc_id: str | None) -> str | None:
    """PACER doc ids carry a 'show attachments' flag in their fourth digit; zero it.

    ``20119112678`` and ``20109112678`` name the same document (docket JSON uses
    the zeroed form), so every source stores the zeroed one.
    """
    if not doc_id or not doc_id.isdigit():
        return doc_id or None
    return doc_id[:3] + "0" + doc_id[4:] if len(doc_id) > 4 else doc_id


def case_id_of(court_id: str | None, docket_number: str | None) -> tuple[str, str, str]:
    """(court, canonical docket number, case_id), or :class:`FieldError` saying which half is wrong."""
    if not court_id or not court_id.strip():
        raise FieldError("court id: missing")
    if not docket_number or not docket_number.strip():
        raise FieldError("docket number: missing")
    try:
        court = normalise_court_id(court_id)
    except DocketNumberError as exc:
        raise FieldError(f"court id: unrecognisable {court_id!r}") from exc
    try:
        number = normalise_docket_number(docket_number)
    except DocketNumberError as exc:
        raise FieldError(f"docket number: unrecognisable {docket_number.strip()!r}") from exc
    return court, number, f"{court}:{number}"


# --------------------------------------------------------------------------- the step


def to_result(
    se: SourceEntry,
    *,
    source: str,
    where: str,
    raw: bytes | None,
    time: dt.datetime | None = None,
) -> ParseResult:
    """Normalise, identify, classify and build one event; reject with a reason instead of raising.

    ``source`` is the adapter's short name (``pacer-rss``); the event's
    ``source`` attribute becomes ``docketline/ingest/<source>``.
    """
    try:
        court, number, case_id = case_id_of(se.case.court_id, se.case.docket_number)
        date_filed = parse_date(se.date_filed, "entry date_filed")
        text = (se.text or "").strip()
        event_name = clean(se.event_name)
        if not text:
            raise FieldError("entry has no docket text and no event name")
        document_number = parse_int(se.document_number, "document number")
        pacer_seq_no = parse_int(se.pacer_seq_no, "pacer_seq_no", MAX_SEQUENCE)
        case = CaseInfo(
            court_id=court,
            docket_number=number,
            case_name=clean(se.case.case_name),
            nature_of_suit=clean(se.case.nature_of_suit),
            cause=clean(se.case.cause),
            jurisdiction=clean(se.case.jurisdiction),
            date_filed=optional_date(se.case.date_filed, "case date_filed"),
            parties=se.case.parties,
            class_action=se.case.class_action,
        )
        entry = Entry(
            entry_key=entry_key(
                case_id,
                document_number=document_number,
                date_filed=date_filed,
                pacer_seq_no=pacer_seq_no,
                text=se.identity_text or text,
                part=se.part,
            ),
            date_filed=date_filed,
            date_entered=optional_date(se.date_entered, "entry date_entered"),
            document_number=document_number,
            sequence=pacer_seq_no,
            text=text,
            event_name=event_name,
            text_is_stub=se.text_is_stub,
            pacer_doc_id=normalise_pacer_doc_id(clean(se.pacer_doc_id)),
            pacer_seq_no=pacer_seq_no,
            source_ref=se.source_ref,
        )
    except FieldError as exc:
        return Rejected(where, str(exc), raw)
    except ValidationError as exc:
        return Rejected(where, "invalid entry: " + _describe(exc), raw)
    try:
        classification = classify(entry.text, entry.event_name, entry.document_number)
    except Exception as exc:  # noqa: BLE001 - a classifier bug must not stop the run
        # Kept, not dropped: the record goes to the rejected report with its raw
        # bytes and the error, so a fixed classifier can re-ingest it.
        return Rejected(where, f"classifier failed: {type(exc).__name__}: {exc}", raw)
    try:
        event = build_event(
            case,
            entry,
            classification,
            source=SOURCE_PREFIX + source,
            classifier_version=CLASSIFIER_VERSION,
            time=time,
        )
    except ValidationError as exc:
        return Rejected(where, "event does not validate: " + _describe(exc), raw)
    return Parsed(event, where)


def _describe(exc: ValidationError) -> str:
    errors = exc.errors(include_url=False)
    parts = [f"{'.'.join(str(p) for p in e['loc']) or '<value>'}: {e['msg']}" for e in errors[:3]]
    more = len(errors) - len(parts)
    return "; ".join(parts) + (f" (+{more} more)" if more > 0 else "")
