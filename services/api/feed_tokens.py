"""Feed tokens: the read-only capability in a subscription's calendar and feed URLs. Pure.

Calendar apps and feed readers fetch a URL and cannot send an ``Authorization``
header, so a subscription's ``calendar.ics`` and ``feed.atom`` take a token in
the query string (``?token=dlf_...``). That token is **not** an API token:

* it is derived, never stored: ``dlf_`` + base64url(HMAC-SHA256(key = the
  subscription's signing secret, message = a domain tag and the subscription
  id)). It reveals nothing about the secret, and it opens nothing but the two
  GET routes of that one subscription: no route accepts it as a bearer token,
  and those two routes accept nothing else;
* rotating the subscription's secret (``POST /api/subscriptions/{id}/rotate-secret``)
  rotates the token (the old one keeps working during the rotation's overlap,
  like the old signature); deleting the subscription ends it (410).

The risk of a secret in a URL, and what we do about it, is in docs/feeds.md:
URLs end up in logs, histories and calendar apps' servers, so the capability
is as narrow as we could make it, and the API's access log redacts it
(:class:`RedactTokens`).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import logging
import re
from typing import Final

from services.dispatcher.model import Subscription

PREFIX: Final = "dlf_"
_TAG: Final = b"docketline-feed-token-v1\x00"
_SHAPE: Final = re.compile(r"^dlf_[A-Za-z0-9_-]{43}$")


def feed_token(subscription_id: str, secret: str) -> str:
    """The feed token of a subscription signed with ``secret``."""
    mac = hmac.new(secret.encode(), _TAG + subscription_id.encode(), hashlib.sha256).digest()
    return PREFIX + base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def well_formed(presented: str) -> bool:
    """Whether ``presented`` looks like a feed token at all (an API token never does)."""
    return bool(_SHAPE.match(presented))


def opens(subscription: Subscription, presented: str, now: dt.datetime) -> bool:
    """Whether ``presented`` is the subscription's feed token at ``now`` (constant time:
    every secret in force is compared, no early exit)."""
    found = False
    for secret in subscription.signing_secrets(now):
        expected = feed_token(subscription.id, secret)
        found |= hmac.compare_digest(expected.encode(), presented.encode())
    return found


_IN_QUERY: Final = re.compile(r"([?&]token=)[^&\s\"]*")


def redact(text: str) -> str:
    """``text`` with the value of every ``token=`` query parameter replaced."""
    return _IN_QUERY.sub(r"\1REDACTED", text)


class RedactTokens(logging.Filter):
    """A log filter that removes feed tokens from the records it sees (uvicorn's access
    log writes the full path with its query string)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and any(
            isinstance(a, str) and "token=" in a for a in record.args
        ):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.msg, str) and "token=" in record.msg:
            record.msg = redact(record.msg)
        return True


def redact_access_log(logger: logging.Logger | None = None) -> None:
    """Install :class:`RedactTokens` on uvicorn's access logger (once)."""
    target = logger if logger is not None else logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactTokens) for f in target.filters):
        target.addFilter(RedactTokens())
