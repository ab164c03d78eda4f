"""``docketline kafka ...``: a local Apache Kafka for development and tests.

``start`` prints the bootstrap address on its last stdout line, so scripts can
do ``BOOTSTRAP=$(docketline kafka start --port 0 | tail -n1)``. ``start
--secure`` instead ends with the ``DOCKETLINE_*=value`` lines a client needs
(bootstrap, SASL_SSL, SCRAM user and password, CA file), ready for
``set -a; . <data dir>/client.env; set +a``. Progress and errors go to stderr.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from services.kafka_local.config import KAFKA_VERSION
from services.kafka_local.errors import LocalKafkaError
from services.kafka_local.manager import LocalKafka, default_data_dir

kafka_app = typer.Typer(
    name="kafka",
    help=(
        f"A local single-node Apache Kafka {KAFKA_VERSION} (KRaft) on 127.0.0.1, run from "
        "Maven Central jars with Java 17 (no Docker). Several can run side by side on "
        "different ports and data directories."
    ),
    no_args_is_help=True,
    add_completion=False,
)

DataDirOption = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help="The broker's directory (config, topics, log, PID). "
        "Default: $DOCKETLINE_DATA_DIR/kafka, i.e. .docketline/kafka.",
        file_okay=False,
        show_default=False,
    ),
]


def _fail(exc: LocalKafkaError) -> typer.Exit:
    typer.echo(f"error: {exc}", err=True)
    return typer.Exit(1)


@kafka_app.command()
def start(
    port: Annotated[
        int,
        typer.Option(min=0, max=65535, help="Broker port on 127.0.0.1; 0 picks a free one."),
    ] = 9092,
    data_dir: DataDirOption = None,
    partitions: Annotated[
        int, typer.Option(min=1, help="Default partition count of auto-created topics.")
    ] = 4,
    timeout: Annotated[
        float,
        typer.Option(min=1, help="Seconds to wait for the broker to answer a metadata request."),
    ] = 60.0,
    secure: Annotated[
        bool,
        typer.Option(
            "--secure",
            help="Serve clients on SASL_SSL only (SCRAM-SHA-512 or PLAIN over TLS, a throwaway "
            "CA made in the data dir) and print the DOCKETLINE_* settings a client needs. A "
            "data dir keeps the mode of its first start.",
        ),
    ] = False,
) -> None:
    """Start the broker (fetching the jars on first use) and wait until it answers.

    The storage is formatted on the first start of a data directory only, so
    topics survive a stop/start. Prints the bootstrap address on the last line,
    or with --secure the DOCKETLINE_* settings as the last lines.
    """
    manager = LocalKafka(ready_timeout=timeout)
    directory = data_dir or default_data_dir()
    current = manager.status(directory)
    try:
        if current.running:
            manager.start(data_dir=directory, secure=secure)  # refuses a mode mismatch
            typer.echo(f"already running: pid {current.pid}, data dir {current.data_dir}")
        else:
            manager.start(port=port, data_dir=directory, partitions=partitions, secure=secure)
            current = manager.status(directory)
            typer.echo(
                f"Kafka {KAFKA_VERSION} running: pid {current.pid}, data dir {current.data_dir}, "
                f"log {current.log_file}"
            )
    except LocalKafkaError as exc:
        raise _fail(exc) from exc
    _print_client_settings(manager, directory, current.bootstrap)


def _print_client_settings(manager: LocalKafka, directory: Path, bootstrap: str | None) -> None:
    """The bootstrap address, or for a secure broker the DOCKETLINE_* lines, last."""
    if not manager.status(directory).secure:
        typer.echo(bootstrap)
        return
    for name, value in manager.client_settings(directory).items():
        typer.echo(f"{name}={value}")


@kafka_app.command()
def stop(data_dir: DataDirOption = None) -> None:
    """Stop the broker of a data directory (SIGTERM, SIGKILL after 30 s). Safe to repeat."""
    directory = data_dir or default_data_dir()
    try:
        stopped = LocalKafka().stop(directory)
    except LocalKafkaError as exc:
        raise _fail(exc) from exc
    if stopped:
        typer.echo(f"stopped the broker of {directory.resolve()}")
    else:
        typer.echo(f"no broker running for {directory.resolve()}")


@kafka_app.command()
def status(data_dir: DataDirOption = None) -> None:
    """Whether the broker of a data directory runs. Exit code 0 running, 1 not."""
    current = LocalKafka().status(data_dir or default_data_dir())
    if not current.running:
        typer.echo(f"not running (data dir {current.data_dir})")
        raise typer.Exit(1)
    typer.echo(f"running: pid {current.pid}, data dir {current.data_dir}, log {current.log_file}")
    _print_client_settings(LocalKafka(), current.data_dir, current.bootstrap)


@kafka_app.command()
def fetch() -> None:
    """Download the broker's jars now (once, ~30 s), so later starts need no network.

    Cached in $DOCKETLINE_KAFKA_CACHE/<version>, default ~/.cache/docketline/kafka/<version>.
    """
    try:
        libs = LocalKafka().fetch_jars()
    except LocalKafkaError as exc:
        raise _fail(exc) from exc
    typer.echo(str(libs))
