"""Pure parts of the local Kafka manager: layout, configuration, state file.

Nothing here starts a process. The manager (``manager.py``) composes these
with ``subprocess`` and ``aiokafka``; the unit tests call them directly.

A data directory is self-contained, so several brokers run side by side as
long as each has its own directory and ports::

    <data dir>/
      server.properties    rendered on every start (ports may change)
      log4j2.properties    copied from the package on every start
      broker.log           the JVM's stdout and stderr (WARN and above)
      kafka.state.json     pid, ports and bootstrap of the running broker
      logs/                kafka.logs.dir
      kraft/               log.dirs: meta.properties, metadata log, topics
"""

from __future__ import annotations

import base64
import json
import os
import socket
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from services.kafka_local.errors import StateFileError

KAFKA_VERSION = "4.1.1"
NODE_ID = 1
HOST = "127.0.0.1"

# The broker tolerates small heaps; the storage tool needs at least 512m.
BROKER_JVM_OPTS: tuple[str, ...] = (
    "-Xms512m",
    "-Xmx1g",
    "-XX:+UseG1GC",
    "-Djava.awt.headless=true",
)
TOOL_JVM_OPTS: tuple[str, ...] = ("-Xmx512m", "-Djava.awt.headless=true")


@dataclass(frozen=True)
class DataDirLayout:
    """Where each file of one broker lives inside its data directory."""

    root: Path

    @property
    def server_properties(self) -> Path:
        return self.root / "server.properties"

    @property
    def log4j_properties(self) -> Path:
        return self.root / "log4j2.properties"

    @property
    def broker_log(self) -> Path:
        return self.root / "broker.log"

    @property
    def state_file(self) -> Path:
        return self.root / "kafka.state.json"

    @property
    def logs_dir(self) -> Path:
        return self.root / "logs"

    @property
    def log_dir(self) -> Path:
        """Kafka's ``log.dirs``: topic partitions and the KRaft metadata log."""
        return self.root / "kraft"

    @property
    def meta_properties(self) -> Path:
        """Written by the storage tool; its presence means "already formatted"."""
        return self.log_dir / "meta.properties"

    @property
    def lock_file(self) -> Path:
        """The broker's own lock on ``log.dirs``."""
        return self.log_dir / ".lock"

    @property
    def manager_lock(self) -> Path:
        """Serialises start/stop of this directory across processes."""
        return self.root / ".manager.lock"


@dataclass(frozen=True)
class BrokerConfig:
    """The settings that vary between local brokers."""

    port: int
    controller_port: int
    log_dir: Path
    partitions: int = 4
    secure: bool = False
    """SASL_SSL client listener (``secure.py`` adds its settings) instead of PLAINTEXT."""

    def __post_init__(self) -> None:
        for name, value in (("port", self.port), ("controller_port", self.controller_port)):
            if not 1 <= value <= 65535:
                raise ValueError(f"{name} must be a TCP port in 1..65535, got {value}")
        if self.port == self.controller_port:
            raise ValueError(f"broker and controller need different ports, both are {self.port}")
        if self.partitions < 1:
            raise ValueError(f"partitions must be >= 1, got {self.partitions}")

    @property
    def bootstrap(self) -> str:
        return bootstrap_address(self.port)


def bootstrap_address(port: int) -> str:
    return f"{HOST}:{port}"


def render_server_properties(cfg: BrokerConfig, security: Sequence[str] = ()) -> str:
    """A single-node KRaft broker+controller on the loopback interface.

    Replication factors are 1 because there is one node: left at 3, consumer
    groups and transactions hang. The static quorum (``controller.quorum.voters``)
    is why storage is formatted without ``--standalone``. With ``cfg.secure``
    the client (and inter-broker) listener is SASL_SSL, configured by the
    ``security`` lines; the controller listener stays PLAINTEXT on loopback,
    never advertised.
    """
    controller = f"{HOST}:{cfg.controller_port}"
    client = "SASL_SSL" if cfg.secure else "PLAINTEXT"
    lines = [
        "# Rendered by docketline (services/kafka_local) on every start; edits are lost.",
        "process.roles=broker,controller",
        f"node.id={NODE_ID}",
        f"controller.quorum.voters={NODE_ID}@{controller}",
        f"listeners={client}://{HOST}:{cfg.port},CONTROLLER://{controller}",
        f"advertised.listeners={client}://{HOST}:{cfg.port}",
        "controller.listener.names=CONTROLLER",
        f"inter.broker.listener.name={client}",
        f"listener.security.protocol.map=CONTROLLER:PLAINTEXT,{client}:{client}",
        f"log.dirs={cfg.log_dir}",
        f"num.partitions={cfg.partitions}",
        "auto.create.topics.enable=true",
        "offsets.topic.replication.factor=1",
        "offsets.topic.num.partitions=4",
        "transaction.state.log.replication.factor=1",
        "transaction.state.log.min.isr=1",
        "share.coordinator.state.topic.replication.factor=1",
        "share.coordinator.state.topic.min.isr=1",
        "group.initial.rebalance.delay.ms=0",
        *security,
    ]
    return "\n".join(lines) + "\n"


