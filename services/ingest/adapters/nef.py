"""PACER Notices of Electronic Filing: the e-mail CM/ECF sends for every filing.

Input is an RFC 822 message (read with the stdlib :mod:`email` package; text
and HTML bodies, forwarded copies included) or a bare NEF HTML page. The
notice reads, in either rendering::

    Notice of Electronic Filing
    The following transaction was entered by X on 1/30/2025 at 3:12 PM PST and filed on 1/30/2025
    Case Name:       De La Torre v. LinkedIn Corporation
    Case Number:     5:25-cv-00709-EJD        (link: https://ecf.cand.uscourts.gov/cgi-bin/DktRpt.pl?...)
    Filer:           Alessandro De La Torre
    Document Number: 12                        (link: .../doc1/035...?caseid=...&de_seq_num=...)
    Docket Text:     NOTICE OF VOLUNTARY DISMISSAL WITHOUT PREJUDICE by ...

A notice filed in several cases repeats the case block; the docket text is
either given per case or once after all of them (bankruptcy adversary closings).
Each case block becomes one event carrying the clerk's full docket text, so it
refines an RSS stub of the same document (same entry key).

* court id: the CM/ECF host of the case link (``ecf.cand.uscourts.gov``), then
  any CM/ECF link in the notice, then the ``Message-ID`` / ``From`` domain;
* dates: ``filed on`` is the entry's filing date, ``entered on`` its entry date;
* ``time``: the ``entered on ... at ...`` instant (court time zone), else the
  e-mail's ``Date`` header;
* event name: the subject's trailing event name (``Activity in Case <no> <case
  name> <event>`` and the bankruptcy variants), best effort.

Messages that are not notices (clerk correspondence, calendar invitations,
proof-of-claim receipts) and edit notices without a filing date are rejected
with the reason.

Malformed messages: the stdlib :mod:`email` package parses headers lazily and,
on hostile values, raises whatever its parser trips on (``Message-ID: <>`` an
IndexError, ``Sender: :;:;:;<@>`` an AttributeError, a ``Date`` in year
99999999999 an OverflowError, 3,000 nested multiparts a RecursionError). Every
call into it goes through one boundary that turns those into
:class:`MalformedMessage`, and :func:`parse` yields that as a rejected record
naming the header, raw bytes kept: one hostile e-mail never stops a run.
"""

from __future__ import annotations

import datetime as dt
import email
import email.errors
import email.policy
import email.utils
import re
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage, Message
from html.parser import HTMLParser

from services.ingest.common import (
    SourceCase,
    SourceEntry,
    clean,
    court_from_url,
    document_link,
    to_result,
)
from services.ingest.courts import court_zone
from services.ingest.records import ParseResult, Rejected

FORMAT = "nef"

MARK_OPEN, MARK_CLOSE = "\x01", "\x02"
"""Link targets are kept in the text as ``\\x01url\\x02`` right after the anchor text."""

_NEF = re.compile(r"Notice\s+of\s+(?:Electronic|Bankruptcy\s+Case)\s+Filing", re.IGNORECASE)
_LABEL = re.compile(  # at a line start, so the words inside docket text never split it
    r"^[ \t]*(Case Name|Chapter|Case Number|Filer|Document Number|Docket Text)[ \t]*:",
    re.IGNORECASE | re.MULTILINE,
)
_END_OF_TEXT = re.compile(
    r"\n[^\n]*?\bNotice\s+(?:has|will)(?:\s+not)?\s+(?:been|be)\b"
    r"|The following document\(s\) (?:are|is) associated",
    re.IGNORECASE,
)
_ENTERED = re.compile(
    r"\bentered\b.{0,120}?\bon\s+(?P<date>\d{1,2}/\d{1,2}/\d{2,4})"
    r"(?:\s+(?:at\s+)?(?P<time>\d{1,2}:\d{2})\s*(?P<ampm>[AP]M))?(?:\s+(?P<tz>[A-Z]{2,4}))?",
    re.IGNORECASE | re.DOTALL,
)
_FILED = re.compile(r"\bfiled\s+on\s+(\d{1,2}/\d{1,2}/\d{2,4})", re.IGNORECASE)
_URL = re.compile(r"https?://[^\s\x01\x02\"'<>]+")
_MARKED = re.compile(f"{MARK_OPEN}[^{MARK_CLOSE}]*{MARK_CLOSE}")
_TAG = re.compile(r"</?[a-zA-Z][^<>]*>")
_WS = re.compile(r"\s+")
_LEADING_INT = re.compile(r"^\s*(\d{1,7})\b")
_COURT_PREFIX = re.compile(r"^[A-Z]{2,4}/(?=\S)")
_DOMAIN_COURT = re.compile(r"@([a-z0-9]+)\.uscourts\.gov\b", re.IGNORECASE)
_HEADER_LINE = re.compile(
    rb"^(?:From |[A-Za-z][A-Za-z0-9-]*:[ \t])"
)  # header, or an mbox "From " line
_UTC_OFFSETS = {
    "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
    "AKST": -9, "AKDT": -8, "HST": -10, "AST": -4, "CHST": 10,
}  # fmt: skip


