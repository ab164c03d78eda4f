"""The rebuild never stops on one record: what it cannot use is kept for the quarantine (issue 12)."""

from __future__ import annotations

from schemas.codec import encode, encode_event
from schemas.events import DocketEvent
from services.rebuild.plan import FoldResult, LogFold, plan
from services.rebuild.run import LiveDecoder
from tests.readmodel_samples import REF_CASE_ID, fold

FOLDED = fold()


def test_an_event_the_fold_cannot_use_is_rejected_with_its_bytes_and_the_rest_is_folded() -> None:
    poison = FOLDED.events[0]

    def reread(e: DocketEvent) -> DocketEvent:
        if e.id == poison.id:
            raise RecursionError("classifier blew up on this entry")
        return e

    log = LogFold({}, reread)
    records = [(e.subject.encode(), encode_event(e)) for e in FOLDED.events]
    for offset, (key, value) in enumerate([*records, (b"k", b"{not json")]):
        log.add("docket.events", 0, offset, key, value)
    result = FoldResult.of(log)
    assert [(d.reason, d.ref.offset) for d in result.rejected] == [
        ("unapplicable", 0),
        ("invalid_event", len(records)),
    ]
    assert "RecursionError: classifier blew up" in result.rejected[0].error
    assert result.rejected[0].value == records[0][1]
    assert result.events == len(records) - 1  # every other event folded
    assert set(result.encoded) == set(FOLDED.states)
    assert FoldResult.merge([result, FoldResult()]).rejected == result.rejected


def test_a_live_snapshot_that_does_not_decode_is_quarantined_and_replaced() -> None:
    rebuilt = {c: encode(s) for c, s in FOLDED.states.items()}
    good = next(c for c in rebuilt if c != REF_CASE_ID)
    live = {REF_CASE_ID: (2, b'{"case_id": 1}'), good: (1, rebuilt[good] + b" ")}
    decode = LiveDecoder("case.states", live, {REF_CASE_ID: 17, good: 3})
    out = plan(
        rebuilt, {c: v for c, (_, v) in live.items()}, {}, rebuilt_memory={}, reasons={},
        decode=decode, rebuilt_states=FOLDED.states,
    )  # fmt: skip
    assert out.snapshots[REF_CASE_ID] == rebuilt[REF_CASE_ID]  # written over the unreadable one
    [kept] = decode.kept.values()
    assert (kept.reader, kept.topic, kept.partition, kept.offset) == (
        "rebuild",
        "case.states",
        2,
        17,
    )
    assert kept.key == REF_CASE_ID.encode() and kept.value == b'{"case_id": 1}'
    assert "case_id" in kept.reason
    assert decode.state(good) == FOLDED.states[good]
