"""The response cache: latency of hits and misses vs the same service with the cache off.

Two uvicorn servers over the instant fake model: the service with its cache off (the baseline),
and the service with a fresh SQLite cache in a temporary folder. The cached one first sees every
article once (all misses: lookup, full pipeline, store), then the same articles again (all hits).
The articles are the reference article with a numbered sentence appended, so each is distinct.
With a real model a hit saves the whole model call (seconds); over an instant fake it can save
only the pipeline's own work, which makes this a strict test of the cache's own cost.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx2 as httpx

from benchmarks.common import Row, log, percentile, reference_text, row, run_module, served
from benchmarks.common import timed_posts as posts
from service.cache import ResponseCache

NAME = "cache"
WARMUP = 20
BLOCK = 25
HIT_TARGET = 0.5  # a hit takes at most half the uncached latency
HIT_MS = 2.0  # the target for a repeated identical request, p50
MISS_TARGET = 1.2  # a miss costs at most 20% more than no cache


def bodies(n: int, tag: str) -> list[bytes]:
    text = reference_text()
    return [
        json.dumps({"text": f"{text}\nEditor's note {tag}-{i}: updated.", "title": "Kim"}).encode()
        for i in range(n)
    ]


def store_ms(folder: Path, body: str, n: int = 50) -> tuple[float, float]:
    """Mean ms of ResponseCache.put and of a hitting get, in this process."""
    cache = ResponseCache(folder / "micro.sqlite3")
    try:
        t = time.perf_counter()
        for i in range(n):
            cache.put(str(i), body)
        put = (time.perf_counter() - t) * 1000 / n
        t = time.perf_counter()
        for i in range(n):
            cache.get(str(i))
        return put, (time.perf_counter() - t) * 1000 / n
    finally:
        cache.close()


def main(requests: int = 150) -> list[Row]:
    """p50 latency of cache misses and hits, each against the cache-off service."""
    articles = bodies(requests, "run")
    log(f"[{NAME}] {requests} distinct articles, in blocks of {BLOCK}: cache off, miss, hit")
    with tempfile.TemporaryDirectory() as folder:
        cache_file = Path(folder) / "responses.sqlite3"
        with (
            served("service") as plain,
            served("service", "--cache-path", str(cache_file)) as cached,
            httpx.Client(timeout=30.0) as client,
        ):
            off_url, on_url = plain.base_url + "/v1/summaries", cached.base_url + "/v1/summaries"
            posts(client, off_url, bodies(WARMUP, "warm"))
            posts(client, on_url, bodies(WARMUP, "warm"))
            off_ms: list[float] = []
            miss_ms: list[float] = []
            hit_ms: list[float] = []
            answers: list[Any] = []
            # block by block (off, miss, hit on the same articles), so drift hits all three alike
            for at in range(0, requests, BLOCK):
                block = articles[at : at + BLOCK]
                off_ms += posts(client, off_url, block)[0]
                miss_ms += posts(client, on_url, block)[0]
                latencies, kept = posts(client, on_url, block, keep=True)
                hit_ms += latencies
                answers += kept
        size_kb = cache_file.stat().st_size / 1024 if cache_file.exists() else 0.0
        put_ms, get_ms = store_ms(Path(folder), json.dumps(answers[0]))
    if not all(a.get("cached") for a in answers):
        raise RuntimeError("the second pass was not answered from the cache")
    off, miss, hit = (percentile(x, 50) for x in (off_ms, miss_ms, hit_ms))
    return [
        row(NAME, "p50 latency, cache off (ms)", off),
        row(
            NAME,
            "p50 latency, cache miss: lookup + pipeline + store (ms)",
            miss,
            off,
            target=f"ratio ≤ {MISS_TARGET:g}",
            ok=miss / off <= MISS_TARGET,
        ),
        row(
            NAME,
            "p50 latency, cache hit (ms)",
            hit,
            off,
            target=f"≤ {HIT_MS:g} ms, ratio ≤ {HIT_TARGET:g}",
            ok=hit <= HIT_MS and hit / off <= HIT_TARGET,
        ),
        row(NAME, "p99 latency, cache hit (ms)", percentile(hit_ms, 99), percentile(off_ms, 99)),
        row(NAME, "ResponseCache.put of one answer, in process (ms)", put_ms),
        row(NAME, "ResponseCache.get, hit, in process (ms)", get_ms),
        row(NAME, f"cache file after {requests + WARMUP} answers (KiB)", size_kb),
    ]


if __name__ == "__main__":
    run_module(main)
