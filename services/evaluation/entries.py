"""Entry-level labels: what each real docket entry means, and how often the classifier agrees.

A case-level label says how a docket ends; it cannot tell a classifier that
reads the right entry for the wrong reason from one that reads it right. The
entry labels (``tests/labels/entries.json``, guideline in
``tests/labels/README.md``) say, for each labelled entry, which *class* the
entry is: the event type it should become, with the two distinctions the fold
depends on made explicit (``case.dismissed/partial`` and
``judgment.entered/partial`` end only some parties or claims;
``case.dismissed/if_settled`` is a bare "Stipulation and Order" that the fold
reads as a dismissal only after a reported settlement;
``case.settled/notice`` reports a settlement without closing the case).

Each labelled file is replayed through the real ingest path
(:func:`services.ingest.formats.parse_path`, as ``docketline ingest`` does),
and every event is matched to its label by the entry's ``entry_key`` (the
source identity of the entry, stable across classifier versions).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from schemas.events import EVENT_CLASSES, DocketEvent
from schemas.vocabulary import ENTRY_CLASSES as KINDS
from services.core.entry_classes import MILESTONE_CLASSES, ORDER_CLASSES
from services.evaluation.labels import LabelError
from services.evaluation.metrics import ClassMetrics, per_class
from services.ingest.formats import parse_path
from services.ingest.records import IngestError, Parsed

ENTRY_CLASSES: tuple[str, ...] = (
    "case.filed",
    "complaint.amended",
    "case.dismissed",
    "case.dismissed/partial",
    "case.dismissed/if_settled",
    "case.settled",
    "case.settled/notice",
    "judgment.entered",
    "judgment.entered/partial",
    "case.transferred",
    "case.remanded",
    "case.stayed",
    "stay.lifted",
    "case.reopened",
    "case.closed",
    "entry.stricken",
    "docket.entry",
)
"""The label vocabulary: every event type, with the partial and notice variants split out."""

STATUS_CHANGING: frozenset[str] = frozenset(
    {
        "case.filed",
        "case.dismissed",
        "case.settled",
        "judgment.entered",
        "case.transferred",
        "case.remanded",
        "case.stayed",
        "stay.lifted",
        "case.reopened",
        "case.closed",
    }
)
"""Classes whose events change a case's status (opening, closing, stay, reopening)."""


def entry_class(event: DocketEvent) -> str:
    """The label-vocabulary class of an event as the ingest path built it."""
    data = event.data
    if (
        event.type in ("case.dismissed", "judgment.entered")
        and getattr(data, "scope", "whole") == "partial"
    ):
        return f"{event.type}/partial"
    if event.type == "case.dismissed" and getattr(data, "closes_after_settlement", False):
        # a bare "Stipulation and Order": the fold closes the case only after a reported settlement
        return "case.dismissed/if_settled"
    if event.type == "case.settled" and not getattr(data, "closes_case", True):
        return "case.settled/notice"
    return event.type


@dataclass(frozen=True, slots=True)
class EntryLabel:
    file: str
    """Path of the source file relative to the data root (e.g. ``dockets/cand_7.json``)."""
    entry_key: str
    case_id: str
    cls: str
    note: str = ""
    kind: str | None = None
    """The entry class (schemas.vocabulary.EntryClass) the labeller read; None when not labelled."""
    outcome: str | None = None
    """For an order on a motion: granted, denied, granted_in_part, moot or unknown."""


@dataclass(frozen=True, slots=True)
class EntryResult:
    label: EntryLabel
    predicted: str | None
    """None when the entry was not produced by the ingest path (counts as wrong)."""
    rule: str | None = None
    text: str = ""
    kind: str | None = None
    """The entry class on the event (``data.entry_class``)."""
    outcome: str | None = None

    @property
    def ok(self) -> bool:
        return self.predicted == self.label.cls

    @property
    def kind_ok(self) -> bool:
        return self.kind == self.label.kind


