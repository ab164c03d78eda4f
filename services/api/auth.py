"""Bearer-token auth for the API.

Tokens come from ``DOCKETLINE_API_TOKENS`` (comma-separated, ``SecretStr``). A
presented token is compared with every configured token in constant time
(SHA-256 of both, then ``hmac.compare_digest``, no early exit), so neither the
token's content nor its length nor its position in the list leaks through
timing. Tokens are never logged or echoed.

The caller's identity is a stable digest of its token: subscriptions are
owned by it, so a subscriber sees and changes only its own, and rotating a
token (a new identity) is how ownership is revoked. With no tokens configured,
every protected endpoint answers 401: the safe default.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import SecretStr

from services.settings import Settings

bearer_scheme = HTTPBearer(auto_error=False, description="A token from DOCKETLINE_API_TOKENS.")


@dataclass(frozen=True)
class Caller:
    """Who is calling: a digest of the token, safe to store and to show."""

    identity: str


def caller_identity(token: str) -> str:
    """Stable, non-reversible identity of a token (domain-separated SHA-256, 96 bits)."""
    return "caller_" + hashlib.sha256(b"docketline-caller\x00" + token.encode()).hexdigest()[:24]


def token_is_valid(presented: str, tokens: tuple[SecretStr, ...]) -> bool:
    """Constant-time membership test of ``presented`` in ``tokens``."""
    probe = hashlib.sha256(presented.encode()).digest()
    found = False
    for t in tokens:
        found |= hmac.compare_digest(probe, hashlib.sha256(t.get_secret_value().encode()).digest())
    return found and bool(presented)


def app_settings(request: Request) -> Settings:
    """The frozen settings ``create_app`` stored on ``app.state.settings``."""
    settings = getattr(request.app.state, "settings", None)
    if not isinstance(settings, Settings):
        raise RuntimeError("create_app must set app.state.settings")
    return settings


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail=detail,
        headers={"WWW-Authenticate": 'Bearer realm="docketline"'},
    )


def _authenticate(settings: Settings, credentials: HTTPAuthorizationCredentials | None) -> Caller:
    if not settings.api_tokens:
        raise _unauthorized("no API tokens are configured (DOCKETLINE_API_TOKENS)")
    if credentials is None or not credentials.credentials:
        raise _unauthorized("missing bearer token")
    if not token_is_valid(credentials.credentials, settings.api_tokens):
        raise _unauthorized("invalid bearer token")
    return Caller(caller_identity(credentials.credentials))


async def require_token(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Caller:
    """Dependency for write endpoints (subscriptions, ingest): a valid token or 401."""
    return _authenticate(app_settings(request), credentials)


async def read_access(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Caller | None:
    """Dependency for read endpoints: open unless ``DOCKETLINE_READ_REQUIRES_TOKEN=true``.
    A token that is presented is still checked (a wrong one is a 401, never ignored)."""
    settings = app_settings(request)
    if settings.read_requires_token or credentials is not None:
        return _authenticate(settings, credentials)
    return None


def check_read_access(request: Request) -> None:
    """The read guard ``create_app`` installs when ``DOCKETLINE_READ_REQUIRES_TOKEN=true``
    (``app.state.read_guard``, applied by ``services.api.deps.read_access``): 401
    unless the request carries a valid bearer token."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    credentials = (
        HTTPAuthorizationCredentials(scheme=scheme, credentials=token.strip())
        if scheme.lower() == "bearer" and token.strip()
        else None
    )
    _authenticate(app_settings(request), credentials)


RequireToken = Annotated[Caller, Depends(require_token)]
ReadAccess = Annotated[Caller | None, Depends(read_access)]
