"""Prometheus metrics, served at /metrics: latency, model calls and tokens, cache, errors.

Each app owns its registry (no process-global state), so tests and benchmarks that build many
apps in one process never collide. Gauges that mirror live state (cache counts, admission) are
read when Prometheus scrapes, not pushed on every change.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from service.admission import Admission
from service.cache import Cache

if TYPE_CHECKING:
    from service.shared_state import RedisLink

# `*_created` timestamps double the series count and no dashboard of ours reads them.
disable_created_metrics()  # type: ignore[no-untyped-call]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# The request-state key where error responses leave their error code, for the errors counter.
ERROR_CODE = "error_code"
# A small CPU model takes seconds to minutes; a fake or a cache hit takes milliseconds.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600)


class _Live(Collector):
    """Cache hits, misses and failures, admission state and Redis, read at scrape time."""

    def __init__(self) -> None:
        self.cache: Cache | None = None
        self.admission: Admission | None = None
        self.redis: RedisLink | None = None

    def collect(self) -> Iterator[Metric]:
        lookups = CounterMetricFamily(
            "summarizer_cache_lookups", "Response cache lookups by result.", labels=["result"]
        )
        if self.cache is not None:
            lookups.add_metric(["hit"], self.cache.hits)
            lookups.add_metric(["miss"], self.cache.misses)
        yield lookups
        failures = CounterMetricFamily(
            "summarizer_cache_failures",
            "Cache look-ups and stores that failed (file locked, disk full); the request went on.",
        )
        if self.cache is not None:
            failures.add_metric([], self.cache.failures)
        yield failures
        requests = GaugeMetricFamily(
            "summarizer_admission_requests", "Summaries at the model or waiting.", labels=["state"]
        )
        refused = CounterMetricFamily(
            "summarizer_admission_refused", "Summaries refused with 503 because the queue was full."
        )
        if self.admission is not None:
            requests.add_metric(["running"], self.admission.running)
            requests.add_metric(["queued"], self.admission.waiting)
            refused.add_metric([], self.admission.refused)
        yield requests
        yield refused
        if self.redis is not None:
            yield from self._redis(self.redis)

    def _redis(self, link: RedisLink) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "summarizer_redis_up", "1 while Redis answers (as of the last call), else 0."
        )
        up.add_metric([], 1 if link.up else 0)
        yield up
        outages = CounterMetricFamily(
            "summarizer_redis_outages", "Times Redis stopped answering (each logged once)."
        )
        outages.add_metric([], link.outages)
        yield outages
        without = CounterMetricFamily(
            "summarizer_redis_unavailable",
            "Calls that went without Redis, by feature: cache (a miss or a skipped store), "
            "rate_limit (counted in this process alone: the fail-open policy), ready.",
            labels=["feature"],
        )
        for feature in ("cache", "rate_limit", "ready"):
            without.add_metric([feature], link.unavailable[feature])
        yield without


class Metrics:
    """Every metric the service exports, in its own registry."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.request_seconds = Histogram(
            "summarizer_http_request_duration_seconds",
            "HTTP request latency, by route template and status.",
            ["method", "route", "status"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.model_calls = Counter(
            "summarizer_model_calls",
            "Model calls by prompt and outcome (ok, invalid, cut_off, error).",
            ["prompt", "outcome"],
            registry=self.registry,
        )
        self.model_tokens = Counter(
            "summarizer_model_tokens",
            "Tokens reported by the model endpoint, by prompt and kind (prompt, completion).",
            ["prompt", "kind"],
            registry=self.registry,
        )
        self.model_seconds = Histogram(
            "summarizer_model_call_duration_seconds",
            "Duration of one model call, by prompt.",
            ["prompt"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.errors = Counter(
            "summarizer_errors",
            "Error responses by kind (the `error` code of the body) and status.",
            ["kind", "status"],
            registry=self.registry,
        )
        self.summaries = Counter(
            "summarizer_summaries",
            "Summaries answered, by path (single, map_reduce, map_join, salience) and whether the "
            "cache served them.",
            ["path", "cached"],
            registry=self.registry,
        )
        self.claims = Counter(
            "summarizer_claims",
            "Claims returned, by verdict (supported, unsupported).",
            ["verdict"],
            registry=self.registry,
        )
        self.embedded_exits = Counter(
            "summarizer_embedded_model_exits",
            "Times the embedded model server exited on its own (by exit code; negative: the "
            "signal) and was started again.",
            ["code"],
            registry=self.registry,
        )
        self._live = _Live()
        self.registry.register(self._live)

    def watch(
        self, cache: Cache | None, admission: Admission | None, redis: RedisLink | None = None
    ) -> None:
        """Export the live state of this cache, admission gate and Redis link."""
        self._live.cache = cache
        self._live.admission = admission
        self._live.redis = redis

    def model_call(
        self, prompt: str, outcome: str, prompt_tokens: int, completion_tokens: int, seconds: float
    ) -> None:
        self.model_calls.labels(prompt, outcome).inc()
        self.model_tokens.labels(prompt, "prompt").inc(prompt_tokens)
        self.model_tokens.labels(prompt, "completion").inc(completion_tokens)
        self.model_seconds.labels(prompt).observe(seconds)

    def embedded_exit(self, code: int) -> None:
        self.embedded_exits.labels(str(code)).inc()

    def error(self, kind: str, status: int) -> None:
        self.errors.labels(kind, str(status)).inc()

    def summary(self, path: str, cached: bool, supported: int, unsupported: int) -> None:
        self.summaries.labels(path, "true" if cached else "false").inc()
        self.claims.labels("supported").inc(supported)
        self.claims.labels("unsupported").inc(unsupported)

    def render(self) -> bytes:
        return generate_latest(self.registry)

    def timed(self, app: ASGIApp) -> ASGIApp:
        """`app` wrapped so that every HTTP request is timed, labelled by its route template."""

        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != ScopeType.HTTP:
                await app(scope, receive, send)
                return
            started = time.perf_counter()
            status = 500

            async def send_status(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]
                await send(message)

            try:
                await app(scope, receive, send_status)
            finally:
                # unmatched paths share one label, so scanners cannot blow up the series count
                route = scope.get("path_template") or "unmatched"
                self.request_seconds.labels(scope.get("method", "GET"), route, str(status)).observe(
                    time.perf_counter() - started
                )
                if status >= 400:
                    kind = scope.get("state", {}).get(ERROR_CODE, f"http_{status}")
                    self.error(kind, status)

        return middleware
