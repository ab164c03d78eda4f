"""Deterministic identities: entry keys, event ids, alert ids.

Ids are digests of source identity, never random or time-based, so the same
input always yields the same id and redeliveries de-duplicate.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re

_WS = re.compile(r"\s+")


def _digest(*parts: object, size: int = 16) -> str:
    h = hashlib.blake2b(digest_size=size)
    for p in parts:
        h.update(b"\x1f")
        h.update(("" if p is None else str(p)).encode("utf-8"))
    return h.hexdigest()


def normalise_text(text: str) -> str:
    return _WS.sub(" ", text).strip().lower()


def entry_key(
    case_id: str,
    *,
    document_number: int | None,
    date_filed: dt.date,
    pacer_seq_no: int | None = None,
    text: str = "",
    part: int | None = None,
) -> str:
    """Identity of a docket entry, the same whichever source reports it.

    Numbered entries are identified by their document number (the RSS stub and
    the NEF e-mail for document 12 are one entry). Unnumbered entries (minute
    orders) by date and PACER sequence number, or by date and a digest of their
    normalised text. ``part`` separates events merged into one RSS item.
    """
    if document_number is not None:
        base = f"{case_id}#{document_number}"
    elif pacer_seq_no is not None:
        base = f"{case_id}@{date_filed.isoformat()}/s{pacer_seq_no}"
    else:
        base = f"{case_id}@{date_filed.isoformat()}/t{_digest(normalise_text(text), size=6)}"
    return base if not part else f"{base}.{part}"


def event_id(entry_key: str, text: str, event_name: str | None) -> str:
    """Id of one version of an entry: same entry + same words -> same id.

    The classification is deliberately not part of the id: re-reading the same
    words with a newer classifier describes the same fact.
    """
    return "ev_" + _digest(entry_key, normalise_text(text), normalise_text(event_name or ""))


def alert_id(
    case_id: str,
    alert_type: str,
    cause_entry_key: str,
    from_status: str | None,
    to_status: str,
    extra: str = "",
) -> str:
    return "al_" + _digest(case_id, alert_type, cause_entry_key, from_status, to_status, extra)
