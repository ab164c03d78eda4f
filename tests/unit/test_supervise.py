"""The worker supervisor: restarts a crashed child, forwards stop signals, never leaves an orphan."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from services.processor.supervise import Backoff, supervise


def test_backoff_doubles_up_to_the_cap_and_resets_after_a_healthy_run() -> None:
    b = Backoff(first=1.0, cap=8.0, healthy_after=60.0)
    assert [b.after_run(1.0) for _ in range(6)] == [1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    assert b.after_run(61.0) == 1.0
    assert b.after_run(0.5) == 2.0


def _counter_child(tmp_path: Path, crashes: int) -> list[str]:
    """A child that exits 3 on its first ``crashes`` starts, then 0; counts its starts in a file."""
    count = tmp_path / "starts"
    code = textwrap.dedent(
        f"""
        import pathlib, sys
        p = pathlib.Path({str(count)!r})
        n = int(p.read_text()) + 1 if p.exists() else 1
        p.write_text(str(n))
        sys.exit(3 if n <= {crashes} else 0)
        """
    )
    return [sys.executable, "-c", code]


def test_a_crashed_child_is_started_again_until_it_exits_cleanly(tmp_path: Path) -> None:
    status = supervise(_counter_child(tmp_path, crashes=2), backoff=Backoff(first=0.01, cap=0.02))
    assert status == 0
    assert (tmp_path / "starts").read_text() == "3"


def test_max_restarts_gives_up_with_the_childs_status(tmp_path: Path) -> None:
    status = supervise(
        _counter_child(tmp_path, crashes=10), backoff=Backoff(first=0.01, cap=0.02), max_restarts=2
    )
    assert status == 3
    assert (tmp_path / "starts").read_text() == "3"


_SUPERVISOR = textwrap.dedent(
    """
    import sys
    from services.processor.supervise import Backoff, supervise
    child = [sys.executable, "-c", sys.argv[1]]
    sys.exit(supervise(child, backoff=Backoff(first=0.05)))
    """
)

_SLEEPER = textwrap.dedent(
    """
    import os, pathlib, signal, sys, time
    pathlib.Path(sys.argv[1]).write_text(str(os.getpid()))
    def bye(signum, frame):
        pathlib.Path(sys.argv[2]).write_text(str(signum))
        sys.exit(0)
    signal.signal(signal.SIGTERM, bye)
    while True:
        time.sleep(0.1)
    """
)


def _start_supervisor(tmp_path: Path) -> tuple[subprocess.Popen[bytes], int]:
    pid_file, got_file = tmp_path / "child.pid", tmp_path / "child.got"
    code = _SLEEPER.replace("sys.argv[1]", repr(str(pid_file))).replace(
        "sys.argv[2]", repr(str(got_file))
    )
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen([sys.executable, "-c", _SUPERVISOR, code], cwd=root)
    deadline = time.monotonic() + 30
    while not pid_file.exists() or not pid_file.read_text():
        assert time.monotonic() < deadline, "the child never started"
        time.sleep(0.05)
    return proc, int(pid_file.read_text())


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is dead for our purpose
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


def test_sigterm_is_passed_on_and_the_supervisor_exits_with_the_childs_status(
    tmp_path: Path,
) -> None:
    proc, child = _start_supervisor(tmp_path)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(30) == 0
    assert (tmp_path / "child.got").read_text() == str(int(signal.SIGTERM))
    assert not _alive(child)


def test_sigkill_of_the_supervisor_takes_the_child_with_it(tmp_path: Path) -> None:
    proc, child = _start_supervisor(tmp_path)
    proc.kill()
    proc.wait(10)
    deadline = time.monotonic() + 10
    while _alive(child):
        assert time.monotonic() < deadline, f"child {child} outlived its SIGKILLed supervisor"
        time.sleep(0.05)
    assert not (tmp_path / "child.got").exists(), "the child was killed, not asked to stop"


def test_sigterm_during_the_backoff_stops_without_another_start(tmp_path: Path) -> None:
    supervisor = textwrap.dedent(
        """
        import sys
        from services.processor.supervise import Backoff, supervise
        sys.exit(supervise([sys.executable, "-c", sys.argv[1]], backoff=Backoff(first=60.0)))
        """
    )
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen(
        [sys.executable, "-c", supervisor, _counter_child(tmp_path, crashes=10)[2]],
        cwd=root,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    # the supervisor logs the crash before it starts waiting out its 60 s backoff
    line = proc.stderr.readline()
    assert "worker exited with status 3" in line and "restart 1 in 60s" in line, line
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(10) == 128 + signal.SIGTERM
    assert (tmp_path / "starts").read_text() == "1"
