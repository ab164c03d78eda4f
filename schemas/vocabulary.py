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

EntryClass = Literal[
    # pleadings and service
    "complaint",
    "amended_complaint",
    "answer",
    "summons",
    "appearance",
    # dispositive motions and the orders deciding them
    "motion_to_dismiss",
    "order_on_motion_to_dismiss",
    "motion_for_summary_judgment",
    "order_on_summary_judgment",
    "motion_for_class_certification",
    "order_on_class_certification",
    # other papers and orders
    "motion",
    "brief",
    "order",
    # the calendar
    "scheduling_order",
    "date_set",
    "hearing_held",
    # settlement
    "settlement_notice",
    "preliminary_approval",
    "fairness_hearing_set",
    "final_approval",
    # what happens to the case
    "stay",
    "stay_lifted",
    "transfer",
    "remand",
    "dismissal",
    "judgment",
    "notice_of_appeal",
    "mandate",
    "reopening",
    "termination",
    "stricken",
    "other",
]
"""What kind of paper or act a docket entry is (services.core.entry_classes; docs/entry-classes.md)."""
ENTRY_CLASSES: tuple[EntryClass, ...] = EntryClass.__args__  # type: ignore[attr-defined]
Outcome = Literal["granted", "denied", "granted_in_part", "moot", "unknown"]
"""What an order did to the motion it decides; ``unknown`` when its words do not say."""
DeadlineKind = Literal[
    "hearing", "conference", "trial", "filing_due", "discovery_due", "claims_due", "other"
]
"""What a dated event on a case's calendar is (services.core.deadlines)."""
DeadlineStatus = Literal["pending", "vacated"]
