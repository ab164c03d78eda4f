"""Prometheus metrics of one API instance (its own registry, so apps never collide).

* ``docketline_readmodel_records_applied_total{topic}`` — records applied to the read model;
* ``docketline_readmodel_decode_failures_total{topic}`` — records skipped as undecodable;
* ``docketline_readmodel_lag_records{topic}`` — records behind the log (when known);
* ``docketline_readmodel_broker_up`` — 1 when the feeder last reached the broker;
* ``docketline_quarantined_records_total{reader,topic}`` — records a reader of the topics
  could not apply and kept in ``DATA_DIR/quarantine.sqlite`` (read from the file: it counts
  every reader sharing the directory and survives restarts);
* ``docketline_api_request_duration_seconds{method,route,status}`` — request latency,
  labelled by route template (never the raw path, to keep label cardinality bounded).

Feeder figures are read from the feeder at scrape time, not copied into a
second set of counters.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.readmodel.feeder import FeederStatus


class _FeederCollector(Collector):
    def __init__(self, status: Callable[[], FeederStatus | None]) -> None:
        self._status = status

    def collect(self) -> Iterator[Metric]:
        st = self._status()
        applied = CounterMetricFamily(
            "docketline_readmodel_records_applied",
            "Records applied to the read model.",
            labels=["topic"],
        )
        failures = CounterMetricFamily(
            "docketline_readmodel_decode_failures",
            "Records the feeder quarantined (did not decode, or the store could not hold them).",
            labels=["topic"],
        )
        lag = GaugeMetricFamily(
            "docketline_readmodel_lag_records",
            "Records the read model is behind the log.",
            labels=["topic"],
        )
        up = GaugeMetricFamily(
            "docketline_readmodel_broker_up", "1 when the feeder last reached the broker."
        )
        if st is not None:
            for topic in st.topics:
                applied.add_metric([topic], st.applied.get(topic, 0))
                failures.add_metric([topic], st.decode_failures.get(topic, 0))
                value = st.lag.get(topic)
                if value is not None:
                    lag.add_metric([topic], value)
            up.add_metric([], 1.0 if st.broker_reachable else 0.0)
        yield from (applied, failures, lag, up)


class _QuarantineCollector(Collector):
    def __init__(self, counts: Callable[[], dict[tuple[str, str], int]]) -> None:
        self._counts = counts

    def collect(self) -> Iterator[Metric]:
        kept = CounterMetricFamily(
            "docketline_quarantined_records",
            "Records a reader of the topics could not apply and kept aside (raw bytes and reason).",
            labels=["reader", "topic"],
        )
        for (reader, topic), n in sorted(self._counts().items()):
            kept.add_metric([reader, topic], n)
        yield kept


class ApiMetrics:
    def __init__(
        self,
        feeder_status: Callable[[], FeederStatus | None],
        quarantine_counts: Callable[[], dict[tuple[str, str], int]] = dict,
    ) -> None:
        self.registry = CollectorRegistry()
        self.latency = Histogram(
            "docketline_api_request_duration_seconds",
            "Time to answer an HTTP request.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.registry.register(_FeederCollector(feeder_status))
        self.registry.register(_QuarantineCollector(quarantine_counts))


class LatencyMiddleware:
    """Pure ASGI middleware (safe with streaming responses) timing every HTTP request."""

    def __init__(self, app: ASGIApp, histogram: Histogram) -> None:
        self.app = app
        self.histogram = histogram

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_timed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_timed)
        finally:
            route = getattr(scope.get("route"), "path", "<unmatched>")
            self.histogram.labels(scope["method"], route, str(status)).observe(
                time.perf_counter() - start
            )
