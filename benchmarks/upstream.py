"""An OpenAI-compatible upstream on real loopback that counts what it is sent: fake or proxy.

    python -m benchmarks.upstream --port P                    # answers every call at once
    python -m benchmarks.upstream --port P --latency 0.05     # after 50 ms, as a busy model
    python -m benchmarks.upstream --port P --forward URL      # passes calls on to URL, counts

Fake: every chat completion is answered instantly with the first two sentences of whatever text
the call carries (the article fenced in `<article>` by our prompts, the quoted text in LangChain's),
as JSON for the schema in `response_format` when one is asked for, else as plain text, so both
our service and LangChain get valid answers of the same size. Proxy: the body goes unchanged to
the real endpoint (the embedded llama.cpp server) and its answer comes back unchanged.

Either way GET /stats says what arrived since POST /reset: calls, prompt tokens counted here
(tiktoken cl100k over every message's content, the same count for every client), the usage the
answers reported, the `max_tokens` each call asked for and which output format it wanted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import time
from typing import Any

import httpx2 as httpx
import uvicorn
from litestar import Litestar, Request, get, post

from service.tokens import load_encoding
from tests.fakes import completion as fake_completion

_ENC = load_encoding("benchmark-upstream")  # unknown model: the offline cl100k
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_FENCED = re.compile(r"<article>\n(.*)\n</article>", re.S)
_QUOTED = re.compile(r'"(.*)"', re.S)


class Counter:
    """What the upstream received since the last reset."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.calls = 0
        self.prompt_tokens = 0  # counted here, cl100k
        self.reported_prompt_tokens = 0  # as the answers' usage says
        self.reported_completion_tokens = 0
        self.max_tokens: list[int | None] = []
        self.formats: list[str] = []
        self.seconds = 0.0

    def add(self, body: dict[str, Any], answer: dict[str, Any], seconds: float) -> None:
        self.calls += 1
        self.prompt_tokens += sum(
            len(_ENC.encode_ordinary(str(m.get("content") or ""))) for m in body["messages"]
        )
        usage = answer.get("usage") or {}
        self.reported_prompt_tokens += int(usage.get("prompt_tokens") or 0)
        self.reported_completion_tokens += int(usage.get("completion_tokens") or 0)
        self.max_tokens.append(body.get("max_tokens"))
        self.formats.append((body.get("response_format") or {}).get("type", "text"))
        self.seconds += seconds

    def as_dict(self) -> dict[str, Any]:
        return dict(vars(self))


def given_text(body: dict[str, Any]) -> str:
    """The text a call asks about: our fenced article, LangChain's quoted text, or all of it."""
    content = str(body["messages"][-1].get("content") or "")
    m = _FENCED.search(content) or _QUOTED.search(content)
    return m.group(1) if m else content


def schema_of(body: dict[str, Any]) -> dict[str, Any] | None:
    """The JSON schema a call asks for (OpenAI's json_schema or llama.cpp's json_object)."""
    fmt = body.get("response_format") or {}
    if fmt.get("type") == "json_schema":
        return dict(fmt["json_schema"]["schema"])
    if fmt.get("type") == "json_object":
        return dict(fmt.get("schema") or {})
    return None


def fake_content(body: dict[str, Any]) -> str:
    """A valid answer: the first sentences of the given text, as the asked schema or as text."""
    # sentences, not headlines or datelines, and short enough for any claim schema
    sents = [s.strip() for s in _SENTENCE.split(given_text(body)) if 20 < len(s.strip()) < 300]
    gist = " ".join(sents[:2]) or "Nothing to report."
    schema = schema_of(body)
    if schema is None:
        return gist
    props = schema.get("properties") or {}
    claims = [{"text": s, "kind": "event", "attributed_to": None, "quote": s} for s in sents[:3]]
    answer: dict[str, Any] = {"notes" if "notes" in props else "summary": gist}
    if "claims" in props:
        answer["claims"] = claims
    return json.dumps(answer)


def completion(body: dict[str, Any], content: str) -> dict[str, Any]:
    """The chat.completion body, with usage counted in cl100k (one ruler for both sides)."""
    prompt = sum(len(_ENC.encode_ordinary(str(m.get("content") or ""))) for m in body["messages"])
    return fake_completion(
        content, prompt_tokens=prompt, completion_tokens=len(_ENC.encode_ordinary(content))
    )


def create_app(forward: str | None, latency: float = 0.0) -> Litestar:
    """The fake (forward None) or the counting proxy in front of `forward`; the fake answers
    each call after `latency` seconds."""
    counter = Counter()
    client = httpx.AsyncClient(timeout=900.0) if forward else None

    @post("/v1/chat/completions", status_code=200)
    async def chat(request: Request[Any, Any, Any]) -> dict[str, Any]:
        body = await request.json()
        t = time.perf_counter()
        if client is None:
            if latency:
                await asyncio.sleep(latency)
            answer = completion(body, fake_content(body))
        else:
            r = await client.post(f"{forward}/chat/completions", json=body)
            r.raise_for_status()
            answer = r.json()
        counter.add(body, answer, time.perf_counter() - t)
        return answer

    @get("/v1/models")
    async def models() -> dict[str, Any]:
        return {"object": "list", "data": [{"id": "fake-model", "object": "model"}]}

    @get("/stats")
    async def stats() -> dict[str, Any]:
        return counter.as_dict()

    @post("/reset", status_code=200)
    async def reset() -> dict[str, str]:
        counter.reset()
        return {"status": "reset"}

    @get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    async def close() -> None:
        if client is not None:
            await client.aclose()

    return Litestar(
        route_handlers=[chat, models, stats, reset, health], on_shutdown=[close], debug=False
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--forward", help="base URL of a real endpoint, e.g. http://127.0.0.1:8080/v1")
    p.add_argument("--latency", type=float, default=0.0, help="seconds the fake takes per call")
    args = p.parse_args()
    app = create_app(args.forward, args.latency)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
