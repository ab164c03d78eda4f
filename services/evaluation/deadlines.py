"""Deadline labels: the dates real docket entries set, and how often the extractor gets them right.

``tests/labels/deadlines.json`` (guideline in ``tests/labels/README.md``) lists
entries of ``../shared/data/juriscraper`` that state a date, each with the
deadlines a careful reader says it sets, moves or vacates
(``{date, time?, kind, action}``), and ``held_out``: whether the extractor's
rules were tuned on it. Each labelled file is replayed through the real ingest
path and every entry is matched to its label by ``entry_key``; the extractor
(:func:`services.core.deadlines.extract`) reads the entry's text with its
filing date.

An entry is right when the set of (date, kind) it yields equals the label's
(an entry with no deadline must yield none); the action (set / reset /
vacated) is reported apart.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from services.core.deadlines import KINDS, extract
from services.evaluation.entries import data_root, events_by_key, read_label_list
from services.evaluation.labels import LabelError

_ACTIONS = ("set", "reset", "vacated")


@dataclass(frozen=True, slots=True)
class DeadlineLabel:
    file: str
    entry_key: str
    held_out: bool
    deadlines: frozenset[tuple[str, str, str]]
    """(ISO date, kind, action) the labeller read."""

    @property
    def dated(self) -> frozenset[tuple[str, str]]:
        return frozenset((d, k) for d, k, _ in self.deadlines)


@dataclass(frozen=True, slots=True)
class DeadlineResult:
    label: DeadlineLabel
    found: frozenset[tuple[str, str, str]] | None
    """None when the entry was not produced by the ingest path (counts as wrong)."""
    text: str = ""

    @property
    def dated(self) -> frozenset[tuple[str, str]]:
        return frozenset((d, k) for d, k, _ in (self.found or ()))

    @property
    def ok(self) -> bool:
        return self.found is not None and self.dated == self.label.dated

    @property
    def actions_ok(self) -> bool:
        return self.found is not None and self.found == self.label.deadlines


@dataclass(frozen=True, slots=True)
class DeadlineReport:
    results: tuple[DeadlineResult, ...]
    root: str | None

    def _share(self, held_out: bool | None) -> tuple[int, int]:
        rs = [r for r in self.results if held_out is None or r.label.held_out == held_out]
        return sum(r.ok for r in rs), len(rs)

    @property
    def accuracy(self) -> float | None:
        right, n = self._share(None)
        return right / n if n else None

    @property
    def held_out(self) -> tuple[int, int]:
        """(right, labelled) over the entries the rules were not tuned on."""
        return self._share(True)

    @property
    def action_accuracy(self) -> float | None:
        rs = [r for r in self.results if r.ok and r.label.deadlines]
        return sum(r.actions_ok for r in rs) / len(rs) if rs else None

    @property
    def deadline_counts(self) -> tuple[int, int, int]:
        """(labelled, found, right) deadlines as (date, kind) pairs."""
        labelled = sum(len(r.label.dated) for r in self.results)
        found = sum(len(r.dated) for r in self.results)
        right = sum(len(r.label.dated & r.dated) for r in self.results)
        return labelled, found, right

    @property
    def mismatches(self) -> tuple[DeadlineResult, ...]:
        return tuple(r for r in self.results if not r.ok)

    def to_dict(self) -> dict[str, Any]:
        labelled, found, right = self.deadline_counts
        held_right, held_n = self.held_out
        return {
            "entries": len(self.results),
            "with_deadlines": sum(1 for r in self.results if r.label.deadlines),
            "accuracy": self.accuracy,
            "held_out_right": held_right,
            "held_out_entries": held_n,
            "deadlines_labelled": labelled,
            "deadlines_found": found,
            "deadlines_right": right,
            "action_accuracy": self.action_accuracy,
            "mismatches": [
                {
                    "file": r.label.file,
                    "entry_key": r.label.entry_key,
                    "expected": sorted(r.label.dated),
                    "found": sorted(r.dated) if r.found is not None else None,
                    "text": r.text[:200],
                }
                for r in self.mismatches
            ],
        }


def load_deadline_labels(path: Path) -> list[DeadlineLabel]:
    """Read and validate a deadline label file; every problem names the label it is in."""
    raw = read_label_list(path, "deadline")
    out: list[DeadlineLabel] = []
    seen: set[tuple[str, str]] = set()
    for i, item in enumerate(raw):
        where = f"{path} deadline label #{i}"
        if not isinstance(item, dict):
            raise LabelError(f"{where}: must be an object")
        for key in ("file", "entry_key"):
            if not isinstance(item.get(key), str) or not item[key].strip():
                raise LabelError(f"{where}: {key!r} must be a non-empty string")
        if not isinstance(item.get("deadlines"), list):
            raise LabelError(f"{where}: 'deadlines' must be a list")
        found: set[tuple[str, str, str]] = set()
        for d in item["deadlines"]:
            if not isinstance(d, dict):
                raise LabelError(f"{where}: a deadline must be an object")
            try:
                dt.date.fromisoformat(str(d.get("date")))
            except ValueError as exc:
                raise LabelError(f"{where}: date {d.get('date')!r} is not YYYY-MM-DD") from exc
            if d.get("kind") not in KINDS:
                raise LabelError(f"{where}: kind {d.get('kind')!r} not in {KINDS}")
            if d.get("action") not in _ACTIONS:
                raise LabelError(f"{where}: action {d.get('action')!r} not in {_ACTIONS}")
            found.add((d["date"], d["kind"], d["action"]))
        ident = (item["file"], item["entry_key"])
        if ident in seen:
            raise LabelError(f"{where}: {ident} is labelled twice")
        seen.add(ident)
        out.append(
            DeadlineLabel(
                item["file"], item["entry_key"], bool(item.get("held_out")), frozenset(found)
            )
        )
    return out


def evaluate_deadlines(label_file: Path, roots: Sequence[Path]) -> DeadlineReport:
    """Replay every file the deadline labels name and compare each labelled entry's deadlines."""
    labels = load_deadline_labels(label_file)
    root = data_root((lab.file for lab in labels), roots)
    if root is None:
        return DeadlineReport(results=(), root=None)
    by_file: dict[str, list[DeadlineLabel]] = {}
    for lab in labels:
        by_file.setdefault(lab.file, []).append(lab)
    results: list[DeadlineResult] = []
    for rel, labs in sorted(by_file.items()):
        path = root / rel
        entries = (
            {k: e.data.entry for k, e in events_by_key(path).items()} if path.is_file() else {}
        )
        for lab in labs:
            entry = entries.get(lab.entry_key)
            if entry is None:
                results.append(DeadlineResult(lab, None))
                continue
            found = frozenset(
                (d.date.isoformat(), d.kind, d.action)
                for d in extract(entry.text, entry.date_filed)
            )
            results.append(DeadlineResult(lab, found, " ".join(entry.text.split())))
    return DeadlineReport(results=tuple(results), root=str(root))
