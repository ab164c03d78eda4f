"""Helpers of the mail watcher tests: the real NEF e-mails, the inbox, the watcher's status file."""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections import Counter
from pathlib import Path
from typing import Any

from schemas.codec import decode_event
from services.ingest.adapters import nef
from services.ingest.records import Parsed
from services.ingest.watch.inbox import MailInbox
from services.ingest.watch.mail_publisher import status_path
from tests.kafka_util import read_all
from tests.shared_data import SHARED_DATA

EMAILS = SHARED_DATA / "juriscraper" / "nef-email"
REJECTED_FILES = {
    "cacb_4.txt",
    "cand_2.txt",
    "ohsd_1.txt",
    "ohsd_3.txt",
    "pawb_1.txt",
    "nyeb_1.txt",
    "nyeb_2.txt",
}  # fmt: skip  (tests/unit/test_adapters_nef.py, checked by hand)


def nef_emails() -> list[tuple[str, bytes]]:
    """Every real NEF e-mail as it travels on the wire (CRLF line ends, RFC 5321/3501)."""
    return [
        (p.name, re.sub(rb"\r?\n", b"\r\n", p.read_bytes())) for p in sorted(EMAILS.glob("*.txt"))
    ]


def expected_ids(messages: list[tuple[str, bytes]]) -> set[str]:
    """The event ids the NEF adapter reads from ``messages`` (what must reach the topic)."""
    return {
        r.event.id for name, raw in messages for r in nef.parse(raw, name) if isinstance(r, Parsed)
    }


async def topic_ids(bootstrap: str, topic: str) -> Counter[str]:
    """Event id -> number of records carrying it on ``topic``."""
    return Counter(decode_event(r.value).id for r in await read_all(bootstrap, topic, timeout=60))


def inbox_counts(data_dir: Path) -> dict[str, int]:
    inbox = MailInbox.in_data_dir(data_dir)
    try:
        return inbox.counts()
    finally:
        inbox.close()


def wait_for(what: str, check: Any, proc: subprocess.Popen[bytes] | None, timeout: float) -> Any:
    """Poll ``check()`` until it returns a truthy value; fail if ``proc`` exits first."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"watcher exited with {proc.returncode} while waiting for {what}")
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:.0f}s")
        time.sleep(0.2)


def status_of(data_dir: Path, mode: str, pid: int) -> dict[str, Any] | None:
    """The watcher's status document once the process ``pid`` wrote it."""
    try:
        doc: dict[str, Any] = json.loads(status_path(data_dir, mode).read_text())
    except (OSError, ValueError):
        return None
    return doc if doc.get("pid") == pid and doc.get("running") else None
