"""The AsyncAPI 3.0 document of docketline's topics, built from the models and the topic specs.

``python -m schemas.generate`` writes it to ``schemas/asyncapi.yaml`` with the
JSON Schemas; ``tests/unit/test_schema_drift.py`` fails when the committed file
no longer matches, and ``tests/unit/test_asyncapi_document.py`` validates it
with the official parser (``asyncapi validate``).

Everything here is derived: payloads from the pydantic models (one schema set,
shared definitions under ``components.schemas``), headers from
:mod:`schemas.cloudevents`, Kafka bindings (partitions, ``cleanup.policy``,
``max.message.bytes``) from the topic specs the code creates topics with, for
the default settings (``Settings`` defaults, not the environment of the run).
"""

from __future__ import annotations

import importlib.metadata
from pathlib import Path
from typing import Any, Final, get_args

import orjson
from pydantic import TypeAdapter

from schemas.alerts import ALERT_TYPES, Alert
from schemas.cloudevents import CONTENT_TYPE, ce_headers
from schemas.codec import decode_event
from schemas.deadletter import DeadLetterRecord
from schemas.events import DocketEvent, EventType
from schemas.projection import CaseState
from services.dispatcher.model import Subscription, SubscriptionDeleted
from services.dispatcher.subscriptions import subscriptions_topic_spec
from services.kafka.admin import TopicSpec
from services.kafka.topics import topic_specs
from services.settings import Settings

ASYNCAPI_PATH: Final = Path(__file__).parent / "asyncapi.yaml"
KAFKA_BINDING_VERSION: Final = "0.5.0"
REF: Final = "#/components/schemas/{model}"
REFERENCE_CASE: Final = Path(__file__).parent.parent / "services" / "demo" / "reference_case.jsonl"

# topic-level configs the Kafka channel binding (0.5.0) knows, with their JSON types
_BINDING_CONFIGS: Final = {"cleanup.policy": list, "max.message.bytes": int, "retention.ms": int}


def _schemas() -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """Top-level payload schemas by name, and the shared definitions (components.schemas)."""
    adapters: list[tuple[str, Any]] = [
        ("DocketEvent", TypeAdapter(DocketEvent)),
        ("Alert", TypeAdapter(Alert)),
        ("CaseState", TypeAdapter(CaseState)),
        ("DeadLetterRecord", TypeAdapter(DeadLetterRecord)),
        ("Subscription", TypeAdapter(Subscription)),
        ("SubscriptionDeleted", TypeAdapter(SubscriptionDeleted)),
    ]
    tops, defs = TypeAdapter.json_schemas(
        [(name, "validation", adapter) for name, adapter in adapters], ref_template=REF
    )
    return {key[0]: _asyncapi_schema(s) for key, s in tops.items()}, {
        name: _asyncapi_schema(s) for name, s in defs.get("$defs", {}).items()
    }


def _asyncapi_schema(node: Any) -> Any:
    """A pydantic JSON Schema as an AsyncAPI Schema Object.

    AsyncAPI's ``discriminator`` is a property name whose value must name a schema,
    not OpenAPI's mapping object that pydantic writes; it is left out (the union stays
    exact: each member fixes ``type`` with ``const``).
    """
    if isinstance(node, dict):
        return {k: _asyncapi_schema(v) for k, v in node.items() if k != "discriminator"}
    if isinstance(node, list):
        return [_asyncapi_schema(v) for v in node]
    return node


def _headers(types: tuple[str, ...], what: str) -> dict[str, Any]:
    def text(description: str) -> dict[str, Any]:
        return {"type": "string", "description": description}

    return {
        "type": "object",
        "description": "CloudEvents Kafka protocol binding, binary content mode "
        f"(schemas/cloudevents.py): the attributes of the {what} envelope in the value.",
        "required": ["ce_specversion", "ce_id", "ce_source", "ce_type", "ce_subject", "ce_time"]
        + ["content-type"],
        "properties": {
            "ce_specversion": {"type": "string", "const": "1.0"},
            "ce_id": text("The envelope's id."),
            "ce_source": text("The envelope's source, e.g. 'docketline/ingest/courtlistener'."),
            "ce_type": {
                "type": "string",
                "enum": list(types),
                "description": "The envelope's type.",
            },
            "ce_subject": text("The envelope's subject: the case id, also the record key."),
            "ce_time": {
                "type": "string",
                "format": "date-time",
                "description": "The envelope's time; when it is null, the occurrence's day "
                "(entry date_filed, alert data.date) at 00:00 UTC.",
            },
            "content-type": {
                "type": "string",
                "const": CONTENT_TYPE,
                "description": "The value is the JSON envelope itself (CloudEvents data), "
                "not application/cloudevents+json.",
            },
        },
    }


