"""``docketline eval PATH...``: the accuracy report on labelled dockets, as a table or JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from services.core.classify import CLASSIFIER_VERSION
from services.evaluation.evaluate import Report, evaluate
from services.evaluation.labels import LabelError
from services.evaluation.metrics import ClassMetrics

DEFAULT_LABELS = Path("tests/labels/dockets.json")
"""Where the project keeps its labels, relative to a checkout (used when --labels is not given)."""


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
    try:
        report = evaluate(label_file, paths)
    except LabelError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    if json_out:
        print(json.dumps({"classifier_version": CLASSIFIER_VERSION, **report.to_dict()}, indent=2))
    else:
        render(report, console)
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
