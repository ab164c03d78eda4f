"""Fuzz the readers: every record that decodes from our own topics can be applied by each of them.

A value the decoder accepts but a reader cannot apply wedges that reader
(issue 12.1: the feeder restarted from its stored offsets forever). So for
every batch :func:`decode_records` makes of mutated real records:

* both read models (``InMemoryReadModel``, ``SqliteReadModel``) apply it;
* the processor's fold (``evolve`` + ``detect``) takes every decoded event;
* the dispatcher matches and renders every decoded alert (``wants``,
  ``delivery_body``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given

from services.core.detect import detect
from services.core.evolve import evolve
from services.dispatcher.matching import wants
from services.dispatcher.model import Subscription
from services.dispatcher.payload import delivery_body
from services.readmodel.feeder import decode_records
from services.readmodel.memory import InMemoryReadModel
from services.readmodel.sqlite import SqliteReadModel
from services.readmodel.values import Batch
from tests.fuzz import topics
from tests.fuzz.budget import FUZZ, count_example
from tests.fuzz.test_fuzz_topic_decoders import _SUBSCRIPTION, KINDS, _records

SUBSCRIPTIONS = [
    Subscription.model_validate(_SUBSCRIPTION),
    Subscription.model_validate({**_SUBSCRIPTION, "filters": {}}),
]
PUBLISHED = dt.datetime(2025, 1, 31, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def sqlite_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqliteReadModel]:
    """One store for all examples: batches are upserts, as the feeder's are."""
    store = SqliteReadModel(Path(tmp_path_factory.mktemp("fuzz")) / "rm.sqlite")
    yield store
    store.close()


def _apply_everywhere(batch: Batch, sqlite_store: SqliteReadModel) -> None:
    InMemoryReadModel().apply(batch)
    sqlite_store.apply(batch)
    for event in batch.events:
        state = evolve(None, event)
        detect(None, state, event)
    for alert in batch.alerts:
        delivery_body(alert)
        for sub in SUBSCRIPTIONS:
            wants(sub, alert, PUBLISHED)


@FUZZ
@given(records=_records())
def test_every_decoded_record_is_applied_by_every_reader(
    sqlite_store: SqliteReadModel, records: list[topics.Record]
) -> None:
    count_example("readers apply")
    _apply_everywhere(decode_records(records, KINDS).batch, sqlite_store)


# What the fuzzer found at 162ba16, pinned: a number past SQLite's or orjson's
# 64-bit integers decodes, then the read model or the dispatcher cannot take it.
OUT_OF_RANGE = [
    ("events", ("data", "entry", "document_number")),
    ("events", ("data", "entry", "sequence")),
    ("alerts", ("data", "disposition", "fjc_code")),
]


@pytest.mark.parametrize("value", [2**63, 2**64, -(2**63) - 1])
@pytest.mark.parametrize(("kind", "path"), OUT_OF_RANGE)
def test_a_number_past_64_bits_is_refused_by_the_decoder_or_applied_by_every_reader(
    sqlite_store: SqliteReadModel, kind: str, path: tuple[str, ...], value: int
) -> None:
    key, raw = next(
        (k, v) for k, v in topics.real_records()[kind] if _get(json.loads(v), path) is not None
    )
    doc = json.loads(raw)
    parent = doc
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    topic = {"events": "e", "alerts": "a"}[kind]
    decoded = decode_records([topics.Record(topic, 0, 0, key, json.dumps(doc).encode())], KINDS)
    if decoded.failures:
        return  # the contract bounds it: the reader never sees it
    _apply_everywhere(decoded.batch, sqlite_store)


def _get(doc: Any, path: tuple[str, ...]) -> Any:
    for step in path:
        doc = doc.get(step) if isinstance(doc, dict) else None
    return doc
