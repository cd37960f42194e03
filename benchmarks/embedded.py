"""The embedded model: completion tokens/s through the service vs llama-cpp-python called directly.

Service: `python -m service.cli serve` with no OPENAI_* in its environment (so `Settings()` starts
the embedded llama.cpp server), timed from launch until GET /ready answers 200 (cold start); then
one POST of the reference article, then SIGTERM. Raw: `llama_cpp.Llama(bundled_model_path(),
n_ctx=4096)` in this process, `create_chat_completion` on the very messages the service sends
(rendered by `pipeline.single_messages`, as the service does) with the same max_tokens, temperature, seed and
`response_format` (the JSON-schema grammar), and the sampling defaults the llama.cpp server fills
in for what the service leaves unset (repeat_penalty 1.1, where `Llama` defaults to 1.0), so both
sides decode the same tokens; the table checks that the token counts agree.

tokens/s = completion tokens / wall time of the model call (the service's `timings_ms.model`).
Each call reads the whole prompt afresh: both sides load the model anew each repetition, so
llama.cpp's prefix reuse helps neither.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from typing import Any

import httpx2 as httpx

from benchmarks.chunker import service_budget
from benchmarks.common import Child, Row, clean_env, log, median, reference_text, row, run_module
from service import schemas
from service.chunking import chunk_text
from service.embedded import bundled_model_path, free_port
from service.llm import response_format
from service.pipeline import single_messages
from service.prompts import PromptLibrary
from service.settings import Settings
from service.tokens import load_encoding

NAME = "embedded"
TARGET_RATIO = 0.9
TITLE = "Kim pledges support"


def embedded_settings() -> Settings:
    """Settings() as `serve` builds them with OPENAI_BASE_URL unset (and the cache off)."""
    return Settings(OPENAI_BASE_URL=None, OPENAI_API_KEY=None, cache_enabled=False)


def service_call(settings: Settings, text: str) -> dict[str, Any]:
    """The arguments of the service's one model call for `text` (messages by `single_messages`)."""
    prompt = PromptLibrary(settings.prompts_dir).prompt_set(None)["summarize"]
    enc = load_encoding(settings.model, settings.encoding)
    chunks, _ = chunk_text(text, enc, service_budget(settings), settings.chunk_overlap_tokens)
    if len(chunks) != 1:
        raise RuntimeError(f"the article makes {len(chunks)} chunks; the benchmark needs one")
    return {
        "messages": single_messages(
            prompt, chunks[0].text, schemas.SummaryRequest(text=text, title=TITLE)
        ),
        "max_tokens": int(prompt.parameters.get("max_tokens", 700)),
        "temperature": settings.temperature,
        "seed": settings.seed,
        "response_format": response_format(schemas.ModelSummary, settings.json_mode),
    }


def through_service(text: str) -> dict[str, float]:
    """Cold-start the service, POST the article once, SIGTERM it."""
    port = free_port()
    env = clean_env() | {"SUMMARIZER_CACHE_ENABLED": "false"}
    cmd = [sys.executable, "-m", "service.cli", "serve", "--port", str(port)]
    child = Child(cmd, port, env=env)
    try:
        cold = child.wait_for("/ready", timeout=180.0)
        with httpx.Client(timeout=600.0) as client:
            t = time.perf_counter()
            r = client.post(child.base_url + "/v1/summaries", json={"text": text, "title": TITLE})
            wall = time.perf_counter() - t
        if r.status_code != 200:
            raise RuntimeError(f"the service answered {r.status_code}: {r.text[:500]}")
        body = r.json()
        t = time.perf_counter()
        child.stop()
        stop = time.perf_counter() - t
    finally:
        child.stop()
    usage = body["usage"]
    return {
        "cold": cold,
        "stop": stop,
        "request": wall,
        "model": body["timings_ms"]["model"] / 1000,
        "completion_tokens": usage["completion_tokens"],
        "prompt_tokens": usage["prompt_tokens"],
        "calls": usage["model_calls"],
    }


def load_in_fresh_python() -> float:
    """Seconds for a new interpreter to import llama_cpp and load the model (cold start's floor)."""
    code = (
        "import llama_cpp, sys; llama_cpp.Llama(model_path=sys.argv[1], n_ctx=4096, verbose=False)"
    )
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, str(bundled_model_path())], check=True)
    return time.perf_counter() - t


def raw_call(call: dict[str, Any]) -> dict[str, float]:
    """Load the model afresh in this process and make the service's call once."""
    import llama_cpp  # late: only this benchmark needs it in-process
    from llama_cpp.server.types import CreateChatCompletionRequest

    # the server fills what the service leaves unset from its request defaults; so must we
    defaults = CreateChatCompletionRequest.model_fields
    llm = llama_cpp.Llama(model_path=str(bundled_model_path()), n_ctx=4096, verbose=False)
    try:
        t = time.perf_counter()
        out: Any = llm.create_chat_completion(
            **call, repeat_penalty=defaults["repeat_penalty"].default
        )
        wall = time.perf_counter() - t
    finally:
        llm.close()
    return {
        "model": wall,
        "completion_tokens": out["usage"]["completion_tokens"],
        "prompt_tokens": out["usage"]["prompt_tokens"],
    }


def main(reps: int = 2) -> list[Row]:
    """Tokens/s service vs raw, and the service's cold start, as medians of `reps` runs.

    Service and raw runs alternate, each on a freshly loaded model, so drift hits both alike.
    """
    text = reference_text()
    call = service_call(embedded_settings(), text)
    service: list[dict[str, float]] = []
    raw: list[dict[str, float]] = []
    floor: list[float] = []
    for i in range(reps):
        log(f"[{NAME}] run {i + 1}/{reps}: service (cold start, one summary, SIGTERM)")
        service.append(through_service(text))
        log(f"[{NAME}]   {json.dumps({k: round(v, 2) for k, v in service[-1].items()})}")
        log(f"[{NAME}] run {i + 1}/{reps}: raw llama-cpp-python, same call")
        raw.append(raw_call(call))
        log(f"[{NAME}]   {json.dumps({k: round(v, 2) for k, v in raw[-1].items()})}")
        floor.append(load_in_fresh_python())

    def med(runs: list[dict[str, float]], key: str) -> float:
        return median([r[key] for r in runs])

    service_tps = median([r["completion_tokens"] / r["model"] for r in service])
    raw_tps = median([r["completion_tokens"] / r["model"] for r in raw])
    ratio = service_tps / raw_tps
    return [
        row(
            NAME,
            "completion tokens/s, service vs raw llama-cpp",
            service_tps,
            raw_tps,
            target=f"ratio ≥ {TARGET_RATIO:g}",
            ok=ratio >= TARGET_RATIO,
        ),
        row(NAME, "model call wall time (s)", med(service, "model"), med(raw, "model")),
        row(
            NAME,
            "completion tokens (sanity: same answer)",
            med(service, "completion_tokens"),
            med(raw, "completion_tokens"),
        ),
        row(
            NAME,
            "prompt tokens (sanity: same prompt)",
            med(service, "prompt_tokens"),
            med(raw, "prompt_tokens"),
        ),
        row(NAME, "model calls per request (1 = no repair)", med(service, "calls")),
        row(
            NAME, "whole request (s) vs raw model call", med(service, "request"), med(raw, "model")
        ),
        row(
            NAME,
            "cold start to GET /ready 200 (s) vs load in fresh python",
            med(service, "cold"),
            median(floor),
        ),
        row(NAME, "SIGTERM to exit (s)", med(service, "stop")),
    ]


if __name__ == "__main__":
    run_module(main)
