"""The fuzz harness's budget: one hypothesis profile per use (printed by ``conftest.py``).

* ``ci`` (the default, what ``make test`` and CI run): a fixed number of
  examples per test, derandomized, so a CI run is bounded (under ~2 minutes
  for the whole harness on a 2-core machine) and the same on every run; a
  failure found there is reproduced by running the test again.
* ``deep`` (``DOCKETLINE_FUZZ_PROFILE=deep``, or ``make fuzz``): random, ten
  times the examples, examples that failed before replayed from
  ``.hypothesis/``: for looking for new findings, not for CI.

``deadline=None`` in both: a per-example wall-clock deadline on a shared
2-core machine would be a timing assertion (the house rules forbid them);
the budget is bounded by the example count instead.
"""

from __future__ import annotations

import os
from collections import Counter

from hypothesis import HealthCheck, settings

PROFILE_ENV = "DOCKETLINE_FUZZ_PROFILE"
_SLOW_OK = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example]

_EXAMPLES = os.environ.get("DOCKETLINE_FUZZ_EXAMPLES")
_COMMON = {"deadline": None, "print_blob": True, "suppress_health_check": _SLOW_OK}
settings.register_profile(
    "ci", max_examples=int(_EXAMPLES or 150), derandomize=True, database=None, **_COMMON
)
settings.register_profile("deep", max_examples=int(_EXAMPLES or 1500), **_COMMON)
PROFILE = os.environ.get(PROFILE_ENV, "ci")
FUZZ = settings.get_profile(PROFILE)
"""The decorator every fuzz test wears (the profile is not loaded globally: other
hypothesis tests in the suite keep their own settings)."""

CALLS: Counter[str] = Counter()


def count_example(test: str) -> None:
    """Called once per example by each fuzz test, so the summary says how many ran."""
    CALLS[test] += 1
