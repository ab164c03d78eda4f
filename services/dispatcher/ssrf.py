"""Server-side request forgery guard for webhook URLs.

A webhook URL is chosen by the subscriber, so the dispatcher must never become
a way to reach the service's own network. The policy:

* only ``http`` and ``https`` URLs with a host;
* the host is resolved (numeric spellings the C library accepts -- ``2130706433``,
  ``0x7f000001``, ``0177.0.0.1``, ``127.1`` -- are parsed here, the way
  ``inet_aton`` does, so they cannot slip past as "names");
* *every* resolved address must be global: loopback, private (RFC 1918, IPv6
  ULA), link-local (including the cloud metadata address 169.254.169.254),
  carrier-grade NAT (100.64.0.0/10), IPv6 site-local (``fec0::/10``, deprecated but
  still routed internally; Python's ``is_global`` says yes), multicast, reserved, unspecified,
  IPv4-mapped/translated IPv6 (``::ffff:0:0/96``, 6to4, Teredo, NAT64) and any
  other non-global address is refused;
* ``allow_private`` (``DOCKETLINE_WEBHOOK_ALLOW_PRIVATE_NETWORKS=true``, for local
  development and tests) allows loopback and private ranges only -- never
  link-local/metadata, CGNAT, site-local, multicast, reserved, unspecified or mapped
  addresses;
* the check runs at registration (``check_url``) *and* on every connection
  (``GuardedTransport``), which connects to the very address it checked, sending
  the original name as ``Host`` header and TLS SNI/certificate name -- so a DNS
  answer that changes between check and connect (rebinding) cannot redirect the
  request. Connections are pooled per host *name*, so a keep-alive connection
  whose certificate was verified for one name never carries a request for another
  name on the same address.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
import urllib.parse
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[IPAddress]]]

MAX_URL_LENGTH = 2048
DEFAULT_LIMITS = httpx.Limits(max_connections=20, max_keepalive_connections=4)
"""Connections per receiver (host name) pool."""
_PRIVATE_NETS = tuple(
    ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
)
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = tuple(ipaddress.ip_network(n) for n in ("64:ff9b::/96", "64:ff9b:1::/48"))


class SSRFError(Exception):
    """A webhook URL the dispatcher refuses to call."""


class UnsafeURLError(SSRFError):
    """Not an http(s) URL with a usable host and port."""


class BlockedAddressError(SSRFError):
    """The host is, or resolves to, an address outside the allowed ranges."""


class ResolutionError(SSRFError):
    """The host name could not be resolved."""


def _inet_aton_part(part: str) -> int:
    if part[:2].lower() == "0x":
        digits, base = part[2:], 16
    elif len(part) > 1 and part.startswith("0"):
        digits, base = part[1:], 8
    else:
        digits, base = part, 10
    if not digits and base == 16:
        return 0  # "0x" alone is 0 for inet_aton
    return int(digits, base)  # ValueError on anything else


def parse_ipv4_loose(host: str) -> ipaddress.IPv4Address | None:
    """The IPv4 address ``inet_aton`` would read from ``host``, or ``None`` if it is a name.

    1 to 4 dot-separated parts, each decimal, octal (leading 0) or hex (0x); the
    last part fills the remaining bytes: ``127.1`` = 127.0.0.1, ``2130706433`` =
    ``0x7f000001`` = 127.0.0.1, ``0177.0.0.1`` = 127.0.0.1.
    """
    text = host.removesuffix(".")
    parts = text.split(".")
    if not 1 <= len(parts) <= 4 or any(not p for p in parts):
        return None
    try:
        values = [_inet_aton_part(p) for p in parts]
    except ValueError:
        return None
    *head, last = values
    if any(v > 0xFF for v in head) or last >= 1 << (8 * (5 - len(values))):
        return None
    number = 0
    for v in head:
        number = number << 8 | v
    number = number << (8 * (5 - len(values))) | last
    return ipaddress.IPv4Address(number)


def literal_address(host: str) -> IPAddress | None:
    """``host`` as an IP address if it is written as one (any IPv4 spelling, or IPv6)."""
    bare = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if ":" in bare:
        if "%" in bare:
            raise UnsafeURLError(f"IPv6 zone identifiers are not allowed: {host!r}")
        try:
            return ipaddress.IPv6Address(bare)
        except ValueError as exc:
            raise UnsafeURLError(f"not an IPv6 address: {host!r}") from exc
    return parse_ipv4_loose(bare)


def address_problem(ip: IPAddress, *, allow_private: bool) -> str | None:
    """Why ``ip`` must not be called, or ``None`` when it may."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return "IPv4-mapped IPv6 address"
        if ip.sixtofour is not None:
            return "6to4 IPv6 address (embeds an IPv4 address)"
        if ip.teredo is not None:
            return "Teredo IPv6 address (embeds an IPv4 address)"
        if any(ip in n for n in _NAT64):
            return "NAT64 IPv6 address (embeds an IPv4 address)"
        if ip.is_site_local:  # Python counts fec0::/10 as global
            return "site-local IPv6 address (fec0::/10, deprecated internal addressing)"
    if ip.is_unspecified:
        return "unspecified address"
    if ip.is_multicast:
        return "multicast address"
    if ip.is_link_local:
        return "link-local address (includes cloud metadata 169.254.169.254)"
    if isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT:
        return "carrier-grade NAT address (100.64.0.0/10)"
    if ip.is_loopback:
        return None if allow_private else "loopback address"
    if any(ip in n for n in _PRIVATE_NETS if n.version == ip.version):
        return None if allow_private else "private address"
    if ip.is_reserved:
        return "reserved address"
    if not ip.is_global:
        return "non-global address"
    return None


