"""Keep a processor worker running: restart it when it crashes.

faust stops a worker for good when Kafka fails it at the wrong moment (for
example a rebalance while the broker restarts: the leader assignor's topic
cannot be declared and the worker exits with an error). The fold is
idempotent and offsets are committed only after outputs are acknowledged
(``services.processor.offsets``), so starting the worker again is always safe;
``docketline worker`` therefore runs the faust worker as a child process and
starts it again after a crash, with exponential backoff.

* SIGTERM / SIGINT to the supervisor are passed on to the worker; the
  supervisor then waits for it and exits with its status (no restart).
* The worker dies with the supervisor, even on SIGKILL (``PR_SET_PDEATHSIG``),
  so killing ``docketline worker`` never leaves an orphan folding beside its
  successor.
* A worker that ran longer than ``healthy_after`` seconds before crashing
  restarts after the shortest delay again.

Run with ``--no-supervise`` under a process manager that restarts on its own
(systemd, Kubernetes, compose ``restart:``).
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import FrameType

log = logging.getLogger("docketline.worker.supervisor")

PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int) -> Callable[[], None]:
    def preexec() -> None:  # runs in the child between fork and exec
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:  # the supervisor died before prctl took effect
            os._exit(1)

    return preexec


@dataclass
class Backoff:
    """Delays between restarts: doubling from ``first`` up to ``cap``; reset after a healthy run."""

    first: float = 1.0
    cap: float = 60.0
    healthy_after: float = 60.0
    _next: float = field(default=0.0, init=False)

    def after_run(self, ran_for: float) -> float:
        """The delay before the next start, given how long the last run lasted."""
        if ran_for >= self.healthy_after or self._next == 0.0:
            self._next = self.first
        else:
            self._next = min(self._next * 2, self.cap)
        return self._next


def supervise(
    command: Sequence[str], *, backoff: Backoff | None = None, max_restarts: int | None = None
) -> int:
    """Run ``command`` until it exits cleanly or the supervisor is told to stop; return its exit status."""
    backoff = backoff or Backoff()
    stop = threading.Event()
    received: list[int] = []
    child: subprocess.Popen[bytes] | None = None

    def forward(signum: int, _frame: FrameType | None) -> None:
        received.append(signum)
        stop.set()
        if child is not None and child.poll() is None:
            child.send_signal(signum)

    previous = {s: signal.signal(s, forward) for s in (signal.SIGTERM, signal.SIGINT)}
    restarts = 0
    try:
        while True:
            started = time.monotonic()
            child = subprocess.Popen(list(command), preexec_fn=_die_with_parent(os.getpid()))  # noqa: PLW1509
            if stop.is_set():  # the signal came while the child was being started
                child.send_signal(received[0])
            log.info("worker started (pid %d)", child.pid)
            status = child.wait()
            ran_for = time.monotonic() - started
            if stop.is_set() or status == 0:
                return status
            if max_restarts is not None and restarts >= max_restarts:
                log.error(
                    "worker exited with status %d; %d restarts used up, giving up", status, restarts
                )
                return status
            delay = backoff.after_run(ran_for)
            restarts += 1
            log.error(
                "worker exited with status %d after %.0fs; restart %d in %.0fs",
                status,
                ran_for,
                restarts,
                delay,
            )
            if stop.wait(delay):  # told to stop during the backoff: no restart
                return 128 + received[0]
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def child_command(argv: Sequence[str]) -> list[str]:
    """The command line of the supervised worker: this worker's arguments plus ``--no-supervise``
    and ``--supervised-child`` (the supervisor made the start checks; see ``worker_command``)."""
    # the worker's own entry point, not ``services.cli worker``: a faster restart
    return [
        sys.executable,
        "-m",
        "services.processor.cli",
        *argv,
        "--no-supervise",
        "--supervised-child",
    ]
