"""The eval suite's regression gate, on recorded calls of the real embedded model (no model runs)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from evals import runner
from service import models
from service.prompts import PromptLibrary
from service.settings import EMBEDDED_MODEL_NAME, PROJECT_ROOT

WORSE_PROMPTS = PROJECT_ROOT / "evals" / "testdata" / "worse-prompts"
LIBRARY = PromptLibrary(PROJECT_ROOT / "prompts")
VERSIONS = LIBRARY.versions
# every (catalog model, prompt set) with a committed baseline is replayed and checked
BASELINED = [
    (m.key, v) for m in models.CATALOG.values() for v in VERSIONS
    if runner.baseline_path(m.name, v).exists()
]  # fmt: skip


def summarizer(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "service.cli", *args],
        capture_output=True, text=True, timeout=300, cwd=PROJECT_ROOT,
        env={"PATH": "/usr/bin:/bin", "HOME": str(Path.home())},
    )  # fmt: skip


def test_the_default_model_has_a_baseline_for_the_default_prompt_set() -> None:
    # the default set is the newest unless prompts/default.toml pins an older one
    assert (models.DEFAULT_MODEL, LIBRARY.default) in BASELINED, (
        f"no baseline for {EMBEDDED_MODEL_NAME} on {LIBRARY.default}: record one with "
        "`summarizer eval --record --update-baseline`"
    )


@pytest.mark.parametrize(("model", "version"), BASELINED)
def test_replay_check_passes_for_every_baseline(model: str, version: str, tmp_path: Path) -> None:
    """Replaying the recorded calls reproduces the committed baseline exactly."""
    baseline = runner.baseline_path(models.CATALOG[model].name, version)
    r = summarizer(
        "--embedded-model", model, "eval", "--replay", "--check", "--prompt-version", version,
        "--out", str(tmp_path),
    )  # fmt: skip
    assert r.returncode == 0, r.stderr[-3000:]
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["mode"] == "replay" and results["replayed_calls"] > 0
    expected = json.loads(baseline.read_text())["overall"]
    # everything but wall-clock latency is reproduced exactly by a replay
    assert without_latency(results["overall"]) == without_latency(expected)
    for case in results["cases"].values():  # a failed case still reports what it spent
        if case["error"]:
            assert case["scores"]["model_calls"] >= 3 and case["scores"]["prompt_tokens"] > 0
    assert (tmp_path / "report.html").read_text().startswith("<!doctype html>")
    kept = json.loads(baseline.read_text())
    if "decodings" in kept:  # a replay reads as many decodings as the baseline holds
        assert [r["decoding"] for r in results["decodings"]] == [
            r["decoding"] for r in kept["decodings"]
        ]
        assert results["decodings"][0]["overall"] == results["overall"]
        for run, old in zip(results["decodings"], kept["decodings"], strict=True):
            assert without_latency(run["overall"]) == without_latency(old["overall"])
        assert "Decodings: each case read" in (tmp_path / "summary.md").read_text()


def test_a_worse_prompt_fails_the_check(tmp_path: Path) -> None:
    baseline = runner.baseline_path("smollm2-135m-instruct", "v1")
    r = summarizer(
        "--embedded-model", "smollm2-135m", "eval", "--replay", "--check", "--prompts-dir", str(WORSE_PROMPTS), "--prompt-version", "v2",
        "--baseline", str(baseline), "--out", str(tmp_path),
    )  # fmt: skip
    assert r.returncode == 1, r.stderr[-3000:]
    assert "REGRESSION" in r.stderr


def test_replay_refuses_an_unrecorded_call(tmp_path: Path) -> None:
    prompts = tmp_path / "prompts"
    for task in ("summarize", "extract_claims", "reduce"):
        (prompts / task).mkdir(parents=True)
        src = (PROJECT_ROOT / "prompts" / task / "v1.md").read_text()
        (prompts / task / "v1.md").write_text(src.replace("Task:", "Task (edited):"))
    r = summarizer("--embedded-model", "smollm2-135m",
                   "eval", "--replay", "--prompts-dir", str(prompts), "--prompt-version", "v1",
                   "--cases", "very_short", "--out", str(tmp_path / "out"))  # fmt: skip
    assert r.returncode != 0
    assert "no recording for this call" in r.stderr


def without_latency(scores: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in scores.items() if k != "latency_ms"}


SPREAD = [
    (m, v) for m, v in BASELINED
    if "decodings" in json.loads(runner.baseline_path(models.CATALOG[m].name, v).read_text())
]  # fmt: skip


@pytest.mark.skipif(not SPREAD, reason="no baseline holds several decodings")
def test_the_gate_also_checks_the_mean_over_the_decodings(tmp_path: Path) -> None:
    """A baseline whose mean over the decodings is better than a replay gives fails the check,
    though its first decoding is reproduced exactly."""
    model, version = SPREAD[0]
    kept = json.loads(runner.baseline_path(models.CATALOG[model].name, version).read_text())
    kept["spread"]["claim_precision"]["mean"] += 0.2  # as if the sampled answers had been better
    doctored = tmp_path / "baseline.json"
    doctored.write_text(json.dumps(kept))
    r = summarizer(
        "--embedded-model", model, "eval", "--replay", "--check", "--prompt-version", version,
        "--baseline", str(doctored), "--out", str(tmp_path / "out"),
    )  # fmt: skip
    assert r.returncode == 1, r.stderr[-3000:]
    assert f"mean over {len(kept['decodings'])} decodings: claim_precision fell" in r.stderr
    assert "REGRESSION" in r.stderr
