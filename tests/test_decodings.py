"""Several decodings per case: the plan, the spread of the scores and when a difference counts."""

from __future__ import annotations

import pytest

from evals import decodings
from evals.decodings import Decoding
from service.settings import Settings


def test_the_plan_reads_the_case_as_served_first_then_sampled_with_new_seeds() -> None:
    settings = Settings(temperature=0.0, seed=7)
    planned = decodings.plan(settings, 3, 0.5)
    assert planned == [Decoding(0.0, 7), Decoding(0.5, 1), Decoding(0.5, 2)]
    assert [d.label for d in planned] == ["greedy", "T=0.5, seed 1", "T=0.5, seed 2"]
    assert decodings.plan(settings, 1, 0.5) == [Decoding(0.0, 7)]
    sampled = planned[2].settings(settings)
    assert (sampled.temperature, sampled.seed) == (0.5, 2)
    assert settings.temperature == 0.0  # the settings given are not changed


def test_spread_gives_each_metrics_values_mean_and_range() -> None:
    runs = [
        {"claim_recall": 0.2, "misattributions": 6, "coverage_vs_lead": 1.1},
        {"claim_recall": 0.4, "misattributions": 11},  # no lead ratio in this decoding
        {"claim_recall": 0.3, "misattributions": 7, "coverage_vs_lead": 1.3, "note": "x"},
    ]
    spread = decodings.spread(runs)
    assert spread["claim_recall"]["values"] == [0.2, 0.4, 0.3]
    assert spread["claim_recall"]["mean"] == pytest.approx(0.3)
    assert (spread["misattributions"]["min"], spread["misattributions"]["max"]) == (6, 11)
    assert spread["coverage_vs_lead"]["mean"] == pytest.approx(1.2)
    assert "note" not in spread
    assert decodings.means(spread)["misattributions"] == pytest.approx(8)


def entry(lo: float, hi: float) -> dict[str, float]:
    return {"min": lo, "max": hi, "mean": (lo + hi) / 2}


@pytest.mark.parametrize(
    ("a", "b", "direction", "expected"),
    [
        (entry(0.3, 0.5), entry(0.45, 0.7), "higher", "within spread"),  # ranges overlap
        (entry(0.3, 0.5), entry(0.5, 0.7), "higher", "within spread"),  # touching is overlap
        (entry(0.3, 0.5), entry(0.55, 0.7), "higher", "higher (better)"),
        (entry(0.3, 0.5), entry(0.1, 0.2), "higher", "lower (worse)"),
        (entry(6, 8), entry(10, 12), "lower", "higher (worse)"),
        (entry(6, 8), entry(1, 2), "lower", "lower (better)"),
        (entry(800, 900), entry(1000, 1100), None, "higher"),
        (None, entry(1, 2), "higher", "–"),
    ],
)
def test_a_difference_counts_only_where_the_ranges_do_not_overlap(
    a: dict[str, float] | None, b: dict[str, float], direction: str | None, expected: str
) -> None:
    assert decodings.verdict(a, b, direction) == expected


def test_a_cell_shows_the_mean_and_the_range_unless_every_decoding_agrees() -> None:
    assert decodings.cell({"min": 0.36, "max": 0.68, "mean": 0.5133}, 2) == "0.51 (0.36–0.68)"
    assert decodings.cell({"min": 6, "max": 6, "mean": 6}, 0) == "6"
    assert decodings.cell(None, 2) == "–"


def results(version: str, recall: list[float]) -> dict[str, object]:
    runs = [
        {"decoding": d.as_dict(), "overall": {"claim_recall": r}}
        for d, r in zip(decodings.plan(Settings(), len(recall), 0.5), recall, strict=True)
    ]
    return {
        "prompt_version": version,
        "decodings": runs,
        "spread": decodings.spread([r["overall"] for r in runs]),
    }


def test_the_tables_show_every_decoding_and_the_comparison_says_what_counts() -> None:
    a, b = results("v6", [0.2, 0.3, 0.25]), results("v9", [0.4, 0.45, 0.5])
    table = decodings.markdown(a)
    assert "| greedy | T=0.5, seed 1 | T=0.5, seed 2 | mean (range) |" in table
    assert "| gold claims recalled | 0.20 | 0.30 | 0.25 | 0.25 (0.20–0.30) |" in table
    compared = decodings.compare_markdown(a, b)
    assert "| gold claims recalled | 0.25 (0.20–0.30) | 0.45 (0.40–0.50) | higher (better) |" in (
        compared
    )
    close = decodings.compare_markdown(a, results("v9", [0.1, 0.35, 0.3]))
    assert "| within spread |" in close
