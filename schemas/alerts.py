"""Alerts published on ``case.alerts``.

An alert's ``id`` is deterministic: a digest of (case, cause entry, from status,
to status, alert type, and what else tells one alert of the case apart from
another, e.g. the deadline and the reminder's lead time), so a redelivered or
re-processed event yields the same id and every consumer can de-duplicate on it.

Version 2 (issue 16) adds the alert types about the steps on the way, each
opt-in per subscription (a subscription without ``filters.alert_types`` gets
:data:`DEFAULT_ALERT_TYPES`, the three of version 1):

* ``entry.filed``: every new entry of a case, with its class and text;
* ``milestone.reached``: a new entry whose class is a milestone
  (``services.core.entry_classes.MILESTONE_CLASSES``);
* ``deadline.set`` / ``deadline.changed`` / ``deadline.vacated``: an entry set,
  moved or vacated a dated event of the case's calendar (``data.deadline``);
* ``deadline.upcoming``: a reminder ``data.deadline.days_before`` days before a
  pending deadline.

For these, ``from_status`` and ``to_status`` both carry the case's status at
the time (no status change). A version 1 alert reads as version 2 unchanged.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from schemas.events import DocumentNumber, Frozen
from schemas.projection import Disposition
from schemas.vocabulary import (
    Confidence,
    DeadlineKind,
    DeadlineStatus,
    EntryClass,
    Outcome,
    Status,
)

ALERT_SCHEMA_VERSION: Literal[2] = 2
AlertType = Literal[
    "status.changed",
    "disposition.changed",
    "complaint.amended",
    "entry.filed",
    "milestone.reached",
    "deadline.set",
    "deadline.changed",
    "deadline.vacated",
    "deadline.upcoming",
]
ALERT_TYPES: tuple[AlertType, ...] = AlertType.__args__  # type: ignore[attr-defined]
DEFAULT_ALERT_TYPES: tuple[AlertType, ...] = (
    "status.changed",
    "disposition.changed",
    "complaint.amended",
)
"""What a subscription without ``filters.alert_types`` receives: the others are opt-in."""
DEADLINE_ALERT_TYPES: tuple[AlertType, ...] = (
    "deadline.set",
    "deadline.changed",
    "deadline.vacated",
    "deadline.upcoming",
)


class AlertDeadline(Frozen):
    """The calendar item a ``deadline.*`` alert is about (services.core.deadlines.CalendarItem)."""

    key: str = Field(description="Stable identity within the case: kind:name in canonical words.")
    kind: DeadlineKind
    name: str = Field(description="What is due or held, lower-case ('case management statement').")
    date: dt.date
    time: dt.time | None = None
    status: DeadlineStatus = "pending"
    previous_date: dt.date | None = Field(
        default=None, description="deadline.changed: the date before the change."
    )
    previous_time: dt.time | None = None
    set_by: str = Field(description="entry_key of the entry that first set it.")
    updated_by: str = Field(
        description="entry_key of the entry that last set, moved or vacated it."
    )
    days_before: int | None = Field(
        default=None,
        ge=0,
        le=366,
        description="deadline.upcoming: the reminder's lead time in days.",
    )


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
    entry_class: EntryClass | None = Field(
        default=None, description="The class of the causing entry (docs/entry-classes.md)."
    )
    entry_outcome: Outcome | None = Field(
        default=None, description="What the causing order did to the motion it decides."
    )
    document_number: DocumentNumber | None = Field(
        default=None, description="The causing entry's docket number."
    )
    cites: tuple[DocumentNumber, ...] = Field(
        default=(), description="Docket numbers the causing entry refers to."
    )
    deadline: AlertDeadline | None = Field(
        default=None, description="deadline.* alerts: the calendar item."
    )


class Alert(Frozen):
    specversion: Literal["1.0"] = "1.0"
    id: str
    source: str = "docketline/processor"
    type: AlertType
    subject: str = Field(description="The case_id, also the Kafka key.")
    time: dt.datetime | None = None
    schema_version: Literal[2] = ALERT_SCHEMA_VERSION
    data: AlertData
