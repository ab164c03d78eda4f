"""TLS to webhook receivers: whom the dispatcher trusts, and why a handshake was refused.

By default a receiver's certificate must chain to a public CA (certifi's bundle,
httpx's default) and name the URL's host. ``DOCKETLINE_WEBHOOK_CA_FILE`` adds
the CA certificates of a PEM file (a company's private CA) to that trust; it
never turns verification off. A refused certificate is an attempt that failed
with a reason a subscriber can act on ("TLS certificate refused: Hostname
mismatch, ..."), retried on the ordinary schedule and, if it lasts, ending in a
dead letter and a disabled endpoint like any other failure.
"""

from __future__ import annotations

import ssl
from pathlib import Path

import httpx

# OpenSSL's X509_V_ERR_* codes for "the chain does not end at a CA we trust"
_UNTRUSTED_ISSUER = {18, 19, 20, 21}
CA_FILE_SETTING = "DOCKETLINE_WEBHOOK_CA_FILE"


class WebhookTLSConfigError(ValueError):
    """The configured CA file cannot be used; raised at start, before any delivery."""


def webhook_ssl_context(ca_file: Path | None) -> ssl.SSLContext:
    """The public CAs, plus the certificates of ``ca_file`` when set; hostname checks on."""
    ctx = httpx.create_ssl_context()
    if ca_file is not None:
        try:
            ctx.load_verify_locations(cafile=str(ca_file))
        except (OSError, ssl.SSLError) as exc:
            raise WebhookTLSConfigError(
                f"{CA_FILE_SETTING}={ca_file}: cannot load CA certificates from it "
                f"({type(exc).__name__}: {exc}); it must be a readable PEM file"
            ) from exc
    assert ctx.check_hostname and ctx.verify_mode == ssl.CERT_REQUIRED
    return ctx


def tls_refusal(exc: BaseException) -> str | None:
    """Why the receiver's certificate was refused, when that is what ``exc`` (an httpx
    connection error) comes from; ``None`` for any other failure."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, ssl.SSLCertVerificationError):
            reason = cause.verify_message or str(cause)
            if cause.verify_code in _UNTRUSTED_ISSUER:
                reason += f" (a receiver with a private CA is trusted through {CA_FILE_SETTING})"
            return f"TLS certificate refused: {reason}"
        cause = cause.__cause__ or cause.__context__
    return None
