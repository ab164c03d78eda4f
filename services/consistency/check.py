"""``docketline check``: compare the live projections with a fold of the log."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from schemas.alerts import Alert
from schemas.codec import CodecError, decode_alert, decode_memory, decode_snapshot
from schemas.events import DocketEvent
from schemas.projection import CaseSnapshot, CaseState
from services.consistency.compare import Report, compare, fold_log
from services.kafka.read import scan, topic_exists
from services.processor.step import RecordRejected, decode_record
from services.quarantine import Quarantined, keep
from services.settings import Settings


async def check(
    settings: Settings,
    *,
    live_states: dict[str, CaseSnapshot] | None = None,
    reclassify: bool = False,
) -> Report:
    """Fold ``docket.events`` and compare with ``case.states`` (or ``live_states``) and ``case.alerts``.

    Snapshots of any version are read (a log the old processor wrote has
    ``state_version`` 1 on ``case.states``: upcast). The processor's private
    memory, when its topic exists, names the entries a differing case lacks.

    ``reclassify``: the projections were rebuilt with ``docketline rebuild
    --reclassify``, so the expected states fold the events as the current
    classifier reads them. An alert on the topic is then legitimate when either
    reading of the log causes it (it was sent before or after the rebuild), and
    only the alerts both readings cause must be there.
    """
    events: list[DocketEvent] = []
    undecodable = 0
    kept: list[Quarantined] = []

    def hold(record: Any, reason: str) -> None:
        kept.append(
            Quarantined(
                "check",
                record.topic,
                record.partition,
                record.offset,
                record.key,
                record.value,
                reason,
            )
        )

    async for batch in scan(settings, settings.topic_events):
        for record in batch:
            try:
                events.append(decode_record(record.key, record.value))
            except RecordRejected as exc:
                undecodable += 1  # dead-lettered by the processor; not part of any projection
                hold(record, f"{exc.reason}: {exc.error}")
    expected, alert_ids = fold_log(events)
    required_ids = alert_ids
    reread = 0
    if reclassify:
        from services.rebuild.plan import reclassify as reread_event

        current = [reread_event(e) for e in events]
        reread = len({e.id for e, c in zip(events, current) if c is not e})
        expected, current_ids = fold_log(current)
        alert_ids, required_ids = alert_ids | current_ids, alert_ids & current_ids
    if live_states is None:
        live_states = await _latest(settings, settings.topic_states, decode_snapshot, hold)
    live_memory: dict[str, CaseState] | None = None
    if await topic_exists(settings, settings.topic_memory):
        live_memory = await _latest(settings, settings.topic_memory, decode_memory, hold)
    alerts: list[Alert] = []
    async for batch in scan(settings, settings.topic_alerts):
        for record in batch:
            try:
                if record.value is None:
                    raise CodecError("alert record without a value")
                alerts.append(decode_alert(record.value))
            except CodecError as exc:
                hold(record, exc.reason)
    if kept:
        await asyncio.to_thread(keep, settings, kept)
    report = compare(
        expected,
        live_states,
        live_memory=live_memory,
        expected_alert_ids=alert_ids,
        required_alert_ids=required_ids,
        alerts=alerts,
        events=len(events),
    )
    report.undecodable = undecodable
    report.reclassified = reread
    report.quarantined = len(kept)
    named = {event_id for d in report.diffs for event_id in d.events}
    if named:  # a second pass only when something is lost: where in the log each named event is
        async for batch in scan(settings, settings.topic_events):
            for record in batch:
                try:
                    event_id = decode_record(record.key, record.value).id
                except RecordRejected:
                    continue
                if event_id in named:
                    report.positions.setdefault(event_id, []).append(
                        (record.partition, record.offset)
                    )
    return report


M = TypeVar("M")


async def _latest(
    settings: Settings,
    topic: str,
    decode: Callable[[bytes], M],
    hold: Callable[[Any, str], None],
) -> dict[str, M]:
    """case_id -> the decoded value of its newest record on a compacted, case-keyed topic."""
    out: dict[str, M] = {}
    async for batch in scan(settings, topic):
        for record in batch:
            try:
                if record.key is None:
                    raise CodecError("record without a key")
                case_id = record.key.decode("utf-8")
                if record.value is None:
                    out.pop(case_id, None)
                else:
                    out[case_id] = decode(record.value)
            except CodecError as exc:
                hold(record, exc.reason)  # the case then shows as a difference, if it has events
            except UnicodeDecodeError as exc:
                hold(record, f"key is not UTF-8: {exc}")
    return out


def report_lines(report: Report, limit: int = 20) -> list[str]:
    lines = [report.summary()]
    for d in report.diffs[:limit]:
        lines.append(f"  {d.kind:<10} {d.case_id}: {d.detail}")
        for event_id in d.events:
            at = ", ".join(
                f"partition {p} offset {o}" for p, o in report.positions.get(event_id, [])
            )
            lines.append(f"    lacks event {event_id}" + (f" ({at})" if at else ""))
    if len(report.diffs) > limit:
        lines.append(f"  ... {len(report.diffs) - limit} more")
    for i in report.alert_ids_missing[:limit]:
        lines.append(f"  alert missing: {i}")
    for i in report.alert_ids_unexpected[:limit]:
        lines.append(f"  alert unexpected: {i}")
    return lines
