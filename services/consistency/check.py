"""``docketline check``: compare the live projections with a fold of the log."""

from __future__ import annotations

from schemas.alerts import Alert
from schemas.codec import decode_alert, decode_state
from schemas.events import DocketEvent
from schemas.projection import CaseState
from services.consistency.compare import Report, compare, fold_log
from services.kafka_read import scan
from services.processor.step import RecordRejected, decode_record
from services.settings import Settings


async def check(
    settings: Settings, *, live_states: dict[str, CaseState] | None = None, reclassify: bool = False
) -> Report:
    """Fold ``docket.events`` and compare with ``case.states`` (or ``live_states``) and ``case.alerts``.

    ``reclassify``: the projections were rebuilt with ``docketline rebuild
    --reclassify``, so the expected states fold the events as the current
    classifier reads them. An alert on the topic is then legitimate when either
    reading of the log causes it (it was sent before or after the rebuild), and
    only the alerts both readings cause must be there.
    """
    events: list[DocketEvent] = []
    undecodable = 0
    async for batch in scan(settings.bootstrap_list, settings.topic_events):
        for record in batch:
            try:
                events.append(decode_record(record.key, record.value))
            except RecordRejected:
                undecodable += 1  # dead-lettered by the processor; not part of any projection
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
        live_states = {}
        async for batch in scan(settings.bootstrap_list, settings.topic_states):
            for record in batch:
                if record.value is None:
                    live_states.pop(record.key.decode(), None)
                else:
                    live_states[record.key.decode()] = decode_state(record.value)
    alerts: list[Alert] = []
    async for batch in scan(settings.bootstrap_list, settings.topic_alerts):
        alerts.extend(decode_alert(r.value) for r in batch)
    report = compare(
        expected,
        live_states,
        expected_alert_ids=alert_ids,
        required_alert_ids=required_ids,
        alerts=alerts,
        events=len(events),
    )
    report.undecodable = undecodable
    report.reclassified = reread
    named = {event_id for d in report.diffs for event_id in d.events}
    if named:  # a second pass only when something is lost: where in the log each named event is
        async for batch in scan(settings.bootstrap_list, settings.topic_events):
            for record in batch:
                try:
                    event_id = decode_record(record.key, record.value).id
                except RecordRejected:
                    continue
                if event_id in named:
                    report.positions.setdefault(event_id, []).append((record.partition, record.offset))
    return report


def report_lines(report: Report, limit: int = 20) -> list[str]:
    lines = [report.summary()]
    for d in report.diffs[:limit]:
        lines.append(f"  {d.kind:<10} {d.case_id}: {d.detail}")
        for event_id in d.events:
            at = ", ".join(f"partition {p} offset {o}" for p, o in report.positions.get(event_id, []))
            lines.append(f"    lacks event {event_id}" + (f" ({at})" if at else ""))
    if len(report.diffs) > limit:
        lines.append(f"  ... {len(report.diffs) - limit} more")
    for i in report.alert_ids_missing[:limit]:
        lines.append(f"  alert missing: {i}")
    for i in report.alert_ids_unexpected[:limit]:
        lines.append(f"  alert unexpected: {i}")
    return lines
