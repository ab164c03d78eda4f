"""`docketline ingest` against the real broker, run as a user runs it."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from schemas.codec import decode_event
from services.demo import make_demo
from services.ingest.rejects import read_report
from tests.kafka_util import read_all
from tests.procs import DOCKETLINE, service_env

pytestmark = pytest.mark.kafka

DEMO = Path(make_demo.__file__).resolve().parent
DEMO_JSONL = [DEMO / "reference_case.jsonl", DEMO / "sample_cases.jsonl"]


def _ingest(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [DOCKETLINE, "ingest", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    print(
        f"$ docketline ingest {' '.join(args)}\n--- stdout\n{proc.stdout}--- stderr\n{proc.stderr}"
    )
    return proc


def _file_events(paths: list[Path]) -> list[tuple[str, str]]:
    return [
        (decode_event(line).subject, decode_event(line).id)
        for p in paths
        for line in p.read_bytes().splitlines()
        if line.strip()
    ]


async def test_demo_events_land_keyed_by_case_in_order_and_a_rerun_publishes_nothing(
    kafka_bootstrap: str, unique_prefix: str, tmp_path: Path
) -> None:
    env = service_env(kafka_bootstrap, unique_prefix, tmp_path)
    topic = f"{unique_prefix}docket.events"
    expected = _file_events(DEMO_JSONL)
    assert len(expected) == 17

    first = _ingest(env, *map(str, DEMO_JSONL))
    assert first.returncode == 0
    assert "published 17, duplicates skipped 0, rejected 0" in first.stdout

    records = await read_all(kafka_bootstrap, topic)
    assert len(records) == 17, [r.key for r in records]
    assert {r.partition for r in records} <= {0, 1, 2, 3}
    got = []
    for r in records:
        event = decode_event(r.value)
        assert r.key == event.subject.encode("utf-8")
        got.append((event.subject, event.id))
    assert sorted(got) == sorted(expected)
    # one case, one partition, in file order
    for case in {c for c, _ in expected}:
        in_topic = [r for r in records if r.key == case.encode()]
        assert len({r.partition for r in in_topic}) == 1
        assert [decode_event(r.value).id for r in in_topic] == [i for c, i in expected if c == case]

    again = _ingest(env, *map(str, DEMO_JSONL))
    assert again.returncode == 0
    assert "published 0, duplicates skipped 17, rejected 0" in again.stdout
    assert "nothing new" in again.stdout
    assert len(await read_all(kafka_bootstrap, topic)) == 17

    forced = _ingest(env, "--no-ledger", str(DEMO_JSONL[0]))
    assert forced.returncode == 0
    assert "published 2, duplicates skipped 0, rejected 0" in forced.stdout
    assert len(await read_all(kafka_bootstrap, topic)) == 19  # consumers drop the repeats by id


async def test_a_file_with_bad_lines_publishes_the_good_ones_and_reports_the_bad_ones(
    kafka_bootstrap: str, unique_prefix: str, tmp_path: Path
) -> None:
    env = service_env(kafka_bootstrap, unique_prefix, tmp_path / "data")
    complaint, dismissal = (DEMO / "reference_case.jsonl").read_bytes().splitlines()
    mixed = tmp_path / "mixed.jsonl"
    unknown_type = complaint.replace(b'"type":"case.filed"', b'"type":"case.exploded"')
    no_subject = dismissal.replace(b'"subject":"cand:5:25-cv-00709",', b"")
    assert unknown_type != complaint and no_subject != dismissal
    mixed.write_bytes(
        b"\n".join([complaint, b"{not json", unknown_type, b"", no_subject, dismissal]) + b"\n"
    )

    proc = _ingest(env, str(mixed))
    assert proc.returncode == 0
    assert "published 2, duplicates skipped 0, rejected 3" in proc.stdout
    assert f"rejected {mixed}:2: <record>: Invalid JSON" in proc.stderr
    assert f"rejected {mixed}:3: <record>: Input tag 'case.exploded'" in proc.stderr
    assert f"rejected {mixed}:5: case.dismissed.subject: Field required" in proc.stderr

    report_line = next(
        ln for ln in proc.stdout.splitlines() if ln.startswith("rejected records written to ")
    )
    report = read_report(Path(report_line.removeprefix("rejected records written to ")))
    assert [(r.where, r.raw) for r in report] == [
        (f"{mixed}:2", b"{not json"),
        (f"{mixed}:3", unknown_type),
        (f"{mixed}:5", no_subject),
    ]

    records = await read_all(kafka_bootstrap, f"{unique_prefix}docket.events")
    assert [decode_event(r.value).id for r in records] == [
        decode_event(complaint).id,
        decode_event(dismissal).id,
    ]

    only_bad = tmp_path / "bad.jsonl"
    only_bad.write_bytes(b"{not json\n")
    failed = _ingest(env, str(only_bad))
    assert failed.returncode == 1
    assert "published 0, duplicates skipped 0, rejected 1" in failed.stdout


async def test_all_three_source_formats_of_the_reference_case_publish_to_one_key(
    kafka_bootstrap: str, unique_prefix: str, tmp_path: Path
) -> None:
    env = service_env(kafka_bootstrap, unique_prefix, tmp_path)
    rss, nef = DEMO / "reference_case_rss.xml", DEMO / "reference_dismissal_nef.eml"
    proc = _ingest(env, str(rss), str(nef))
    assert proc.returncode == 0
    assert "published 3, duplicates skipped 0, rejected 0" in proc.stdout
    records = await read_all(kafka_bootstrap, f"{unique_prefix}docket.events")
    assert {r.key for r in records} == {b"cand:5:25-cv-00709"}
    events = [decode_event(r.value) for r in records]
    assert [(e.data.entry.entry_key, e.data.entry.text_is_stub) for e in events] == [
        ("cand:5:25-cv-00709#12", True),
        ("cand:5:25-cv-00709#1", True),
        ("cand:5:25-cv-00709#12", False),
    ]
