"""`docketline up --demo` as a user runs it: the README's run command, end to end."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from services.kafka_local.config import pick_free_ports
from tests.procs import DOCKETLINE

pytestmark = [pytest.mark.e2e, pytest.mark.kafka, pytest.mark.timeout(600)]

REF = "cand:5:25-cv-00709"


def test_up_demo_serves_the_reference_case_closed_and_stops_everything(tmp_path: Path) -> None:
    api_port, kafka_port = pick_free_ports(2)
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCKETLINE_")}
    env["DOCKETLINE_DATA_DIR"] = str(tmp_path / "data")
    log = tmp_path / "up.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                DOCKETLINE,
                "up",
                "--demo",
                "--api-port",
                str(api_port),
                "--kafka-port",
                str(kafka_port),
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 420
        while "Dashboard:" not in log.read_text():
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(1)
        lines = log.read_text().strip().splitlines()
        assert lines[-1] == f"Dashboard: http://127.0.0.1:{api_port}/"
        base = f"http://127.0.0.1:{api_port}"

        case = httpx.get(f"{base}/api/cases/{REF}", timeout=10).json()
        assert case["status"] == "closed"
        assert case["disposition"]["type"] == "voluntary_dismissal"
        assert case["disposition"]["prejudice"] == "without"
        assert case["disposition"]["date"] == "2025-01-30"
        assert [(h["status"], h["date"]) for h in case["status_history"]] == [
            ("open", "2025-01-21"),
            ("closed", "2025-01-30"),
        ]
        assert case["flags"]["class_action"] is True
        assert (
            httpx.get(f"{base}/api/cases/{REF}", params={"as_of": "2025-01-25"}, timeout=10).json()[
                "status"
            ]
            == "open"
        )

        alerts = httpx.get(f"{base}/api/alerts", params={"case_id": REF}, timeout=10).json()[
            "items"
        ]
        assert [(a["type"], a["data"]["from_status"], a["data"]["to_status"]) for a in alerts] == [
            ("status.changed", "open", "closed")
        ]
        assert httpx.get(f"{base}/", timeout=10).status_code == 200

        cli = subprocess.run(
            [DOCKETLINE, "case", REF, "--json"],
            env={**env, "DOCKETLINE_API_PORT": str(api_port)},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert cli.returncode == 0, cli.stderr
        assert json.loads(cli.stdout)["status"] == "closed"
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(120)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    status = subprocess.run(
        [DOCKETLINE, "kafka", "status", "--data-dir", str(tmp_path / "data" / "kafka")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert status.returncode == 1, "up must stop the broker it started: " + status.stdout
    assert "stopped kafka" in log.read_text()
