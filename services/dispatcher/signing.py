"""Standard Webhooks signatures (https://www.standardwebhooks.com/), hand-written
and verified in the tests with the reference ``standardwebhooks`` package.

``webhook-signature`` = ``v1,`` + base64(HMAC-SHA256(secret, ``{id}.{timestamp}.{body}``)),
where ``id`` is the deterministic alert id (the same on every retry, so receivers
de-duplicate on it) and ``timestamp`` is the attempt time in Unix seconds (fresh
on every retry, so the receiver's replay tolerance -- 5 minutes in the reference
library -- holds for late retries too).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32


class SigningSecretError(ValueError):
    """A stored signing secret is not ``whsec_`` + base64 of at least 24 bytes."""


def new_secret() -> str:
    """A fresh signing secret: ``whsec_`` + base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def secret_key(secret: str) -> bytes:
    body = secret.removeprefix(SECRET_PREFIX)
    try:
        key = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SigningSecretError("signing secret is not valid base64") from exc
    if len(key) < 24:
        raise SigningSecretError("signing secret is shorter than 24 bytes")
    return key


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header value for one attempt."""
    mac = hmac.new(secret_key(secret), f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256)
    return "v1," + base64.b64encode(mac.digest()).decode("ascii")


def webhook_headers(
    secrets: str | list[str], msg_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    """The three Standard Webhooks headers plus the content type. With several secrets
    (a rotation's overlap) the signature header holds one signature per secret,
    space-separated, as the specification allows: a receiver that knows either accepts."""
    keys = [secrets] if isinstance(secrets, str) else secrets
    return {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(sign(s, msg_id, timestamp, body) for s in keys),
    }
