"""The apps the HTTP benchmarks drive, each served by uvicorn (one worker) in its own process.

    python -m benchmarks.servers service --port P            # the real app, instant fake model
    python -m benchmarks.servers service --port P --cache-path F   # the same, with its cache on
    python -m benchmarks.servers bare --port P               # one POST endpoint, no work

Both apps run under the same uvicorn options with access logs off, so the difference between them
is the service's own work: middleware, validation, chunking, grounding, the openai client.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import httpx2 as httpx
import uvicorn
from litestar import Litestar, get, post

from service.api.app import create_app
from tests.conftest import fake_settings
from tests.fakes import completion
from tests.test_api import REFERENCE_ANSWER


def instant_upstream() -> httpx.AsyncClient:
    """An OpenAI-compatible endpoint that answers every call at once with one prebuilt body:
    five claims quoting the reference article. It neither parses nor keeps what it is sent, so
    none of its own time counts as the service's."""
    answer = json.dumps(completion(json.dumps(REFERENCE_ANSWER))).encode()
    models = json.dumps({"object": "list", "data": [{"id": "fake-model"}]}).encode()
    headers = {"content-type": "application/json"}

    async def handle(request: httpx.Request) -> httpx.Response:
        content = models if request.method == "GET" else answer
        return httpx.Response(200, content=content, headers=headers)

    return httpx.AsyncClient(transport=httpx.MockTransport(handle))


def service_app(cache_path: Path | None) -> Litestar:
    """The real app over the instant upstream."""
    overrides: dict[str, object] = {}
    if cache_path is not None:
        overrides = {"cache_enabled": True, "cache_path": cache_path}
    return create_app(fake_settings(**overrides), http_client=instant_upstream())


@post("/v1/summaries", status_code=200)
async def bare_summary(data: dict[str, Any]) -> dict[str, Any]:
    """Decode the same JSON body, answer a small JSON."""
    return {"ok": True, "chars": len(data.get("text", ""))}


@get("/health")
async def bare_health() -> dict[str, str]:
    return {"status": "ok"}


def bare_app() -> Litestar:
    return Litestar(route_handlers=[bare_summary, bare_health], debug=False)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("kind", choices=["service", "bare"])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--cache-path", type=Path)
    args = p.parse_args()
    app = service_app(args.cache_path) if args.kind == "service" else bare_app()
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
