"""Connection-time SSRF checks of the delivery client against a real local HTTP server.

The guard runs inside the httpx transport on every request, resolves the host
once and connects to the very address it checked, so the numeric spellings,
a DNS answer that changes after registration (rebinding) and redirects never
reach an internal address.
"""

from __future__ import annotations

import ipaddress
import os
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from services.dispatcher.bootstrap import build_http_client
from services.dispatcher.config import DispatcherConfig
from services.dispatcher.ssrf import (
    BlockedAddressError,
    GuardedTransport,
    IPAddress,
    Resolver,
    SSRFError,
    check_url,
)
from services.settings import load_settings
from tests.procs import DOCKETLINE
from tests.tls_util import TestCA, TLSReceiver
from tests.webhook_util import Receiver, Reply

SPELLINGS = ["127.0.0.1", "2130706433", "0x7f000001", "0177.0.0.1", "127.1", "[::ffff:127.0.0.1]"]


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    r = await Receiver().start()
    yield r
    await r.stop()


def client(
    tmp_path: Path, *, allow_private: bool, resolver: Resolver | None = None
) -> httpx.AsyncClient:
    settings = load_settings(data_dir=tmp_path, webhook_allow_private_networks=allow_private)
    config = DispatcherConfig(webhook_timeout_seconds=5)
    if resolver is None:
        return build_http_client(settings, config)
    return build_http_client(settings, config, resolver=resolver)


@pytest.mark.parametrize("host", SPELLINGS)
async def test_loopback_spellings_are_refused_at_connection_time(
    tmp_path: Path, receiver: Receiver, host: str
) -> None:
    async with client(tmp_path, allow_private=False) as c:
        # httpx itself refuses to parse 0177.0.0.1; every other spelling reaches the guard.
        with pytest.raises((SSRFError, httpx.InvalidURL)):
            await c.post(f"http://{host}:{receiver.port}/hook", content=b"{}")
    assert receiver.received == []


@pytest.mark.parametrize("host", ["127.0.0.1", "2130706433", "0x7f000001", "127.1"])
async def test_the_same_requests_arrive_when_private_networks_are_allowed(
    tmp_path: Path, receiver: Receiver, host: str
) -> None:
    async with client(tmp_path, allow_private=True) as c:
        r = await c.post(f"http://{host}:{receiver.port}/hook", content=b"{}")
    assert r.status_code == 200
    assert len(receiver.at("/hook")) == 1


async def test_mapped_ipv6_is_refused_even_when_private_networks_are_allowed(
    tmp_path: Path, receiver: Receiver
) -> None:
    async with client(tmp_path, allow_private=True) as c:
        with pytest.raises(BlockedAddressError, match="IPv4-mapped"):
            await c.post(f"http://[::ffff:127.0.0.1]:{receiver.port}/hook", content=b"{}")
    assert receiver.received == []


async def test_dns_rebinding_after_registration_is_refused(
    tmp_path: Path, receiver: Receiver
) -> None:
    answers = [["93.184.215.14"], ["127.0.0.1"]]
    seen: list[str] = []

    async def rebinding(host: str, port: int) -> list[IPAddress]:
        seen.append(host)
        return [ipaddress.ip_address(a) for a in answers[min(len(seen) - 1, 1)]]

    url = f"http://rebind.example:{receiver.port}/hook"
    await check_url(url, allow_private=False, resolver=rebinding)  # registration: public answer
    async with client(tmp_path, allow_private=False, resolver=rebinding) as c:
        with pytest.raises(BlockedAddressError, match="127.0.0.1"):
            await c.post(url, content=b"{}")
    assert seen == ["rebind.example", "rebind.example"]
    assert receiver.received == []


async def test_the_connection_goes_to_the_checked_address_with_the_original_host(
    tmp_path: Path, receiver: Receiver
) -> None:
    lookups: list[str] = []

    async def fixed(host: str, port: int) -> list[IPAddress]:
        lookups.append(host)
        return [ipaddress.ip_address("127.0.0.1")]

    async with client(tmp_path, allow_private=True, resolver=fixed) as c:
        r = await c.post(f"http://hooks.example:{receiver.port}/hook", content=b"{}")
    assert r.status_code == 200
    # "hooks.example" does not exist in DNS: the request can only have arrived
    # because the transport connected to the address the guard resolved and checked.
    assert lookups == ["hooks.example"]
    [got] = receiver.at("/hook")
    assert got.headers["Host"] == f"hooks.example:{receiver.port}"


async def test_redirects_are_not_followed(tmp_path: Path, receiver: Receiver) -> None:
    receiver.script(
        "/hook", [Reply(302, {"Location": f"http://127.0.0.1:{receiver.port}/elsewhere"})]
    )
    async with client(tmp_path, allow_private=True) as c:
        r = await c.post(receiver.url("/hook"), content=b"{}")
    assert r.status_code == 302
    assert [x.path for x in receiver.received] == ["/hook"]


