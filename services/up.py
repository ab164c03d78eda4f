"""``docketline up [--demo]``: the whole service on one machine.

Starts (or reuses) a local Kafka broker, creates the topics, runs the
processor worker, the API + dashboard and the dispatcher as child processes
(the same commands an operator runs one by one to scale out), optionally
ingests the demo dockets, prints the dashboard URL and runs until Ctrl-C.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import FrameType

import httpx
import typer

from services.settings import Settings, load_settings

REFERENCE_CASE = "cand:5:25-cv-00709"
DEMO_PACKAGE = "services.demo"


@dataclass
class Stack:
    settings: Settings
    env: dict[str, str]
    logs: Path
    children: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    started_kafka: bool = False

    def spawn(self, name: str, *args: str) -> None:
        log = (self.logs / f"{name}.log").open("ab")
        exe = Path(sys.executable).with_name("docketline")
        cmd = [str(exe), *args] if exe.exists() else [sys.executable, "-m", "services.cli", *args]
        self.children[name] = subprocess.Popen(
            cmd, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        typer.echo(
            f"  started {name:<10} pid {self.children[name].pid}  log {self.logs / (name + '.log')}"
        )

    def check_children(self) -> None:
        for name, proc in self.children.items():
            if proc.poll() is not None:
                tail = (self.logs / f"{name}.log").read_text(errors="replace").splitlines()[-25:]
                raise RuntimeError(
                    f"{name} exited with code {proc.returncode}:\n" + "\n".join(tail)
                )

    def stop(self) -> None:
        # a second Ctrl-C or SIGTERM must not abandon the shutdown half way
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for name, proc in reversed(list(self.children.items())):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for name, proc in self.children.items():
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
            typer.echo(f"  stopped {name}")
        if self.started_kafka:
            from services.kafka_local.manager import LocalKafka

            LocalKafka().stop(self.settings.data_dir / "kafka")
            typer.echo("  stopped kafka")


def _rss_configured() -> bool:
    """``docketline up`` runs the RSS watcher when feeds are configured (courts or a config file)."""
    from services.ingest.watch.config import RssSettings

    rss = RssSettings()
    return bool(rss.rss_courts.strip()) or rss.rss_config is not None


def configured_watchers(settings: Settings) -> list[tuple[str, list[str]]]:
    """The mail watchers whose settings are given: the SMTP receiver when recipients are
    allowed (DOCKETLINE_MAIL_SMTP_RECIPIENTS), the IMAP watcher when DOCKETLINE_MAIL_IMAP_URL is set."""
    out: list[tuple[str, list[str]]] = []
    if settings.mail_smtp_recipients:
        out.append(("mail-smtp", ["watch", "mail", "--smtp"]))
    if settings.mail_imap_url:
        out.append(("mail-imap", ["watch", "mail", "--imap", settings.mail_imap_url]))
    return out


def demo_files() -> list[Path]:
    root = resources.files(DEMO_PACKAGE)
    return sorted(Path(str(p)) for p in root.iterdir() if str(p).endswith(".jsonl"))


def _wait_http(url: str, stack: Stack, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        stack.check_children()
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError as exc:
            last = str(exc)
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f}s ({last})")


def _wait_reference_case(api: str, stack: Stack, timeout: float) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    seen: object = "nothing yet"
    while time.monotonic() < deadline:
        stack.check_children()
        try:
            r = httpx.get(f"{api}/api/cases/{REFERENCE_CASE}", timeout=2)
            if r.status_code == 200:
                body = r.json()
                seen = body.get("status")
                if seen == "closed":
                    return dict(body)
        except httpx.HTTPError as exc:
            seen = str(exc)
        time.sleep(0.5)
    raise RuntimeError(
        f"the reference case did not reach the API as closed within {timeout:.0f}s (saw {seen})"
    )


def up_command(
    demo: bool = typer.Option(
        False, "--demo", help="Ingest the sample dockets (incl. De La Torre v. LinkedIn)."
    ),
    api_port: int | None = typer.Option(
        None, "--api-port", help="API/dashboard port (default DOCKETLINE_API_PORT or 8000)."
    ),
    kafka_port: int = typer.Option(
        9092, "--kafka-port", help="Port of the local broker when one is started."
    ),
    no_dispatcher: bool = typer.Option(
        False, "--no-dispatcher", help="Do not run the webhook dispatcher."
    ),
) -> None:
    """Run everything on one machine: Kafka, processor, API + dashboard, dispatcher.

    Also the RSS watcher when DOCKETLINE_RSS_COURTS or DOCKETLINE_RSS_CONFIG is set.

    Uses the cluster in DOCKETLINE_BOOTSTRAP_SERVERS when that is set; otherwise
    starts a local broker in DATA_DIR/kafka (fetching its jars on first use).
    Stops everything it started on Ctrl-C or SIGTERM.
    """
    base = load_settings()
    data_dir = base.data_dir.resolve()
    logs = data_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    port = api_port if api_port is not None else base.api_port
    env = dict(os.environ)
    env["DOCKETLINE_DATA_DIR"] = str(data_dir)
    env["DOCKETLINE_API_PORT"] = str(port)
    stack = Stack(settings=base, env=env, logs=logs)

    def _terminate(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _terminate)
    try:
        typer.echo("docketline up")
        if "DOCKETLINE_BOOTSTRAP_SERVERS" in os.environ:
            bootstrap = base.bootstrap_servers
            typer.echo(f"  using Kafka at {bootstrap}")
        else:
            from services.kafka_local.manager import LocalKafka

            manager = LocalKafka()
            kdir = data_dir / "kafka"
            current = manager.status(kdir)
            if current.running and current.bootstrap:
                bootstrap = current.bootstrap
                typer.echo(f"  reusing local Kafka at {bootstrap}")
            else:
                typer.echo(
                    "  starting local Kafka (first run fetches the broker jars from Maven Central) ..."
                )
                bootstrap = manager.start(
                    port=kafka_port, data_dir=kdir, partitions=base.partitions
                )
                stack.started_kafka = True
                typer.echo(f"  Kafka ready at {bootstrap}")
        env["DOCKETLINE_BOOTSTRAP_SERVERS"] = bootstrap
        settings = load_settings(bootstrap_servers=bootstrap, data_dir=data_dir, api_port=port)
        stack.settings = settings

        from services.kafka.clients import check_connection_sync
        from services.kafka.topics import ensure_app_topics

        check_connection_sync(settings)

        asyncio.run(ensure_app_topics(settings))
        stack.spawn("worker", "worker", "-l", "warn")
        stack.spawn("api", "api", "--port", str(port))
        if not no_dispatcher:
            stack.spawn("dispatcher", "dispatcher")
        if _rss_configured():
            stack.spawn("watch-rss", "watch", "rss")
        for name, args in configured_watchers(settings):
            stack.spawn(name, *args)
        api = f"http://{settings.api_host}:{port}"
        _wait_http(f"{api}/healthz", stack, timeout=60)

        if demo:
            files = demo_files()
            typer.echo(f"  ingesting {len(files)} demo file(s) ...")
            ingest = subprocess.run(
                [sys.executable, "-m", "services.cli", "ingest", *map(str, files)],
                env=env,
                capture_output=True,
                text=True,
            )
            for line in (ingest.stdout + ingest.stderr).strip().splitlines():
                typer.echo(f"    {line}")
            if ingest.returncode != 0:
                raise RuntimeError(f"demo ingest failed with exit code {ingest.returncode}")
            case = _wait_reference_case(api, stack, timeout=120)
            disposition = case.get("disposition")
            kind = disposition.get("type") if isinstance(disposition, dict) else None
            typer.echo(f"  {REFERENCE_CASE}: {case.get('status')} ({kind})")

        typer.echo("Ready. Ctrl-C stops everything.")
        typer.echo(f"Dashboard: {api}/")
        while True:
            stack.check_children()
            time.sleep(1)
    except KeyboardInterrupt:
        typer.echo("stopping ...")
    except Exception as exc:
        typer.echo(f"error: {exc}", err=True)
        stack.stop()
        raise typer.Exit(1) from exc
    stack.stop()
