"""Every Kafka client docketline uses is built here, from ``Settings``.

Producers, consumers, admin clients and the faust app get the same connection
options: bootstrap servers, client id, security protocol, SASL mechanism and
credentials, and one TLS context (CA, client certificate and key, hostname
check). ``tests/unit/test_kafka_factory.py`` fails when a client class is
constructed anywhere else in ``services/``, ``bench/`` or ``tests/``.

``check_connection`` connects once, before a command does its work, so a wrong
address, an untrusted certificate or a refused password stops it with one line
(``KafkaConnectError``) instead of a hang in a client's retry loop.
"""

from __future__ import annotations

import asyncio
import ssl
from typing import TYPE_CHECKING, Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer  # type: ignore[import-untyped]
from aiokafka.abc import AbstractTokenProvider  # type: ignore[import-untyped]
from aiokafka.admin import AIOKafkaAdminClient  # type: ignore[import-untyped]
from aiokafka.conn import create_conn  # type: ignore[import-untyped]
from aiokafka.errors import (  # type: ignore[import-untyped]
    AuthenticationFailedError,
    KafkaConnectionError,
    KafkaError,
    SaslAuthenticationFailed,
    UnsupportedSaslMechanismError,
)
from aiokafka.protocol.metadata import MetadataRequest  # type: ignore[import-untyped]

from services.settings import Settings

if TYPE_CHECKING:
    import faust


class KafkaConnectError(Exception):
    """The cluster cannot be used with these settings; the message is one line for a person."""


class StaticTokenProvider(AbstractTokenProvider):  # type: ignore[misc]
    """OAUTHBEARER with a token fixed in the settings (no refresh: restart with a new one)."""

    def __init__(self, token: str) -> None:
        self._token = token

    async def token(self) -> str:
        return self._token


def ssl_context(settings: Settings) -> ssl.SSLContext | None:
    """The TLS context of ``settings`` (``None`` for PLAINTEXT and SASL_PLAINTEXT).

    Without a CA file the system's CAs are trusted (managed services use public CAs).
    ``kafka_ssl_check_hostname=false`` skips the name check only; the chain is still verified.
    """
    if settings.kafka_security_protocol not in ("SSL", "SASL_SSL"):
        return None
    ca = settings.kafka_ssl_ca_file
    context = ssl.create_default_context(
        ssl.Purpose.SERVER_AUTH, cafile=None if ca is None else str(ca)
    )
    if settings.kafka_ssl_cert_file is not None:
        key = settings.kafka_ssl_key_file
        password = settings.kafka_ssl_key_password
        context.load_cert_chain(
            str(settings.kafka_ssl_cert_file),
            None if key is None else str(key),
            None if password is None else password.get_secret_value(),
        )
    context.check_hostname = settings.kafka_ssl_check_hostname
    return context


def _auth_kwargs(settings: Settings, context: ssl.SSLContext | None) -> dict[str, Any]:
    """Security keyword arguments shared by aiokafka's clients and connections."""
    kw: dict[str, Any] = {"security_protocol": settings.kafka_security_protocol}
    if context is not None:
        kw["ssl_context"] = context
    mechanism = settings.kafka_sasl_mechanism
    if mechanism is not None:
        kw["sasl_mechanism"] = mechanism
        if mechanism == "OAUTHBEARER":
            token = settings.kafka_sasl_oauth_token
            assert token is not None  # Settings validates it
            kw["sasl_oauth_token_provider"] = StaticTokenProvider(token.get_secret_value())
        else:
            password = settings.kafka_sasl_password
            kw["sasl_plain_username"] = settings.kafka_sasl_username
            kw["sasl_plain_password"] = None if password is None else password.get_secret_value()
    return kw


def client_kwargs(settings: Settings, **overrides: Any) -> dict[str, Any]:
    """Keyword arguments for an aiokafka client: connection from ``settings``, then ``overrides``."""
    kw: dict[str, Any] = {
        "bootstrap_servers": settings.bootstrap_list,
        "client_id": settings.kafka_client_id,
        **_auth_kwargs(settings, ssl_context(settings)),
    }
    kw.update(overrides)
    return kw


def client_id(settings: Settings, part: str) -> str:
    """``<kafka_client_id>-<part>``: one client id per part (quotas and broker logs tell them apart)."""
    return f"{settings.kafka_client_id}-{part}"


def producer(settings: Settings, **overrides: Any) -> Any:
    """An ``AIOKafkaProducer`` (not started) connected as ``settings`` say."""
    return AIOKafkaProducer(**client_kwargs(settings, **overrides))


def consumer(settings: Settings, *topics: str, **overrides: Any) -> Any:
    """An ``AIOKafkaConsumer`` (not started) of ``topics`` (none: assign partitions yourself)."""
    return AIOKafkaConsumer(*topics, **client_kwargs(settings, **overrides))


def admin(settings: Settings, **overrides: Any) -> Any:
    """An ``AIOKafkaAdminClient`` (not started) connected as ``settings`` say."""
    return AIOKafkaAdminClient(**client_kwargs(settings, **overrides))