# --- TLS: the certificate is checked against the name of every request -------------------


async def _to_loopback(host: str, port: int) -> list[IPAddress]:
    """``a.test`` and ``b.test`` (and any name) resolve to 127.0.0.1: two names, one IP."""
    return [ipaddress.ip_address("127.0.0.1")]


def tls_client(ca: TestCA) -> httpx.AsyncClient:
    transport = GuardedTransport(
        allow_private=True, resolver=_to_loopback, verify=ca.client_context()
    )
    return httpx.AsyncClient(transport=transport, trust_env=False, follow_redirects=False)


@pytest.fixture
def ca() -> TestCA:
    return TestCA()


async def test_a_connection_verified_for_one_name_is_not_reused_for_another(ca: TestCA) -> None:
    server = await TLSReceiver(ca.server_context(["a.test"])).start()
    try:
        async with tls_client(ca) as c:
            r = await c.post(f"https://a.test:{server.port}/hook", content=b"{}")
            assert r.status_code == 200
            # Same IP and port, another name: the certificate (a.test only) must be checked
            # against b.test on a connection of its own, and fail.
            with pytest.raises(httpx.ConnectError, match="(?i)certificate|hostname"):
                await c.post(f"https://b.test:{server.port}/hook", content=b"{}")
            # a.test still works (its own connection is unaffected)
            assert (
                await c.post(f"https://a.test:{server.port}/again", content=b"{}")
            ).status_code == 200
    finally:
        await server.stop()
    assert [(r.path, r.headers["Host"]) for r in server.received] == [
        ("/hook", f"a.test:{server.port}"),
        ("/again", f"a.test:{server.port}"),
    ]


async def test_two_names_on_one_ip_both_arrive_when_the_certificate_covers_both(ca: TestCA) -> None:
    server = await TLSReceiver(ca.server_context(["a.test", "b.test"])).start()
    try:
        async with tls_client(ca) as c:
            for name in ("a.test", "b.test", "a.test"):
                r = await c.post(f"https://{name}:{server.port}/hook", content=b"{}")
                assert r.status_code == 200
    finally:
        await server.stop()
    assert [r.headers["Host"] for r in server.received] == [
        f"{n}:{server.port}" for n in ("a.test", "b.test", "a.test")
    ]


async def test_a_certificate_for_another_name_is_refused(ca: TestCA) -> None:
    server = await TLSReceiver(ca.server_context(["a.test"])).start()
    try:
        async with tls_client(ca) as c:
            with pytest.raises(httpx.ConnectError, match="(?i)certificate|hostname"):
                await c.post(f"https://b.test:{server.port}/hook", content=b"{}")
    finally:
        await server.stop()
    assert server.received == []


async def test_pools_beyond_the_limit_are_closed_only_after_their_last_response(ca: TestCA) -> None:
    server = await TLSReceiver(ca.server_context(["a.test", "b.test"])).start()
    transport = GuardedTransport(
        allow_private=True, resolver=_to_loopback, verify=ca.client_context(), max_pools=1
    )
    try:
        async with httpx.AsyncClient(transport=transport, trust_env=False) as c:
            async with c.stream(
                "POST", f"https://a.test:{server.port}/slow", content=b"{}"
            ) as held:
                # b.test needs a pool of its own; a.test's is evicted while its response is open
                assert (
                    await c.post(f"https://b.test:{server.port}/hook", content=b"{}")
                ).status_code == 200
                assert transport.pool_keys == [("https", "b.test", server.port)]
                server.release.set()
                assert await held.aread() == b"ok"  # its connection was not closed under it
            assert (
                await c.post(f"https://a.test:{server.port}/hook", content=b"{}")
            ).status_code == 200
            assert transport.pool_keys == [("https", "a.test", server.port)]
    finally:
        await server.stop()
    assert [r.headers["Host"].split(":")[0] for r in server.received] == [
        "a.test",
        "b.test",
        "a.test",
    ]


def test_the_dispatcher_command_stops_at_start_on_a_missing_ca_file(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCKETLINE_")}
    env["DOCKETLINE_WEBHOOK_CA_FILE"] = str(tmp_path / "missing.pem")
    env["DOCKETLINE_BOOTSTRAP_SERVERS"] = "127.0.0.1:1"  # never reached: the check comes first
    done = subprocess.run(
        [DOCKETLINE, "dispatcher"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 2, done.stderr
    assert "docketline dispatcher: DOCKETLINE_WEBHOOK_CA_FILE=" in done.stderr
    assert "Traceback" not in done.stderr
