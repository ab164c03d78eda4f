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

**Scopes.** Each token carries the scopes it may use, written before it:
``read+subscriptions:TOKEN``. ``read`` reads cases, alerts, the stream, and
``/metrics`` and the detail of ``/healthz`` when reads require a token;
``subscriptions`` manages the caller's own subscriptions; ``ingest`` posts
CourtListener webhooks and reads the inbox's deliveries; ``admin`` may do all
of these. A token written without scopes has ``admin`` (what every token could
do before scopes existed). A valid token without the scope an endpoint needs
gets 403 naming the scope.
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


SCOPES: tuple[str, ...] = ("read", "ingest", "subscriptions", "admin")
"""What a token may be allowed to do (``admin`` implies every other scope)."""


class TokenScopeError(ValueError):
    """A configured token names a scope that does not exist."""


@dataclass(frozen=True)
class ScopedToken:
    """One configured token: its secret and what it may do."""

    secret: SecretStr
    scopes: frozenset[str]


def parse_token(configured: SecretStr) -> ScopedToken:
    """``scope+scope:TOKEN`` -> its scopes and secret; a token without a scope list is ``admin``.

    Only a prefix made entirely of scope-like words counts as a scope list, so a
    token that happens to contain ``:`` elsewhere stays whole.
    """
    raw = configured.get_secret_value()
    head, sep, tail = raw.partition(":")
    words = head.split("+") if sep else []
    if sep and tail and words and all(w.isalpha() and w.islower() for w in words):
        unknown = sorted(set(words) - set(SCOPES))
        if unknown:
            raise TokenScopeError(
                f"a token in DOCKETLINE_API_TOKENS names unknown scope(s) {', '.join(unknown)}; "
                f"scopes are {', '.join(SCOPES)}"
            )
        return ScopedToken(SecretStr(tail), frozenset(words))
    return ScopedToken(configured, frozenset({"admin"}))


@dataclass(frozen=True)
class Caller:
    """Who is calling: a digest of the token, safe to store and to show, and what it may do."""

    identity: str
    scopes: frozenset[str] = frozenset({"admin"})

    def may(self, scope: str) -> bool:
        return "admin" in self.scopes or scope in self.scopes


def caller_identity(token: str) -> str:
    """Stable, non-reversible identity of a token (domain-separated SHA-256, 96 bits)."""
    return "caller_" + hashlib.sha256(b"docketline-caller\x00" + token.encode()).hexdigest()[:24]


def token_scopes(presented: str, tokens: tuple[SecretStr, ...]) -> frozenset[str] | None:
    """The scopes of ``presented`` if it is one of ``tokens`` (constant time, no early exit), else None."""
    probe = hashlib.sha256(presented.encode()).digest()
    found: frozenset[str] | None = None
    for t in tokens:
        scoped = parse_token(t)
        match = hmac.compare_digest(
            probe, hashlib.sha256(scoped.secret.get_secret_value().encode()).digest()
        )
        if match and found is None:
            found = scoped.scopes
    return found if presented else None


def token_is_valid(presented: str, tokens: tuple[SecretStr, ...]) -> bool:
    """Constant-time membership test of ``presented`` in ``tokens``."""
    return token_scopes(presented, tokens) is not None


def app_settings(request: Request) -> Settings:
    """The frozen settings ``create_app`` stored on ``app.state.settings``."""
    settings = getattr(request.app.state, "settings", None)
    if not isinstance(settings, Settings):
        raise TypeError("create_app must set app.state.settings to a Settings")
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
    scopes = token_scopes(credentials.credentials, settings.api_tokens)
    if scopes is None:
        raise _unauthorized("invalid bearer token")
    return Caller(caller_identity(credentials.credentials), scopes)


def _forbidden(scope: str) -> HTTPException:
    return HTTPException(
        status_code=status.HTTP_403_FORBIDDEN,
        detail=f"this token lacks the '{scope}' scope",
    )


def authorize(caller: Caller, scope: str) -> Caller:
    """``caller`` when its token has ``scope`` (or ``admin``); 403 naming the scope otherwise."""
    if not caller.may(scope):
        raise _forbidden(scope)
    return caller


async def require_token(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Caller:
    """A valid token or 401 (any scope; endpoints add the scope they need)."""
    return _authenticate(app_settings(request), credentials)


async def require_subscriptions(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Caller:
    """Dependency of the subscription endpoints: a valid token (401) with ``subscriptions`` (403)."""
    return authorize(_authenticate(app_settings(request), credentials), "subscriptions")


async def require_ingest(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Caller:
    """Dependency of the ingest endpoints (CourtListener inbox): a valid token with ``ingest``."""
    return authorize(_authenticate(app_settings(request), credentials), "ingest")


async def read_access(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Caller | None:
    """Dependency for read endpoints: open unless ``DOCKETLINE_READ_REQUIRES_TOKEN=true``.
    A token that is presented is still checked (a wrong one is a 401, never ignored)."""
    settings = app_settings(request)
    if settings.read_requires_token:
        return authorize(_authenticate(settings, credentials), "read")
    if credentials is not None:
        return _authenticate(settings, credentials)
    return None


def check_read_access(request: Request) -> None:
    """The read guard ``create_app`` installs when ``DOCKETLINE_READ_REQUIRES_TOKEN=true``
    (``app.state.read_guard``, applied by ``services.api.deps.read_access``): 401
    unless the request carries a valid bearer token, 403 unless it has ``read``."""
    authorize(_authenticate(app_settings(request), header_credentials(request)), "read")


def header_credentials(request: Request) -> HTTPAuthorizationCredentials | None:
    """The bearer token of the ``Authorization`` header, if any (outside FastAPI's dependencies)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return (
        HTTPAuthorizationCredentials(scheme=scheme, credentials=token.strip())
        if scheme.lower() == "bearer" and token.strip()
        else None
    )


def may_read_operations(request: Request) -> bool:
    """Whether ``/metrics`` and the detail of ``/healthz`` may be shown to this request:
    always when reads are open; when they require a token, only to one with ``read``."""
    settings = app_settings(request)
    if not settings.read_requires_token:
        return True
    try:
        caller = _authenticate(settings, header_credentials(request))
    except HTTPException:
        return False
    return caller.may("read")


RequireToken = Annotated[Caller, Depends(require_token)]
RequireSubscriptions = Annotated[Caller, Depends(require_subscriptions)]
RequireIngest = Annotated[Caller, Depends(require_ingest)]
ReadAccess = Annotated[Caller | None, Depends(read_access)]
