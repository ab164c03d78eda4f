"""Schema evolution: events recorded under version 1 decode to the current model and fold.

The files in ``tests/fixtures/events/v1/`` were written by the version-1 code
(the reference case as the demo JSONL, the PACER RSS adapter and the NEF
adapter produced it) before version 2 existed. They must never be
regenerated: they are what old logs contain.
"""

from __future__ import annotations

import copy
from pathlib import Path

import orjson
import pytest

from schemas import codec
from schemas.codec import decode_event, encode, encode_event
from schemas.events import EVENT_SCHEMA_VERSION
from schemas.projection import CaseState
from services.core.evolve import project, to_record
from services.demo.make_demo import DEMO_DIR
from services.processor.step import RecordRef, handle_record

V1 = Path(__file__).resolve().parents[1] / "fixtures" / "events" / "v1"
REF_ID = "cand:5:25-cv-00709"


def v1(name: str) -> bytes:
    return (V1 / name).read_bytes().strip()


def current_demo_events() -> list[bytes]:
    """The same two reference entries as the current code writes them (regenerated demo data)."""
    return (DEMO_DIR / "reference_case.jsonl").read_bytes().splitlines()


def test_the_recorded_files_really_are_version_1() -> None:
    names = sorted(p.name for p in V1.glob("*.json"))
    assert names == [
        "reference_complaint.json",
        "reference_dismissal.json",
        "reference_dismissal_nef.json",
        "reference_dismissal_rss.json",
    ]
    assert EVENT_SCHEMA_VERSION == 4
    for name in names:
        doc = orjson.loads(v1(name))
        assert doc["schema_version"] == 1, name
        assert "classifier_rule" not in doc["data"], name


@pytest.mark.parametrize("name", sorted(p.name for p in V1.glob("*.json")))
def test_a_version_1_event_decodes_to_the_current_model_with_every_recorded_field(
    name: str,
) -> None:
    raw = v1(name)
    event = decode_event(raw)
    assert event.schema_version == EVENT_SCHEMA_VERSION
    assert event.data.classifier_rule is None, "version 1 did not record the rule"
    recorded = orjson.loads(raw)
    upgraded = orjson.loads(encode_event(event))
    del upgraded["data"]["classifier_rule"]
    assert upgraded["data"].pop("classifier_confidence") is None, (
        "version 1 did not record a confidence"
    )
    for added in (
        "reopen_within_days",
        "closes_after_settlement",
        "entry_class",
        "entry_outcome",
        "cites",
    ):  # version 3 and 4 fields at their defaults
        assert upgraded["data"].pop(added, None) in (None, False, [])
    assert upgraded == {**recorded, "schema_version": EVENT_SCHEMA_VERSION}


def test_a_version_1_event_is_the_same_fact_as_its_current_encoding() -> None:
    for old_raw, new_raw in zip(
        [v1("reference_complaint.json"), v1("reference_dismissal.json")], current_demo_events()
    ):
        old, new = decode_event(old_raw), decode_event(new_raw)
        assert old.id == new.id
        assert to_record(old) == to_record(new)
        assert new.data.classifier_rule is not None and old.data.classifier_rule is None


def test_the_upcaster_is_pure() -> None:
    doc = orjson.loads(v1("reference_dismissal.json"))
    before = copy.deepcopy(doc)
    out = codec.UPCASTERS[1](doc)
    assert doc == before
    assert out["data"]["classifier_rule"] is None and out["data"]["dismissal"] == "voluntary"


def test_without_its_upcaster_a_version_1_event_is_rejected(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delitem(codec.UPCASTERS, 1)
    with pytest.raises(codec.CodecError) as info:
        decode_event(v1("reference_dismissal.json"))
    assert "schema_version" in info.value.reason


def test_the_processor_folds_version_1_records_into_the_same_state_as_current_ones() -> None:
    """Through the processor's own per-record step, v1 and v2 records mixed."""
    states: dict[str, CaseState] = {}
    alerts = []
    recorded = [
        v1("reference_dismissal_rss.json"),
        v1("reference_complaint.json"),
        v1("reference_dismissal_nef.json"),
    ]
    for offset, raw in enumerate(recorded):
        out = handle_record(REF_ID.encode(), raw, RecordRef("docket.events", 0, offset), states.get)
        assert out.dead_letter is None, out.dead_letter
        if out.state is not None:
            states[REF_ID] = out.state
            alerts += out.alerts
    state = states[REF_ID]
    assert state.status == "closed"
    assert state.disposition is not None
    assert (state.disposition.type, state.disposition.prejudice) == (
        "voluntary_dismissal",
        "without",
    )
    # the RSS stub closed the case first (newest first), the NEF text refined its prejudice
    assert [(a.type, a.data.from_status, a.data.to_status) for a in alerts] == [
        ("status.changed", "open", "closed"),
        ("disposition.changed", "closed", "closed"),
    ]


def test_version_1_and_current_records_of_the_same_entries_give_byte_identical_projections() -> (
    None
):
    recorded = [v1("reference_complaint.json"), v1("reference_dismissal.json")]
    old = project(decode_event(raw) for raw in recorded)
    new = project(decode_event(raw) for raw in current_demo_events())
    assert old is not None and new is not None
    assert encode(old) == encode(new)


V2 = V1.parent / "v2"


@pytest.mark.parametrize("name", ["reference_complaint.json", "reference_dismissal.json"])
def test_a_version_2_event_decodes_with_no_confidence_and_folds_as_its_current_encoding(
    name: str,
) -> None:
    """``tests/fixtures/events/v2/`` was written by the version-2 demo generator; never regenerate it."""
    raw = (V2 / name).read_bytes().strip()
    doc = orjson.loads(raw)
    assert doc["schema_version"] == 2 and "classifier_confidence" not in doc["data"]
    old = decode_event(raw)
    assert old.schema_version == EVENT_SCHEMA_VERSION and old.data.classifier_confidence is None
    (new,) = [
        decode_event(line) for line in current_demo_events() if orjson.loads(line)["id"] == old.id
    ]
    assert new.data.classifier_confidence == "high"
    assert to_record(old) == to_record(new)  # an unrecorded confidence reads as high


def test_without_its_upcaster_a_version_2_event_is_rejected(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delitem(codec.UPCASTERS, 2)
    with pytest.raises(codec.CodecError):
        decode_event((V2 / "reference_dismissal.json").read_bytes().strip())


V3 = V1.parent / "v3"


@pytest.mark.parametrize("name", ["reference_complaint.json", "reference_dismissal.json"])
def test_a_version_3_event_decodes_with_no_entry_class_and_folds_as_its_current_encoding(
    name: str,
) -> None:
    """``tests/fixtures/events/v3/`` was written by the version-3 demo generator; never regenerate it."""
    raw = (V3 / name).read_bytes().strip()
    doc = orjson.loads(raw)
    assert doc["schema_version"] == 3 and "entry_class" not in doc["data"]
    old = decode_event(raw)
    assert old.schema_version == EVENT_SCHEMA_VERSION
    assert (old.data.entry_class, old.data.entry_outcome, old.data.cites) == (None, None, ())
    (new,) = [
        decode_event(line) for line in current_demo_events() if orjson.loads(line)["id"] == old.id
    ]
    assert new.data.entry_class in ("complaint", "dismissal")
    assert to_record(old) == to_record(new)


def test_without_its_upcaster_a_version_3_event_is_rejected(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delitem(codec.UPCASTERS, 3)
    with pytest.raises(codec.CodecError):
        decode_event((V3 / "reference_dismissal.json").read_bytes().strip())