def faust_credentials(settings: Settings) -> Any:
    """faust's ``broker_credentials`` for ``settings`` (``None`` for PLAINTEXT)."""
    import faust  # imported here: faust is slow to import and only the worker needs it

    context = ssl_context(settings)
    mechanism = settings.kafka_sasl_mechanism
    if mechanism == "OAUTHBEARER":
        token = settings.kafka_sasl_oauth_token
        assert token is not None  # Settings validates it
        return faust.OAuthCredentials(
            oauth_cb=StaticTokenProvider(token.get_secret_value()), ssl_context=context
        )
    if mechanism is not None:
        password = settings.kafka_sasl_password
        return faust.SASLCredentials(
            username=settings.kafka_sasl_username,
            password=None if password is None else password.get_secret_value(),
            ssl_context=context,
            mechanism=mechanism,
        )
    if context is not None:
        return faust.SSLCredentials(context)
    return None


def faust_app(settings: Settings, app_id: str, **faust_kwargs: Any) -> faust.App:
    """A faust app on the cluster of ``settings``: brokers, client id and credentials set here."""
    import faust

    kw: dict[str, Any] = {
        "broker": [f"kafka://{s}" for s in settings.bootstrap_list],
        "broker_client_id": settings.kafka_client_id,
        "broker_credentials": faust_credentials(settings),
        "topic_replication_factor": settings.kafka_replication_factor,
        **faust_kwargs,
    }
    return faust.App(app_id, **kw)


# --------------------------------------------------------------------------- connection check


def _host_port(server: str) -> tuple[str, int]:
    host, sep, port = server.rpartition(":")
    if not sep or not port.isdigit():
        raise KafkaConnectError(f"bootstrap server {server!r} is not host:port")
    return host.strip("[]"), int(port)


def _tls_reason(exc: ssl.SSLError) -> str:
    if isinstance(exc, ssl.SSLCertVerificationError):
        detail = exc.verify_message or str(exc)
        if "hostname" in detail.lower() or "ip address mismatch" in detail.lower():
            return (
                f"TLS: the broker's certificate does not match the host name ({detail}); "
                "connect by the name in the certificate"
            )
        return (
            f"TLS: the broker's certificate is not trusted ({detail}); "
            "set DOCKETLINE_KAFKA_SSL_CA_FILE to the CA that signed it"
        )
    return f"TLS handshake failed ({exc.reason or exc}); is the listener TLS?"


def _reason(exc: BaseException, settings: Settings, timeout: float) -> tuple[int, str]:
    """(specificity, one-line reason): the most specific failure over all servers is reported."""
    if isinstance(exc, ssl.SSLError):
        return 3, _tls_reason(exc)
    if isinstance(exc, SaslAuthenticationFailed | AuthenticationFailedError):
        detail = str(exc).strip() or "credentials refused"
        return 3, (
            f"SASL {settings.kafka_sasl_mechanism} authentication failed for user "
            f"{settings.kafka_sasl_username!r} ({detail})"
        )
    if isinstance(exc, UnsupportedSaslMechanismError):
        return 3, f"SASL: {exc}"
    if isinstance(exc, KafkaConnectionError | ConnectionResetError):
        detail = str(exc).strip() or type(exc).__name__
        return 2, (
            f"the broker closed the connection ({detail}); does the listener expect "
            f"DOCKETLINE_KAFKA_SECURITY_PROTOCOL={settings.kafka_security_protocol}?"
        )
    if isinstance(exc, TimeoutError):
        return 1, (
            f"no answer within {timeout:g}s (unreachable, or a listener of another "
            f"protocol than {settings.kafka_security_protocol})"
        )
    if isinstance(exc, OSError):
        return 1, f"unreachable ({exc.strerror or exc})"
    if isinstance(exc, KafkaError):
        return 2, f"{type(exc).__name__}: {exc}"
    return 0, f"{type(exc).__name__}: {exc}"


async def _connect_once(settings: Settings, server: str, timeout: float) -> None:
    host, port = _host_port(server)
    conn = await create_conn(
        host,
        port,
        client_id=settings.kafka_client_id,
        request_timeout_ms=max(1000, int(timeout * 1000)),
        **_auth_kwargs(settings, ssl_context(settings)),
    )
    try:
        await conn.send(MetadataRequest([]))
    finally:
        conn.close()


async def check_connection(settings: Settings, timeout: float = 15.0) -> None:
    """Connect to the bootstrap servers once (TLS, SASL, one metadata request).

    Returns when one server answers; otherwise raises ``KafkaConnectError`` with the
    most specific reason seen (a TLS or SASL failure before "unreachable").
    """
    failures: list[tuple[int, str, str]] = []
    for server in settings.bootstrap_list:
        try:
            await asyncio.wait_for(_connect_once(settings, server, timeout), timeout)
        except KafkaConnectError:
            raise
        except (OSError, KafkaError, TimeoutError, ssl.SSLError) as exc:
            rank, reason = _reason(exc, settings, timeout)
            failures.append((rank, server, reason))
        else:
            return
    if not failures:
        raise KafkaConnectError(
            "no Kafka bootstrap servers configured (DOCKETLINE_BOOTSTRAP_SERVERS)"
        )
    rank, server, reason = max(failures, key=lambda f: f[0])
    raise KafkaConnectError(f"Kafka at {server}: {reason}")


def check_connection_sync(settings: Settings, timeout: float = 15.0) -> None:
    """``check_connection`` for a synchronous entry point (runs its own event loop)."""
    asyncio.run(check_connection(settings, timeout))
