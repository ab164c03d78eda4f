"""``docketline worker``: run one processor worker (scale out by running more)."""

from __future__ import annotations

import asyncio
import logging

import typer

from services.settings import load_settings


def worker_command(
    loglevel: str = typer.Option("info", "--loglevel", "-l", help="crit|error|warn|info|debug"),
    web_port: int | None = typer.Option(
        None, "--web-port", help="Serve faust's web views (table routes, stats) on this port."
    ),
    supervise: bool = typer.Option(
        True,
        "--supervise/--no-supervise",
        help="Run the faust worker as a child process and restart it (with backoff) when it crashes, "
        "e.g. when the broker restarts. Use --no-supervise under systemd/Kubernetes/compose restart policies.",
    ),
    max_restarts: int | None = typer.Option(
        None, "--max-restarts", min=0, help="Give up after this many restarts (default: never)."
    ),
    supervised_child: bool = typer.Option(False, "--supervised-child", hidden=True),
) -> None:
    """Run a processor worker: fold docket.events into case states and alerts.

    Reads DOCKETLINE_BOOTSTRAP_SERVERS and DOCKETLINE_DATA_DIR; tables live in
    DATA_DIR/processor. Prometheus metrics on DOCKETLINE_PROCESSOR_METRICS_PORT. Several workers share the partitions (Kafka consumer group).
    By default the worker is restarted when it crashes (see --no-supervise).
    """
    import faust

    from services.kafka.clients import check_connection_sync
    from services.kafka.topics import ensure_app_topics
    from services.processor.app import (
        NeedsMigrationError,
        build_processor,
        configure_gc,
        leave_group_after_clean_stop,
        refuse_unmigrated,
    )

    settings = load_settings()
    logging.basicConfig(level=logging.INFO)
    # The start checks, once, by the process the user started (the supervisor, or the worker
    # under --no-supervise): a wrong address, CA or password, or an unmigrated log, stops here
    # and not in a restart loop. A child the supervisor restarts skips them: it is often
    # restarted because the broker went away, and must then wait for it in faust's own
    # reconnect, not fail the check and climb the backoff (seen: 32 s restarts after a
    # broker restart).
    if not supervised_child:
        check_connection_sync(settings)
        try:
            asyncio.run(refuse_unmigrated(settings))
        except NeedsMigrationError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
    if supervise:
        from services.processor.supervise import child_command
        from services.processor.supervise import supervise as run_supervised

        argv = ["--loglevel", loglevel] + (
            ["--web-port", str(web_port)] if web_port is not None else []
        )
        raise typer.Exit(run_supervised(child_command(argv), max_restarts=max_restarts))
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    loop.run_until_complete(ensure_app_topics(settings))
    proc = build_processor(settings, web_port=web_port)
    proc.serve_metrics()  # Prometheus, on DOCKETLINE_PROCESSOR_METRICS_PORT (0: none)
    configure_gc()  # the worker collects its oldest generation itself (services.processor.app)
    worker = faust.Worker(proc.app, loglevel=loglevel, loop=loop)
    # faust's terminal spinner (on at -l warn and above) sets the root logger to DEBUG
    # so that it can spin on every record: every debug line of faust and aiokafka is
    # then built and handled per send, ~20 % of the worker's CPU (see bench/README.md).
    worker.spinner = None
    try:
        worker.execute_from_commandline()
    except SystemExit as stop:
        if stop.code in (0, None):  # a clean stop (SIGTERM/SIGINT), not a crash
            leave_group_after_clean_stop(settings)
        raise


def main() -> None:
    """``python -m services.processor.cli``: the worker without importing the rest of the CLI.

    The supervisor starts its child this way: ``services.cli`` imports every
    command's module (the API's FastAPI app among them), 1-2.5 s of a restart
    on a loaded 2-core machine that the worker never uses.
    """
    typer.run(worker_command)


if __name__ == "__main__":
    main()
