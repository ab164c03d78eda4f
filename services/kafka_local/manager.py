"""Start, stop and inspect single-node Apache Kafka (KRaft) brokers on 127.0.0.1.

The broker runs from Maven Central jars (``pom.xml`` beside this file) on the
machine's Java 17, with no Docker and no release tarball. The manager is what
``docketline kafka ...`` and the test suite's session fixture use.

Invariants:

* One data directory = one broker. Its files and the broker's PID live in the
  directory (see ``config.DataDirLayout``), so several brokers run side by side
  on different directories and ports, and any process can stop a broker
  another process started.
* Storage is formatted once, on the first start of a directory; a restart
  keeps topics and offsets.
* ``start`` returns only after the broker answered a real metadata request
  with the cluster id written at format time, never after "port open".
* A failed start leaves no broker running, and its error carries the tail of
  the broker log.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import fcntl
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path
from typing import Any, TypeVar

from services.kafka.admin import KafkaNotReadyError, wait_ready
from services.kafka_local.config import (
    BROKER_JVM_OPTS,
    HOST,
    KAFKA_VERSION,
    TOOL_JVM_OPTS,
    BrokerConfig,
    BrokerState,
    DataDirLayout,
    formatted_cluster_id,
    java_command,
    new_cluster_id,
    pick_free_ports,
    port_is_free,
    read_state,
    render_server_properties,
    tail_file,
    tail_lines,
    write_state,
)
from services.kafka_local.errors import (
    BrokerNotReadyError,
    BrokerStartError,
    JarFetchError,
    LocalKafkaError,
    StateFileError,
    StorageFormatError,
    ToolNotFoundError,
)
from services.kafka_local.secure import (
    Credentials,
    SecureLayout,
    as_settings,
    check_mode,
    client_settings,
    ensure_certificates,
    read_client_env,
    read_credentials,
    server_properties,
    write_client_env,
    write_credentials,
)
from services.settings import Settings

T = TypeVar("T")

CACHE_ENV = "DOCKETLINE_KAFKA_CACHE"
BROKER_MAIN = "kafka.Kafka"
STORAGE_TOOL_MAIN = "kafka.tools.StorageTool"
# Jars whose absence means Maven resolved something other than the broker.
REQUIRED_JARS = (f"kafka_2.13-{KAFKA_VERSION}.jar", f"kafka-tools-{KAFKA_VERSION}.jar")


def default_cache_dir() -> Path:
    """``$DOCKETLINE_KAFKA_CACHE/<version>``, else ``~/.cache/docketline/kafka/<version>``."""
    root = os.environ.get(CACHE_ENV)
    base = Path(root).expanduser() if root else Path.home() / ".cache" / "docketline" / "kafka"
    return base / KAFKA_VERSION


def default_data_dir() -> Path:
    """``<DOCKETLINE_DATA_DIR>/kafka`` (``.docketline/kafka`` by default)."""
    from services.settings import load_settings

    return load_settings().data_dir / "kafka"


def _stderr(message: str) -> None:
    print(f"docketline kafka: {message}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive ``flock`` on ``path``, released when the block ends (or the process dies)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _run_coro(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine from sync code, also when called inside a running loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def _run_tool(
    cmd: list[str], *, timeout: float, cwd: Path, error: type[LocalKafkaError], what: str
) -> None:
    """Run a short-lived tool to completion; ``error`` with its output tail when it fails."""
    try:
        done = subprocess.run(
            cmd,
            check=False,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            cwd=cwd,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise error(f"{what} failed: {exc}\ncommand: {' '.join(cmd)}") from exc
    if done.returncode != 0:
        raise error(
            f"{what} failed (exit {done.returncode}); command: {' '.join(cmd)}\n"
            + tail_lines(done.stdout + done.stderr)
        )


def _write_owner_only(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # an existing file keeps its mode through O_CREAT
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)


def _proc_cmdline(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    return [part.decode("utf-8", "replace") for part in raw.split(b"\0") if part]


def _is_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[:1] == ["Z"]


@dataclass(frozen=True)
class BrokerStatus:
    """What ``status`` reports about one data directory."""

    data_dir: Path
    running: bool
    pid: int | None = None
    bootstrap: str | None = None
    log_file: Path | None = None
    secure: bool = False


class LocalKafka:
    """Manager of local brokers; one instance can drive any number of data dirs."""

    def __init__(
        self,
        cache_dir: Path | None = None,
        *,
        progress: Callable[[str], None] = _stderr,
        ready_timeout: float = 60.0,
        stop_timeout: float = 30.0,
    ) -> None:
        self.cache_dir = (cache_dir or default_cache_dir()).expanduser().resolve()
        self.progress = progress
        self.ready_timeout = ready_timeout
        self.stop_timeout = stop_timeout
        # Brokers this process spawned, so their exit can be reaped (no zombies).
        self._children: dict[int, subprocess.Popen[bytes]] = {}

    # -- jars ------------------------------------------------------------
    @property
    def libs_dir(self) -> Path:
        return self.cache_dir / "libs"

    @property
    def classpath(self) -> str:
        """The JVM classpath wildcard (Java expands ``dir/*`` to every jar in it)."""
        return f"{self.libs_dir}/*"

    @property
    def _marker(self) -> Path:
        return self.cache_dir / "classpath.sha256"

    @staticmethod
    def _pom_text() -> str:
        return files("services.kafka_local").joinpath("pom.xml").read_text(encoding="utf-8")

    def _classpath_ready(self, digest: str) -> bool:
        try:
            recorded = self._marker.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return False
        return recorded == digest and all((self.libs_dir / j).is_file() for j in REQUIRED_JARS)

    def fetch_jars(self) -> Path:
        """Resolve the broker's classpath into the cache once; later calls are offline.

        The cache is complete only when its marker records the digest of the
        current ``pom.xml``, so an interrupted fetch or a version bump fetches
        again. A file lock keeps concurrent callers from running Maven into the
        same directory: the second waits, then finds the classpath ready.
        """
        pom = self._pom_text()
        digest = hashlib.sha256(pom.encode("utf-8")).hexdigest()
        if self._classpath_ready(digest):
            return self.libs_dir
        with _locked(self.cache_dir / ".fetch.lock"):
            if self._classpath_ready(digest):
                return self.libs_dir
            mvn = shutil.which("mvn")
            if mvn is None:
                raise ToolNotFoundError(
                    "Maven (mvn) is needed once to fetch the Kafka jars; "
                    "install it (Debian: apt-get install -y maven)"
                )
            pom_path = self.cache_dir / "pom.xml"
            pom_path.write_text(pom, encoding="utf-8")
            staging = self.cache_dir / "libs.partial"
            shutil.rmtree(staging, ignore_errors=True)
            self.progress(
                f"fetching Apache Kafka {KAFKA_VERSION} jars from Maven Central into "
                f"{self.libs_dir} (first run only; about 30 s)"
            )
            started = time.monotonic()
            cmd = [
                mvn,
                "-B",
                "-q",
                "-f",
                str(pom_path),
                "dependency:copy-dependencies",
                "-DincludeScope=runtime",
                f"-DoutputDirectory={staging}",
            ]
            _run_tool(cmd, timeout=900, cwd=self.cache_dir, error=JarFetchError, what="Maven")
            missing = [j for j in REQUIRED_JARS if not (staging / j).is_file()]
            if missing:
                raise JarFetchError(f"Maven finished but {staging} lacks {', '.join(missing)}")
            shutil.rmtree(self.libs_dir, ignore_errors=True)
            os.replace(staging, self.libs_dir)
            self._marker.write_text(digest + "\n", encoding="utf-8")
            count = len(list(self.libs_dir.glob("*.jar")))
            self.progress(f"fetched {count} jars in {time.monotonic() - started:.0f} s")
        return self.libs_dir

    # -- processes -------------------------------------------------------
    @staticmethod
    def _java() -> str:
        home = os.environ.get("JAVA_HOME")
        if home and (Path(home) / "bin" / "java").is_file():
            return str(Path(home) / "bin" / "java")
        found = shutil.which("java")
        if found is None:
            raise ToolNotFoundError(
                "Java 17+ is needed to run Kafka; install it "
                "(Debian: apt-get install -y openjdk-17-jre-headless)"
            )
        return found

    def _alive(self, pid: int) -> bool:
        child = self._children.get(pid)
        if child is not None:
            return child.poll() is None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return not _is_zombie(pid)

    def _is_our_broker(self, pid: int, layout: DataDirLayout) -> bool:
        """Alive and really the broker of this directory (PIDs get reused)."""
        if not self._alive(pid):
            return False
        cmdline = _proc_cmdline(pid)
        if cmdline is None:  # no /proc: trust the recorded PID
            return True
        return BROKER_MAIN in cmdline and str(layout.server_properties) in cmdline

    def _wait_exit(self, pid: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while self._alive(pid):
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.1)
        self._children.pop(pid, None)
        return True

    def _terminate(self, pid: int) -> None:
        """SIGTERM (controlled shutdown), then SIGKILL after ``stop_timeout``."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        if self._wait_exit(pid, self.stop_timeout):
            return
        self.progress(f"broker pid {pid} ignored SIGTERM for {self.stop_timeout:.0f} s; killing it")
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        if not self._wait_exit(pid, 10.0):
            raise BrokerStartError(f"broker pid {pid} survived SIGKILL")

    def _running_state(self, layout: DataDirLayout) -> BrokerState | None:
        try:
            state = read_state(layout)
        except StateFileError:
            return None
        if state is not None and self._is_our_broker(state.pid, layout):
            return state
        return None

    @staticmethod
    def _clear_stale(layout: DataDirLayout) -> None:
        """Called only once no broker of this directory is alive."""
        layout.state_file.unlink(missing_ok=True)
        layout.lock_file.unlink(missing_ok=True)

    # -- public API ------------------------------------------------------
    def status(self, data_dir: Path | None = None) -> BrokerStatus:
        """Whether this directory's broker process is alive (no network round trip)."""
        layout = DataDirLayout((data_dir or default_data_dir()).expanduser().resolve())
        state = self._running_state(layout)
        if state is None:
            return BrokerStatus(data_dir=layout.root, running=False)
        return BrokerStatus(
            data_dir=layout.root,
            running=True,
            pid=state.pid,
            bootstrap=state.bootstrap,
            log_file=layout.broker_log,
            secure=state.secure,
        )

    def client_settings(self, data_dir: Path | None = None) -> dict[str, str]:
        """The ``DOCKETLINE_*`` settings a client of this directory's running broker needs.

        Just the bootstrap address for a plain broker; for a secure one also the
        security protocol, SASL mechanism, user, password and CA file. Empty
        when no broker runs.
        """
        layout = DataDirLayout((data_dir or default_data_dir()).expanduser().resolve())
        state = self._running_state(layout)
        if state is None:
            return {}
        if state.secure:
            return read_client_env(SecureLayout(layout.root))
        return {"DOCKETLINE_BOOTSTRAP_SERVERS": state.bootstrap}

    def start(
        self,
        port: int = 9092,
        data_dir: Path | None = None,
        partitions: int = 4,
        *,
        secure: bool = False,
    ) -> str:
        """Start the broker of ``data_dir`` and return its bootstrap address.

        ``port=0`` picks a free port. When the directory's broker is already
        running, its bootstrap address is returned and nothing is started.
        ``secure`` serves clients on SASL_SSL (see ``secure.py``); a directory
        keeps the mode of its first start. ``client_settings`` tells a client
        how to connect.
        """
        layout = DataDirLayout((data_dir or default_data_dir()).expanduser().resolve())
        layout.root.mkdir(parents=True, exist_ok=True)
        sec = SecureLayout(layout.root)
        with _locked(layout.manager_lock):
            running = self._running_state(layout)
            if running is not None:
                check_mode(layout, sec, secure, formatted=True)
                return running.bootstrap
            check_mode(layout, sec, secure, formatted=formatted_cluster_id(layout) is not None)
            self.fetch_jars()
            java = self._java()
            self._clear_stale(layout)
            cfg = self._broker_config(port, layout, partitions, secure)
            creds = self._prepare_secure(sec) if secure else None
            security = server_properties(sec, creds) if creds else []
            layout.logs_dir.mkdir(exist_ok=True)
            layout.log_dir.mkdir(exist_ok=True)
            # 0600: in secure mode it holds the broker user's password (JAAS)
            _write_owner_only(layout.server_properties, render_server_properties(cfg, security))
            layout.log4j_properties.write_text(
                files("services.kafka_local").joinpath("log4j2.properties").read_text("utf-8"),
                encoding="utf-8",
            )
            cluster_id = formatted_cluster_id(layout) or self._format(layout, java, creds)
            if creds is not None:
                write_client_env(sec, client_settings(cfg.port, sec, creds))
            proc = self._spawn(layout, java)
            state = BrokerState(
                pid=proc.pid,
                port=cfg.port,
                controller_port=cfg.controller_port,
                cluster_id=cluster_id,
                data_dir=str(layout.root),
                started_at=datetime.now(UTC).isoformat(timespec="seconds"),
                secure=secure,
            )
            write_state(layout, state)
            try:
                self._await_ready(proc, state)
            except BaseException:
                # KeyboardInterrupt included: never leave a half-started broker behind.
                self._terminate(proc.pid)
                self._clear_stale(layout)
                raise
            return state.bootstrap

    def stop(self, data_dir: Path | None = None) -> bool:
        """Stop the directory's broker; True when one was running. Idempotent."""
        layout = DataDirLayout((data_dir or default_data_dir()).expanduser().resolve())
        if not layout.root.is_dir():
            return False
        with _locked(layout.manager_lock):
            state = self._running_state(layout)
            if state is None:
                self._clear_stale(layout)
                return False
            self._terminate(state.pid)
            layout.state_file.unlink(missing_ok=True)
            return True

    # -- start steps -----------------------------------------------------
    def _prepare_secure(self, sec: SecureLayout) -> Credentials:
        """The directory's users (made on its first secure start) and valid certificates."""
        creds = read_credentials(sec)
        if creds is None:
            creds = Credentials.generate()
            write_credentials(sec, creds)
        if ensure_certificates(sec, datetime.now(UTC)):
            self.progress(f"made a throwaway CA and a server certificate in {sec.tls_dir}")
        return creds

    @staticmethod
    def _broker_config(
        port: int, layout: DataDirLayout, partitions: int, secure: bool
    ) -> BrokerConfig:
        if port == 0:
            broker_port, controller_port = pick_free_ports(2)
        else:
            if not port_is_free(port):
                raise BrokerStartError(f"port {HOST}:{port} is already in use")
            broker_port = port
            controller_port = pick_free_ports(1, avoid={port})[0]
        return BrokerConfig(
            port=broker_port,
            controller_port=controller_port,
            log_dir=layout.log_dir,
            partitions=partitions,
            secure=secure,
        )

    def _format(self, layout: DataDirLayout, java: str, creds: Credentials | None) -> str:
        """Format the storage; a secure broker's SCRAM users go into its metadata log here."""
        cluster_id = new_cluster_id()
        scram = creds.scram_args() if creds else []
        cmd = java_command(
            java,
            self.classpath,
            STORAGE_TOOL_MAIN,
            ["format", "-t", cluster_id, "-c", str(layout.server_properties), *scram],
            jvm_opts=TOOL_JVM_OPTS,
            layout=layout,
        )
        what = f"formatting {layout.log_dir}"
        _run_tool(cmd, timeout=120, cwd=layout.root, error=StorageFormatError, what=what)
        written = formatted_cluster_id(layout)
        if written != cluster_id:
            raise StorageFormatError(f"{what} wrote cluster id {written!r}, not {cluster_id!r}")
        return cluster_id

    def _spawn(self, layout: DataDirLayout, java: str) -> subprocess.Popen[bytes]:
        """The broker, detached in its own session so it outlives the caller."""
        if layout.broker_log.exists():
            os.replace(layout.broker_log, layout.broker_log.with_suffix(".log.1"))
        cmd = java_command(
            java,
            self.classpath,
            BROKER_MAIN,
            [str(layout.server_properties)],
            jvm_opts=BROKER_JVM_OPTS,
            layout=layout,
        )
        with layout.broker_log.open("wb") as out:
            stamp = datetime.now(UTC).isoformat(timespec="milliseconds")
            out.write(f"# docketline: {stamp} starting {' '.join(cmd)}\n".encode())
            out.flush()
            try:
                proc = subprocess.Popen(
                    cmd,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    cwd=layout.root,
                    start_new_session=True,
                    close_fds=True,
                )
            except OSError as exc:
                raise BrokerStartError(f"could not run {java}: {exc}") from exc
        self._children[proc.pid] = proc
        return proc

    @staticmethod
    def _probe_settings(state: BrokerState) -> Settings:
        """How to reach this broker's own client listener, whatever the environment says."""
        if state.secure:
            return as_settings(read_client_env(SecureLayout(Path(state.data_dir))))
        return Settings.model_construct(bootstrap_servers=state.bootstrap)

    def _await_ready(self, proc: subprocess.Popen[bytes], state: BrokerState) -> None:
        log = Path(state.data_dir) / "broker.log"

        def still_running() -> None:
            code = proc.poll()
            if code is not None:
                raise BrokerStartError(
                    f"broker exited with code {code} while starting; last lines of {log}:\n"
                    + tail_file(log)
                )

        started = time.monotonic()
        try:
            _run_coro(
                wait_ready(
                    self._probe_settings(state),
                    self.ready_timeout,
                    expect_cluster_id=state.cluster_id,
                    still_worth_waiting=still_running,
                )
            )
        except KafkaNotReadyError as exc:
            raise BrokerNotReadyError(f"{exc}\nlast lines of {log}:\n{tail_file(log)}") from exc
        self.progress(
            f"broker pid {proc.pid} ready on {state.bootstrap} "
            f"after {time.monotonic() - started:.1f} s (data: {state.data_dir})"
        )
