"""State shared by every worker and host through Redis: the response cache and rate-limit counts.

Set `SUMMARIZER_REDIS_URL` and each feature gets its own namespace (a Litestar `RedisStore`
registered in the app's stores): `summarizer_cache` and `summarizer_rate_limit`.

Redis only saves work or enforces fairness, so it never costs a summary. Every call is bounded:
it fails once Redis has had `redis_timeout_s` of this process's running event loop to answer
(the wait for a pooled connection, connecting, reading; one retry, only on a dropped
connection), or WALL_BOUND times that in wall time. Time the loop stood still does not count
(service/loop_clock.py): a worker starved of CPU reads Redis's answer late, and that is not Redis
failing. (With a plain wall-clock bound it was: in the load run the rate limit failed open and
let 46 requests of 100 past the limit.) A failed call goes without Redis: the cache answers a
miss and skips its store, the rate limit counts in this process's memory instead (fail open to
the per-process limit the service had before Redis: with N workers a client gets at most N times
its limit during an outage). Three failures in a row make an outage: while Redis is down, one
call a second goes to it as a probe and the rest skip it at once, so a black-holed Redis costs
no request its timeout; the first answer ends the outage. An outage is logged twice, when it
starts and when it ends, and counted in /metrics.

The rate limit is Litestar's, with its check and count made one Lua script (its own middleware
reads, then writes: two workers reading the same count at once would both pass).

The cache keeps the SQLite cache's semantics: the same keys, at most `cache_max_entries` answers,
and when full the least recently used tenth goes at once. Entries carry no TTL. Recency lives in
a sorted set beside the entries, updated in the same Lua script as the entry it ranks, so the
bound holds across workers. A standalone Redis (no cluster: the trim touches keys it finds in the
index).
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import NoReturn, TypeVar

from litestar.exceptions import TooManyRequestsException
from litestar.middleware.rate_limit import DURATION_VALUES, CacheObject, RateLimitMiddleware
from litestar.serialization import decode_json
from litestar.stores.base import Store
from litestar.stores.memory import MemoryStore
from litestar.stores.redis import RedisStore
from litestar.types import Receive, Scope, Send
from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

from service.cache import TRIM_SHARE
from service.loop_clock import LoopClock

log = logging.getLogger(__name__)
T = TypeVar("T")

CACHE_NAMESPACE = "summarizer_cache"
RATE_LIMIT_NAMESPACE = "summarizer_rate_limit"
# While Redis is down, one call this often goes to it to see whether it is back.
PROBE_INTERVAL_S = 1.0
# Failures in a row that make an outage. One alone may be a Redis busy for a moment (a fork, a
# slow script): that call goes without Redis, the next ones try it again.
FAILURES_FOR_OUTAGE = 3
# Connections per process: a Redis call holds one for a round trip (well under a millisecond), so
# a few serve thousands of calls a second; a burst waits for one (within the call's bound)
# instead of opening dozens at once. (64 did not help the load run's inexact 429 count: the
# cause was the workers' stalled event loops, now not counted against a call's bound.)
POOL_SIZE = 8
# A call's bound in wall time, as a multiple of its bound in running-loop time: how long a worker
# whose loop hardly runs waits for Redis before it goes without (5 s at the default 0.1 s; in the
# load run a Redis call took up to 1.8 s of wall time and at most 36 ms of running loop).
WALL_BOUND = 50

# The entry and its recency in one step. KEYS: entry, index; ARGV: now.
_GET = """
local body = redis.call('GET', KEYS[1])
if body then redis.call('ZADD', KEYS[2], 'XX', ARGV[1], KEYS[1]) end
return body
"""
# Store, rank, and past `limit` entries drop all but the `keep` most recently used.
# KEYS: entry, index; ARGV: body, now, limit, keep.
_PUT = """
redis.call('SET', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[2], KEYS[1])
local n = redis.call('ZCARD', KEYS[2])
if n > tonumber(ARGV[3]) then
  local old = redis.call('ZRANGE', KEYS[2], 0, n - tonumber(ARGV[4]) - 1)
  for i = 1, #old, 1000 do
    local part = {unpack(old, i, math.min(i + 999, #old))}
    redis.call('UNLINK', unpack(part))
    redis.call('ZREM', KEYS[2], unpack(part))
  end
end
return n
"""


# Litestar's rate-limit check and count in one step, on the same JSON it stores ({"history":
# [newest first], "reset": epoch s}): its middleware reads, then writes, so two workers reading
# the same count at once would both pass. KEYS: the client's key; ARGV: now, window, limit.
# Returns {1 admitted or 0 refused, the record after}.
_ADMIT = """
local now, window, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local history, reset = {}, now + window
local raw = redis.call('GET', KEYS[1])
if raw then
  local record = cjson.decode(raw)
  if record.reset > now then history, reset = record.history, record.reset end
end
if #history >= limit then
  return {0, cjson.encode({history = history, reset = reset})}
end
table.insert(history, 1, now)
local record = cjson.encode({history = history, reset = reset})
redis.call('SET', KEYS[1], record, 'EX', window)
return {1, record}
"""


class RedisUnavailable(Exception):
    """Redis did not answer this call (down, slow, refused it, or skipped during an outage)."""


@dataclass
class RedisLink:
    """One Redis client with bounded calls and an outage state shared by every feature."""

    url: str
    timeout: float
    client: Redis = field(init=False)
    clock: LoopClock = field(default_factory=LoopClock)
    # calls each feature made without Redis (failed or skipped during an outage)
    unavailable: Counter[str] = field(default_factory=Counter)
    outages: int = 0
    _down_since: float | None = None
    _probe_at: float = 0.0
    _missed: int = 0
    _failures: int = 0  # in a row

    def __post_init__(self) -> None:
        self.wall_bound = WALL_BOUND * self.timeout
        # redis-py's own bounds are wall-clock: here only a backstop, `run` bounds each call
        pool = BlockingConnectionPool.from_url(
            self.url,
            max_connections=POOL_SIZE,
            timeout=self.wall_bound,  # the wait for a free connection
            socket_connect_timeout=self.wall_bound,
            socket_timeout=self.wall_bound,
            # once, at once, and only when the connection is gone: a pooled connection to a
            # Redis that restarted fails on first use. Not on a timeout: that is a slow Redis.
            # (The default retries three times with back-off.)
            retry=Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,)),
            decode_responses=False,
        )
        self.client = Redis(connection_pool=pool)

    @property
    def up(self) -> bool:
        return self._down_since is None

    def where(self) -> str:
        """The URL without its password."""
        kwargs = self.client.connection_pool.connection_kwargs
        return f"{kwargs.get('host', '?')}:{kwargs.get('port', '?')}/{kwargs.get('db', 0)}"

    async def run(self, feature: str, call: Callable[[], Awaitable[T]], probe: bool = False) -> T:
        """`call()`'s result, or RedisUnavailable. During an outage only one call a second (or a
        `probe`) reaches Redis; the others are refused at once."""
        if not probe and self._down_since is not None:
            now = time.monotonic()
            if now < self._probe_at:
                return self._without(feature)
            self._probe_at = now + PROBE_INTERVAL_S  # the calls meanwhile skip Redis
        try:
            result = await self.clock.bounded(call, self.timeout, self.wall_bound)
        except (RedisError, OSError, TimeoutError) as e:
            self._failed(e)
            return self._without(feature, e)
        self._answered()
        return result

    def _without(self, feature: str, cause: BaseException | None = None) -> NoReturn:
        self.unavailable[feature] += 1
        self._missed += 1
        raise RedisUnavailable(feature) from cause

    def _failed(self, e: BaseException) -> None:
        self._failures += 1
        self._probe_at = time.monotonic() + PROBE_INTERVAL_S
        if self._down_since is None and self._failures >= FAILURES_FOR_OUTAGE:
            self._down_since = time.monotonic()
            self._missed = 0
            self.outages += 1
            log.warning(
                "Redis at %s is not answering (%s); the cache misses and rate limits count per "
                "process until it does (logged once per outage)",
                self.where(),
                type(e).__name__ if not str(e) else f"{type(e).__name__}: {e}",
            )

    def _answered(self) -> None:
        self._failures = 0
        if self._down_since is not None:
            log.warning(
                "Redis at %s answers again after %.1f s; %d calls went without it",
                self.where(),
                time.monotonic() - self._down_since,
                self._missed,
            )
            self._down_since = None

    async def ping(self) -> bool:
        """Whether Redis answers now (a probe: it also ends an outage)."""
        try:
            return bool(await self.run("ready", self.client.ping, probe=True))
        except RedisUnavailable:
            return False

    async def close(self) -> None:
        await self.client.aclose(close_connection_pool=True)


class RedisCache:
    """The response cache in Redis, with ResponseCache's keys, bound and LRU eviction."""

    def __init__(self, link: RedisLink, store: RedisStore, max_entries: int) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self.link = link
        self.store = store  # the namespace: its key layout, and `delete_all` to clear it
        self.max_entries = max_entries
        self._index = f"{store.namespace}:lru"  # cache keys are sha256 hex: never "lru"
        self._get = link.client.register_script(_GET)
        self._put = link.client.register_script(_PUT)
        self.hits = 0
        self.misses = 0
        self.failures = 0

    def _entry(self, key: str) -> str:
        return f"{self.store.namespace}:{key}"  # RedisStore's own layout

    async def lookup(self, key: str, load: Callable[[str], T]) -> T | None:
        """The stored answer read by `load`; None when there is none, Redis does not answer, or
        `load` refuses it (ValueError)."""
        try:
            body = await self.link.run(
                "cache", lambda: self._get(keys=[self._entry(key), self._index], args=[time.time()])
            )
        except RedisUnavailable:
            self.failures += 1
            return None
        if body is None:
            self.misses += 1
            return None
        try:
            answer = load(body.decode() if isinstance(body, bytes) else str(body))
        except (ValueError, UnicodeDecodeError) as e:
            self.failures += 1
            log.warning("cache entry unreadable, answering anew: %s", str(e).splitlines()[0])
            return None
        self.hits += 1
        return answer

    async def store_answer(self, key: str, body: str) -> None:
        """Store an answer; when Redis does not answer, skip it."""
        keep = max(1, int(self.max_entries * (1 - TRIM_SHARE)))
        args: list[str | float] = [body, time.time(), self.max_entries, keep]
        try:
            await self.link.run(
                "cache", lambda: self._put(keys=[self._entry(key), self._index], args=args)
            )
        except RedisUnavailable:
            self.failures += 1

    async def aclose(self) -> None:
        """The link is closed by its owner (SharedState)."""


class FallbackStore(Store):
    """A Litestar store in Redis that falls back to this process's memory while Redis is down.

    The rate limit's policy: fail open to the per-process limit, not to no limit and not to a
    refusal (a Redis outage must not refuse every summary, nor lift every limit).
    """

    def __init__(self, link: RedisLink, shared: RedisStore, feature: str) -> None:
        self.link = link
        self.shared = shared
        self.local = MemoryStore()
        self.feature = feature
        self._admit = link.client.register_script(_ADMIT)

    async def admit(self, key: str, limit: int, window: int) -> tuple[bool, CacheObject]:
        """Count one request against `limit` per `window` seconds in Redis, atomically; False
        when it is over. RedisUnavailable when Redis does not answer."""
        name = f"{self.shared.namespace}:{key}"  # RedisStore's own layout
        admitted, record = await self.link.run(
            self.feature, lambda: self._admit(keys=[name], args=[int(time.time()), window, limit])
        )
        parsed = decode_json(record)
        history = parsed["history"] if isinstance(parsed["history"], list) else []  # {} is []
        return bool(admitted), CacheObject(history=history, reset=int(parsed["reset"]))

    async def set(
        self, key: str, value: str | bytes, expires_in: int | timedelta | None = None
    ) -> None:
        try:
            await self.link.run(self.feature, lambda: self.shared.set(key, value, expires_in))
        except RedisUnavailable:
            await self.local.set(key, value, expires_in)

    async def get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None:
        try:
            return await self.link.run(self.feature, lambda: self.shared.get(key, renew_for))
        except RedisUnavailable:
            return await self.local.get(key, renew_for)

    async def delete(self, key: str) -> None:
        await self.local.delete(key)
        with contextlib.suppress(RedisUnavailable):
            await self.link.run(self.feature, lambda: self.shared.delete(key))

    async def delete_all(self) -> None:
        await self.local.delete_all()
        with contextlib.suppress(RedisUnavailable):
            await self.link.run(self.feature, self.shared.delete_all)

    async def exists(self, key: str) -> bool:
        try:
            return await self.link.run(self.feature, lambda: self.shared.exists(key))
        except RedisUnavailable:
            return await self.local.exists(key)

    async def expires_in(self, key: str) -> int | None:
        try:
            return await self.link.run(self.feature, lambda: self.shared.expires_in(key))
        except RedisUnavailable:
            return await self.local.expires_in(key)


class SharedRateLimitMiddleware(RateLimitMiddleware):
    """Litestar's rate limit, with the check and the count in one Redis step when its store is a
    FallbackStore (one limit for every worker); while Redis is down, and with any other store,
    Litestar's own read-then-write against this process's memory."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        app = scope["litestar_app"]
        store = self.config.get_store_from_app(app)
        if not isinstance(store, FallbackStore):
            await super().__call__(scope, receive, send)
            return
        request = app.request_class(scope)
        if await self.should_check_request(request=request):
            key = self.cache_key_from_request(request)
            try:
                admitted, record = await store.admit(
                    key, self.max_requests, DURATION_VALUES[self.unit]
                )
            except RedisUnavailable:
                admitted, record = await self._count_locally(key, store.local)
            if not admitted:
                headers = self.create_response_headers(cache_object=record)
                raise TooManyRequestsException(
                    headers=headers if self.config.set_rate_limit_headers else None
                )
            if self.config.set_rate_limit_headers:
                send = self.create_send_wrapper(send=send, cache_object=record)
        await self.app(scope, receive, send)

    async def _count_locally(self, key: str, store: Store) -> tuple[bool, CacheObject]:
        async with self._lock:
            record = await self.retrieve_cached_history(key, store)
            if len(record.history) >= self.max_requests:
                return False, record
            await self.set_cached_history(key=key, cache_object=record, store=store)
            return True, record


@dataclass
class SharedState:
    """The Redis link and the stores built on it, one namespace per feature."""

    link: RedisLink
    stores: dict[str, Store]
    cache: RedisCache

    async def close(self) -> None:
        await self.link.close()


def open_shared_state(url: str, timeout: float, cache_max_entries: int) -> SharedState:
    """The client and stores for `url`; nothing connects until the first call."""
    link = RedisLink(url, timeout)
    cache_store = RedisStore(link.client, namespace=CACHE_NAMESPACE)
    limits = FallbackStore(
        link, RedisStore(link.client, namespace=RATE_LIMIT_NAMESPACE), "rate_limit"
    )
    # "rate_limit" is the store Litestar's RateLimitConfig looks up by default
    stores: dict[str, Store] = {"rate_limit": limits, "response_cache": cache_store}
    return SharedState(link, stores, RedisCache(link, cache_store, cache_max_entries))
