"""Prometheus metrics of the RSS watcher, on its own registry and port.

Per feed (label ``feed``, the feed id), read from the watcher's feed states at
scrape time (so the counters continue across restarts, from the state file):

* ``docketline_rss_polls_total`` — polls;
* ``docketline_rss_items_total{outcome}`` — ``seen`` (items read from fetched
  bodies), ``new`` (events published for the first time), ``rejected``
  (records rejected for the first time, kept in the rejected-records report);
* ``docketline_rss_last_success_timestamp_seconds``, ``..._last_error_timestamp_seconds``;
* ``docketline_rss_consecutive_failures``;
* ``docketline_rss_last_poll_duration_seconds``;
* ``docketline_rss_next_poll_timestamp_seconds``;

and ``docketline_rss_poll_duration_seconds{result}`` — a histogram of this
process's polls (``ok`` / ``failed``), without the feed label (200 feeds times
buckets is too many series).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from prometheus_client import CollectorRegistry, Histogram, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from services.ingest.watch.feeds import Feed
from services.ingest.watch.schedule import FeedState, PollResult


class _FeedCollector(Collector):
    def __init__(self, states: Callable[[], Mapping[str, FeedState]]) -> None:
        self._states = states

    def collect(self) -> Iterator[Metric]:
        polls = CounterMetricFamily("docketline_rss_polls", "Polls of the feed.", labels=["feed"])
        items = CounterMetricFamily(
            "docketline_rss_items",
            "Items seen in fetched bodies, events new, records rejected.",
            labels=["feed", "outcome"],
        )
        success = GaugeMetricFamily(
            "docketline_rss_last_success_timestamp_seconds",
            "Unix time of the last successful poll.",
            labels=["feed"],
        )
        error = GaugeMetricFamily(
            "docketline_rss_last_error_timestamp_seconds",
            "Unix time of the last failed poll.",
            labels=["feed"],
        )
        failures = GaugeMetricFamily(
            "docketline_rss_consecutive_failures",
            "Failed polls since the last success.",
            labels=["feed"],
        )
        duration = GaugeMetricFamily(
            "docketline_rss_last_poll_duration_seconds",
            "Duration of the last poll (fetch, parse, publish).",
            labels=["feed"],
        )
        due = GaugeMetricFamily(
            "docketline_rss_next_poll_timestamp_seconds",
            "Unix time of the next poll.",
            labels=["feed"],
        )
        for feed_id, s in sorted(self._states().items()):
            polls.add_metric([feed_id], s.polls)
            items.add_metric([feed_id, "seen"], s.items_seen)
            items.add_metric([feed_id, "new"], s.items_new)
            items.add_metric([feed_id, "rejected"], s.items_rejected)
            if s.last_success_at is not None:
                success.add_metric([feed_id], s.last_success_at)
            if s.last_error_at is not None:
                error.add_metric([feed_id], s.last_error_at)
            failures.add_metric([feed_id], s.failures)
            if s.last_duration is not None:
                duration.add_metric([feed_id], s.last_duration)
            due.add_metric([feed_id], s.next_poll_at)
        yield from (polls, items, success, error, failures, duration, due)


class RssMetrics:
    """The registry; :meth:`observe` is the watcher's ``on_poll`` hook."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._states: Callable[[], Mapping[str, FeedState]] = dict
        self.registry.register(_FeedCollector(lambda: self._states()))
        self.poll_seconds = Histogram(
            "docketline_rss_poll_duration_seconds",
            "Duration of one poll of one feed (fetch, parse, publish).",
            labelnames=["result"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
            registry=self.registry,
        )

    def follow(self, states: Callable[[], Mapping[str, FeedState]]) -> None:
        """Read feed states from ``states`` at scrape time (the running watcher's)."""
        self._states = states

    def observe(self, feed: Feed, state: FeedState, result: PollResult) -> None:
        self.poll_seconds.labels("ok" if result.ok else "failed").observe(result.duration)

    def serve(self, host: str, port: int) -> int:
        """Serve ``/metrics`` on ``host:port`` in a daemon thread; returns the bound port."""
        server, _thread = start_http_server(port, addr=host, registry=self.registry)
        return int(server.server_port)
