"""Fuzz every decoder of our topics: only its documented error may leave it.

* ``schemas.codec``: ``decode_event`` / ``decode_alert`` / ``decode_snapshot`` / ``decode_memory`` raise
  :class:`CodecError` only;
* the events topic's validity rules (processor, rebuild, ``docketline check``):
  :func:`decode_record` and the rebuild's :class:`RecordDecoder` raise
  :class:`RecordRejected` only;
* the read model's feeder: :func:`decode_records` never raises, every record is
  either decoded or a failure with its position, and the offsets move past all;
* the subscriptions topic (dispatcher): ``Subscription.model_validate_json``
  raises ``ValidationError`` only.
"""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from schemas.codec import CodecError, decode_alert, decode_event, decode_memory, decode_snapshot
from services.dispatcher.model import Subscription
from services.processor.step import RecordRejected, decode_record
from services.readmodel.feeder import TopicKind, decode_records
from services.rebuild.plan import RecordDecoder
from tests.fuzz import corpus, topics
from tests.fuzz.budget import FUZZ, count_example

KINDS: dict[str, TopicKind] = {"s": "states", "e": "events", "a": "alerts"}
DECODERS = {
    "events": decode_event,
    "alerts": decode_alert,
    "states": decode_snapshot,
    "memories": decode_memory,
}


@FUZZ
@given(st.sampled_from(sorted(DECODERS)).flatmap(lambda k: st.tuples(st.just(k), topics.values(k))))
def test_codec_decoders_raise_only_codec_error(
    case: tuple[str, tuple[bytes | None, bytes | None]],
) -> None:
    count_example("codec")
    kind, (_, value) = case
    if value is None:
        return
    try:
        DECODERS[kind](value)
    except CodecError as exc:
        assert exc.reason


@FUZZ
@given(topics.values("events"))
def test_the_events_topic_rules_raise_only_record_rejected(
    record: tuple[bytes | None, bytes | None],
) -> None:
    count_example("decode_record")
    key, value = record
    outcomes = []
    for decode in (decode_record, RecordDecoder()):
        try:
            outcomes.append(("ok", decode(key, value)))
        except RecordRejected as exc:
            assert exc.reason and exc.error
            outcomes.append(("rejected", exc.reason))
    assert outcomes[0] == outcomes[1]  # the rebuild judges every record as the processor does


@st.composite
def _records(draw: corpus.Draw) -> list[topics.Record]:
    out = []
    offsets: dict[tuple[str, int], int] = {}
    for _ in range(draw(st.integers(1, 6))):
        topic = draw(st.sampled_from(["s", "e", "a", "elsewhere"]))
        kind = KINDS.get(topic, draw(st.sampled_from(["states", "events", "alerts"])))
        key, value = draw(topics.values(kind))
        partition = draw(st.integers(0, 2))
        offset = offsets.get((topic, partition), draw(st.integers(0, 2**40)))
        offsets[(topic, partition)] = offset + 1
        out.append(topics.Record(topic, partition, offset, key, value))
    return out


@FUZZ
@given(_records())
def test_the_feeder_decodes_or_reports_every_record_and_moves_past_all(
    records: list[topics.Record],
) -> None:
    count_example("feeder decode_records")
    decoded = decode_records(records, KINDS)
    assert sum(decoded.applied.values()) + len(decoded.failures) == len(records)
    for f in decoded.failures:
        assert f.reason
    last = {(r.topic, r.partition): r.offset + 1 for r in records}
    assert dict(decoded.batch.offsets) == last


_SUBSCRIPTION = {
    "id": "sub_0123456789abcdef",
    "owner": "tok_5f0c",
    "url": "https://hooks.example.com/docketline",
    "filters": {"courts": ["cand"], "class_action_only": True},
    "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    "created_at": "2025-01-30T23:12:44Z",
    "updated_at": "2025-01-30T23:12:44Z",
}
Subscription.model_validate(_SUBSCRIPTION)  # the seed is a valid record


@FUZZ
@given(
    st.one_of(
        corpus.mutated_json(_SUBSCRIPTION, steps=4).map(lambda d: json.dumps(d).encode()),
        st.binary(max_size=200),
        st.integers(1, 100_000).map(corpus.deep_json),
    )
)
def test_the_subscriptions_topic_decoder_raises_only_validation_error(value: bytes) -> None:
    count_example("subscriptions")
    try:
        Subscription.model_validate_json(value)
    except ValidationError:
        pass
