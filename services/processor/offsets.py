"""The processor's own account of what it has folded, per partition. Pure.

faust's offset bookkeeping cannot be trusted across rebalances: the scale-out
fault tests caught it committing offsets past records its agent never
received (records fetched while a rebalance suspended the flow were dropped
and the jump was booked as a "gap", i.e. compacted away), and never committing
again on a partition whose head record it had lost track of. So the processor
switches faust's acknowledgements off for ``docket.events`` and keeps this
ledger instead; it commits only what the ledger says is done.

Per assigned partition the ledger knows three positions (Kafka offsets, "next
offset to read" semantics, like a committed offset):

* ``admitted`` — the next record the agent may fold. A record is folded only
  when its offset is exactly this; an older one was folded already (a
  redelivery: skipped), a newer one means records in between never reached
  the agent (a gap: the agent seeks back and skips everything of that
  partition until the missing record arrives).
* ``durable`` — every record before it has its outputs acknowledged by Kafka
  (alerts, table changelog, snapshot); only this is ever committed.
* ``committed`` — what was last committed.

A partition is known only between its assignment (positions from the group's
committed offset) and its revocation; records of a partition the ledger does
not know belong to another worker now and are skipped. A failed batch rolls
``admitted`` back to ``durable`` so its records are folded (and their outputs
written) again.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Generic, TypeVar

P = TypeVar("P", bound=Hashable)
"""A partition (faust's ``TP``; anything hashable in tests)."""


class Verdict(Enum):
    FOLD = "fold"
    """The next record of the partition: fold it."""
    REDELIVERED = "redelivered"
    """Already folded: skip."""
    NOT_OURS = "not_ours"
    """The partition is not assigned to this worker (any more): skip."""
    GAP = "gap"
    """Records before it were never received: skip it and seek back (``seeks``)."""


@dataclass
class _Position:
    admitted: int
    durable: int
    committed: int
    seek_pending: bool = False


@dataclass
class OffsetLedger(Generic[P]):
    """Per assigned partition: what may be folded next, what is durable, what is committed."""

    _positions: dict[P, _Position] = field(default_factory=dict)
    _seeks: dict[P, int] = field(default_factory=dict)

    # -- assignment ----------------------------------------------------------
    def assign(self, positions: Mapping[P, int]) -> None:
        """Partitions now ours, each at the group's committed offset (or the log start)."""
        for tp, offset in positions.items():
            self._positions[tp] = _Position(admitted=offset, durable=offset, committed=offset)
            self._seeks.pop(tp, None)

    def revoke(self, partitions: Iterable[P]) -> None:
        for tp in partitions:
            self._positions.pop(tp, None)
            self._seeks.pop(tp, None)

    # -- folding -------------------------------------------------------------
    def admit(self, tp: P, offset: int) -> Verdict:
        """Whether to fold the record at ``offset`` of ``tp`` (records of a batch in order)."""
        pos = self._positions.get(tp)
        if pos is None:
            return Verdict.NOT_OURS
        if offset < pos.admitted:
            return Verdict.REDELIVERED
        if offset > pos.admitted:
            if not pos.seek_pending:
                pos.seek_pending = True
                self._seeks[tp] = pos.admitted
            return Verdict.GAP
        pos.admitted = offset + 1
        pos.seek_pending = False
        self._seeks.pop(tp, None)
        return Verdict.FOLD

    def seeks(self) -> dict[P, int]:
        """Partitions to rewind, and where to (each requested once per gap); clears the requests."""
        out, self._seeks = self._seeks, {}
        return out

    def retry_seek(self, tp: P) -> None:
        """Ask again for a seek that did not bring the missing record (it was lost again)."""
        pos = self._positions.get(tp)
        if pos is not None and pos.seek_pending:
            self._seeks[tp] = pos.admitted

    def pending_seeks(self) -> frozenset[P]:
        return frozenset(tp for tp, pos in self._positions.items() if pos.seek_pending)

    def durable(self) -> None:
        """Everything admitted so far has its outputs acknowledged."""
        for pos in self._positions.values():
            pos.durable = pos.admitted

    def rollback(self) -> None:
        """A batch failed before its outputs were acknowledged: fold its records again."""
        for pos in self._positions.values():
            pos.admitted = pos.durable
            pos.seek_pending = False
        self._seeks.clear()

    # -- committing ----------------------------------------------------------
    def to_commit(self, partitions: Iterable[P] | None = None) -> dict[P, int]:
        """Durable positions not committed yet (of ``partitions``, default all)."""
        tps = (
            self._positions
            if partitions is None
            else [tp for tp in partitions if tp in self._positions]
        )
        return {
            tp: self._positions[tp].durable
            for tp in tps
            if self._positions[tp].durable > self._positions[tp].committed
        }

    def committed(self, offsets: Mapping[P, int]) -> None:
        for tp, offset in offsets.items():
            pos = self._positions.get(tp)
            if pos is not None:
                pos.committed = max(pos.committed, offset)

    def partitions(self) -> frozenset[P]:
        """The partitions assigned (known) now."""
        return frozenset(self._positions)

    def position(self, tp: P) -> tuple[int, int, int] | None:
        """(admitted, durable, committed) of ``tp``, for logs and tests."""
        pos = self._positions.get(tp)
        return None if pos is None else (pos.admitted, pos.durable, pos.committed)
