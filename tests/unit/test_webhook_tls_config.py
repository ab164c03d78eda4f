"""DOCKETLINE_WEBHOOK_CA_FILE: a usable PEM file adds a CA; anything else stops the start clearly."""

from __future__ import annotations

import ssl
from pathlib import Path

import httpx
import pytest

from services.dispatcher.tls import WebhookTLSConfigError, tls_refusal, webhook_ssl_context
from tests.tls_util import TestCA


def test_a_ca_file_adds_its_ca_to_the_public_ones_and_keeps_hostname_checks(tmp_path: Path) -> None:
    ca = TestCA()
    pem = tmp_path / "ca.pem"
    pem.write_bytes(ca.cert_pem)
    public = len(webhook_ssl_context(None).get_ca_certs())
    ctx = webhook_ssl_context(pem)
    assert len(ctx.get_ca_certs()) == public + 1
    assert ctx.check_hostname and ctx.verify_mode == ssl.CERT_REQUIRED


@pytest.mark.parametrize(
    ("content", "why"),
    [(None, "No such file"), (b"not a certificate\n", "SSLError"), (b"", "SSLError")],
)
def test_an_unusable_ca_file_is_refused_with_the_setting_named(
    tmp_path: Path, content: bytes | None, why: str
) -> None:
    pem = tmp_path / "ca.pem"
    if content is not None:
        pem.write_bytes(content)
    with pytest.raises(WebhookTLSConfigError) as refused:
        webhook_ssl_context(pem)
    message = str(refused.value)
    assert message.startswith(f"DOCKETLINE_WEBHOOK_CA_FILE={pem}: cannot load CA certificates")
    assert why in message


def test_only_certificate_failures_are_reported_as_tls_refusals() -> None:
    assert tls_refusal(httpx.ConnectError("[Errno 111] Connection refused")) is None
    verify = ssl.SSLCertVerificationError(1, "certificate verify failed")
    verify.verify_code, verify.verify_message = (
        62,
        "Hostname mismatch, certificate is not valid for 'b.test'.",
    )
    try:
        try:
            raise verify
        except ssl.SSLError as exc:
            raise httpx.ConnectError(str(exc)) from exc
    except httpx.ConnectError as wrapped:
        assert tls_refusal(wrapped) == (
            "TLS certificate refused: Hostname mismatch, certificate is not valid for 'b.test'."
        )