@dataclass(frozen=True, slots=True)
class EntryReport:
    results: tuple[EntryResult, ...]
    classes: tuple[ClassMetrics, ...]
    root: str | None
    missing_files: tuple[str, ...] = ()
    kinds: tuple[ClassMetrics, ...] = ()
    """Per entry class (services.core.entry_classes), over the entries whose class is labelled."""

    @property
    def kind_results(self) -> tuple[EntryResult, ...]:
        return tuple(r for r in self.results if r.label.kind is not None)

    @property
    def kind_accuracy(self) -> float | None:
        rs = self.kind_results
        return sum(r.kind_ok for r in rs) / len(rs) if rs else None

    @property
    def kind_macro_precision(self) -> float | None:
        values = [m.precision for m in self.kinds if m.precision is not None]
        return sum(values) / len(values) if values else None

    @property
    def kind_macro_recall(self) -> float | None:
        values = [m.recall for m in self.kinds if m.recall is not None]
        return sum(values) / len(values) if values else None

    @property
    def outcome_accuracy(self) -> tuple[int, int]:
        """(right, labelled) outcomes among orders on motions whose class was read right."""
        rs = [
            r
            for r in self.kind_results
            if r.kind_ok and r.label.kind in ORDER_CLASSES and r.label.outcome is not None
        ]
        return sum(r.outcome == r.label.outcome for r in rs), len(rs)

    @property
    def kind_mismatches(self) -> tuple[EntryResult, ...]:
        return tuple(r for r in self.kind_results if not r.kind_ok)

    @property
    def evaluated(self) -> int:
        return len(self.results)

    @property
    def accuracy(self) -> float | None:
        return sum(r.ok for r in self.results) / len(self.results) if self.results else None

    @property
    def status_changing(self) -> tuple[ClassMetrics, ...]:
        return tuple(m for m in self.classes if m.label in STATUS_CHANGING)

    @property
    def min_status_changing_precision(self) -> float | None:
        """The lowest precision among status-changing classes that were predicted at least once."""
        values = [m.precision for m in self.status_changing if m.precision is not None]
        return min(values) if values else None

    @property
    def mismatches(self) -> tuple[EntryResult, ...]:
        return tuple(r for r in self.results if not r.ok)

    def to_dict(self) -> dict[str, Any]:
        return {
            "evaluated": self.evaluated,
            "root": self.root,
            "accuracy": self.accuracy,
            "min_status_changing_precision": self.min_status_changing_precision,
            "classes": [
                {
                    "class": m.label,
                    "status_changing": m.label in STATUS_CHANGING,
                    "support": m.support,
                    "predicted": m.predicted,
                    "true_positives": m.true_positives,
                    "precision": m.precision,
                    "recall": m.recall,
                }
                for m in self.classes
            ],
            "mismatches": [
                {
                    "file": r.label.file,
                    "entry_key": r.label.entry_key,
                    "expected": r.label.cls,
                    "predicted": r.predicted,
                    "rule": r.rule,
                    "text": r.text[:200],
                    "note": r.label.note,
                }
                for r in self.mismatches
            ],
            "missing_files": list(self.missing_files),
            "entry_classes": {
                "evaluated": len(self.kind_results),
                "accuracy": self.kind_accuracy,
                "macro_precision": self.kind_macro_precision,
                "macro_recall": self.kind_macro_recall,
                "outcomes_right": self.outcome_accuracy[0],
                "outcomes_labelled": self.outcome_accuracy[1],
                "classes": [
                    {
                        "class": m.label,
                        "milestone": m.label in MILESTONE_CLASSES,
                        "support": m.support,
                        "predicted": m.predicted,
                        "true_positives": m.true_positives,
                        "precision": m.precision,
                        "recall": m.recall,
                    }
                    for m in self.kinds
                ],
                "mismatches": [
                    {
                        "file": r.label.file,
                        "entry_key": r.label.entry_key,
                        "expected": r.label.kind,
                        "predicted": r.kind,
                        "text": r.text[:200],
                    }
                    for r in self.kind_mismatches
                ],
            },
        }


