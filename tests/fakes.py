"""A fake OpenAI-compatible endpoint at the HTTP seam: enqueue answers, inspect history."""

from __future__ import annotations

import asyncio
import json
import re
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx2 as httpx


@dataclass(frozen=True)
class Slow:
    """An answer that arrives only after `seconds` (for timeouts and overload)."""

    seconds: float
    answer: dict[str, Any] | str


Answer = dict[str, Any] | str | httpx.Response | Exception | Slow


def completion(content: str, *, finish_reason: str = "stop", prompt_tokens: int = 100,
               completion_tokens: int = 50) -> dict[str, Any]:  # fmt: skip
    """A chat.completion body as an OpenAI-compatible server sends it."""
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 0,
        "model": "fake-model",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": finish_reason,
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def article_of(request_json: dict[str, Any]) -> str:
    """The article text the service fenced into the user message."""
    user = request_json["messages"][1]["content"]
    m = re.search(r"<article>\n(.*)\n</article>", user, re.S)
    return m.group(1) if m else ""


NUMBERED = re.compile(r"^\[(\d+)\] (.+)$", re.MULTILINE)


def schema_of(body: dict[str, Any]) -> dict[str, Any]:
    """The JSON schema the service asked for, in either structured-output dialect."""
    fmt = body.get("response_format", {})
    schema: dict[str, Any] = fmt.get("json_schema", {}).get("schema", {}) or fmt.get("schema", {})
    return schema


def numbered_sentences(request_json: dict[str, Any]) -> list[tuple[int, str]]:
    """The numbered sentences of a sentence-cited prompt's article: (number, sentence)."""
    return [(int(n), s) for n, s in NUMBERED.findall(article_of(request_json))]


def echo_responder(body: dict[str, Any]) -> dict[str, Any]:
    """A faithful model: claims quote (or cite) the first sentences of what it was given."""
    props = schema_of(body).get("properties", {})
    if "cites" in json.dumps(schema_of(body)):
        return cited_echo(body, props)
    article = article_of(body)
    sents = [s.strip() for s in re.split(r"(?<=[.!?])\s+", article) if len(s.strip()) > 20][:3]
    claims = [{"text": s, "kind": "event", "attributed_to": None, "quote": s} for s in sents]
    if '"quote"' not in json.dumps(schema_of(body)):  # a set whose claims copy no quote
        claims = [{k: v for k, v in c.items() if k != "quote"} for c in claims]
    if "notes" in props:
        return {"notes": " ".join(sents[:2]) or "Nothing.", "claims": claims}
    if "claims" in props:
        return {"summary": " ".join(sents[:2]) or "Nothing.", "claims": claims}
    return {"summary": " ".join(sents[:2]) or "Nothing."}


def cited_echo(body: dict[str, Any], props: dict[str, Any]) -> dict[str, Any]:
    """The faithful model of a sentence-cited prompt set: it restates and cites the first
    numbered sentences."""
    picked = [(n, s) for n, s in numbered_sentences(body) if len(s) > 20][:3]
    sentences = [{"text": s, "cites": [n]} for n, s in picked] or [
        {"text": "Nothing happened.", "cites": [1]}
    ]
    claims = [{"text": s, "kind": "event", "attributed_to": None, "cites": [n]} for n, s in picked]
    return {"notes" if "notes" in props else "summary": sentences[:2], "claims": claims}


class FakeModel:
    """Scripted answers first, then `responder` for anything unscripted."""

    def __init__(
        self, responder: Callable[[dict[str, Any]], dict[str, Any]] = echo_responder
    ) -> None:
        self.queue: deque[Answer] = deque()
        self.history: list[dict[str, Any]] = []
        self.responder = responder

    def enqueue(self, *answers: Answer) -> None:
        self.queue.extend(answers)

    async def handle(self, request: httpx.Request) -> httpx.Response:
        if request.method == "GET" and request.url.path.endswith("/models"):
            return httpx.Response(200, json={"object": "list", "data": [{"id": "fake-model"}]})
        body = json.loads(request.content)
        self.history.append(body)
        answer: Answer = self.queue.popleft() if self.queue else self.responder(body)
        if isinstance(answer, Slow):
            await asyncio.sleep(answer.seconds)
            answer = answer.answer
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, httpx.Response):
            return answer
        if isinstance(answer, dict) and "choices" in answer:
            return httpx.Response(200, json=answer)
        content = answer if isinstance(answer, str) else json.dumps(answer)
        return httpx.Response(200, json=completion(content))

    def http_client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.MockTransport(self.handle))
