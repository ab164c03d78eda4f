"""A local single-node Apache Kafka (KRaft) for development, tests and ``docketline up``.

Public surface: ``LocalKafka`` (fetch_jars / start / stop / status), the
``BrokerStatus`` it reports, and the error tree in ``errors``. The typer
sub-app lives in ``services.kafka_local.cli`` (imported lazily by the CLI).
"""

from services.kafka_local.errors import (
    BrokerNotReadyError,
    BrokerStartError,
    JarFetchError,
    LocalKafkaError,
    StateFileError,
    StorageFormatError,
    ToolNotFoundError,
)
from services.kafka_local.manager import (
    BrokerStatus,
    LocalKafka,
    default_cache_dir,
    default_data_dir,
)

__all__ = [
    "BrokerNotReadyError",
    "BrokerStartError",
    "BrokerStatus",
    "JarFetchError",
    "LocalKafka",
    "LocalKafkaError",
    "StateFileError",
    "StorageFormatError",
    "ToolNotFoundError",
    "default_cache_dir",
    "default_data_dir",
]
