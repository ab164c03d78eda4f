"""The one place bytes become models and models become bytes.

``decode_event`` is the single parse path for docket events: one module-level
``TypeAdapter`` over the discriminated union, fed the raw record bytes. Records
written under an older ``schema_version`` are upcast (dict -> dict) before
validation; the upcasters are registered in ``UPCASTERS`` and tested with
recorded old events.

Case states have two encodings, each versioned with its own upcasters, tested
with the values the old processor wrote (``tests/fixtures/states/v1``):

* the **public snapshot** on ``case.states`` (``encode_snapshot`` /
  ``decode_snapshot``): JSON of :class:`~schemas.projection.CaseSnapshot`;
  ``state_version`` 1 (the whole ``CaseState``) is upcast by ``SNAPSHOT_UPCASTERS``;
* the processor's **private memory** (``encode_memory`` / ``decode_memory``): a
  compact JSON layout, ``{"v": 2, "head": {...}, "entries": [[...], ...]}``,
  each entry a positional row in ``EntryRecord``'s field order (no keys: about
  half the bytes of v1). ``CaseState`` v1 (what the old table's changelog,
  ``case.states``, holds) is upcast by ``MEMORY_UPCASTERS``. An entry's row is
  encoded once and remembered with the (immutable) record, so a state that
  gained one entry is written without serialising the others again.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar

import orjson
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError, create_model

from schemas.alerts import ALERT_SCHEMA_VERSION, Alert
from schemas.events import EVENT_SCHEMA_VERSION, DocketEvent
from schemas.projection import (
    MEMORY_VERSION,
    SNAPSHOT_VERSION,
    CaseProjection,
    CaseSnapshot,
    CaseState,
    EntryRecord,
    LastEntry,
)

EVENT_ADAPTER: TypeAdapter[DocketEvent] = TypeAdapter(DocketEvent)
ALERT_ADAPTER: TypeAdapter[Alert] = TypeAdapter(Alert)
STATE_ADAPTER: TypeAdapter[CaseState] = TypeAdapter(CaseState)
SNAPSHOT_ADAPTER: TypeAdapter[CaseSnapshot] = TypeAdapter(CaseSnapshot)

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
    return _decode(raw, EVENT_ADAPTER, "schema_version", UPCASTERS, EVENT_SCHEMA_VERSION)


T = TypeVar("T")


def _decode(
    raw: bytes | str,
    adapter: TypeAdapter[T],
    field: str,
    upcasters: dict[int, Upcaster],
    current: int,
    version_of: Callable[[dict[str, Any]], Any] | None = None,
) -> T:
    """``adapter``'s value of ``raw``, of the current version or upcast from an older one."""
    try:
        return adapter.validate_json(raw)
    except ValidationError as exc:
        upcast = _load_versioned(raw, field, upcasters, current, version_of)
        if upcast is None:
            raise CodecError(_describe(exc)) from exc
    try:
        return adapter.validate_python(upcast)
    except ValidationError as exc:
        raise CodecError("after upcasting: " + _describe(exc)) from exc


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors(include_url=False)[:5]:
        where = list(err["loc"])
        if len(where) >= 3 and where[0] == "entries" and isinstance(where[2], int):
            where[2] = _ENTRY_FIELDS[where[2]]  # a memory row's column, by its name
        loc = ".".join(str(p) for p in where) or "<record>"
        parts.append(f"{loc}: {err['msg']}")
    more = exc.error_count() - len(parts)
    return "; ".join(parts) + (f" (+{more} more)" if more > 0 else "")


def encode_event(event: DocketEvent) -> bytes:
    return EVENT_ADAPTER.dump_json(event)


def encode(model: BaseModel) -> bytes:
    """Deterministic JSON bytes of any contract model (field order = declaration order)."""
    return model.__pydantic_serializer__.to_json(model)


def encode_snapshot(snapshot: CaseSnapshot) -> bytes:
    """The value written on ``case.states``."""
    return _SNAPSHOT_SERIALIZER.to_json(snapshot)


