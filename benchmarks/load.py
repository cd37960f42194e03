"""Load: 500 requests, 50 at a time, against a fake upstream that takes 50 ms per call.

    python -m benchmarks.load                # one process, then 2 workers + Redis
    python -m benchmarks.load --workers 0    # one process only
    python -m benchmarks.load --workers 3    # one process, then 3 workers + Redis
    python -m benchmarks.load --workers-only # 2 workers + Redis only (the load-workers rows)

The service admits `max_running_requests` at the model and queues `max_queued_requests`; past
that it must answer 503 with Retry-After at once. Counted: every request gets an answer, no 5xx
but the designed 503s, latency of the refusals against the admitted, and peak traced memory.

Across workers (`load-workers` rows, when redis-server is installed): `summarizer serve
--workers N` on real loopback with SUMMARIZER_REDIS_URL set, over benchmarks/upstream.py's fake
with the same 50 ms per call. Every request carries a distinct article (so each is a cache miss
and a store in Redis) and an API key with a limit of LIMIT a minute shared by every worker, so
exactly `sent - LIMIT` answers must be 429 (in each minute's window: a run slower than a minute
spans two, and each answer's RateLimit-Reset says which it counted in); admission holds per
worker, so up to N times the one-process 200s and the rest 503. Memory is the peak resident size of the service's process
tree (parent and workers), sampled every 50 ms, for `REQUESTS` and for twice as many.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx

from benchmarks.common import (
    Child,
    Row,
    clean_env,
    log,
    percentile,
    reference_text,
    row,
    table,
)
from service.api.app import create_app
from service.embedded import free_port
from tests.conftest import fake_settings
from tests.fakes import completion
from tests.redis_server import REDIS_SERVER, RedisServer

NAME = "load"
WORKERS_NAME = "load-workers"
REQUESTS, CONCURRENCY, UPSTREAM_S = 500, 50, 0.05
WORKERS, LIMIT = 2, 400
# the rate limit's window, and how far apart two answers' estimates of one window's end may be
WINDOW_S, WINDOW_SLACK_S = 60, 5
# per worker, as in the one-process run
RUNNING, QUEUED = 4, 16


async def _upstream(request: httpx.Request) -> httpx.Response:
    await asyncio.sleep(UPSTREAM_S)
    answer = {"summary": "Kim pledged support for Russia.", "claims": []}
    return httpx.Response(200, json=completion(json.dumps(answer)))


async def _run(
    requests: int = REQUESTS, trace: bool = True
) -> tuple[list[tuple[int, float, str]], float, int]:
    settings = fake_settings(max_running_requests=4, max_queued_requests=16)
    app = create_app(
        settings, http_client=httpx.AsyncClient(transport=httpx.MockTransport(_upstream))
    )
    body = {"text": reference_text()}
    results: list[tuple[int, float, str]] = []
    gate = asyncio.Semaphore(CONCURRENCY)
    transport = httpx.ASGITransport(app=app)
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    async with (
        app.lifespan(),
        httpx.AsyncClient(transport=transport, base_url="http://load", timeout=120) as c,
    ):

        async def one() -> None:
            async with gate:
                t = time.perf_counter()
                try:
                    r = await c.post("/v1/summaries", json=body)
                    results.append(
                        (r.status_code, (time.perf_counter() - t) * 1000, r.json().get("error", ""))
                    )
                except Exception as e:  # a lost request is what this benchmark looks for
                    results.append((0, (time.perf_counter() - t) * 1000, type(e).__name__))

        await asyncio.gather(*(one() for _ in range(requests)))
    elapsed = time.perf_counter() - started
    if not trace:
        return results, elapsed, 0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return results, elapsed, peak


def _one_process() -> list[Row]:
    # untraced warm-up: what loads once per process (tokenizer ranks, compiled patterns, schemas)
    # is not what requests cost
    asyncio.run(_run(CONCURRENCY, trace=False))
    results, elapsed, peak = asyncio.run(_run())
    # twice the requests must not need twice the memory: the queue is bounded, refusals are cheap
    _, _, peak_double = asyncio.run(_run(2 * REQUESTS))
    codes = [c for c, _, _ in results]
    ok = [ms for c, ms, _ in results if c == 200]
    refused = [ms for c, ms, e in results if c == 503 and e == "overloaded"]
    other = [c for c, _, e in results if not (c == 200 or (c == 503 and e == "overloaded"))]
    return [
        row(
            NAME,
            f"answers received of {REQUESTS} sent ({CONCURRENCY} concurrent)",
            len(results),
            REQUESTS,
            target="= 1.0",
            ok=len(results) == REQUESTS,
        ),
        row(NAME, "200 answers", codes.count(200)),
        row(NAME, "designed 503 (overloaded, Retry-After)", len(refused)),
        row(NAME, "any other status (lost or undesigned)", len(other), target="= 0", ok=not other),
        row(NAME, "p50 latency of 200s (ms)", percentile(ok, 50) if ok else 0.0),
        row(
            NAME,
            "p50 latency of 503s (ms) vs 200s",
            percentile(refused, 50) if refused else 0.0,
            percentile(ok, 50) if ok else None,
        ),
        row(NAME, "throughput (answers/s)", len(results) / elapsed),
        row(NAME, "peak traced memory (MiB)", peak / 2**20),
        row(
            NAME,
            f"peak traced memory, {2 * REQUESTS} requests vs {REQUESTS} (MiB)",
            peak_double / 2**20,
            peak / 2**20,
            target="ratio ≤ 1.5",
            ok=peak_double <= 1.5 * peak,
        ),
    ]


# --- several workers and Redis ---------------------------------------------------------------


def tree_rss(pid: int) -> int:
    """Resident bytes of `pid` and every descendant (from /proc)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError):
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
    family, todo = {pid}, [pid]
    while todo:
        parent = todo.pop()
        kids = [p for p, pp in parents.items() if pp == parent]
        family.update(kids)
        todo += kids
    total = 0
    for p in family:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
    return total


