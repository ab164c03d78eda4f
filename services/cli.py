"""The ``docketline`` command: one entry point for every part of the service."""

from __future__ import annotations

import typer

from services.processor.cli import worker_command

app = typer.Typer(
    name="docketline",
    help="Event-sourced litigation timelines: docket events on Kafka, case status, alerts.",
    no_args_is_help=True,
    add_completion=False,
)

app.command("worker")(worker_command)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
