"""A persistent response cache (SQLite): the same article, prompts, model and options answer at once.

The key hashes the article exactly as sent, not a normalized copy: evidence offsets index the
submitted text, so two texts that differ only in whitespace must not share an answer.

A cache only saves work, so it never costs a request: a file that cannot be opened (damaged, not
writable) leaves the service running uncached, and a lookup or store that fails (the file locked by
another process past a short wait, a full disk) is a miss or a skipped store, logged and counted.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, TypeVar, overload

log = logging.getLogger(__name__)
T = TypeVar("T")

# How long a statement waits for another process's write lock. The cache is used on the event
# loop, so this bounds how long a request can stall on it (SQLite's own default is 5 s).
BUSY_TIMEOUT_S = 0.05
# A full cache drops this share of its entries at once, least recently used first, so that the
# trim (a sort of the table) runs once per this many stores rather than on each.
TRIM_SHARE = 0.1


def cache_key(**parts: Any) -> str:
    """sha256 of the canonical JSON of everything that shapes an answer."""
    blob = json.dumps(parts, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


class Cache(Protocol):
    """What the pipeline needs of a response cache (this SQLite one, or Redis in shared_state)."""

    hits: int
    misses: int
    failures: int

    async def lookup(self, key: str, load: Callable[[str], T]) -> T | None:
        """The answer stored under `key` read by `load`, or None (a miss, or a failure)."""
        ...

    async def store_answer(self, key: str, body: str) -> None:
        """Keep `body` under `key`, or skip it when the cache cannot take it now."""
        ...

    async def aclose(self) -> None: ...


class ResponseCache:
    """Answers by key in one SQLite file, at most `max_entries` of them, least recently used out
    first; counts hits, misses and failures."""

    def __init__(
        self, path: Path, max_entries: int = 10_000, busy_timeout: float = BUSY_TIMEOUT_S
    ) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._db = sqlite3.connect(
            path, timeout=busy_timeout, check_same_thread=False, isolation_level=None
        )
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            # With WAL, NORMAL never corrupts the file; a power cut may lose the last answers,
            # which a cache can afford, and each write no longer waits for the disk to flush.
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, body TEXT NOT NULL, "
                "created REAL NOT NULL, used REAL)"
            )
            columns = {row[1] for row in self._db.execute("PRAGMA table_info(responses)")}
            if "used" not in columns:  # a file written before entries were evicted
                self._db.execute("ALTER TABLE responses ADD COLUMN used REAL")
            (self._rows,) = self._db.execute("SELECT count(*) FROM responses").fetchone()
            if self._rows > max_entries:
                self._trim()
        except BaseException:
            self._db.close()
            raise
        self.hits = 0
        self.misses = 0
        self.failures = 0

    @overload
    def get(self, key: str) -> str | None: ...
    @overload
    def get(self, key: str, load: Callable[[str], T]) -> T | None: ...

    def get(self, key: str, load: Callable[[str], Any] | None = None) -> Any:
        """The stored answer (read by `load`), or None when there is none, the file cannot be read
        now, or `load` refuses it (ValueError: an answer stored by a version that answered in
        another shape); a refused answer is replaced by the next store."""
        try:
            with self._lock:
                row = self._db.execute(
                    "SELECT body FROM responses WHERE key = ?", (key,)
                ).fetchone()
        except sqlite3.Error as e:
            self._failed("look-up", e)
            return None
        if row is None:
            self.misses += 1
            return None
        body = str(row[0])
        try:
            answer = body if load is None else load(body)
        except ValueError as e:
            self.failures += 1
            log.warning("cache entry unreadable, answering anew: %s", str(e).splitlines()[0])
            return None
        self.hits += 1
        try:  # recency only decides what a full cache drops first: not worth failing a hit
            with self._lock:
                self._db.execute("UPDATE responses SET used = ? WHERE key = ?", (time.time(), key))
        except sqlite3.Error as e:
            log.debug("cache: could not mark an entry used: %s", e)
        return answer

    def put(self, key: str, body: str) -> None:
        """Store an answer; when the file cannot be written now, skip it."""
        now = time.time()
        try:
            with self._lock:
                self._db.execute(
                    "INSERT OR REPLACE INTO responses (key, body, created, used) "
                    "VALUES (?, ?, ?, ?)",
                    (key, body, now, now),
                )
                # counts replaced keys and misses other processes' stores: trims come early or
                # late, never wrong
                self._rows += 1
                if self._rows > self.max_entries:
                    self._trim()
        except sqlite3.Error as e:
            self._failed("store", e)

    async def lookup(self, key: str, load: Callable[[str], T]) -> T | None:
        """`get` for the Cache protocol (SQLite answers within its busy timeout)."""
        return self.get(key, load)

    async def store_answer(self, key: str, body: str) -> None:
        self.put(key, body)

    async def aclose(self) -> None:
        self.close()

    def _trim(self) -> None:
        """Keep the most recently used entries, `TRIM_SHARE` fewer than the limit."""
        keep = max(1, int(self.max_entries * (1 - TRIM_SHARE)))
        self._db.execute(
            "DELETE FROM responses WHERE key NOT IN "
            "(SELECT key FROM responses ORDER BY coalesce(used, created) DESC LIMIT ?)",
            (keep,),
        )
        (self._rows,) = self._db.execute("SELECT count(*) FROM responses").fetchone()

    def _failed(self, what: str, e: sqlite3.Error) -> None:
        self.failures += 1
        log.warning("cache %s failed, going on without it: %s (%s)", what, e, self.path)

    def close(self) -> None:
        with self._lock:
            self._db.close()


def open_cache(path: Path, max_entries: int) -> ResponseCache | None:
    """The cache at `path`, or None (with a warning) when the file cannot be used."""
    try:
        return ResponseCache(path, max_entries)
    except (OSError, sqlite3.Error) as e:
        log.warning(
            "response cache off: %s cannot be used (%s); delete or move it, or set "
            "SUMMARIZER_CACHE_PATH",
            path,
            e,
        )
        return None
