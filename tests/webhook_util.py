"""Helpers for webhook tests: literal alerts and a real local HTTP receiver."""

from __future__ import annotations

import asyncio
import datetime as dt
import ssl
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web

from schemas.alerts import Alert, AlertData
from schemas.projection import Disposition
from services.core.ids import alert_id

REF_CASE_ID = "cand:5:25-cv-00709"


def make_alert(
    *,
    case_id: str = REF_CASE_ID,
    case_name: str | None = "De La Torre v. LinkedIn Corporation",
    type_: str = "status.changed",
    from_status: str | None = "open",
    to_status: str = "closed",
    class_action: bool = True,
    nature_of_suit: str | None = "890 Other Statutory Actions",
    entry: str = "#7",
    time_: dt.datetime | None = dt.datetime(2025, 1, 30, 18, 4, tzinfo=dt.UTC),
) -> Alert:
    """An alert as the processor publishes it (deterministic id); defaults = the
    reference case's voluntary dismissal without prejudice."""
    court, _, number = case_id.partition(":")
    disposition = (
        Disposition(
            type="voluntary_dismissal",
            prejudice="without",
            date=dt.date(2025, 1, 30),
            event_id="ev_ref7",
            fjc_code=12,
        )
        if to_status == "closed"
        else None
    )
    key = f"{case_id}{entry}"
    return Alert(
        id=alert_id(case_id, type_, key, from_status, to_status),
        type=type_,  # type: ignore[arg-type]
        subject=case_id,
        time=time_,
        data=AlertData(
            case_id=case_id,
            court_id=court,
            docket_number=number,
            case_name=case_name,
            nature_of_suit=nature_of_suit,
            class_action=class_action,
            from_status=from_status,  # type: ignore[arg-type]
            to_status=to_status,  # type: ignore[arg-type]
            disposition=disposition,
            date=dt.date(2025, 1, 30),
            cause_event_id="ev_ref7",
            cause_entry_key=key,
            cause_text="NOTICE of Voluntary Dismissal without prejudice",
        ),
    )


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    hang: bool = False
    """Never answer (until the server stops)."""
    gate: asyncio.Event | None = None
    """Answer only once this is set (the request is in flight until then)."""


async def serve_handler(
    handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
    ssl_context: ssl.SSLContext | None = None,
) -> tuple[web.AppRunner, int]:
    """Serve ``handler`` for every path on a free loopback port; the runner and the port."""
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=0.5)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=ssl_context)
    await site.start()
    port: int = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, port


class Receiver:
    """A real HTTP server on a free loopback port that records every request.

    ``script(path, [Reply, ...])`` answers successive requests to ``path`` with
    those replies, then with ``default``.
    """

    def __init__(self, default: Reply | None = None) -> None:
        self.default = default or Reply()
        self.received: list[Received] = []
        self.in_flight = 0
        self._scripts: dict[str, list[Reply]] = {}
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0

    def script(self, path: str, replies: list[Reply]) -> None:
        self._scripts[path] = list(replies)

    async def start(self) -> Receiver:
        self._runner, self.port = await serve_handler(self._handle)
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        async with self._changed:
            self.received.append(Received(request.path, dict(request.headers), body))
            self.in_flight += 1
            self._changed.notify_all()
        try:
            script = self._scripts.get(request.path)
            reply = script.pop(0) if script else self.default
            if reply.hang:
                await asyncio.sleep(3600)
            if reply.gate is not None:
                await reply.gate.wait()
            return web.Response(status=reply.status, headers=reply.headers, text="ok")
        finally:
            async with self._changed:
                self.in_flight -= 1
                self._changed.notify_all()

    def at(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path == path]

    async def wait_for(self, path: str, count: int, timeout: float = 30.0) -> list[Received]:
        """Wait until ``path`` has received at least ``count`` requests."""
        deadline = time.monotonic() + timeout
        async with self._changed:
            while len(self.at(path)) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = [(r.path, r.headers.get("webhook-id")) for r in self.received]
                    raise AssertionError(
                        f"{path}: wanted {count} requests within {timeout}s, saw {seen}"
                    )
                try:
                    await asyncio.wait_for(self._changed.wait(), timeout=remaining)
                except TimeoutError:
                    pass
        return self.at(path)
