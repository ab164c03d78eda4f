"""Why a ``--reclassify`` rebuild changes a case: the entry the new rules read differently. Pure.

A user upgrading docketline runs ``docketline rebuild --reclassify --dry-run``
and wants, per changed case, what a docket clerk would ask: which entry, what
did the old rules make of it, what do the new ones make of it, and which rule
decided. :func:`explain` answers from what the rebuild already holds: the live
projection (before), the rebuilt one (after), the events that read differently
now (``changed``) and the stored readings they replace (``stored``).

The deciding entry is, in this order, the first of these that reads
differently now: the entry that closes the rebuilt case (its disposition), the
one behind its latest status change, the entry that closed the live case, the
one behind its latest status change; failing those, the case's first entry
that reads differently (a change earlier in its history). ``None`` when no entry of the case
reads differently (the fold itself changed: reason ``recomputed``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from schemas.events import DocketEvent
from schemas.projection import CaseProjection
from services.rebuild.plan import CaseChange

TEXT_CHARS = 160
"""How much of the deciding entry's text a report shows."""


@dataclass(frozen=True, slots=True)
class Reading:
    """What one classifier made of an entry."""

    type: str
    rule: str | None
    classifier_version: str | None

    @classmethod
    def of(cls, event: DocketEvent) -> Reading:
        return cls(event.type, event.data.classifier_rule, event.data.classifier_version)

    def __str__(self) -> str:
        return f"{self.type} ({self.rule or '-'})"


@dataclass(frozen=True, slots=True)
class DecidingEntry:
    event_id: str
    entry_key: str
    date: str
    document_number: int | None
    text: str
    old: Reading | None
    """The stored reading (None when the rebuild did not see it)."""
    new: Reading


@dataclass(frozen=True, slots=True)
class ReclassifiedCase:
    """A case whose status or disposition the rebuild changes, and the entry that decides it."""

    case_id: str
    before: str
    after: str
    why: tuple[str, ...]
    entry: DecidingEntry | None


def _candidates(before: CaseProjection | None, after: CaseProjection | None) -> Iterable[str]:
    for state in (after, before):
        if state is None:
            continue
        if state.disposition is not None:
            yield state.disposition.event_id
        if state.status_history:
            yield state.status_history[-1].event_id


def deciding_event(
    case_id: str,
    before: CaseProjection | None,
    after: CaseProjection | None,
    changed: Mapping[str, DocketEvent],
) -> DocketEvent | None:
    """The re-read event that decides the difference between ``before`` and ``after`` (module doc)."""
    for event_id in _candidates(before, after):
        if event_id in changed:
            return changed[event_id]
    ours = [e for e in changed.values() if e.subject == case_id]
    if not ours:
        return None
    return min(
        ours, key=lambda e: (e.data.entry.date_filed, e.data.entry.document_number or 0, e.id)
    )


def explain(
    changes: Iterable[CaseChange],
    before: Mapping[str, CaseProjection | None],
    after: Mapping[str, CaseProjection | None],
    changed: Mapping[str, DocketEvent],
    stored: Mapping[str, Reading],
) -> list[ReclassifiedCase]:
    """Each change with its deciding entry: old and new reading, rule, date, number and text."""
    out: list[ReclassifiedCase] = []
    for change in changes:
        event = deciding_event(
            change.case_id, before.get(change.case_id), after.get(change.case_id), changed
        )
        entry = None
        if event is not None:
            e = event.data.entry
            text = " ".join(e.text.split())
            entry = DecidingEntry(
                event_id=event.id,
                entry_key=e.entry_key,
                date=e.date_filed.isoformat(),
                document_number=e.document_number,
                text=text if len(text) <= TEXT_CHARS else text[: TEXT_CHARS - 1] + "…",
                old=stored.get(event.id),
                new=Reading.of(event),
            )
        out.append(ReclassifiedCase(change.case_id, change.before, change.after, change.why, entry))
    return out
