"""The rejected-records report: every record ingest could not publish, kept whole.

One JSON object per line: ``where`` (file:line, file#item-N, ...), ``reason``,
``raw_base64`` (the record's bytes, base64; ``null`` when there were none) and
``raw_size``. A fixed adapter or classifier can re-read the raw bytes; nothing
rejected is lost. The file is created on the first rejected record only.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
from pathlib import Path
from types import TracebackType
from typing import IO, Self

import orjson

from services.ingest.records import Rejected


class RejectReport:
    """Append-only JSONL report in ``<data_dir>/rejected/``."""

    def __init__(self, directory: Path) -> None:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        self.path = directory / f"ingest-{stamp}-{os.getpid()}.jsonl"
        self._fh: IO[bytes] | None = None
        self.count = 0

    def add(self, r: Rejected) -> None:
        if self._fh is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = self.path.open("ab")
        line = {
            "where": r.where,
            "reason": r.reason,
            "raw_base64": base64.b64encode(r.raw).decode("ascii") if r.raw is not None else None,
            "raw_size": len(r.raw) if r.raw is not None else None,
        }
        self._fh.write(orjson.dumps(line) + b"\n")
        self.count += 1

    @property
    def written(self) -> bool:
        return self.count > 0

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def read_report(path: Path) -> list[Rejected]:
    """The records of a report, raw bytes decoded (for tests and re-ingest tools)."""
    out = []
    for line in path.read_bytes().splitlines():
        if line.strip():
            obj = orjson.loads(line)
            raw = base64.b64decode(obj["raw_base64"]) if obj["raw_base64"] is not None else None
            out.append(Rejected(obj["where"], obj["reason"], raw))
    return out
