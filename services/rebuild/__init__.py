"""``docketline rebuild``: recompute every projection from the log, optionally re-reading it.

``plan`` is pure (re-reading, folding, comparing, alerts); ``run`` does the
I/O (Kafka, local table files, the read model); ``cli`` is the command.
"""

from services.rebuild.cli import rebuild_command

__all__ = ["rebuild_command"]
