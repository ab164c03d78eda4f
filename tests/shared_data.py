"""Where the real docket data lives: ``<repo>/../shared/data`` (never copied into the repo)."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED_DATA: Path = (Path(__file__).resolve().parents[1] / ".." / "shared" / "data").resolve()

requires_shared_data = pytest.mark.skipif(
    not (SHARED_DATA / "juriscraper").is_dir(),
    reason="../shared/data is absent (a user's fresh clone); these tests read the real docket files",
)