def new_cluster_id(random_bytes: Callable[[], bytes] = lambda: uuid.uuid4().bytes) -> str:
    """A cluster id as ``kafka.tools.StorageTool random-uuid`` makes one.

    Kafka's ``Uuid`` is 16 random bytes in URL-safe base64 without padding,
    redrawn while the text starts with ``-`` (it would read as a CLI flag).
    Doing it here saves one JVM start on first format.
    """
    while True:
        raw = random_bytes()
        if len(raw) != 16:
            raise ValueError(f"a Kafka Uuid is 16 bytes, got {len(raw)}")
        text = base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")
        if not text.startswith("-"):
            return text


def pick_free_ports(
    count: int, host: str = HOST, avoid: frozenset[int] | set[int] = frozenset()
) -> list[int]:
    """``count`` distinct ports that were free a moment ago, none of them in ``avoid``.

    All sockets are held open until every port is chosen, so the ports differ;
    another process may still take one before the broker binds it, in which
    case the broker exits and the manager reports its log.
    """
    sockets: list[socket.socket] = []
    ports: list[int] = []
    try:
        while len(ports) < count:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sockets.append(s)
            s.bind((host, 0))
            port = int(s.getsockname()[1])
            if port not in avoid:
                ports.append(port)
        return ports
    finally:
        for s in sockets:
            s.close()


def port_is_free(port: int, host: str = HOST) -> bool:
    """Whether ``host:port`` can be bound right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def parse_properties(text: str) -> dict[str, str]:
    """``key=value`` lines of a Java properties file (no continuations needed here)."""
    out: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", "!")) or "=" not in line:
            continue
        key, _, value = line.partition("=")
        out[key.strip()] = value.strip()
    return out


def formatted_cluster_id(layout: DataDirLayout) -> str | None:
    """The cluster id the storage tool wrote, or None when not yet formatted."""
    try:
        text = layout.meta_properties.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    return parse_properties(text).get("cluster.id")


@dataclass(frozen=True)
class BrokerState:
    """What the manager records about a broker it started."""

    pid: int
    port: int
    controller_port: int
    cluster_id: str
    data_dir: str
    started_at: str
    kafka_version: str = KAFKA_VERSION
    secure: bool = False

    @property
    def bootstrap(self) -> str:
        return bootstrap_address(self.port)

    def to_json(self) -> str:
        doc = asdict(self)
        doc["bootstrap"] = self.bootstrap
        return json.dumps(doc, indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> BrokerState:
        try:
            doc = json.loads(text)
            return cls(
                pid=int(doc["pid"]),
                port=int(doc["port"]),
                controller_port=int(doc["controller_port"]),
                cluster_id=str(doc["cluster_id"]),
                data_dir=str(doc["data_dir"]),
                started_at=str(doc["started_at"]),
                kafka_version=str(doc.get("kafka_version", KAFKA_VERSION)),
                secure=bool(doc.get("secure", False)),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise StateFileError(f"unreadable broker state: {exc!r}") from exc


def read_state(layout: DataDirLayout) -> BrokerState | None:
    """The recorded state, None when there is none (never started or stopped)."""
    try:
        text = layout.state_file.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    try:
        return BrokerState.from_json(text)
    except StateFileError as exc:
        raise StateFileError(f"{layout.state_file}: {exc}") from exc


def write_state(layout: DataDirLayout, state: BrokerState) -> None:
    """Replace the state file atomically, so a reader never sees half of it."""
    tmp = layout.state_file.with_name(layout.state_file.name + ".tmp")
    tmp.write_text(state.to_json(), encoding="utf-8")
    os.replace(tmp, layout.state_file)


def java_command(
    java: str,
    classpath: str,
    main_class: str,
    args: Sequence[str],
    *,
    jvm_opts: Sequence[str],
    layout: DataDirLayout,
) -> list[str]:
    """The argv of one JVM run with the project's logging configuration."""
    return [
        java,
        *jvm_opts,
        f"-Dlog4j2.configurationFile={layout.log4j_properties}",
        f"-Dkafka.logs.dir={layout.logs_dir}",
        "-cp",
        classpath,
        main_class,
        *args,
    ]


def tail_lines(text: str, max_lines: int = 40) -> str:
    lines = text.splitlines()
    return "\n".join(lines[-max_lines:])


def tail_file(path: Path, max_lines: int = 40, max_bytes: int = 64 * 1024) -> str:
    """The last lines of a (possibly large) log file; a note when it is missing."""
    try:
        with path.open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - max_bytes))
            data = fh.read()
    except FileNotFoundError:
        return f"(no log file at {path})"
    return tail_lines(data.decode("utf-8", errors="replace"), max_lines)
