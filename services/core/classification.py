"""What a docket entry means for its case: the classifier's output type.

``classify`` (in :mod:`services.core.classify`) maps the source's words to a
``Classification``; :func:`services.core.build.build_event` turns a
classification into the typed docket event. Both are pure.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from schemas.events import EventType
from schemas.vocabulary import (
    DismissalKind,
    DispositionType,
    JudgmentKind,
    OpeningKind,
    Prejudice,
    Scope,
)


@dataclass(frozen=True, slots=True)
class Classification:
    type: EventType = "docket.entry"
    rule: str = "default"
    """Name of the rule that decided (for explanations and the accuracy report)."""
    opening: OpeningKind | None = None
    dismissal: DismissalKind | None = None
    prejudice: Prejudice = "unknown"
    scope: Scope = "whole"
    reason: str | None = None
    judgment: JudgmentKind | None = None
    settlement_closes_case: bool = True
    to_court: str | None = None
    mdl: bool = False
    remand_to: str = "state_court"
    closed_disposition: DispositionType = "other"
    targets: tuple[int, ...] = field(default_factory=tuple)
    class_action: bool = False
    appeal: bool = False
