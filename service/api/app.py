"""The Litestar app: thin handlers, a lifespan that owns the model client, one error table."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import hashlib
import hmac
import logging
import os
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx2 as httpx
import openai
from litestar import Litestar, Request, Response, Router, get, post
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.enums import ParamType
from litestar.exceptions import HTTPException, NotAuthorizedException, ValidationException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware.base import DefineMiddleware
from litestar.middleware.rate_limit import RateLimitConfig, get_remote_address
from litestar.openapi import OpenAPIConfig, ResponseSpec
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import (
    OpenAPIMediaType,
    OpenAPIType,
    Operation,
    Parameter,
    Reference,
    Schema,
)
from litestar.params import JSONBody
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from service import __version__, schemas
from service.admission import Admission
from service.api.docs import OfflineDocsPlugin
from service.api.middleware import (
    BODY_KIND,
    REDUCED_FROM_HTML,
    body_middleware,
    head_middleware,
    request_id_middleware,
)
from service.api.page import favicon, index
from service.cache import Cache, open_cache
from service.embedded import model_endpoint, model_identity
from service.errors import (
    ClientDisconnectedError,
    DeadlineExceededError,
    MarkupInTextError,
    SummarizerError,
    UpstreamError,
)
from service.llm import LLM, map_openai_error
from service.markup import markup_tags
from service.metrics import CONTENT_TYPE, ERROR_CODE, Metrics
from service.pipeline import Pipeline
from service.prompts import PromptLibrary
from service.settings import Settings
from service.shared_state import SharedRateLimitMiddleware, SharedState, open_shared_state
from service.tokens import load_encoding

log = logging.getLogger("service.api")


@dataclass
class Backend:
    """What the lifespan opened: the pipeline and how to reach the model."""

    pipeline: Pipeline
    client: openai.AsyncOpenAI
    admission: Admission
    metrics: Metrics
    shared: SharedState | None = None


def request_id(request: Request[Any, Any, Any]) -> str:
    return str(request.scope.get("state", {}).get("request_id", "-"))


def build_pipeline(
    settings: Settings,
    client: openai.AsyncOpenAI,
    prompts: PromptLibrary | None = None,
    metrics: Metrics | None = None,
    shared: SharedState | None = None,
) -> Pipeline:
    """The domain pipeline over an already-open client (and an already-loaded prompt library);
    with `shared` state its cache is the one in Redis."""
    return Pipeline(
        settings=settings,
        llm=LLM(
            client,
            settings.model,
            dialect=settings.json_mode,
            temperature=settings.temperature,
            seed=settings.seed,
            repair_attempts=settings.repair_attempts,
            metrics=metrics,
        ),
        prompts=prompts or PromptLibrary(settings.prompts_dir),
        encoding=load_encoding(settings.model, settings.encoding),
        backend="embedded" if settings.embedded else "remote",
        model_identity=model_identity(settings),
        cache=response_cache(settings, shared),
    )


def response_cache(settings: Settings, shared: SharedState | None) -> Cache | None:
    """Redis's when there is shared state, else the SQLite file; None when caching is off."""
    if not settings.cache_enabled:
        return None
    if shared is not None:
        return shared.cache
    return open_cache(settings.cache_path, settings.cache_max_entries)


def open_client(
    settings: Settings, base_url: str, http_client: httpx.AsyncClient | None = None
) -> openai.AsyncOpenAI:
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else "not-needed"
    return openai.AsyncOpenAI(
        base_url=base_url,
        api_key=key,
        timeout=settings.call_timeout_s,
        max_retries=settings.max_retries,
        http_client=http_client,
    )


# --- access ----------------------------------------------------------------------------------


