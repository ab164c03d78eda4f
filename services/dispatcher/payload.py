"""The webhook body: the alert and a case summary. Pure and deterministic, so the
bytes signed on every retry of one delivery are identical (they are also stored).

Shape (Standard Webhooks' recommended envelope)::

    {"type": "status.changed", "timestamp": "...",
     "data": {"alert": {...the Alert as published...},
              "case": {"case_id", "court_id", "docket_number", "case_name",
                       "nature_of_suit", "class_action", "status",
                       "previous_status", "disposition", "date"}}}
"""

from __future__ import annotations

from typing import Any

from schemas.alerts import Alert
from schemas.codec import dumps


def case_summary(alert: Alert) -> dict[str, Any]:
    d = alert.data
    return {
        "case_id": d.case_id,
        "court_id": d.court_id,
        "docket_number": d.docket_number,
        "case_name": d.case_name,
        "nature_of_suit": d.nature_of_suit,
        "class_action": d.class_action,
        "status": d.to_status,
        "previous_status": d.from_status,
        "disposition": None if d.disposition is None else d.disposition.model_dump(mode="json"),
        "date": d.date.isoformat(),
    }


def delivery_body(alert: Alert) -> bytes:
    timestamp = alert.time.isoformat() if alert.time is not None else alert.data.date.isoformat()
    return dumps(
        {
            "type": alert.type,
            "timestamp": timestamp,
            "data": {"alert": alert.model_dump(mode="json"), "case": case_summary(alert)},
        }
    )
