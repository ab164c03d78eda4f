"""The worker's Prometheus metrics (served on ``DOCKETLINE_PROCESSOR_METRICS_PORT``).

docs/operations.md ("The worker's metrics") lists them with what to alert on;
``tests/integration/test_processor_recovery.py`` scrapes a real worker.
"""

from __future__ import annotations

import logging

from prometheus_client import Counter, Gauge, Histogram, start_http_server

log = logging.getLogger("docketline.processor")

EVENTS = Counter(
    "docketline_processor_events_total",
    "Records of docket.events handled, by outcome: applied (the state changed), unchanged "
    "(a redelivered or lower-ranked version), dead_lettered, and records not folded: "
    "redelivered (already folded), not_ours (partition not assigned), gap (seek back)",
    ["outcome"],
)
ALERTS = Counter("docketline_processor_alerts_total", "Alerts written to case.alerts")
DEAD_LETTERS = Counter(
    "docketline_processor_dead_letters_total",
    "Records written to docket.events.dlq, by reason",
    ["reason"],
)
BATCHES = Histogram(
    "docketline_processor_batch_size",
    "Records per batch taken from the stream",
    buckets=(1, 5, 10, 25, 50, 100, 250, 500, 1000, 2000),
)
FOLD_SECONDS = Histogram(
    "docketline_processor_fold_seconds",
    "Time to fold one batch (decode, evolve, detect), outputs not written",
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
WRITE_SECONDS = Histogram(
    "docketline_processor_write_seconds",
    "Time from a batch's first send until every output is acknowledged and the store is written",
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
COMMIT_SECONDS = Histogram(
    "docketline_processor_commit_seconds",
    "Time of one offset commit",
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
COMMITS = Counter("docketline_processor_commits_total", "Offset commits, by result", ["result"])
SEEKS = Counter(
    "docketline_processor_seeks_total", "Seeks back to a record that never reached the agent"
)
BATCH_FAILURES = Counter(
    "docketline_processor_batch_failures_total",
    "Batch attempts that failed and were rolled back",
    ["error"],
)
LAG = Gauge(
    "docketline_processor_lag_records",
    "Records of the partition not yet durable (end offset as of the last fetch minus the "
    "processor's durable position), per assigned partition of docket.events",
    ["partition"],
)
COMMITTED = Gauge(
    "docketline_processor_committed_offset",
    "The processor's last committed offset, per assigned partition of docket.events",
    ["partition"],
)
ASSIGNED = Gauge(
    "docketline_processor_assigned_partitions", "Partitions of docket.events this worker folds"
)


def serve(host: str, port: int) -> bool:
    """Serve the default registry on ``host:port`` (0: not at all); False when the port is taken.

    A taken port is logged, not raised: a worker without metrics still folds.
    """
    if port == 0:
        return False
    try:
        start_http_server(port, addr=host)
    except OSError as exc:
        log.error("worker metrics not served on %s:%d: %s", host, port, exc)
        return False
    log.info("worker metrics on http://%s:%d/metrics", host, port)
    return True
