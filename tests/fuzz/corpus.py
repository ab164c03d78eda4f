"""Seeds and mutations for the fuzz harness: real files, bent the ways hostile input bends.

Every strategy starts from real input — the demo files shipped in
``services/demo`` always, and the juriscraper files in ``../shared/data`` when
they are there — and applies one to three mutations: a header set to a
hostile value, a date or number pushed out of range, parts nested thousands
deep, a charset or transfer encoding changed, bytes flipped or inserted, the
file cut short. The structured generators (JSON values, webhook bodies) reach
shapes no real file has.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from tests.shared_data import SHARED_DATA

DEMO = Path(__file__).resolve().parents[2] / "services" / "demo"
JURISCRAPER = SHARED_DATA / "juriscraper"

Draw = Callable[[st.SearchStrategy[Any]], Any]
Mutator = Callable[[Draw, bytes], bytes]


# --------------------------------------------------------------------------- seeds


@functools.cache
def seeds(kind: str) -> tuple[tuple[str, bytes], ...]:
    """(name, bytes) of the real files of one kind: ``nef``, ``rss``, ``dockets``, ``jsonl``."""
    demo = {
        "nef": ["reference_dismissal_nef.eml"],
        "rss": ["reference_case_rss.xml"],
        "dockets": [],
        "jsonl": ["reference_case.jsonl", "sample_cases.jsonl"],
    }[kind]
    files = [DEMO / name for name in demo]
    if JURISCRAPER.is_dir():
        files += {
            "nef": sorted((JURISCRAPER / "nef-email").glob("*.txt"))
            + sorted((JURISCRAPER / "nef").glob("*.html")),
            "rss": sorted((JURISCRAPER / "rss").glob("*.xml")),
            "dockets": sorted((JURISCRAPER / "dockets").glob("*.json")),
            "jsonl": [],
        }[kind]
    out = tuple((f.name, f.read_bytes()) for f in files)
    assert out or kind == "dockets", f"no seed files of kind {kind}"
    return out


@functools.cache
def docket_seeds() -> tuple[Any, ...]:
    """Docket JSON documents: the shared juriscraper dockets, else one built from the demo events."""
    docs = [json.loads(data) for _, data in seeds("dockets")]
    if not docs:
        events = [json.loads(ln) for _, d in seeds("jsonl") for ln in d.splitlines() if ln.strip()]
        case = events[0]["data"]["case"]
        docs.append(
            {
                "court_id": case["court_id"],
                "docket_number": case["docket_number"],
                "case_name": case.get("case_name"),
                "docket_entries": [
                    {
                        "date_filed": e["data"]["entry"]["date_filed"],
                        "document_number": e["data"]["entry"].get("document_number"),
                        "description": e["data"]["entry"]["text"],
                    }
                    for e in events
                    if e["data"]["case"]["docket_number"] == case["docket_number"]
                ],
            }
        )
    return tuple(docs)


# --------------------------------------------------------------------------- values

HUGE_NUMBERS = st.sampled_from(
    [
        "0",
        "-1",
        "00000000000000000000007",
        "2147483648",
        "9223372036854775807",
        "9223372036854775808",
        "18446744073709551616",
        "99999999999",
        "99999999999999999999",
        "1" + "0" * 60,
    ]
)
"""Numbers at and past every integer width a library or SQLite might use."""

numbers = st.one_of(HUGE_NUMBERS, st.integers(-(2**70), 2**70).map(str))

EDGE_INTS = st.sampled_from([-1, 2**31, 2**63 - 1, 2**63, 2**64, -(2**63) - 1, 10**20, 10**60])
"""Integers at and past the widths of SQLite (signed 64-bit) and orjson (64-bit)."""

_MONTHS = ["Jan", "Feb", "Dec", "Foo", ""]
_DAYS = ["Mon", "Thu", "Fri", "Xyz", ""]

rfc822_dates = st.builds(
    lambda wd, d, mon, y, hh, mm, ss, tz: (
        f"{wd}{', ' if wd else ''}{d} {mon} {y} {hh}:{mm}:{ss} {tz}"
    ),
    st.sampled_from(_DAYS),
    st.sampled_from(["1", "31", "32", "0", "99999999999"]),
    st.sampled_from(_MONTHS),
    st.sampled_from(["1", "0", "99", "1970", "2025", "9999", "10000", "99999999999", "-1"]),
    st.sampled_from(["00", "23", "24", "99999999999"]),
    st.sampled_from(["00", "59", "60", "61"]),
    st.sampled_from(["00", "59", "60", "61"]),
    st.sampled_from(["GMT", "-1200", "+1400", "-9999", "+99999999999", "PST", "XYZ", ""]),
)
"""``Date:`` / ``pubDate`` values, around and far past the edges of ``datetime``."""

us_dates = st.builds(
    lambda m, d, y: f"{m}/{d}/{y}",
    st.sampled_from(["1", "12", "13", "0"]),
    st.sampled_from(["1", "31", "32"]),
    st.sampled_from(["1", "25", "0001", "2025", "9999", "99999999999"]),
)
iso_dates = st.builds(
    lambda y, m, d, rest: f"{y}-{m}-{d}{rest}",
    st.sampled_from(["0001", "2025", "9999", "10000", "0000"]),
    st.sampled_from(["01", "12", "13", "00"]),
    st.sampled_from(["01", "31", "32"]),
    st.sampled_from(["", "T23:59:59-12:00", "T00:00:00+14:00", "T25:00:00", "T12:00:00Z"]),
)
dates = st.one_of(rfc822_dates, us_dates, iso_dates)

HOSTILE_HEADER_VALUES = st.sampled_from(
    [
        "",
        "<>",
        "<",
        ">",
        "a@b, :;",
        ":;:;:;<@>",
        "<@>",
        '"',
        "(",
        "\\",
        "=?utf-8?q?=FF=FE?=",
        "=?x-unknown?b?AAAA?=",
        "=?utf-8?b?????=",
        "a" * 2000,
        "undisclosed-recipients:;",
        "@",
        "<a@b.c> (comment (nested",
        "Thu, 30 Jan 99999999999 15:12:44 -0800",
        "Fri, 31 Dec 9999 23:59:59 -1200",
    ]
)
header_values = st.one_of(
    HOSTILE_HEADER_VALUES,
    rfc822_dates,
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"), max_size=60),
)
HEADER_NAMES = st.sampled_from(
    [
        "Message-ID",
        "From",
        "Sender",
        "Reply-To",
        "To",
        "Date",
        "Subject",
        "MIME-Version",
        "Content-Type",
        "Content-Transfer-Encoding",
        "Content-Disposition",
    ]
)
CONTENT_TYPES = st.sampled_from(
    [
        "text/plain",
        "text/html",
        "text/plain; charset=x-no-such-charset",
        "text/html; charset=utf-16",
        'multipart/mixed; boundary=""',
        "multipart/alternative",
        "message/rfc822",
        "application/octet-stream",
        "text/plain; charset*=utf-8''%FF%FE",
        ";;;",
    ]
)


# --------------------------------------------------------------------------- byte mutations


def truncate(draw: Draw, data: bytes) -> bytes:
    return data[: draw(st.integers(0, len(data)))]


def flip(draw: Draw, data: bytes) -> bytes:
    if not data:
        return data
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 8))):
        out[draw(st.integers(0, len(out) - 1))] = draw(st.integers(0, 255))
    return bytes(out)


def insert(draw: Draw, data: bytes) -> bytes:
    at = draw(st.integers(0, len(data)))
    piece = draw(
        st.one_of(
            st.binary(max_size=64),
            HOSTILE_HEADER_VALUES.map(str.encode),
            st.sampled_from(
                [b"\x00", b"\xff\xfe", b"\r", b"]]>", b"<![CDATA[", b"&#0;", b"&#xD800;"]
            ),
        )
    )
    return data[:at] + piece + data[at:]


def _replace_match(draw: Draw, data: bytes, pattern: re.Pattern[bytes], new: bytes) -> bytes:
    found = list(pattern.finditer(data))
    if not found:
        return data
    m = found[draw(st.integers(0, len(found) - 1))]
    return data[: m.start()] + new + data[m.end() :]


_DIGITS = re.compile(rb"\d+")
_DATE = re.compile(
    rb"(?:[A-Z][a-z]{2}, )?\d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} (?:[+-]\d{4}|[A-Z]{2,4})"
    rb"|\d{1,2}/\d{1,2}/\d{2,4}"
    rb"|\d{4}-\d{2}-\d{2}(?:T[\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?"
)


def number(draw: Draw, data: bytes) -> bytes:
    return _replace_match(draw, data, _DIGITS, draw(numbers).encode())


def date(draw: Draw, data: bytes) -> bytes:
    return _replace_match(draw, data, _DATE, draw(dates).encode())


BYTE_MUTATORS: list[Mutator] = [truncate, flip, insert, number, date]


# --------------------------------------------------------------------------- e-mail mutations


def _split_headers(data: bytes) -> tuple[bytes, bytes, bytes]:
    for sep in (b"\r\n\r\n", b"\n\n"):
        head, found, body = data.partition(sep)
        if found:
            return head, found, body
    return data, b"", b""


def set_header(draw: Draw, data: bytes) -> bytes:
    """One header (replaced where it is, or added first) set to a hostile value."""
    name = draw(HEADER_NAMES)
    value = (
        draw(CONTENT_TYPES)
        if name == "Content-Type" and draw(st.booleans())
        else draw(header_values)
    )
    line = f"{name}: {value}".encode("utf-8", errors="surrogateescape")
    head, sep, body = _split_headers(data)
    header = re.compile(rb"(?im)^" + re.escape(name.encode()) + rb":[^\n]*(?:\n[ \t][^\n]*)*")
    if header.search(head) and draw(st.booleans()):
        head = header.sub(lambda _: line, head, count=1)
    else:
        head = line + b"\n" + head
    return head + (sep or b"\n\n") + body


def nest(draw: Draw, data: bytes) -> bytes:
    """The body wrapped in many multiparts, opened and (sometimes) never closed."""
    head, _, body = _split_headers(data)
    depth = draw(st.sampled_from([2, 50, 500, 3000, 5000]))
    head = re.sub(rb"(?im)^content-type:[^\n]*(?:\n[ \t][^\n]*)*\n?", b"", head)
    opening = b"".join(
        b'Content-Type: multipart/mixed; boundary="b%d"\n\n--b%d\n' % (i, i) for i in range(depth)
    )
    closing = (
        b"".join(b"\n--b%d--\n" % i for i in reversed(range(depth))) if draw(st.booleans()) else b""
    )
    return (
        head + b"\nMIME-Version: 1.0\n" + opening + b"Content-Type: text/plain\n\n" + body + closing
    )


def encoding(draw: Draw, data: bytes) -> bytes:
    """A declared charset or transfer encoding that does not fit the bytes."""
    head, sep, body = _split_headers(data)
    cte = draw(
        st.sampled_from(["base64", "quoted-printable", "8bit", "x-uuencode", "binary", "7bit"])
    )
    ctype = draw(CONTENT_TYPES)
    head = re.sub(
        rb"(?im)^content-(?:type|transfer-encoding):[^\n]*(?:\n[ \t][^\n]*)*\n?", b"", head
    )
    head += f"\nContent-Type: {ctype}\nContent-Transfer-Encoding: {cte}".encode()
    if draw(st.booleans()):
        body = body.decode("latin-1").encode("utf-16")
    return head + (sep or b"\n\n") + body


EMAIL_MUTATORS: list[Mutator] = [set_header, set_header, nest, encoding, *BYTE_MUTATORS]


# --------------------------------------------------------------------------- RSS mutations

_PUBDATE = re.compile(rb"(?<=<pubDate>)[^<]*(?=</pubDate>)")
_TITLE = re.compile(rb"(?<=<title>)[^<]*(?=</title>)|(?<=<title><!\[CDATA\[)[^\]]*")
_DESCRIPTION = re.compile(rb"(?<=<description><!\[CDATA\[)(?:(?!\]\]>).)*", re.DOTALL)


def pubdate(draw: Draw, data: bytes) -> bytes:
    return _replace_match(draw, data, _PUBDATE, draw(st.one_of(rfc822_dates, dates)).encode())


def title(draw: Draw, data: bytes) -> bytes:
    docket = draw(
        st.one_of(
            st.builds(lambda o, y, n: f"{o}:{y}-cv-{n}", numbers, numbers, numbers),
            st.text(max_size=40),
        )
    )
    return _replace_match(draw, data, _TITLE, docket.encode("utf-8", errors="surrogateescape"))


def description(draw: Draw, data: bytes) -> bytes:
    name = draw(
        st.one_of(st.sampled_from(["", "[", "]", "[[]]", "[A AND B AND ]"]), st.text(max_size=30))
    )
    link = f"https://ecf.cand.uscourts.gov/doc1/{draw(numbers)}?caseid={draw(numbers)}&de_seq_num={draw(numbers)}"
    text = f'[{name}] (<a href="{link}">{draw(numbers)}</a>)'
    return _replace_match(draw, data, _DESCRIPTION, text.encode("utf-8", errors="surrogateescape"))


RSS_MUTATORS: list[Mutator] = [pubdate, pubdate, title, description, *BYTE_MUTATORS]


@st.composite
def mutated_seeds(
    draw: Draw, files: tuple[tuple[str, bytes], ...], mutators: list[Mutator]
) -> tuple[str, bytes]:
    """One of ``files`` with one to three of ``mutators`` applied."""
    name, data = draw(st.sampled_from(files))
    for _ in range(draw(st.integers(1, 3))):
        data = draw(st.sampled_from(mutators))(draw, data)
    return name, data


def mutated(kind: str, mutators: list[Mutator]) -> st.SearchStrategy[tuple[str, bytes]]:
    """A real file of ``kind`` (see :func:`seeds`) with one to three of ``mutators`` applied."""
    return mutated_seeds(seeds(kind), mutators)


@functools.cache
def docket_files() -> tuple[tuple[str, bytes], ...]:
    """:func:`docket_seeds` as files (the demo-built docket when the shared data is absent)."""
    return tuple((f"docket-{i}.json", json.dumps(d).encode()) for i, d in enumerate(docket_seeds()))


# --------------------------------------------------------------------------- JSON


def _leaf() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**70), 2**70),
        HUGE_NUMBERS.map(int),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=40),
        dates,
        numbers,
        st.sampled_from(
            [
                "",
                " ",
                "cand",
                "5:25-cv-00709",
                "https://ecf.cand.uscourts.gov/doc1/1?de_seq_num=99999999999999999999",
            ]
        ),
    )


json_values: st.SearchStrategy[Any] = st.recursive(
    _leaf(),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)


@st.composite
def mutated_json(draw: Draw, doc: Any, steps: int = 3) -> Any:
    """``doc`` (deep-copied) with up to ``steps`` values replaced, deleted or wrapped on a random walk."""
    doc = json.loads(json.dumps(doc))
    for _ in range(draw(st.integers(1, steps))):
        numbers_in_doc = _int_leaves(doc)
        if numbers_in_doc and draw(st.booleans()):
            # a number the source had, pushed past every integer width
            parent, key = numbers_in_doc[draw(st.integers(0, len(numbers_in_doc) - 1))]
            parent[key] = draw(EDGE_INTS)
            continue
        parent: Any = None
        key: Any = None
        node = doc
        while isinstance(node, (dict, list)) and node and draw(st.integers(0, 3)) > 0:
            keys = list(node) if isinstance(node, dict) else list(range(len(node)))
            parent, key = node, keys[draw(st.integers(0, len(keys) - 1))]
            node = node[key]
        op = draw(st.sampled_from(["replace", "replace", "delete", "wrap"]))
        if parent is None:
            doc = draw(json_values) if op != "wrap" else [doc]
        elif op == "delete":
            del parent[key]
        elif op == "wrap":
            parent[key] = draw(st.sampled_from([[node], {"value": node}]))
        else:
            parent[key] = draw(json_values)
    return doc


def _int_leaves(doc: Any) -> list[tuple[Any, Any]]:
    """(container, key) of every integer in ``doc`` (booleans excluded)."""
    out: list[tuple[Any, Any]] = []
    stack = [doc]
    while stack:
        node = stack.pop()
        items = (
            node.items()
            if isinstance(node, dict)
            else enumerate(node)
            if isinstance(node, list)
            else ()
        )
        for key, value in items:
            if isinstance(value, int) and not isinstance(value, bool):
                out.append((node, key))
            elif isinstance(value, (dict, list)):
                stack.append(value)
    return out


def deep_json(depth: int) -> bytes:
    """A JSON array nested ``depth`` deep (parsers with recursion limits trip on it)."""
    return b"[" * depth + b"]" * depth
