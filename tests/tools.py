"""System tools some tests need (Chromium, Dovecot, ...): skipped with a reason on a user's
machine without them, never under ``CI=true``.

``.ci/run`` installs every tool the suite needs, so a tool missing there is a broken CI
setup; skipping would count the test as passing. Under ``CI=true`` the mark does not
skip and the test fails on the missing tool.
"""

from __future__ import annotations

import os

import pytest

IN_CI = os.environ.get("CI") == "true"


def needs_tool(present: bool, reason: str) -> pytest.MarkDecorator:
    """``skipif`` the tool is absent, outside CI only (see the module doc)."""
    return pytest.mark.skipif(not present and not IN_CI, reason=reason)
