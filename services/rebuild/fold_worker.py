"""A process folding a share of ``docket.events``: ``python -P -m services.rebuild.fold_worker``.

The rebuild starts one per share of the partitions (``run.fold_in_processes``).
The job comes pickled on stdin, the :class:`~services.rebuild.plan.FoldResult`
(plain data: encoded states, summaries, counts) goes back pickled on stdout
after its length (8 bytes, big-endian; the parent checks it got it all), or
the exception that stopped the fold, which the parent raises again.

A module of its own, started as such, so the child imports only what the fold
needs (``multiprocessing``'s spawn re-ran the ``docketline`` script in every
child: the whole CLI, the API and the processor's imports, seconds of CPU per
process for nothing). Both ends are the same checkout (the parent puts its own
source root first on the child's path) and trust each other: pickle is fine.
"""

from __future__ import annotations

import os
import pickle
import sys
from dataclasses import dataclass

from services.settings import Settings


@dataclass(frozen=True, slots=True)
class FoldJob:
    settings: Settings
    topic: str
    share: dict[int, tuple[int, int]]
    """partition -> (first offset, end offset) to fold."""
    committed: dict[int, int]
    timeout: float


def main() -> None:
    job: FoldJob = pickle.loads(sys.stdin.buffer.read())
    try:
        from services.rebuild.run import fold_partitions

        outcome: tuple[str, object] = (
            "ok",
            fold_partitions(job.settings, job.topic, job.share, job.committed, job.timeout),
        )
    except Exception as exc:  # noqa: BLE001 - the parent raises it again, as the process pool did
        outcome = ("error", exc)
    try:
        data = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:  # noqa: BLE001 - an exception that does not pickle: its text
        data = pickle.dumps(("error", RuntimeError(f"{type(exc).__name__}: {exc}")))
    _write_all(sys.stdout.fileno(), len(data).to_bytes(8, "big") + data)


def _write_all(fd: int, data: bytes) -> None:
    """``os.write`` until every byte is out: a write to a pipe can be cut short (a profiler's
    ptrace stop did it: ``sys.stdout.buffer`` then lost the rest without a word)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


if __name__ == "__main__":
    main()
