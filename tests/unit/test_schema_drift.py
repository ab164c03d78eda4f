"""The committed JSON Schema files and AsyncAPI document are the models' schema, and they validate real events."""

from __future__ import annotations

import json

import jsonschema
import yaml

from schemas import generate_asyncapi
from schemas.cloudevents import HEADER_NAMES
from schemas.codec import encode, encode_event, encode_snapshot
from schemas.generate import JSON_DIR, SCHEMAS, render
from schemas.generate_asyncapi import ASYNCAPI_PATH
from services.core.detect import detect
from services.core.evolve import evolve, snapshot
from services.kafka.topics import topic_specs
from services.settings import Settings
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


def test_committed_asyncapi_document_matches_the_models_and_topic_specs() -> None:
    committed = ASYNCAPI_PATH.read_text()
    assert committed == generate_asyncapi.render(), (
        "schemas/asyncapi.yaml drifted: run `python -m schemas.generate`"
    )


def test_the_asyncapi_document_has_every_topic_with_its_bindings_and_headers() -> None:
    doc = yaml.safe_load(ASYNCAPI_PATH.read_text())
    s = Settings.model_construct()
    specs = {t.name: t for t in topic_specs(s)}
    addresses = {c["address"]: c for c in doc["channels"].values()}
    assert set(addresses) == {*specs, "subscriptions"}
    for name, spec in specs.items():
        kafka = addresses[name]["bindings"]["kafka"]
        assert (kafka["topic"], kafka["partitions"]) == (name, spec.partitions)
        policy = spec.config.get("cleanup.policy", "delete")
        assert kafka["topicConfiguration"]["cleanup.policy"] == [policy]
    assert addresses["subscriptions"]["bindings"]["kafka"]["topicConfiguration"][
        "cleanup.policy"
    ] == ["compact"]
    messages = doc["components"]["messages"]
    for message, headers in (("docketEvent", "DocketEventHeaders"), ("alert", "AlertHeaders")):
        assert messages[message]["headers"] == {"$ref": f"#/components/schemas/{headers}"}
        schema = doc["components"]["schemas"][headers]
        assert set(schema["required"]) == set(HEADER_NAMES)


def test_the_asyncapi_event_example_validates_against_its_payload_and_headers() -> None:
    doc = yaml.safe_load(ASYNCAPI_PATH.read_text())
    schemas = doc["components"]["schemas"]
    message = doc["components"]["messages"]["docketEvent"]
    (example,) = message["examples"]
    registry = {"components": {"schemas": schemas}}
    payload_schema = {**message["payload"], **registry}
    jsonschema.validate(example["payload"], payload_schema)
    jsonschema.validate(example["headers"], {**schemas["DocketEventHeaders"], **registry})
