"""The I/O half of ``docketline rebuild``: read the topics, write the plan, reseed the processor.

Procedure (docs/architecture.md, "Rebuild"):

1. **Workers stopped.** The processor's consumer group must have no members
   (checked with the admin API; ``--wait-idle`` waits for a killed worker's
   session to expire). A worker folding while the rebuild writes would mix
   two histories. The check is repeated before the offsets are committed.
2. **Read.** The group's committed offsets on ``docket.events``; the latest
   snapshot per case on ``case.states`` (any version: the old processor's
   ``CaseState`` v1 is upcast) and the latest memory per case on the
   processor table's private changelog (``processor.case-memory``); then
   ``docket.events`` from the beginning to its current end, folded with the
   pure core (:class:`LogFold`, or per partition in processes).
3. **Write, alerts first** (the processor's order): dead letters and alerts of
   records no worker acknowledged, and — only with ``--emit-alerts`` — alerts
   for changed statuses; then the changed memories to the private changelog
   and the changed snapshots to ``case.states``, on the partition of the
   case's events (the partition faust's table keeps the key in). A log the old
   processor wrote (v1 states on ``case.states``, no private changelog) is
   migrated so: every memory and every snapshot is written.
4. **Commit** the group's offsets to the end of what was folded, so workers
   continue after it instead of re-folding records whose outputs are written.
5. **Local tables.** Delete this machine's RocksDB files of the processor's
   table (``DATA_DIR/processor/v*/tables/case-memory-*``, and the old ``cases-*``):
   a worker rebuilds them from the changelog. A worker on another machine keeps its files; faust replays
   the changelog from the offset stored in them, which includes the rebuild's
   records.
6. **Read model**: reset, seed the re-read events, replay the output topics.

Every step is idempotent: a rebuild that dies half way is simply run again.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import pickle
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from aiokafka import TopicPartition  # type: ignore[import-untyped]
from aiokafka.errors import (  # type: ignore[import-untyped]
    KafkaError,
)

from schemas.cloudevents import Headers, kafka_record
from schemas.codec import CodecError, decode_snapshot
from schemas.events import DocketEvent
from schemas.projection import CaseSnapshot, CaseState
from services.core.classify import CLASSIFIER_VERSION, classify
from services.kafka import clients
from services.kafka.admin import GROUP_COORDINATOR_ERRORS, committed_offsets, coordinator_retry
from services.kafka.read import scan, scan_partitions, topic_extent
from services.kafka.topics import MAX_OUTPUT_BYTES, OUTPUT_COMPRESSION, ensure_app_topics
from services.processor.step import DeadLetter, RecordRejected, decode_record
from services.quarantine import Quarantined, keep, reason_of
from services.rebuild.explain import Reading, ReclassifiedCase, explain
from services.rebuild.fold_worker import FoldJob
from services.rebuild.plan import (
    ClassifyFn,
    FoldResult,
    LogFold,
    Plan,
    cause_event_id,
    plan,
    rebuild_alerts,
    reclassify,
    same_reading,
    status_differs,
)
from services.rebuild.report import RebuildReport
from services.settings import Settings

TABLES = ("case-memory", "cases")
"""The processor table's name, and the one before the private memory (its files are removed too)."""
WRITE_BATCH_BYTES = 1024 * 1024
"""Producer batch size of the rebuild's writes (per partition)."""


class RebuildError(Exception):
    """A rebuild that cannot start or finish; the message says what to do."""


class WorkersRunning(RebuildError):
    """The processor's consumer group has members: stop the workers first."""


class ReadModelRace(RebuildError):
    """Another feeder wrote stored readings into the read model during the rebuild."""


