"""The one place bytes become models and models become bytes.

``decode_event`` is the single parse path for docket events: one module-level
``TypeAdapter`` over the discriminated union, fed the raw record bytes. Records
written under an older ``schema_version`` are upcast (dict -> dict) before
validation; the upcasters are registered in ``UPCASTERS`` and tested with
recorded old events.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any, TypeVar

import orjson
from pydantic import BaseModel, TypeAdapter, ValidationError

from schemas.alerts import Alert
from schemas.events import EVENT_SCHEMA_VERSION, DocketEvent
from schemas.projection import CaseState, EntryRecord

EVENT_ADAPTER: TypeAdapter[DocketEvent] = TypeAdapter(DocketEvent)
ALERT_ADAPTER: TypeAdapter[Alert] = TypeAdapter(Alert)
STATE_ADAPTER: TypeAdapter[CaseState] = TypeAdapter(CaseState)

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


def _v1_to_v2(doc: dict[str, Any]) -> dict[str, Any]:
    """Version 2 added ``data.classifier_rule``; version 1 events did not record it (None)."""
    data = doc.get("data")
    if not isinstance(data, dict):
        return doc  # not an event at all: validation reports what is wrong
    return {**doc, "data": {**data, "classifier_rule": data.get("classifier_rule")}}


def _v2_to_v3(doc: dict[str, Any]) -> dict[str, Any]:
    """Version 3 added ``data.classifier_confidence``; version 2 events did not record it (None)."""
    data = doc.get("data")
    if not isinstance(data, dict):
        return doc
    return {**doc, "data": {**data, "classifier_confidence": data.get("classifier_confidence")}}


def _v3_to_v4(doc: dict[str, Any]) -> dict[str, Any]:
    """Version 4 added ``data.entry_class``, ``entry_outcome`` and ``cites``; version 3 events did not record them."""
    data = doc.get("data")
    if not isinstance(data, dict):
        return doc
    return {
        **doc,
        "data": {
            **data,
            "entry_class": data.get("entry_class"),
            "entry_outcome": data.get("entry_outcome"),
            "cites": data.get("cites", []),
        },
    }


UPCASTERS: dict[int, Upcaster] = {1: _v1_to_v2, 2: _v2_to_v3, 3: _v3_to_v4}
"""schema_version -> function returning the same event in version + 1 (pure, dict -> dict)."""

M = TypeVar("M", bound=BaseModel)


class CodecError(ValueError):
    """A record could not be decoded or validated; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def decode_event(raw: bytes | str) -> DocketEvent:
    """Parse and validate one docket event from JSON bytes, upcasting old versions."""
    try:
        return EVENT_ADAPTER.validate_json(raw)
    except ValidationError as exc:
        upcast = _maybe_upcast(raw)
        if upcast is None:
            raise CodecError(_describe(exc)) from exc
    try:
        return EVENT_ADAPTER.validate_python(upcast)
    except ValidationError as exc:
        raise CodecError("after upcasting: " + _describe(exc)) from exc


def _maybe_upcast(raw: bytes | str) -> dict[str, Any] | None:
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(obj, dict):
        return None
    doc: dict[str, Any] = obj
    version = doc.get("schema_version")
    if not isinstance(version, int) or version >= EVENT_SCHEMA_VERSION or version not in UPCASTERS:
        return None
    while version < EVENT_SCHEMA_VERSION:
        if version not in UPCASTERS:
            return None
        doc = UPCASTERS[version](doc)
        version += 1
        doc["schema_version"] = version
    return doc


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors(include_url=False)[:5]:
        loc = ".".join(str(p) for p in err["loc"]) or "<record>"
        parts.append(f"{loc}: {err['msg']}")
    more = exc.error_count() - len(parts)
    return "; ".join(parts) + (f" (+{more} more)" if more > 0 else "")


def encode_event(event: DocketEvent) -> bytes:
    return EVENT_ADAPTER.dump_json(event)


def encode(model: BaseModel) -> bytes:
    """Deterministic JSON bytes of any contract model (field order = declaration order)."""
    if type(model) is CaseState:
        return encode_state(model)
    return model.__pydantic_serializer__.to_json(model)


_ENTRY_SERIALIZER = EntryRecord.__pydantic_serializer__
_STATE_SERIALIZER = CaseState.__pydantic_serializer__
_NO_ENTRIES = b',"entries":[],'
ENTRY_JSON_CACHE_SIZE = 30_000
"""Entries whose JSON is remembered: at most ~52 MiB (1.7 KB each with the record it holds, measured)."""
_entry_json: dict[int, tuple[EntryRecord, bytes]] = {}


def encode_state(state: CaseState) -> bytes:
    """``encode(state)``, byte for byte, with each entry's JSON remembered.

    A state is written after every change of its case, and it lists every
    entry; serialising the entries again each time was most of the cost (a
    24-entry state: ~150 us of which ~7 us per entry). Entry records are
    immutable and shared by a case's successive states, so their JSON is kept
    by object (the record is held with it, so an id is never reused while it
    is in the memo; the oldest quarter goes when it is full).
    """
    head = (
        _STATE_SERIALIZER.to_json(state.model_copy(update={"entries": ()}))
        if state.entries
        else None
    )
    if head is None:
        return _STATE_SERIALIZER.to_json(state)
    parts = []
    memo = _entry_json
    for r in state.entries:
        hit = memo.get(id(r))
        if hit is not None:  # the memo holds the record: its id is not reused while it is here
            parts.append(hit[1])
        else:
            raw = _ENTRY_SERIALIZER.to_json(r)
            memo[id(r)] = (r, raw)
            parts.append(raw)
    if len(memo) > ENTRY_JSON_CACHE_SIZE:
        for key in list(itertools.islice(memo, len(memo) // 4)):
            del memo[key]
    at = head.rindex(_NO_ENTRIES)  # the last field but one, after every string value of the header
    return b"".join(
        (head[:at], b',"entries":[', b",".join(parts), b"],", head[at + len(_NO_ENTRIES) :])
    )


def decode_alert(raw: bytes | str) -> Alert:
    try:
        return ALERT_ADAPTER.validate_json(raw)
    except ValidationError as exc:
        raise CodecError(_describe(exc)) from exc


def decode_state(raw: bytes | str) -> CaseState:
    try:
        return STATE_ADAPTER.validate_json(raw)
    except ValidationError as exc:
        raise CodecError(_describe(exc)) from exc


def dumps(obj: Any) -> bytes:
    """JSON bytes for plain values (dicts, lists, dates) — orjson, sorted keys."""
    return orjson.dumps(obj, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)


def loads(raw: bytes | str) -> Any:
    return orjson.loads(raw)
