"""One GET of one feed, with the limits a long-running poller needs.

* the whole exchange (connect, redirects, headers, body) has one deadline,
  ``timeout``: a server that accepts and then trickles or hangs fails the poll
  instead of holding the feed's task;
* the body is read in chunks and given up past ``max_bytes`` (counted after
  gzip decoding, so a small compressed bomb is caught too); a declared
  ``Content-Length`` over the cap is refused before reading;
* redirects are followed by hand, at most ``max_redirects``, only to the same
  host and never from https down to http;
* gzip: httpx asks for it (``Accept-Encoding``) and decodes it.

The client is injected (one ``httpx.AsyncClient`` for all feeds, built with
``follow_redirects=False``); :func:`fetch` never raises for what a server or
the network did: it returns a :class:`Fetched` with an ``error``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import httpx

from services.ingest.courtlistener_api import parse_retry_after

USER_AGENT = "docketline-rss/0.1 (+https://github.com/docketline)"


@dataclass(frozen=True, slots=True)
class FetchLimits:
    timeout: float = 30.0
    max_bytes: int = 16 * 1024 * 1024
    max_redirects: int = 5


@dataclass(frozen=True, slots=True)
class Fetched:
    """The answer: a status and headers (and the body of a 200), or an error before any answer."""

    status: int | None
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | None = None
    error: str | None = None
    retry_after: float | None = None
    url: str | None = None
    """The URL that answered (after redirects)."""


_REDIRECTS = frozenset({301, 302, 303, 307, 308})


class _Refused(Exception):
    pass


async def fetch(
    client: httpx.AsyncClient,
    url: str,
    headers: Mapping[str, str],
    limits: FetchLimits = FetchLimits(),
) -> Fetched:
    """GET ``url`` with ``headers`` (the conditional ones) under ``limits``; see the module doc."""
    try:
        async with asyncio.timeout(limits.timeout):
            return await _get(client, url, headers, limits)
    except TimeoutError:
        return Fetched(None, error=f"no complete answer within {limits.timeout:g}s")
    except _Refused as exc:
        return Fetched(None, error=str(exc))
    except httpx.HTTPError as exc:
        return Fetched(
            None, error=f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        )
    except OSError as exc:
        return Fetched(None, error=f"{type(exc).__name__}: {exc}")


async def _get(
    client: httpx.AsyncClient, url: str, headers: Mapping[str, str], limits: FetchLimits
) -> Fetched:
    origin = httpx.URL(url)
    target = origin
    for _ in range(limits.max_redirects + 1):
        request = client.build_request("GET", target, headers={"User-Agent": USER_AGENT, **headers})
        response = await client.send(request, stream=True)
        try:
            if response.status_code in _REDIRECTS:  # not is_redirect: httpx counts 304 as one
                target = _redirect_target(origin, response)
                continue
            if response.status_code != 200:
                return Fetched(
                    response.status_code,
                    response.headers,
                    error=None if response.status_code == 304 else f"HTTP {response.status_code}",
                    retry_after=parse_retry_after(response.headers.get("retry-after"), time.time()),
                    url=str(response.url),
                )
            body = await _read_capped(response, limits.max_bytes)
            return Fetched(200, response.headers, body, url=str(response.url))
        finally:
            await response.aclose()
    raise _Refused(f"more than {limits.max_redirects} redirects")


def _redirect_target(origin: httpx.URL, response: httpx.Response) -> httpx.URL:
    location = response.headers.get("location")
    if not location:
        raise _Refused(f"HTTP {response.status_code} redirect without a Location")
    target = response.url.join(location)
    if target.host != origin.host:
        raise _Refused(f"redirect to another host refused: {target.host} (feed host {origin.host})")
    if origin.scheme == "https" and target.scheme != "https":
        raise _Refused(f"redirect from https to {target.scheme} refused: {target}")
    return target


async def _read_capped(response: httpx.Response, max_bytes: int) -> bytes:
    declared = response.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise _Refused(f"feed body of {int(declared)} bytes is over the cap of {max_bytes} bytes")
    body = bytearray()
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) > max_bytes:
            raise _Refused(f"feed body over the cap of {max_bytes} bytes (decoded)")
    return bytes(body)


def new_client(limits: FetchLimits = FetchLimits()) -> httpx.AsyncClient:
    """The client of a watcher: no automatic redirects (see :func:`fetch`), no pool limit.

    A pool limit would make a feed wait for a connection held by a slow court.
    """
    return httpx.AsyncClient(
        follow_redirects=False,
        timeout=httpx.Timeout(limits.timeout),
        limits=httpx.Limits(max_connections=None, max_keepalive_connections=64),
    )