@contextlib.contextmanager
def fleet(workers: int, limit: int, keys: list[str]) -> Iterator[tuple[Child, RedisServer]]:
    """Redis, the fake upstream (UPSTREAM_S a call) and `serve --workers N` over them."""
    with tempfile.TemporaryDirectory() as folder:
        redis = RedisServer(Path(folder) / "redis")
        redis.start()
        up_port, port = free_port(), free_port()
        upstream = Child(
            [sys.executable, "-m", "benchmarks.upstream", "--port", str(up_port),
             "--latency", str(UPSTREAM_S)],
            up_port, env=clean_env(),
        )  # fmt: skip
        service: Child | None = None
        try:
            upstream.wait_for("/health", timeout=60)
            env = clean_env() | {
                "OPENAI_BASE_URL": f"{upstream.base_url}/v1",
                "OPENAI_API_KEY": "sk-load",
                "SUMMARIZER_MODEL": "fake-model",
                "SUMMARIZER_CONTEXT_WINDOW": "4096",
                "SUMMARIZER_MAX_RETRIES": "0",
                "SUMMARIZER_MAX_RUNNING_REQUESTS": str(RUNNING),
                "SUMMARIZER_MAX_QUEUED_REQUESTS": str(QUEUED),
                "SUMMARIZER_REDIS_URL": redis.url,
                "SUMMARIZER_CACHE_ENABLED": "true",
                "SUMMARIZER_RATE_LIMIT_PER_MINUTE": str(limit),
                "SUMMARIZER_API_KEYS": json.dumps(keys),
            }
            service = Child(
                [sys.executable, "-m", "service.cli", "serve", "--workers", str(workers),
                 "--port", str(port), "--log-level", "warning"],
                port, env=env,
            )  # fmt: skip
            service.wait_for("/ready", timeout=120)
            deadline = time.monotonic() + 120  # every worker up, not only the first to answer
            while service.tail(1_000_000).count("ready to serve") < workers:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"not every worker started:\n{service.tail()}")
                time.sleep(0.1)
            yield service, redis
        finally:
            if service is not None:
                service.stop()
            upstream.stop()
            redis.kill()


def designed_429s(window_ends: list[int], limit: int) -> tuple[int, int, bool]:
    """The 429s one shared limit must give for answers reporting these window ends (epoch s):
    those past `limit` in each window; the windows; whether they are the shared limit's own (one
    after the other, a window apart: a window counted by one worker alone would overlap them)."""
    windows: list[list[int]] = []
    for end in sorted(window_ends):
        if windows and end - windows[-1][0] <= WINDOW_SLACK_S:
            windows[-1].append(end)
        else:
            windows.append([end])
    designed = sum(max(0, len(w) - limit) for w in windows)
    apart = all(b[0] - a[0] >= WINDOW_S - WINDOW_SLACK_S for a, b in itertools.pairwise(windows))
    return designed, len(windows), apart


async def _blast(
    url: str, key: str, requests: int, concurrency: int, pid: int
) -> tuple[list[tuple[int, float, str]], float, int, list[int]]:
    """`requests` distinct articles, `concurrency` at a time, as `key`; results, seconds, peak
    resident bytes of the service's tree, and the end of the rate-limit window (epoch s) each
    answer reports."""
    text = reference_text()
    results: list[tuple[int, float, str]] = []
    window_ends: list[int] = []
    gate = asyncio.Semaphore(concurrency)
    peak = tree_rss(pid)
    done = asyncio.Event()

    async def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss(pid))
            await asyncio.sleep(0.05)

    headers = {"authorization": f"Bearer {key}"}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as c:

        async def one(i: int) -> None:
            body = {"text": f"{text}\nLoad note {key}-{i}: updated."}
            async with gate:
                t = time.perf_counter()
                try:
                    r = await c.post("/v1/summaries", json=body, headers=headers)
                    error = r.json().get("error", "") if r.status_code != 200 else ""
                    results.append((r.status_code, (time.perf_counter() - t) * 1000, error))
                    if "ratelimit-reset" in r.headers:
                        window_ends.append(int(time.time()) + int(r.headers["ratelimit-reset"]))
                except Exception as e:  # a lost request is what this benchmark looks for
                    results.append((0, (time.perf_counter() - t) * 1000, type(e).__name__))

        sampler = asyncio.create_task(sample())
        started = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(requests)))
        elapsed = time.perf_counter() - started
        done.set()
        await sampler
    return results, elapsed, peak, window_ends