_EMAIL_ERRORS: tuple[type[BaseException], ...] = (
    email.errors.MessageError,
    LookupError,  # IndexError in the header parser, unknown charsets
    ValueError,  # UnicodeError included
    TypeError,
    AttributeError,
    OverflowError,
    RecursionError,  # deeply nested multiparts
)
"""What the :mod:`email` package raises on malformed input (seen in tests and the fuzz harness)."""

_HEADERS = ("Subject", "Message-ID", "From", "Sender", "Reply-To", "Date")
"""Every header the adapter reads; all are read up front, so a malformed one rejects the message."""


class MalformedMessage(ValueError):
    """The e-mail library could not read the message, a header or a part; the text says which."""


@dataclass(frozen=True, slots=True)
class _Message:
    """What the adapter needs of an e-mail, read through the boundary (``None`` for a page)."""

    body: str | None
    subject: str | None
    message_id: str | None
    court: str | None
    """The court of the ``Message-ID`` / ``From`` / ``Sender`` / ``Reply-To`` domain."""
    date: dt.datetime | None


@dataclass(frozen=True, slots=True)
class _Block:
    raw_number: str | None
    case_name: str | None
    docket_number: str | None
    urls: tuple[str, ...]
    document_number: int | None
    doc_url: str | None
    docket_text: str | None


def parse(data: bytes, name: str) -> Iterator[ParseResult]:
    """One event per case block; ``where`` is ``name`` (``name#case-N`` for multi-case notices)."""
    try:
        message = _read(data)
    except MalformedMessage as exc:
        yield Rejected(name, str(exc), data)
        return
    body, subject = message.body, message.subject
    title = _NEF.search(body) if body is not None else None
    if body is None or title is None:
        yield Rejected(name, f"not a Notice of Electronic Filing (subject: {subject!r})", data)
        return
    body = body[title.end() :]
    first_case = _LABEL.search(body)
    header = body[: first_case.start()] if first_case else body
    filed = _FILED.search(header)
    if not filed:
        what = (
            "docket-entry edit notice"
            if re.search(r"\bedited\b", header, re.IGNORECASE)
            else "notice"
        )
        yield Rejected(name, f"{what} without a 'filed on' date: no filing date", data)
        return
    blocks = _blocks(body)
    if not blocks:
        yield Rejected(name, "notice has no Case Name / Case Number block", data)
        return
    entered = _ENTERED.search(header)
    notice_court = next((c for u in _URL.findall(body) if (c := court_from_url(u))), None)
    event_name = _event_name(subject, [b.case_name for b in blocks], [b.raw_number for b in blocks])
    for i, block in enumerate(blocks, start=1):
        where = name if len(blocks) == 1 else f"{name}#case-{i}"
        court = next((c for u in block.urls if (c := court_from_url(u))), None)
        court = court or notice_court or message.court
        if not court:
            yield Rejected(
                where, "court unknown: no CM/ECF link or uscourts.gov sender in the notice", data
            )
            continue
        if block.docket_text is None:
            yield Rejected(where, "notice has no Docket Text for this case", data)
            continue
        try:
            when = _entered_at(entered, court) or message.date
        except MalformedMessage as exc:
            yield Rejected(where, str(exc), data)
            continue
        doc_id, seq = document_link(block.doc_url)
        yield to_result(
            SourceEntry(
                case=SourceCase(
                    court_id=court, docket_number=block.docket_number, case_name=block.case_name
                ),
                date_filed=filed[1],
                date_entered=entered["date"] if entered else None,
                text=block.docket_text,
                event_name=event_name,
                document_number=block.document_number,
                pacer_doc_id=doc_id,
                pacer_seq_no=seq,
                source_ref=message.message_id or name,
            ),
            source=FORMAT,
            where=where,
            raw=data,
            time=when,
        )


