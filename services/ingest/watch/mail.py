"""NEF e-mail: the pure decisions both mail watchers (SMTP receiver, IMAP) share.

Everything here takes values and returns values, so the unit tests call it with
literals; the watchers (:mod:`services.ingest.watch.smtp`,
:mod:`services.ingest.watch.imap`) and the inbox publisher
(:mod:`services.ingest.watch.mail_publisher`) do the I/O.

* :func:`screen` decides, before the NEF adapter runs, what is certainly *not* a
  district-court NEF: a bounce (delivery status notification), an automatic
  reply, an appellate "Notice of Docket Activity" (CM/ECF appellate and ACMS
  send those; their layout is not the NEF's), or bytes that are not an e-mail.
  Everything else goes to :func:`services.ingest.adapters.nef.parse`, which
  rejects what is not a notice (spam, clerk correspondence) with its reason.
* :func:`settle` turns the adapter's records of one message into the message's
  outcome: ``published`` when at least one event came out, else ``rejected``
  with the adapter's reasons.
* :func:`recipient_allowed` is the SMTP receiver's allow-list (no open relay).
* :func:`transition` is the inbox's state machine: ``received`` until a try
  publishes or rejects the message; ``published`` and ``rejected`` are final.
* :func:`retry_delay`: the backoff of a message whose events Kafka did not take.
"""

from __future__ import annotations

import email
import email.header
import email.policy
import email.utils
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from email.message import Message
from typing import Final, Literal

from services.ingest.records import Parsed, ParseResult, Rejected

State = Literal["received", "published", "rejected"]
STATES: Final[tuple[State, ...]] = ("received", "published", "rejected")

Outcome = Literal["published", "rejected", "failed"]
"""What one try did: the events are on Kafka; the message is not a NEF; Kafka did not take them."""

RejectKind = Literal["not_email", "bounce", "auto_reply", "appellate", "not_nef"]
REJECT_KINDS: Final[tuple[RejectKind, ...]] = (
    "not_email",
    "bounce",
    "auto_reply",
    "appellate",
    "not_nef",
)


class InvalidTransition(ValueError):
    """A final message (published or rejected) was asked to change state."""


@dataclass(frozen=True, slots=True)
class Verdict:
    """Why a message is not a district-court NEF, decided before the adapter."""

    kind: RejectKind
    reason: str


@dataclass(frozen=True, slots=True)
class Settlement:
    """The outcome of a message's records: its events, or why it is rejected.

    ``notes`` names the case blocks of a published multi-case notice that the
    adapter rejected (kept with the message, visible in the inbox).
    """

    state: Literal["published", "rejected"]
    events: tuple[Parsed, ...]
    reason: str | None
    kind: RejectKind | None = None
    notes: tuple[str, ...] = ()


# --------------------------------------------------------------------------- screening

_HEADER_START = re.compile(rb"^(?:From |[A-Za-z][A-Za-z0-9-]*:[ \t])")
_BOUNCE_SENDER = re.compile(r"^(?:mailer-daemon|postmaster)@", re.IGNORECASE)
_BOUNCE_SUBJECT = re.compile(
    r"^(?:undeliverable|undelivered mail|delivery status notification|"
    r"mail delivery (?:failed|failure|subsystem)|returned mail|failure notice)\b",
    re.IGNORECASE,
)
# ca1..ca11, cadc, cafc: the courts of appeals; their CM/ECF and ACMS send NDAs
_APPELLATE_DOMAIN = re.compile(
    r"@(?:[\w.-]+\.)?(?:ca\d{1,2}|cadc|cafc)\.uscourts\.gov\b", re.IGNORECASE
)
_NDA = re.compile(r"Notice\s+of\s+Docket\s+Activity", re.IGNORECASE)


