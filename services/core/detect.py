"""Decisions: ``detect(old, new, event) -> [Alert]``. Pure.

* ``status.changed`` when the current status differs from the one subscribers
  last saw. A case's first appearance as ``open`` is not a change; a case first
  seen already closed (entries arriving newest first) reports the transition
  its history shows (``open -> closed``). The alert id is derived from the case,
  the entry that caused the change and the transition, so arrival order and
  redelivery never produce a second id for the same change.
* ``disposition.changed`` when a closed case's disposition is refined (the
  NEF text of a dismissal arrives after its RSS stub: prejudice
  ``unknown -> without``) without a status change.
* ``complaint.amended`` when a new amended pleading is applied.
"""

from __future__ import annotations

from typing import Protocol

from schemas.alerts import Alert, AlertData, AlertType
from schemas.events import DocketEvent
from schemas.projection import CaseState, Disposition
from schemas.vocabulary import Status
from services.core.evolve import holds_entry
from services.core.ids import alert_id

CAUSE_TEXT_LIMIT = 500


def _semantic(d: Disposition | None) -> tuple[str, str, str, str | None] | None:
    return None if d is None else (d.type, d.prejudice, d.date.isoformat(), d.detail)


def _evidence(new: CaseState, to: Status, event: DocketEvent) -> dict[str, str | None]:
    """How sure the change is (the closing's confidence, else the causing entry's) and the causing rule."""
    d = new.disposition
    if to == "closed" and d is not None:
        confidence = d.confidence
    else:
        confidence = event.data.classifier_confidence or "high"
    return {"confidence": confidence, "rule": event.data.classifier_rule}


class StatusView(Protocol):
    """What a status alert reads of the state before: a memory or a public snapshot."""

    @property
    def status(self) -> Status: ...
    @property
    def disposition(self) -> Disposition | None: ...


def detect(old: CaseState | None, new: CaseState, event: DocketEvent) -> list[Alert]:
    if new is old:
        return []
    alerts = status_alerts(old, new, event)
    if event.type == "complaint.amended" and not holds_entry(old, event.data.entry.entry_key):
        alerts.append(
            _alert(
                new, event, "complaint.amended", new.status, new.status, event.data.entry.date_filed
            )
        )
    return alerts


def _alert(
    new: CaseState,
    event: DocketEvent,
    kind: AlertType,
    frm: Status | None,
    to: Status,
    date_: object,
    extra: str = "",
) -> Alert:
    key = event.data.entry.entry_key
    text = event.data.entry.text
    return Alert(
        id=alert_id(new.case_id, kind, key, frm, to, extra),
        type=kind,
        subject=new.case_id,
        time=event.time,
        data=AlertData(
            case_id=new.case_id,
            court_id=new.court_id,
            docket_number=new.docket_number,
            case_name=new.case_name,
            nature_of_suit=new.nature_of_suit,
            class_action=new.flags.class_action,
            from_status=frm,
            to_status=to,
            disposition=new.disposition,
            date=date_,
            cause_event_id=event.id,
            cause_entry_key=key,
            cause_text=text[:CAUSE_TEXT_LIMIT] if text else None,
            **_evidence(new, to, event),
        ),
    )


def status_alerts(old: StatusView | None, new: CaseState, event: DocketEvent) -> list[Alert]:
    """``status.changed`` and ``disposition.changed`` (``old``: the state before, or its snapshot)."""
    alerts: list[Alert] = []

    def make(
        kind: AlertType, frm: Status | None, to: Status, date_: object, extra: str = ""
    ) -> Alert:
        return _alert(new, event, kind, frm, to, date_, extra)

    last = new.status_history[-1]
    if old is None:
        if new.status != "open" or len(new.status_history) > 1:
            frm = new.status_history[-2].status if len(new.status_history) > 1 else None
            if frm != new.status:
                alerts.append(make("status.changed", frm, new.status, last.date))
    elif old.status != new.status:
        alerts.append(make("status.changed", old.status, new.status, last.date))
    elif new.status == "closed" and _semantic(old.disposition) != _semantic(new.disposition):
        d = new.disposition
        assert d is not None
        extra = f"{d.type}/{d.prejudice}/{d.date.isoformat()}/{d.detail or ''}"
        alerts.append(make("disposition.changed", "closed", "closed", d.date, extra))

    return alerts
