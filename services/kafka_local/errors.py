"""Errors of the local Kafka manager, written once here.

Every failure the manager can meet at its edges (no Java, Maven failing, the
storage tool refusing, a broker that dies or never answers) is one of these,
so the CLI and the test fixture can print a precise reason instead of a stack
trace from ``subprocess`` or ``aiokafka``.
"""

from __future__ import annotations


class LocalKafkaError(Exception):
    """Base of everything the local Kafka manager raises."""


class ToolNotFoundError(LocalKafkaError):
    """``java`` or ``mvn`` is not on PATH (or JAVA_HOME points nowhere)."""


class JarFetchError(LocalKafkaError):
    """Maven could not resolve the broker's classpath."""


class StorageFormatError(LocalKafkaError):
    """``kafka.tools.StorageTool format`` failed on a fresh data directory."""


class StateFileError(LocalKafkaError):
    """The manager's state file in a data directory is unreadable."""


class BrokerStartError(LocalKafkaError):
    """The broker process could not be started or exited while starting."""


class BrokerNotReadyError(BrokerStartError):
    """The broker did not answer a metadata request before the deadline."""
