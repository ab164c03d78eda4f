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
from services.kafka_admin import ensure_topics
from services.settings import Settings
from services.topics import topic_specs

log = logging.getLogger(__name__)


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
    await ensure_topics(
        settings.bootstrap_list, [t for t in topic_specs(settings) if t.name == settings.topic_alerts]
    )
    store = DeliveryStore.open(settings.data_dir / DB_FILENAME)
    db = Db(store)
    own_subs = subscriptions is None
    subs: SubscriptionLog = subscriptions if subscriptions is not None else KafkaSubscriptionLog(settings)
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
