"""The publish pipeline's bookkeeping: duplicates, the ledger, failures, exit codes, the report.

The sink here is an in-memory stand-in for the broker (the real one is
exercised in tests/integration/test_ingest_publish.py); the ledger is the real
SQLite file.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
from typer.testing import CliRunner

from schemas.events import DocketEvent
from services.ingest import cli
from services.ingest.formats import parse_path
from services.ingest.ledger import Ledger
from services.ingest.publisher import IngestSummary, SendResult, run_ingest
from services.ingest.records import Parsed, ParseResult, Rejected
from services.ingest.rejects import RejectReport, read_report
from services.settings import load_settings

DEMO = Path(__file__).resolve().parents[2] / "services" / "demo"


class MemorySink:
    """Acknowledges every event, except ids listed in ``fail``."""

    topic = "t.docket.events"

    def __init__(self, fail: frozenset[str] = frozenset()) -> None:
        self.sent: list[DocketEvent] = []
        self.fail = fail

    async def send(self, events: Sequence[DocketEvent]) -> list[SendResult]:
        out = []
        for e in events:
            if e.id in self.fail:
                out.append(SendResult(error="KafkaTimeoutError: broker went away"))
            else:
                self.sent.append(e)
                out.append(SendResult(partition=0, offset=len(self.sent) - 1))
        return out


def _demo() -> list[ParseResult]:
    return list(parse_path(DEMO / "reference_case.jsonl")) + list(
        parse_path(DEMO / "sample_cases.jsonl")
    )


async def test_duplicates_in_one_run_are_sent_once() -> None:
    records = _demo()
    sink = MemorySink()
    summary = await run_ingest(records + records, sink, chunk=7)
    assert summary.published == len(records) == 17  # 2 reference entries + 5 cases x 3
    assert summary.duplicates_in_run == 17
    assert [e.id for e in sink.sent] == [r.event.id for r in records if isinstance(r, Parsed)]
    assert summary.exit_code() == 0


async def test_the_ledger_makes_a_second_run_publish_nothing(tmp_path: Path) -> None:
    ledger = Ledger.in_data_dir(tmp_path)
    first = await run_ingest(_demo(), MemorySink(), ledger=ledger)
    second_sink = MemorySink()
    second = await run_ingest(_demo(), second_sink, ledger=ledger)
    assert (first.published, first.duplicates) == (17, 0)
    assert (second.published, second.duplicates_in_ledger, second_sink.sent) == (0, 17, [])
    assert second.line() == "published 0, duplicates skipped 17, rejected 0"
    assert second.exit_code() == 0
    assert "already published" in (second.note() or "")
    assert ledger.count(MemorySink.topic) == 17
    # another topic is another ledger namespace
    other = MemorySink()
    other.topic = "u.docket.events"
    assert (await run_ingest(_demo(), other, ledger=ledger)).published == 17


async def test_unacknowledged_events_are_not_recorded_and_fail_the_run(tmp_path: Path) -> None:
    records = _demo()
    lost = records[3]
    assert isinstance(lost, Parsed)
    ledger = Ledger.in_data_dir(tmp_path)
    summary = await run_ingest(records, MemorySink(fail=frozenset({lost.event.id})), ledger=ledger)
    assert (summary.published, summary.failed) == (16, 1)
    assert lost.event.id in summary.failures[0]
    assert summary.exit_code() == 1
    retry = await run_ingest(records, MemorySink(), ledger=ledger)
    assert (retry.published, retry.duplicates) == (1, 16)


async def test_rejected_records_reach_the_hook_in_order() -> None:
    seen: list[Rejected] = []
    bad = [Rejected("f.jsonl:1", "Invalid JSON", b"{"), Rejected("f.jsonl:3", "no date", b"x")]
    records: list[ParseResult] = [bad[0], *_demo()[:1], bad[1]]
    summary = await run_ingest(records, MemorySink(), on_rejected=seen.append)
    assert seen == bad
    assert (summary.published, summary.rejected, summary.exit_code()) == (1, 2, 0)


@pytest.mark.parametrize(
    ("summary", "code"),
    [
        (IngestSummary(records=3, published=1, rejected=2), 0),
        (IngestSummary(records=2, duplicates_in_ledger=2), 0),
        (IngestSummary(records=3, duplicates_in_ledger=2, rejected=1), 0),  # a re-run
        (IngestSummary(records=2, duplicates_in_run=1, rejected=1), 1),
        (IngestSummary(records=2, rejected=2), 1),
        (IngestSummary(records=0), 1),
        (IngestSummary(records=5, published=4, failed=1), 1),
    ],
)
def test_exit_code_rule(summary: IngestSummary, code: int) -> None:
    assert summary.exit_code() == code


def test_the_report_keeps_raw_bytes(tmp_path: Path) -> None:
    with RejectReport(tmp_path / "rejected") as report:
        assert not report.written
        report.add(Rejected("a.xml#item-2", "no usable pubDate", b"<item>\xff</item>"))
        report.add(Rejected("b.json", "unreadable", None))
    assert read_report(report.path) == [
        Rejected("a.xml#item-2", "no usable pubDate", b"<item>\xff</item>"),
        Rejected("b.json", "unreadable", None),
    ]


# --------------------------------------------------------------------------- the command


def test_dry_run_prints_events_and_counts_without_kafka_or_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = load_settings(data_dir=tmp_path / "data", bootstrap_servers="127.0.0.1:1")
    code = cli.run(settings, [DEMO], "auto", dry_run=True, use_ledger=True)
    out, err = capsys.readouterr()
    assert code == 0
    assert "cand:5:25-cv-00709  2025-01-30    #12  case.dismissed" in out
    # 17 JSONL events + 2 RSS stubs + 1 NEF
    assert out.strip().splitlines()[-1] == "would publish 20, duplicates skipped 0, rejected 0"
    assert "file(s) that are not an input format" in err and "make_demo.py" in err
    assert not (tmp_path / "data").exists()


def test_rejected_records_are_printed_and_reported_and_nothing_published_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b"{nope\n\n[1]\n")
    settings = load_settings(data_dir=tmp_path / "data")
    code = cli.run(settings, [bad], "auto", dry_run=True, use_ledger=False)
    out, err = capsys.readouterr()
    assert code == 1
    assert f"rejected {bad}:1: <record>: Invalid JSON" in err
    assert f"rejected {bad}:3: <record>: Input should be an object" in err
    assert "would publish 0, duplicates skipped 0, rejected 2" in out
    assert "note: nothing could be published" in out


def test_an_unreachable_broker_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = load_settings(data_dir=tmp_path, bootstrap_servers=f"127.0.0.1:{port}")
    code = cli.run(
        settings, [DEMO / "reference_case.jsonl"], "auto", dry_run=False, use_ledger=True
    )
    _, err = capsys.readouterr()
    assert code == 1
    assert f"error: cannot prepare topic docket.events on 127.0.0.1:{port}" in err


def test_the_typer_command_checks_paths_and_formats(tmp_path: Path) -> None:
    import typer

    app = typer.Typer()
    app.command()(cli.ingest_command)
    runner = CliRunner()
    missing = runner.invoke(app, [str(tmp_path / "nope.jsonl")])
    assert missing.exit_code == 2 and "no such file or directory" in missing.output
    wrong = runner.invoke(app, ["--format", "yaml", str(DEMO)])
    assert wrong.exit_code == 2
    ok = runner.invoke(
        app,
        ["--dry-run", "--format", "pacer-rss", str(DEMO / "reference_case_rss.xml")],
        env={"DOCKETLINE_DATA_DIR": str(tmp_path)},
    )
    assert ok.exit_code == 0, ok.output
    assert "would publish 2, duplicates skipped 0, rejected 0" in ok.output
