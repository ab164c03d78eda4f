"""What every ingest adapter yields: a parsed event or a rejected record.

Adapters are pure parsers (bytes/text in, records out); publishing is done by
:mod:`services.ingest.publisher`. A record that cannot become an event is
never dropped: it is yielded as ``Rejected`` with where it came from and why.
"""

from __future__ import annotations

from dataclasses import dataclass

from schemas.events import DocketEvent


@dataclass(frozen=True, slots=True)
class Parsed:
    event: DocketEvent
    where: str
    """file:line, file#item-N, message id ... — where the record came from."""


@dataclass(frozen=True, slots=True)
class Rejected:
    where: str
    reason: str
    raw: bytes | None = None


ParseResult = Parsed | Rejected


class IngestError(Exception):
    """A whole input could not be read (unreadable file, unknown format)."""
