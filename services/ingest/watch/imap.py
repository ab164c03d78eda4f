"""``docketline watch mail --imap URL``: publish the NEFs of a mailbox, then mark or move them.

The mailbox is named by a URL, ``imaps://user@host[:993]/INBOX`` (TLS from the
first byte) or ``imap://user@host[:143]/INBOX`` (STARTTLS when the server
offers it; without it only on a loopback address, never a password in clear
over a network). Credentials come from settings, never the URL:
``DOCKETLINE_MAIL_IMAP_PASSWORD``, or ``DOCKETLINE_MAIL_IMAP_TOKEN`` for
OAuth 2 (``XOAUTH2``); the user from the URL or ``DOCKETLINE_MAIL_IMAP_USER``.

Library: IMAPClient (sync; its calls run in a worker thread). Chosen over
aioimaplib and imap-tools because it parses every response into Python values
(FETCH, SEARCH, SELECT, IDLE pushes) instead of handing back raw lines, and it
has IDLE, MOVE, UIDPLUS, STARTTLS and XOAUTH2 built in; one connection per
watcher makes the thread cost nothing.

One pass:

1. messages without the ``$Docketline`` keyword (``\\Seen`` on a server that
   takes no keywords), not deleted, are fetched (``BODY.PEEK[]``: reading does
   not set ``\\Seen``), a batch at a time;
2. each is stored in the mail inbox (DATA_DIR, same as the SMTP receiver) and
   published through :class:`~services.ingest.watch.mail_publisher.MailPublisher`;
3. only a message whose events Kafka acknowledged (state ``published``), or
   that is not a NEF (``rejected``, also ``$DocketlineRejected``), is marked;
   then moved to ``--folder`` (published) or the rejected folder, when set.

A crash anywhere leaves the message unmarked until its events are on Kafka;
the restarted watcher fetches it again, and the same event ids make any resend
a duplicate. A message marked but not yet moved (a crash between the two) is
moved on the next pass. Between passes the watcher waits in IDLE when the
server has it (woken by new mail; re-issued every poll interval), else sleeps
the poll interval. Connection errors reconnect with exponential backoff.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from imapclient import IMAPClient  # type: ignore[import-untyped]
from imapclient.exceptions import IMAPClientError, LoginError  # type: ignore[import-untyped]

from services.ingest.watch.inbox import MailInbox
from services.ingest.watch.mail_publisher import MailPublisher, MailStats

log = logging.getLogger(__name__)

DONE = b"$Docketline"
REJECTED = b"$DocketlineRejected"
IDLE_SLICE = 1.0
"""Seconds per IDLE check: how soon a stop request is noticed while idling."""


class ImapConfigError(Exception):
    """The IMAP URL or the credentials are unusable (the watcher does not start)."""


class ImapLoginError(Exception):
    """The server refused the credentials."""


@dataclass(frozen=True, slots=True)
class ImapTarget:
    """Where the mailbox is and how to reach it (no secrets)."""

    host: str
    port: int
    tls: bool
    """TLS from the first byte (``imaps``); else STARTTLS when offered."""
    mailbox: str
    user: str

    @property
    def url(self) -> str:
        scheme = "imaps" if self.tls else "imap"
        return f"{scheme}://{self.user}@{self.host}:{self.port}/{self.mailbox}"

    @property
    def loopback(self) -> bool:
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host.strip("[]")).is_loopback
        except ValueError:
            return False


def parse_imap_url(url: str, user: str | None = None) -> ImapTarget:
    """``imap[s]://[user@]host[:port][/mailbox]`` (mailbox default ``INBOX``)."""
    parts = urlsplit(url)
    if parts.scheme not in ("imap", "imaps"):
        raise ImapConfigError(f"not an imap:// or imaps:// URL: {url!r}")
    if parts.password is not None:
        raise ImapConfigError(
            "the IMAP URL holds a password: put it in DOCKETLINE_MAIL_IMAP_PASSWORD instead"
        )
    if not parts.hostname:
        raise ImapConfigError(f"no host in the IMAP URL {url!r}")
    tls = parts.scheme == "imaps"
    try:
        port = parts.port or (993 if tls else 143)
    except ValueError as exc:
        raise ImapConfigError(f"bad port in the IMAP URL {url!r}") from exc
    name = unquote(parts.username) if parts.username else (user or "")
    if not name:
        raise ImapConfigError("no IMAP user: give it in the URL or DOCKETLINE_MAIL_IMAP_USER")
    mailbox = unquote(parts.path.lstrip("/")) or "INBOX"
    return ImapTarget(parts.hostname, port, tls, mailbox, name)


@dataclass(frozen=True, slots=True)
class ImapOptions:
    """What to do with handled messages and how to wait (see the module doc)."""

    folder: str | None = None
    """Published messages are moved here (created when missing); ``None``: marked only."""
    rejected_folder: str | None = None
    poll_seconds: float = 60.0
    idle: bool = True
    batch: int = 20
    timeout: float = 30.0
    ca_file: Path | None = None