class KeyRing:
    """The accepted API keys, kept as sha256 digests; keys arrive as Bearer or X-API-Key."""

    def __init__(self, keys: list[str]) -> None:
        self.digests = [
            bytes.fromhex(k.removeprefix("sha256:")) if k.startswith("sha256:")
            else hashlib.sha256(k.encode()).digest()
            for k in keys
        ]  # fmt: skip

    def match(self, connection: ASGIConnection[Any, Any, Any, Any]) -> bytes | None:
        """The digest of the valid key the request presents, or None."""
        auth = connection.headers.get("authorization", "")
        given = (
            auth[7:]
            if auth.lower().startswith("bearer ")
            else connection.headers.get("x-api-key", "")
        )
        digest = hashlib.sha256(given.encode()).digest()
        # compare against every key, in constant time, so timing says nothing about which is close
        matches = [hmac.compare_digest(digest, d) for d in self.digests]
        return digest if any(matches) else None

    async def guard(
        self, connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
    ) -> None:
        """A Litestar guard: 401 without a valid key, when keys are configured.

        Async although it never waits: Litestar runs a sync guard in a worker thread, and that
        hop cost more than a cache hit's own work.
        """
        if self.digests and self.match(connection) is None:
            raise NotAuthorizedException(
                "a valid API key is required (Authorization: Bearer <key>)"
            )

    def client_id(self, request: Request[Any, Any, Any]) -> str:
        """Who a request counts against for rate limiting: its valid key, else its address."""
        digest = self.match(request) if self.digests else None
        return f"key:{digest.hex()[:16]}" if digest else f"addr:{get_remote_address(request)}"


# --- handlers (thin: each calls one domain function) -----------------------------------------


def _errors(**described: str) -> dict[int, ResponseSpec]:
    """OpenAPI entries for error statuses, all in the one error body shape."""
    return {
        int(status.removeprefix("s")): ResponseSpec(
            schemas.ErrorBody, description=text, generate_examples=False
        )
        for status, text in described.items()
    }


SUMMARY_ERRORS = _errors(
    s400="Unreadable body, unknown field, wrong type, value out of range, or markup in `text`",
    s401="API keys are configured and none valid was sent",
    s413="Body over the byte limit, or article over the token limit",
    s415="Content type other than application/json, text/plain or text/html",
    s422="Empty article, or unknown prompt_version",
    s429="Rate limit of this key or client exceeded (Retry-After)",
    s502="The model's answer was invalid or cut off after the repair attempts, the model "
    "endpoint refused the request, or it answered with something that is not a chat completion",
    s503="The service is full, or the model endpoint is unavailable or rate limiting (Retry-After)",
    s504="The model endpoint timed out, or the request deadline passed",
)


@dataclass
class SummaryOperation(Operation):
    """The OpenAPI entry of POST /v1/summaries: its three body types and, for the text bodies,
    the options they take in the query string."""

    def __post_init__(self) -> None:
        if self.request_body is not None and not isinstance(self.request_body, Reference):
            text = OpenAPIMediaType(
                schema=Schema(type=OpenAPIType.STRING, description="The article itself.")
            )
            page = OpenAPIMediaType(
                schema=Schema(type=OpenAPIType.STRING, description="An HTML page, reduced to text.")
            )
            self.request_body.content.update({"text/plain": text, "text/html": page})
        only_text = " (text/plain and text/html bodies only; JSON takes it in the body)"
        self.parameters = [
            *(self.parameters or []),
            Parameter(name="title", param_in=ParamType.QUERY, required=False,
                      schema=Schema(type=OpenAPIType.STRING, max_length=500),
                      description="Optional headline" + only_text),
            Parameter(name="prompt_version", param_in=ParamType.QUERY, required=False,
                      schema=Schema(type=OpenAPIType.STRING),
                      description="Released prompt set, e.g. v1" + only_text),
            Parameter(name="max_summary_words", param_in=ParamType.QUERY, required=False,
                      schema=Schema(type=OpenAPIType.INTEGER, minimum=20, maximum=400),
                      description="Summary length bound" + only_text),
        ]  # fmt: skip


