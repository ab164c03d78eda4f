"""The words the projections speak (see DESIGN.md, "Domain vocabulary")."""

from __future__ import annotations

from typing import Literal

Status = Literal["open", "stayed", "closed"]
DispositionType = Literal[
    "voluntary_dismissal",
    "stipulated_dismissal",
    "dismissed",
    "settled",
    "judgment",
    "transferred",
    "remanded",
    "other",
]
Prejudice = Literal["with", "without", "unknown"]
Scope = Literal["whole", "partial"]
DismissalKind = Literal["voluntary", "stipulated", "court"]
JudgmentKind = Literal["default", "summary", "consent", "verdict", "clerk", "other"]
Confidence = Literal["high", "medium"]
"""How a reading was reached: ``high`` when the entry's words say it (``"this action is dismissed"``),
``medium`` when it is inferred (a bare "Stipulation and Order" after a reported settlement)."""
OpeningKind = Literal[
    "complaint", "class_action_complaint", "removal", "transfer_in", "petition", "other"
]

STATUSES: tuple[Status, ...] = ("open", "stayed", "closed")
DISPOSITION_TYPES: tuple[DispositionType, ...] = (
    "voluntary_dismissal",
    "stipulated_dismissal",
    "dismissed",
    "settled",
    "judgment",
    "transferred",
    "remanded",
    "other",
)
