"""Record and replay model calls at the HTTP seam, so an eval can be re-run with no model.

A call is keyed by the sha256 of its canonical request body (model, messages with the rendered
prompt and article, response format, max_tokens, temperature, seed): change the prompt file, the
article, the model or a parameter and it is a different call. Recordings are what the named model
really answered; a replay run never reaches a model.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Literal

import httpx2 as httpx

Mode = Literal["live", "record", "replay"]


class MissingRecordingError(RuntimeError):
    """A replay run met a call that was never recorded."""


def call_key(body: dict[str, Any]) -> str:
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


class RecordingTransport(httpx.AsyncBaseTransport):
    """Passes chat completions through (live), answers them from disk (replay), or passes on and
    saves those not recorded yet (record)."""

    def __init__(self, mode: Mode, folder: Path, inner: httpx.AsyncBaseTransport | None = None):
        self.mode = mode
        self.folder = folder
        self.inner = inner or httpx.AsyncHTTPTransport()
        self.hits = 0
        self.recorded = 0
        # every chat completion answered, live or replayed: a failed case still spent these
        self.usage = {"model_calls": 0, "prompt_tokens": 0, "completion_tokens": 0}

    def path_for(self, body: dict[str, Any]) -> Path:
        model = str(body.get("model", "unknown")).replace("/", "_")
        return self.folder / model / f"{call_key(body)}.json"

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not request.url.path.endswith("/chat/completions"):
            if self.mode == "replay":
                return httpx.Response(200, json={"object": "list", "data": []})
            return await self.inner.handle_async_request(request)
        body = json.loads(await request.aread())
        path = self.path_for(body)
        # A call already recorded is answered from its recording when recording too: prompt sets
        # share calls (a task's file is reused by later sets), and a second live answer could
        # differ (llama.cpp's prefix cache) and silently change the other sets' baselines.
        if self.mode == "replay" or (self.mode == "record" and path.exists()):
            if not path.exists():
                raise MissingRecordingError(
                    f"no recording for this call ({path.name}); run the eval with --record"
                )
            self.hits += 1
            saved = json.loads(path.read_text(encoding="utf-8"))
            self._count(saved["response"])
            return httpx.Response(saved["status"], json=saved["response"])
        response = await self.inner.handle_async_request(request)
        content = await response.aread()
        if response.status_code == 200:
            self._count(json.loads(content))
        if self.mode == "record" and response.status_code == 200:
            path.parent.mkdir(parents=True, exist_ok=True)
            messages = body.get("messages", [])
            record = {
                "key": path.stem,
                "model": body.get("model"),
                "parameters": {k: v for k, v in body.items() if k not in ("messages",)},
                "request_messages_sha256": call_key({"messages": messages}),
                "status": response.status_code,
                "response": json.loads(content),
            }
            path.write_text(
                json.dumps(record, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
            )
            self.recorded += 1
        return httpx.Response(response.status_code, headers=response.headers, content=content)

    def _count(self, completion: dict[str, Any]) -> None:
        usage = completion.get("usage") or {}
        self.usage["model_calls"] += 1
        self.usage["prompt_tokens"] += int(usage.get("prompt_tokens") or 0)
        self.usage["completion_tokens"] += int(usage.get("completion_tokens") or 0)

    async def aclose(self) -> None:
        await self.inner.aclose()
