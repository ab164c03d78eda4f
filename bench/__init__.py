"""Benchmarks of docketline against the limits of its own machine (issue 7).

* :mod:`bench.workload` — a deterministic, realistic docket workload (real
  ``schemas.events`` events built through the classifier);
* :mod:`bench.run` — ``docketline bench``: its own broker, pre-filled topics,
  ceiling / processor / ingest / latency / rebuild / read API / memory, one run.

Figures are measured and reported, never asserted in tests.
"""
