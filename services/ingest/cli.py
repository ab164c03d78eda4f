"""``docketline ingest PATH...``: parse, validate, classify and publish docket events.

The one place the ingest part is wired up: settings are read once, the sink
(Kafka, or printing for ``--dry-run``), the ledger and the rejected-records
report are built here and handed to :func:`services.ingest.publisher.run_ingest`.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from schemas.events import DocketEvent
from services.ingest.formats import FORMAT_CHOICES, discover, parse_file
from services.ingest.ledger import Ledger, LedgerError
from services.ingest.publisher import (
    EventSink,
    IngestSummary,
    KafkaEventSink,
    PrintSink,
    PublishError,
    run_ingest,
)
from services.ingest.records import IngestError, ParseResult, Rejected
from services.ingest.rejects import RejectReport
from services.kafka.clients import KafkaConnectError, check_connection_sync
from services.settings import Settings, load_settings

MAX_PRINTED_REJECTS = 50
PROGRESS_EVERY_S = 2.0


class InputFormat(StrEnum):
    """The ``--format`` choices (``services.ingest.formats.FORMAT_CHOICES``)."""

    AUTO = "auto"
    JSONL = "jsonl"
    COURTLISTENER = "courtlistener"
    PACER_RSS = "pacer-rss"
    NEF = "nef"


assert tuple(InputFormat) == FORMAT_CHOICES, "InputFormat must list every adapter"


def ingest_command(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="Files or directories (walked recursively, sorted).", show_default=False
        ),
    ],
    format: Annotated[
        InputFormat,
        typer.Option(
            "--format",
            "-f",
            help="Input format; 'auto' detects it per file from content and extension.",
        ),
    ] = InputFormat.AUTO,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run", help="Parse, validate, classify and print; no Kafka, no files written."
        ),
    ] = False,
    no_ledger: Annotated[
        bool,
        typer.Option(
            "--no-ledger", help="Publish even events the local ledger says were published."
        ),
    ] = False,
) -> None:
    """Parse, validate, classify and publish docket events to the docket.events topic.

    Formats: native JSONL events, CourtListener/juriscraper docket JSON, PACER
    RSS XML, PACER NEF e-mail (.eml/.txt) or NEF HTML page.

    Prints the events published, duplicates skipped (already sent in this run,
    or recorded in the local ledger DATA_DIR/ingest-ledger.sqlite after the
    broker acknowledged them) and records rejected, each with file and line or
    item and the reason; rejected records are also written, raw bytes included,
    to DATA_DIR/rejected/ingest-*.jsonl.

    Exit status: 0 when the input held valid events and all of them are on
    the topic (published now, or already published: a re-run exits 0 with a
    note), even if other records were rejected; 1 when nothing could be
    published (the input was empty or every record was rejected), when the
    broker did not acknowledge an event, or when Kafka cannot be reached;
    2 for a missing path or a bad option.
    """
    settings = load_settings()
    missing = [p for p in paths if not p.exists()]
    if missing:
        typer.echo(f"error: no such file or directory: {', '.join(map(str, missing))}", err=True)
        raise typer.Exit(2)
    if not dry_run:
        try:
            check_connection_sync(settings)
        except KafkaConnectError as exc:  # exit 1 when Kafka cannot be reached (above)
            typer.echo(f"error: cannot use Kafka: {exc}", err=True)
            raise typer.Exit(1) from exc
    code = run(settings, paths, str(format), dry_run=dry_run, use_ledger=not no_ledger)
    raise typer.Exit(code)


def run(settings: Settings, paths: list[Path], fmt: str, *, dry_run: bool, use_ledger: bool) -> int:
    """The command without typer: returns the exit status (tests call this)."""
    err = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)
    out = Console(highlight=False, soft_wrap=True, emoji=False)
    skipped: list[str] = []
    printed = 0

    def on_rejected(r: Rejected) -> None:
        nonlocal printed
        if report is not None:
            report.add(r)
        if printed < MAX_PRINTED_REJECTS:
            err.print(f"rejected {r.where}: {r.reason}", markup=False)
        printed += 1

    report = None if dry_run else RejectReport(settings.data_dir / "rejected")
    ledger: Ledger | None = None
    try:
        if use_ledger and not dry_run:
            ledger = Ledger.in_data_dir(settings.data_dir)
        sink: EventSink | None = (
            PrintSink(settings.topic_events, _printer(out)) if dry_run else None
        )
        with _Progress(err) as progress:
            summary = asyncio.run(
                _ingest(
                    settings, _records(paths, fmt, skipped), sink, ledger, on_rejected, progress
                )
            )
    except (PublishError, LedgerError) as exc:
        err.print(f"error: {exc}", markup=False)
        return 1
    finally:
        if report is not None:
            report.close()
        if ledger is not None:
            ledger.close()

    if printed > MAX_PRINTED_REJECTS:
        err.print(f"... and {printed - MAX_PRINTED_REJECTS} more rejected records", markup=False)
    for failure in summary.failures[:MAX_PRINTED_REJECTS]:
        err.print(f"failed {failure}", markup=False)
    if skipped:
        shown = ", ".join(skipped[:5]) + (", ..." if len(skipped) > 5 else "")
        err.print(
            f"skipped {len(skipped)} file(s) that are not an input format: {shown}", markup=False
        )
    out.print(summary.line(), markup=False)
    if report is not None and report.written:
        out.print(f"rejected records written to {report.path}", markup=False)
    note = summary.note()
    if note:
        out.print(f"note: {note}", markup=False)
    return summary.exit_code()


async def _ingest(
    settings: Settings,
    records: Iterator[ParseResult],
    sink: EventSink | None,
    ledger: Ledger | None,
    on_rejected: Callable[[Rejected], None],
    on_progress: Callable[[IngestSummary], None],
) -> IngestSummary:
    if sink is not None:
        return await run_ingest(
            records, sink, on_rejected=on_rejected, on_progress=on_progress, dry_run=True
        )
    async with KafkaEventSink(settings) as kafka:
        return await run_ingest(
            records, kafka, ledger=ledger, on_rejected=on_rejected, on_progress=on_progress
        )


def _records(paths: list[Path], fmt: str, skipped: list[str]) -> Iterator[ParseResult]:
    """All records of all paths; an unreadable file becomes a rejected record, not a crash."""
    for path in paths:
        try:
            items = list(discover(path, fmt))
        except IngestError as exc:
            yield Rejected(str(path), str(exc), None)
            continue
        for item in items:
            if item.format is None:
                if path.is_dir():
                    skipped.append(str(item.path))
                else:
                    yield Rejected(str(item.path), item.note or "unrecognised format", None)
                continue
            try:
                yield from parse_file(item.path, item.format)
            except IngestError as exc:
                yield Rejected(str(item.path), str(exc), None)


def _printer(out: Console) -> Callable[[DocketEvent], None]:
    def show(event: DocketEvent) -> None:
        entry = event.data.entry
        doc = f"#{entry.document_number}" if entry.document_number is not None else "-"
        text = entry.text if len(entry.text) <= 90 else entry.text[:87] + "..."
        out.print(
            f"{event.subject}  {entry.date_filed}  {doc:>5}  {event.type:<17}  {text}",
            markup=False,
        )

    return show


class _Progress:
    """Progress on stderr: a live spinner on a terminal, a line every few seconds otherwise."""

    def __init__(self, err: Console) -> None:
        self._err = err
        self._live: Progress | None = None
        self._task: int | None = None
        self._last = time.monotonic()

    def __enter__(self) -> Callable[[IngestSummary], None]:
        if self._err.is_terminal:
            self._live = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                TimeElapsedColumn(),
                console=self._err,
                transient=True,
            )
            self._live.start()
            self._task = self._live.add_task("reading ...", total=None)
        return self.update

    def update(self, s: IngestSummary) -> None:
        text = f"{s.records} records: {s.line()}"
        if self._live is not None and self._task is not None:
            self._live.update(self._task, description=text)  # type: ignore[arg-type]
            return
        now = time.monotonic()
        if now - self._last >= PROGRESS_EVERY_S:
            self._last = now
            print(f"ingest: {text}", file=sys.stderr, flush=True)

    def __exit__(self, *exc_info: object) -> None:
        if self._live is not None:
            self._live.stop()
