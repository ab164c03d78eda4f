"""What a docket entry means for its case: the classifier's output type.

``classify`` (in :mod:`services.core.classify`) maps the source's words to a
``Classification``; :func:`services.core.build.build_event` turns a
classification into the typed docket event. Both are pure.

Only the fields that belong to ``type`` are read by ``build_event`` (e.g.
``dismissal``/``prejudice``/``scope``/``reason`` for ``case.dismissed``); the
others keep their defaults. ``class_action`` and ``appeal`` are flags carried by
any type.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from schemas.events import EventType
from schemas.vocabulary import (
    Confidence,
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
    confidence: Confidence = "high"
    """How sure the reading is: carried to the disposition and the alert, so a subscriber may act on ``high`` only."""
    opening: OpeningKind | None = None
    """case.filed: complaint, class action complaint, removal, transfer in, petition."""
    dismissal: DismissalKind | None = None
    """case.dismissed: voluntary notice, stipulation, or the court."""
    prejudice: Prejudice = "unknown"
    """case.dismissed / judgment.entered: only from explicit words, never from a rule number."""
    scope: Scope = "whole"
    """case.dismissed / judgment.entered: ``partial`` ends only some parties or claims."""
    reason: str | None = None
    """case.dismissed, case.stayed, case.closed: e.g. 'want of prosecution', 'administrative closing'."""
    judgment: JudgmentKind | None = None
    settlement_closes_case: bool = True
    """case.settled: False for a mere notice of settlement."""
    reopen_within_days: int | None = None
    """case.settled / case.dismissed: "without prejudice to reopen within 60 days if settlement is not consummated"."""
    closes_after_settlement: bool = False
    """case.dismissed: closes only when a settlement was reported before it (a bare "Stipulation and Order")."""
    to_court: str | None = None
    mdl: bool = False
    remand_to: str = "state_court"
    closed_disposition: DispositionType = "other"
    targets: tuple[int, ...] = field(default_factory=tuple)
    """entry.stricken: document numbers of the entries struck, vacated or filed in error."""
    class_action: bool = False
    appeal: bool = False
    """A notice of appeal: a flag on a plain entry, not a status change."""
