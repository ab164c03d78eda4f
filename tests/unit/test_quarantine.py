"""The quarantine file: kept once per position, newest first, counted, and loud when it cannot write."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.quarantine import Quarantine, Quarantined, QuarantineError, reason_of


def _q(offset: int, reader: str = "readmodel", topic: str = "case.states") -> Quarantined:
    return Quarantined(reader, topic, 0, offset, b"k", b"\x00raw", f"bad {offset}")  # type: ignore[arg-type]


def test_a_record_is_kept_once_per_reader_and_position(tmp_path: Path) -> None:
    q = Quarantine(tmp_path / "q.sqlite")
    assert q.add([_q(1), _q(2)]) == 2
    assert q.add([_q(1), _q(3)]) == 1  # re-read after a crash or a rebuild: not counted twice
    assert q.add([_q(1, reader="dispatcher", topic="case.alerts")]) == 1
    assert q.counts() == {("readmodel", "case.states"): 3, ("dispatcher", "case.alerts"): 1}
    q.close()


def test_latest_is_newest_first_with_the_raw_bytes_and_a_time(tmp_path: Path) -> None:
    q = Quarantine(tmp_path / "q.sqlite")
    q.add([_q(1)])
    q.add([_q(2)])
    first, second = q.latest(2)
    assert (first.offset, second.offset) == (2, 1)
    assert first.value == b"\x00raw" and first.key == b"k" and first.reason == "bad 2"
    assert first.quarantined_at > 0 and first.when.year >= 2025
    q.close()


def test_the_file_survives_a_reopen(tmp_path: Path) -> None:
    Quarantine(tmp_path / "q.sqlite").add([_q(7)])
    q = Quarantine(tmp_path / "q.sqlite")
    assert [r.offset for r in q.latest()] == [7]
    q.close()


def test_a_place_that_cannot_hold_the_file_is_a_quarantine_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(QuarantineError, match="cannot open"):
        Quarantine(blocker / "q.sqlite")


def test_an_unwritable_quarantine_raises_so_the_reader_does_not_move_on(tmp_path: Path) -> None:
    q = Quarantine(tmp_path / "q.sqlite")
    q.close()
    with pytest.raises(
        QuarantineError, match="cannot write"
    ):  # nothing kept: the caller must not advance
        q.add([_q(1)])


def test_reason_of_names_the_exception() -> None:
    assert (
        reason_of(OverflowError("date value out of range"))
        == "OverflowError: date value out of range"
    )
    assert reason_of(KeyError()) == "KeyError"