def read_label_list(path: Path, what: str) -> list[Any]:
    """The JSON list in a label file, or a LabelError saying what is wrong with it."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise LabelError(f"cannot read {what} label file {path}: {exc.strerror or exc}") from exc
    except json.JSONDecodeError as exc:
        raise LabelError(f"{what} label file {path} is not JSON: {exc}") from exc
    if not isinstance(raw, list):
        raise LabelError(f"{what} label file {path} must hold a JSON list")
    return raw


def load_entry_labels(path: Path, *, status: bool = True) -> list[EntryLabel]:
    """Read and validate an entry label file; every problem names the label it is in.

    With ``status=False`` the labels carry an entry class only (no status
    ``class``): ``tests/labels/entry-classes-held-out.json``.
    """
    raw = read_label_list(path, "entry")
    labels: list[EntryLabel] = []
    seen: set[tuple[str, str]] = set()
    for i, item in enumerate(raw):
        where = f"{path} entry label #{i}"
        if not isinstance(item, dict):
            raise LabelError(f"{where}: must be an object")
        required = ("file", "entry_key", "case_id", "class" if status else "entry_class")
        for key in required:
            if not isinstance(item.get(key), str) or not item[key].strip():
                raise LabelError(f"{where}: {key!r} must be a non-empty string")
        if not status:
            item = {"class": "docket.entry", **item}
        if item["class"] not in ENTRY_CLASSES:
            raise LabelError(f"{where}: class {item['class']!r} not in {ENTRY_CLASSES}")
        if item["class"] != "docket.entry" and not isinstance(item.get("note", ""), str):
            raise LabelError(f"{where}: note must be a string")
        kind, outcome = item.get("entry_class"), item.get("outcome")
        if kind is not None and kind not in KINDS:
            raise LabelError(f"{where}: entry_class {kind!r} not in {KINDS}")
        if outcome is not None and kind not in ORDER_CLASSES:
            raise LabelError(f"{where}: only an order on a motion has an outcome")
        if outcome not in (None, "granted", "denied", "granted_in_part", "moot", "unknown"):
            raise LabelError(f"{where}: outcome {outcome!r} is not an outcome")
        ident = (item["file"], item["entry_key"])
        if ident in seen:
            raise LabelError(f"{where}: {ident} is labelled twice")
        seen.add(ident)
        labels.append(
            EntryLabel(
                item["file"],
                item["entry_key"],
                item["case_id"],
                item["class"],
                item.get("note", ""),
                kind,
                outcome,
            )
        )
    return labels


def data_root(files: Iterable[str], roots: Iterable[Path]) -> Path | None:
    """The folder the labels' relative paths start from: a given path or one of its two parents."""
    wanted = sorted(set(files))
    if not wanted:
        return None
    for root in roots:
        for candidate in (root, *list(root.resolve().parents)[:2]):
            if candidate.is_dir() and sum((candidate / f).is_file() for f in wanted) * 2 >= len(
                wanted
            ):
                return candidate
    return None


def events_by_key(path: Path) -> dict[str, DocketEvent]:
    """The events the real ingest path reads from one file, by entry key (none when it cannot read it)."""
    try:
        return {
            r.event.data.entry.entry_key: r.event
            for r in parse_path(path, "auto")
            if isinstance(r, Parsed)
        }
    except IngestError:
        return {}


def evaluate_entries(
    label_file: Path, roots: Sequence[Path], *, status: bool = True
) -> EntryReport:
    """Replay every file the entry labels name and compare each labelled entry's class.

    With ``status=False`` (labels of entry classes only) no status figures are made.
    """
    labels = load_entry_labels(label_file, status=status)
    root = data_root((lab.file for lab in labels), roots)
    if root is None:
        return EntryReport(results=(), classes=(), root=None)
    by_file: dict[str, list[EntryLabel]] = {}
    for lab in labels:
        by_file.setdefault(lab.file, []).append(lab)
    results: list[EntryResult] = []
    missing: list[str] = []
    for rel, labs in sorted(by_file.items()):
        path = root / rel
        if not path.is_file():
            missing.append(rel)
            continue
        events = events_by_key(path)
        for lab in labs:
            event = events.get(lab.entry_key)
            if event is None:
                results.append(EntryResult(lab, None))
            else:
                results.append(
                    EntryResult(
                        lab,
                        entry_class(event),
                        event.data.classifier_rule,
                        " ".join(event.data.entry.text.split()),
                        event.data.entry_class,
                        event.data.entry_outcome,
                    )
                )
    pairs = [(r.label.cls, r.predicted) for r in results]
    kind_pairs = [(r.label.kind, r.kind) for r in results if r.label.kind is not None]
    return EntryReport(
        results=tuple(results),
        classes=tuple(per_class(pairs, ENTRY_CLASSES)) if status else (),
        root=str(root),
        missing_files=tuple(missing),
        kinds=tuple(per_class(kind_pairs, KINDS)),
    )


assert set(ENTRY_CLASSES) >= set(EVENT_CLASSES), "every event type is a label class"
