"""The verifier's gate on the default model's real answers: the recorded answers to the fixtures,
replayed through today's code (no model runs), against the labels in evals/real_answers/.

After a change that improves the verdicts, record the new numbers with
`summarizer eval real-answers --update-baseline`; after a re-recording, label the new items.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from evals import real_answers as ra
from service import models
from service.cli import main

MODEL = models.CATALOG[models.DEFAULT_MODEL].name
VERSIONS = ra.labeled_versions(MODEL)


@pytest.fixture(scope="module")
def results() -> dict[str, dict[str, Any]]:
    return {v: ra.measure(models.DEFAULT_MODEL, v) for v in VERSIONS}


def test_the_default_model_has_labels_and_a_baseline() -> None:
    assert "v6" in VERSIONS
    baseline = json.loads(ra.BASELINE.read_text(encoding="utf-8"))
    assert set(VERSIONS) <= set(baseline["models"][MODEL]), "run --update-baseline"


@pytest.mark.parametrize("version", VERSIONS)
def test_every_returned_item_is_labeled(results: dict[str, dict[str, Any]], version: str) -> None:
    assert results[version]["errors"] == [], "\n".join(results[version]["errors"])


@pytest.mark.parametrize("version", VERSIONS)
def test_claim_precision_and_recall_do_not_drop(
    results: dict[str, dict[str, Any]], version: str
) -> None:
    baseline = json.loads(ra.BASELINE.read_text(encoding="utf-8"))["models"][MODEL][version]
    problems = ra.regressions(baseline, results[version])
    assert not problems, "against evals/baselines/real_answers.json:\n" + "\n".join(problems)


def test_the_command_prints_the_numbers_and_checks(
    results: dict[str, dict[str, Any]],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ra, "measure", lambda model, version: results[version])  # replayed once
    assert main(["eval", "real-answers", "--prompt-version", VERSIONS[-1], "--check"]) == 0
    out, err = capsys.readouterr()
    assert f"### Real answers: {MODEL} on prompt set {VERSIONS[-1]}" in out
    assert "| claims (target 0.95/0.85) |" in out and "Disagreements:" in out
    assert "check passed against real_answers.json" in err


def test_the_command_refuses_a_prompt_set_with_no_labels(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["eval", "real-answers", "--prompt-version", "v1"]) == 2
    assert "no labels for" in capsys.readouterr().err
