"""The ``docketline`` command: one entry point for every part of the service."""

from __future__ import annotations

import typer

from services.kafka_local.cli import kafka_app
from services.processor.cli import worker_command

app = typer.Typer(
    name="docketline",
    help="Event-sourced litigation timelines: docket events on Kafka, case status, alerts.",
    no_args_is_help=True,
    add_completion=False,
)



@app.callback()
def _root() -> None:
    """Event-sourced litigation timelines: docket events on Kafka, case status, alerts.

    Settings come from the environment (DOCKETLINE_BOOTSTRAP_SERVERS,
    DOCKETLINE_DATA_DIR, DOCKETLINE_API_PORT, ...); see the README.
    """


app.command("worker")(worker_command)
app.add_typer(kafka_app, name="kafka")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