# --------------------------------------------------------------------------- the e-mail boundary


def _read(data: bytes) -> _Message:
    """The message's notice text and headers; :class:`MalformedMessage` when the library fails."""
    if not _HEADER_LINE.match(data.lstrip()[:200]):
        page = _as_text(data.decode("utf-8", errors="replace"), html=True)
        return _Message(page, subject=None, message_id=None, court=None, date=None)
    try:
        message = email.message_from_bytes(data, policy=email.policy.default)
    except _EMAIL_ERRORS as exc:
        raise MalformedMessage(f"unreadable e-mail: {_failure(exc)}") from exc
    headers = {name: _header(message, name) for name in _HEADERS}
    try:
        body = _notice_body(message)
    except _EMAIL_ERRORS as exc:
        raise MalformedMessage(f"unreadable e-mail body: {_failure(exc)}") from exc
    return _Message(
        body=body,
        subject=clean(headers["Subject"]),
        message_id=clean(headers["Message-ID"]),
        court=_message_court(headers),
        date=_date_header(headers["Date"]),
    )


def _header(message: Message, name: str) -> str:
    """The header's text ("" when absent), read through the boundary."""
    try:
        value = message.get(name)
        return "" if value is None else str(value)
    except _EMAIL_ERRORS as exc:
        raise MalformedMessage(f"malformed {name} header: {_failure(exc)}") from exc


def _failure(exc: BaseException) -> str:
    if isinstance(exc, RecursionError):
        return "parts nested too deeply (RecursionError)"
    return f"{type(exc).__name__}: {exc}"


# --------------------------------------------------------------------------- body


def _notice_body(message: Message) -> str | None:
    """Text of the part that holds the notice (HTML preferred: it keeps the links)."""
    found: dict[str, str] = {}
    for part in message.walk():
        ctype = part.get_content_type()
        if (
            ctype not in ("text/html", "text/plain")
            or part.get_content_disposition() == "attachment"
        ):
            continue
        text = _decoded(part)
        if text and _NEF.search(text) and ctype not in found:
            found[ctype] = text
    if "text/html" in found:
        return _as_text(found["text/html"], html=True)
    if "text/plain" in found:
        return _as_text(found["text/plain"], html=False)
    return None


def _decoded(part: Message) -> str:
    """The part's text; undeclared 8-bit charsets (``§`` in a us-ascii part) read as cp1252."""
    try:
        if isinstance(part, EmailMessage):
            content = part.get_content()
            if isinstance(content, str) and "\ufffd" not in content:
                return content
    except (LookupError, UnicodeError, KeyError):
        pass
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return str(part.get_payload())
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError:
        return payload.decode("cp1252", errors="replace")


