"""``docketline api --workers 2``: two API processes on one port, one SQLite read model.

A real subprocess, as a user runs it. No broker is needed to serve what the
read model has (the feeder, in the first process only, reports the broker
unreachable); the read model is filled beforehand.
"""

from __future__ import annotations

import signal
import socket
import time
from pathlib import Path

import httpx
import pytest

from bench.phases import wait_http
from services.api.cli import worker_app
from services.readmodel.store import SqliteReadModel
from tests.api_server import serve
from tests.courtlistener_util import REF_DOCKET_ID, complaint_entry, webhook_bytes
from tests.integration.test_courtlistener_webhook import API_TOKEN, make_settings, stand_in
from tests.procs import running, service_env
from tests.readmodel_samples import REF_CASE_ID, fold


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def test_two_worker_processes_serve_one_read_model_and_stop_together(tmp_path: Path) -> None:
    store = SqliteReadModel(tmp_path / "readmodel.sqlite")
    folded = fold()
    store.apply(folded.batch())
    store.close()
    port = _free_port()
    env = service_env("127.0.0.1:1", "t-workers", tmp_path, DOCKETLINE_API_PORT=str(port))
    with running(["api", "--workers", "2"], env, tmp_path / "api.log") as proc:
        url = f"http://127.0.0.1:{port}"
        wait_http(f"{url}/healthz", timeout=60, proc=proc)
        (child,) = _children(proc.pid)
        for _ in range(20):  # new connections, spread over both processes by the kernel
            with httpx.Client(base_url=url, timeout=10) as client:
                case = client.get(f"/api/cases/{REF_CASE_ID}")
                assert case.status_code == 200, case.text
                assert case.json()["status"] == "closed"
                page = client.get("/api/cases", params={"limit": 200}).json()
                assert sorted(i["case_id"] for i in page["items"]) == sorted(folded.states)
        proc.terminate()
        assert proc.wait(30) in (0, -signal.SIGTERM)  # uvicorn re-raises the signal it stopped on
    deadline = time.monotonic() + 10
    while Path(f"/proc/{child}").exists():  # reaped by the API, or by init once the API is gone
        assert time.monotonic() < deadline, "the second API process outlived the first"
        time.sleep(0.1)


def test_one_process_is_the_default(tmp_path: Path) -> None:
    port = _free_port()
    env = service_env("127.0.0.1:1", "t-workers", tmp_path, DOCKETLINE_API_PORT=str(port))
    with running(["api"], env, tmp_path / "api.log") as proc:
        wait_http(f"http://127.0.0.1:{port}/healthz", timeout=60, proc=proc)
        assert _children(proc.pid) == []


@pytest.mark.kafka
def test_only_the_first_api_process_publishes_the_courtlistener_inbox(
    kafka_bootstrap: str, unique_prefix: str, tmp_path: Path
) -> None:
    """Both processes accept deliveries into the one inbox; process 0 alone publishes
    (N loops on one inbox would each try the same entries)."""
    with stand_in() as (cl, cl_url):
        settings = make_settings(kafka_bootstrap, unique_prefix, tmp_path, cl_url)
        first, second = worker_app(settings, 0, 2), worker_app(settings, 1, 2)
        with serve(first) as _, serve(second) as second_url:
            headers = {"Authorization": f"Bearer {API_TOKEN}", "Idempotency-Key": "cl-workers-1"}
            with httpx.Client(base_url=second_url, timeout=10) as client:
                r = client.post(
                    "/api/ingest/courtlistener",
                    content=webhook_bytes(complaint_entry()),
                    headers=headers,
                )
                assert r.status_code == 202, r.text
                deadline = time.monotonic() + 60
                while True:
                    state = client.get(
                        "/api/ingest/courtlistener/deliveries/cl-workers-1", headers=headers
                    ).json()["state"]
                    if state["published"] == 1:
                        break
                    assert time.monotonic() < deadline, f"not published within 60 s: {state}"
                    time.sleep(0.2)
            assert sum(second.state.courtlistener_ingest.entries.values()) == 0
            assert first.state.courtlistener_ingest.entries["published"] == 1
    assert cl.calls_for(REF_DOCKET_ID) == [200]
