"""``docketline watch mail --smtp``: receive NEF e-mail over SMTP (or LMTP) with aiosmtpd.

PACER, or a mail relay in front of docketline, delivers the notices straight
here, the way CourtListener's recap.email takes them. The receiver:

* takes mail only for the addresses and ``@domains`` of
  ``DOCKETLINE_MAIL_SMTP_RECIPIENTS`` (refused at ``RCPT`` with 550 otherwise)
  and delivers to its own inbox only: it never relays, and it does not start
  without an allow-list;
* refuses a message over ``DOCKETLINE_MAIL_MAX_BYTES`` (552, announced as
  ``SIZE`` in ``EHLO``);
* answers ``250`` only after the raw bytes are committed (fsynced) to the
  inbox in DATA_DIR (:class:`~services.ingest.watch.inbox.MailInbox`); when
  the inbox cannot be written it answers ``451`` so the sender keeps the
  message and retries;
* publishes from the inbox in a separate loop with retries
  (:class:`~services.ingest.watch.mail_publisher.MailPublisher`), so neither a
  crash nor a Kafka outage loses an accepted message, and a slow broker never
  delays a ``250``.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import Sequence
from typing import Any

from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, Envelope, Session

from services.ingest.watch.inbox import MailInbox, MailInboxError
from services.ingest.watch.mail import recipient_allowed
from services.ingest.watch.mail_publisher import MailPublisher, MailStats

log = logging.getLogger(__name__)

MAX_RECIPIENTS = 100


class InboxHandler:
    """aiosmtpd handler: allow-list at ``RCPT``, durable store at ``DATA``, then wake the publisher."""

    def __init__(
        self,
        inbox: MailInbox,
        publisher: MailPublisher,
        stats: MailStats,
        allow: Sequence[str],
    ) -> None:
        self.inbox = inbox
        self.publisher = publisher
        self.stats = stats
        self.allow = tuple(allow)

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if not recipient_allowed(address, self.allow):
            self.stats.messages["refused"] += 1
            log.info("refused recipient %r from %s", address, session.peer)
            return "550 5.7.1 Relaying denied: not a docketline inbox address"
        if len(envelope.rcpt_tos) >= MAX_RECIPIENTS:
            return "452 4.5.3 Too many recipients"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        origin = f"smtp peer={_peer(session.peer)} rcpt={','.join(envelope.rcpt_tos)}"
        try:
            stored = await asyncio.to_thread(
                self.inbox.accept,
                raw,
                source="smtp",
                origin=origin,
                envelope_from=envelope.mail_from,
                now=time.time(),
            )
        except MailInboxError as exc:
            self.stats.error(str(exc))
            log.error("message not stored, sender told to retry: %s", exc)
            return "451 4.3.0 Cannot store the message now; try again later"
        self.stats.messages["duplicate" if stored.duplicate else "received"] += 1
        self.publisher.notify()
        self.publisher.on_change()
        return f"250 2.0.0 OK stored as {stored.id[:16]}"


def _peer(peer: Any) -> str:
    if isinstance(peer, tuple) and len(peer) >= 2:
        return f"{peer[0]}:{peer[1]}"
    return str(peer)


async def start_receiver(
    handler: InboxHandler,
    host: str,
    port: int,
    *,
    max_bytes: int,
    lmtp: bool = False,
) -> asyncio.Server:
    """Listen on ``host:port`` (0: a free port) in the running loop; returns the server."""
    protocol = LMTP if lmtp else SMTP
    hostname = socket.gethostname()  # not getfqdn(): no DNS lookup at start

    def factory() -> SMTP:
        return protocol(
            handler,
            data_size_limit=max_bytes,
            enable_SMTPUTF8=True,
            decode_data=False,
            hostname=hostname,
            ident="docketline NEF receiver",
        )

    loop = asyncio.get_running_loop()
    return await loop.create_server(factory, host=host, port=port)
