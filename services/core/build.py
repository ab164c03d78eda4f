"""From (case, entry, classification) to the typed docket event. Pure."""

from __future__ import annotations

import datetime as dt
from typing import Any

from schemas.events import (
    EVENT_CLASSES,
    CaseInfo,
    DocketEvent,
    Entry,
)
from services.core.classification import Classification
from services.core.docket_numbers import make_case_id
from services.core.entry_classes import classify_entry
from services.core.ids import event_id


def build_event(
    case: CaseInfo,
    entry: Entry,
    c: Classification,
    *,
    source: str,
    classifier_version: str,
    time: dt.datetime | None = None,
) -> DocketEvent:
    """The docket event for one entry as the classifier reads it.

    ``id`` depends only on the entry's identity and words (not on the
    classification), so the same entry seen again is the same event.
    """
    case_id = make_case_id(case.court_id, case.docket_number)
    kind = classify_entry(
        entry.text,
        entry.event_name,
        entry.document_number,
        event_type=c.type,
        settlement_closes_case=c.settlement_closes_case,
        inferred=c.confidence == "medium",
    )
    data: dict[str, Any] = {
        "case": case,
        "entry": entry,
        "classifier_version": classifier_version,
        "classifier_rule": c.rule,
        "classifier_confidence": c.confidence,
        "class_action": c.class_action,
        "appeal": c.appeal,
        "entry_class": kind.entry_class,
        "entry_outcome": kind.outcome,
        "cites": kind.cites,
    }
    match c.type:
        case "case.filed":
            data["opening"] = c.opening or "complaint"
        case "case.dismissed":
            data.update(
                dismissal=c.dismissal or "court",
                prejudice=c.prejudice,
                scope=c.scope,
                reason=c.reason,
                reopen_within_days=c.reopen_within_days,
                closes_after_settlement=c.closes_after_settlement,
            )
        case "case.settled":
            data.update(
                closes_case=c.settlement_closes_case, reopen_within_days=c.reopen_within_days
            )
        case "judgment.entered":
            data.update(judgment=c.judgment or "other", prejudice=c.prejudice, scope=c.scope)
        case "case.transferred":
            data.update(to_court=c.to_court, mdl=c.mdl)
        case "case.remanded":
            data["to"] = c.remand_to
        case "case.stayed":
            data["reason"] = c.reason
        case "case.closed":
            data.update(disposition=c.closed_disposition, reason=c.reason)
        case "entry.stricken":
            data["target_document_numbers"] = c.targets
        case _:
            pass
    cls = EVENT_CLASSES[c.type]
    event: DocketEvent = cls.model_validate(  # type: ignore[assignment]
        {
            "id": event_id(entry.entry_key, entry.text, entry.event_name),
            "source": source,
            "subject": case_id,
            "time": time,
            "data": data,
        }
    )
    return event