def decode_snapshot(raw: bytes | str) -> CaseSnapshot:
    """A ``case.states`` value of any version as the current :class:`CaseSnapshot`."""
    return _decode(raw, SNAPSHOT_ADAPTER, "state_version", SNAPSHOT_UPCASTERS, SNAPSHOT_VERSION)


def _snapshot_v1_to_v2(doc: dict[str, Any]) -> dict[str, Any]:
    """Version 2 drops the entry list and the header internals, and names the last entry."""
    entries = doc.get("entries")
    last = entries[-1] if isinstance(entries, list) and entries else None
    out = {k: v for k, v in doc.items() if k not in _SNAPSHOT_V1_ONLY}
    out["last_entry"] = (
        {k: last.get(k) for k in _LAST_ENTRY_FIELDS} if isinstance(last, dict) else None
    )
    return out


_SNAPSHOT_V1_ONLY = frozenset({"entries", "header_date_filed", "header_class_action"})
_LAST_ENTRY_FIELDS = ("entry_key", "event_id", "type", "date", "document_number")
SNAPSHOT_UPCASTERS: dict[int, Upcaster] = {1: _snapshot_v1_to_v2}
"""state_version -> function returning the same snapshot in version + 1 (pure, dict -> dict)."""


# --- the private memory -------------------------------------------------------

_ENTRY_FIELDS: tuple[str, ...] = tuple(EntryRecord.model_fields)
_EntryRow: Any = tuple.__class_getitem__(  # one column per field of EntryRecord, in order
    tuple(
        Annotated[(f.annotation, *f.metadata)] if f.metadata else f.annotation
        for f in EntryRecord.model_fields.values()
    )
)
_MemoryDoc: Any = create_model(
    "_MemoryDoc",
    __config__=ConfigDict(frozen=True, extra="forbid"),
    v=(Literal[2], ...),
    head=(CaseState, ...),
    entries=(tuple[_EntryRow, ...], ...),
)
_MEMORY_ADAPTER: TypeAdapter[Any] = TypeAdapter(_MemoryDoc)
_SNAPSHOT_SERIALIZER = CaseSnapshot.__pydantic_serializer__
_STATE_SERIALIZER = CaseState.__pydantic_serializer__
_NO_ENTRIES = {"entries"}


_ROW_VALUES = operator.itemgetter(*_ENTRY_FIELDS)


def _row(record: EntryRecord) -> bytes:
    """The record's row: orjson of its values in field order (dates ISO, a UTC time as +00:00).

    orjson, not pydantic: 10x cheaper for a row, and the decoder validates the row with
    the model's types either way.
    """
    try:
        raw: bytes = record._row  # type: ignore[attr-defined]
    except AttributeError:
        raw = orjson.dumps(_ROW_VALUES(record.__dict__))
        object.__setattr__(record, "_row", raw)
    return raw


_LAST_ENTRY_FROM_RECORD = set(LastEntry.model_fields)
_ENTRY_SERIALIZER = EntryRecord.__pydantic_serializer__
_SHARED = list(CaseProjection.model_fields)
assert list(CaseState.model_fields)[: len(_SHARED)] == _SHARED
assert list(CaseState.model_fields)[len(_SHARED)] == "header_date_filed"
assert list(CaseSnapshot.model_fields) == [*_SHARED, "last_entry", "state_version"]
assert list(EntryRecord.model_fields)[: len(LastEntry.model_fields)] == list(
    LastEntry.model_fields
), "LastEntry's fields are EntryRecord's first ones, in their order"


def encode_snapshot_of(state: CaseState) -> bytes:
    """``encode_snapshot(snapshot(state))``, byte for byte, without building the snapshot."""
    return encode_outputs(state)[1]


def encode_memory(state: CaseState) -> bytes:
    """The processor table's value for ``state`` (private memory, version ``MEMORY_VERSION``)."""
    return encode_outputs(state)[0]


_PRIVATE_FIELDS = b',"header_date_filed":'


