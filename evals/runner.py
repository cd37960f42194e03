"""Run the eval suite: every fixture through the real pipeline, scored against its gold file.

`summarizer eval` runs live on the configured model (the embedded one by default), records every
call (`--record`) or replays recorded calls with no model at all (`--replay`). It writes results
JSON, a markdown summary and a self-contained HTML report under `evals/out/`, compares against a
baseline (`--check`) and puts two prompt versions side by side (`compare`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2 as httpx

from evals import decodings, metrics
from evals.recording import MissingRecordingError, Mode, RecordingTransport
from service import schemas
from service.api.app import build_pipeline, open_client
from service.embedded import model_endpoint
from service.errors import SummarizerError
from service.pipeline import Pipeline
from service.prompts import PromptLibrary
from service.settings import Settings

EVALS = Path(__file__).resolve().parent
FIXTURES = EVALS / "fixtures"
RECORDINGS = EVALS / "recordings"
BASELINES = EVALS / "baselines"
OUT = EVALS / "out"
REPLAY_URL = "http://replay.invalid/v1"


@dataclass(frozen=True)
class Case:
    name: str
    article: str
    gold: dict[str, Any]


def load_cases(names: list[str] | None = None) -> list[Case]:
    """Fixtures under evals/fixtures, all of them or the named ones."""
    folders = sorted(p for p in FIXTURES.iterdir() if (p / "gold.json").exists())
    known = {p.name for p in folders}
    unknown = set(names or []) - known
    if unknown:
        raise SystemExit(f"unknown case(s) {sorted(unknown)}; known: {sorted(known)}")
    return [
        Case(
            p.name,
            (p / "article.txt").read_text(encoding="utf-8"),
            json.loads((p / "gold.json").read_text(encoding="utf-8")),
        )
        for p in folders
        if not names or p.name in names
    ]


@contextlib.contextmanager
def endpoint(settings: Settings, mode: Mode) -> Iterator[str]:
    """Where calls go: nowhere on replay, else the configured or embedded model."""
    if mode == "replay":
        yield REPLAY_URL
        return
    with model_endpoint(settings) as url:
        yield url


def baseline_path(model: str, version: str) -> Path:
    return BASELINES / f"{model.replace('/', '_')}__{version}.json"


async def run_cases(
    settings: Settings,
    base_url: str,
    mode: Mode,
    version: str,
    cases: list[Case],
    label: str = "",
) -> dict[str, Any]:
    """Every case through the pipeline; scores per case and overall."""
    transport = RecordingTransport(mode, RECORDINGS)
    client = open_client(settings, base_url, httpx.AsyncClient(transport=transport))
    # the eval measures the model, so it never answers from the response cache
    pipeline = build_pipeline(settings.model_copy(update={"cache_enabled": False}), client)
    results: dict[str, Any] = {}
    try:
        for i, case in enumerate(cases, 1):
            started = time.perf_counter()
            _progress(i - 1, len(cases), label + case.name)
            request = schemas.SummaryRequest(text=case.article, prompt_version=version)
            spent_before = dict(transport.usage)
            try:
                response = await pipeline.summarize(request, uuid.uuid4().hex)
                checked = response.provenance.checks.entailment
                if mode == "replay" and checked.startswith("failed"):
                    # the service keeps the rules' verdicts when its check fails; on a replay
                    # that only means the check's call was never recorded
                    raise MissingRecordingError(
                        f"{case.name}: the entailment check's call is not recorded ({checked}); "
                        "record the set again with --record, or pass SUMMARIZER_ENTAILMENT=off"
                    )
                payload = json.loads(response.model_dump_json())
                scores = metrics.score_case(case.article, case.gold, payload)
                error = None
            except (SummarizerError, MissingRecordingError) as e:
                if isinstance(e, MissingRecordingError) or isinstance(
                    e.__cause__, MissingRecordingError
                ):
                    raise
                words = default_summary_words(pipeline, version, case.article)
                scores = metrics.failed_case(case.article, case.gold, words)
                payload, error = None, str(e)
                # what the failed request cost, counted at the HTTP seam
                scores.update({k: v - spent_before[k] for k, v in transport.usage.items()})
            results[case.name] = {
                "scores": scores,
                "error": error,
                # which way the article was read: single, map_join, map_reduce or salience
                "path": payload["provenance"]["path"] if payload else None,
                "response": payload,
                "seconds": round(time.perf_counter() - started, 2),
            }
        _progress(len(cases), len(cases), label + "done")
    finally:
        await client.close()
    prompts = sorted(
        {
            (p["name"], p["version"], p["sha256"])
            for r in results.values()
            if r["response"]
            for p in r["response"]["provenance"]["prompts"]
        }
    )
    return {
        "model": settings.model,
        "prompt_version": version,
        "prompts": [{"name": n, "version": v, "sha256": s} for n, v, s in prompts],
        "mode": mode,
        # what decides the path of a long article (the recordings differ by path)
        "long_articles": settings.long_articles_path,
        "max_chunk_tokens": settings.max_chunk_tokens,
        "recorded_calls": transport.recorded,
        "replayed_calls": transport.hits,
        "overall": metrics.aggregate({k: v["scores"] for k, v in results.items()}),
        "cases": results,
    }


def default_summary_words(pipeline: Pipeline, version: str, article: str) -> int:
    """The summary's word limit when a request sets none, as the pipeline picks it: the summarize
    prompt's max_summary_words when the article takes one call (it fits one chunk, or long
    articles take the salience path), the reduce prompt's otherwise."""
    prompts = pipeline.prompts.prompt_set(version)
    chunks, _ = pipeline.chunk(article, prompts)
    if len(chunks) > 1 and pipeline.settings.long_articles_path != "salience":
        return int(prompts["reduce"].parameters.get("max_summary_words", 120))
    return int(prompts["summarize"].parameters.get("max_summary_words", 80))