def _channel_binding(spec: TopicSpec) -> dict[str, Any]:
    config: dict[str, Any] = {"cleanup.policy": ["delete"]}
    for name, value in spec.config.items():
        kind = _BINDING_CONFIGS.get(name)
        if kind is list:
            config[name] = value.split(",")
        elif kind is int:
            config[name] = int(value)
    return {
        "kafka": {
            "topic": spec.name,
            "partitions": spec.partitions,
            "replicas": spec.replication_factor,
            "topicConfiguration": config,
            "bindingVersion": KAFKA_BINDING_VERSION,
        }
    }


def _key(description: str) -> dict[str, Any]:
    return {
        "kafka": {
            "key": {"type": "string", "description": description},
            "bindingVersion": KAFKA_BINDING_VERSION,
        }
    }


def _event_example() -> dict[str, Any]:
    """The reference case's first event as it is on the wire, headers included."""
    first = REFERENCE_CASE.read_bytes().splitlines()[0]
    event = decode_event(first)
    return {
        "name": "referenceCaseFiled",
        "summary": "The reference case's complaint (services/demo/reference_case.jsonl).",
        "headers": {name: value.decode() for name, value in ce_headers(event)},
        "payload": orjson.loads(first),
    }


def document(settings: Settings | None = None) -> dict[str, Any]:
    s = settings if settings is not None else Settings.model_construct()  # defaults, no env
    specs = {t.name: t for t in topic_specs(s)}
    subs = subscriptions_topic_spec(s)
    payloads, defs = _schemas()
    payloads["CaseMemory"] = {
        "type": "object",
        "description": "Private to the processor (schemas.codec.encode_memory): not a contract.",
    }
    case_key = "The case id (subject), UTF-8; one case is on one partition, in order."

    def channel(spec: TopicSpec, title: str, description: str, *messages: str) -> dict[str, Any]:
        return {
            "address": spec.name,
            "title": title,
            "description": description,
            "messages": {m: {"$ref": f"#/components/messages/{m}"} for m in messages},
            "bindings": _channel_binding(spec),
        }

    channels: dict[str, Any] = {
        "docketEvents": channel(
            specs[s.topic_events],
            "Docket events",
            "The log of facts: every docket entry of every case, as a versioned "
            "CloudEvents-shaped envelope (schemas/events.py). Append-only; the source of truth.",
            "docketEvent",
        ),
        "caseStates": channel(
            specs[s.topic_states],
            "Case states",
            "The public snapshot of each case (CaseSnapshot, schemas/projection.py), compacted: "
            "the last record per case id is the case's state. No entry list: a case's entries "
            "are its events on docket.events. Version 1 values (whole CaseState) are upcast by "
            "schemas.codec.decode_snapshot.",
            "caseState",
        ),
        "caseMemory": channel(
            specs[s.topic_memory],
            "Case memory (private)",
            "The worker's table changelog: the fold's memory of each case in a compact, "
            "versioned, private encoding (schemas.codec.encode_memory). Only workers, "
            "`docketline rebuild` and `docketline check` read it, and its shape may change in "
            "any release: read case.states instead.",
            "caseMemory",
        ),
        "caseAlerts": channel(
            specs[s.topic_alerts],
            "Case alerts",
            "Status and disposition changes (schemas/alerts.py); the webhook "
            "dispatcher reads them. Alert ids are deterministic: de-duplicate on them.",
            "alert",
        ),
        "deadLetters": channel(
            specs[s.topic_dlq],
            "Dead letters",
            "Records of docket.events the worker could not fold, kept whole "
            "with the reason (schemas/deadletter.py).",
            "deadLetter",
        ),
        "subscriptions": channel(
            subs,
            "Webhook subscriptions",
            "The durable log of webhook subscriptions (services/dispatcher), "
            "compacted. Signing secrets are encrypted at rest (Fernet). A deletion writes a "
            "SubscriptionDeleted mark under 'deleted/{id}', then a tombstone (null value) "
            "under '{id}'.",
            "subscription",
            "subscriptionDeleted",
        ),
    }

    def message(
        name: str, title: str, payload: str, key: str, headers: str | None = None
    ) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": name,
            "title": title,
            "contentType": CONTENT_TYPE,
            "payload": payloads[payload],
            "bindings": _key(key),
        }
        if headers is not None:
            out["headers"] = {"$ref": f"#/components/schemas/{headers}"}
        return out

    messages = {
        "docketEvent": message(
            "DocketEvent", "A docket event", "DocketEvent", case_key, "DocketEventHeaders"
        )
        | {"examples": [_event_example()]},
        "caseState": message("CaseState", "A case's state", "CaseState", case_key),
        "caseMemory": message("CaseMemory", "A case's memory (private)", "CaseMemory", case_key),
        "alert": message("Alert", "An alert", "Alert", case_key, "AlertHeaders"),
        "deadLetter": message(
            "DeadLetterRecord",
            "A dead letter",
            "DeadLetterRecord",
            "The refused record's own key (bytes as they were; may be absent).",
        ),
        "subscription": message(
            "Subscription", "A subscription", "Subscription", "The subscription id."
        ),
        "subscriptionDeleted": message(
            "SubscriptionDeleted",
            "A deletion mark",
            "SubscriptionDeleted",
            "'deleted/' + the subscription id.",
        ),
    }

    # (operation id, action, channel, what docketline does there)
    table = [
        (
            "publishDocketEvents",
            "send",
            "docketEvents",
            "docketline ingest and the watchers publish.",
        ),
        ("foldDocketEvents", "receive", "docketEvents", "The worker folds them into case states."),
        ("publishCaseStates", "send", "caseStates", "The worker (and a rebuild) write each state."),
        ("readCaseStates", "receive", "caseStates", "The read model (API) follows them."),
        ("writeCaseMemory", "send", "caseMemory", "The worker (and a rebuild) write each memory."),
        ("recoverCaseMemory", "receive", "caseMemory", "A worker restores its table from it."),
        ("publishAlerts", "send", "caseAlerts", "The worker (and a rebuild) write status changes."),
        ("dispatchAlerts", "receive", "caseAlerts", "The webhook dispatcher delivers them."),
        ("deadLetter", "send", "deadLetters", "The worker keeps what it could not fold."),
        ("writeSubscriptions", "send", "subscriptions", "The API writes subscriptions."),
        (
            "readSubscriptions",
            "receive",
            "subscriptions",
            "The API and the dispatchers read the log.",
        ),
    ]
    operations = {
        op_id: {
            "action": action,
            "channel": {"$ref": f"#/channels/{ch}"},
            "summary": summary,
            "messages": [
                {"$ref": f"#/channels/{ch}/messages/{m}"} for m in channels[ch]["messages"]
            ],
        }
        for op_id, action, ch, summary in table
    }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "docketline",
            "version": importlib.metadata.version("docketline"),
            "description": "Event-sourced litigation timelines on Kafka. Topic names take "
            "DOCKETLINE_TOPIC_PREFIX in front; partition counts are the defaults "
            "(DOCKETLINE_PARTITIONS). Records of docket.events and case.alerts carry the "
            "CloudEvents binary-mode headers; their value is docketline's JSON envelope "
            "(README, 'Event contract'). Generated by `python -m schemas.generate`: do not edit.",
            "license": {"name": "Apache-2.0"},
        },
        "defaultContentType": CONTENT_TYPE,
        "servers": {
            "local": {
                "host": s.bootstrap_servers,
                "protocol": "kafka",
                "description": "docketline's own broker (`docketline kafka start`); set "
                "DOCKETLINE_BOOTSTRAP_SERVERS for another cluster.",
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {
            "messages": messages,
            "schemas": {
                **defs,
                "DocketEventHeaders": _headers(get_args(EventType), "event"),
                "AlertHeaders": _headers(ALERT_TYPES, "alert"),
            },
        },
    }


def render() -> str:
    import yaml  # type: ignore[import-untyped]  # a test/dev dependency: only the generator needs it

    header = "# Generated by `python -m schemas.generate` from the models and topic specs: do not edit.\n"
    body: str = yaml.safe_dump(document(), sort_keys=False, allow_unicode=True, width=100)
    return header + body
