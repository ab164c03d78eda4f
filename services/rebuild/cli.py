"""``docketline rebuild``: recompute every projection from docket.events."""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from services.kafka.clients import check_connection_sync
from services.rebuild.report import RebuildReport
from services.settings import load_settings


class _RichProgress:
    """One rich progress bar per stage, on stderr."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._task: TaskID | None = None
        self._done = 0

    def stage(self, name: str, total: int | None = None) -> None:
        self.finish()
        self._task = self._progress.add_task(name, total=total)
        self._done = 0

    def advance(self, n: int) -> None:
        if self._task is not None:
            self._done += n
            self._progress.advance(self._task, n)

    def finish(self) -> None:
        """Mark the current stage complete (a compacted topic holds fewer records than its offsets span)."""
        if self._task is not None:
            self._progress.update(self._task, total=self._done, completed=self._done)
            self._task = None


def _changes_table(report: RebuildReport, top: int) -> Table:
    title = f"cases whose status or disposition changed (first {min(top, report.changed)} of {report.changed})"
    if report.reclassified:
        return _reclassified_table(report, top, title)
    table = Table(title=title)
    for column in ("case", "before", "after", "why"):
        table.add_column(column)
    for change in report.changes[:top]:
        table.add_row(change.case_id, change.before, change.after, ", ".join(change.why))
    return table


def _reclassified_table(report: RebuildReport, top: int, title: str) -> Table:
    """With --reclassify: each changed case with the entry the new rules read differently."""
    table = Table(title=title)
    for column in (
        "case",
        "before -> after",
        "deciding entry",
        "old -> new reading (rule)",
        "text",
    ):
        table.add_column(column, overflow="fold")  # wrapped, never cut
    for case in report.reclassified[:top]:
        e = case.entry
        if e is None:
            table.add_row(
                case.case_id, f"{case.before} -> {case.after}", "-", ", ".join(case.why), ""
            )
            continue
        number = f" #{e.document_number}" if e.document_number is not None else ""
        old = str(e.old) if e.old is not None else "?"
        table.add_row(
            case.case_id,
            f"{case.before} -> {case.after}",
            f"{e.date}{number}",
            f"{old} -> {e.new}",
            e.text,
        )
    return table


def rebuild_command(
    reclassify: Annotated[
        bool,
        typer.Option(
            "--reclassify", help="Re-read every stored docket text with the current classifier."
        ),
    ] = False,
    emit_alerts: Annotated[
        bool,
        typer.Option(
            "--emit-alerts", help="Send alerts for the cases whose status or disposition changes."
        ),
    ] = False,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run", help="Report what would change; write nothing (workers may run)."
        ),
    ] = False,
    read_model: Annotated[
        bool,
        typer.Option(
            "--read-model/--no-read-model", help="Reset and refill the read model in DATA_DIR."
        ),
    ] = True,
    read_model_only: Annotated[
        bool,
        typer.Option(
            "--read-model-only",
            help="Only reset and refill this machine's read model (API hosts after a --reclassify rebuild).",
        ),
    ] = False,
    keep_local_tables: Annotated[
        bool,
        typer.Option(
            "--keep-local-tables",
            help="Keep this machine's processor table files (workers then replay the changelog from their offset).",
        ),
    ] = False,
    drop_orphans: Annotated[
        bool,
        typer.Option(
            "--drop-orphans", help="Delete live projections that have no events in the log."
        ),
    ] = False,
    wait_idle: Annotated[
        float,
        typer.Option(
            "--wait-idle",
            min=0,
            help="Seconds to wait for the processor's consumer group to empty.",
        ),
    ] = 0.0,
    top: Annotated[int, typer.Option("--top", min=0, help="Changed cases to list.")] = 20,
    timeout: Annotated[
        float, typer.Option("--timeout", min=1, help="Seconds allowed for each read of a topic.")
    ] = 600.0,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print the report as JSON on stdout.")
    ] = False,
    jobs: Annotated[
        int,
        typer.Option(
            "--jobs",
            min=0,
            help="Processes folding the log, each a share of the partitions (0: one per core; 1: no extra "
            "process). --reclassify and --emit-alerts fold in one process.",
        ),
    ] = 0,
) -> None:
    """Recompute every projection from docket.events and reseed the processor and the read model.

    Stop every `docketline worker` first (the rebuild refuses while the
    processor's consumer group has members). Changed snapshots are written to
    case.states and changed memories to the processor table's private changelog
    (processor.case-memory); a log the old processor wrote (CaseState v1 on
    case.states, no private changelog) is migrated so. Records the workers never
    acknowledged are processed (their alerts sent) and their offsets committed;
    this machine's table files are removed so workers recover from the
    changelog; the read model in DATA_DIR is reset and refilled. Alerts for
    changed statuses are sent only with --emit-alerts. Exit code 1 on failure,
    2 when workers are running.
    """
    from services.rebuild.run import Options, RebuildError, WorkersRunning, run_rebuild

    err = Console(stderr=True, highlight=False, soft_wrap=True)
    options = Options(
        reclassify=reclassify,
        emit_alerts=emit_alerts,
        dry_run=dry_run,
        read_model=read_model,
        read_model_only=read_model_only,
        remove_local_tables=not keep_local_tables,
        drop_orphans=drop_orphans,
        wait_idle=wait_idle,
        timeout=timeout,
        jobs=jobs,
    )
    columns: list[Any] = [
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    ]
    settings = load_settings()
    check_connection_sync(settings)
    try:
        with Progress(*columns, console=err, transient=False, refresh_per_second=2) as bar:
            sink = _RichProgress(bar)
            report = asyncio.run(run_rebuild(settings, options, sink))
            sink.finish()
    except WorkersRunning as exc:
        err.print(f"[red]rebuild refused[/red]: {exc}")
        raise typer.Exit(2) from exc
    except RebuildError as exc:
        err.print(f"[red]rebuild failed[/red]: {exc}")
        raise typer.Exit(1) from exc
    if json_out:
        from schemas.codec import dumps

        typer.echo(dumps({**asdict(report), "changed": report.changed}).decode())
        return
    out = Console(highlight=False, soft_wrap=True)
    for line in report.lines():
        out.print(line, markup=False)
    if report.changes and top:
        out.print(_changes_table(report, top))