@post(
    "/v1/summaries",
    summary="Summarize an article",
    status_code=200,
    responses=SUMMARY_ERRORS,
    operation_class=SummaryOperation,
)
async def create_summary(
    data: JSONBody[schemas.SummaryRequest],
    request: Request[Any, Any, Any],
    backend: NamedDependency[Backend],
) -> schemas.SummaryResponse:
    """Summarize an article and return its summary and claims, each proven against the text.

    Send JSON (`{"text": ...}`), the article itself as `text/plain`, or a page as `text/html`
    (options then go in the query string: `?title=`, `?prompt_version=`, `?max_summary_words=`).
    """
    state = request.scope.get("state", {})
    if state.get(BODY_KIND, "json") == "json" and (tags := markup_tags(data.text)):
        raise MarkupInTextError(
            f"text looks like HTML markup ({', '.join(tags[:3])}); send the article's plain "
            "text, or POST the page with Content-Type: text/html to have it reduced to text",
            details={"field": "text", "tags": tags[:5], "send_as": "text/html"},
        )
    rid = request_id(request)
    work = asyncio.ensure_future(_summarize(backend, data, rid))
    gone = asyncio.ensure_future(_disconnect(request))
    try:
        await asyncio.wait({work, gone}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        gone.cancel()
        abandoned = not work.done()  # the client went away first (or this handler was cancelled)
        if abandoned:
            work.cancel()
    if abandoned:
        with contextlib.suppress(asyncio.CancelledError):
            await work
        raise ClientDisconnectedError(
            "the client closed the connection before the summary was ready; its model work "
            "was cancelled"
        )
    response = work.result()
    if state.get(REDUCED_FROM_HTML):
        response = response.model_copy(update={"article_text": data.text})
    stats = response.claim_stats
    backend.metrics.summary(
        response.provenance.path, response.cached, stats.supported, stats.unsupported
    )
    return response


async def _summarize(
    backend: Backend, data: schemas.SummaryRequest, rid: str
) -> schemas.SummaryResponse:
    """One summary under the request deadline, which counts the time spent queued for a slot."""
    deadline = backend.pipeline.settings.request_deadline_s
    started = time.monotonic()
    queued = None
    try:
        async with asyncio.timeout(deadline), backend.admission.slot():
            queued = time.monotonic() - started
            return await backend.pipeline.summarize(data, rid)
    except TimeoutError as e:
        waited = time.monotonic() - started if queued is None else queued
        where = f" ({waited:.1f} s of it waiting for a free model slot)" if waited >= 0.05 else ""
        raise DeadlineExceededError(
            f"the summary was not ready within the {deadline:g} s request deadline{where}; "
            "try again later, or raise SUMMARIZER_REQUEST_DEADLINE_S",
            details={"deadline_s": deadline, "queued_s": round(waited, 3)},
        ) from e


async def _disconnect(request: Request[Any, Any, Any]) -> None:
    """Return when the client goes away (the body has been read: only a disconnect can come)."""
    while (await request.receive())["type"] != "http.disconnect":
        pass


@get("/v1/prompts", summary="List prompt files")
async def list_prompts(backend: NamedDependency[Backend]) -> list[schemas.PromptInfo]:
    """Every prompt file: name, version, sha256, description and variables."""
    return [
        schemas.PromptInfo(
            name=t.name,
            version=t.version,
            sha256=t.sha256,
            description=t.description,
            variables=list(t.variables),
        )
        for t in backend.pipeline.prompts.templates
    ]


@get("/metrics", summary="Prometheus metrics", include_in_schema=False)
async def prometheus_metrics(backend: NamedDependency[Backend]) -> Response[bytes]:
    """Request latency, model calls and tokens by prompt, cache lookups, errors by kind."""
    return Response(backend.metrics.render(), media_type=CONTENT_TYPE)


@get("/health", summary="Process is alive")
async def health() -> dict[str, str]:
    return {"status": "ok", "version": __version__}


@get("/ready", summary="The model backend answers")
async def ready(backend: NamedDependency[Backend]) -> Response[dict[str, str]]:
    """200 when the model answers, else 503. `redis` says whether Redis answers (up, down) or
    is not configured (off); a Redis outage alone keeps the service ready, since it answers
    without Redis (cache misses, rate limits per process)."""
    redis = "off"
    if backend.shared is not None:
        redis = "up" if await backend.shared.link.ping() else "down"
    try:
        await backend.client.models.list(timeout=5.0)
    except openai.OpenAIError as e:
        err = map_openai_error(e)
        return Response(
            {"status": "unavailable", "reason": err.message, "redis": redis}, status_code=503
        )
    return Response(
        {"status": "ready", "model": backend.pipeline.llm.model, "redis": redis}, status_code=200
    )


async def _probe(client: openai.AsyncOpenAI, base_url: str) -> None:
    """Say at start-up when the configured endpoint does not answer (a typo in OPENAI_BASE_URL
    would otherwise show only as every summary failing). The service starts anyway: the
    endpoint may come up later, and /ready reports it."""
    try:
        await client.models.list(timeout=5.0)
    except openai.OpenAIError as e:
        log.warning(
            "the model endpoint OPENAI_BASE_URL=%s does not answer (%s); summaries will fail "
            "until it does",
            _without_credentials(base_url),
            map_openai_error(e).message,
        )


def _without_credentials(url: str) -> str:
    """The URL without any user:password part, fit for a log line."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


# --- errors: one table, one body shape -------------------------------------------------------


def _error(request: Request[Any, Any, Any], status: int, code: str, message: str,
           details: dict[str, Any] | None = None,
           headers: dict[str, str] | None = None) -> Response[schemas.ErrorBody]:  # fmt: skip
    body = schemas.ErrorBody(
        error=code, message=message, request_id=request_id(request), details=details or {}
    )
    request.scope.setdefault("state", {})[ERROR_CODE] = code  # counted by the metrics middleware
    return Response(body, status_code=status, headers=headers)


def domain_error(
    request: Request[Any, Any, Any], exc: SummarizerError
) -> Response[schemas.ErrorBody]:
    headers = None
    if isinstance(exc, UpstreamError) and exc.retry_after is not None:
        headers = {"Retry-After": str(max(1, round(exc.retry_after)))}
    level = logging.INFO if isinstance(exc, ClientDisconnectedError) else logging.WARNING
    log.log(level, "request %s failed: %s (%s)", request_id(request), exc.code, exc.message)
    return _error(request, exc.status_code, exc.code, exc.message, exc.details, headers)


REQUEST_FIELDS = ", ".join(schemas.SummaryRequest.model_fields)


def _problem(error: dict[str, Any]) -> str:
    """One validation problem in the client's terms: which field, what is wrong, what to send."""
    key = str(error.get("key") or "")
    message = str(error.get("message", "invalid")).removeprefix("Value error, ")
    if not key or key == "data" or "instance of SummaryRequest" in message:
        return f'the JSON body must be an object such as {{"text": "..."}}, with fields {REQUEST_FIELDS}'
    if "Extra inputs are not permitted" in message:
        return f"unknown field {key!r}; the fields are {REQUEST_FIELDS}"
    if "Field required" in message:
        return f"{key}: the field is required"
    return f"{key}: {message}"


def http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[schemas.ErrorBody]:
    details: dict[str, Any] = {}
    message = exc.detail
    status = exc.status_code
    if isinstance(exc, ValidationException) and isinstance(exc.extra, list):
        details["errors"] = exc.extra
        problems = list(dict.fromkeys(_problem(e) for e in exc.extra if isinstance(e, dict)))
        message = "invalid request: " + "; ".join(problems[:3] or [str(exc.detail)])
    elif status == 400:
        message = f"the request body could not be read as JSON: {exc.detail}"
    elif status == 413:
        limit = request.app.state.get("max_body_bytes", request.app.request_max_body_size)
        message = f"the request body is larger than the {limit:,}-byte limit; send less text"
        details["limit_bytes"] = limit
    elif status == 405:
        message = f"{request.method} is not allowed on {request.url.path}"
    elif status == 404:
        message = f"no such path: {request.url.path}; see /schema for the API"
    code = {400: "bad_request", 401: "unauthorized", 404: "not_found", 405: "method_not_allowed",
            413: "body_too_large", 415: "unsupported_media_type",
            429: "rate_limited"}.get(status, "http_error")  # fmt: skip
    headers = dict(exc.headers or {})
    if status == 429:
        message = "too many requests from this client or key; slow down and retry later"
        headers["Retry-After"] = headers.get("RateLimit-Reset", "60")
    return _error(request, status, code, message, details, headers)


def too_deep(request: Request[Any, Any, Any], exc: RecursionError) -> Response[schemas.ErrorBody]:
    return _error(request, 400, "bad_request", "the JSON body is nested too deeply to read")


def unexpected_error(
    request: Request[Any, Any, Any], exc: Exception
) -> Response[schemas.ErrorBody]:
    log.exception("request %s: unexpected error", request_id(request))
    return _error(request, HTTP_500_INTERNAL_SERVER_ERROR, "internal_error",
                  "the service failed unexpectedly; quote the request id when reporting it")  # fmt: skip


# --- the app ---------------------------------------------------------------------------------


def create_app(
    settings: Settings | None = None, *, http_client: httpx.AsyncClient | None = None
) -> Litestar:
    """Build the app. With no OPENAI_BASE_URL the lifespan runs the embedded model server.

    `http_client` lets tests put a fake OpenAI-compatible transport under the real client.
    """
    settings = settings or Settings()
    prompts = PromptLibrary(settings.prompts_dir)  # a broken prompt file fails at build time
    keys = KeyRing(settings.api_keys)
    metrics = Metrics()

    @contextlib.asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        with model_endpoint(settings, on_exit=metrics.embedded_exit) as base_url:
            client = open_client(settings, base_url, http_client)
            admission = Admission(settings.max_running_requests, settings.max_queued_requests)
            # opened here, in the loop that serves requests
            shared = None
            if settings.redis_url:
                shared = open_shared_state(
                    settings.redis_url, settings.redis_timeout_s, settings.cache_max_entries
                )
                for name, store in shared.stores.items():  # the rate limit finds its store here
                    app.stores.register(name, store, allow_override=True)
                await shared.link.ping()  # a first connection, before requests need one
            pipeline = build_pipeline(settings, client, prompts, metrics, shared)
            metrics.watch(pipeline.cache, admission, shared.link if shared else None)
            app.state.backend = Backend(pipeline, client, admission, metrics, shared)
            if not settings.embedded:
                await _probe(client, base_url)
            log.info("process %d ready to serve", os.getpid())  # one line per worker
            # What is built by now (modules, tokenizer, prompts, clients) lives as long as the
            # app: keep it out of the cyclic collector's sight, so that collections walk only what
            # requests allocate (about 10% of a summary's own time, measured in process).
            gc.freeze()
            try:
                yield
            finally:
                gc.unfreeze()
                await client.close()
                if pipeline.cache is not None:
                    await pipeline.cache.aclose()
                if shared is not None:
                    await shared.close()

    def provide_backend(state: State) -> Backend:
        return state.backend  # type: ignore[no-any-return]

    limits = []
    if settings.rate_limit_per_minute:
        limit = RateLimitConfig(
            ("minute", settings.rate_limit_per_minute),
            identifier_for_request=keys.client_id,
            # with Redis: one atomic check-and-count for every worker (fails open to per process)
            middleware_class=SharedRateLimitMiddleware,
        )
        limits.append(limit.middleware)
    guarded = Router(
        "/", route_handlers=[create_summary, list_prompts], guards=[keys.guard], middleware=limits
    )
    app = Litestar(
        route_handlers=[
            index,
            favicon,
            guarded,
            health,
            ready,
            *([prometheus_metrics] if settings.metrics_enabled else []),
        ],
        lifespan=[lifespan],
        dependencies={"backend": Provide(provide_backend, sync_to_thread=False)},
        middleware=[DefineMiddleware(body_middleware, max_body_bytes=settings.max_body_bytes)],
        exception_handlers={
            SummarizerError: domain_error,
            HTTPException: http_error,
            RecursionError: too_deep,
            Exception: unexpected_error,
        },
        # body_middleware limits what the client sends as it arrives; this bounds the JSON it
        # re-sends for a text body (escapes can make it up to 6 times longer)
        request_max_body_size=6 * settings.max_body_bytes + 65_536,
        state=State({"max_body_bytes": settings.max_body_bytes}),
        openapi_config=OpenAPIConfig(
            title="Summarizer",
            version=__version__,
            description="Summaries and atomic claims, each proven against the article.",
            path="/schema",
            render_plugins=[
                OfflineDocsPlugin(),
                SwaggerRenderPlugin(),
            ],  # the first needs no network
        ),
        debug=False,
        logging_config=None,  # the process owns logging (the CLI configures it), not the app
    )
    # Outermost, around Litestar's own exception handling and routing, so that every response
    # (a 404, or an error raised by route middleware such as the rate limit) gets a request id
    # and security headers and is timed and counted.
    app.asgi_handler = metrics.timed(request_id_middleware(head_middleware(app.asgi_handler)))
    return app
