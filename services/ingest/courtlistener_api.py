"""CourtListener's REST API v4, for one question: which case is docket id N?

A docket-alert webhook names its docket by CourtListener's numeric id only.
:class:`CourtListenerApi` asks ``GET {base}dockets/{id}/`` (``Authorization:
Token <token>``) for the header fields docketline needs (``court_id``,
``docket_number``, ``case_name``, ``date_filed``, ``nature_of_suit``, ``cause``,
``jurisdiction_type``) through an injected ``httpx.AsyncClient``: a per-request
timeout, and retries on transport errors, 5xx and 429 with exponential backoff
or the server's ``Retry-After``. A ``Retry-After`` longer than the policy
allows ends the attempt at once with :class:`CourtListenerUnavailable`
carrying that delay, so the caller (the inbox) retries when the server asked,
instead of holding a worker asleep.

:class:`DocketResolver` puts :class:`DocketCache` (memory in front of SQLite,
with a TTL) before the API and makes concurrent lookups of one docket share a
single request. A docket's court and number never change, so the TTL only
bounds how stale a case name may get. Not-found answers are not cached: the
inbox retries them later and a docket that becomes visible then resolves.

Errors (the tree is below): :class:`DocketNotFound` (404),
:class:`CourtListenerUnavailable` (transport errors, 5xx, 429, after the
retries), :class:`CourtListenerResponseError` (an answer that cannot be used:
401/403, other 4xx, not JSON, no court id or docket number).
"""

from __future__ import annotations

import asyncio
import email.utils
import sqlite3
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Final, Protocol

import httpx
import orjson
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from services.ingest.common import SourceCase
from services.ingest.sqlite_file import open_sqlite
from services.settings import Settings


class CourtListenerError(Exception):
    """A docket id could not be resolved through CourtListener's API."""

    def __init__(self, docket_id: int, message: str) -> None:
        super().__init__(message)
        self.docket_id = docket_id


class DocketNotFound(CourtListenerError):
    """CourtListener answered 404 for the docket."""


class CourtListenerUnavailable(CourtListenerError):
    """Transport errors, 5xx or 429 after the retries; ``retry_after`` is the server's wish (s)."""

    def __init__(self, docket_id: int, message: str, retry_after: float | None = None) -> None:
        super().__init__(docket_id, message)
        self.retry_after = retry_after


class CourtListenerResponseError(CourtListenerError):
    """An answer docketline cannot use: 401/403 (token), another 4xx, not JSON, fields missing."""


DOCKET_FIELDS: Final = (
    "id",
    "court_id",
    "docket_number",
    "case_name",
    "date_filed",
    "nature_of_suit",
    "cause",
    "jurisdiction_type",
)
"""Asked for with ``?fields=``, so CourtListener does not serialise the whole docket."""

CACHE_FILE: Final = "courtlistener-dockets.sqlite"
_EXCERPT = 200


@dataclass(frozen=True, slots=True)
class DocketInfo:
    """The header of one CourtListener docket, as CourtListener spells it."""

    docket_id: int
    court_id: str
    docket_number: str
    case_name: str | None = None
    date_filed: str | None = None
    nature_of_suit: str | None = None
    cause: str | None = None
    jurisdiction_type: str | None = None

    def source_case(self) -> SourceCase:
        """The case half of a :class:`~services.ingest.common.SourceEntry` (not yet normalised)."""
        return SourceCase(
            court_id=self.court_id,
            docket_number=self.docket_number,
            case_name=self.case_name,
            nature_of_suit=self.nature_of_suit,
            cause=self.cause,
            jurisdiction=self.jurisdiction_type,
            date_filed=self.date_filed,
        )

    def to_json(self) -> bytes:
        return orjson.dumps(asdict(self))

    @classmethod
    def from_json(cls, raw: bytes) -> DocketInfo:
        return cls(**orjson.loads(raw))


