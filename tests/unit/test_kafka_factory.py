"""services/kafka/clients.py: Settings -> client options, the settings' validation, the
TLS context (a real handshake in memory with certificates made here), the connection
check's messages against real local sockets, and a scan of the code for Kafka clients
built anywhere but the factory."""

from __future__ import annotations

import ast
import asyncio
import socket
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import faust
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtendedKeyUsageOID
from pydantic import ValidationError

from services.kafka import clients
from services.kafka.clients import KafkaConnectError, check_connection
from services.settings import Settings
from tests.tls_util import TestCA

ROOT = Path(__file__).resolve().parents[2]
FACTORY = ROOT / "services" / "kafka" / "clients.py"


@pytest.fixture(autouse=True)
def _no_kafka_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests set every connection option themselves."""
    import os

    for name in list(os.environ):
        if name.startswith("DOCKETLINE_KAFKA_"):
            monkeypatch.delenv(name)


class Pki:
    """A CA, a server certificate for ``localhost`` and a client certificate with a key
    encrypted under ``KEY_PASSWORD``, written as PEM files."""

    KEY_PASSWORD = "key-secret"

    def __init__(self, root: Path) -> None:
        self.ca = TestCA()
        self.ca_file = root / "ca.pem"
        self.ca_file.write_bytes(self.ca.cert_pem)
        client = self.ca.issue(["docketline-client"], usage=ExtendedKeyUsageOID.CLIENT_AUTH)
        key = serialization.load_pem_private_key(client.key_pem, password=None)
        self.cert_file = root / "client.pem"
        self.cert_file.write_bytes(client.cert_pem)
        self.key_file = root / "client.key"
        self.key_file.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.BestAvailableEncryption(self.KEY_PASSWORD.encode()),
            )
        )

    def server_context(self, *, require_client_cert: bool) -> ssl.SSLContext:
        ctx = self.ca.server_context(["localhost"])
        if require_client_cert:
            ctx.load_verify_locations(cadata=self.ca.cert_pem.decode("ascii"))
            ctx.verify_mode = ssl.CERT_REQUIRED
        return ctx


@pytest.fixture
def pki(tmp_path: Path) -> Pki:
    return Pki(tmp_path)


def _tls(pki: Pki, **more: Any) -> Settings:
    options: dict[str, Any] = {
        "bootstrap_servers": "localhost:9093",
        "kafka_security_protocol": "SSL",
        "kafka_ssl_ca_file": pki.ca_file,
        **more,
    }
    return Settings(**options)


# --------------------------------------------------------------------------- options per protocol


def test_plaintext_by_default_with_the_client_id_and_no_tls() -> None:
    kw = clients.client_kwargs(Settings(bootstrap_servers="a:9092, b:9092"))
    assert kw == {
        "bootstrap_servers": ["a:9092", "b:9092"],
        "client_id": "docketline",
        "security_protocol": "PLAINTEXT",
    }
    assert clients.faust_credentials(Settings()) is None


def test_overrides_win_over_the_settings() -> None:
    kw = clients.client_kwargs(Settings(kafka_client_id="dl"), client_id="x", acks="all")
    assert kw["client_id"] == "x" and kw["acks"] == "all"
    assert clients.client_id(Settings(kafka_client_id="dl"), "ingest") == "dl-ingest"


@pytest.mark.parametrize("mechanism", ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"])
def test_sasl_plaintext_with_a_password(mechanism: str) -> None:
    s = Settings(
        kafka_security_protocol="SASL_PLAINTEXT",
        kafka_sasl_mechanism=mechanism,  # type: ignore[arg-type]
        kafka_sasl_username="svc",
        kafka_sasl_password="pw",  # type: ignore[arg-type]
    )
    kw = clients.client_kwargs(s)
    assert kw["security_protocol"] == "SASL_PLAINTEXT"
    assert (kw["sasl_mechanism"], kw["sasl_plain_username"], kw["sasl_plain_password"]) == (
        mechanism,
        "svc",
        "pw",
    )
    assert "ssl_context" not in kw
    creds = clients.faust_credentials(s)
    assert isinstance(creds, faust.SASLCredentials)
    assert (creds.protocol.value, creds.mechanism.value) == ("SASL_PLAINTEXT", mechanism)
    assert (creds.username, creds.password, creds.ssl_context) == ("svc", "pw", None)


def test_sasl_ssl_scram_carries_one_tls_context_to_aiokafka_and_faust(pki: Pki) -> None:
    s = _tls(
        pki,
        kafka_security_protocol="SASL_SSL",
        kafka_sasl_mechanism="SCRAM-SHA-512",
        kafka_sasl_username="svc",
        kafka_sasl_password="pw",
    )
    kw = clients.client_kwargs(s)
    assert kw["security_protocol"] == "SASL_SSL"
    assert isinstance(kw["ssl_context"], ssl.SSLContext)
    creds = clients.faust_credentials(s)
    assert isinstance(creds, faust.SASLCredentials)
    assert (creds.protocol.value, creds.mechanism.value) == ("SASL_SSL", "SCRAM-SHA-512")
    assert isinstance(creds.ssl_context, ssl.SSLContext)
    assert creds.ssl_context.verify_mode == ssl.CERT_REQUIRED


def test_oauthbearer_uses_a_static_token_provider(pki: Pki) -> None:
    s = _tls(
        pki,
        kafka_security_protocol="SASL_SSL",
        kafka_sasl_mechanism="OAUTHBEARER",
        kafka_sasl_oauth_token="tok-123",
    )
    kw = clients.client_kwargs(s)
    assert kw["sasl_mechanism"] == "OAUTHBEARER"
    assert asyncio.run(kw["sasl_oauth_token_provider"].token()) == "tok-123"
    assert "sasl_plain_password" not in kw
    creds = clients.faust_credentials(s)
    assert isinstance(creds, faust.OAuthCredentials)
    assert creds.protocol.value == "SASL_SSL"
    assert asyncio.run(creds.oauth_cb.token()) == "tok-123"


def test_ssl_only_gives_faust_ssl_credentials(pki: Pki) -> None:
    creds = clients.faust_credentials(_tls(pki))
    assert isinstance(creds, faust.SSLCredentials)
    assert creds.protocol.value == "SSL"


def test_the_clients_are_built_with_the_options() -> None:
    s = Settings(
        bootstrap_servers="h:1",
        kafka_security_protocol="SASL_PLAINTEXT",
        kafka_sasl_mechanism="SCRAM-SHA-256",
        kafka_sasl_username="svc",
        kafka_sasl_password="pw",  # type: ignore[arg-type]
        kafka_client_id="dl",
    )

    async def build() -> None:
        producer = clients.producer(s, acks="all")
        consumer = clients.consumer(s, "t1", "t2", group_id="g")
        admin = clients.admin(s)
        try:
            for client in (producer.client, consumer._client, admin._client):
                assert client._security_protocol == "SASL_PLAINTEXT"
                assert client._sasl_mechanism == "SCRAM-SHA-256"
                assert client._sasl_plain_username == "svc"
                assert client._client_id == "dl"
            assert consumer._subscription.subscription.topics == {"t1", "t2"}
        finally:
            await producer.stop()
            await consumer.stop()
            await admin.close()

    asyncio.run(build())


def test_the_faust_app_gets_brokers_client_id_and_credentials(pki: Pki) -> None:
    s = _tls(pki, bootstrap_servers="k1:9093,k2:9093", kafka_client_id="dl")
    app = clients.faust_app(s, "an-app", autodiscover=False)
    assert [str(u) for u in app.conf.broker] == ["kafka://k1:9093", "kafka://k2:9093"]
    assert app.conf.broker_client_id == "dl"
    assert isinstance(app.conf.broker_credentials, faust.SSLCredentials)
    assert app.conf.topic_replication_factor == 1


def test_the_replication_factor_reaches_the_topics_and_faust() -> None:
    from services.kafka.topics import topic_specs

    s = Settings(kafka_replication_factor=3)
    assert {spec.replication_factor for spec in topic_specs(s)} == {3}
    assert clients.faust_app(s, "an-app", autodiscover=False).conf.topic_replication_factor == 3


# --------------------------------------------------------------------------- the TLS context


def _handshake(client: ssl.SSLContext, server: ssl.SSLContext, server_name: str) -> None:
    """A real TLS handshake between the two contexts over in-memory buffers."""
    c_in, c_out, s_in, s_out = (ssl.MemoryBIO() for _ in range(4))
    c = client.wrap_bio(c_in, c_out, server_hostname=server_name)
    s = server.wrap_bio(s_in, s_out, server_side=True)
    done = {"c": False, "s": False}
    for _ in range(20):
        for name, end in (("c", c), ("s", s)):
            if not done[name]:
                try:
                    end.do_handshake()
                    done[name] = True
                except ssl.SSLWantReadError:
                    pass
        s_in.write(c_out.read())
        c_in.write(s_out.read())
        if all(done.values()):
            return
    raise AssertionError("handshake did not finish")


def test_the_context_trusts_the_ca_file_and_presents_the_client_certificate(pki: Pki) -> None:
    s = _tls(
        pki,
        kafka_ssl_cert_file=pki.cert_file,
        kafka_ssl_key_file=pki.key_file,
        kafka_ssl_key_password=Pki.KEY_PASSWORD,
    )
    context = clients.ssl_context(s)
    assert context is not None
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    _handshake(context, pki.server_context(require_client_cert=True), "localhost")


def test_without_the_client_certificate_an_mtls_server_refuses(pki: Pki) -> None:
    context = clients.ssl_context(_tls(pki))
    assert context is not None
    with pytest.raises(ssl.SSLError):
        _handshake(context, pki.server_context(require_client_cert=True), "localhost")


def test_the_host_name_is_checked_unless_turned_off(pki: Pki) -> None:
    checked = clients.ssl_context(_tls(pki))
    assert checked is not None
    with pytest.raises(ssl.SSLCertVerificationError, match="Hostname mismatch"):
        _handshake(checked, pki.server_context(require_client_cert=False), "kafka.other.test")
    unchecked = clients.ssl_context(_tls(pki, kafka_ssl_check_hostname=False))
    assert unchecked is not None and unchecked.verify_mode == ssl.CERT_REQUIRED
    _handshake(unchecked, pki.server_context(require_client_cert=False), "kafka.other.test")


def test_a_ca_file_that_did_not_sign_the_broker_is_refused(pki: Pki, tmp_path: Path) -> None:
    other = tmp_path / "other-ca.pem"
    other.write_bytes(TestCA().cert_pem)
    context = clients.ssl_context(_tls(pki, kafka_ssl_ca_file=other))
    assert context is not None
    with pytest.raises(ssl.SSLCertVerificationError, match="unable to get local issuer"):
        _handshake(context, pki.server_context(require_client_cert=False), "localhost")


def test_a_wrong_key_password_fails_when_the_context_is_built(pki: Pki) -> None:
    s = _tls(
        pki,
        kafka_ssl_cert_file=pki.cert_file,
        kafka_ssl_key_file=pki.key_file,
        kafka_ssl_key_password="wrong",
    )
    with pytest.raises(ssl.SSLError):
        clients.ssl_context(s)


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"kafka_security_protocol": "SASL_SSL"}, "needs DOCKETLINE_KAFKA_SASL_MECHANISM"),
        (
            {"kafka_sasl_mechanism": "PLAIN"},
            "is set but DOCKETLINE_KAFKA_SECURITY_PROTOCOL is PLAINTEXT",
        ),
        (
            {"kafka_security_protocol": "SASL_PLAINTEXT", "kafka_sasl_mechanism": "SCRAM-SHA-256"},
            "SASL SCRAM-SHA-256 needs DOCKETLINE_KAFKA_SASL_USERNAME and DOCKETLINE_KAFKA_SASL_PASSWORD",
        ),
        (
            {
                "kafka_security_protocol": "SASL_PLAINTEXT",
                "kafka_sasl_mechanism": "PLAIN",
                "kafka_sasl_username": "u",
            },
            "SASL PLAIN needs",
        ),
        (
            {"kafka_security_protocol": "SASL_SSL", "kafka_sasl_mechanism": "OAUTHBEARER"},
            "SASL OAUTHBEARER needs DOCKETLINE_KAFKA_SASL_OAUTH_TOKEN",
        ),
        ({"kafka_security_protocol": "TLS"}, "kafka_security_protocol"),
        ({"kafka_sasl_mechanism": "GSSAPI"}, "kafka_sasl_mechanism"),
        (
            {"kafka_security_protocol": "SSL", "kafka_ssl_ca_file": "/nonexistent/ca.pem"},
            "DOCKETLINE_KAFKA_SSL_CA_FILE=/nonexistent/ca.pem: file not found",
        ),
        (
            {"kafka_ssl_ca_file": "/nonexistent/ca.pem"},
            "DOCKETLINE_KAFKA_SSL_CA_FILE is set but DOCKETLINE_KAFKA_SECURITY_PROTOCOL is PLAINTEXT",
        ),
    ],
)
def test_settings_refuse_incomplete_security(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Settings(**options)


def test_a_key_needs_its_certificate(pki: Pki) -> None:
    with pytest.raises(ValidationError, match="KEY_FILE needs DOCKETLINE_KAFKA_SSL_CERT_FILE"):
        _tls(pki, kafka_ssl_key_file=pki.key_file)
    with pytest.raises(ValidationError, match="KEY_PASSWORD needs DOCKETLINE_KAFKA_SSL_KEY_FILE"):
        _tls(pki, kafka_ssl_key_password="x")


def test_the_settings_come_from_the_environment(pki: Pki, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKETLINE_KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("DOCKETLINE_KAFKA_SASL_MECHANISM", "SCRAM-SHA-256")
    monkeypatch.setenv("DOCKETLINE_KAFKA_SASL_USERNAME", "svc")
    monkeypatch.setenv("DOCKETLINE_KAFKA_SASL_PASSWORD", "pw")
    monkeypatch.setenv("DOCKETLINE_KAFKA_SSL_CA_FILE", str(pki.ca_file))
    monkeypatch.setenv("DOCKETLINE_KAFKA_SSL_CHECK_HOSTNAME", "false")
    s = Settings()
    assert s.kafka_sasl_password is not None
    assert (s.kafka_security_protocol, s.kafka_sasl_password.get_secret_value()) == (
        "SASL_SSL",
        "pw",
    )
    assert "pw" not in repr(s)
    context = clients.ssl_context(s)
    assert context is not None and not context.check_hostname


# --------------------------------------------------------------------------- the connection check


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_an_unreachable_bootstrap_is_one_line() -> None:
    s = Settings(bootstrap_servers=f"127.0.0.1:{_free_port()}")
    with pytest.raises(KafkaConnectError, match=r"^Kafka at 127\.0\.0\.1:\d+: unreachable") as err:
        asyncio.run(check_connection(s, timeout=5))
    assert "\n" not in str(err.value)


def test_a_bootstrap_without_a_port_is_named() -> None:
    with pytest.raises(KafkaConnectError, match="'kafka.example' is not host:port"):
        asyncio.run(check_connection(Settings(bootstrap_servers="kafka.example"), timeout=1))


async def _tls_listener(context: ssl.SSLContext) -> tuple[asyncio.Server, int]:
    async def close(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    server = await asyncio.start_server(close, "127.0.0.1", 0, ssl=context)
    return server, server.sockets[0].getsockname()[1]


def _check_against_tls(pki: Pki, server_names: list[str], **more: Any) -> str:
    async def run() -> str:
        server, port = await _tls_listener(pki.ca.server_context(server_names))
        try:
            s = _tls(pki, bootstrap_servers=f"127.0.0.1:{port}", **more)
            with pytest.raises(KafkaConnectError) as err:
                await check_connection(s, timeout=5)
            return str(err.value)
        finally:
            server.close()
            await server.wait_closed()

    return asyncio.run(run())


def test_an_untrusted_broker_certificate_is_one_line(pki: Pki, tmp_path: Path) -> None:
    other = tmp_path / "other-ca.pem"
    other.write_bytes(TestCA().cert_pem)
    message = _check_against_tls(pki, ["127.0.0.1"], kafka_ssl_ca_file=other)
    assert "TLS: the broker's certificate is not trusted" in message
    assert "DOCKETLINE_KAFKA_SSL_CA_FILE" in message and "\n" not in message


def test_a_certificate_for_another_name_is_one_line(pki: Pki) -> None:
    message = _check_against_tls(pki, ["kafka.other.test"])
    assert "TLS: the broker's certificate does not match the host name" in message
    assert "\n" not in message


def test_a_plaintext_client_on_a_tls_listener_is_told_about_the_protocol(pki: Pki) -> None:
    async def run() -> str:
        server, port = await _tls_listener(pki.ca.server_context(["127.0.0.1"]))
        try:
            with pytest.raises(KafkaConnectError) as err:
                await check_connection(Settings(bootstrap_servers=f"127.0.0.1:{port}"), timeout=5)
            return str(err.value)
        finally:
            server.close()
            await server.wait_closed()

    message = asyncio.run(run())
    assert "DOCKETLINE_KAFKA_SECURITY_PROTOCOL=PLAINTEXT" in message, message


# --------------------------------------------------------------------------- one factory


CLIENT_CLASSES = {"AIOKafkaProducer", "AIOKafkaConsumer", "AIOKafkaAdminClient"}


def constructions(source: str) -> Iterator[tuple[int, str]]:
    """(line, name) of every call of a Kafka client class or ``faust.App`` in ``source``,
    through ``import faust``, ``from faust import App``, module attributes and ``as`` aliases."""
    tree = ast.parse(source)
    names = {c: c for c in CLIENT_CLASSES}  # local name -> class
    modules = {"aiokafka", "faust"}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in modules:
            for alias in node.names:
                if alias.name in CLIENT_CLASSES or (node.module == "faust" and alias.name == "App"):
                    names[alias.asname or alias.name] = alias.name
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in modules:
                    modules.add(alias.asname or alias.name)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id in names:
            yield node.lineno, names[func.id]
        elif isinstance(func, ast.Attribute):
            if func.attr in CLIENT_CLASSES:
                yield node.lineno, func.attr
            elif func.attr == "App" and ast.unparse(func.value) in modules:
                yield node.lineno, "faust.App"


def test_the_scan_finds_every_way_of_writing_a_construction() -> None:
    source = """
