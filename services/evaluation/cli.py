"""``docketline eval PATH...``: the accuracy report on labelled dockets, as a table or JSON."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from services.core.classify import CLASSIFIER_VERSION
from services.core.entry_classes import MILESTONE_CLASSES
from services.evaluation.deadlines import DeadlineReport, evaluate_deadlines
from services.evaluation.entries import STATUS_CHANGING, EntryReport, evaluate_entries
from services.evaluation.evaluate import Report, evaluate
from services.evaluation.labels import LabelError
from services.evaluation.metrics import ClassMetrics

DEFAULT_LABELS = Path("tests/labels/dockets.json")
"""Where the project keeps its labels, relative to a checkout (used when --labels is not given)."""
DEFAULT_ENTRY_LABELS = Path("tests/labels/entries.json")
"""The entry-level labels, relative to a checkout (used when --entry-labels is not given)."""
HELD_OUT_ENTRY_LABELS = Path("tests/labels/entry-classes-held-out.json")
"""Entry-class labels of entries the entry rows were never tuned on (read when the file exists)."""
DEFAULT_DEADLINE_LABELS = Path("tests/labels/deadlines.json")
"""The deadline labels, relative to a checkout (used when --deadline-labels is not given)."""


def eval_command(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="Docket files or directories holding the labelled files (e.g. ../shared/data/juriscraper/dockets).",
            show_default=False,
        ),
    ],
    labels: Annotated[
        Path | None,
        typer.Option(
            "--labels",
            help=f"Label file (JSON list). Default: {DEFAULT_LABELS} in the current directory.",
        ),
    ] = None,
    entry_labels: Annotated[
        Path | None,
        typer.Option(
            "--entry-labels",
            help=f"Entry-level label file (JSON list). Default: {DEFAULT_ENTRY_LABELS} when it exists. "
            "Its paths are relative to the data root (a PATH or one of its two parents, "
            "e.g. ../shared/data/juriscraper).",
        ),
    ] = None,
    deadline_labels: Annotated[
        Path | None,
        typer.Option(
            "--deadline-labels",
            help=f"Deadline label file (JSON list). Default: {DEFAULT_DEADLINE_LABELS} when it exists; "
            "paths relative to the data root, as for --entry-labels.",
        ),
    ] = None,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print the report as JSON instead of tables.")
    ] = False,
) -> None:
    """Replay labelled dockets through the real ingest path and print per-class precision/recall and accuracies.

    Exits 1 when no labelled docket was found under PATH or a docket could not be read.
    """
    console = Console()
    label_file = labels if labels is not None else DEFAULT_LABELS
    if not label_file.is_file():
        console.print(f"[red]label file not found: {label_file}[/red] (pass --labels)")
        raise typer.Exit(2)
    entry_file = entry_labels if entry_labels is not None else DEFAULT_ENTRY_LABELS
    if entry_labels is not None and not entry_file.is_file():
        console.print(f"[red]entry label file not found: {entry_file}[/red]")
        raise typer.Exit(2)
    deadline_file = deadline_labels if deadline_labels is not None else DEFAULT_DEADLINE_LABELS
    if deadline_labels is not None and not deadline_file.is_file():
        console.print(f"[red]deadline label file not found: {deadline_file}[/red]")
        raise typer.Exit(2)
    try:
        report = evaluate(label_file, paths)
        entries = evaluate_entries(entry_file, paths) if entry_file.is_file() else None
        deadlines = evaluate_deadlines(deadline_file, paths) if deadline_file.is_file() else None
        held_out = (
            evaluate_entries(HELD_OUT_ENTRY_LABELS, paths, status=False)
            if HELD_OUT_ENTRY_LABELS.is_file()
            else None
        )
    except LabelError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    if json_out:
        out = {"classifier_version": CLASSIFIER_VERSION, **report.to_dict()}
        if entries is not None:
            out["entries"] = entries.to_dict()
        if deadlines is not None:
            out["deadlines"] = deadlines.to_dict()
        if held_out is not None:
            out["entry_classes_held_out"] = held_out.to_dict()["entry_classes"]
        print(json.dumps(out, indent=2))
    else:
        render(report, console)
        if entries is not None:
            render_entries(entries, console)
        if deadlines is not None:
            render_deadlines(deadlines, console)
        if held_out is not None and held_out.kind_results:
            render_entry_classes(held_out, console, "entry classes, held out (never tuned on)")
    if report.evaluated == 0 or any(c.error for c in report.cases):
        raise typer.Exit(1)


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}%"


def _class_table(title: str, rows: tuple[ClassMetrics, ...]) -> Table:
    table = Table(title=title, title_justify="left")
    for col in ("class", "support", "predicted", "correct", "precision", "recall"):
        table.add_column(col, justify="left" if col == "class" else "right")
    for m in rows:
        table.add_row(
            m.label,
            str(m.support),
            str(m.predicted),
            str(m.true_positives),
            _pct(m.precision),
            _pct(m.recall),
        )
    return table


def _marked_table(
    title: str, first: str, rows: Iterable[ClassMetrics], marked: Collection[str], mark: str
) -> Table:
    """Per-class figures with ``mark`` after the classes in ``marked``."""
    table = Table(title=title, title_justify="left")
    for col in (first, "support", "predicted", "correct", "precision", "recall"):
        table.add_column(col, justify="left" if col == first else "right")
    for m in rows:
        table.add_row(
            m.label + (mark if m.label in marked else ""),
            str(m.support),
            str(m.predicted),
            str(m.true_positives),
            _pct(m.precision),
            _pct(m.recall),
        )
    return table


def _misses(title: str, columns: tuple[str, ...], rows: Iterable[tuple[str, ...]]) -> Table:
    table = Table(title=title, title_justify="left", show_lines=True)
    for col in columns:
        table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(*row)
    return table


def render(report: Report, console: Console) -> None:
    """The human-readable report: summary, per-class tables, then every mismatch with its cause."""
    closed = sum(1 for c in report.cases if c.label.status == "closed")
    summary = Table(
        title=f"docketline eval (classifier {CLASSIFIER_VERSION})",
        title_justify="left",
        show_header=False,
    )
    summary.add_column("figure")
    summary.add_column("value", justify="right")
    summary.add_row("labelled dockets evaluated", str(report.evaluated))
    summary.add_row("status accuracy", _pct(report.status_accuracy))
    summary.add_row("disposition accuracy (all cases)", _pct(report.disposition_accuracy))
    summary.add_row(
        f"disposition accuracy (labelled closed, n={closed})",
        _pct(report.closed_disposition_accuracy),
    )
    summary.add_row(
        f"prejudice accuracy (labelled closed, n={closed})", _pct(report.prejudice_accuracy)
    )
    summary.add_row(
        f"false closings (labelled open or stayed, n={report.not_closed})",
        f"{len(report.false_closings)} ({_pct(report.false_closing_rate)})",
    )
    console.print(summary)
    console.print(_class_table("per status", report.status_classes))
    console.print(_class_table("per disposition type", report.disposition_classes))
    if report.mismatches:
        table = Table(title="mismatches", title_justify="left", show_lines=True)
        for col in ("file", "expected", "predicted", "why (entry behind the final status) / note"):
            table.add_column(col, overflow="fold")
        for c in report.mismatches:
            lab = c.label
            expected = " / ".join(str(x) for x in (lab.status, lab.disposition, lab.prejudice) if x)
            predicted = c.error or " / ".join(
                str(x) for x in (c.status, c.disposition, c.prejudice) if x
            )
            table.add_row(lab.file, expected, predicted, f"{c.cause or '-'}\nlabel: {lab.note}")
        console.print(table)
    else:
        console.print("[green]no mismatches[/green]")
    rejected = [(c.label.file, r) for c in report.cases for r in c.rejected]
    if rejected:
        console.print(f"[yellow]{len(rejected)} record(s) rejected by the ingest path:[/yellow]")
        for file, why in rejected[:20]:
            console.print(f"  {file}: {why}")
    if report.not_found:
        console.print(
            f"[yellow]{len(report.not_found)} labelled file(s) not under the given paths:[/yellow] "
            + ", ".join(lab.file for lab in report.not_found)
        )


def render_entries(report: EntryReport, console: Console) -> None:
    """Entry-level figures: per-class precision/recall (status-changing classes marked), then misses."""
    if report.root is None:
        console.print(
            "[yellow]entry labels: none of their files is under the given paths or their parents[/yellow]"
        )
        return
    console.print(
        f"entry labels: {report.evaluated} entries under {report.root}, "
        f"accuracy {_pct(report.accuracy)}, lowest precision of a status-changing class "
        f"{_pct(report.min_status_changing_precision)}"
    )
    console.print(
        _marked_table(
            "per entry class (* changes status)", "class", report.classes, STATUS_CHANGING, " *"
        )
    )
    if report.mismatches:
        console.print(
            _misses(
                "entry mismatches",
                ("file / entry", "expected", "predicted (rule)", "text / note"),
                [
                    (
                        f"{r.label.file}\n{r.label.entry_key}",
                        r.label.cls,
                        f"{r.predicted or 'not produced'} ({r.rule or '-'})",
                        f"{r.text[:160]}\nlabel: {r.label.note or '-'}",
                    )
                    for r in report.mismatches
                ],
            )
        )
    render_entry_classes(report, console)
    if report.missing_files:
        console.print(
            f"[yellow]{len(report.missing_files)} labelled file(s) not found:[/yellow] "
            + ", ".join(report.missing_files[:10])
        )


def render_entry_classes(
    report: EntryReport, console: Console, title: str = "entry classes"
) -> None:
    """Entry classes (docs/entry-classes.md): per class and macro-averaged, milestone classes marked."""
    if not report.kind_results:
        return
    right, labelled = report.outcome_accuracy
    console.print(
        f"{title}: {len(report.kind_results)} labelled entries, accuracy {_pct(report.kind_accuracy)}, "
        f"macro precision {_pct(report.kind_macro_precision)}, macro recall {_pct(report.kind_macro_recall)}, "
        f"outcomes of orders on motions {right}/{labelled}"
    )
    console.print(
        _marked_table(
            f"per entry class (+ fires milestone.reached){'' if title == 'entry classes' else ', ' + title}",
            "entry class",
            report.kinds,
            MILESTONE_CLASSES,
            " +",
        )
    )
    if report.kind_mismatches:
        console.print(
            _misses(
                "entry class mismatches",
                ("file / entry", "expected", "predicted", "text"),
                [
                    (
                        f"{r.label.file}\n{r.label.entry_key}",
                        r.label.kind or "-",
                        r.kind or "-",
                        r.text[:160],
                    )
                    for r in report.kind_mismatches
                ],
            )
        )


def render_deadlines(report: DeadlineReport, console: Console) -> None:
    """Deadline extraction: entries whose dates and kinds are all right, then the misses."""
    if report.root is None:
        console.print(
            "[yellow]deadline labels: none of their files is under the given paths[/yellow]"
        )
        return
    labelled, found, right = report.deadline_counts
    held_right, held_n = report.held_out
    with_deadlines = sum(1 for r in report.results if r.label.deadlines)
    console.print(
        f"deadlines: {len(report.results)} labelled entries stating a date ({with_deadlines} set one or more), "
        f"dates and kinds right {_pct(report.accuracy)} of entries; held out from tuning {held_right}/{held_n}; "
        f"deadlines labelled {labelled}, found {found}, right {right}; "
        f"action (set/reset/vacated) right {_pct(report.action_accuracy)} of the right entries"
    )
    if report.mismatches:
        console.print(
            _misses(
                "deadline mismatches",
                ("file / entry", "expected (date, kind)", "found", "text"),
                [
                    (
                        f"{r.label.file}\n{r.label.entry_key}",
                        ", ".join(f"{d} {k}" for d, k in sorted(r.label.dated)) or "-",
                        "not produced"
                        if r.found is None
                        else ", ".join(f"{d} {k}" for d, k in sorted(r.dated)) or "-",
                        r.text[:200],
                    )
                    for r in report.mismatches
                ],
            )
        )