@dataclass(frozen=True, slots=True)
class Options:
    reclassify: bool = False
    emit_alerts: bool = False
    dry_run: bool = False
    read_model: bool = True
    read_model_only: bool = False
    """Only reset and refill this machine's read model (e.g. on an API host after a --reclassify rebuild)."""
    remove_local_tables: bool = True
    drop_orphans: bool = False
    wait_idle: float = 0.0
    """Seconds to wait for the processor group to become empty (a killed worker's session)."""
    timeout: float = 600.0
    jobs: int = 0
    """Processes folding the log, each a share of the partitions (0: one per core, at most one per
    partition; 1: in this process). ``--reclassify`` and ``--emit-alerts`` fold in this process."""


class Progress(Protocol):
    """Where the rebuild reports progress (the CLI draws it with rich)."""

    def stage(self, name: str, total: int | None = None) -> None: ...

    def advance(self, n: int) -> None: ...


class NoProgress:
    def stage(self, name: str, total: int | None = None) -> None:
        pass

    def advance(self, n: int) -> None:
        pass


def processor_group(settings: Settings) -> str:
    """The processor's faust app id = its consumer group (see ``build_processor``)."""
    return f"{settings.topic_prefix}{settings.processor_app_id}"


def changelog_topic(settings: Settings) -> str:
    """The processor table's private changelog (``services.processor.app``), not ``case.states``."""
    return settings.topic_memory


def local_table_dir(settings: Settings) -> Path:
    """Where this machine's workers keep the ``cases`` table (faust's ``tabledir``)."""
    from services.processor.app import build_processor  # faust is heavy: only when needed

    return Path(build_processor(settings).app.conf.tabledir)


# --------------------------------------------------------------------------- Kafka reads


async def latest_per_key(
    settings: Settings,
    topic: str,
    progress: Progress,
    timeout: float,
    kept: list[Quarantined] | None = None,
    offsets: dict[str, int] | None = None,
) -> dict[str, tuple[int, bytes]]:
    """case_id -> (partition, value) of the newest record of a compacted, case-keyed topic.

    A record without a UTF-8 key names no case: it goes to ``kept`` (quarantined
    by the caller). ``offsets`` receives each case's offset of that newest record.
    """
    out: dict[str, tuple[int, bytes]] = {}
    for_kept = kept if kept is not None else []
    async for batch in scan(settings, topic, timeout=timeout):
        for r in batch:
            try:
                if r.key is None:
                    raise ValueError("record without a key")
                key = r.key.decode("utf-8")
            except ValueError as exc:  # UnicodeDecodeError too
                for_kept.append(
                    Quarantined(
                        "rebuild", topic, r.partition, r.offset, r.key, r.value, reason_of(exc)
                    )
                )
                continue
            if r.value is None:
                out.pop(key, None)
            else:
                out[key] = (r.partition, r.value)
                if offsets is not None:
                    offsets[key] = r.offset
        progress.advance(len(batch))
    return out


class LiveDecoder:
    """Decodes live ``case.states`` snapshots; one that does not decode is quarantined, not fatal.

    The rebuild then treats the case as having no readable snapshot and writes
    the rebuilt one over it.
    """

    def __init__(
        self, topic: str, live: dict[str, tuple[int, bytes]], offsets: dict[str, int]
    ) -> None:
        self._topic = topic
        self._live = live
        self._offsets = offsets
        self.kept: dict[tuple[int, int], Quarantined] = {}

    def __call__(self, raw: bytes) -> CaseSnapshot | None:
        try:
            return decode_snapshot(raw)
        except CodecError as exc:
            case_id, partition = next((c, p) for c, (p, v) in self._live.items() if v is raw)
            offset = self._offsets.get(case_id, -1)
            self.kept[(partition, offset)] = Quarantined(
                "rebuild", self._topic, partition, offset, case_id.encode(), raw, exc.reason
            )
            return None

    def state(self, case_id: str) -> CaseSnapshot | None:
        return self(self._live[case_id][1]) if case_id in self._live else None


