"""A batch that fails, for any reason, never lets the ledger commit past records whose outputs are unwritten.

The seam between the agent's retry loop (``fold_batch``) and the offset ledger,
with a batch handler that admits records through the real ledger, "writes" each
record's output to a list and fails part-way through like a bug would.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import pytest

from services.processor.app import fold_batch
from services.processor.offsets import OffsetLedger, Verdict

P0 = ("docket.events", 0)


class Handler:
    """Admit each offset; fail after ``fail_after`` records on the first ``failures`` attempts."""

    def __init__(
        self, ledger: OffsetLedger[Any], error: BaseException, fail_after: int, failures: int
    ) -> None:
        self.ledger = ledger
        self.error = error
        self.fail_after = fail_after
        self.failures = failures
        self.written: set[int] = set()
        self.attempts = 0
        self.rewrites: list[bool] = []

    async def __call__(self, batch: Sequence[int], *, rewrite: bool = False) -> None:
        self.attempts += 1
        self.rewrites.append(rewrite)
        folded: list[int] = []
        for n, offset in enumerate(batch):
            if self.failures and n == self.fail_after:
                self.failures -= 1
                raise self.error
            if self.ledger.admit(P0, offset) is Verdict.FOLD:
                folded.append(offset)
        self.written.update(folded)  # every output of the batch acknowledged
        self.ledger.durable()


SLEPT: list[float] = []


def _failures() -> float:
    """docketline_processor_batch_failures_total, all errors."""
    from prometheus_client import REGISTRY

    return sum(
        s.value
        for metric in REGISTRY.collect()
        if metric.name == "docketline_processor_batch_failures"
        for s in metric.samples
        if s.name.endswith("_total")
    )


async def _no_sleep(seconds: float) -> None:
    SLEPT.append(seconds)


def _committable(ledger: OffsetLedger[Any], written: set[int]) -> int:
    """The offset the ledger would commit, checked: every record before it has its outputs written."""
    commit = ledger.to_commit().get(P0, 0)
    assert all(o in written for o in range(commit)), f"commit at {commit} passes unwritten records"
    return commit


@pytest.mark.parametrize(
    "error", [ValueError("a bug"), RuntimeError("a bug"), KeyError("x"), OSError("disk")]
)
def test_a_failure_of_any_type_mid_batch_is_rolled_back_and_folded_again(
    error: BaseException,
) -> None:
    ledger: OffsetLedger[Any] = OffsetLedger()
    ledger.assign({P0: 0})
    handler = Handler(ledger, error, fail_after=3, failures=2)
    failures_before = _failures()
    SLEPT.clear()

    async def agent() -> None:
        # the agent's life: the failing batch, then the next one; an exception that
        # escapes makes faust restart the agent, which goes on with the next batch
        for batch in ([0, 1, 2, 3, 4, 5], [6, 7, 8]):
            try:
                await fold_batch(batch, handler, ledger, sleep=_no_sleep)
            except Exception:
                pass  # faust restarts the agent in the same process

    asyncio.run(agent())
    assert _committable(ledger, handler.written) == 9
    assert handler.written == set(range(9))
    assert handler.attempts == 4, "the failing batch was tried three times"
    assert handler.rewrites == [False, True, True, False], "a retry rewrites what the batch touches"
    assert SLEPT == [0.5, 1.0], "with backoff"
    assert _failures() - failures_before == 2, "each failure is counted"


def test_a_cancelled_batch_leaves_nothing_to_commit_for_the_next_life_of_the_agent() -> None:
    ledger: OffsetLedger[Any] = OffsetLedger()
    ledger.assign({P0: 0})
    handler = Handler(ledger, asyncio.CancelledError(), fail_after=2, failures=1)

    async def agent() -> None:
        with pytest.raises(asyncio.CancelledError):
            await fold_batch([0, 1, 2, 3], handler, ledger, sleep=_no_sleep)
        # the restarted agent receives the records after the cancelled batch: they are
        # past a hole, so none is folded (the ledger asks for a seek back to offset 0)
        await fold_batch([4, 5], handler, ledger, sleep=_no_sleep)
        assert ledger.seeks() == {P0: 0}
        await fold_batch([0, 1, 2, 3, 4, 5], handler, ledger, sleep=_no_sleep)

    asyncio.run(agent())
    assert _committable(ledger, handler.written) == 6
