"""``case.states`` values the old processor wrote (``CaseState`` v1) read as the current models.

``tests/fixtures/states/v1`` was recorded with the fold of before the private
memory (``tests/fixtures/states/record.py`` says how): each value as JSON and as
the zstd-compressed Kafka record batch the worker's producer built. They must
never be regenerated from the current code: they are what old logs contain.
"""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from aiokafka.record.default_records import DefaultRecordBatch  # type: ignore[import-untyped]

from schemas import codec
from schemas.codec import (
    CodecError,
    decode_memory,
    decode_snapshot,
    encode_memory,
    encode_snapshot,
)
from schemas.projection import MEMORY_VERSION, SNAPSHOT_VERSION
from services.core.evolve import evolve, snapshot
from tests import reference_fold
from tests.fixtures.states.record import INPUTS, V1, events_of, zstd_batch
from tests.shared_data import requires_shared_data

NAMES = sorted(p.stem for p in V1.glob("*.json"))
REFERENCE_NAMES = [n for n in NAMES if n.startswith("reference_case")]


def _inputs_of(name: str) -> Path:
    base = next(k for k in sorted(INPUTS, key=len, reverse=True) if name.startswith(k))
    return INPUTS[base]


def _case_states(name: str) -> dict[str, object]:
    """The current fold of the fixture's inputs, event by event: case id -> memory."""
    states: dict[str, object] = {}
    for e in events_of(_inputs_of(name)):
        states[e.subject] = evolve(states.get(e.subject), e)  # type: ignore[arg-type]
    return states


def _params(names: list[str]) -> list[object]:
    return [
        pytest.param(n, marks=[pytest.mark.shared_data, requires_shared_data])
        if n not in REFERENCE_NAMES
        else n
        for n in names
    ]


def test_the_recorded_values_really_are_version_1() -> None:
    assert len(NAMES) >= 8 and len(REFERENCE_NAMES) == 3
    assert (SNAPSHOT_VERSION, MEMORY_VERSION) == (2, 2)
    for name in NAMES:
        doc = orjson.loads((V1 / f"{name}.json").read_bytes())
        assert doc["state_version"] == 1 and doc["entries"], name
        assert "header_date_filed" in doc and "last_entry" not in doc, name


@pytest.mark.parametrize("name", NAMES)
def test_the_batch_holds_the_value_zstd_compressed_under_its_case_id(name: str) -> None:
    raw = (V1 / f"{name}.json").read_bytes()
    batch = DefaultRecordBatch((V1 / f"{name}.batch").read_bytes())
    assert batch.compression_type == 4  # zstd
    [record] = list(batch)
    assert record.value == raw
    assert record.key == orjson.loads(raw)["case_id"].encode()
    assert decode_snapshot(record.value).case_id == record.key.decode()


@pytest.mark.parametrize("name", _params(NAMES))
def test_the_reference_fold_still_writes_the_recorded_bytes(name: str) -> None:
    raw = (V1 / f"{name}.json").read_bytes()
    case_id = orjson.loads(raw)["case_id"]
    states = reference_fold.fold_log(events_of(_inputs_of(name)))
    assert reference_fold.encode(states[case_id]) == raw
    assert zstd_batch(case_id.encode(), raw) == (V1 / f"{name}.batch").read_bytes()


@pytest.mark.parametrize("name", _params(NAMES))
def test_an_old_value_upcasts_to_the_snapshot_and_the_memory_the_current_fold_gives(
    name: str,
) -> None:
    raw = (V1 / f"{name}.json").read_bytes()
    current = _case_states(name)[orjson.loads(raw)["case_id"]]
    assert encode_snapshot(decode_snapshot(raw)) == encode_snapshot(snapshot(current))  # type: ignore[arg-type]
    assert encode_memory(decode_memory(raw)) == encode_memory(current)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", REFERENCE_NAMES)
def test_the_snapshot_of_an_old_value_keeps_what_readers_read(name: str) -> None:
    doc = orjson.loads((V1 / f"{name}.json").read_bytes())
    snap = decode_snapshot(orjson.dumps(doc))
    assert snap.state_version == 2
    for field in ("case_id", "status", "entry_count", "parties"):
        assert orjson.loads(encode_snapshot(snap))[field] == doc[field], field
    assert snap.status == "closed" and snap.disposition is not None
    assert snap.disposition.type == "voluntary_dismissal"
    assert (
        snap.last_entry is not None and snap.last_entry.event_id == doc["entries"][-1]["event_id"]
    )


def test_without_the_upcasters_an_old_value_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    raw = (V1 / "reference_case.json").read_bytes()
    monkeypatch.delitem(codec.SNAPSHOT_UPCASTERS, 1)
    monkeypatch.delitem(codec.MEMORY_UPCASTERS, 1)
    with pytest.raises(CodecError):
        decode_snapshot(raw)
    with pytest.raises(CodecError):
        decode_memory(raw)


@pytest.mark.parametrize("raw", [b"", b"[]", b'{"state_version": 7}', b'{"v": 9}', b"\xff"])
def test_values_of_no_known_version_are_refused(raw: bytes) -> None:
    with pytest.raises(CodecError):
        decode_snapshot(raw)
    with pytest.raises(CodecError):
        decode_memory(raw)
