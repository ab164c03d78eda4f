"""Alerts published on ``case.alerts``.

An alert's ``id`` is deterministic: a digest of (case, cause entry, from status,
to status, alert type), so a redelivered or re-processed event yields the same
id and every consumer can de-duplicate on it.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from schemas.events import Frozen
from schemas.projection import Disposition
from schemas.vocabulary import Confidence, Status

ALERT_SCHEMA_VERSION: Literal[1] = 1
AlertType = Literal["status.changed", "disposition.changed", "complaint.amended"]
ALERT_TYPES: tuple[AlertType, ...] = ("status.changed", "disposition.changed", "complaint.amended")


class AlertData(Frozen):
    case_id: str
    court_id: str
    docket_number: str
    case_name: str | None = None
    nature_of_suit: str | None = None
    class_action: bool = False
    from_status: Status | None
    to_status: Status
    disposition: Disposition | None = None
    date: dt.date = Field(description="Event date of the entry that caused the alert.")
    cause_event_id: str
    cause_entry_key: str
    cause_text: str | None = Field(
        default=None, description="Docket text of the causing entry (truncated)."
    )
    confidence: Confidence = Field(
        default="high",
        description="'medium' when the change rests on an inferred reading (see disposition.confidence); "
        "a subscriber may act on 'high' only.",
    )
    rule: str | None = Field(default=None, description="The classifier rule behind the change.")


class Alert(Frozen):
    specversion: Literal["1.0"] = "1.0"
    id: str
    source: str = "docketline/processor"
    type: AlertType
    subject: str = Field(description="The case_id, also the Kafka key.")
    time: dt.datetime | None = None
    schema_version: Literal[1] = ALERT_SCHEMA_VERSION
    data: AlertData
