"""Which adapter reads which file: format detection and directory walking.

``parse_path(path, fmt)`` is the single entry point for "read this input":
the ingest command, the accuracy report and tests all go through it, so every
consumer sees the same records for the same files.

Detection (``fmt="auto"``) looks at content first and the extension second:

* ``pacer-rss``: XML whose root is ``<rss>`` (``.xml``, ``.rss``);
* ``nef``: an RFC 822 message (headers such as ``Subject:``/``From:``, or an
  mbox ``From `` line), or an HTML page containing a Notice of Electronic Filing
  (``.eml``, ``.txt``, ``.html``, ``.htm``);
* ``jsonl``: JSON objects shaped like docketline events, one per line
  (``.jsonl``, ``.ndjson``);
* ``courtlistener``: a JSON docket object (header + ``docket_entries``, or
  ``{}``) or a list of them (``.json``).

Content that is recognisably something else (say, a JSON file that is not a
docket) is not taken when a directory is walked, and is rejected with a reason
when it was named explicitly. Content too broken to recognise falls back to the
extension, so the adapter can say precisely what is wrong with it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import orjson

from services.ingest.adapters import courtlistener, jsonl, nef, pacer_rss
from services.ingest.records import IngestError, ParseResult, Rejected

Parser = Callable[[bytes, str], Iterator[ParseResult]]

PARSERS: Final[dict[str, Parser]] = {
    jsonl.FORMAT: jsonl.parse,
    courtlistener.FORMAT: courtlistener.parse,
    pacer_rss.FORMAT: pacer_rss.parse,
    nef.FORMAT: nef.parse,
}
FORMATS: Final[tuple[str, ...]] = tuple(PARSERS)
FORMAT_CHOICES: Final[tuple[str, ...]] = ("auto", *FORMATS)
EXTENSIONS: Final[dict[str, frozenset[str]]] = {
    jsonl.FORMAT: frozenset({".jsonl", ".ndjson"}),
    courtlistener.FORMAT: frozenset({".json"}),
    pacer_rss.FORMAT: frozenset({".xml", ".rss"}),
    nef.FORMAT: frozenset({".eml", ".txt", ".html", ".htm"}),
}

_SNIFF_BYTES = 8192
_ROOT_RSS = re.compile(rb"<rss\b", re.IGNORECASE)
_HTML = re.compile(rb"<(?:!doctype\s+html|html|body|p|table|div)\b", re.IGNORECASE)
_NEF = re.compile(rb"Notice\s+of\s+(?:Electronic|Bankruptcy\s+Case)\s+Filing", re.IGNORECASE)
_FIRST_HEADER = re.compile(rb"^(?:From |[A-Za-z][A-Za-z0-9-]*:[ \t])")
_MAIL_HEADER = re.compile(
    rb"^(?:subject|from|message-id|date|received):", re.IGNORECASE | re.MULTILINE
)
_EVENT_KEYS = frozenset({"specversion", "subject", "data", "type", "id"})
_DOCKET_KEYS = frozenset({"docket_entries", "docket_number"})


@dataclass(frozen=True, slots=True)
class InputFile:
    """A file found under an input path and the format it will be read as.

    ``format`` is ``None`` for a file that is skipped; ``note`` says why.
    """

    path: Path
    format: str | None
    note: str | None = None


def parse_path(path: Path, fmt: str = "auto") -> Iterator[ParseResult]:
    """Every record in ``path`` (a file, or a directory walked in sorted order).

    Raises :class:`IngestError` when ``path`` does not exist or cannot be read,
    or ``fmt`` is not a known format. Bad *content* never raises: it is yielded
    as :class:`~services.ingest.records.Rejected`.
    """
    for item in discover(path, fmt):
        if item.format is not None:
            yield from parse_file(item.path, item.format)
        elif item.note and not path.is_dir():
            yield Rejected(str(item.path), item.note, None)


def discover(path: Path, fmt: str = "auto") -> Iterator[InputFile]:
    """The files under ``path`` with their formats; skipped files carry a note."""
    if fmt not in FORMAT_CHOICES:
        raise IngestError(f"unknown format {fmt!r}; choose one of {', '.join(FORMAT_CHOICES)}")
    if path.is_dir():
        try:
            files = sorted(p for p in path.rglob("*") if p.is_file() and not _hidden(p, path))
        except OSError as exc:
            raise IngestError(f"cannot list {path}: {exc.strerror or exc}") from exc
        for file in files:
            yield _classify_in_dir(file, fmt)
        return
    if not path.exists():
        raise IngestError(f"no such file or directory: {path}")
    if fmt != "auto":
        yield InputFile(path, fmt)
        return
    detected = detect(_head(path), path.suffix.lower())
    if detected is None:
        yield InputFile(
            path, None, f"unrecognised format (not {', '.join(FORMATS)}); pass --format"
        )
    else:
        yield InputFile(path, detected)


def parse_file(path: Path, fmt: str) -> Iterator[ParseResult]:
    """Read one file with one adapter; ``where`` values start with ``str(path)``."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(f"cannot read {path}: {exc.strerror or exc}") from exc
    yield from PARSERS[fmt](data, str(path))


