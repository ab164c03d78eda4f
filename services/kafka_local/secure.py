"""Secure mode of the local broker: one SASL_SSL listener, SCRAM-SHA-512 (and PLAIN) over TLS.

``docketline kafka start --secure`` runs the same single KRaft node as the
plain mode, with these differences:

* The client listener is ``SASL_SSL``; the broker's own inter-broker client
  uses it too, as user ``broker`` with SCRAM-SHA-512. The controller listener
  stays PLAINTEXT on 127.0.0.1 and is never advertised: only the node itself
  talks to it.
* TLS material is made here with ``cryptography``: a throwaway CA and a server
  certificate for ``localhost`` and ``127.0.0.1``. The broker reads PEM files
  directly (``ssl.keystore.type=PEM``); the CA's private key is never written,
  so nothing else can be signed by the CA a client is told to trust.
* SCRAM users are written into the metadata log when the storage is formatted
  (``StorageTool format --add-scram``), not through the admin API: the
  broker's own inter-broker login needs its user before the listener serves
  anyone, aiokafka has no AlterUserScramCredentials call, and the Java admin
  tool would cost another JVM start. The users live in the metadata log, so a
  restart keeps them; their passwords are kept in ``secure.json``.

Files in a secure data directory (beside those of ``config.DataDirLayout``)::

    secure.json     users and passwords (0600); its presence marks a secure directory
    client.env      the DOCKETLINE_* settings a client needs (0600), as `start` prints them
    tls/ca.pem      the CA certificate a client trusts (DOCKETLINE_KAFKA_SSL_CA_FILE)
    tls/server.pem  the broker's PKCS#8 key and its certificate (0600)
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Final

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pydantic import SecretStr

from services.kafka_local.config import HOST, DataDirLayout, bootstrap_address
from services.kafka_local.errors import LocalKafkaError
from services.settings import Settings

SECURITY_PROTOCOL: Final = "SASL_SSL"
SASL_MECHANISM: Final = "SCRAM-SHA-512"
BROKER_USER = "broker"
CLIENT_USER = "docketline"
SERVER_NAMES = ("localhost",)
SERVER_IPS = (HOST,)
CERT_DAYS = 90
RENEW_BEFORE = dt.timedelta(days=1)


class SecureModeError(LocalKafkaError):
    """The data directory's mode (plain or secure) is not the one asked for, or its
    secure files are unreadable."""


@dataclass(frozen=True)
class SecureLayout:
    """Where secure mode's files live in a data directory."""

    root: Path

    @property
    def credentials(self) -> Path:
        return self.root / "secure.json"

    @property
    def client_env(self) -> Path:
        return self.root / "client.env"

    @property
    def tls_dir(self) -> Path:
        return self.root / "tls"

    @property
    def ca_file(self) -> Path:
        return self.tls_dir / "ca.pem"

    @property
    def keystore(self) -> Path:
        return self.tls_dir / "server.pem"


@dataclass(frozen=True)
class Credentials:
    """The SCRAM users of one secure broker."""

    broker_password: str
    client_password: str
    broker_username: str = BROKER_USER
    client_username: str = CLIENT_USER

    @classmethod
    def generate(cls) -> Credentials:
        # token_urlsafe: no quote, backslash or '=' that JAAS or --add-scram would misread
        return cls(
            broker_password=secrets.token_urlsafe(24), client_password=secrets.token_urlsafe(24)
        )

    def scram_args(self) -> list[str]:
        """``StorageTool format`` arguments creating both users."""
        return [
            arg
            for user, password in (
                (self.broker_username, self.broker_password),
                (self.client_username, self.client_password),
            )
            for arg in ("--add-scram", f"{SASL_MECHANISM}=[name={user},password={password}]")
        ]


