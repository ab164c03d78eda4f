"""Run docketline commands as real subprocesses, the way a user runs them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

DOCKETLINE = str(Path(sys.executable).with_name("docketline"))


def service_env(bootstrap: str, prefix: str, data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCKETLINE_")}
    env.update(
        DOCKETLINE_BOOTSTRAP_SERVERS=bootstrap,
        DOCKETLINE_TOPIC_PREFIX=prefix,
        DOCKETLINE_DATA_DIR=str(data_dir),
        DOCKETLINE_PARTITIONS="4",
    )
    env.update(extra)
    return env


@contextmanager
def running(
    args: list[str], env: Mapping[str, str], log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """Start ``docketline *args``; stop it (SIGTERM, then SIGKILL) on exit; print its log on failure."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [DOCKETLINE, *args], env=dict(env), stdout=out, stderr=subprocess.STDOUT
        )
    try:
        yield proc
    except BaseException:
        print(
            f"--- last lines of {log} ---\n"
            + "\n".join(log.read_text(errors="replace").splitlines()[-60:])
        )
        raise
    finally:
        stop(proc)


def stop(proc: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def kill(proc: subprocess.Popen[bytes]) -> None:
    proc.kill()
    proc.wait(10)