class _TextExtractor(HTMLParser):
    """Visible text with block elements as line breaks and link targets kept as markers."""

    _BLOCK = frozenset(
        [
            "br",
            "p",
            "div",
            "tr",
            "table",
            "li",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "ul",
            "ol",
            "blockquote",
        ]
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self._href: list[str | None] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in self._BLOCK:
            self.out.append("\n")
        elif tag == "td":
            self.out.append(" ")
        elif tag == "a":
            self._href.append(dict(attrs).get("href"))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag in ("p", "div", "tr", "table", "li"):
            self.out.append("\n")
        elif tag == "a" and self._href:
            href = self._href.pop()
            if href and href.startswith("http"):
                self.out.append(f"{MARK_OPEN}{href.strip()}{MARK_CLOSE}")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.out.append(_WS.sub(" ", data.replace("\xa0", " ")))


def _as_text(body: str, *, html: bool) -> str:
    if not html:
        return body.replace("\r\n", "\n").replace("\xa0", " ")
    parser = _TextExtractor()
    parser.feed(body)
    parser.close()
    text = "".join(parser.out)
    return re.sub(r"[ \t]*\n[ \t]*", "\n", text)


def _blocks(body: str) -> list[_Block]:
    """The case blocks, each with the fields that follow its ``Case Name:``."""
    labels = list(_LABEL.finditer(body))
    raw_blocks: list[dict[str, str]] = []
    for i, m in enumerate(labels):
        label = m[1].lower()
        end = labels[i + 1].start() if i + 1 < len(labels) else len(body)
        value = body[m.end() : end]
        if label == "case name" or not raw_blocks:
            raw_blocks.append({})
        raw_blocks[-1].setdefault(label, value)
    # a docket text given once after several case blocks belongs to each of them
    shared: str | None = None
    for fields in reversed(raw_blocks):
        if "docket text" in fields:
            shared = fields["docket text"]
        elif shared is not None:
            fields["docket text"] = shared
    return [_block(fields) for fields in raw_blocks]


def _block(fields: dict[str, str]) -> _Block:
    number_field = fields.get("case number", "")
    urls = tuple(_URL.findall(number_field))
    # the number is what precedes its link ("MDL No. 2967", "5:25-cv-00709-EJD"),
    # on the field's first line ("WARNING: CASE CLOSED on ..." may follow)
    before_link = re.split(f"{MARK_OPEN}|https?://", number_field, maxsplit=1)[0]
    first_line = next((ln.strip() for ln in before_link.splitlines() if ln.strip()), "")
    docket_number = _COURT_PREFIX.sub("", first_line) or None
    doc_field = fields.get("document number", "")
    doc_plain = _MARKED.sub(" ", doc_field)
    doc_number = _LEADING_INT.match(doc_plain)
    doc_url = next((u for u in _URL.findall(doc_field) if document_link(u)[0]), None)
    text: str | None = None
    if "docket text" in fields:
        raw_text = fields["docket text"]
        cut = _END_OF_TEXT.search(raw_text)
        raw_text = raw_text[: cut.start()] if cut else raw_text
        text = clean(_TAG.sub(" ", _MARKED.sub("", raw_text))) or ""
    return _Block(
        raw_number=first_line or None,
        case_name=clean(_MARKED.sub("", fields.get("case name", ""))),
        docket_number=docket_number,
        urls=urls,
        document_number=int(doc_number[1]) if doc_number else None,
        doc_url=doc_url,
        docket_text=text,
    )


# --------------------------------------------------------------------------- headers


def _message_court(headers: dict[str, str]) -> str | None:
    for header in ("Message-ID", "From", "Sender", "Reply-To"):
        m = _DOMAIN_COURT.search(headers[header])
        if m:
            return m[1].lower()
    return None


def _date_header(value: str) -> dt.datetime | None:
    """The ``Date`` header's instant; ``None`` when it has none or no zone.

    An instant that exists in its own zone but not in UTC (``31 Dec 9999
    23:59 -1200``) is a malformed header: every reader converts to UTC.
    """
    if not value:
        return None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    except OverflowError as exc:
        raise MalformedMessage(f"malformed Date header: out of range: {value!r}") from exc
    if when.tzinfo is None:
        return None
    _check_utc(when, f"malformed Date header: out of range: {value!r}")
    return when


def _check_utc(when: dt.datetime, reason: str) -> None:
    try:
        when.astimezone(dt.UTC)
    except OverflowError as exc:
        raise MalformedMessage(reason) from exc


def _entered_at(m: re.Match[str] | None, court: str) -> dt.datetime | None:
    """The ``entered on M/D/YYYY at h:mm PM TZ`` instant, in the court's zone when TZ is absent."""
    if m is None or not m["time"]:
        return None
    try:
        month, day, year = (int(x) for x in m["date"].split("/"))
        hour, minute = (int(x) for x in m["time"].split(":"))
        hour = hour % 12 + (12 if m["ampm"].upper() == "PM" else 0)
        local = dt.datetime(year if year > 99 else 2000 + year, month, day, hour, minute)
    except ValueError:
        return None
    tz = (m["tz"] or "").upper()
    if tz in _UTC_OFFSETS:
        when = local.replace(tzinfo=dt.timezone(dt.timedelta(hours=_UTC_OFFSETS[tz])))
    elif zone := court_zone(court):
        when = local.replace(tzinfo=zone)
    else:
        return None
    _check_utc(when, f"entered on {m['date']} at {m['time']}: out of range")
    return when


# --------------------------------------------------------------------------- subject

_SUBJECT_PREFIX = re.compile(r"^\s*(?:(?:fwd?|fw|re|nef)\s*:\s*)+", re.IGNORECASE)
_ACTIVITY = re.compile(r"^Activity in (?:\w+ )?case\s+(.*)$", re.IGNORECASE | re.DOTALL)
_QUOTED = re.compile(r'^Multiple Cases\s+"([^"]*)"', re.IGNORECASE)
_CHAPTER_ABBR = re.compile(r"(?<![\w(])(?:Ch[- ]?\d{1,2}|CH\d{1,2})\b")
_CHAPTER_WORD = re.compile(r"^Chapter \d{1,2}\s+")
_DOCKETISH = re.compile(
    r"^(?:\d{1,2}[:-])?\d{2}-(?:[a-z]{1,5}-)?\d{3,6}(?:-[A-Za-z0-9]+)*$", re.IGNORECASE
)
_CODE_BETWEEN_DASHES = re.compile(r"\s-\s*(?:CH|AP|BK)\s*-(?=\s|$)")
_EDGE_JUNK = " -;:,"


def _event_name(
    subject: str | None, case_names: list[str | None], numbers: list[str | None]
) -> str | None:
    """The event name CM/ECF puts in the subject besides the case number and name (best effort).

    District courts write ``Activity in Case <number> <case name> <event>``;
    bankruptcy courts vary (``Ch-7 1:24-bk-70535 Notice of Appearance; Lowry
    Farms, Inc.``, ``20-18680 Response - CH7 - Charles Martin``, ``Multiple
    Cases "Close Adversary Case"``) and often truncate the case name.
    """
    if not subject:
        return None
    s = _SUBJECT_PREFIX.sub("", subject)
    names = [_WS.sub(" ", n).strip() for n in case_names if n]
    m = _ACTIVITY.match(s)
    if m:
        rest = m[1].strip()
        number = next((n for n in numbers if n and rest.startswith(n)), None)
        # the number may have the court's suffix glued on ("...-EWH-LRLVAED")
        rest = rest[len(number) :].partition(" ")[2] if number else rest.partition(" ")[2]
        return clean(_strip_case_name(rest.strip(), names).strip(_EDGE_JUNK)) or None
    q = _QUOTED.match(s)
    if q:
        s = q[1]
    s = " ".join(w for w in s.split() if not _DOCKETISH.match(w) and w not in numbers)
    s = _CODE_BETWEEN_DASHES.sub(" - ", s)
    s = _WS.sub(" ", _CHAPTER_ABBR.sub(" ", s)).strip(_EDGE_JUNK)
    # "Chapter 13 Mykle Lepene  Affidavit ...": the word form is a marker only
    # when the case name follows; otherwise it is part of the event name
    # ("Chapter 11 Monthly Operating Report").
    without_word = _CHAPTER_WORD.sub("", s)
    if without_word != s and _strip_case_name(without_word, names, ends="start") != without_word:
        s = without_word
    s = _strip_case_name(s, names)
    s = re.sub(r"\s+(?:Re|-)\s*:?\s*$", "", s.strip())
    return clean(s.strip(_EDGE_JUNK)) or None


def _strip_case_name(s: str, names: list[str], ends: str = "both") -> str:
    """Remove a (possibly truncated) case name from the start or the end of ``s``."""
    for name in sorted(names, key=len, reverse=True):
        k = _common_prefix(s.casefold(), name.casefold())
        if 0 < k < len(name) and s[k - 1] == " ":
            k -= 1
        if k == len(name) or (k >= 8 and (k == len(s) or s[k] == " ")):
            return s[k:].strip(_EDGE_JUNK + " ")
    if ends == "start":
        return s
    for name in sorted(names, key=len, reverse=True):
        for k in range(len(name), 7, -1):
            tail = name[:k].casefold()
            if s.casefold().endswith(tail):
                start = len(s) - k
                if start == 0 or s[start - 1] in " -;:":
                    return re.sub(
                        r"\s+Re:?$", "", s[:start].rstrip(_EDGE_JUNK + " "), flags=re.IGNORECASE
                    )
    return s


def _common_prefix(a: str, b: str) -> int:
    k = 0
    for x, y in zip(a, b):
        if x != y:
            break
        k += 1
    return k
