"""One parse path: bytes -> validated model, with precise errors."""

from __future__ import annotations

import orjson
import pytest

from schemas import codec
from schemas.alerts import ALERT_SCHEMA_VERSION
from schemas.codec import CodecError, decode_alert, decode_event, dumps, encode, encode_event, loads
from tests.unit.core_builders import dismissal
from tests.webhook_util import make_alert


def test_round_trip_is_byte_identical() -> None:
    raw = encode_event(dismissal())
    assert encode_event(decode_event(raw)) == raw


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (b"{not json", "Invalid JSON"),
        (b'{"type": "case.exploded"}', "does not match any of the expected tags"),
        (b"[]", "Input should be"),
        (b"\xff\xfe", "Invalid"),
    ],
)
def test_bad_records_raise_codec_error_with_a_reason(raw: bytes, fragment: str) -> None:
    with pytest.raises(CodecError) as info:
        decode_event(raw)
    assert fragment.lower() in info.value.reason.lower()


def test_missing_field_names_the_field() -> None:
    doc = orjson.loads(encode_event(dismissal()))
    del doc["data"]["entry"]["date_filed"]
    with pytest.raises(CodecError) as info:
        decode_event(orjson.dumps(doc))
    assert "data.entry.date_filed" in info.value.reason


def test_unknown_future_schema_version_is_rejected() -> None:
    doc = orjson.loads(encode_event(dismissal()))
    doc["schema_version"] = 99
    with pytest.raises(CodecError):
        decode_event(orjson.dumps(doc))


def test_registered_upcaster_runs_before_validation(monkeypatch: pytest.MonkeyPatch) -> None:
    """An older version is upcast dict->dict and then validated like any event."""
    current = orjson.loads(encode_event(dismissal()))
    old = dict(current, schema_version=0)
    old["data"] = dict(current["data"])
    old["data"]["entry"] = {k: v for k, v in current["data"]["entry"].items() if k != "text"}
    old["data"]["entry"]["docket_text"] = current["data"]["entry"]["text"]

    def v0_to_v1(doc: dict) -> dict:
        entry = dict(doc["data"]["entry"])
        entry["text"] = entry.pop("docket_text")
        return {**doc, "data": {**doc["data"], "entry": entry}}

    monkeypatch.setitem(codec.UPCASTERS, 0, v0_to_v1)
    assert decode_event(orjson.dumps(old)) == dismissal()
    monkeypatch.delitem(codec.UPCASTERS, 0)
    with pytest.raises(CodecError):
        decode_event(orjson.dumps(old))


def test_the_memory_encoding_round_trips_every_state() -> None:
    # shared records, fresh copies, no entries, and header strings that look like the layout
    from schemas.codec import decode_memory, encode_memory
    from services.core.evolve import project
    from tests.unit.core_builders import complaint

    state = project([complaint(), dismissal()])
    assert state is not None
    tricky = state.model_copy(
        update={"case_name": 'x],"entries":[],"v":1}', "parties": ('"entries":[]',)}
    )
    copies = state.model_copy(update={"entries": tuple(r.model_copy() for r in state.entries)})
    empty = state.model_copy(update={"entries": ()})
    for s in (state, state, tricky, copies, empty):
        raw = encode_memory(s)
        assert raw.startswith(b'{"v":2,"head":{')
        assert decode_memory(raw) == s
        assert encode_memory(decode_memory(raw)) == raw


def test_an_entry_row_is_encoded_once_per_record(monkeypatch: pytest.MonkeyPatch) -> None:
    from schemas.codec import encode_memory
    from services.core.evolve import evolve, project
    from tests.unit.core_builders import complaint

    state = project([complaint()])
    assert state is not None
    encode_memory(state)
    rows: list[object] = []
    values = codec._ROW_VALUES

    def counting(d: dict[str, object]) -> object:
        rows.append(d)
        return values(d)

    monkeypatch.setattr(codec, "_ROW_VALUES", counting)
    grown = evolve(state, dismissal())
    encode_memory(grown)
    encode_memory(grown)
    assert len(rows) == 1  # the new entry's row only, once


def test_a_version_1_alert_reads_as_version_2() -> None:

    current = make_alert()
    doc = loads(encode(current))
    doc["schema_version"] = 1
    old = decode_alert(dumps(doc))
    assert old.schema_version == ALERT_SCHEMA_VERSION == 2
    assert old == current


def test_an_alert_of_a_newer_version_is_refused_with_a_reason() -> None:

    doc = loads(encode(make_alert()))
    doc["schema_version"] = 3
    with pytest.raises(CodecError, match="schema_version"):
        decode_alert(dumps(doc))
