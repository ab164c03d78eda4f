"""The project's own broker with a SASL_SSL listener, as ``docketline kafka start --secure``
starts it: one broker for this module in a temp dir, stopped at the end (also on failure).

Every test reads the connection settings from the last lines the CLI printed,
the way a user copies them into the environment.
"""

from __future__ import annotations

import atexit
import datetime as dt
import ssl
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer  # type: ignore[import-untyped]
from aiokafka.errors import KafkaConnectionError  # type: ignore[import-untyped]

from services.kafka_local import LocalKafka
from services.kafka_local.secure import make_certificates
from tests.procs import DOCKETLINE

pytestmark = pytest.mark.kafka

# Generous, as in conftest: a loaded 2-core machine can take over a minute to start a broker.
KAFKA_READY_TIMEOUT = 180.0
SETTING_NAMES = [
    "DOCKETLINE_BOOTSTRAP_SERVERS",
    "DOCKETLINE_KAFKA_SECURITY_PROTOCOL",
    "DOCKETLINE_KAFKA_SASL_MECHANISM",
    "DOCKETLINE_KAFKA_SASL_USERNAME",
    "DOCKETLINE_KAFKA_SASL_PASSWORD",
    "DOCKETLINE_KAFKA_SSL_CA_FILE",
]


@dataclass(frozen=True)
class SecureBroker:
    data_dir: Path
    env: dict[str, str]
    """The DOCKETLINE_* settings ``start --secure`` printed as its last lines."""
    printed: str


def _kafka_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [DOCKETLINE, "kafka", *args],
        check=False,
        capture_output=True,
        text=True,
        timeout=KAFKA_READY_TIMEOUT + 60,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture(scope="module")
def secure_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecureBroker]:
    data_dir = tmp_path_factory.mktemp("secure-kafka")

    def stop() -> None:
        LocalKafka().stop(data_dir)

    atexit.register(stop)  # also when pytest's teardown is skipped (stop is idempotent)
    try:
        started = _kafka_cli(
            "start", "--secure", "--port", "0", "--data-dir", str(data_dir),
            "--timeout", str(KAFKA_READY_TIMEOUT),
        )  # fmt: skip
        printed = f"stdout:\n{started.stdout}\nstderr:\n{started.stderr}"
        assert started.returncode == 0, printed
        last = started.stdout.strip().splitlines()[-len(SETTING_NAMES) :]
        env = dict(line.split("=", 1) for line in last)
        assert list(env) == SETTING_NAMES, printed
        yield SecureBroker(data_dir, env, printed)
    finally:
        stop()


def _client_kwargs(env: dict[str, str], **override: str) -> dict[str, object]:
    # TEMPORARY: hand-built until the client factory (services/kafka/clients.py) lands.
    merged = env | override
    return {
        "bootstrap_servers": merged["DOCKETLINE_BOOTSTRAP_SERVERS"],
        "security_protocol": merged["DOCKETLINE_KAFKA_SECURITY_PROTOCOL"],
        "sasl_mechanism": merged["DOCKETLINE_KAFKA_SASL_MECHANISM"],
        "sasl_plain_username": merged["DOCKETLINE_KAFKA_SASL_USERNAME"],
        "sasl_plain_password": merged["DOCKETLINE_KAFKA_SASL_PASSWORD"],
        "ssl_context": ssl.create_default_context(cafile=merged["DOCKETLINE_KAFKA_SSL_CA_FILE"]),
    }


def test_start_prints_the_settings_a_client_needs_as_its_last_lines(
    secure_broker: SecureBroker,
) -> None:
    env = secure_broker.env
    assert env["DOCKETLINE_BOOTSTRAP_SERVERS"].startswith("127.0.0.1:")
    assert env["DOCKETLINE_KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
    assert env["DOCKETLINE_KAFKA_SASL_MECHANISM"] == "SCRAM-SHA-512"
    assert env["DOCKETLINE_KAFKA_SSL_CA_FILE"] == str(secure_broker.data_dir / "tls" / "ca.pem")
    status = _kafka_cli("status", "--data-dir", str(secure_broker.data_dir))
    assert status.returncode == 0, status.stdout + status.stderr
    assert status.stdout.strip().splitlines()[-len(SETTING_NAMES) :] == [
        f"{k}={v}" for k, v in env.items()
    ]
    again = _kafka_cli("start", "--secure", "--data-dir", str(secure_broker.data_dir))
    assert again.returncode == 0 and "already running" in again.stdout, again.stdout
    assert again.stdout.strip().splitlines()[-len(SETTING_NAMES) :] == [
        f"{k}={v}" for k, v in env.items()
    ]


def test_a_plain_start_of_the_secure_directory_is_refused_with_the_reason(
    secure_broker: SecureBroker,
) -> None:
    plain = _kafka_cli("start", "--data-dir", str(secure_broker.data_dir))
    assert plain.returncode == 1
    assert plain.stderr.strip().splitlines() == [
        (
            f"error: {secure_broker.data_dir} holds a secure broker (SCRAM users in "
            f"{secure_broker.data_dir}/secure.json); start it with --secure, or use another "
            "--data-dir for a plain broker"
        )
    ]


@pytest.mark.parametrize("mechanism", ["SCRAM-SHA-512", "PLAIN"])
async def test_the_user_with_the_ca_produces_and_consumes(
    secure_broker: SecureBroker, mechanism: str
) -> None:
    topic = f"t{uuid.uuid4().hex[:8]}.secure"
    kwargs = _client_kwargs(secure_broker.env, DOCKETLINE_KAFKA_SASL_MECHANISM=mechanism)
    producer = AIOKafkaProducer(acks="all", enable_idempotence=True, **kwargs)
    await producer.start()
    try:
        sent = [(f"k{i}".encode(), f"v{i}".encode()) for i in range(3)]
        for key, value in sent:
            await producer.send_and_wait(topic, key=key, value=value)
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(
        topic,
        group_id=f"{topic}.group",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        **_client_kwargs(secure_broker.env, DOCKETLINE_KAFKA_SASL_MECHANISM=mechanism),
    )
    await consumer.start()
    try:
        got: list[tuple[bytes, bytes]] = []
        while len(got) < len(sent):
            batch = await consumer.getmany(timeout_ms=30_000)
            assert batch, f"nothing more after {got}"
            got += [(r.key, r.value) for recs in batch.values() for r in recs]
        assert sorted(got) == sent
        await consumer.commit()
    finally:
        await consumer.stop()


async def test_a_plaintext_client_gets_no_answer_from_the_secure_listener(
    secure_broker: SecureBroker,
) -> None:
    producer = AIOKafkaProducer(
        bootstrap_servers=secure_broker.env["DOCKETLINE_BOOTSTRAP_SERVERS"],
        request_timeout_ms=5000,
    )
    with pytest.raises(KafkaConnectionError):
        await producer.start()
    await producer.stop()


@pytest.fixture
def foreign_ca(tmp_path: Path) -> Path:
    """A CA certificate that did not sign the broker's certificate."""
    path = tmp_path / "foreign-ca.pem"
    path.write_bytes(make_certificates(dt.datetime.now(dt.UTC))[0])
    return path
