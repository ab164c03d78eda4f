"""What docketline's readers use of a Kafka record: a structural type, no client imported.

aiokafka's ``ConsumerRecord`` fits :class:`RecordLike`; faust's message fits
the processor's ``Message`` (which adds the topic-partition, ``tp``).
"""

from __future__ import annotations

from typing import Protocol


class RecordLike(Protocol):
    """A record's place in the log and its bytes."""

    @property
    def topic(self) -> str: ...
    @property
    def partition(self) -> int: ...
    @property
    def offset(self) -> int: ...
    @property
    def key(self) -> bytes | None: ...
    @property
    def value(self) -> bytes | None: ...
