"""Service overhead: the real app over an instant fake model vs a bare Litestar endpoint.

Both are served by uvicorn (one worker, its own process) and driven by one sequential httpx
client with keep-alive, in alternating blocks so drift on the machine hits both alike. With the
model answering at once, the service's latency above the bare app's is its own work: middleware,
pydantic validation, chunking, the openai client round trip, grounding and serialization.
"""

from __future__ import annotations

import json
from typing import Any

import httpx2 as httpx

from benchmarks.common import Row, log, median, percentile, reference_text, row, run_module, served
from benchmarks.common import timed_posts as posts

NAME = "overhead"
TARGET_MS = 5.0
WARMUP = 30
BLOCK = 50


def main(requests: int = 300) -> list[Row]:
    """Latency of POST /v1/summaries with the reference article, service vs bare app."""
    body = json.dumps({"text": reference_text(), "title": "Kim pledges support"}).encode()
    bare_ms: list[float] = []
    service_ms: list[float] = []
    answers: list[dict[str, Any]] = []
    log(f"[{NAME}] starting both servers; {requests} requests each after {WARMUP} warm-up")
    with (
        served("bare") as bare,
        served("service") as service,
        httpx.Client(timeout=30.0) as client,
    ):
        bare_url, service_url = bare.base_url + "/v1/summaries", service.base_url + "/v1/summaries"
        posts(client, bare_url, [body] * WARMUP)
        posts(client, service_url, [body] * WARMUP)
        done = 0
        while done < requests:
            n = min(BLOCK, requests - done)
            bare_ms += posts(client, bare_url, [body] * n)[0]
            latencies, kept = posts(client, service_url, [body] * n, keep=True)
            service_ms += latencies
            answers += kept
            done += n

    bare_p50, service_p50 = percentile(bare_ms, 50), percentile(service_ms, 50)
    bare_p99, service_p99 = percentile(bare_ms, 99), percentile(service_ms, 99)
    bare_rps, service_rps = (
        1000 * len(bare_ms) / sum(bare_ms),
        1000 * len(service_ms) / sum(service_ms),
    )
    overhead = service_p50 - bare_p50
    claims = [a["claim_stats"] for a in answers]
    timings = {
        part: median([a["timings_ms"].get(part, 0.0) for a in answers])
        for part in ("chunking", "model", "grounding", "total")
    }
    rows = [
        row(NAME, "p50 latency, service (ms)", service_p50, bare_p50),
        row(NAME, "p99 latency, service (ms)", service_p99, bare_p99),
        row(NAME, "requests/s, service (sequential)", service_rps, bare_rps),
        row(
            NAME,
            "overhead p50 = service p50 − bare p50 (ms)",
            overhead,
            target=f"≤ {TARGET_MS:g} ms",
            ok=overhead <= TARGET_MS,
        ),
    ]
    # the pipeline's own split, as a share of the service's p50
    for part in ("chunking", "model", "grounding", "total"):
        label = "model call (fake)" if part == "model" else part
        rows.append(
            row(NAME, f"pipeline {label}, median (ms) / share of p50", timings[part], service_p50)
        )
    rows.append(
        row(
            NAME,
            "outside the pipeline: HTTP, middleware, validation, JSON (ms)",
            service_p50 - timings["total"],
            service_p50,
        )
    )
    rows.append(
        row(
            NAME,
            "claims supported / returned (sanity)",
            median([c["supported"] for c in claims]),
            median([c["returned"] for c in claims]),
        )
    )
    log(f"[{NAME}] bare p50 {bare_p50:.2f} ms, service p50 {service_p50:.2f} ms")
    return rows


if __name__ == "__main__":
    run_module(main)