def detect(data: bytes, suffix: str = "") -> str | None:
    """The format of a file from its first bytes (``data``) and its extension."""
    head = data[:_SNIFF_BYTES].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head:
        return _by_extension(suffix)
    if head.startswith(b"<"):
        if _ROOT_RSS.search(head):
            return pacer_rss.FORMAT
        if _HTML.search(head) and _NEF.search(data):
            return nef.FORMAT
        return None if suffix not in EXTENSIONS[pacer_rss.FORMAT] else pacer_rss.FORMAT
    if head[:1] in (b"{", b"["):
        return _sniff_json(data, suffix)
    if _FIRST_HEADER.match(head) and _MAIL_HEADER.search(head.split(b"\n\n", 1)[0]):
        return nef.FORMAT
    return None


def _sniff_json(data: bytes, suffix: str) -> str | None:
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError:
        first = next((ln for ln in data.split(b"\n") if ln.strip()), b"")
        try:
            doc = orjson.loads(first)
        except orjson.JSONDecodeError:
            return _by_extension(suffix)  # broken: let the adapter say how
        return jsonl.FORMAT if _is_event(doc) else _by_extension(suffix)
    if _is_event(doc):
        return jsonl.FORMAT
    if isinstance(doc, dict) and (not doc or _DOCKET_KEYS & doc.keys()):
        return courtlistener.FORMAT
    if (
        isinstance(doc, list)
        and doc
        and all(isinstance(d, dict) and _DOCKET_KEYS & d.keys() for d in doc)
    ):
        return courtlistener.FORMAT
    return None


def _is_event(doc: object) -> bool:
    return isinstance(doc, dict) and len(_EVENT_KEYS & doc.keys()) >= 3


def _by_extension(suffix: str) -> str | None:
    return next((fmt for fmt, exts in EXTENSIONS.items() if suffix in exts), None)


def _classify_in_dir(file: Path, fmt: str) -> InputFile:
    suffix = file.suffix.lower()
    if fmt != "auto":
        if suffix in EXTENSIONS[fmt]:
            return InputFile(file, fmt)
        return InputFile(file, None, f"extension {suffix or '(none)'} is not a {fmt} file")
    if not any(suffix in exts for exts in EXTENSIONS.values()):
        return InputFile(file, None, f"extension {suffix or '(none)'} is not an input format")
    detected = detect(_head(file), suffix)
    if detected is None:
        return InputFile(file, None, "content is not a recognised input format")
    return InputFile(file, detected)


def _head(path: Path) -> bytes:
    """Enough of the file to recognise it (JSON needs the whole document)."""
    try:
        if path.suffix.lower() in (".json", ".jsonl", ".ndjson"):
            return path.read_bytes()
        with path.open("rb") as fh:
            head = fh.read(_SNIFF_BYTES)
            if head.lstrip()[:1] == b"<" and not _NEF.search(head):
                head += fh.read()  # an NEF page may put its title after long boilerplate
            return head
    except OSError as exc:
        raise IngestError(f"cannot read {path}: {exc.strerror or exc}") from exc


def _hidden(file: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in file.relative_to(root).parts)