@dataclass(frozen=True, slots=True)
class Credentials:
    password: str | None = None
    token: str | None = None
    """OAuth 2 access token (XOAUTH2), used instead of the password when given."""


class ImapMailbox:
    """One IMAP connection to the watched mailbox (blocking; call from a worker thread)."""

    def __init__(self, target: ImapTarget, credentials: Credentials, options: ImapOptions) -> None:
        self.target = target
        self.options = options
        self._credentials = credentials
        self._client: Any = None
        self.uidvalidity: int | None = None
        self.keywords = True
        self.can_idle = False
        self._can_move = False
        self._uidplus = False

    @property
    def connected(self) -> bool:
        return self._client is not None

    def connect(self) -> None:
        t, o = self.target, self.options
        context = ssl.create_default_context(cafile=str(o.ca_file) if o.ca_file else None)
        client = IMAPClient(t.host, port=t.port, ssl=t.tls, ssl_context=context, timeout=o.timeout)
        try:
            if not t.tls:
                if b"STARTTLS" in client.capabilities():
                    client.starttls(context)
                elif not t.loopback:
                    raise ImapConfigError(
                        f"{t.host} offers no STARTTLS: use imaps:// (no credentials in clear)"
                    )
            try:
                if self._credentials.token:
                    client.oauth2_login(t.user, self._credentials.token)
                else:
                    client.login(t.user, self._credentials.password or "")
            except LoginError as exc:
                raise ImapLoginError(f"IMAP login as {t.user} at {t.host} refused: {exc}") from exc
            caps = set(client.capabilities())
            self.can_idle = b"IDLE" in caps
            self._can_move = b"MOVE" in caps
            self._uidplus = b"UIDPLUS" in caps
            for folder in (o.folder, o.rejected_folder):
                if folder and not client.folder_exists(folder):
                    client.create_folder(folder)
            selected = client.select_folder(t.mailbox)
            self.uidvalidity = int(selected.get(b"UIDVALIDITY", 0)) or None
            permanent = selected.get(b"PERMANENTFLAGS", ())
            self.keywords = b"\\*" in permanent
        except BaseException:
            _close_quietly(client)
            raise
        self._client = client

    def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            try:
                client.logout()
            except (IMAPClientError, OSError):
                _close_quietly(client)

    # -------------------------------------------------------------- messages
    def pending(self) -> list[int]:
        """UIDs of messages not handled yet, oldest first."""
        mark = ["UNKEYWORD", DONE] if self.keywords else ["UNSEEN"]
        return sorted(int(u) for u in self._client.search([*mark, "NOT", "DELETED"]))

    def fetch(self, uids: list[int]) -> dict[int, bytes]:
        """Raw bytes of ``uids`` (without setting ``\\Seen``); vanished ones are absent."""
        data = self._client.fetch(uids, ["BODY.PEEK[]"])
        return {int(u): bytes(v[b"BODY[]"]) for u, v in data.items() if b"BODY[]" in v}

    def mark(self, published: list[int], rejected: list[int]) -> None:
        if self.keywords:
            if published or rejected:
                self._client.add_flags(published + rejected, [DONE], silent=True)
            if rejected:
                self._client.add_flags(rejected, [REJECTED], silent=True)
        elif published or rejected:
            self._client.add_flags(published + rejected, [b"\\Seen"], silent=True)

    def move_marked(self) -> int:
        """Move marked messages still here to their folders; returns how many moved."""
        o = self.options
        if not self.keywords or not (o.folder or o.rejected_folder):
            return 0
        moved = 0
        if o.folder:
            uids = self._client.search(["KEYWORD", DONE, "UNKEYWORD", REJECTED, "NOT", "DELETED"])
            moved += self._move(sorted(uids), o.folder)
        if o.rejected_folder:
            uids = self._client.search(["KEYWORD", REJECTED, "NOT", "DELETED"])
            moved += self._move(sorted(uids), o.rejected_folder)
        return moved

    def _move(self, uids: list[int], folder: str) -> int:
        if not uids:
            return 0
        if self._can_move:
            self._client.move(uids, folder)
        else:
            self._client.copy(uids, folder)
            self._client.add_flags(uids, [b"\\Deleted"], silent=True)
            if self._uidplus:
                self._client.uid_expunge(uids)
            else:
                self._client.expunge()
        return len(uids)

    def wait(self, seconds: float, stop: threading.Event) -> None:
        """Return after ``seconds``, at new mail (IDLE), or when ``stop`` is set."""
        deadline = time.monotonic() + seconds
        if not (self.can_idle and self.options.idle):
            stop.wait(seconds)
            return
        self._client.idle()
        try:
            while not stop.is_set():
                left = deadline - time.monotonic()
                if left <= 0:
                    return
                if self._client.idle_check(timeout=min(IDLE_SLICE, left)):
                    return
        finally:
            self._client.idle_done()


def _close_quietly(client: Any) -> None:
    try:
        client.shutdown()
    except (IMAPClientError, OSError):
        pass


