"""Prints the fuzz harness's budget (``tests/fuzz/budget.py``) at the end of every pytest run."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.fuzz.budget import CALLS, FUZZ, PROFILE

_seconds: dict[str, float] = {}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    start = time.perf_counter()
    yield
    if getattr(getattr(item, "obj", None), "is_hypothesis_test", False):
        _seconds[item.nodeid] = time.perf_counter() - start


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _seconds:
        return
    s = FUZZ
    terminalreporter.write_sep("-", "fuzz budget")
    terminalreporter.write_line(
        f"fuzz budget: hypothesis profile {PROFILE!r}: max_examples={s.max_examples} per test, "
        f"deadline={s.deadline}, derandomize={s.derandomize}; "
        f"{len(_seconds)} fuzz tests ran {sum(CALLS.values())} examples "
        f"in {sum(_seconds.values()):.1f} s"
    )