def encode_outputs(state: CaseState) -> tuple[bytes, bytes]:
    """(private memory, public snapshot) of ``state``, from one serialisation of its head.

    Both models start with :class:`~schemas.projection.CaseProjection`'s fields
    (import-time checks hold the orders), the memory then has ``header_*`` and the
    entries, the snapshot the last entry and its version: the snapshot's JSON is the
    head's up to ``,"header_date_filed":`` (a quote inside a string value is escaped,
    so that can only be the member itself) and its own two members.
    ``tests/unit/test_incremental_fold.py`` compares it with ``encode_snapshot(snapshot(state))``.
    """
    head = _STATE_SERIALIZER.to_json(state, exclude=_NO_ENTRIES)
    rows = b",".join([_row(r) for r in state.entries])
    memory = b'{"v":%d,"head":%b,"entries":[%b]}' % (MEMORY_VERSION, head, rows)
    cut = head.index(_PRIVATE_FIELDS)
    last = (
        _ENTRY_SERIALIZER.to_json(state.entries[-1], include=_LAST_ENTRY_FROM_RECORD)
        if state.entries
        else b"null"
    )
    public = b'%b,"last_entry":%b,"state_version":%d}' % (head[:cut], last, SNAPSHOT_VERSION)
    return memory, public


def decode_memory(raw: bytes | str) -> CaseState:
    """A table value of any version (``CaseState`` v1 JSON included) as the current :class:`CaseState`."""
    doc = _decode(raw, _MEMORY_ADAPTER, "v", MEMORY_UPCASTERS, MEMORY_VERSION, _memory_version)
    entries = tuple(
        EntryRecord.model_construct(**dict(zip(_ENTRY_FIELDS, row, strict=True)))
        for row in doc.entries
    )
    head: CaseState = doc.head
    return head.model_copy(update={"entries": entries})


def _memory_version(doc: dict[str, Any]) -> Any:
    if "v" in doc:
        return doc["v"]
    return 1 if doc.get("state_version") == 1 else None  # CaseState v1, as case.states held it


def _memory_v1_to_v2(doc: dict[str, Any]) -> dict[str, Any]:
    """``CaseState`` v1 (JSON, every entry an object) to the compact layout."""
    entries = doc.get("entries", [])
    defaults = {name: f.get_default() for name, f in EntryRecord.model_fields.items()}
    rows = (
        [
            [e.get(f, defaults[f]) for f in _ENTRY_FIELDS] if isinstance(e, dict) else e
            for e in entries
        ]
        if isinstance(entries, list)
        else entries
    )
    head = {k: v for k, v in doc.items() if k not in ("entries", "state_version")}
    return {"v": 2, "head": head, "entries": rows}


MEMORY_UPCASTERS: dict[int, Upcaster] = {1: _memory_v1_to_v2}
"""memory version -> function returning the same memory in version + 1 (pure, dict -> dict)."""


def _load_versioned(
    raw: bytes | str,
    field: str,
    upcasters: dict[int, Upcaster],
    current: int,
    version_of: Callable[[dict[str, Any]], Any] | None = None,
) -> dict[str, Any] | None:
    """The document upcast to ``current``, or None when it is not an older known version."""
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(obj, dict):
        return None
    doc: dict[str, Any] = obj
    version = version_of(doc) if version_of is not None else doc.get(field)
    if not isinstance(version, int) or version >= current or version not in upcasters:
        return None
    while version < current:
        if version not in upcasters:
            return None
        doc = upcasters[version](doc)
        version += 1
        doc[field] = version
    return doc


def decode_alert(raw: bytes | str) -> Alert:
    """A ``case.alerts`` value of any version as the current :class:`Alert`."""
    return _decode(raw, ALERT_ADAPTER, "schema_version", ALERT_UPCASTERS, ALERT_SCHEMA_VERSION)


def _alert_v1_to_v2(doc: dict[str, Any]) -> dict[str, Any]:
    """Version 2 adds alert types and optional fields: a version 1 alert is one as it is."""
    return doc


ALERT_UPCASTERS: dict[int, Upcaster] = {1: _alert_v1_to_v2}
"""schema_version -> function returning the same alert in version + 1 (pure, dict -> dict)."""


def dumps(obj: Any) -> bytes:
    """JSON bytes for plain values (dicts, lists, dates) — orjson, sorted keys."""
    return orjson.dumps(obj, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)


def loads(raw: bytes | str) -> Any:
    return orjson.loads(raw)
