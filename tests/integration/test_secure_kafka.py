"""The project's own broker with a SASL_SSL listener, as ``docketline kafka start --secure``
starts it: one broker for this module in a temp dir, stopped at the end (also on failure).

Every test reads the connection settings from the last lines the CLI printed,
the way a user copies them into the environment. The reference case runs end to
end (``docketline ingest`` -> ``worker`` -> ``api`` -> ``dispatcher`` -> a local
webhook receiver) against this broker and against the plain session broker.
"""

from __future__ import annotations

import atexit
import datetime as dt
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet

from schemas.codec import decode_alert, dumps
from services.kafka import clients
from services.kafka.clients import KafkaConnectError, check_connection
from services.kafka.topics import ensure_app_topics
from services.kafka_local import LocalKafka
from services.kafka_local.config import pick_free_ports
from services.kafka_local.secure import make_certificates
from services.settings import Settings, load_settings
from tests.integration.test_local_kafka import KAFKA_READY_TIMEOUT, _cli
from tests.integration.test_sources_refine import DEMO, REF, ingest
from tests.integration.test_webhooks import eventually, verify
from tests.kafka_util import wait_caught_up
from tests.procs import DOCKETLINE, running, service_env
from tests.webhook_util import Receiver

pytestmark = pytest.mark.kafka

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


