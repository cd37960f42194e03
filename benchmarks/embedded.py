"""The embedded models: prompt and generation tokens/s through the service vs llama-cpp-python
called directly, for every installed catalog model; and the default model's end-to-end latency.

Service: `python -m service.cli --embedded-model K serve` with no OPENAI_* in its environment (so
`Settings()` starts the embedded llama.cpp server with the catalog's parameters), timed from launch
until GET /ready answers 200 (cold start). Then, on the server the service started (its port is
set), the service's own summarize call for the reference article with max_tokens=1: its wall time
is the prefill (prompt tokens/s). Then one POST of the reference article: the prompt is in the
server's prefix cache by then, so the model call is generation (completion tokens/s). SIGTERM.
Raw: `llama_cpp.Llama(<the same file>, n_ctx, n_batch, n_ubatch, threads as the catalog says)` in
this process, the same two calls on the very messages the service sends (rendered by
`pipeline.single_messages`), with the same max_tokens, temperature, seed and `response_format`
(the JSON-schema grammar), and the sampling defaults the llama.cpp server fills in for what the
service leaves unset (repeat_penalty 1.1, where `Llama` defaults to 1.0), so both sides decode the
same tokens; the table checks that the token counts agree. `Llama` reuses the prompt prefix of its
previous call just as the server does.

Latency: the default model's service, the reference article POSTed `LATENCY_RUNS` times, each after
a POST of another article, so that every timed request reads its whole prompt afresh (no
prefix-cache help), the way a new article arrives.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from typing import Any

import httpx2 as httpx

from benchmarks.chunker import service_budget
from benchmarks.common import (
    FIXTURES,
    Child,
    Row,
    clean_env,
    log,
    median,
    reference_text,
    row,
    run_module,
)
from service import models, schemas
from service.chunking import chunk_text
from service.embedded import embedded_model_path, free_port
from service.llm import response_format
from service.pipeline import sampling_of, single_messages
from service.prompts import PromptLibrary
from service.settings import Settings
from service.tokens import load_encoding

NAME = "embedded"
TARGET_RATIO = 0.9
TITLE = "Kim pledges support"


LATENCY_RUNS = 3
LATENCY_TARGET_S = 30.0


def embedded_settings(key: str = models.DEFAULT_MODEL) -> Settings:
    """Settings() as `serve` builds them with OPENAI_BASE_URL unset (and the cache off)."""
    return Settings(
        OPENAI_BASE_URL=None, OPENAI_API_KEY=None, cache_enabled=False, embedded_model=key
    )


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
        **sampling_of(prompt),
    }


def _serve(key: str, model_port: int) -> Child:
    port = free_port()
    env = clean_env() | {
        "SUMMARIZER_CACHE_ENABLED": "false",
        "SUMMARIZER_EMBEDDED_PORT": str(model_port),
    }
    if threads := os.environ.get("SUMMARIZER_EMBEDDED_THREADS"):  # both sides get the same
        env["SUMMARIZER_EMBEDDED_THREADS"] = threads
    cmd = [
        sys.executable,
        "-m",
        "service.cli",
        "--embedded-model",
        key,
        "serve",
        "--port",
        str(port),
    ]
    return Child(cmd, port, env=env)


def _summary(client: httpx.Client, child: Child, text: str) -> dict[str, Any]:
    r = client.post(child.base_url + "/v1/summaries", json={"text": text, "title": TITLE})
    if r.status_code != 200:
        raise RuntimeError(f"the service answered {r.status_code}: {r.text[:500]}")
    return dict(r.json())


def through_service(key: str, call: dict[str, Any], text: str) -> dict[str, float]:
    """Cold-start the service, time its server's prefill, POST the article once, SIGTERM it."""
    model_port = free_port()
    child = _serve(key, model_port)
    try:
        cold = child.wait_for("/ready", timeout=300.0)
        with httpx.Client(timeout=900.0) as client:
            probe = {**call, "model": embedded_settings(key).model, "max_tokens": 1}
            t = time.perf_counter()
            r = client.post(f"http://127.0.0.1:{model_port}/v1/chat/completions", json=probe)
            prefill = time.perf_counter() - t
            r.raise_for_status()
            t = time.perf_counter()
            body = _summary(client, child, text)
            wall = time.perf_counter() - t
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
        "prefill": prefill,
        "model": body["timings_ms"]["model"] / 1000,
        "completion_tokens": usage["completion_tokens"],
        "prompt_tokens": r.json()["usage"]["prompt_tokens"],
        "calls": usage["model_calls"],
    }


def _llama_kwargs(key: str) -> dict[str, Any]:
    settings = embedded_settings(key)
    m = settings.catalog_model
    return {
        "model_path": str(embedded_model_path(settings)),
        "n_ctx": settings.embedded_context,
        "n_batch": m.n_batch,
        "n_ubatch": m.n_ubatch,
        "n_threads": settings.embedded_threads or max(1, os.cpu_count() or 2),
        "flash_attn": m.flash_attn,
        "logits_all": False,  # as the service's server is told (Llama's default too)
        "verbose": False,
    }


def load_in_fresh_python(key: str) -> float:
    """Seconds for a new interpreter to import llama_cpp and load the model (cold start's floor)."""
    code = "import json, llama_cpp, sys; llama_cpp.Llama(**json.loads(sys.argv[1]))"
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, json.dumps(_llama_kwargs(key))], check=True)
    return time.perf_counter() - t


