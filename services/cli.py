"""The ``docketline`` command: one entry point for every part of the service."""

from __future__ import annotations

import typer

from services.api.cli import api_command, case_command
from services.bench_cli import bench_command
from services.consistency.cli import check_command
from services.dispatcher.cli import dispatcher_command
from services.evaluation.cli import eval_command
from services.ingest.cli import ingest_command
from services.ingest.watch.cli import watch_app
from services.kafka_local.cli import kafka_app
from services.processor.cli import worker_command
from services.rebuild import rebuild_command
from services.up import up_command

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


app.add_typer(kafka_app, name="kafka")
app.add_typer(watch_app, name="watch")
app.command("up")(up_command)
app.command("worker")(worker_command)
app.command("api")(api_command)
app.command("ingest")(ingest_command)
app.command("case")(case_command)
app.command("dispatcher")(dispatcher_command)
app.command("eval")(eval_command)
app.command("check")(check_command)
app.command("bench")(bench_command)
app.command("rebuild")(rebuild_command)


def main() -> None:
    from pydantic import ValidationError

    from services.kafka.clients import KafkaConnectError

    try:
        app()
    except KafkaConnectError as exc:  # a wrong address, CA or password: one line, no traceback
        typer.echo(f"error: cannot use Kafka: {exc}", err=True)
        raise SystemExit(3) from None
    except ValidationError as exc:
        if not exc.title.endswith("Settings"):
            raise
        for problem in exc.errors():
            where = "".join(f"{p}: " for p in problem["loc"])
            message = problem["msg"].removeprefix("Value error, ")
            typer.echo(f"error: settings: {where}{message}", err=True)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
