"""``docketline rebuild`` against the real broker, run as a user runs it (subprocesses).

* An unchanged log: the rebuild writes nothing and reports 0 changed; a rebuild
  of the same log into fresh topics writes byte-identical snapshots and the
  same alert ids as the worker did; workers continue from the rebuilt state.
* A log the old processor wrote (``CaseState`` v1 on ``case.states``, which was
  also its table's changelog; no private changelog): ``check`` reads it through
  the upcaster, the rebuild migrates it (every snapshot and memory written, no
  status changed), ``check`` then reports 0 differences and a worker folds a
  new entry on top of the migrated memory.
* A log with stale readings (entries stored with a wrong classification):
  ``--reclassify`` closes the case, reports it, sends no alert unless
  ``--emit-alerts``; restarted workers fold new events on top of the rebuilt
  state (after recovering their table from the changelog, with and without
  their local files) and ``docketline check --reclassify`` passes.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path
from typing import Any

import orjson
import pytest

from schemas.cloudevents import ce_headers
from schemas.codec import decode_alert, decode_memory, decode_snapshot, encode_event
from schemas.events import CaseInfo, DocketEvent, Entry
from services.consistency.check import check, report_lines
from services.core.build import build_event
from services.core.classification import Classification
from services.core.classify import CLASSIFIER_VERSION, classify
from services.core.ids import alert_id, entry_key
from services.kafka import clients
from services.kafka.topics import ensure_app_topics
from services.readmodel.store import open_read_model
from services.rebuild.run import changelog_topic
from services.settings import Settings
from tests.kafka_util import kafka_settings, produce_many, read_all, wait_caught_up
from tests.procs import DOCKETLINE, running, service_env
from tests.workload import workload

pytestmark = [pytest.mark.kafka, pytest.mark.timeout(900)]

FILED_AT = dt.date(2025, 1, 6)


def _settings(bootstrap: str, prefix: str, tmp: Path) -> Settings:
    return Settings(bootstrap_servers=bootstrap, topic_prefix=prefix, data_dir=tmp, partitions=4)


def _rebuild(env: dict[str, str], *args: str, expect: int = 0) -> subprocess.CompletedProcess[str]:
    # run right after the workers stop: a cleanly stopped worker leaves its group at once
    done = subprocess.run(
        [DOCKETLINE, "rebuild", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    print(
        f"$ docketline rebuild {' '.join(args)}  -> {done.returncode}\n{done.stdout}\n{done.stderr[-3000:]}"
    )
    assert done.returncode == expect, done.stderr[-3000:]
    return done


def _report(env: dict[str, str], *args: str) -> dict[str, Any]:
    report: dict[str, Any] = orjson.loads(_rebuild(env, *args, "--json").stdout)
    return report


async def _latest(bootstrap: str, topic: str) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    for r in await read_all(bootstrap, topic, timeout=120):
        if r.value is None:
            out.pop(r.key.decode(), None)
        else:
            out[r.key.decode()] = r.value
    return out


async def _run_worker_until_caught_up(s: Settings, env: dict[str, str], log: Path) -> None:
    with running(["worker", "-l", "warn"], env, log):
        await wait_caught_up(
            s.bootstrap_servers,
            f"{s.topic_prefix}{s.processor_app_id}",
            s.topic_events,
            timeout=300,
        )


# --------------------------------------------------------------------------- an unchanged log


async def _copy_events(bootstrap: str, source: str, target: str) -> int:
    """Copy a topic record by record onto the same partitions, in offset order."""
    records = await read_all(bootstrap, source, timeout=120)
    producer = clients.producer(
        kafka_settings(bootstrap), acks="all", enable_idempotence=True, linger_ms=20
    )
    await producer.start()
    try:
        futures = [
            await producer.send(target, key=r.key, value=r.value, partition=r.partition)
            for r in records
        ]
        for f in futures:
            await f
    finally:
        await producer.stop()
    return len(records)


async def test_rebuilding_an_unchanged_log_changes_nothing_and_a_fresh_rebuild_is_byte_identical(
    kafka_bootstrap: str, unique_prefix: str, tmp_path: Path
) -> None:
    records = workload(300, seed=21)
    live_dir, fresh_dir = tmp_path / "live", tmp_path / "fresh"
    s = _settings(kafka_bootstrap, unique_prefix + "a.", live_dir)
    fresh = _settings(kafka_bootstrap, unique_prefix + "b.", fresh_dir)
    env = service_env(kafka_bootstrap, s.topic_prefix, live_dir)
    fresh_env = service_env(kafka_bootstrap, fresh.topic_prefix, fresh_dir)
    await ensure_app_topics(s)
    await ensure_app_topics(fresh)
    await produce_many(kafka_bootstrap, s.topic_events, records)

    with running(["worker", "-l", "warn"], env, live_dir / "worker-1.log"):
        await wait_caught_up(
            kafka_bootstrap, f"{s.topic_prefix}{s.processor_app_id}", s.topic_events, timeout=300
        )
        refused = _rebuild(env, expect=2)
        assert "active member" in refused.stderr and "docketline worker" in refused.stderr

    live_states = await _latest(kafka_bootstrap, s.topic_states)
    snapshots_before = len(await read_all(kafka_bootstrap, s.topic_states))
    alerts_before = await read_all(kafka_bootstrap, s.topic_alerts)
    tables = list((live_dir / "processor").glob("v*/tables/case-memory-*"))
    assert tables, "the worker keeps its table in DATA_DIR/processor"

    # in place: nothing to write
    done = _rebuild(env)
    assert "changed: 0 cases" in done.stdout
    assert (
        "wrote 0 snapshots to case.states, 0 memories to the processor table's changelog"
        in done.stdout
    )
    assert "unprocessed: 0 records" in done.stdout
    assert len(await read_all(kafka_bootstrap, s.topic_states)) == snapshots_before
    assert len(await read_all(kafka_bootstrap, s.topic_alerts)) == len(alerts_before)
    assert not any(p.exists() for p in tables), "local table files are removed"
    store = open_read_model(s)
    try:
        assert store.counts()["cases"] == len(live_states)
    finally:
        store.close()

    # into fresh topics: the same log, no processor ever ran there
    copied = await _copy_events(kafka_bootstrap, s.topic_events, fresh.topic_events)
    report = _report(fresh_env)
    assert (report["events"], report["unprocessed_records"]) == (len(records), copied)
    assert report["snapshots_written"] == len(live_states) == report["changelog_written"]
    rebuilt_states = await _latest(kafka_bootstrap, fresh.topic_states)
    assert rebuilt_states.keys() == live_states.keys()
    different = [c for c in live_states if rebuilt_states[c] != live_states[c]]
    assert different == [], f"{len(different)} projections differ, e.g. {different[:3]}"
    assert await _latest(kafka_bootstrap, changelog_topic(fresh)) == await _latest(
        kafka_bootstrap, changelog_topic(s)
    ), "the worker recovers its table from the same memories"
    fresh_records = await read_all(kafka_bootstrap, fresh.topic_alerts)
    fresh_alerts = [decode_alert(r.value) for r in fresh_records]
    assert [list(r.headers) for r in fresh_records] == [ce_headers(a) for a in fresh_alerts]
    assert sorted(a.id for a in fresh_alerts) == sorted(
        decode_alert(r.value).id for r in alerts_before
    )
    assert report["alerts_unprocessed"] == len(fresh_alerts) > 0
    print(f"events {len(records)}, cases {len(live_states)}, byte-identical snapshots {len(live_states)}, "
          f"alerts {len(fresh_alerts)}")  # fmt: skip

    # workers continue from the rebuilt state: a new entry for a case folds on top of it
    case_id = min(live_states)
    old = decode_memory((await _latest(kafka_bootstrap, changelog_topic(s)))[case_id])
    for settings, env_, where in ((s, env, live_dir), (fresh, fresh_env, fresh_dir)):
        late = _later_entry(old, "MINUTE ENTRY: status conference held.")
        await produce_many(
            kafka_bootstrap, settings.topic_events, [(case_id.encode(), encode_event(late))]
        )
        await _run_worker_until_caught_up(settings, env_, where / "worker-2.log")
        new = decode_snapshot((await _latest(kafka_bootstrap, settings.topic_states))[case_id])
        assert new.entry_count == old.entry_count + 1, (
            "the new event folded on top of the recovered table"
        )
        assert new.status == old.status
        report_ = await check(settings)
        print(f"[{settings.topic_prefix}]", *report_lines(report_), sep="\n  ")
        assert report_.ok and not report_.alert_ids_redelivered, (
            "nothing re-processed after the rebuild"
        )


def _later_entry(state: Any, text: str) -> DocketEvent:
    last = state.entries[-1]
    day = last.date + dt.timedelta(days=3)
    case = CaseInfo(court_id=state.court_id, docket_number=state.docket_number)
    number = max(r.document_number or 0 for r in state.entries) + 1
    entry = Entry(
        entry_key=entry_key(state.case_id, document_number=number, date_filed=day),
        date_filed=day,
        document_number=number,
        text=text,
    )
    return build_event(
        case,
        entry,
        classify(text, None, number),
        source="tests/rebuild",
        classifier_version=CLASSIFIER_VERSION,
    )


# --------------------------------------------------------------------------- stale readings


def _case(n: int) -> CaseInfo:
    return CaseInfo(
        court_id="cand",
        docket_number=f"3:25-cv-{n:05d}",
        case_name=f"Roe {n} v. Acme Corp.",
        date_filed=FILED_AT,
    )


def _docket(
    n: int,
    texts: list[str],
    *,
    stale: dict[int, Classification] | None = None,
    stale_version: str = "rules-0.9",
    version: str = CLASSIFIER_VERSION,
) -> list[DocketEvent]:
    """A case in real phrasing, read by the current classifier except for the ``stale`` entries
    (read as ``stale`` says, by ``stale_version``); the others are stamped ``version``."""
    case = _case(n)
    case_id = f"cand:{case.docket_number}"
    out = []
    for number, text in enumerate(texts, start=1):
        day = FILED_AT + dt.timedelta(days=7 * (number - 1))
        entry = Entry(
            entry_key=entry_key(case_id, document_number=number, date_filed=day),
            date_filed=day,
            document_number=number,
            text=text,
        )
        if stale and number in stale:
            out.append(
                build_event(
                    case,
                    entry,
                    stale[number],
                    source="tests/rebuild",
                    classifier_version=stale_version,
                )
            )
        else:
            c = classify(text, None, number)
            out.append(
                build_event(case, entry, c, source="tests/rebuild", classifier_version=version)
            )
    return out


COMPLAINT = (
    "COMPLAINT against Acme Corp. ( Filing fee $ 405, receipt number ACANDC-1.). Filed by Jane Roe."
)
ANSWER = "ANSWER to Complaint by Acme Corp.. (Doe, John) (Filed on 2/1/2025)"
VOLUNTARY = "NOTICE OF VOLUNTARY DISMISSAL WITHOUT PREJUDICE by Jane Roe. (Filed on 3/30/2025)"
STIPULATED = "ORDER granting 20 Stipulation of Dismissal. This action is dismissed with prejudice. (Case closed.)"
STAYED = "ORDER staying case pending arbitration. Signed by Judge X."
MINUTES = "MINUTE ENTRY for proceedings held before Judge X: Status Conference held."
PLAIN = Classification()  # what an older classifier made of the notice: a plain entry


def _keyed(events: list[DocketEvent]) -> list[tuple[bytes, bytes]]:
    return [(e.subject.encode(), encode_event(e)) for e in events]


async def test_reclassify_closes_a_stale_case_reports_it_and_alerts_only_when_asked(
    kafka_bootstrap: str, unique_prefix: str, tmp_path: Path
) -> None:
    s = _settings(kafka_bootstrap, unique_prefix, tmp_path)
    env = service_env(kafka_bootstrap, unique_prefix, tmp_path)
    await ensure_app_topics(s)
    others: list[DocketEvent] = []
    for n in range(1, 21):  # cases read by the current classifier: a rebuild must leave them alone
        others += _docket(
            n, [COMPLAINT, ANSWER] + [[STIPULATED], [STAYED], [MINUTES], [VOLUNTARY]][n % 4]
        )
    s1 = _docket(101, [COMPLAINT, ANSWER, VOLUNTARY], stale={3: PLAIN})
    s1_id = s1[0].subject
    assert s1[2].type == "docket.entry"
    await produce_many(kafka_bootstrap, s.topic_events, _keyed(others + s1))
    await _run_worker_until_caught_up(s, env, tmp_path / "worker-1.log")
    alerts_before = {
        decode_alert(r.value).id for r in await read_all(kafka_bootstrap, s.topic_alerts)
    }
    assert alerts_before, "the other cases closed and stayed"
    states_before = len(await read_all(kafka_bootstrap, s.topic_states))
    assert decode_snapshot((await _latest(kafka_bootstrap, s.topic_states))[s1_id]).status == "open"

    # a dry run reports and writes nothing
    dry = _report(env, "--reclassify", "--dry-run")
    assert [c["case_id"] for c in dry["changes"]] == [s1_id]
    assert len(await read_all(kafka_bootstrap, s.topic_states)) == states_before

    report = _report(env, "--reclassify")
    assert report["readings_changed"] == 1
    assert report["reading_transitions"] == {"docket.entry -> case.dismissed": 1}
    [change] = report["changes"]
    assert change == {
        "case_id": s1_id,
        "before": "open",
        "after": "closed (voluntary_dismissal, without, 2025-01-20)",
        "why": ["reclassified"],
    }
    assert (report["snapshots_written"], report["changelog_written"]) == (1, 1)
    assert (report["alerts_rebuild"], report["alerts_unprocessed"]) == (0, 0)
    assert (
        decode_snapshot((await _latest(kafka_bootstrap, s.topic_states))[s1_id]).status == "closed"
    )
    assert (
        decode_memory((await _latest(kafka_bootstrap, changelog_topic(s)))[s1_id]).status
        == "closed"
    )
    after_rebuild = [
        decode_alert(r.value).id for r in await read_all(kafka_bootstrap, s.topic_alerts)
    ]
    assert sorted(after_rebuild) == sorted(alerts_before), "no alert without --emit-alerts"
    store = open_read_model(s)
    try:
        served = store.get_case(s1_id)
        assert served is not None and served.status == "closed"
        assert store.events_by_id([s1[2].id])[s1[2].id].type == "case.dismissed", (
            "the timeline shows the new reading"
        )
    finally:
        store.close()

    # a second stale case arrives and is processed; then a rebuild that sends alerts, keeping local tables
    s2 = _docket(102, [COMPLAINT, VOLUNTARY], stale={2: PLAIN})
    s2_id = s2[0].subject
    await produce_many(kafka_bootstrap, s.topic_events, _keyed(s2))
    await _run_worker_until_caught_up(s, env, tmp_path / "worker-2.log")
    report = _report(env, "--reclassify", "--emit-alerts", "--keep-local-tables")
    assert [c["case_id"] for c in report["changes"]] == [s2_id], "S1 is already rebuilt"
    assert report["alerts_rebuild"] == 1 and report["local_tables_removed"] == []
    records = await read_all(kafka_bootstrap, s.topic_alerts)
    alerts = [decode_alert(r.value) for r in records]
    sent = [a for a in alerts if a.id not in alerts_before]
    assert [list(r.headers) for r in records] == [
        ce_headers(a) for a in alerts
    ]  # worker and rebuild
    assert [(a.id, a.source, a.data.from_status, a.data.to_status) for a in sent] == [
        (
            alert_id(s2_id, "status.changed", s2[1].data.entry.entry_key, "open", "closed"),
            "docketline/rebuild",
            "open",
            "closed",
        )
    ]
    assert not [a for a in alerts if a.subject == s1_id], (
        "S1 was never alerted: its rebuild ran without --emit-alerts"
    )

    # workers continue on top of the rebuilt states (S2's table is replayed from the changelog
    # into the worker's kept local files; S1's came from the changelog after the files were removed)
    late = [
        _later_entry(
            decode_memory((await _latest(kafka_bootstrap, changelog_topic(s)))[c]), MINUTES
        )
        for c in (s1_id, s2_id)
    ]
    await produce_many(kafka_bootstrap, s.topic_events, _keyed(late))
    await _run_worker_until_caught_up(s, env, tmp_path / "worker-3.log")
    final = await _latest(kafka_bootstrap, s.topic_states)
    for case_id, entries in ((s1_id, 4), (s2_id, 3)):
        state = decode_snapshot(final[case_id])
        assert (state.status, state.entry_count) == ("closed", entries), case_id

    checked = subprocess.run(
        [DOCKETLINE, "check", "--reclassify"], env=env, capture_output=True, text=True, timeout=300
    )
    print(checked.stdout, checked.stderr[-2000:])
    assert checked.returncode == 0
    stored = subprocess.run(
        [DOCKETLINE, "check"], env=env, capture_output=True, text=True, timeout=300
    )
    assert stored.returncode == 1 and "differences 2" in stored.stdout, (
        "against the stored readings both cases differ"
    )


# What rules-2.4 made of entries that rules-2.5 reads differently (recorded readings: the
# events as that classifier wrote them, with its version and rule names).
RULES_2_4 = "rules-2.4"
HEARING = "DEFAULT JUDGMENT HEARING set for 5/5/2025 before Judge X."
DENIED_ADMIN_CLOSE = "ORDER denying 12 Motion to Administratively Close Case. Signed by Judge X."
CONSENT_JUDGMENT = (
    "ORDER granting 30 Joint Motion for Entry of Consent Judgment. Signed by Judge X."
)
READ_BY_2_4 = {
    HEARING: Classification(
        type="judgment.entered", judgment="default", rule="judgment"
    ),  # the hearing read as the judgment
    DENIED_ADMIN_CLOSE: Classification(
        type="case.closed",
        closed_disposition="other",
        reason="administrative closing",
        rule="administrative_closing",
    ),
    CONSENT_JUDGMENT: Classification(rule="default"),  # a consent judgment missed
}


def _old_log(n: int, texts: list[str]) -> list[DocketEvent]:
    """A case as rules-2.4 wrote it to docket.events (every event stamped with that version)."""
    old = {i: READ_BY_2_4[t] for i, t in enumerate(texts, start=1) if t in READ_BY_2_4}
    return _docket(n, texts, stale=old, stale_version=RULES_2_4, version=RULES_2_4)


async def test_reclassify_dry_run_lists_each_changed_case_with_its_deciding_entry_and_rule(
    kafka_bootstrap: str, unique_prefix: str, tmp_path: Path
) -> None:
    """A user upgrading from rules-2.4 sees, before writing anything, which cases change and why."""
    s = _settings(kafka_bootstrap, unique_prefix, tmp_path)
    env = service_env(kafka_bootstrap, unique_prefix, tmp_path)
    await ensure_app_topics(s)
    falsely_closed = _old_log(201, [COMPLAINT, ANSWER, HEARING])
    still_open = _old_log(202, [COMPLAINT, DENIED_ADMIN_CLOSE])
    missed_closing = _old_log(203, [COMPLAINT, ANSWER, CONSENT_JUDGMENT])
    unchanged = _old_log(204, [COMPLAINT, ANSWER, VOLUNTARY]) + _old_log(205, [COMPLAINT, STAYED])
    log = falsely_closed + still_open + missed_closing + unchanged
    await produce_many(kafka_bootstrap, s.topic_events, _keyed(log))
    await _run_worker_until_caught_up(s, env, tmp_path / "worker.log")
    live = await _latest(kafka_bootstrap, s.topic_states)
    assert [
        decode_snapshot(live[c[0].subject]).status
        for c in (falsely_closed, still_open, missed_closing)
    ] == [
        "closed",
        "closed",
        "open",
    ], "what the old rules made of these cases"
    states_before = len(await read_all(kafka_bootstrap, s.topic_states))

    dry = _report(env, "--reclassify", "--dry-run")

    assert dry["readings_changed"] == 3
    by_case = {c["case_id"]: c for c in dry["reclassified"]}
    assert sorted(by_case) == sorted(
        c[0].subject for c in (falsely_closed, still_open, missed_closing)
    )
    hearing = by_case[falsely_closed[0].subject]
    assert (hearing["before"], hearing["after"]) == (
        "closed (judgment, unknown, 2025-01-20)",
        "open",
    )
    assert hearing["entry"] == {
        "event_id": falsely_closed[2].id,
        "entry_key": falsely_closed[2].data.entry.entry_key,
        "date": "2025-01-20",
        "document_number": 3,
        "text": HEARING,
        "old": {"type": "judgment.entered", "rule": "judgment", "classifier_version": RULES_2_4},
        "new": {
            "type": "docket.entry",
            "rule": "default",
            "classifier_version": CLASSIFIER_VERSION,
        },
    }
    denied = by_case[still_open[0].subject]["entry"]
    assert (denied["document_number"], denied["old"]["type"], denied["new"]["type"]) == (
        2,
        "case.closed",
        "docket.entry",
    )
    consent = by_case[missed_closing[0].subject]
    assert consent["after"] == "closed (judgment, unknown, 2025-01-20)"
    assert (consent["entry"]["old"]["rule"], consent["entry"]["new"]["rule"]) == (
        "default",
        "consent_decree_entered_by_order",
    )
    assert len(await read_all(kafka_bootstrap, s.topic_states)) == states_before, (
        "a dry run writes nothing"
    )

    # the same as a user reads it in the terminal
    shown = _rebuild({**env, "COLUMNS": "300"}, "--reclassify", "--dry-run").stdout
    assert "changed: 3 cases" in shown
    for needle in (
        falsely_closed[0].subject,
        "judgment.entered (judgment) -> docket.entry (default)",
        "case.closed (administrative_closing) -> docket.entry",
        "docket.entry (default) -> judgment.entered (consent_decree_entered_by_order)",
        "2025-01-20 #3",
    ):
        assert needle in shown, needle


async def test_the_rebuild_writes_a_state_larger_than_the_message_size_and_check_agrees(
    kafka_bootstrap: str, unique_prefix: str, tmp_path: Path
) -> None:
    # the rebuild's own producer has the processor's limit: a ~17.6 MB state (16 MiB topic
    # limit) was refused uncompressed; compressed it is written, byte for byte the fold
    from schemas.codec import decode_event, encode_snapshot
    from services.core.evolve import project, snapshot
    from tests.integration.test_processor import oversized_case_records
    from tests.unit.core_builders import REF_ID

    big, after, other_id = oversized_case_records()
    expected = encode_snapshot(snapshot(project(decode_event(v) for _, v in big)))  # type: ignore[arg-type]
    s = _settings(kafka_bootstrap, unique_prefix, tmp_path)
    await ensure_app_topics(s)
    await produce_many(kafka_bootstrap, s.topic_events, [*big, *after])
    _rebuild(service_env(kafka_bootstrap, s.topic_prefix, tmp_path))
    rebuilt = {
        r.key.decode(): r.value for r in await read_all(kafka_bootstrap, s.topic_states, timeout=60)
    }
    assert rebuilt[REF_ID] == expected and other_id in rebuilt
    report = await check(s)
    assert report.ok, report_lines(report)


# --------------------------------------------------------------------------- the old processor's log


async def test_a_log_the_old_processor_wrote_is_migrated_and_check_reports_no_difference(
    kafka_bootstrap: str, unique_prefix: str, tmp_path: Path
) -> None:
    from schemas.codec import decode_event, encode, encode_memory, encode_snapshot
    from services.core.detect import detect
    from services.core.evolve import evolve, snapshot
    from services.kafka.admin import ensure_topics
    from services.kafka.topics import topic_specs
    from services.rebuild.run import commit_offsets, processor_group
    from tests import reference_fold

    s = _settings(kafka_bootstrap, unique_prefix, tmp_path)
    env = service_env(kafka_bootstrap, s.topic_prefix, tmp_path)
    # the old processor's topics: no private changelog
    await ensure_topics(s, [t for t in topic_specs(s) if t.name != s.topic_memory])
    records = workload(40, seed=5)
    await produce_many(kafka_bootstrap, s.topic_events, records)  # type: ignore[arg-type]
    # what the old processor wrote: each changed state (v1) and the alerts, then its offsets
    old: dict[str, Any] = {}
    new: dict[str, Any] = {}
    outputs: list[tuple[bytes | None, bytes | None]] = []
    alerts: list[tuple[bytes | None, bytes | None]] = []
    for _, value in records:
        event = decode_event(value)
        before = new.get(event.subject)
        old[event.subject] = reference_fold.evolve(old.get(event.subject), event)
        new[event.subject] = evolve(before, event)
        if new[event.subject] is not before:
            alerts += [
                (a.subject.encode(), encode(a)) for a in detect(before, new[event.subject], event)
            ]
        outputs.append((event.subject.encode(), reference_fold.encode(old[event.subject])))
    await produce_many(kafka_bootstrap, s.topic_states, outputs)
    await produce_many(kafka_bootstrap, s.topic_alerts, alerts)
    by_partition: dict[int, int] = {}
    for r in await read_all(kafka_bootstrap, s.topic_events):
        by_partition[r.partition] = max(by_partition.get(r.partition, 0), r.offset + 1)
    await commit_offsets(s, processor_group(s), s.topic_events, by_partition)

    before_migration = await check(s)
    print("before:", *report_lines(before_migration), sep="\n  ")
    assert before_migration.ok, "the v1 snapshots read through the upcaster"

    report = _report(env)
    assert report["snapshots_written"] == report["changelog_written"] == len(new)
    assert (report["changes"], report["unprocessed_records"]) == ([], 0)
    snapshots = await _latest(kafka_bootstrap, s.topic_states)
    memories = await _latest(kafka_bootstrap, changelog_topic(s))
    assert snapshots == {c: encode_snapshot(snapshot(m)) for c, m in new.items()}
    assert memories == {c: encode_memory(m) for c, m in new.items()}
    after_migration = await check(s)
    print("after:", *report_lines(after_migration), sep="\n  ")
    assert after_migration.ok and after_migration.cases == len(new)
    assert not after_migration.diffs

    case_id = min(new)
    late = _later_entry(new[case_id], MINUTES)
    await produce_many(kafka_bootstrap, s.topic_events, [(case_id.encode(), encode_event(late))])
    await _run_worker_until_caught_up(s, env, tmp_path / "worker.log")
    grown = decode_snapshot((await _latest(kafka_bootstrap, s.topic_states))[case_id])
    assert grown.entry_count == new[case_id].entry_count + 1
    assert grown.last_entry is not None and grown.last_entry.event_id == late.id
    final = await check(s)
    print("after a worker:", *report_lines(final), sep="\n  ")
    assert final.ok
