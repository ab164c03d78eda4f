"""Our Standard Webhooks signatures, verified by the reference ``standardwebhooks`` package."""

from __future__ import annotations

import base64
import datetime as dt
import time

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from schemas.codec import decode_alert, dumps, loads
from services.dispatcher.payload import delivery_body
from services.dispatcher.signing import (
    SECRET_PREFIX,
    SigningSecretError,
    new_secret,
    sign,
    webhook_headers,
)
from tests.webhook_util import make_alert

ALERT = make_alert()
BODY = delivery_body(ALERT)


def headers_at(secret: str, ts: int, body: bytes = BODY) -> dict[str, str]:
    return webhook_headers(secret, ALERT.id, ts, body)


def test_reference_library_accepts_our_signature() -> None:
    secret = new_secret()
    payload = Webhook(secret).verify(BODY, headers_at(secret, int(time.time())))
    assert payload["data"]["alert"]["id"] == ALERT.id
    assert decode_alert(dumps(payload["data"]["alert"])) == ALERT


def test_tampered_body_is_rejected() -> None:
    secret = new_secret()
    headers = headers_at(secret, int(time.time()))
    tampered = BODY.replace(b'"closed"', b'"open"', 1)
    assert tampered != BODY
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(tampered, headers)


def test_wrong_secret_is_rejected() -> None:
    headers = headers_at(new_secret(), int(time.time()))
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(BODY, headers)


def test_changed_webhook_id_is_rejected() -> None:
    secret = new_secret()
    headers = headers_at(secret, int(time.time())) | {"webhook-id": "al_other"}
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY, headers)


@pytest.mark.parametrize("offset", [-6 * 60, +6 * 60, -3600])
def test_timestamps_outside_five_minutes_are_rejected(offset: int) -> None:
    secret = new_secret()
    with pytest.raises(WebhookVerificationError, match="too (old|new)"):
        Webhook(secret).verify(BODY, headers_at(secret, int(time.time()) + offset))


@pytest.mark.parametrize("offset", [-4 * 60, +4 * 60])
def test_timestamps_inside_five_minutes_are_accepted(offset: int) -> None:
    secret = new_secret()
    Webhook(secret).verify(BODY, headers_at(secret, int(time.time()) + offset))


def test_signature_matches_the_reference_signer_byte_for_byte() -> None:
    secret = new_secret()
    ts = 1_738_260_000
    reference = Webhook(secret).sign(
        ALERT.id, dt.datetime.fromtimestamp(ts, tz=dt.UTC), BODY.decode()
    )
    assert sign(secret, ALERT.id, ts, BODY) == reference


def test_secrets_are_whsec_base64_of_32_random_bytes() -> None:
    a, b = new_secret(), new_secret()
    assert a.startswith(SECRET_PREFIX) and a != b
    assert len(base64.b64decode(a[len(SECRET_PREFIX) :])) == 32


def test_invalid_secret_is_refused() -> None:
    with pytest.raises(SigningSecretError):
        sign("whsec_not base64!", "al_x", 1, b"{}")
    with pytest.raises(SigningSecretError):
        sign("whsec_" + base64.b64encode(b"short").decode(), "al_x", 1, b"{}")


def test_body_is_deterministic_and_carries_alert_and_case_summary() -> None:
    assert delivery_body(make_alert()) == BODY
    doc = loads(BODY)
    assert doc["type"] == "status.changed"
    assert doc["data"]["case"] == {
        "case_id": "cand:5:25-cv-00709",
        "court_id": "cand",
        "docket_number": "5:25-cv-00709",
        "case_name": "De La Torre v. LinkedIn Corporation",
        "nature_of_suit": "890 Other Statutory Actions",
        "class_action": True,
        "status": "closed",
        "previous_status": "open",
        "disposition": doc["data"]["alert"]["data"]["disposition"],
        "date": "2025-01-30",
    }
    assert doc["data"]["case"]["disposition"]["type"] == "voluntary_dismissal"
    assert doc["data"]["case"]["disposition"]["prejudice"] == "without"


def test_during_a_rotation_either_secret_verifies_and_only_the_new_one_after() -> None:
    import datetime as dt

    from standardwebhooks.webhooks import Webhook, WebhookVerificationError

    from services.dispatcher.model import Subscription
    from services.dispatcher.signing import new_secret, webhook_headers

    t0 = dt.datetime.now(dt.UTC)
    old = Subscription(
        id="sub_a",
        owner="o",
        url="https://93.184.215.14/h",
        secret=new_secret(),
        created_at=t0,
        updated_at=t0,
    )
    rotated = old.with_new_secret(new_secret(), dt.timedelta(hours=1), t0)
    body = b'{"type":"status.changed"}'
    ts = int(t0.timestamp())
    during = webhook_headers(rotated.signing_secrets(t0), "al_1", ts, body)
    assert len(during["webhook-signature"].split(" ")) == 2
    for secret in (old.secret, rotated.secret):
        Webhook(secret).verify(body, during)
    after = webhook_headers(rotated.signing_secrets(t0 + dt.timedelta(hours=1)), "al_1", ts, body)
    Webhook(rotated.secret).verify(body, after)
    with pytest.raises(WebhookVerificationError):
        Webhook(old.secret).verify(body, after)
    no_overlap = old.with_new_secret(new_secret(), dt.timedelta(0), t0)
    assert no_overlap.signing_secrets(t0) == [no_overlap.secret]