@dataclass(frozen=True)
class Target:
    """A URL that passed the check, with the addresses it was checked against."""

    url: str
    scheme: str
    host: str
    port: int
    addresses: tuple[IPAddress, ...]
    is_literal: bool


def split_url(url: str) -> tuple[str, str, int]:
    """``(scheme, host, port)`` of an http(s) URL, or ``UnsafeURLError``."""
    if len(url) > MAX_URL_LENGTH:
        raise UnsafeURLError(f"URL longer than {MAX_URL_LENGTH} characters")
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in url):
        raise UnsafeURLError("URL contains whitespace or control characters")
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeURLError(f"malformed URL: {exc}") from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise UnsafeURLError(f"only http and https URLs are allowed, not {scheme or 'none'!r}")
    host = parts.hostname
    if not host:
        raise UnsafeURLError("URL has no host")
    return scheme, host, port if port is not None else (443 if scheme == "https" else 80)


async def system_resolver(host: str, port: int) -> list[IPAddress]:
    """All addresses the system resolver returns for ``host`` (TCP)."""
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise ResolutionError(f"cannot resolve {host!r}: {exc}") from exc
    out: list[IPAddress] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        ip = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if ip not in out:
            out.append(ip)
    return out


async def check_host(
    scheme: str,
    host: str,
    port: int,
    *,
    allow_private: bool,
    resolver: Resolver = system_resolver,
    timeout: float = 5.0,
    url: str = "",
) -> Target:
    """Resolve ``host`` and refuse it unless every address is allowed."""
    literal = literal_address(host)
    if literal is not None:
        addresses: list[IPAddress] = [literal]
    else:
        try:
            addresses = await asyncio.wait_for(resolver(host, port), timeout=timeout)
        except TimeoutError as exc:
            raise ResolutionError(f"resolving {host!r} took longer than {timeout}s") from exc
        if not addresses:
            raise ResolutionError(f"{host!r} resolves to no address")
    for ip in addresses:
        problem = address_problem(ip, allow_private=allow_private)
        if problem is not None:
            raise BlockedAddressError(f"{host} resolves to {ip}: {problem} is not allowed")
    return Target(url, scheme, host, port, tuple(addresses), literal is not None)


async def check_url(
    url: str,
    *,
    allow_private: bool,
    resolver: Resolver = system_resolver,
    timeout: float = 5.0,
) -> Target:
    """Registration-time check of a webhook URL (syntax, scheme, every resolved address)."""
    scheme, host, port = split_url(url)
    return await check_host(
        scheme, host, port, allow_private=allow_private, resolver=resolver, timeout=timeout, url=url
    )


PoolKey = tuple[str, str, int]
"""(scheme, the request's host name as written, port): what a connection pool serves."""


@dataclass(eq=False)
class _Pool:
    transport: httpx.AsyncBaseTransport
    in_use: int = 0
    retired: bool = False


