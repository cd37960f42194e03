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


def echo_responder(body: dict[str, Any]) -> dict[str, Any]:
    """A faithful model: claims quote the first sentences of what it was given."""
    article = article_of(body)
    sents = [s.strip() for s in re.split(r"(?<=[.!?])\s+", article) if len(s.strip()) > 20][:3]
    claims = [{"text": s, "kind": "event", "attributed_to": None, "quote": s} for s in sents]
    props = body.get("response_format", {}).get("json_schema", {}).get("schema", {})
    props = props.get("properties", {}) or body.get("response_format", {}).get("schema", {}).get(
        "properties", {}
    )
    if "notes" in props:
        return {"notes": " ".join(sents[:2]) or "Nothing.", "claims": claims}
    if "claims" in props:
        return {"summary": " ".join(sents[:2]) or "Nothing.", "claims": claims}
    return {"summary": " ".join(sents[:2]) or "Nothing."}


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
