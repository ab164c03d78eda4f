"""``docketline api`` and ``docketline case``: command functions the main CLI wires in."""

from __future__ import annotations

import datetime as dt
import logging
import sys
from typing import Annotated, Any

import httpx
import typer
from fastapi import FastAPI
from rich.console import Console
from rich.table import Table

from services.api.app import create_app
from services.api.workers import serve
from services.ingest.courtlistener_worker import WebhookConfig
from services.kafka.clients import check_connection_sync
from services.readmodel.store import open_read_model
from services.settings import Settings, load_settings

_OUT = Console()
_ERR = Console(stderr=True)


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from exc


def api_command(
    port: Annotated[
        int | None,
        typer.Option("--port", min=0, max=65535, help="Port (default: DOCKETLINE_API_PORT, 8000)."),
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=1,
            max=64,
            help="API processes on the one port (the first also keeps the read model in step).",
        ),
    ] = 1,
) -> None:
    """Serve the read API (and keep its read model in step with Kafka)."""
    settings = load_settings() if port is None else load_settings(api_port=port)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    check_connection_sync(settings)
    if workers > 1:
        # layout checks and added indexes once, before the processes open the file
        open_read_model(settings).close()
    _ERR.print(
        f"docketline API on http://{settings.api_host}:{settings.api_port} (OpenAPI at /docs)"
        + (f", {workers} processes" if workers > 1 else "")
    )
    serve(
        lambda index: worker_app(settings, index, workers),
        host=settings.api_host,
        port=settings.api_port,
        workers=workers,
        log_level="info",
    )


SHARED_INBOX_POLL_SECONDS = 1.0
"""How often process 0 looks into the CourtListener inbox when other processes fill it
(they cannot wake its loop the way a delivery to process 0 itself does)."""


def worker_app(settings: Settings, index: int, workers: int) -> FastAPI:
    """Process ``index`` of ``docketline api --workers N``: every process serves; only
    process 0 runs the background loops that must exist once per data directory (the
    read model's feeder, the CourtListener inbox's publisher)."""
    app = create_app(settings, start_feeder=index == 0, publish_courtlistener=index == 0)
    if index == 0 and workers > 1:
        app.state.courtlistener_ingest_config = WebhookConfig(idle_poll=SHARED_INBOX_POLL_SECONDS)
    return app


def api_base_url(settings: Settings) -> str:
    """Where a local client reaches the API (a wildcard bind address is reached via loopback)."""
    host = settings.api_host
    if host in ("0.0.0.0", "", "::"):
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{settings.api_port}"


def case_command(
    case_id: Annotated[str, typer.Argument(help="e.g. cand:5:25-cv-00709")],
    as_of: Annotated[
        dt.date | None,
        typer.Option(
            "--as-of",
            parser=_date,
            metavar="DATE",
            help="YYYY-MM-DD: the case as it stood that day.",
        ),
    ] = None,
    json: Annotated[bool, typer.Option("--json", help="Print the API's JSON as it is.")] = False,
) -> None:
    """Show one case's status and history, read from the running API."""
    settings = load_settings()
    base = api_base_url(settings)
    params = {"as_of": as_of.isoformat()} if as_of else {}
    try:
        with httpx.Client(base_url=base, timeout=10.0) as client:
            response = client.get(f"/api/cases/{case_id}", params=params)
    except httpx.TransportError as exc:
        _ERR.print(
            f"[red]cannot reach the docketline API at {base}[/red] ({type(exc).__name__}: {exc}).\n"
            "Start it with `docketline api` (or `docketline up`), or point DOCKETLINE_API_HOST / "
            "DOCKETLINE_API_PORT at it."
        )
        raise typer.Exit(3) from exc
    if response.status_code != 200:
        _ERR.print(f"[red]{response.status_code}[/red]: {_error_text(response)}")
        raise typer.Exit(1 if response.status_code == 404 else 2)
    if json:
        sys.stdout.write(response.text + "\n")
        return
    _print_case(response.json())


def _error_text(response: httpx.Response) -> str:
    try:
        detail = response.json().get("detail")
    except ValueError:
        return response.text
    if isinstance(detail, list):
        return "; ".join(f"{'.'.join(map(str, d.get('loc', [])))}: {d.get('msg')}" for d in detail)
    return str(detail)


def _disposition_text(d: dict[str, Any] | None) -> str:
    if not d:
        return ""
    text = f"{d['type']}, prejudice {d['prejudice']}"
    return f"{text} (FJC {d['fjc_code']})" if d.get("fjc_code") is not None else text


def _print_case(case: dict[str, Any]) -> None:
    title = case.get("case_name") or case["case_id"]
    as_of = f" as of {case['as_of']}" if case.get("as_of") else ""
    _OUT.print(f"[bold]{title}[/bold]  {case['case_id']}{as_of}")
    status = case["status"].upper()
    disp = _disposition_text(case.get("disposition"))
    _OUT.print(f"status: [bold]{status}[/bold]" + (f" — {disp}" if disp else ""))
    _OUT.print(
        f"filed {case.get('date_filed') or '?'}"
        + (f", terminated {case['date_terminated']}" if case.get("date_terminated") else "")
        + f"; {case['entry_count']} entries"
        + ("; class action" if case.get("flags", {}).get("class_action") else "")
    )
    table = Table("date", "status", "disposition", "event")
    for h in case.get("status_history", []):
        table.add_row(
            h["date"], h["status"], _disposition_text(h.get("disposition")), h["event_id"]
        )
    _OUT.print(table)