class _ReleasingStream(httpx.AsyncByteStream):
    """A response body that tells its pool when it is closed (the request is over)."""

    def __init__(
        self, inner: httpx.AsyncByteStream, release: Callable[[], Awaitable[None]]
    ) -> None:
        self._inner = inner
        self._release: Callable[[], Awaitable[None]] | None = release

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._inner:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._inner.aclose()
        finally:
            release, self._release = self._release, None
            if release is not None:
                await release()


class GuardedTransport(httpx.AsyncBaseTransport):
    """An httpx transport that checks every request's host at connection time and
    connects to the checked address (no second DNS lookup, so no rebinding).

    The request keeps its original ``Host`` header; for https the original name is
    used for SNI and certificate verification (httpcore's ``sni_hostname``).

    Connections are pooled **per host name** (``PoolKey``), never per address:
    httpcore pools by the origin it connects to, which here is the pinned IP, so a
    single pool would let a request for ``b.test`` ride a keep-alive connection whose
    certificate was verified for ``a.test`` on the same IP. Each name gets its own
    pool (sharing one ``SSLContext``); at most ``max_pools`` are kept, the least
    recently used one beyond that is closed once its last response is closed.
    """

    def __init__(
        self,
        *,
        allow_private: bool,
        resolver: Resolver = system_resolver,
        verify: ssl.SSLContext | bool = True,
        limits: httpx.Limits = DEFAULT_LIMITS,
        max_pools: int = 256,
        resolve_timeout: float = 5.0,
    ) -> None:
        if max_pools < 1:
            raise ValueError("max_pools must be at least 1")
        self._allow_private = allow_private
        self._resolver = resolver
        self._ssl = (
            verify
            if isinstance(verify, ssl.SSLContext)
            else httpx.create_ssl_context(verify=verify)
        )
        self._limits = limits
        self._max_pools = max_pools
        self._resolve_timeout = resolve_timeout
        self._pools: OrderedDict[PoolKey, _Pool] = OrderedDict()
        self._retired_pools: list[_Pool] = []

    @property
    def pool_keys(self) -> list[PoolKey]:
        """The names that currently have a pool, least recently used first."""
        return list(self._pools)

    async def _pool_for(self, key: PoolKey) -> _Pool:
        pool = self._pools.get(key)
        if pool is not None:
            self._pools.move_to_end(key)
            return pool
        pool = _Pool(httpx.AsyncHTTPTransport(verify=self._ssl, limits=self._limits, retries=0))
        self._pools[key] = pool
        while len(self._pools) > self._max_pools:
            _, old = self._pools.popitem(last=False)
            old.retired = True
            if old.in_use == 0:
                await old.transport.aclose()
            else:
                self._retired_pools.append(old)
        return pool

    async def _release(self, pool: _Pool) -> None:
        pool.in_use -= 1
        if pool.retired and pool.in_use == 0:
            if pool in self._retired_pools:
                self._retired_pools.remove(pool)
            await pool.transport.aclose()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        scheme = url.scheme.lower()
        if scheme not in ("http", "https"):
            raise UnsafeURLError(f"only http and https URLs are allowed, not {scheme!r}")
        host = url.raw_host.decode("ascii")
        if not host:
            raise UnsafeURLError("URL has no host")
        port = url.port or (443 if scheme == "https" else 80)
        target = await check_host(
            scheme,
            host,
            port,
            allow_private=self._allow_private,
            resolver=self._resolver,
            timeout=self._resolve_timeout,
            url=str(url),
        )
        pinned = target.addresses[0]
        request.url = url.copy_with(host=str(pinned))
        if scheme == "https" and not target.is_literal:
            request.extensions = {**request.extensions, "sni_hostname": host}
        pool = await self._pool_for((scheme, host.lower(), port))
        pool.in_use += 1
        try:
            response = await pool.transport.handle_async_request(request)
        except BaseException:
            await self._release(pool)
            raise
        assert isinstance(response.stream, httpx.AsyncByteStream)
        response.stream = _ReleasingStream(response.stream, lambda: self._release(pool))
        return response

    async def aclose(self) -> None:
        pools = [*self._pools.values(), *self._retired_pools]
        self._pools.clear()
        self._retired_pools.clear()
        for pool in pools:
            await pool.transport.aclose()