async def group_members(settings: Settings, group: str) -> list[str]:
    """``client_id@host`` of every member of ``group`` (empty list: no worker is running)."""

    async def describe() -> Any:
        admin = clients.admin(settings, client_id=clients.client_id(settings, "rebuild"))
        await admin.start()
        try:
            responses = await admin.describe_consumer_groups([group])
        finally:
            await admin.close()
        for response in responses:
            for error_code, *_ in response.groups:
                if error_code in GROUP_COORDINATOR_ERRORS:
                    raise GROUP_COORDINATOR_ERRORS[error_code]()
        return responses

    responses = await coordinator_retry(describe)
    members = []
    for response in responses:
        for error_code, group_id, _state, _ptype, _protocol, found, *_ in response.groups:
            if error_code:
                raise RebuildError(
                    f"describing consumer group {group_id!r} failed with error code {error_code}"
                )
            for m in found:
                host = next((x for x in m[1:] if isinstance(x, str) and x.startswith("/")), "")
                members.append(f"{m[0]}@{host.lstrip('/')}" if host else str(m[0]))
    return members


async def require_idle(settings: Settings, group: str, wait: float) -> None:
    deadline = time.monotonic() + wait
    while members := await group_members(settings, group):
        if time.monotonic() >= deadline:
            raise WorkersRunning(
                f"the processor's consumer group {group!r} has {len(members)} active member(s): "
                f"{', '.join(sorted(members))}. Stop every `docketline worker` of this deployment and run "
                "the rebuild again (a killed worker stays a member until its session times out: "
                "pass --wait-idle SECONDS to wait for that)."
            )
        await asyncio.sleep(1.0)


