"""The pure fold of the subscriptions topic: deletion is final, also after log compaction."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemas.codec import encode
from services.dispatcher.model import Subscription
from services.dispatcher.subscriptions import (
    RecordError,
    SubscriptionFold,
    deleted_key,
    deletion_records,
)

T0 = dt.datetime(2025, 2, 1, tzinfo=dt.UTC)
Record = tuple[bytes | None, bytes | None]


def sub(sub_id: str = "sub_a") -> Subscription:
    return Subscription(
        id=sub_id,
        owner="caller_a",
        url="https://93.184.215.14/h",
        secret="whsec_x",
        created_at=T0,
        updated_at=T0,
    )


def put(s: Subscription) -> Record:
    return (s.id.encode(), encode(s))


def delete(sub_id: str) -> list[Record]:
    return [(k.encode(), v) for k, v in deletion_records(sub_id, T0)]


def fold(records: list[Record]) -> SubscriptionFold:
    f = SubscriptionFold()
    for key, value in records:
        f.apply(key, value)
    return f


def compact(records: list[Record], *, drop_tombstones: bool) -> list[Record]:
    """What Kafka's log cleaner leaves: the last record per key, in log order; after
    ``delete.retention.ms`` the tombstones themselves go too."""
    last = {key: i for i, (key, _) in enumerate(records)}
    kept = [r for i, r in enumerate(records) if last[r[0]] == i]
    return [r for r in kept if r[1] is not None] if drop_tombstones else kept


def test_a_record_after_a_bare_tombstone_is_ignored() -> None:
    a = sub()
    f = fold([put(a), (b"sub_a", None), put(a.with_state("disabled", "410", T0))])
    assert f.view == {} and f.deleted == {"sub_a"}
    assert f.stale == {"sub_a"}  # its URL and secret should be tombstoned again


def test_a_record_after_a_deletion_mark_is_ignored_and_a_tombstone_clears_it() -> None:
    a = sub()
    f = fold([put(a), *delete("sub_a"), put(a.with_state("paused", "late", T0))])
    assert f.view == {} and f.stale == {"sub_a"}
    f.apply(b"sub_a", None)
    assert f.view == {} and f.stale == set()


def test_a_delete_whose_tombstone_was_not_written_leaves_the_record_stale() -> None:
    mark, _tombstone = delete("sub_a")
    f = fold([put(sub()), mark])
    assert f.view == {} and f.stale == {"sub_a"}


def test_other_subscriptions_are_untouched() -> None:
    f = fold([put(sub("sub_a")), put(sub("sub_b")), *delete("sub_a")])
    assert list(f.view) == ["sub_b"]


@pytest.mark.parametrize(
    ("key", "value", "reason"),
    [
        (None, b"{}", "without key"),
        (b"sub_a", b"not json", "validation error"),
        (b"sub_b", encode(sub("sub_a")), "record of sub_a under key sub_b"),
        (deleted_key("sub_a").encode(), b"{}", "undecodable deletion mark"),
        (deleted_key("sub_a").encode(), None, "deletion stays final"),
        (deleted_key("sub_b").encode(), delete("sub_a")[0][1], "deletion mark of sub_a under key"),
    ],
)
def test_unreadable_records_are_refused_with_a_reason_and_change_nothing(
    key: bytes | None, value: bytes | None, reason: str
) -> None:
    f = fold([put(sub("sub_a")), put(sub("sub_b"))])
    with pytest.raises(RecordError, match=reason):
        f.apply(key, value)
    assert set(f.view) == {"sub_a", "sub_b"} and f.deleted == set()


IDS = ["sub_a", "sub_b", "sub_c"]
op = st.tuples(st.sampled_from(["put", "late_put", "delete"]), st.sampled_from(IDS))


@given(st.lists(op, max_size=30))
def test_a_deleted_subscription_stays_deleted_in_the_log_and_in_every_compaction_of_it(
    ops: list[tuple[str, str]],
) -> None:
    """Writers follow the rules (a delete is a mark, then a tombstone), but a late write
    from a copy read before the delete can land anywhere after it."""
    records: list[Record] = []
    revision = dict.fromkeys(IDS, 1)
    deleted: set[str] = set()
    for kind, sub_id in ops:
        if kind == "delete":
            records += delete(sub_id)
            deleted.add(sub_id)
            continue
        revision[sub_id] += kind == "put"
        records.append(put(sub(sub_id).model_copy(update={"revision": revision[sub_id]})))
    for view in (
        records,
        compact(records, drop_tombstones=False),
        compact(records, drop_tombstones=True),
    ):
        f = fold(view)
        assert not deleted & set(f.view), view
        assert deleted <= f.deleted
