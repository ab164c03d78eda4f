"""The one place the dispatcher is wired from frozen settings.

Tests call ``run_dispatcher`` with their own parts (an ``httpx.AsyncClient``, a
subscription log); the CLI calls it with none and gets the real ones.
"""

from __future__ import annotations

import logging

import httpx

from services.dispatcher.config import DispatcherConfig
from services.dispatcher.dispatcher import Db, Dispatcher
from services.dispatcher.schedule import describe_schedule
from services.dispatcher.ssrf import GuardedTransport, Resolver, system_resolver
from services.dispatcher.store import DB_FILENAME, DeliveryStore
from services.dispatcher.subscriptions import KafkaSubscriptionLog, SubscriptionLog
from services.kafka.admin import ensure_topics
from services.kafka.topics import topic_specs
from services.settings import Settings

log = logging.getLogger(__name__)


def redact_url(url: httpx.URL | str) -> str:
    """A webhook URL fit for a log line: scheme, host, port and path; never the user
    info or the query, where subscribers put credentials (``?token=...``)."""
    u = httpx.URL(str(url)) if not isinstance(url, httpx.URL) else url
    port = f":{u.port}" if u.port is not None else ""
    query = "?..." if u.query else ""
    return f"{u.scheme}://{u.host}{port}{u.path}{query}"


class RedactURLs(logging.Filter):
    """On httpx's logger: its ``HTTP Request: POST <url>`` lines carry the full URL."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and any(isinstance(a, httpx.URL) for a in record.args):
            record.args = tuple(
                redact_url(a) if isinstance(a, httpx.URL) else a for a in record.args
            )
        return True


def redact_http_client_logs() -> None:
    """Install ``RedactURLs`` on httpx's logger once per process."""
    httpx_log = logging.getLogger("httpx")
    if not any(isinstance(f, RedactURLs) for f in httpx_log.filters):
        httpx_log.addFilter(RedactURLs())


def build_http_client(
    settings: Settings, config: DispatcherConfig, *, resolver: Resolver = system_resolver
) -> httpx.AsyncClient:
    """The delivery client: SSRF-guarded transport (one connection pool per host name),
    no redirects, no proxies from the environment (a proxy would connect to the
    unchecked name), per-request timeout. Connection limits are the transport's (an
    ``httpx.AsyncClient`` given a transport ignores its own ``limits``)."""
    return httpx.AsyncClient(
        transport=GuardedTransport(
            allow_private=settings.webhook_allow_private_networks,
            resolver=resolver,
            limits=httpx.Limits(max_connections=20, max_keepalive_connections=4),
        ),
        follow_redirects=False,
        trust_env=False,
        timeout=config.webhook_timeout_seconds,
    )


async def run_dispatcher(
    settings: Settings,
    config: DispatcherConfig | None = None,
    *,
    client: httpx.AsyncClient | None = None,
    subscriptions: SubscriptionLog | None = None,
) -> None:
    """Run until cancelled. Parts passed in are used as they are (and not closed)."""
    config = config if config is not None else DispatcherConfig()
    redact_http_client_logs()
    await ensure_topics(
        settings,
        [t for t in topic_specs(settings) if t.name == settings.topic_alerts],
    )
    store = DeliveryStore.open(settings.data_dir / DB_FILENAME)
    db = Db(store)
    own_subs = subscriptions is None
    subs: SubscriptionLog = (
        subscriptions if subscriptions is not None else KafkaSubscriptionLog(settings)
    )
    own_client = client is None
    http = client if client is not None else build_http_client(settings, config)
    log.info(
        "dispatcher: retry schedule %s; private networks %s; state in %s",
        describe_schedule(config.policy.schedule),
        "ALLOWED" if settings.webhook_allow_private_networks else "refused",
        settings.data_dir / DB_FILENAME,
    )
    try:
        if own_subs:
            await subs.start()
        await Dispatcher(settings, config, client=http, subscriptions=subs, db=db).run()
    finally:
        if own_subs:
            await subs.close()
        if own_client:
            await http.aclose()
        db.close()
        store.close()
