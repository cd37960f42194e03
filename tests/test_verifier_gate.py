"""The verifier's regression gate: the labeled set (evals/verification/) against its baseline.

Every statement is planted as a model's answer and judged by the real pipeline (no model runs, a
few seconds). After a change to the verifier that improves it, record the new numbers with
`summarizer eval verifier --update-baseline`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from evals import verification as v
from service.settings import PROJECT_ROOT


@pytest.fixture(scope="module")
def results() -> dict[str, Any]:
    return v.measure()


def test_the_set_loads_without_errors(results: dict[str, Any]) -> None:
    assert results["load_errors"] == [], "\n".join(results["load_errors"])


def test_the_verifier_does_not_regress(results: dict[str, Any]) -> None:
    assert v.BASELINE.exists(), "no baseline: run summarizer eval verifier --update-baseline"
    baseline = json.loads(v.BASELINE.read_text(encoding="utf-8"))
    problems = v.regressions(baseline, results)
    assert not problems, "against evals/baselines/verifier.json:\n" + "\n".join(problems)


def test_the_before_numbers_are_the_verifier_of_ca0daa9() -> None:
    before = json.loads(v.BEFORE.read_text(encoding="utf-8"))
    assert before["code"]["commit"].startswith(v.BEFORE_COMMIT)
    assert before["code"]["dirty"] is False
    assert set(before["paths"]) == set(v.PATHS)


def test_summarizer_eval_reports_the_verifier_too(tmp_path: Path) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "service.cli", "eval", "--replay", "--cases", "very_short",
         "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=300, cwd=PROJECT_ROOT,
        env={"PATH": "/usr/bin:/bin", "HOME": str(Path.home())},
    )  # fmt: skip
    assert r.returncode == 0, r.stderr[-3000:]
    assert "| **balanced accuracy** |" in r.stdout
    verifier = json.loads((tmp_path / "results.json").read_text())["verifier"]
    assert set(verifier["paths"]) == set(v.PATHS) and verifier["n"] > 0
    assert (tmp_path / "verifier.md").read_text().startswith("# Verifier")
