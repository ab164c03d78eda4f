"""Replay labelled dockets through the real ingest path and the pure fold; compare with the labels.

Nothing here is a stand-in: each labelled file is read by
:func:`services.ingest.formats.parse_path` (the adapters, normalisation,
entry keys, the classifier and event building, as ``docketline ingest`` does),
and the resulting events are folded with :func:`services.core.evolve.project`.
The report therefore measures what a user of the service would see.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from schemas.events import DocketEvent
from schemas.projection import CaseState
from schemas.vocabulary import DISPOSITION_TYPES, STATUSES
from services.core.classify import classify
from services.core.evolve import project
from services.evaluation.labels import Label, load_labels
from services.evaluation.metrics import ClassMetrics, accuracy, per_class
from services.ingest.formats import parse_path
from services.ingest.records import IngestError, Parsed, Rejected


@dataclass(frozen=True, slots=True)
class CaseResult:
    """One labelled docket: what the labeller said, what the service concluded, and why."""

    label: Label
    path: str | None
    status: str | None = None
    disposition: str | None = None
    prejudice: str | None = None
    events: int = 0
    rejected: tuple[str, ...] = ()
    """``where: reason`` of every record of the file the ingest path rejected."""
    cause: str | None = None
    """The entry that produced the final status (document number, rule, text head)."""
    error: str | None = None

    @property
    def status_ok(self) -> bool:
        return self.error is None and self.status == self.label.status

    @property
    def disposition_ok(self) -> bool:
        return self.error is None and self.disposition == self.label.disposition

    @property
    def prejudice_ok(self) -> bool:
        return self.error is None and self.prejudice == self.label.prejudice

    @property
    def ok(self) -> bool:
        return self.status_ok and self.disposition_ok and self.prejudice_ok

    def to_dict(self) -> dict[str, Any]:
        lab = self.label
        return {
            "file": lab.file,
            "case_id": lab.case_id,
            "path": self.path,
            "expected": {
                "status": lab.status,
                "disposition": lab.disposition,
                "prejudice": lab.prejudice,
            },
            "predicted": {
                "status": self.status,
                "disposition": self.disposition,
                "prejudice": self.prejudice,
            },
            "status_ok": self.status_ok,
            "disposition_ok": self.disposition_ok,
            "prejudice_ok": self.prejudice_ok,
            "events": self.events,
            "rejected": list(self.rejected),
            "cause": self.cause,
            "error": self.error,
            "note": lab.note,
        }


@dataclass(frozen=True, slots=True)
class Report:
    """Figures over the labelled dockets that were found under the given paths.

    * ``status_accuracy``: final status right, over every evaluated case;
    * ``disposition_accuracy``: disposition type right (``None`` for a case that
      is not closed counts as a value), over every evaluated case;
    * ``closed_disposition_accuracy``: the same, only over cases labelled closed
      (the stricter figure: open cases cannot inflate it);
    * ``prejudice_accuracy``: over cases labelled closed.

    A docket that could not be read counts as wrong, never as skipped.
    ``not_found`` lists labels whose file is under none of the paths.
    """

    cases: tuple[CaseResult, ...]
    not_found: tuple[Label, ...] = ()
    status_classes: tuple[ClassMetrics, ...] = field(default=())
    disposition_classes: tuple[ClassMetrics, ...] = field(default=())

    @property
    def evaluated(self) -> int:
        return len(self.cases)

    @property
    def status_accuracy(self) -> float | None:
        return accuracy(c.status_ok for c in self.cases)

    @property
    def disposition_accuracy(self) -> float | None:
        return accuracy(c.disposition_ok for c in self.cases)

    @property
    def closed_disposition_accuracy(self) -> float | None:
        return accuracy(c.disposition_ok for c in self.cases if c.label.status == "closed")

    @property
    def prejudice_accuracy(self) -> float | None:
        return accuracy(c.prejudice_ok for c in self.cases if c.label.status == "closed")

    @property
    def false_closings(self) -> tuple[CaseResult, ...]:
        """Cases the labeller says are open or stayed that the fold closes: the worst mistake."""
        return tuple(
            c
            for c in self.cases
            if c.label.status != "closed" and c.error is None and c.status == "closed"
        )

    @property
    def not_closed(self) -> int:
        """Cases labelled open or stayed (the denominator of the false-closing rate)."""
        return sum(1 for c in self.cases if c.label.status != "closed")

    @property
    def false_closing_rate(self) -> float | None:
        return len(self.false_closings) / self.not_closed if self.not_closed else None

    @property
    def mismatches(self) -> tuple[CaseResult, ...]:
        return tuple(c for c in self.cases if not c.ok)

    def to_dict(self) -> dict[str, Any]:
        def metrics(ms: Iterable[ClassMetrics]) -> list[dict[str, Any]]:
            return [
                {
                    "class": m.label,
                    "support": m.support,
                    "predicted": m.predicted,
                    "true_positives": m.true_positives,
                    "precision": m.precision,
                    "recall": m.recall,
                }
                for m in ms
            ]

        return {
            "evaluated": self.evaluated,
            "status_accuracy": self.status_accuracy,
            "disposition_accuracy": self.disposition_accuracy,
            "closed_disposition_accuracy": self.closed_disposition_accuracy,
            "prejudice_accuracy": self.prejudice_accuracy,
            "false_closings": [c.label.file for c in self.false_closings],
            "false_closing_rate": self.false_closing_rate,
            "status_classes": metrics(self.status_classes),
            "disposition_classes": metrics(self.disposition_classes),
            "cases": [c.to_dict() for c in self.cases],
            "not_found": [lab.file for lab in self.not_found],
        }


def evaluate(label_file: Path, data_dir: Path | Sequence[Path], *, fmt: str = "auto") -> Report:
    """Replay every labelled docket found under ``data_dir`` (one or more files/directories)."""
    roots = [data_dir] if isinstance(data_dir, Path) else list(data_dir)
    labels = load_labels(label_file)
    results: list[CaseResult] = []
    missing: list[Label] = []
    for label in labels:
        try:
            path = _find(label.file, roots)
        except AmbiguousFile as exc:
            results.append(CaseResult(label, None, error=str(exc)))
            continue
        if path is None:
            missing.append(label)
            continue
        results.append(replay(label, path, fmt=fmt))
    status_pairs = [(c.label.status, c.status) for c in results]
    disposition_pairs = [(c.label.disposition, c.disposition) for c in results]
    return Report(
        cases=tuple(results),
        not_found=tuple(missing),
        status_classes=tuple(per_class(status_pairs, STATUSES)),
        disposition_classes=tuple(per_class(disposition_pairs, DISPOSITION_TYPES)),
    )


def replay(label: Label, path: Path, *, fmt: str = "auto") -> CaseResult:
    """One docket file -> events (real ingest path) -> folded state -> compared with ``label``."""
    try:
        records = list(parse_path(path, fmt))
    except IngestError as exc:
        return CaseResult(label, str(path), error=f"cannot read: {exc}")
    rejected = tuple(f"{r.where}: {r.reason}" for r in records if isinstance(r, Rejected))
    events = [
        r.event for r in records if isinstance(r, Parsed) and r.event.subject == label.case_id
    ]
    if not events:
        others = sorted({r.event.subject for r in records if isinstance(r, Parsed)})
        found = f"; the file holds {', '.join(others)}" if others else ""
        return CaseResult(
            label, str(path), rejected=rejected, error=f"no events for {label.case_id}{found}"
        )
    state = project(events)
    assert state is not None  # events is not empty
    closed = state.status == "closed" and state.disposition is not None
    return CaseResult(
        label,
        str(path),
        status=state.status,
        disposition=state.disposition.type if closed and state.disposition else None,
        prejudice=state.disposition.prejudice if closed and state.disposition else None,
        events=len(events),
        rejected=rejected,
        cause=_cause(state, events),
    )


class AmbiguousFile(LookupError):
    """Several files under one root carry a labelled file's name."""


def _find(name: str, roots: Sequence[Path]) -> Path | None:
    """The labelled file: a root named like it, a direct child, or the only match below a root."""
    for root in roots:
        if root.is_file():
            if root.name == name:
                return root
            continue
        direct = root / name
        if direct.is_file():
            return direct
        if root.is_dir():
            found = sorted(p for p in root.rglob(name) if p.is_file())
            if len(found) > 1:
                listed = ", ".join(str(p) for p in found[:3])
                raise AmbiguousFile(
                    f"{len(found)} files named {name} under {root} ({listed}); pass the folder that holds it"
                )
            if found:
                return found[0]
    return None


def _cause(state: CaseState, events: Sequence[DocketEvent]) -> str | None:
    """The entry behind the last status change, as the classifier reads it (for mismatches)."""
    if not state.status_history:
        return None
    last = state.status_history[-1]
    event = next((e for e in events if e.id == last.event_id), None)
    if event is None:
        return None
    entry = event.data.entry
    rule = classify(entry.text, entry.event_name, entry.document_number).rule
    number = f"[{entry.document_number}]" if entry.document_number is not None else "[-]"
    head = " ".join(entry.text.split())[:90]
    return f"{last.status} by {number} {entry.date_filed} {event.type} ({rule}): {head}"