def raw_call(key: str, call: dict[str, Any]) -> dict[str, float]:
    """Load the model afresh in this process: the prefill probe, then the service's call."""
    import llama_cpp  # late: only this benchmark needs it in-process
    from llama_cpp.server.types import CreateChatCompletionRequest

    # the server fills what the service leaves unset from its request defaults; so must we
    defaults = CreateChatCompletionRequest.model_fields
    llm = llama_cpp.Llama(**_llama_kwargs(key))
    try:
        call = {"repeat_penalty": defaults["repeat_penalty"].default, **call}
        t = time.perf_counter()
        probe: Any = llm.create_chat_completion(**{**call, "max_tokens": 1})
        prefill = time.perf_counter() - t
        t = time.perf_counter()
        out: Any = llm.create_chat_completion(**call)
        wall = time.perf_counter() - t
    finally:
        llm.close()
    return {
        "prefill": prefill,
        "model": wall,
        "completion_tokens": out["usage"]["completion_tokens"],
        "prompt_tokens": probe["usage"]["prompt_tokens"],
    }


def latency(key: str, text: str, other: str, runs: int = LATENCY_RUNS) -> list[float]:
    """Wall seconds of `runs` POSTs of `text`, each after one of `other` (a cold prefix)."""
    child = _serve(key, free_port())
    out = []
    try:
        child.wait_for("/ready", timeout=300.0)
        with httpx.Client(timeout=900.0) as client:
            for i in range(runs):
                _summary(client, child, other)
                t = time.perf_counter()
                _summary(client, child, text)
                out.append(time.perf_counter() - t)
                log(f"[{NAME}] {key}: reference end to end, run {i + 1}/{runs}: {out[-1]:.1f}s")
    finally:
        child.stop()
    return out


def installed_models() -> list[str]:
    found = []
    for key, m in models.CATALOG.items():
        try:
            models.resolve(m)
        except models.ModelFileError:
            continue
        found.append(key)
    return found


def main(reps: int = 1) -> list[Row]:
    """Per installed catalog model: tokens/s service vs raw (medians of `reps` runs, service and
    raw alternating, each on a freshly loaded model); then the default model's latency."""
    text = reference_text()
    rows: list[Row] = []
    for key in installed_models():
        call = service_call(embedded_settings(key), text)
        service: list[dict[str, float]] = []
        raw: list[dict[str, float]] = []
        floor: list[float] = []
        for i in range(reps):
            log(f"[{NAME}] {key} run {i + 1}/{reps}: service (cold start, prefill, summary)")
            service.append(through_service(key, call, text))
            log(f"[{NAME}]   {json.dumps({k: round(v, 2) for k, v in service[-1].items()})}")
            log(f"[{NAME}] {key} run {i + 1}/{reps}: raw llama-cpp-python, same calls")
            raw.append(raw_call(key, call))
            log(f"[{NAME}]   {json.dumps({k: round(v, 2) for k, v in raw[-1].items()})}")
            floor.append(load_in_fresh_python(key))
        rows += _rows(key, service, raw, floor)
    if models.DEFAULT_MODEL in installed_models():
        other = (FIXTURES / "very_short" / "article.txt").read_text(encoding="utf-8")
        runs = latency(models.DEFAULT_MODEL, text, other)
        p50 = median(runs)
        rows.append(
            row(
                NAME,
                f"{models.DEFAULT_MODEL}: reference article end to end, p50 of {len(runs)} (s)",
                p50,
                target=f"≤ {LATENCY_TARGET_S:g} s",
                ok=p50 <= LATENCY_TARGET_S,
            )
        )
    return rows


def _rows(
    key: str, service: list[dict[str, float]], raw: list[dict[str, float]], floor: list[float]
) -> list[Row]:
    def med(runs: list[dict[str, float]], name: str) -> float:
        return median([r[name] for r in runs])

    def rate(runs: list[dict[str, float]], tokens: str, seconds: str) -> float:
        return median([r[tokens] / r[seconds] for r in runs])

    prompt_ratio = rate(service, "prompt_tokens", "prefill") / rate(raw, "prompt_tokens", "prefill")
    gen_ratio = rate(service, "completion_tokens", "model") / rate(
        raw, "completion_tokens", "model"
    )
    target = f"ratio ≥ {TARGET_RATIO:g}"
    return [
        row(NAME, f"{key}: prompt tokens/s, service vs raw llama-cpp",
            rate(service, "prompt_tokens", "prefill"), rate(raw, "prompt_tokens", "prefill"),
            target=target, ok=prompt_ratio >= TARGET_RATIO),
        row(NAME, f"{key}: completion tokens/s, service vs raw llama-cpp",
            rate(service, "completion_tokens", "model"), rate(raw, "completion_tokens", "model"),
            target=target, ok=gen_ratio >= TARGET_RATIO),
        row(NAME, f"{key}: completion tokens (sanity: same answer)",
            med(service, "completion_tokens"), med(raw, "completion_tokens")),
        row(NAME, f"{key}: prompt tokens (sanity: same prompt)",
            med(service, "prompt_tokens"), med(raw, "prompt_tokens")),
        row(NAME, f"{key}: model calls per request (1 = no repair)", med(service, "calls")),
        row(NAME, f"{key}: cold start to GET /ready 200 (s) vs load in fresh python",
            med(service, "cold"), median(floor)),
        row(NAME, f"{key}: SIGTERM to exit (s)", med(service, "stop")),
    ]  # fmt: skip


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--reps", type=int, default=1,
        help="repetitions per model, medians reported (one is noisy on a shared VM; the README's "
        "rows are from 3, about 25 minutes with the three catalog models installed)",
    )  # fmt: skip
    reps = parser.parse_args().reps
    if reps < 1:
        parser.error(f"--reps must be at least 1, not {reps}")
    run_module(lambda: main(reps=reps))