def _progress(done: int, total: int, label: str) -> None:
    width = 24
    filled = width * done // max(total, 1)
    bar = "#" * filled + "-" * (width - filled)
    end = "\n" if done == total else ""
    print(f"\r[{bar}] {done}/{total} {label:<28}", end=end, file=sys.stderr, flush=True)


def evaluate(
    settings: Settings,
    mode: Mode,
    version: str,
    names: list[str] | None,
    count: int = 1,
    sample_temperature: float | None = None,
) -> dict[str, Any]:
    """Run the suite and return its results; an unreleased `version` is an error.

    With `count` > 1 every case is read that many times (evals/decodings.py): the results are the
    first decoding's (the service's own) plus `decodings`, every decoding's scores, and `spread`,
    each metric's mean and range over them.
    """
    PromptLibrary(settings.prompts_dir).prompt_set(version)  # UnknownPromptVersionError
    cases = load_cases(names)
    planned = decodings.plan(
        settings, count, sample_temperature or decodings.DEFAULT_SAMPLE_TEMPERATURE
    )
    runs = []
    with endpoint(settings, mode) as url:
        for decoding in planned:
            label = f"{decoding.label}: " if count > 1 else ""
            run = asyncio.run(
                run_cases(decoding.settings(settings), url, mode, version, cases, label)
            )
            runs.append((decoding, run))
    results = runs[0][1]
    if count > 1:
        results["decodings"] = [
            {
                "decoding": decoding.as_dict(),
                "overall": run["overall"],
                "cases": {
                    name: {k: case[k] for k in ("scores", "error", "response")}
                    for name, case in run["cases"].items()
                },
                "recorded_calls": run["recorded_calls"],
                "replayed_calls": run["replayed_calls"],
            }
            for decoding, run in runs
        ]
        results["spread"] = decodings.spread([run["overall"] for _, run in runs])
        results["recorded_calls"] = sum(run["recorded_calls"] for _, run in runs)
        results["replayed_calls"] = sum(run["replayed_calls"] for _, run in runs)
    return results


def write_outputs(results: dict[str, Any], folder: Path) -> list[Path]:
    """results.json, summary.md and report.html in `folder` (and verifier.md when measured)."""
    from evals.report import html_report, markdown_summary

    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "results.json": json.dumps(results, indent=1, ensure_ascii=False) + "\n",
        "summary.md": markdown_summary(results),
        "report.html": html_report(results, {c.name: c.article for c in load_cases()}),
    }
    if "verifier" in results:  # the labeled verification set (evals/verification.py)
        from evals.verification import markdown

        files["verifier.md"] = markdown(results["verifier"])
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return [folder / n for n in files]


def failed_cases(results: dict[str, Any]) -> list[str]:
    """The cases that got no answer, in any decoding: their all-zero scores must never become a
    baseline."""
    if "decodings" not in results:
        return [name for name, case in results["cases"].items() if case["error"]]
    return [
        f"{name} ({decodings.Decoding(**run['decoding']).label})"
        for run in results["decodings"]
        for name, case in run["cases"].items()
        if case["error"]
    ]


def baseline_of(results: dict[str, Any]) -> dict[str, Any]:
    """What a baseline keeps: the scores, not the responses."""
    kept = {
        "model": results["model"],
        "prompt_version": results["prompt_version"],
        "prompts": results["prompts"],
        "overall": results["overall"],
        "cases": {k: v["scores"] for k, v in results["cases"].items()},
    }
    if "decodings" in results:
        kept["decodings"] = [
            {"decoding": run["decoding"], "overall": run["overall"]} for run in results["decodings"]
        ]
        kept["spread"] = results["spread"]
    return kept


def decodings_of(baseline: dict[str, Any]) -> int:
    """How many decodings a baseline was measured on (1 before they existed)."""
    return len(baseline.get("decodings") or [None])