@pytest.fixture(scope="module")
def secure_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecureBroker]:
    data_dir = tmp_path_factory.mktemp("secure-kafka")

    def stop() -> None:
        LocalKafka().stop(data_dir)

    atexit.register(stop)  # also when pytest's teardown is skipped (stop is idempotent)
    try:
        started = _cli(
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


def _settings(env: dict[str, str], **override: str) -> Settings:
    """What a service started with ``env | override`` reads (field = variable - prefix)."""
    fields = {k.removeprefix("DOCKETLINE_").lower(): v for k, v in (env | override).items()}
    return load_settings(**fields)


def test_start_prints_the_settings_a_client_needs_as_its_last_lines(
    secure_broker: SecureBroker,
) -> None:
    env = secure_broker.env
    assert env["DOCKETLINE_BOOTSTRAP_SERVERS"].startswith("127.0.0.1:")
    assert env["DOCKETLINE_KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
    assert env["DOCKETLINE_KAFKA_SASL_MECHANISM"] == "SCRAM-SHA-512"
    assert env["DOCKETLINE_KAFKA_SSL_CA_FILE"] == str(secure_broker.data_dir / "tls" / "ca.pem")
    status = _cli("status", "--data-dir", str(secure_broker.data_dir))
    assert status.returncode == 0, status.stdout + status.stderr
    assert status.stdout.strip().splitlines()[-len(SETTING_NAMES) :] == [
        f"{k}={v}" for k, v in env.items()
    ]
    again = _cli("start", "--secure", "--data-dir", str(secure_broker.data_dir))
    assert again.returncode == 0 and "already running" in again.stdout, again.stdout
    assert again.stdout.strip().splitlines()[-len(SETTING_NAMES) :] == [
        f"{k}={v}" for k, v in env.items()
    ]


def test_a_plain_start_of_the_secure_directory_is_refused_with_the_reason(
    secure_broker: SecureBroker,
) -> None:
    plain = _cli("start", "--data-dir", str(secure_broker.data_dir))
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
    settings = _settings(secure_broker.env, DOCKETLINE_KAFKA_SASL_MECHANISM=mechanism)
    await check_connection(settings)
    topic = f"t{uuid.uuid4().hex[:8]}.secure"
    producer = clients.producer(settings, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        sent = [(f"k{i}".encode(), f"v{i}".encode()) for i in range(3)]
        for key, value in sent:
            await producer.send_and_wait(topic, key=key, value=value)
    finally:
        await producer.stop()
    consumer = clients.consumer(
        settings,
        topic,
        group_id=f"{topic}.group",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        got: list[tuple[bytes, bytes]] = []
        while len(got) < len(sent):
            batch = await consumer.getmany(timeout_ms=30_000)
            assert batch, f"nothing more after {got}"
            got += [(r.key, r.value) for recs in batch.values() for r in recs]
        assert sorted(got) == sent
        await consumer.commit()  # the group coordinator answers the SCRAM user too
    finally:
        await consumer.stop()


async def _refusal(settings: Settings) -> str:
    with pytest.raises(KafkaConnectError) as refused:
        await check_connection(settings, timeout=15.0)
    message = str(refused.value)
    assert "\n" not in message, message
    return message


async def test_a_wrong_password_is_refused_with_the_authentication_reason(
    secure_broker: SecureBroker,
) -> None:
    message = await _refusal(
        _settings(secure_broker.env, DOCKETLINE_KAFKA_SASL_PASSWORD="not-the-password")
    )
    assert message.startswith(f"Kafka at {secure_broker.env['DOCKETLINE_BOOTSTRAP_SERVERS']}: ")
    assert "SASL SCRAM-SHA-512 authentication failed for user 'docketline'" in message, message
    assert "not-the-password" not in message


async def test_a_ca_that_did_not_sign_the_broker_certificate_is_refused_with_the_tls_reason(
    secure_broker: SecureBroker, foreign_ca: Path
) -> None:
    message = await _refusal(
        _settings(secure_broker.env, DOCKETLINE_KAFKA_SSL_CA_FILE=str(foreign_ca))
    )
    assert "TLS: the broker's certificate is not trusted" in message, message
    assert "DOCKETLINE_KAFKA_SSL_CA_FILE" in message, message


async def test_a_plaintext_client_is_told_the_listener_speaks_another_protocol(
    secure_broker: SecureBroker,
) -> None:
    plain = {"DOCKETLINE_BOOTSTRAP_SERVERS": secure_broker.env["DOCKETLINE_BOOTSTRAP_SERVERS"]}
    message = await _refusal(_settings(plain))
    assert "DOCKETLINE_KAFKA_SECURITY_PROTOCOL=PLAINTEXT" in message, message


@pytest.mark.parametrize(
    ("override", "says"),
    [
        ({"DOCKETLINE_KAFKA_SASL_PASSWORD": "not-the-password"}, "authentication failed"),
        ({"DOCKETLINE_KAFKA_SSL_CA_FILE": "FOREIGN"}, "certificate is not trusted"),
    ],
    ids=["wrong-password", "foreign-ca"],
)
@pytest.mark.parametrize(
    ("command", "code"), [(["ingest", "REF"], 1), (["worker", "-l", "warn"], 3)]
)
def test_commands_stop_at_start_with_one_line_not_a_hang_or_a_traceback(
    secure_broker: SecureBroker,
    tmp_path: Path,
    foreign_ca: Path,
    override: dict[str, str],
    says: str,
    command: list[str],
    code: int,
) -> None:
    values = {k: str(foreign_ca) if v == "FOREIGN" else v for k, v in override.items()}
    env = service_env(
        secure_broker.env["DOCKETLINE_BOOTSTRAP_SERVERS"],
        "t-refused.",
        tmp_path / "data",
        **(secure_broker.env | values),
    )
    argv = [str(DEMO / "reference_case.jsonl") if a == "REF" else a for a in command]
    done = subprocess.run(
        [DOCKETLINE, *argv],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    seen = f"exit {done.returncode}\nstdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    assert done.returncode == code, seen
    assert "Traceback" not in done.stdout + done.stderr, seen
    [line] = [ln for ln in done.stderr.splitlines() if ln.startswith("error:")]
    assert line.startswith("error: cannot use Kafka: Kafka at 127.0.0.1:"), seen
    assert says in line, seen


@pytest.fixture
def foreign_ca(tmp_path: Path) -> Path:
    """A CA certificate that did not sign the broker's certificate."""
    path = tmp_path / "foreign-ca.pem"
    path.write_bytes(make_certificates(dt.datetime.now(dt.UTC))[0])
    return path


# -- the reference case end to end, on both brokers ------------------------------------
TOKEN = "tok-e2e"


@pytest.fixture(params=["plain", "secure"])
def broker_env(request: pytest.FixtureRequest) -> dict[str, str]:
    """The DOCKETLINE_* connection settings of the plain session broker or the secure one."""
    if request.param == "plain":
        return {"DOCKETLINE_BOOTSTRAP_SERVERS": request.getfixturevalue("kafka_bootstrap")}
    broker: SecureBroker = request.getfixturevalue("secure_broker")
    return broker.env


async def test_the_reference_case_runs_end_to_end_ingest_worker_api_dispatcher(
    broker_env: dict[str, str],
    unique_prefix: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in broker_env.items():  # the test's own helpers (tests/kafka_util) too
        monkeypatch.setenv(name, value)
    api_port = pick_free_ports(1)[0]
    env = service_env(
        broker_env["DOCKETLINE_BOOTSTRAP_SERVERS"],
        unique_prefix,
        tmp_path / "data",
        **broker_env,
        DOCKETLINE_API_PORT=str(api_port),
        DOCKETLINE_API_TOKENS=TOKEN,
        DOCKETLINE_SUBSCRIPTION_SECRET_KEYS=Fernet.generate_key().decode(),
        DOCKETLINE_WEBHOOK_ALLOW_PRIVATE_NETWORKS="true",
        DOCKETLINE_WEBHOOK_RETRY_SCHEDULE="0,0.3,0.3",
        DOCKETLINE_DISPATCHER_POLL_SECONDS="0.2",
        DOCKETLINE_DISPATCHER_GROUP_ID=f"{unique_prefix}dispatcher",
    )
    settings = _settings(env)
    await ensure_app_topics(settings)
    logs = tmp_path / "logs"
    receiver = await Receiver().start()
    auth = {"Authorization": f"Bearer {TOKEN}"}
    try:
        with running(["api"], env, logs / "api.log"):
            async with httpx.AsyncClient(
                base_url=f"http://127.0.0.1:{api_port}", timeout=10
            ) as api:
                await eventually(
                    "the API answers", lambda: _status(api, "/healthz"), lambda s: s == 200
                )
                r = await api.post(
                    "/api/subscriptions",
                    json={"url": receiver.url("/hook"), "filters": {"case_ids": [REF]}},
                    headers=auth,
                )
                assert r.status_code == 201, r.text
                sub = r.json()
                # The dispatcher starts after the subscription exists (it folds the
                # subscriptions topic first), the worker after the ingest.
                with running(["dispatcher"], env, logs / "dispatcher.log"):
                    out = ingest(env, DEMO / "reference_case.jsonl")
                    assert "published 2" in out, out
                    with running(["worker", "-l", "warn"], env, logs / "worker.log"):
                        [got] = await receiver.wait_for("/hook", 1, timeout=120)
                        await wait_caught_up(
                            settings.bootstrap_servers,
                            f"{unique_prefix}{settings.processor_app_id}",
                            settings.topic_events,
                            timeout=120,
                        )
                        await wait_caught_up(
                            settings.bootstrap_servers,
                            env["DOCKETLINE_DISPATCHER_GROUP_ID"],
                            settings.topic_alerts,
                            timeout=120,
                        )
                case = await eventually(
                    "the API shows the case closed",
                    lambda: api.get(f"/api/cases/{REF}"),
                    lambda r: r.status_code == 200 and r.json()["status"] == "closed",
                    timeout=120,
                )
                deliveries = (
                    await api.get(f"/api/subscriptions/{sub['id']}/deliveries", headers=auth)
                ).json()
    finally:
        await receiver.stop()
    body = case.json()
    assert (
        body["disposition"]["type"],
        body["disposition"]["prejudice"],
        body["disposition"]["date"],
    ) == ("voluntary_dismissal", "without", "2025-01-30")
    assert [(h["status"], h["date"]) for h in body["status_history"]] == [
        ("open", "2025-01-21"),
        ("closed", "2025-01-30"),
    ]
    assert receiver.at("/hook") == [got], "exactly one delivery"
    alert = decode_alert(dumps(verify(sub["secret"], got)["data"]["alert"]))
    assert (alert.subject, alert.type, alert.data.from_status, alert.data.to_status) == (
        REF,
        "status.changed",
        "open",
        "closed",
    )
    assert [(d["alert_id"], d["status"], d["attempts"]) for d in deliveries] == [
        (alert.id, "delivered", 1)
    ]


async def _status(api: httpx.AsyncClient, path: str) -> int:
    try:
        return (await api.get(path)).status_code
    except httpx.TransportError:
        return 0
