"""``docketline rebuild`` against the real broker, run as a user runs it (subprocesses).

* An unchanged log: the rebuild writes nothing and reports 0 changed; a rebuild
  of the same log into fresh topics writes byte-identical snapshots and the
  same alert ids as the worker did; workers continue from the rebuilt state.
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

from schemas.codec import decode_alert, decode_state, encode_event
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
    tables = list((live_dir / "processor").glob("v*/tables/cases-*"))
    assert tables, "the worker keeps its table in DATA_DIR/processor"

    # in place: nothing to write
    done = _rebuild(env)
    assert "changed: 0 cases" in done.stdout
    assert "wrote 0 snapshots to case.states (also the processor table's changelog)" in done.stdout
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
    assert (
        changelog_topic(fresh) == fresh.topic_states
    )  # the worker recovers its table from the snapshots
    fresh_alerts = [
        decode_alert(r.value) for r in await read_all(kafka_bootstrap, fresh.topic_alerts)
    ]
    assert sorted(a.id for a in fresh_alerts) == sorted(
        decode_alert(r.value).id for r in alerts_before
    )
    assert report["alerts_unprocessed"] == len(fresh_alerts) > 0
    print(f"events {len(records)}, cases {len(live_states)}, byte-identical snapshots {len(live_states)}, "
          f"alerts {len(fresh_alerts)}")  # fmt: skip

    # workers continue from the rebuilt state: a new entry for a case folds on top of it
    case_id = sorted(live_states)[0]
    old = decode_state(live_states[case_id])
    for settings, env_, where in ((s, env, live_dir), (fresh, fresh_env, fresh_dir)):
        late = _later_entry(old, "MINUTE ENTRY: status conference held.")
        await produce_many(
            kafka_bootstrap, settings.topic_events, [(case_id.encode(), encode_event(late))]
        )
        await _run_worker_until_caught_up(settings, env_, where / "worker-2.log")
        new = decode_state((await _latest(kafka_bootstrap, settings.topic_states))[case_id])
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
    n: int, texts: list[str], *, stale: dict[int, Classification] | None = None
) -> list[DocketEvent]:
    """A case in real phrasing, read by the current classifier except for the ``stale`` entries."""
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
                    classifier_version="rules-0.9",
                )
            )
        else:
            c = classify(text, None, number)
            out.append(
                build_event(
                    case, entry, c, source="tests/rebuild", classifier_version=CLASSIFIER_VERSION
                )
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
    assert decode_state((await _latest(kafka_bootstrap, s.topic_states))[s1_id]).status == "open"

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
    assert decode_state((await _latest(kafka_bootstrap, s.topic_states))[s1_id]).status == "closed"
    assert (
        decode_state((await _latest(kafka_bootstrap, changelog_topic(s)))[s1_id]).status == "closed"
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
    alerts = [decode_alert(r.value) for r in await read_all(kafka_bootstrap, s.topic_alerts)]
    sent = [a for a in alerts if a.id not in alerts_before]
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
        _later_entry(decode_state((await _latest(kafka_bootstrap, s.topic_states))[c]), MINUTES)
        for c in (s1_id, s2_id)
    ]
    await produce_many(kafka_bootstrap, s.topic_events, _keyed(late))
    await _run_worker_until_caught_up(s, env, tmp_path / "worker-3.log")
    final = await _latest(kafka_bootstrap, s.topic_states)
    for case_id, entries in ((s1_id, 4), (s2_id, 3)):
        state = decode_state(final[case_id])
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


async def test_the_rebuild_writes_a_state_larger_than_the_message_size_and_check_agrees(
    kafka_bootstrap: str, unique_prefix: str, tmp_path: Path
) -> None:
    # the rebuild's own producer has the processor's limit: a ~17.6 MB state (16 MiB topic
    # limit) was refused uncompressed; compressed it is written, byte for byte the fold
    from schemas.codec import decode_event, encode
    from services.core.evolve import project
    from tests.integration.test_processor import oversized_case_records
    from tests.unit.core_builders import REF_ID

    big, after, other_id = oversized_case_records()
    expected = encode(project(decode_event(v) for _, v in big))  # type: ignore[arg-type]
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
