"""``GET /api/alerts/stream`` over a real uvicorn server and the SQLite read model:
filters, ``id`` = seq, resume with ``Last-Event-ID``, live tail, heartbeats."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import uvicorn

from schemas.alerts import Alert
from schemas.codec import decode_alert
from services.api.app import create_app
from services.api.routes.stream import StreamTuning
from services.readmodel.sqlite import SqliteReadModel
from services.readmodel.values import Batch
from services.settings import load_settings
from tests.webhook_util import make_alert

DISMISSED = make_alert()
AMENDED_ELSEWHERE = make_alert(
    case_id="nysd:1:24-cv-00001",
    case_name="Doe v. Google LLC",
    type_="complaint.amended",
    from_status="open",
    to_status="open",
    class_action=False,
)
ROE_DISMISSED = make_alert(case_id="cand:3:25-cv-01234", case_name="Roe v. LinkedIn Corp.")
REOPENED = make_alert(from_status="closed", to_status="open", entry="#9")


@dataclass
class Server:
    base: str
    store: SqliteReadModel

    def add(self, *alerts: Alert) -> None:
        self.store.apply(Batch(alerts=alerts))


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[Server]:
    store = SqliteReadModel(tmp_path / "read.sqlite")
    app = create_app(load_settings(data_dir=tmp_path), store, start_feeder=False)
    app.state.stream_tuning = StreamTuning(heartbeat_seconds=0.3, poll_seconds=0.05)
    srv = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    )
    task = asyncio.create_task(srv.serve())
    deadline = time.monotonic() + 10
    while not srv.started:
        assert time.monotonic() < deadline, "uvicorn did not start within 10s"
        await asyncio.sleep(0.02)
    port = srv.servers[0].sockets[0].getsockname()[1]
    yield Server(f"http://127.0.0.1:{port}", store)
    srv.should_exit = True
    await asyncio.wait_for(task, 10)
    store.close()


@dataclass
class Reader:
    """Reads SSE frames from a streaming response; remembers comment lines."""

    lines: AsyncIterator[str]
    comments: list[str] = field(default_factory=list)

    async def next_event(self, timeout: float = 10.0) -> dict[str, str]:
        event: dict[str, str] = {}

        async def read() -> dict[str, str]:
            async for line in self.lines:
                if line == "":
                    if event:
                        return event
                    continue
                if line.startswith(":"):
                    self.comments.append(line)
                    continue
                name, _, value = line.partition(":")
                event[name] = value.removeprefix(" ")
            raise AssertionError("stream ended")

        try:
            return await asyncio.wait_for(read(), timeout)
        except TimeoutError as exc:
            raise AssertionError(
                f"no event within {timeout}s; partial {event}, comments {self.comments[-3:]}"
            ) from exc


async def open_stream(client: httpx.AsyncClient, url: str, headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    request = client.build_request("GET", url, headers=headers)
    response = await client.send(request, stream=True)
    assert response.status_code == 200, await response.aread()
    assert response.headers["content-type"].startswith("text/event-stream")
    return response, Reader(response.aiter_lines())


async def test_stream_filters_resumes_and_tails(server: Server) -> None:
    server.add(DISMISSED, AMENDED_ELSEWHERE, ROE_DISMISSED)
    async with httpx.AsyncClient(base_url=server.base, timeout=10) as client:
        resp, reader = await open_stream(
            client, "/api/alerts/stream?since=0&q=linkedin&transition=any->closed"
        )
        try:
            first, second = await reader.next_event(), await reader.next_event()
            assert [decode_alert(e["data"]) for e in (first, second)] == [DISMISSED, ROE_DISMISSED]
            assert (first["id"], second["id"]) == ("1", "3")  # seq; #2 did not match
            server.add(
                REOPENED, make_alert(case_id="cand:3:25-cv-09999", case_name="Poe v. LinkedIn")
            )
            live = await reader.next_event()
            assert (
                decode_alert(live["data"]).data.case_id == "cand:3:25-cv-09999"
            )  # the reopening is closed->open
            assert live["id"] == "5"
        finally:
            await resp.aclose()

        # A reconnect with Last-Event-ID continues right after the last event seen.
        resp, reader = await open_stream(
            client,
            "/api/alerts/stream?q=linkedin&transition=any->closed",
            headers={"Last-Event-ID": first["id"]},
        )
        try:
            resumed = await reader.next_event()
            assert (resumed["id"], decode_alert(resumed["data"])) == ("3", ROE_DISMISSED)
        finally:
            await resp.aclose()


async def test_stream_without_a_position_starts_at_the_newest_alert_and_sends_heartbeats(
    server: Server,
) -> None:
    server.add(DISMISSED, ROE_DISMISSED)
    async with httpx.AsyncClient(base_url=server.base, timeout=10) as client:
        resp, reader = await open_stream(client, "/api/alerts/stream")
        try:
            await asyncio.sleep(0.5)  # history must not be replayed meanwhile
            server.add(REOPENED)
            event = await reader.next_event()
            assert (event["id"], decode_alert(event["data"])) == ("3", REOPENED)
            # Nothing else to send for a second: only heartbeat comments (every 0.3 s) arrive.
            with pytest.raises(AssertionError, match="no event"):
                await reader.next_event(timeout=1.0)
            assert reader.comments, "no heartbeat comment within 1s"
        finally:
            await resp.aclose()


@pytest.mark.parametrize(
    ("query", "status"), [("transition=closed", 422), ("alert_type=nope", 422), ("since=-1", 422)]
)
async def test_invalid_stream_filters_are_rejected(server: Server, query: str, status: int) -> None:
    async with httpx.AsyncClient(base_url=server.base, timeout=10) as client:
        assert (await client.get(f"/api/alerts/stream?{query}")).status_code == status
        r = await client.get("/api/alerts/stream", headers={"Last-Event-ID": "abc"})
        assert r.status_code == 400