async def commit_offsets(
    settings: Settings, group: str, topic: str, offsets: dict[int, int]
) -> None:
    """Commit ``offsets`` for the (empty) group without joining it (a simple-consumer commit)."""
    if not offsets:
        return
    consumer = clients.consumer(settings, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        tps = {TopicPartition(topic, p): o for p, o in offsets.items()}
        consumer.assign(list(tps))
        await consumer.commit(tps)
    finally:
        await consumer.stop()


# --------------------------------------------------------------------------- folding in processes


def fold_jobs(options: Options, partitions: int) -> int:
    """How many processes fold the log (1 = in this process)."""
    if options.reclassify or options.emit_alerts or partitions < 2:
        return 1  # these need the models of the fold (re-read events, acknowledged states) here
    jobs = options.jobs or (os.cpu_count() or 1)
    return max(1, min(jobs, partitions))


def share_partitions(
    extent: dict[int, tuple[int, int]], jobs: int
) -> list[dict[int, tuple[int, int]]]:
    """Partitions in ``jobs`` sets of about equal record counts (largest first, to the smallest set)."""
    shares: list[dict[int, tuple[int, int]]] = [{} for _ in range(jobs)]
    loads = [0] * jobs
    by_size = sorted(
        extent.items(), key=lambda item: (item[1][0] - item[1][1], item[0])
    )  # most records first
    for p, (begin, end) in by_size:
        i = loads.index(min(loads))
        shares[i][p] = (begin, end)
        loads[i] += end - begin
    return [share for share in shares if share]


async def fold_in_processes(
    settings: Settings,
    topic: str,
    extent: dict[int, tuple[int, int]],
    committed: dict[int, int],
    jobs: int,
    timeout: float,
) -> FoldResult:
    """Fold ``topic`` up to the offsets in ``extent``, each share of its partitions in its own process.

    A case's events are all on one partition (the key is the case id), so the
    folds are independent; a case found on partitions of two shares comes back
    in ``misplaced`` and the caller folds the log in one process instead.
    """
    shares = share_partitions(extent, jobs)
    parts = await asyncio.gather(
        *(fold_in_child(FoldJob(settings, topic, share, committed, timeout)) for share in shares)
    )
    return FoldResult.merge(parts)


def _source_root() -> str:
    """The directory this checkout's ``services`` package is imported from."""
    return str(Path(__file__).resolve().parents[2])


async def fold_in_child(job: FoldJob) -> FoldResult:
    """Run :mod:`services.rebuild.fold_worker` on ``job`` in a new process (killed if this is cancelled)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (_source_root(), env.get("PYTHONPATH")) if p)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-P",  # no cwd on the path: the child imports what the parent imported
        "-m",
        "services.rebuild.fold_worker",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    try:
        out, err = await proc.communicate(pickle.dumps(job))
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    if proc.returncode != 0:
        raise RebuildError(f"a fold process exited with {proc.returncode}: " + _tail(err))
    size = int.from_bytes(out[:8], "big") if len(out) >= 8 else -1
    if size != len(out) - 8:
        raise RebuildError(f"a fold process sent {len(out) - 8} bytes of {size}: " + _tail(err))
    status, value = pickle.loads(memoryview(out)[8:])
    if status != "ok":
        raise value
    assert isinstance(value, FoldResult)
    return value


def _tail(err: bytes) -> str:
    return "\n".join(err.decode(errors="replace").strip().splitlines()[-20:])


def fold_partitions(
    settings: Settings,
    topic: str,
    share: dict[int, tuple[int, int]],
    committed: dict[int, int],
    timeout: float,
) -> FoldResult:
    """The fold of some partitions, up to the given end offsets (runs in a worker process)."""
    fold = LogFold(committed)

    async def read() -> None:
        async for batch in scan_partitions(
            settings, topic, {p: end for p, (_, end) in share.items()}, timeout=timeout
        ):
            for r in batch:
                fold.add(r.topic, r.partition, r.offset, r.key, r.value)

    asyncio.run(read())
    return FoldResult.of(fold, keep_models=False)


# --------------------------------------------------------------------------- Kafka writes

Send = tuple[str, bytes | None, bytes | None, int | None, Headers | None]
"""(topic, key, value, partition or None for the key's default partition, headers)."""


async def write_all(settings: Settings, groups: list[list[Send]], progress: Progress) -> None:
    """Write each group of records, awaiting every acknowledgement before the next group starts."""
    if not any(groups):
        return
    producer = clients.producer(
        settings,
        acks="all",
        enable_idempotence=True,
        linger_ms=20,
        # snapshots are several KB each: the default 16 KB batch holds two, so one
        # request per couple of records; 1 MB batches cut the requests ~100x
        max_batch_size=WRITE_BATCH_BYTES,
        max_request_size=MAX_OUTPUT_BYTES,  # uncompressed; the broker checks the compressed batch
        compression_type=OUTPUT_COMPRESSION,
        client_id=clients.client_id(settings, "rebuild"),
    )
    await producer.start()
    try:
        for sends in groups:
            futures = [
                await producer.send(
                    topic, key=key, value=value, partition=partition, headers=headers
                )
                for topic, key, value, partition, headers in sends
            ]
            await asyncio.gather(*futures)
            progress.advance(len(sends))
    finally:
        await producer.stop()


# --------------------------------------------------------------------------- the procedure


async def run_rebuild(
    settings: Settings,
    options: Options,
    progress: Progress | None = None,
    *,
    classify_fn: ClassifyFn = classify,
) -> RebuildReport:
    """Rebuild every projection from ``docket.events`` (see the module docstring)."""
    progress = progress or NoProgress()
    group, changelog = processor_group(settings), changelog_topic(settings)
    report = RebuildReport(
        dry_run=options.dry_run,
        read_model_only=options.read_model_only,
        reclassify=options.reclassify,
        classifier_version=CLASSIFIER_VERSION if options.reclassify else None,
    )
    try:
        writes = not (options.dry_run or options.read_model_only)
        if writes:
            await require_idle(settings, group, options.wait_idle)
            await ensure_app_topics(settings)  # case.states, the private changelog too
        extent = await topic_extent(
            settings, [settings.topic_events, settings.topic_states, changelog]
        )
        _check_partitions(extent, settings, changelog)
        report.partitions = len(extent.get(settings.topic_events, {}))
        committed = await committed_offsets(settings, group, settings.topic_events)

        def size(topic: str) -> int:
            return sum(end - begin for begin, end in extent.get(topic, {}).values())

        stored_readings: dict[str, Reading] = {}

        def reread(e: DocketEvent) -> DocketEvent:
            fresh = reclassify(e, classify_fn)
            if fresh is not e:  # what the old rules made of it, for the report
                stored_readings.setdefault(e.id, Reading.of(e))
            return fresh

        events_extent = extent.get(settings.topic_events, {})
        jobs = fold_jobs(options, len(events_extent))
        folding: asyncio.Future[FoldResult] | None = None
        table_dir: asyncio.Future[Path] | None = None
        if jobs > 1:  # other processes fold while this one reads the projections
            folding = asyncio.ensure_future(
                fold_in_processes(
                    settings,
                    settings.topic_events,
                    events_extent,
                    committed,
                    jobs,
                    options.timeout,
                )
            )
            if (
                writes and options.remove_local_tables
            ):  # faust's import (seconds of CPU) now, not after the writes
                table_dir = asyncio.ensure_future(asyncio.to_thread(local_table_dir, settings))
                table_dir.add_done_callback(_retrieve)  # a failure is raised where the path is used
        kept: list[Quarantined] = []
        live_offsets: dict[str, int] = {}
        try:
            live: dict[str, tuple[int, bytes]] = {}
            if settings.topic_states in extent:
                progress.stage(f"reading {settings.topic_states}", size(settings.topic_states))
                live = await latest_per_key(
                    settings, settings.topic_states, progress, options.timeout, kept, live_offsets
                )
            table: dict[str, tuple[int, bytes]] = {}
            if changelog in extent:
                progress.stage(f"reading {changelog}", size(changelog))
                table = await latest_per_key(settings, changelog, progress, options.timeout, kept)
            fold: FoldResult | None = None
            if folding is not None:
                progress.stage(
                    f"folding {settings.topic_events} ({jobs} processes)",
                    size(settings.topic_events),
                )
                fold = await folding
                progress.advance(fold.events + fold.undecodable)
                if fold.misplaced:  # a case on partitions folded apart: fold it all here
                    fold = None
        finally:
            if folding is not None and not folding.done():
                folding.cancel()
        if fold is None:
            log_fold = LogFold(committed, reread if options.reclassify else None)
            if settings.topic_events in extent:
                progress.stage(f"folding {settings.topic_events}", size(settings.topic_events))
                async for batch in scan(settings, settings.topic_events, timeout=options.timeout):
                    for r in batch:
                        log_fold.add(r.topic, r.partition, r.offset, r.key, r.value)
                    progress.advance(len(batch))
            fold = FoldResult.of(log_fold)
        live_bytes = {c: raw for c, (_, raw) in live.items()}
        decode_live = LiveDecoder(settings.topic_states, live, live_offsets)
        the_plan = plan(
            fold.encoded,
            live_bytes,
            {c: raw for c, (_, raw) in table.items()},
            rebuilt_memory=fold.memories,
            reasons=fold.reasons,
            decode=decode_live,
            rebuilt_states=fold.summaries,
            drop_orphans=options.drop_orphans,
        )
        alerts = list(fold.tail_alerts)
        report.alerts_unprocessed = len(alerts)
        if options.emit_alerts and not options.read_model_only:
            extra = await _changed_status_alerts(
                settings, options, fold, decode_live, reread, progress
            )
            report.alerts_rebuild = len(extra)
            alerts += [kafka_record(a) for a in extra]
        _fill(report, fold, the_plan)
        if options.reclassify:
            report.reclassified = _explained(the_plan, fold, decode_live, stored_readings)
        kept += [_kept(settings.topic_events, d) for d in fold.rejected] + list(
            decode_live.kept.values()
        )
        report.quarantined = len(kept)
        if options.dry_run:
            return report
        await asyncio.to_thread(keep, settings, kept)  # before anything is written
        if options.read_model_only:
            await _refill(settings, options, fold, report, progress)
            return report

        now = dt.datetime.now(dt.UTC)

        def partition(case_id: str) -> int:
            if case_id in fold.partition_of:
                return fold.partition_of[case_id]
            return live[case_id][0] if case_id in live else table[case_id][0]

        first: list[Send] = [
            (settings.topic_dlq, dl.key, dl.to_json(now), None, None)
            for dl in fold.tail_dead_letters
        ]
        first += [(settings.topic_alerts, key, value, None, h) for key, value, h in alerts]
        # on the partition of the case's events (faust keeps a key's table entry in that partition)
        to_states: list[Send] = [
            (changelog, c.encode(), raw, partition(c), None)
            for c, raw in the_plan.changelog.items()
        ]
        to_states += [
            (settings.topic_states, c.encode(), raw, partition(c), None)
            for c, raw in the_plan.snapshots.items()
        ]
        progress.stage(f"writing alerts, {changelog} and case.states", len(first) + len(to_states))
        await write_all(settings, [first, to_states], progress)

        to_commit = {p: o for p, o in fold.next_offset.items() if o > committed.get(p, 0)}
        await require_idle(settings, group, 0.0)  # nobody may have joined while we wrote
        await commit_offsets(settings, group, settings.topic_events, to_commit)
        report.offsets_committed = to_commit
        if options.remove_local_tables:
            tabledir = await table_dir if table_dir is not None else local_table_dir(settings)
            report.local_tables_removed = remove_local_tables(tabledir)
        if options.read_model:
            await _refill(settings, options, fold, report, progress)
        return report
    except (TimeoutError, KafkaError, OSError) as exc:
        raise RebuildError(
            f"Kafka at {settings.bootstrap_servers}: {type(exc).__name__}: {exc}"
        ) from exc


def _kept(topic: str, dead: DeadLetter) -> Quarantined:
    ref = dead.ref
    return Quarantined(
        "rebuild",
        topic,
        ref.partition,
        ref.offset,
        dead.key,
        dead.value,
        f"{dead.reason}: {dead.error}",
    )


def _retrieve(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()  # retrieved: no "exception was never retrieved" when the rebuild stopped first


async def _refill(
    settings: Settings,
    options: Options,
    fold: FoldResult,
    report: RebuildReport,
    progress: Progress,
) -> None:
    seed = list(fold.changed_readings.values())
    progress.stage("refilling the read model", None)
    report.read_model = await refill_read_model(settings, seed, options.timeout)
    report.read_model_seeded = len(seed)


def _check_partitions(
    extent: dict[str, dict[int, tuple[int, int]]], settings: Settings, changelog: str
) -> None:
    counts = {t: len(p) for t, p in extent.items()}
    if len(set(counts.values())) > 1:
        raise RebuildError(
            f"partition counts differ: {counts}. A case's events, snapshots and table entry must share a "
            "partition number; the processor cannot run on these topics either."
        )


def _explained(
    the_plan: Plan, fold: FoldResult, live: LiveDecoder, stored: dict[str, Reading]
) -> list[ReclassifiedCase]:
    """The changed cases with the entry the new rules read differently (services.rebuild.explain)."""
    ids = [c.case_id for c in the_plan.changes]
    before = {c: live.state(c) for c in ids}
    after = {c: decode_snapshot(fold.encoded[c]) if c in fold.encoded else None for c in ids}
    return explain(the_plan.changes, before, after, fold.changed_readings, stored)


def _fill(report: RebuildReport, fold: FoldResult, the_plan: Plan) -> None:
    report.events = fold.events
    report.undecodable = fold.undecodable
    report.cases = len(fold.encoded)
    report.readings_changed = len(fold.changed_readings)
    report.reading_transitions = dict(fold.transitions)
    report.unprocessed_records = fold.unprocessed
    report.snapshots_written = len(the_plan.snapshots)
    report.changelog_written = len(the_plan.changelog)
    report.orphans = the_plan.orphans
    report.orphans_dropped = bool(the_plan.orphans) and any(
        v is None for v in the_plan.snapshots.values()
    )
    report.misplaced_cases = sorted(fold.misplaced)
    report.changes = the_plan.changes
    report.dead_letters = len(fold.tail_dead_letters)


async def _changed_status_alerts(
    settings: Settings,
    options: Options,
    fold: FoldResult,
    live: LiveDecoder,
    reread: Callable[[DocketEvent], DocketEvent],
    progress: Progress,
) -> list[Any]:
    """Alerts for acknowledged projections whose status or disposition the rebuild changes.

    Their cause events are looked up in a second pass over the log, so the
    first pass never holds the whole log in memory.
    """
    before: dict[str, CaseSnapshot | None] = {}
    after: dict[str, CaseState] = {}
    for case_id, state in fold.acked.items():
        old = live.state(case_id)
        if status_differs(old, state):
            before[case_id], after[case_id] = old, state
    wanted = {cause_event_id(before[c], after[c]) for c in after}
    events = {i: e for i, e in fold.changed_readings.items() if i in wanted}
    missing = wanted - set(events)
    if missing:
        progress.stage("finding the events that caused changed statuses", None)
        async for batch in scan(settings, settings.topic_events, timeout=options.timeout):
            for r in batch:
                try:
                    event = decode_record(r.key, r.value)
                except RecordRejected:
                    continue
                if event.id in missing:
                    events[event.id] = reread(event) if options.reclassify else event
    return rebuild_alerts({c: s for c, s in before.items() if s is not None}, after, events)


def remove_local_tables(tabledir: Path) -> list[str]:
    """Delete this machine's RocksDB files of the processor's table; workers restore them from the changelog."""
    if not tabledir.is_dir():
        return []
    removed = []
    for path in sorted(p for table in TABLES for p in tabledir.glob(f"{table}-*")):
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
        removed.append(str(path))
    return removed


async def refill_read_model(
    settings: Settings, seed: list[DocketEvent], timeout: float
) -> dict[str, int]:
    """Reset the read model, write the re-read events, then replay the output topics into it.

    The re-read events go in first, in the reset's generation: the replay of
    ``docket.events`` then finds their ids already present and keeps them (the
    store keeps the first row per event id). Afterwards every seeded row is
    checked; a feeder of a running API could in principle have written the
    stored reading in between, which is reported instead of left behind.
    """
    from services.readmodel.feeder import Feeder, FeederTimeout
    from services.readmodel.store import Batch, open_read_model

    store = open_read_model(settings)
    try:
        await asyncio.to_thread(store.reset)
        generation = await asyncio.to_thread(store.generation)
        if seed:
            await asyncio.to_thread(store.apply, Batch(events=tuple(seed), generation=generation))
        feeder = Feeder(settings, store)
        feeder.start()
        try:
            await feeder.wait_caught_up(timeout)
        except FeederTimeout as exc:
            raise RebuildError(f"the read model did not catch up: {exc}") from exc
        finally:
            await feeder.stop()
        if seed:
            stored = await asyncio.to_thread(store.events_by_id, [e.id for e in seed])
            stale = [e.id for e in seed if e.id not in stored or not same_reading(stored[e.id], e)]
            if stale:
                raise ReadModelRace(
                    f"{len(stale)} events in the read model keep their stored reading (e.g. {stale[:3]}): "
                    "another feeder (an API on the same DATA_DIR?) wrote them during the rebuild. "
                    "Run `docketline rebuild --read-model-only --reclassify` again."
                )
        return await asyncio.to_thread(store.counts)
    finally:
        store.close()
