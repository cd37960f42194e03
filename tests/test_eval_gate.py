"""The eval suite's regression gate, on recorded calls of the real embedded model (no model runs)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from evals import runner
from service.prompts import PromptLibrary
from service.settings import EMBEDDED_MODEL_NAME, PROJECT_ROOT

WORSE_PROMPTS = PROJECT_ROOT / "evals" / "testdata" / "worse-prompts"
VERSIONS = PromptLibrary(PROJECT_ROOT / "prompts").versions


def summarizer(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "service.cli", *args],
        capture_output=True, text=True, timeout=300, cwd=PROJECT_ROOT,
        env={"PATH": "/usr/bin:/bin", "HOME": str(Path.home())},
    )  # fmt: skip


@pytest.mark.parametrize("version", VERSIONS)
def test_replay_check_passes_for_every_released_version(version: str, tmp_path: Path) -> None:
    """Replaying the recorded calls reproduces the committed baseline exactly."""
    baseline = runner.baseline_path(EMBEDDED_MODEL_NAME, version)
    assert baseline.exists(), (
        f"no baseline for {version}: record one with --record --update-baseline"
    )
    r = summarizer(
        "eval", "--replay", "--check", "--prompt-version", version, "--out", str(tmp_path)
    )
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


def test_a_worse_prompt_fails_the_check(tmp_path: Path) -> None:
    baseline = runner.baseline_path(EMBEDDED_MODEL_NAME, "v1")
    r = summarizer(
        "eval", "--replay", "--check", "--prompts-dir", str(WORSE_PROMPTS), "--prompt-version", "v2",
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
    r = summarizer("eval", "--replay", "--prompts-dir", str(prompts), "--prompt-version", "v1",
                   "--cases", "very_short", "--out", str(tmp_path / "out"))  # fmt: skip
    assert r.returncode != 0
    assert "no recording for this call" in r.stderr


def without_latency(scores: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in scores.items() if k != "latency_ms"}
