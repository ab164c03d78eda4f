"""The committed AsyncAPI document passes the official parser: ``asyncapi validate`` (@asyncapi/cli).

The CLI is an npm package, installed project-local by ``make asyncapi-cli`` (which
``.ci/run`` calls): ``.tools/asyncapi/node_modules/.bin/asyncapi``. Outside CI a
missing CLI skips this test with the command to install it; in CI (``CI=true``)
a missing CLI fails it, so the check can never silently stop running.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from schemas.generate_asyncapi import ASYNCAPI_PATH
from tests.tools import IN_CI

ROOT = Path(__file__).resolve().parents[2]
LOCAL_CLI = ROOT / ".tools" / "asyncapi" / "node_modules" / ".bin" / "asyncapi"


def _cli() -> str:
    if LOCAL_CLI.exists():
        return str(LOCAL_CLI)
    found = shutil.which("asyncapi")
    if found is not None:
        return found
    reason = (
        f"@asyncapi/cli is not installed ({LOCAL_CLI.relative_to(ROOT)}): run `make asyncapi-cli`"
    )
    if IN_CI:  # .ci/run installs it: missing there is a broken CI, not a skip
        pytest.fail(reason + " (CI must install it: .ci/run)")
    pytest.skip(reason)


def _validate(document: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    cli = _cli()
    # no usage metrics sent and nothing written to $HOME: the CLI reads this file first
    metrics = tmp_path / "asyncapi-analytics.json"
    metrics.write_text('{"analyticsEnabled":"false","infoMessageShown":"true","userID":"ci"}')
    env = {
        **os.environ,
        "ASYNCAPI_METRICS_CONFIG_PATH": str(metrics),
        "SUPPRESS_NO_CONFIG_WARNING": "1",
    }
    return subprocess.run(
        [cli, "validate", str(document), "--fail-severity", "warn"],
        cwd=tmp_path,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_committed_asyncapi_document_passes_the_official_parser(tmp_path: Path) -> None:
    done = _validate(ASYNCAPI_PATH, tmp_path)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "is valid" in output, output


def test_the_parser_refuses_a_broken_document(tmp_path: Path) -> None:
    """The check above can fail: a channel whose message reference points nowhere is refused."""
    broken = tmp_path / "broken.yaml"
    text = ASYNCAPI_PATH.read_text()
    broken.write_text(
        text.replace("#/components/messages/docketEvent", "#/components/messages/noSuchMessage", 1)
    )
    done = _validate(broken, tmp_path)
    assert done.returncode != 0, done.stdout + done.stderr
    assert "noSuchMessage" in done.stdout + done.stderr
