"""``decode_records``: raw log records -> one store batch. Pure, no broker."""

from __future__ import annotations

from dataclasses import dataclass

from schemas.codec import encode, encode_event
from services.readmodel.feeder import TopicKind, decode_records
from services.readmodel.store import InMemoryReadModel
from tests.readmodel_samples import REF_CASE_ID, fold

FOLDED = fold()
KINDS: dict[str, TopicKind] = {"s": "states", "e": "events", "a": "alerts"}


@dataclass(frozen=True)
class Rec:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None


def test_valid_records_become_rows_and_offsets_point_past_the_last_record() -> None:
    state = FOLDED.states[REF_CASE_ID]
    event, alert = FOLDED.events[0], FOLDED.alerts[0]
    decoded = decode_records(
        [
            Rec("s", 0, 7, REF_CASE_ID.encode(), encode(state)),
            Rec("e", 2, 0, event.subject.encode(), encode_event(event)),
            Rec("e", 2, 1, event.subject.encode(), encode_event(event)),
            Rec("a", 1, 3, alert.subject.encode(), encode(alert)),
        ],
        KINDS,
    )
    assert decoded.failures == ()
    assert decoded.batch.cases == ((REF_CASE_ID, state),)
    assert decoded.batch.events == (event, event)
    assert decoded.batch.alerts == (alert,)
    assert dict(decoded.batch.offsets) == {("s", 0): 8, ("e", 2): 2, ("a", 1): 4}
    assert dict(decoded.applied) == {"s": 1, "e": 2, "a": 1}


def test_a_state_tombstone_deletes_the_case() -> None:
    decoded = decode_records([Rec("s", 0, 0, REF_CASE_ID.encode(), None)], KINDS)
    assert decoded.batch.cases == ((REF_CASE_ID, None),)
    store = InMemoryReadModel()
    store.apply(FOLDED.batch())
    store.apply(decoded.batch)
    assert store.get_case(REF_CASE_ID) is None


def test_undecodable_records_are_reported_with_their_position_and_skipped() -> None:
    event = FOLDED.events[0]
    decoded = decode_records(
        [
            Rec("e", 0, 4, b"k", b"{not json"),
            Rec("e", 0, 5, event.subject.encode(), encode_event(event)),
            Rec("a", 3, 9, b"k", b'{"id": "al_x"}'),
            Rec("s", 1, 2, None, None),  # tombstone without a key
            Rec("s", 1, 3, b"\xff\xfe", None),  # key is not UTF-8
            Rec("e", 0, 6, b"k", None),
            Rec("elsewhere", 0, 0, b"k", b"{}"),
        ],
        KINDS,
    )
    where = [(f.topic, f.partition, f.offset) for f in decoded.failures]
    assert where == [
        ("e", 0, 4),
        ("a", 3, 9),
        ("s", 1, 2),
        ("s", 1, 3),
        ("e", 0, 6),
        ("elsewhere", 0, 0),
    ]
    reasons = [f.reason for f in decoded.failures]
    assert "Invalid JSON" in reasons[0]
    assert "subject" in reasons[1] and "Field required" in reasons[1]
    assert reasons[2] == "tombstone without a key"
    assert "utf-8" in reasons[3]
    assert reasons[4] == "record has no value"
    assert "not a topic the read model reads" in reasons[5]
    assert decoded.batch.events == (event,)
    # the log position still moves past the bad records: one bad record cannot wedge the feed
    assert dict(decoded.batch.offsets) == {
        ("e", 0): 7,
        ("a", 3): 10,
        ("s", 1): 4,
        ("elsewhere", 0): 1,
    }
    assert dict(decoded.applied) == {"e": 1}
