"""The committed JSON Schema files are the models' schema, and they validate real events."""

from __future__ import annotations

import json

import jsonschema

from schemas.codec import encode, encode_event, encode_snapshot
from schemas.generate import JSON_DIR, SCHEMAS, render
from services.core.detect import detect
from services.core.evolve import evolve, snapshot
from tests.unit.core_builders import complaint, dismissal


def test_committed_json_schemas_match_the_models() -> None:
    for name in SCHEMAS:
        committed = (JSON_DIR / name).read_text()
        assert committed == render(name), f"{name} drifted: run `python -m schemas.generate`"


def test_events_alerts_and_states_validate_against_the_committed_schemas() -> None:
    c, d = complaint(), dismissal()
    s1 = evolve(None, c)
    s2 = evolve(s1, d)
    (alert,) = detect(s1, s2, d)
    docs = {
        "docket-event.schema.json": [encode_event(c), encode_event(d)],
        "alert.schema.json": [encode(alert)],
        "case-state.schema.json": [encode_snapshot(snapshot(s1)), encode_snapshot(snapshot(s2))],
    }
    for name, raws in docs.items():
        schema = json.loads((JSON_DIR / name).read_text())
        for raw in raws:
            jsonschema.validate(json.loads(raw), schema)
