"""``docketline rebuild``: recompute every projection from the log, optionally re-reading it.

``plan`` is pure (re-reading, folding, comparing, alerts); ``run`` does the
I/O (Kafka, local table files, the read model); ``cli`` is the command;
``fold_worker`` is a process folding a share of the partitions.
"""

from __future__ import annotations

from typing import Any

__all__ = ["rebuild_command"]


def __getattr__(name: str) -> Any:
    # the command (typer, rich) only where it is asked for: not in the fold processes
    if name == "rebuild_command":
        from services.rebuild.cli import rebuild_command

        return rebuild_command
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
