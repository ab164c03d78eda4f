"""Secure mode of the local broker, its pure parts: certificates, config, users, settings.

The TLS checks do a real handshake in memory (``ssl.MemoryBIO``) between a
server context loaded from the generated ``server.pem`` and a client that
trusts only the generated ``ca.pem``: what Kafka's PEM keystore serves and
what a client with ``DOCKETLINE_KAFKA_SSL_CA_FILE`` verifies.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import ssl
import stat
from pathlib import Path

import pytest
from cryptography import x509

from services.kafka_local.config import (
    BrokerConfig,
    BrokerState,
    DataDirLayout,
    parse_properties,
    render_server_properties,
)
from services.kafka_local.secure import (
    Credentials,
    SecureLayout,
    SecureModeError,
    certificates_fresh,
    check_mode,
    client_settings,
    ensure_certificates,
    make_certificates,
    read_client_env,
    read_credentials,
    render_env,
    server_properties,
    write_client_env,
    write_credentials,
)

NOW = dt.datetime(2026, 12, 4, 20, 0, tzinfo=dt.UTC)
CREDS = Credentials(broker_password="b-pw", client_password="c-pw")


def _handshake(server_pem: Path, ca_pem: Path, server_hostname: str) -> None:
    """A TLS handshake in memory; raises ``ssl.SSLCertVerificationError`` when the client refuses."""
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(server_pem)  # key and chain in one file, as Kafka reads it
    client_ctx = ssl.create_default_context(cafile=str(ca_pem))
    pipes = [ssl.MemoryBIO() for _ in range(4)]
    client = client_ctx.wrap_bio(pipes[0], pipes[1], server_hostname=server_hostname)
    server = server_ctx.wrap_bio(pipes[2], pipes[3], server_side=True)
    done = {"client": False, "server": False}
    for _ in range(10):
        for name, side, out_pipe, in_pipe in (
            ("client", client, pipes[1], pipes[2]),
            ("server", server, pipes[3], pipes[0]),
        ):
            if not done[name]:
                try:
                    side.do_handshake()
                    done[name] = True
                except ssl.SSLWantReadError:
                    pass
            in_pipe.write(out_pipe.read())
        if all(done.values()):
            return
    raise AssertionError(f"handshake did not finish: {done}")


@pytest.fixture
def tls(tmp_path: Path) -> SecureLayout:
    layout = SecureLayout(tmp_path)
    assert ensure_certificates(layout, dt.datetime.now(dt.UTC)) is True
    return layout


@pytest.mark.parametrize("name", ["127.0.0.1", "localhost"])
def test_the_server_certificate_verifies_against_the_ca_for_loopback(
    tls: SecureLayout, name: str
) -> None:
    _handshake(tls.keystore, tls.ca_file, name)


def test_a_client_trusting_another_ca_or_expecting_another_name_refuses_the_server(
    tls: SecureLayout, tmp_path: Path
) -> None:
    other = tmp_path / "other-ca.pem"
    other.write_bytes(make_certificates(dt.datetime.now(dt.UTC))[0])
    with pytest.raises(ssl.SSLCertVerificationError, match="unable to get local issuer"):
        _handshake(tls.keystore, other, "127.0.0.1")
    with pytest.raises(ssl.SSLCertVerificationError, match="match"):
        _handshake(tls.keystore, tls.ca_file, "kafka.example.com")


def test_the_keystore_is_a_pkcs8_key_then_the_certificate_and_is_private(
    tls: SecureLayout,
) -> None:
    text = tls.keystore.read_text()
    assert text.startswith("-----BEGIN PRIVATE KEY-----")  # unencrypted PKCS#8
    [server] = x509.load_pem_x509_certificates(text.encode())
    ca = x509.load_pem_x509_certificate(tls.ca_file.read_bytes())
    sans = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert sans.get_values_for_type(x509.DNSName) == ["localhost"]
    assert sans.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("127.0.0.1")]
    assert server.issuer == ca.subject
    assert "PRIVATE KEY" not in tls.ca_file.read_text(), "the CA's key is never written"
    assert stat.S_IMODE(tls.keystore.stat().st_mode) == 0o600


def test_valid_certificates_are_kept_and_expiring_ones_replaced(tls: SecureLayout) -> None:
    ca = tls.ca_file.read_bytes()
    assert ensure_certificates(tls, dt.datetime.now(dt.UTC)) is False
    assert tls.ca_file.read_bytes() == ca, "clients hold the CA file: a restart keeps it"
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=89, hours=1)
    assert not certificates_fresh(tls, later)
    assert ensure_certificates(tls, later) is True
    assert tls.ca_file.read_bytes() != ca


def test_missing_or_garbled_certificates_are_not_fresh(tmp_path: Path) -> None:
    layout = SecureLayout(tmp_path)
    assert not certificates_fresh(layout, NOW)
    layout.tls_dir.mkdir()
    layout.ca_file.write_text("x")
    layout.keystore.write_text("not a pem")
    assert not certificates_fresh(layout, NOW)


def test_secure_config_serves_sasl_ssl_and_keeps_the_controller_internal(tmp_path: Path) -> None:
    layout = SecureLayout(tmp_path)
    cfg = BrokerConfig(port=19092, controller_port=19093, log_dir=tmp_path / "kraft", secure=True)
    p = parse_properties(render_server_properties(cfg, server_properties(layout, CREDS)))
    assert p["listeners"] == "SASL_SSL://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093"
    assert p["advertised.listeners"] == "SASL_SSL://127.0.0.1:19092"
    assert p["listener.security.protocol.map"] == "CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL"
    assert p["inter.broker.listener.name"] == "SASL_SSL"
    assert p["sasl.enabled.mechanisms"] == "SCRAM-SHA-512,PLAIN"
    assert p["sasl.mechanism.inter.broker.protocol"] == "SCRAM-SHA-512"
    assert p["listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config"] == (
        "org.apache.kafka.common.security.scram.ScramLoginModule required "
        'username="broker" password="b-pw";'
    )
    assert p["listener.name.sasl_ssl.plain.sasl.jaas.config"] == (
        "org.apache.kafka.common.security.plain.PlainLoginModule required "
        'username="broker" password="b-pw" user_broker="b-pw" user_docketline="c-pw";'
    )
    assert (p["ssl.keystore.type"], p["ssl.keystore.location"]) == ("PEM", str(layout.keystore))
    assert (p["ssl.truststore.type"], p["ssl.truststore.location"]) == ("PEM", str(layout.ca_file))
    plain = parse_properties(render_server_properties(BrokerConfig(19092, 19093, tmp_path)))
    assert not any(k.startswith(("sasl.", "ssl.", "listener.name.")) for k in plain)


def test_scram_users_are_added_at_format_time_for_the_broker_and_the_client() -> None:
    assert CREDS.scram_args() == [
        "--add-scram",
        "SCRAM-SHA-512=[name=broker,password=b-pw]",
        "--add-scram",
        "SCRAM-SHA-512=[name=docketline,password=c-pw]",
    ]


def test_generated_passwords_differ_and_need_no_quoting() -> None:
    a, b = Credentials.generate(), Credentials.generate()
    assert len({a.broker_password, a.client_password, b.client_password}) == 3
    for pw in (a.broker_password, a.client_password):
        assert len(pw) >= 32 and not set(pw) & set("\"'\\=,[] ")


def test_credentials_round_trip_privately_and_garbage_is_a_named_error(tmp_path: Path) -> None:
    layout = SecureLayout(tmp_path)
    assert read_credentials(layout) is None
    write_credentials(layout, CREDS)
    assert read_credentials(layout) == CREDS
    assert stat.S_IMODE(layout.credentials.stat().st_mode) == 0o600
    layout.credentials.write_text(json.dumps({"who": "knows"}))
    with pytest.raises(SecureModeError, match="secure.json"):
        read_credentials(layout)


def test_client_settings_use_the_fixed_names_in_order_and_round_trip(tmp_path: Path) -> None:
    layout = SecureLayout(tmp_path)
    settings = client_settings(19092, layout, CREDS)
    assert render_env(settings).splitlines() == [
        "DOCKETLINE_BOOTSTRAP_SERVERS=127.0.0.1:19092",
        "DOCKETLINE_KAFKA_SECURITY_PROTOCOL=SASL_SSL",
        "DOCKETLINE_KAFKA_SASL_MECHANISM=SCRAM-SHA-512",
        "DOCKETLINE_KAFKA_SASL_USERNAME=docketline",
        "DOCKETLINE_KAFKA_SASL_PASSWORD=c-pw",
        f"DOCKETLINE_KAFKA_SSL_CA_FILE={tmp_path}/tls/ca.pem",
    ]
    assert read_client_env(layout) == {}
    write_client_env(layout, settings)
    assert read_client_env(layout) == settings
    assert stat.S_IMODE(layout.client_env.stat().st_mode) == 0o600


def test_a_directory_keeps_the_mode_it_was_formatted_in(tmp_path: Path) -> None:
    root, layout = DataDirLayout(tmp_path), SecureLayout(tmp_path)
    for secure in (True, False):
        check_mode(root, layout, secure, formatted=False)  # fresh: either mode
    check_mode(root, layout, False, formatted=True)
    with pytest.raises(SecureModeError, match="formatted without --secure"):
        check_mode(root, layout, True, formatted=True)
    write_credentials(layout, CREDS)
    check_mode(root, layout, True, formatted=True)
    with pytest.raises(SecureModeError, match="start it with --secure"):
        check_mode(root, layout, False, formatted=True)


def test_state_records_the_mode_and_old_state_files_read_as_plain() -> None:
    state = BrokerState(1, 2, 3, "c", "/d", "t", secure=True)
    assert BrokerState.from_json(state.to_json()) == state
    doc = json.loads(state.to_json())
    del doc["secure"]
    assert BrokerState.from_json(json.dumps(doc)).secure is False
