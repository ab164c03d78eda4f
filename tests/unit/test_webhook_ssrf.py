"""SSRF policy at registration time: ``services.dispatcher.ssrf`` (no sockets opened;
names are resolved by an injected resolver). Connection-time refusals against a
real local server are in tests/integration/test_webhook_transport.py."""

from __future__ import annotations

import ipaddress

import pytest

from services.dispatcher.ssrf import (
    BlockedAddressError,
    IPAddress,
    ResolutionError,
    SSRFError,
    UnsafeURLError,
    address_problem,
    check_url,
    parse_ipv4_loose,
)

LOOPBACK_SPELLINGS = [
    "2130706433",
    "0x7f000001",
    "0177.0.0.1",
    "127.1",
    "127.0.0.1",
    "0x7f.1",
    "017700000001",
    "127.000.000.001",
]


@pytest.mark.parametrize("host", LOOPBACK_SPELLINGS)
def test_numeric_spellings_parse_to_loopback(host: str) -> None:
    assert parse_ipv4_loose(host) == ipaddress.IPv4Address("127.0.0.1")


@pytest.mark.parametrize(
    "host", ["example.com", "1.2.3.4.5", "256.1.1.1", "08.1.1.1", "a.b", "1..2"]
)
def test_names_and_invalid_numbers_are_not_addresses(host: str) -> None:
    assert parse_ipv4_loose(host) is None


async def no_dns(host: str, port: int) -> list[IPAddress]:
    raise AssertionError(f"numeric host {host!r} must not be looked up")


@pytest.mark.parametrize("host", LOOPBACK_SPELLINGS)
async def test_numeric_loopback_spellings_are_refused_at_registration(host: str) -> None:
    with pytest.raises(BlockedAddressError, match="loopback"):
        await check_url(f"http://{host}:8080/hook", allow_private=False, resolver=no_dns)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://[fe80::1]/", "link-local"),
        ("http://10.0.0.5/", "private"),
        ("http://172.16.3.4/", "private"),
        ("http://192.168.1.1/", "private"),
        ("http://[fd00::1]/", "private"),
        ("http://100.64.0.1/", "carrier-grade NAT"),
        ("http://100.127.255.254/", "carrier-grade NAT"),
        ("http://224.0.0.1/", "multicast"),
        ("http://[ff02::1]/", "multicast"),
        ("http://240.0.0.1/", "reserved"),
        ("http://255.255.255.255/", "reserved"),
        ("http://0.0.0.0/", "unspecified"),
        ("http://0/", "unspecified"),
        ("http://[::]/", "unspecified"),
        ("http://[::1]/", "loopback"),
        ("http://[::ffff:127.0.0.1]/", "IPv4-mapped"),
        ("http://[::ffff:7f00:1]/", "IPv4-mapped"),
        ("http://[::ffff:8.8.8.8]/", "IPv4-mapped"),
        ("http://[2002:7f00:1::]/", "6to4"),
        ("http://[64:ff9b::7f00:1]/", "NAT64"),
        ("http://192.0.2.1/", "non-global"),
        ("http://198.18.0.1/", "non-global"),
        ("http://[fec0::1]/", "site-local"),
        ("http://[feff:ffff::1]/", "site-local"),
    ],
)
async def test_non_global_addresses_are_refused(url: str, reason: str) -> None:
    with pytest.raises(BlockedAddressError, match=reason):
        await check_url(url, allow_private=False, resolver=no_dns)


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "2130706433", "127.1", "10.1.2.3", "192.168.0.9", "[::1]"]
)
async def test_allow_private_permits_loopback_and_private_ranges(host: str) -> None:
    target = await check_url(f"http://{host}:9000/h", allow_private=True, resolver=no_dns)
    assert target.port == 9000


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/",
        "http://100.64.0.1/",
        "http://[::ffff:127.0.0.1]/",
        "http://0.0.0.0/",
        "http://224.0.0.1/",
        "http://[fec0::1]/",
    ],
)
async def test_allow_private_never_permits_metadata_cgnat_mapped_or_unspecified(url: str) -> None:
    with pytest.raises(BlockedAddressError):
        await check_url(url, allow_private=True, resolver=no_dns)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/x",
        "file:///etc/passwd",
        "gopher://example.com/",
        "javascript:alert(1)",
        "example.com/hook",
        "http:///nohost",
        "http://exa mple.com/",
        "http://example.com:99999/",
        "http://[fe80::1%25eth0]/",
    ],
)
async def test_malformed_or_non_http_urls_are_refused(url: str) -> None:
    with pytest.raises(UnsafeURLError):
        await check_url(url, allow_private=True, resolver=no_dns)


def resolver_for(table: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    async def resolve(host: str, port: int) -> list[IPAddress]:
        if host not in table:
            raise ResolutionError(f"cannot resolve {host!r}")
        return [ipaddress.ip_address(a) for a in table[host]]

    return resolve


async def test_a_name_is_refused_if_any_of_its_addresses_is_internal() -> None:
    resolve = resolver_for(
        {"mixed.example": ["93.184.215.14", "127.0.0.1"], "ok.example": ["93.184.215.14"]}
    )
    with pytest.raises(BlockedAddressError, match="127.0.0.1"):
        await check_url("https://mixed.example/h", allow_private=False, resolver=resolve)
    target = await check_url("https://ok.example/h", allow_private=False, resolver=resolve)
    assert target.addresses == (ipaddress.ip_address("93.184.215.14"),)
    assert (target.scheme, target.host, target.port) == ("https", "ok.example", 443)


async def test_localhost_by_name_is_refused() -> None:
    resolve = resolver_for({"localhost": ["127.0.0.1", "::1"]})
    with pytest.raises(BlockedAddressError, match="loopback"):
        await check_url("http://localhost:8000/", allow_private=False, resolver=resolve)


async def test_unresolvable_names_are_refused() -> None:
    with pytest.raises(ResolutionError):
        await check_url("https://nowhere.invalid/", allow_private=False, resolver=resolver_for({}))


def test_every_refusal_is_an_ssrf_error() -> None:
    for cls in (BlockedAddressError, ResolutionError, UnsafeURLError):
        assert issubclass(cls, SSRFError)


def test_public_addresses_pass() -> None:
    for a in ("93.184.215.14", "8.8.8.8", "2606:4700::6810:84e5"):
        assert address_problem(ipaddress.ip_address(a), allow_private=False) is None
