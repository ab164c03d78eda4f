"""``docketline rebuild`` (read-model part): drop the read model and replay the log into it."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from rich.console import Console

from services.kafka.clients import check_connection_sync
from services.readmodel.feeder import Feeder, FeederTimeout
from services.readmodel.store import ReadModel, open_read_model, read_model_path
from services.settings import Settings, load_settings

_ERR = Console(stderr=True)


async def rebuild(settings: Settings, store: ReadModel, timeout: float) -> dict[str, int]:
    """Reset ``store`` and feed it until it has caught up with the log; return its row counts.

    Safe while an API is serving from the same file: its feeder notices the
    reset and re-reads too, and every write is idempotent.
    """
    await asyncio.to_thread(store.reset)
    feeder = Feeder(settings, store)
    feeder.start()
    try:
        await feeder.wait_caught_up(timeout)
        status = feeder.status()
    finally:
        await feeder.stop()
    failures = sum(status.decode_failures.values())
    if failures:
        _ERR.print(
            f"[yellow]{failures} undecodable records skipped[/yellow]: {dict(status.decode_failures)}"
        )
    return await asyncio.to_thread(store.counts)


def rebuild_read_model_command(
    timeout: Annotated[
        float,
        typer.Option("--timeout", min=1, help="Seconds to wait for the read model to catch up."),
    ] = 600.0,
) -> None:
    """Drop the read model and rebuild it from Kafka's output topics."""
    settings = load_settings()
    check_connection_sync(settings)
    store = open_read_model(settings)
    try:
        counts = asyncio.run(rebuild(settings, store, timeout))
    except FeederTimeout as exc:
        _ERR.print(f"[red]read model rebuild incomplete[/red]: {exc}")
        raise typer.Exit(1) from exc
    finally:
        store.close()
    typer.echo(
        f"read model rebuilt at {read_model_path(settings)}: "
        f"{counts['cases']} cases, {counts['events']} events, {counts['alerts']} alerts"
    )
