"""A throwaway certificate authority and a real local HTTPS receiver, made at test time.

``TestCA().issue(["a.test"])`` gives a server certificate valid for exactly
those names, signed by a CA that only the test trusts (``client_context()``);
nothing is read from or written to the system trust store.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tests.webhook_util import Received, serve_handler


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


@dataclass(frozen=True)
class Issued:
    cert_pem: bytes
    key_pem: bytes


class TestCA:
    """A self-signed CA (EC P-256, valid one day) that issues leaf certificates."""

    __test__ = False  # not a pytest test class

    def __init__(self) -> None:
        self._key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        self._cert = (
            x509.CertificateBuilder()
            .subject_name(_name("docketline test CA"))
            .issuer_name(_name("docketline test CA"))
            .public_key(self._key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=False,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(self._key.public_key()), critical=False
            )
            .sign(self._key, hashes.SHA256())
        )

    @property
    def cert_pem(self) -> bytes:
        return self._cert.public_bytes(serialization.Encoding.PEM)

    def issue(
        self, names: list[str], usage: x509.ObjectIdentifier = ExtendedKeyUsageOID.SERVER_AUTH
    ) -> Issued:
        """A server certificate whose subjectAltName holds exactly ``names``
        (``usage=ExtendedKeyUsageOID.CLIENT_AUTH``: a client certificate for mTLS)."""
        key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name(names[0]))
            .issuer_name(self._cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(
                x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False
            )
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self._key.public_key()),
                critical=False,
            )
            .sign(self._key, hashes.SHA256())
        )
        return Issued(
            cert.public_bytes(serialization.Encoding.PEM),
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
        )

    def client_context(self) -> ssl.SSLContext:
        """Verifies servers (hostname included) against this CA only."""
        ctx = ssl.create_default_context(cadata=self.cert_pem.decode("ascii"))
        assert ctx.check_hostname and ctx.verify_mode == ssl.CERT_REQUIRED
        return ctx

    def server_context(self, names: list[str]) -> ssl.SSLContext:
        issued = self.issue(names)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        with tempfile.TemporaryDirectory() as tmp:  # load_cert_chain reads files only
            cert, key = Path(tmp) / "cert.pem", Path(tmp) / "key.pem"
            cert.write_bytes(issued.cert_pem)
            key.write_bytes(issued.key_pem)
            ctx.load_cert_chain(cert, key)
        return ctx


class TLSReceiver:
    """A real HTTPS server on a free loopback port (keep-alive on) that records requests
    and answers 200 ``ok``. ``/slow`` sends ``o``, then ``k`` once ``release`` is set."""

    def __init__(self, context: ssl.SSLContext) -> None:
        self._context = context
        self.release = asyncio.Event()
        self.received: list[Received] = []
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def start(self) -> TLSReceiver:
        self._runner, self.port = await serve_handler(self._handle, self._context)
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.received.append(Received(request.path, dict(request.headers), await request.read()))
        if request.path != "/slow":
            return web.Response(status=200, text="ok")
        response = web.StreamResponse(status=200)
        response.content_length = 2
        await response.prepare(request)
        await response.write(b"o")
        await self.release.wait()
        await response.write(b"k")
        await response.write_eof()
        return response
