"""``docketline check``."""

from __future__ import annotations

import asyncio

import typer

from services.settings import load_settings


def check_command(
    json_out: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    reclassify: bool = typer.Option(
        False,
        "--reclassify",
        help="Expect projections rebuilt with `docketline rebuild --reclassify`.",
    ),
) -> None:
    """Fold docket.events with the pure core and compare with case.states and case.alerts.

    Reports, per case, lost / doubled / misordered events and stale versions,
    and alerts missing from or unexpected on case.alerts. Exit code 1 when
    anything differs. Alert ids seen more than once on the topic are listed as
    redeliveries (at-least-once; every consumer de-duplicates by id).
    """
    from dataclasses import asdict

    from schemas.codec import dumps
    from services.consistency.check import check, report_lines
    from services.kafka.clients import check_connection_sync

    settings = load_settings()
    check_connection_sync(settings)
    report = asyncio.run(check(settings, reclassify=reclassify))
    if json_out:
        typer.echo(dumps(asdict(report)).decode())
    else:
        for line in report_lines(report):
            typer.echo(line)
    raise typer.Exit(0 if report.ok else 1)