import faust
import faust as f
from aiokafka import AIOKafkaProducer, AIOKafkaConsumer as C
import aiokafka.admin
from faust import App

AIOKafkaProducer(bootstrap_servers="x")
C("t")
aiokafka.admin.AIOKafkaAdminClient()
faust.App("a")
f.App("b")
App("c")
other.App("not faust")
"""
    assert sorted(constructions(source)) == [
        (8, "AIOKafkaProducer"),
        (9, "AIOKafkaConsumer"),
        (10, "AIOKafkaAdminClient"),
        (11, "faust.App"),
        (12, "faust.App"),
        (13, "App"),
    ]


def test_no_kafka_client_is_constructed_outside_the_factory() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line}: {name}(...)"
        for top in ("services", "bench", "tests")
        for path in sorted((ROOT / top).rglob("*.py"))
        if path != FACTORY
        for line, name in constructions(path.read_text(encoding="utf-8"))
    ]
    assert found == [], "build Kafka clients with services.kafka.clients:\n" + "\n".join(found)


def test_the_factory_itself_is_seen_by_the_scan() -> None:
    """The scan would notice the factory's own constructions: it is not blind to them."""
    assert {name for _, name in constructions(FACTORY.read_text(encoding="utf-8"))} == {
        *CLIENT_CLASSES,
        "faust.App",
    }