class ImapWatcher:
    """The watch loop over one mailbox (see the module doc)."""

    def __init__(
        self,
        mailbox: ImapMailbox,
        inbox: MailInbox,
        publisher: MailPublisher,
        stats: MailStats,
        *,
        clock: Callable[[], float] = time.time,
        backoff_cap: float = 300.0,
    ) -> None:
        self.mailbox = mailbox
        self.inbox = inbox
        self.publisher = publisher
        self.stats = stats
        self.clock = clock
        self.backoff_cap = backoff_cap
        self.stop_requested = threading.Event()
        self._waiting: dict[int, float] = {}
        """UID -> next try, for messages Kafka did not take in this connection."""
        self.state = "starting"

    def stop(self) -> None:
        self.stop_requested.set()

    async def run(self) -> None:
        """Until :meth:`stop`; an ``ImapLoginError`` on the first connection is raised."""
        backoff = 1.0
        first = True
        try:
            while not self.stop_requested.is_set():
                try:
                    if not self.mailbox.connected:
                        self.state = "connecting"
                        await asyncio.to_thread(self.mailbox.connect)
                        self._waiting.clear()
                        log.info("connected to %s", self.mailbox.target.url)
                    first = False
                    await self.pass_once()
                    backoff = 1.0
                    self.state = (
                        "idle" if self.mailbox.can_idle and self.mailbox.options.idle else "polling"
                    )
                    self.publisher.on_change()
                    await asyncio.to_thread(
                        self.mailbox.wait, self._wait_seconds(), self.stop_requested
                    )
                except ImapLoginError as exc:
                    if first:
                        raise
                    await self._failed(exc, backoff)
                    backoff = min(self.backoff_cap, backoff * 2)
                except (TimeoutError, IMAPClientError, OSError, ssl.SSLError) as exc:
                    await self._failed(exc, backoff)
                    backoff = min(self.backoff_cap, backoff * 2)
        finally:
            await asyncio.to_thread(self.mailbox.close)
            self.state = "stopped"

    async def _failed(self, exc: BaseException, backoff: float) -> None:
        text = f"IMAP {self.mailbox.target.url}: {type(exc).__name__}: {exc}"
        log.warning("%s; reconnecting in %.0f s", text, backoff)
        self.stats.error(text)
        self.state = "reconnecting"
        self.publisher.on_change()
        await asyncio.to_thread(self.mailbox.close)
        await asyncio.to_thread(self.stop_requested.wait, backoff)

    def _wait_seconds(self) -> float:
        wait = self.mailbox.options.poll_seconds
        if self._waiting:
            wait = min(wait, max(0.0, min(self._waiting.values()) - self.clock()))
        return wait

    async def pass_once(self) -> int:
        """Handle every pending message once; returns how many were marked."""
        marked = 0
        moved = await asyncio.to_thread(self.mailbox.move_marked)
        self.stats.messages["moved"] += moved
        while not self.stop_requested.is_set():
            now = self.clock()
            uids = await asyncio.to_thread(self.mailbox.pending)
            uids = [u for u in uids if self._waiting.get(u, 0.0) <= now]
            if not uids:
                break
            n, failed = await self._handle(uids[: self.mailbox.options.batch])
            marked += n
            if n:  # a batch at a time: the mailbox shows progress while a backlog drains
                moved = await asyncio.to_thread(self.mailbox.move_marked)
                self.stats.messages["moved"] += moved
            if failed:
                break  # Kafka is not taking events: wait for the retry time, do not spin
        return marked

    async def _handle(self, uids: list[int]) -> tuple[int, bool]:
        raws = await asyncio.to_thread(self.mailbox.fetch, uids)
        origin = f"{self.mailbox.target.url} uidvalidity={self.mailbox.uidvalidity}"
        ids: dict[int, str] = {}
        states: dict[int, str] = {}
        for uid, raw in raws.items():
            stored = await asyncio.to_thread(
                self.inbox.accept,
                raw,
                source="imap",
                origin=f"{origin} uid={uid}",
                now=self.clock(),
            )
            self.stats.messages["duplicate" if stored.duplicate else "received"] += 1
            ids[uid] = stored.id
            states[uid] = stored.state
        todo = [ids[u] for u, s in states.items() if s == "received"]
        if todo:
            rows = await asyncio.to_thread(self.inbox.due, self.clock(), len(todo), todo)
            await self.publisher.process(rows)
            now_states = await asyncio.to_thread(self.inbox.states, list(ids.values()))
            states = {u: now_states[i] for u, i in ids.items()}
        published = [u for u, s in states.items() if s == "published"]
        rejected = [u for u, s in states.items() if s == "rejected"]
        failed = [u for u, s in states.items() if s == "received"]
        # marked only now: every event of these is acknowledged, or they are not NEFs
        await asyncio.to_thread(self.mailbox.mark, published, rejected)
        self.stats.messages["marked"] += len(published) + len(rejected)
        for u in published + rejected:
            self._waiting.pop(u, None)
        for u in failed:
            view = await asyncio.to_thread(self.inbox.get, ids[u])
            self._waiting[u] = view.next_attempt_at if view is not None else self.clock()
        self.publisher.on_change()
        return len(published) + len(rejected), bool(failed)