def _write_private(path: Path, data: bytes) -> None:
    """Write ``path`` readable by its owner only, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


def read_credentials(layout: SecureLayout) -> Credentials | None:
    """The recorded users, None when the directory is not a secure one."""
    try:
        text = layout.credentials.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    try:
        return Credentials(**json.loads(text))
    except (ValueError, TypeError) as exc:
        raise SecureModeError(f"{layout.credentials}: unreadable credentials: {exc}") from exc


def write_credentials(layout: SecureLayout, creds: Credentials) -> None:
    _write_private(layout.credentials, (json.dumps(asdict(creds), indent=2) + "\n").encode())


# -- certificates ------------------------------------------------------------
def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "docketline local Kafka"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _key_usage(*, signs_certificates: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not signs_certificates,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=not signs_certificates,
        key_cert_sign=signs_certificates,
        crl_sign=signs_certificates,
        encipher_only=False,
        decipher_only=False,
    )


def make_certificates(now: dt.datetime, days: int = CERT_DAYS) -> tuple[bytes, bytes]:
    """A fresh CA and a server certificate it signed: ``(ca.pem, server.pem)``.

    ``server.pem`` holds the server's unencrypted PKCS#8 key, then its
    certificate (the chain Kafka's PEM keystore sends; a client has the CA).
    EC P-256 keys: quick to make, accepted by Kafka's PEM loader and OpenSSL.
    """
    begins, ends = now - dt.timedelta(minutes=5), now + dt.timedelta(days=days)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name(f"docketline throwaway CA {now:%Y-%m-%dT%H:%M:%SZ}")
    ca = (
        x509.CertificateBuilder(
            issuer_name=ca_name,
            subject_name=ca_name,
            public_key=ca_key.public_key(),
            serial_number=x509.random_serial_number(),
            not_valid_before=begins,
            not_valid_after=ends,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(signs_certificates=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    server_key = ec.generate_private_key(ec.SECP256R1())
    alt_names: list[x509.GeneralName] = [x509.DNSName(n) for n in SERVER_NAMES]
    alt_names += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in SERVER_IPS]
    server = (
        x509.CertificateBuilder(
            issuer_name=ca.subject,
            subject_name=_name(SERVER_NAMES[0]),
            public_key=server_key.public_key(),
            serial_number=x509.random_serial_number(),
            not_valid_before=begins,
            not_valid_after=ends,
        )
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(signs_certificates=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    ca_pem = ca.public_bytes(pem)
    key_pem = server_key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return ca_pem, key_pem + server.public_bytes(pem)


def certificates_fresh(layout: SecureLayout, now: dt.datetime) -> bool:
    """Both PEM files exist and the server certificate is valid for another day."""
    try:
        data = layout.keystore.read_bytes()
        layout.ca_file.read_bytes()
    except FileNotFoundError:
        return False
    try:
        server = x509.load_pem_x509_certificates(data)[0]
    except ValueError:
        return False
    return bool(server.not_valid_after_utc - RENEW_BEFORE > now)


def ensure_certificates(layout: SecureLayout, now: dt.datetime) -> bool:
    """Keep valid certificates (clients hold the CA file); make new ones otherwise.

    True when new ones were written.
    """
    if certificates_fresh(layout, now):
        return False
    ca_pem, server_pem = make_certificates(now)
    _write_private(layout.keystore, server_pem)
    layout.ca_file.parent.mkdir(parents=True, exist_ok=True)
    tmp = layout.ca_file.with_name("ca.pem.tmp")
    tmp.write_bytes(ca_pem)
    os.replace(tmp, layout.ca_file)
    return True


# -- broker and client configuration -----------------------------------------
def server_properties(layout: SecureLayout, creds: Credentials) -> list[str]:
    """The security lines of ``server.properties`` (listeners are rendered by ``config``)."""

    def jaas(module: str, extra: str = "") -> str:
        return (
            f"org.apache.kafka.common.security.{module} required "
            f'username="{creds.broker_username}" password="{creds.broker_password}"{extra};'
        )

    plain_users = "".join(
        f' user_{user}="{password}"'
        for user, password in (
            (creds.broker_username, creds.broker_password),
            (creds.client_username, creds.client_password),
        )
    )
    listener = SECURITY_PROTOCOL.lower()
    return [
        f"sasl.enabled.mechanisms={SASL_MECHANISM},PLAIN",
        f"sasl.mechanism.inter.broker.protocol={SASL_MECHANISM}",
        f"listener.name.{listener}.scram-sha-512.sasl.jaas.config="
        + jaas("scram.ScramLoginModule"),
        f"listener.name.{listener}.plain.sasl.jaas.config="
        + jaas("plain.PlainLoginModule", plain_users),
        "ssl.keystore.type=PEM",
        f"ssl.keystore.location={layout.keystore}",
        "ssl.truststore.type=PEM",
        f"ssl.truststore.location={layout.ca_file}",
        "ssl.client.auth=none",
        "ssl.endpoint.identification.algorithm=https",
    ]


def client_settings(port: int, layout: SecureLayout, creds: Credentials) -> dict[str, str]:
    """The ``DOCKETLINE_*`` settings a client of this broker needs, in print order."""
    return {
        "DOCKETLINE_BOOTSTRAP_SERVERS": bootstrap_address(port),
        "DOCKETLINE_KAFKA_SECURITY_PROTOCOL": SECURITY_PROTOCOL,
        "DOCKETLINE_KAFKA_SASL_MECHANISM": SASL_MECHANISM,
        "DOCKETLINE_KAFKA_SASL_USERNAME": creds.client_username,
        "DOCKETLINE_KAFKA_SASL_PASSWORD": creds.client_password,
        "DOCKETLINE_KAFKA_SSL_CA_FILE": str(layout.ca_file),
    }


def render_env(settings: Mapping[str, str]) -> str:
    return "".join(f"{k}={v}\n" for k, v in settings.items())


def write_client_env(layout: SecureLayout, settings: Mapping[str, str]) -> None:
    _write_private(layout.client_env, render_env(settings).encode())


def read_client_env(layout: SecureLayout) -> dict[str, str]:
    """The settings the last secure start wrote; empty when there are none."""
    try:
        text = layout.client_env.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)


def check_mode(root: DataDirLayout, layout: SecureLayout, secure: bool, formatted: bool) -> None:
    """Refuse to start a directory in the other mode than the one it was formatted for."""
    has_users = layout.credentials.exists()
    if formatted and secure and not has_users:
        raise SecureModeError(
            f"{root.root} was formatted without --secure, so it has no SCRAM users; "
            "start it without --secure, or use another --data-dir for a secure broker"
        )
    if formatted and has_users and not secure:
        raise SecureModeError(
            f"{root.root} holds a secure broker (SCRAM users in {layout.credentials}); "
            "start it with --secure, or use another --data-dir for a plain broker"
        )


def as_settings(env: Mapping[str, str]) -> Settings:
    """``Settings`` holding exactly the connection ``env`` (from ``client_settings``) says.

    Built without reading the environment: the manager's readiness probe must
    reach its own listener, whatever ``DOCKETLINE_*`` the caller has set.
    """
    return Settings.model_construct(
        bootstrap_servers=env["DOCKETLINE_BOOTSTRAP_SERVERS"],
        kafka_security_protocol=SECURITY_PROTOCOL,  # what client_settings wrote
        kafka_sasl_mechanism=SASL_MECHANISM,
        kafka_sasl_username=env["DOCKETLINE_KAFKA_SASL_USERNAME"],
        kafka_sasl_password=SecretStr(env["DOCKETLINE_KAFKA_SASL_PASSWORD"]),
        kafka_ssl_ca_file=Path(env["DOCKETLINE_KAFKA_SSL_CA_FILE"]),
    )