class _DocketJson(BaseModel):
    """What is read of ``GET dockets/{id}/``; other fields are ignored."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    court_id: str = Field(min_length=1)
    docket_number: str = Field(min_length=1)
    case_name: str | None = None
    date_filed: str | None = None
    nature_of_suit: str | None = None
    cause: str | None = None
    jurisdiction_type: str | None = None


def docket_from_api(docket_id: int, body: bytes) -> DocketInfo:
    """Parse a ``dockets/{id}/`` answer; :class:`CourtListenerResponseError` says what is wrong."""
    try:
        d = _DocketJson.model_validate_json(body)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or '<body>'}: {e['msg']}"
            for e in exc.errors(include_url=False)[:3]
        )
        raise CourtListenerResponseError(
            docket_id, f"docket {docket_id}: unusable answer from CourtListener: {problems}"
        ) from exc
    return DocketInfo(docket_id=docket_id, **d.model_dump())


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date), or ``None``."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, OverflowError):  # OverflowError: a year past datetime's
        return None
    return max(0.0, when.timestamp() - now)


@dataclass(frozen=True, slots=True)
class ApiPolicy:
    """Timeouts and retries of one docket lookup."""

    attempts: int = 4
    """Requests per lookup (the first plus retries)."""
    backoff_base: float = 0.5
    backoff_cap: float = 8.0
    max_retry_after: float = 10.0
    """A longer ``Retry-After`` ends the lookup at once (:class:`CourtListenerUnavailable`)."""
    timeout: float = 10.0
    connect_timeout: float = 5.0

    def backoff(self, attempt: int) -> float:
        return float(min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1)))


Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]


class DocketSource(Protocol):
    """Anything that answers a docket id with its header (the API; tests' doubles)."""

    async def docket(self, docket_id: int) -> DocketInfo: ...


class CourtListenerApi:
    """``GET {base}dockets/{id}/`` with retries. The client is the caller's; it is not closed here."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        base_url: str,
        token: SecretStr | None,
        policy: ApiPolicy = ApiPolicy(),
        *,
        sleep: Sleep = asyncio.sleep,
        clock: Clock = time.time,
    ) -> None:
        self._client = client
        self.base_url = base_url.rstrip("/") + "/"
        self._token = token
        self.policy = policy
        self._sleep = sleep
        self._clock = clock
        self.requests: Counter[str] = Counter()
        """Requests by outcome: ``ok``, ``not_found``, ``retryable``, ``unusable``, ``transport``."""

    def url(self, docket_id: int) -> str:
        return f"{self.base_url}dockets/{docket_id}/"

    async def docket(self, docket_id: int) -> DocketInfo:
        p = self.policy
        headers = {"Accept": "application/json"}
        if self._token is not None and self._token.get_secret_value():
            headers["Authorization"] = f"Token {self._token.get_secret_value()}"
        timeout = httpx.Timeout(p.timeout, connect=p.connect_timeout)
        last = "no request made"
        wait = 0.0
        asked: float | None = None  # the last Retry-After, passed on for the inbox's next try
        for attempt in range(1, p.attempts + 1):
            try:
                resp = await self._client.get(
                    self.url(docket_id),
                    params={"fields": ",".join(DOCKET_FIELDS)},
                    headers=headers,
                    timeout=timeout,
                )
            except httpx.TransportError as exc:  # timeouts, refused connections, protocol errors
                self.requests["transport"] += 1
                last = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                wait, asked = p.backoff(attempt), None
            else:
                status = resp.status_code
                if status == 200:
                    self.requests["ok"] += 1
                    return docket_from_api(docket_id, resp.content)
                if status == 404:
                    self.requests["not_found"] += 1
                    raise DocketNotFound(
                        docket_id, f"docket {docket_id}: not found on CourtListener (HTTP 404)"
                    )
                if status != 429 and status < 500:
                    self.requests["unusable"] += 1
                    raise CourtListenerResponseError(
                        docket_id,
                        f"docket {docket_id}: HTTP {status} from CourtListener: {_excerpt(resp)}",
                    )
                self.requests["retryable"] += 1
                last = f"HTTP {status}: {_excerpt(resp)}"
                asked = parse_retry_after(resp.headers.get("retry-after"), self._clock())
                if asked is not None and asked > p.max_retry_after:
                    raise CourtListenerUnavailable(
                        docket_id,
                        f"docket {docket_id}: CourtListener asks to retry after {asked:.0f}s ({last})",
                        retry_after=asked,
                    )
                wait = asked if asked is not None else p.backoff(attempt)
            if attempt < p.attempts:
                await self._sleep(wait)
        raise CourtListenerUnavailable(
            docket_id,
            f"docket {docket_id}: CourtListener unavailable after {p.attempts} attempts ({last})",
            retry_after=asked,
        )


def _excerpt(resp: httpx.Response) -> str:
    text = " ".join(resp.text.split())
    return (text[:_EXCERPT] + "...") if len(text) > _EXCERPT else (text or "<empty body>")


# --------------------------------------------------------------------------- cache

_SCHEMA = """
CREATE TABLE IF NOT EXISTS dockets (
    docket_id  INTEGER PRIMARY KEY,
    info       BLOB NOT NULL,
    fetched_at REAL NOT NULL
)
"""


class DocketCacheError(Exception):
    """The cache file cannot be opened or written."""


class DocketCache:
    """Docket headers for ``ttl`` seconds: a bounded in-memory LRU in front of SQLite.

    SQLite keeps lookups across restarts (a redelivered webhook after a restart
    makes no API call). Blocking by design; async callers use a thread.
    ``path=None`` keeps memory only.
    """

    def __init__(
        self,
        path: Path | None,
        ttl: float,
        *,
        clock: Clock = time.time,
        memory_size: int = 10_000,
    ) -> None:
        self.path = path
        self.ttl = ttl
        self._clock = clock
        self._size = memory_size
        self._memory: OrderedDict[int, tuple[DocketInfo, float]] = OrderedDict()
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        if path is not None:
            try:
                self._db = open_sqlite(path, _SCHEMA)
            except (OSError, sqlite3.Error) as exc:
                raise DocketCacheError(f"cannot open docket cache {path}: {exc}") from exc

    def _fresh(self, fetched_at: float) -> bool:
        return self._clock() - fetched_at < self.ttl

    def get_memory(self, docket_id: int) -> DocketInfo | None:
        """A fresh in-memory entry (no I/O, safe on the event loop)."""
        with self._lock:
            hit = self._memory.get(docket_id)
            if hit is None:
                return None
            if not self._fresh(hit[1]):
                del self._memory[docket_id]
                return None
            self._memory.move_to_end(docket_id)
            return hit[0]

    def get(self, docket_id: int) -> DocketInfo | None:
        """A fresh entry from memory, else from SQLite (then remembered in memory)."""
        hit = self.get_memory(docket_id)
        if hit is not None or self._db is None:
            return hit
        with self._lock:
            row = self._db.execute(
                "SELECT info, fetched_at FROM dockets WHERE docket_id = ?", [docket_id]
            ).fetchone()
        if row is None or not self._fresh(row[1]):
            return None
        info = DocketInfo.from_json(row[0])
        self._remember(info, row[1])
        return info

    def put(self, info: DocketInfo) -> None:
        now = self._clock()
        self._remember(info, now)
        if self._db is None:
            return
        try:
            with self._lock, self._db:
                self._db.execute(
                    "INSERT OR REPLACE INTO dockets VALUES (?, ?, ?)",
                    [info.docket_id, info.to_json(), now],
                )
        except sqlite3.Error as exc:
            raise DocketCacheError(f"cannot write docket cache {self.path}: {exc}") from exc

    def _remember(self, info: DocketInfo, fetched_at: float) -> None:
        with self._lock:
            self._memory[info.docket_id] = (info, fetched_at)
            self._memory.move_to_end(info.docket_id)
            while len(self._memory) > self._size:
                self._memory.popitem(last=False)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


class DocketResolver:
    """Docket id -> :class:`DocketInfo`: cache first, then one API request per docket at a time."""

    def __init__(self, source: DocketSource, cache: DocketCache) -> None:
        self.source = source
        self.cache = cache
        self._inflight: dict[int, _Slot] = {}
        self.lookups: Counter[str] = Counter()
        """``cache_hit`` or ``fetched`` per successful lookup, ``failed`` otherwise."""

    async def resolve(self, docket_id: int) -> DocketInfo:
        """Raises the :class:`CourtListenerError` subclasses of the API (and :class:`DocketCacheError`)."""
        hit = self.cache.get_memory(docket_id)
        if hit is not None:
            self.lookups["cache_hit"] += 1
            return hit
        slot = self._inflight.get(docket_id)
        if slot is None:
            slot = self._inflight[docket_id] = _Slot(asyncio.Lock())
        slot.users += 1
        try:
            async with slot.lock:  # a second lookup of the same docket waits for the first
                hit = await asyncio.to_thread(self.cache.get, docket_id)
                if hit is not None:
                    self.lookups["cache_hit"] += 1
                    return hit
                try:
                    info = await self.source.docket(docket_id)
                except CourtListenerError:
                    self.lookups["failed"] += 1
                    raise
                await asyncio.to_thread(self.cache.put, info)
                self.lookups["fetched"] += 1
                return info
        finally:
            slot.users -= 1
            if slot.users == 0:
                del self._inflight[docket_id]


@dataclass(slots=True)
class _Slot:
    lock: asyncio.Lock
    users: int = 0


def build_resolver(
    settings: Settings,
    client: httpx.AsyncClient,
    *,
    policy: ApiPolicy = ApiPolicy(),
    ttl: float = 6 * 3600.0,
    clock: Clock = time.time,
) -> DocketResolver:
    """The resolver from settings: base URL and token, cache in ``data_dir``."""
    api = CourtListenerApi(
        client, settings.courtlistener_base_url, settings.courtlistener_token, policy, clock=clock
    )
    return DocketResolver(api, DocketCache(settings.data_dir / CACHE_FILE, ttl, clock=clock))