def screen(raw: bytes, envelope_sender: str | None = None) -> Verdict | None:
    """``None`` when the message may be a NEF (the adapter decides), else why it is not.

    ``envelope_sender`` is the SMTP ``MAIL FROM`` when known: the null sender
    ``<>`` (passed as ``""``) is reserved for bounces (RFC 5321 4.5.5).
    """
    if not _HEADER_START.match(raw.lstrip()[:200]):
        return Verdict("not_email", "not an e-mail message: no RFC 5322 header block")
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    sender = _address(message.get("From", ""))
    subject = _header_text(message.get("Subject", ""))
    content_type = message.get_content_type()
    report_type = str(message.get_param("report-type", "") or "").lower()
    if envelope_sender == "" or (
        content_type == "multipart/report"
        and report_type
        in (
            "delivery-status",
            "disposition-notification",
        )
    ):
        return Verdict("bounce", f"bounce: delivery status notification (subject: {subject!r})")
    if _BOUNCE_SENDER.match(sender) or _BOUNCE_SUBJECT.match(subject):
        return Verdict(
            "bounce", f"bounce: from {sender or 'unknown sender'} (subject: {subject!r})"
        )
    auto = str(message.get("Auto-Submitted", "")).strip().lower()
    if auto.startswith("auto-replied") or message.get("X-Autoreply") is not None:
        return Verdict("auto_reply", f"automatic reply (subject: {subject!r})")
    if (
        _APPELLATE_DOMAIN.search(sender)
        or _NDA.search(subject)
        or _NDA.search(_first_text(message))
    ):
        return Verdict(
            "appellate",
            "appellate notice of docket activity, not a district-court NEF"
            f" (from {sender or 'unknown sender'}, subject: {subject!r})",
        )
    return None


def _address(value: object) -> str:
    _, addr = email.utils.parseaddr(str(value))
    return addr.strip()


def _header_text(value: object) -> str:
    try:
        parts = email.header.decode_header(str(value))
    except (ValueError, LookupError):
        return str(value).strip()
    out = []
    for text, charset in parts:
        if isinstance(text, bytes):
            try:
                out.append(text.decode(charset or "ascii", errors="replace"))
            except LookupError:
                out.append(text.decode("ascii", errors="replace"))
        else:
            out.append(text)
    return re.sub(r"\s+", " ", "".join(out)).strip()


def _first_text(message: Message, limit: int = 4096) -> str:
    """The start of the first text part (where an NDA says what it is)."""
    for part in message.walk():
        if part.get_content_maintype() == "text":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                return payload[:limit].decode("utf-8", errors="replace")
    return ""


# --------------------------------------------------------------------------- settling


def settle(results: Iterable[ParseResult]) -> Settlement:
    """The message's outcome from the NEF adapter's records (see the module doc)."""
    events: list[Parsed] = []
    rejected: list[Rejected] = []
    for r in results:
        if isinstance(r, Parsed):
            events.append(r)
        else:
            rejected.append(r)
    notes = tuple(f"{r.where}: {r.reason}" for r in rejected)
    if events:
        return Settlement("published", tuple(events), None, notes=notes)
    reason = "; ".join(r.reason for r in rejected) or "the NEF adapter found nothing in it"
    return Settlement("rejected", (), reason, kind="not_nef", notes=notes)


def rejected_by_screen(verdict: Verdict) -> Settlement:
    return Settlement("rejected", (), verdict.reason, kind=verdict.kind)


# --------------------------------------------------------------------------- allow-list


def parse_allow_list(entries: Iterable[str]) -> tuple[str, ...]:
    """Normalised allow-list entries: ``user@domain`` (one address) or ``@domain`` (a domain)."""
    out = []
    for raw in entries:
        entry = raw.strip().lower()
        if not entry:
            continue
        local, at, domain = entry.rpartition("@")
        if not at or not domain or "@" in local or not re.fullmatch(r"[a-z0-9.-]+", domain):
            raise ValueError(f"not an address or @domain: {raw!r}")
        out.append(entry)
    return tuple(out)


def recipient_allowed(address: str, allow: Sequence[str]) -> bool:
    """Whether the receiver takes mail for ``address`` (allow-list from :func:`parse_allow_list`).

    The receiver delivers to its own inbox only and never relays: a recipient
    outside the list is refused at ``RCPT``. Source routes (``@a,@b:u@d``) and
    addresses without a domain are refused; comparison ignores case.
    """
    addr = address.strip().lower()
    if addr.startswith("<") and addr.endswith(">"):
        addr = addr[1:-1]
    local, at, domain = addr.rpartition("@")
    if not at or not local or not domain or "@" in local or ":" in addr or "," in addr:
        return False
    return addr in allow or f"@{domain}" in allow


# --------------------------------------------------------------------------- states


def transition(state: State, outcome: Outcome) -> State:
    """The inbox state after a try with ``outcome``; final states do not move."""
    if state != "received":
        raise InvalidTransition(f"a {state} message is final (asked: {outcome})")
    if outcome == "failed":
        return "received"
    return outcome


def retry_delay(attempts: int, base: float = 2.0, cap: float = 300.0) -> float:
    """Seconds before the next try after ``attempts`` failed ones: doubling, capped."""
    return float(min(cap, base * 2 ** max(0, attempts - 1)))
