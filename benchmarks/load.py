"""Load: 500 requests, 50 at a time, against a fake upstream that takes 50 ms per call.

The service admits `max_running_requests` at the model and queues `max_queued_requests`; past
that it must answer 503 with Retry-After at once. Counted: every request gets an answer, no 5xx
but the designed 503s, latency of the refusals against the admitted, and peak traced memory.
"""

from __future__ import annotations

import asyncio
import json
import time
import tracemalloc

import httpx2 as httpx

from benchmarks.common import Row, percentile, reference_text, row, run_module
from service.api.app import create_app
from tests.conftest import fake_settings
from tests.fakes import completion

NAME = "load"
REQUESTS, CONCURRENCY, UPSTREAM_S = 500, 50, 0.05


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


def main() -> list[Row]:
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


if __name__ == "__main__":
    run_module(main)
