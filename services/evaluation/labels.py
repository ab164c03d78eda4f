"""Hand labels for the accuracy report: what a careful reader says each docket's outcome is.

A label file is a JSON list of objects ``{file, case_id, status, disposition,
prejudice, note}``: ``file`` is the docket's file name (found under the paths
given to the report), ``status`` one of the vocabulary's statuses,
``disposition``/``prejudice`` set only when the status is ``closed``, and
``note`` says why the labeller decided so. Labels are read from the entries
alone, never from a source header's termination date.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from schemas.vocabulary import DISPOSITION_TYPES, STATUSES, DispositionType, Prejudice, Status

_PREJUDICES: tuple[Prejudice, ...] = ("with", "without", "unknown")


class LabelError(ValueError):
    """The label file cannot be read or one of its labels is malformed."""


@dataclass(frozen=True, slots=True)
class Label:
    file: str
    case_id: str
    status: Status
    disposition: DispositionType | None
    prejudice: Prejudice | None
    note: str


def load_labels(path: Path) -> list[Label]:
    """Read and validate a label file; every problem names the label it is in."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise LabelError(f"cannot read label file {path}: {exc.strerror or exc}") from exc
    except json.JSONDecodeError as exc:
        raise LabelError(f"label file {path} is not JSON: {exc}") from exc
    if not isinstance(raw, list):
        raise LabelError(f"label file {path} must hold a JSON list, got {type(raw).__name__}")
    labels = [_label(item, i, path) for i, item in enumerate(raw)]
    seen: set[str] = set()
    for label in labels:
        if label.file in seen:
            raise LabelError(f"{path}: file {label.file!r} is labelled twice")
        seen.add(label.file)
    return labels


def _label(item: object, index: int, path: Path) -> Label:
    where = f"{path} label #{index}"
    if not isinstance(item, dict):
        raise LabelError(f"{where}: must be an object")
    for key in ("file", "case_id", "status", "note"):
        if not isinstance(item.get(key), str) or not item[key].strip():
            raise LabelError(f"{where}: {key!r} must be a non-empty string")
    status, disposition, prejudice = item["status"], item.get("disposition"), item.get("prejudice")
    if status not in STATUSES:
        raise LabelError(f"{where} ({item['file']}): status {status!r} not in {STATUSES}")
    if status == "closed":
        if disposition not in DISPOSITION_TYPES:
            raise LabelError(
                f"{where} ({item['file']}): closed needs a disposition in {DISPOSITION_TYPES}"
            )
        if prejudice not in _PREJUDICES:
            raise LabelError(f"{where} ({item['file']}): closed needs a prejudice in {_PREJUDICES}")
    elif disposition is not None or prejudice is not None:
        raise LabelError(
            f"{where} ({item['file']}): only a closed case has a disposition or prejudice"
        )
    return Label(
        file=item["file"],
        case_id=item["case_id"],
        status=status,
        disposition=disposition,
        prejudice=prejudice,
        note=item["note"],
    )