def across_workers(
    workers: int = WORKERS,
    requests: int = REQUESTS,
    concurrency: int = CONCURRENCY,
    limit: int = LIMIT,
) -> list[Row]:
    """The load rows for `workers` worker processes sharing Redis (see the module docstring)."""
    if REDIS_SERVER is None:
        log(f"{WORKERS_NAME}: skipped, redis-server is not installed (scripts/install-redis.sh)")
        return []
    name = f"{WORKERS_NAME} ({workers} workers)"
    with fleet(workers, limit, ["warm", "run", "double"]) as (service, redis):
        pid = service.process.pid
        asyncio.run(_blast(service.base_url, "warm", min(concurrency, limit), concurrency, pid))
        results, elapsed, peak, windows = asyncio.run(
            _blast(service.base_url, "run", requests, concurrency, pid)
        )
        double, _, peak_double, windows_double = asyncio.run(
            _blast(service.base_url, "double", 2 * requests, concurrency, pid)
        )
        redis_bytes = int(redis.info("memory").get("used_memory", "0"))
        outages = service.tail(10_000_000).count("is not answering")
    designed = {(429, "rate_limited"), (503, "overloaded")}
    rows: list[Row] = []
    for label, got, sent, ends in (
        ("", results, requests, windows),
        (" (2x)", double, 2 * requests, windows_double),
    ):
        codes = [(c, e) for c, _, e in got]
        other = [c for c in codes if c[0] != 200 and c not in designed]
        limited = codes.count((429, "rate_limited"))
        due, spanned, apart = designed_429s(ends, limit)
        rows += [
            row(name, f"answers received of {sent} sent ({concurrency} concurrent){label}",
                len(got), sent, target="= 1.0", ok=len(got) == sent),
            row(name, f"200 answers{label}", sum(1 for c, _ in codes if c == 200)),
            row(name, f"designed 429 (one limit of {limit}/min for all workers){label}",
                limited, due, target="= sent - limit per window",
                ok=limited == due and apart and len(ends) == sent),
            row(name, f"rate-limit windows the run spanned{label}", spanned),
            row(name, f"designed 503 (overloaded, per worker){label}",
                codes.count((503, "overloaded"))),
            row(name, f"any other status (lost or undesigned){label}", len(other),
                target="= 0", ok=not other),
        ]  # fmt: skip
    ok = [ms for c, ms, _ in results if c == 200]
    refused = [ms for c, ms, e in results if c in (429, 503)]
    rows += [
        row(name, "p50 latency of 200s (ms)", percentile(ok, 50) if ok else 0.0),
        row(name, "p50 latency of 429s and 503s (ms) vs 200s",
            percentile(refused, 50) if refused else 0.0, percentile(ok, 50) if ok else None),
        row(name, "throughput (answers/s)", len(results) / elapsed),
        row(name, "peak resident memory of the service's processes (MiB)", peak / 2**20),
        row(name, f"peak resident memory, {2 * requests} requests vs {requests} (MiB)",
            peak_double / 2**20, peak / 2**20, target="ratio ≤ 1.5",
            ok=peak_double <= 1.5 * peak),
        row(name, "Redis used memory after the runs (MiB)", redis_bytes / 2**20),
        # each is a worker that saw 3 Redis calls in a row fail: its requests then count against
        # its own limit, and more pass (time its loop stood still is not a Redis timeout)
        row(name, "Redis outages logged by the workers (explains extra 200s)", outages),
    ]  # fmt: skip
    return rows


def main(workers: int = WORKERS, one_process: bool = True) -> list[Row]:
    """The one-process rows, then (with redis-server) the same load across `workers` workers."""
    rows = _one_process() if one_process else []
    if workers:
        rows += across_workers(workers)
    return rows


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--workers", type=int, default=WORKERS,
                   help=f"workers of the multi-process run; 0 skips it (default {WORKERS})")  # fmt: skip
    p.add_argument("--workers-only", action="store_true",
                   help="only the multi-process run (the load-workers rows)")  # fmt: skip
    args = p.parse_args()
    print(table(main(args.workers, one_process=not args.workers_only)))
