"""Real records of our own topics, for the decoder fuzz tests.

Events are what the ingest adapters make of the real files (``tests/fuzz/corpus``
seeds); states and alerts are those events folded with the processor's own
``evolve`` and ``detect``, exactly what ``case.states`` and ``case.alerts`` hold.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from schemas.codec import encode, encode_event, encode_memory, encode_snapshot
from schemas.projection import CaseState
from services.core.detect import detect
from services.core.evolve import evolve, snapshot
from services.ingest.formats import PARSERS
from services.ingest.records import Parsed
from tests.fuzz import corpus


@dataclass(frozen=True, slots=True)
class Record:
    """A Kafka record as the readers see it (aiokafka's ``ConsumerRecord`` fields they read)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    timestamp: int = 1_738_278_764_000


@functools.cache
def real_records() -> dict[str, tuple[tuple[bytes, bytes], ...]]:
    """(key, value) of real events, states and alerts, at most a few hundred of each."""
    events = []
    for fmt, kind in (("nef", "nef"), ("pacer-rss", "rss"), ("jsonl", "jsonl")):
        for name, data in corpus.seeds(kind):
            events += [r.event for r in PARSERS[fmt](data, name) if isinstance(r, Parsed)]
    for name, data in corpus.docket_files()[:20]:
        events += [r.event for r in PARSERS["courtlistener"](data, name) if isinstance(r, Parsed)]
    states: dict[str, CaseState | None] = {}
    alerts = []
    for event in events:
        old = states.get(event.subject)
        new = evolve(old, event)
        if new is not old:
            alerts += detect(old, new, event)
        states[event.subject] = new
    from tests import reference_fold

    folded = [(k.encode(), s) for k, s in states.items() if s is not None]
    old = [
        (k.encode(), reference_fold.encode(s)) for k, s in reference_fold.fold_log(events).items()
    ]
    return {
        "events": tuple((e.subject.encode(), encode_event(e)) for e in events[:400]),
        # case.states: snapshots, and the v1 states the old processor wrote (upcast)
        "states": tuple((k, encode_snapshot(snapshot(s))) for k, s in folded) + tuple(old),
        # the processor's private changelog: memories, and v1 states (its old changelog, upcast)
        "memories": tuple((k, encode_memory(s)) for k, s in folded) + tuple(old),
        "alerts": tuple((a.subject.encode(), encode(a)) for a in alerts[:400]),
    }


@st.composite
def values(draw: corpus.Draw, kind: str) -> tuple[bytes | None, bytes | None]:
    """(key, value) of a real ``kind`` record, mutated as JSON or as bytes, or anything at all."""
    key, value = draw(st.sampled_from(real_records()[kind]))
    how = draw(st.sampled_from(["json", "json", "bytes", "key", "none", "arbitrary"]))
    if how == "json":
        doc: Any = draw(corpus.mutated_json(json.loads(value), steps=4))
        value = json.dumps(doc).encode()
    elif how == "bytes":
        value = draw(corpus.mutated_seeds((("record", value),), corpus.BYTE_MUTATORS))[1]
    elif how == "key":
        key = draw(
            st.one_of(st.none(), st.binary(max_size=30), st.text(max_size=30).map(str.encode))
        )
    elif how == "none":
        key, value = draw(st.sampled_from([(key, None), (None, value), (None, None)]))
    else:
        value = draw(
            st.one_of(
                st.binary(max_size=200),
                corpus.json_values.map(lambda v: json.dumps(v).encode()),
                st.integers(1, 100_000).map(corpus.deep_json),
            )
        )
    return key, value
