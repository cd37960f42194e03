"""The lead baseline: the article's first sentences at the summary's length, scored like it."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from evals import metrics, runner
from evals.lead import lead_text, story_sentences
from evals.report import compare_markdown, html_report, markdown_summary
from service.api.app import build_pipeline, open_client
from tests.conftest import fake_settings

FIXTURES = Path(__file__).resolve().parent.parent / "evals" / "fixtures"

# A headline line, furniture lines (a share prompt, an "Also Read" box), then the story.
ARTICLE = (
    "Larkspur raises bus fares\n"
    "Share this story\n"
    "The council voted to raise fares. The rise starts in September.\n"
    "| Also Read: Trams are late again |\n"
    "Riders were angry. The mayor defended it.\n"
)
FIRST = "The council voted to raise fares."  # 6 words
SECOND = "The rise starts in September."  # 5 words
THIRD = "Riders were angry."  # 3 words
FOURTH = "The mayor defended it."  # 4 words


def point(pid: str, *words: str) -> dict[str, Any]:
    return {"id": pid, "text": pid, "any_of": [list(words)]}


GOLD: dict[str, Any] = {
    "key_points": [
        point("voted", "voted"),
        point("september", "September"),
        point("angry", "angry"),
    ]
}


def answer(text: str) -> dict[str, Any]:
    return {"summary": {"text": text, "sentences": []}, "claims": []}


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (0, ""),
        (4, "The council voted to"),
        (6, FIRST),
        (9, f"{FIRST} The rise starts"),
        (11, f"{FIRST} {SECOND}"),
        (13, f"{FIRST} {SECOND} Riders were"),
        (100, f"{FIRST} {SECOND} {THIRD} {FOURTH}"),
    ],
)
def test_lead_is_whole_sentences_cut_at_the_word_count(words: int, expected: str) -> None:
    lead = lead_text(ARTICLE, words)
    assert lead == expected
    assert len(lead.split()) == min(words, 18)


def test_lead_drops_the_headline_and_furniture_lines() -> None:
    texts = [ARTICLE[s.start : s.end] for s in story_sentences(ARTICLE)]
    assert texts == [FIRST, SECOND, THIRD, FOURTH]


@pytest.mark.parametrize(
    ("article", "first"),
    [
        # a first line with a sentence end is a standfirst, not a headline
        ("Kim vows support. Troops were sent.\nTalks went on.", "Kim vows support."),
        ("Will fares rise?\nThe council votes today.", "Will fares rise?"),
        ("Fares rise\nThe council voted.", "The council voted."),
        # only the first line can be the headline; a later line without an end stays
        ("The council voted.\nRiders angry\nMore later.", "The council voted."),
    ],
)
def test_only_a_first_line_without_a_sentence_end_is_a_headline(article: str, first: str) -> None:
    assert lead_text(article, len(first.split())) == first


def test_lead_on_the_fixtures_skips_their_headlines_and_boxes() -> None:
    short = (FIXTURES / "very_short" / "article.txt").read_text(encoding="utf-8")
    assert lead_text(short, 1000).startswith("KELDROW — A magnitude 5.1 earthquake")
    assert "Moderate quake shakes" not in lead_text(short, 1000)
    reference = (FIXTURES / "reference" / "article.txt").read_text(encoding="utf-8")
    assert lead_text(reference, 6) == "North Korea’s Kim Jong-un vows “unconditional”"  # standfirst
    assert "Also Read" in reference and "Also Read" not in lead_text(reference, 100_000)


@pytest.mark.parametrize(
    ("summary", "coverage", "lead", "lead_missed", "vs_lead"),
    [
        # 6 words: the lead is the first sentence, which covers "voted" only
        ("Riders were angry about September fares.", 2 / 3, 1 / 3, ["september", "angry"], 2.0),
        # 11 words: the lead is the first two sentences
        (
            "Riders were angry that fares rise, the council said on Tuesday.",
            1 / 3,
            2 / 3,
            ["angry"],
            0.5,
        ),
        # no summary: no lead either, and no ratio
        ("", 0.0, 0.0, ["voted", "september", "angry"], None),
    ],
)
def test_lead_coverage_is_scored_like_the_summary_at_its_length(
    summary: str, coverage: float, lead: float, lead_missed: list[str], vs_lead: float | None
) -> None:
    s = metrics.score_case(ARTICLE, GOLD, answer(summary))
    assert s["lead_words"] == s["summary_words"] == len(summary.split())
    assert s["key_point_coverage"] == pytest.approx(coverage)
    assert s["lead_coverage"] == pytest.approx(lead)
    assert s["lead_missed_key_points"] == lead_missed
    if vs_lead is None:
        assert s["coverage_vs_lead"] is None
    else:
        assert s["coverage_vs_lead"] == pytest.approx(vs_lead)


def test_a_lead_that_covers_nothing_gives_no_ratio() -> None:
    gold = {"key_points": [point("mayor", "mayor")]}  # only the last sentence says it
    s = metrics.score_case(ARTICLE, gold, answer("The mayor defended it."))
    assert (s["key_point_coverage"], s["lead_coverage"], s["coverage_vs_lead"]) == (1.0, 0.0, None)


def test_a_failed_case_is_measured_against_a_lead_of_the_default_length() -> None:
    s = metrics.failed_case(ARTICLE, GOLD, lead_words=11)
    assert (s["lead_words"], s["key_point_coverage"]) == (11, 0.0)
    assert s["lead_coverage"] == pytest.approx(2 / 3)
    assert s["coverage_vs_lead"] == 0.0


def test_the_default_length_is_the_prompt_sets_own() -> None:
    settings = fake_settings(context_window=4096)
    client = open_client(settings, "http://fake.invalid/v1")
    try:
        pipeline = build_pipeline(settings, client)
        prompts = pipeline.prompts.prompt_set("v1")
        short = (FIXTURES / "very_short" / "article.txt").read_text(encoding="utf-8")
        long = (FIXTURES / "long_multichunk" / "article.txt").read_text(encoding="utf-8")
        single = prompts["summarize"].parameters["max_summary_words"]
        reduced = prompts["reduce"].parameters["max_summary_words"]
        assert runner.default_summary_words(pipeline, "v1", short) == single
        assert runner.default_summary_words(pipeline, "v1", long) == reduced
        assert single != reduced
    finally:
        asyncio.run(client.close())


def test_overall_is_the_ratio_of_the_means() -> None:
    overall = metrics.aggregate(
        {
            "a": {"key_point_coverage": 0.5, "lead_coverage": 0.25, "coverage_vs_lead": 2.0},
            "b": {"key_point_coverage": 0.0, "lead_coverage": 0.75, "coverage_vs_lead": 0.0},
            "c": {"key_point_coverage": 1.0, "lead_coverage": 0.0, "coverage_vs_lead": None},
        }
    )
    assert overall["lead_coverage"] == pytest.approx(1 / 3)
    assert overall["key_point_coverage"] == pytest.approx(0.5)
    assert overall["coverage_vs_lead"] == pytest.approx(1.5)  # not the mean of ratios, 1.0


def test_overall_ratio_is_none_when_no_lead_covers_anything() -> None:
    cases = {"a": {"key_point_coverage": 0.5, "lead_coverage": 0.0, "coverage_vs_lead": None}}
    assert metrics.aggregate(cases)["coverage_vs_lead"] is None


def test_a_baseline_without_the_lead_keys_still_gates_and_the_lead_is_not_gated() -> None:
    old = {"key_point_coverage": 0.5, "grounding_rate": 0.5}
    assert metrics.aggregate({"a": old}) == {"n_cases": 1, **old}  # no lead keys invented
    new = {**old, "lead_coverage": 0.9, "coverage_vs_lead": 0.1}
    assert metrics.regressions(old, new) == []
    assert metrics.regressions({**new, "coverage_vs_lead": 3.0}, new) == []
    assert metrics.regressions(new, {**new, "key_point_coverage": 0.2}) != []


def results_for(summaries: dict[str, str], version: str = "v4") -> dict[str, Any]:
    cases = {
        name: {
            "scores": metrics.score_case(ARTICLE, GOLD, answer(text)),
            "error": None,
            "response": {**answer(text), "claims": []},
        }
        for name, text in summaries.items()
    }
    return {
        "model": "m", "prompt_version": version, "prompts": [], "mode": "replay",
        "overall": metrics.aggregate({k: v["scores"] for k, v in cases.items()}), "cases": cases,
    }  # fmt: skip


def table_cells(markdown: str) -> dict[str, dict[str, str]]:
    """The first markdown table as {row label: {column label: cell}}."""
    rows = [line for line in markdown.splitlines() if line.startswith("|")]
    head = [c.strip() for c in rows[0].strip("|").split("|")]
    return {
        cells[0]: dict(zip(head, cells, strict=True))
        for cells in ([c.strip() for c in r.strip("|").split("|")] for r in rows[2:])
    }


def test_summary_md_shows_coverage_lead_and_ratio_per_case_and_overall() -> None:
    results = results_for({"beats": "Riders were angry about September fares.", "empty": ""})
    table = table_cells(markdown_summary(results))
    beats, empty, overall = table["beats"], table["empty"], table["**overall**"]
    assert (beats["coverage"], beats["lead cov."], beats["vs lead"], beats["words"]) == (
        "0.67", "0.33", "2.00", "6",
    )  # fmt: skip
    assert (empty["coverage"], empty["lead cov."], empty["vs lead"]) == ("0.00", "0.00", "–")
    # means 0.33 and 0.17: the ratio of the means
    assert (overall["coverage"], overall["lead cov."], overall["vs lead"]) == (
        "0.33", "0.17", "2.00",
    )  # fmt: skip


def test_compare_shows_the_lead_and_the_ratio_with_deltas() -> None:
    a = results_for({"x": "Riders were angry about September fares."}, "v3")
    b = results_for({"x": "Riders were angry that fares rise, the council said on Tuesday."}, "v4")
    lines = compare_markdown(a, b).splitlines()
    assert "| x | coverage_vs_lead | 2.00 | 0.50 | -1.50 |" in lines
    assert "| x | lead_coverage | 0.33 | 0.67 | +0.33 |" in lines
    assert "| **overall** | coverage_vs_lead | 2.00 | 0.50 | -1.50 |" in lines
    empty = results_for({"x": ""}, "v4")
    assert "| x | coverage_vs_lead | 2.00 | – |  |" in compare_markdown(a, empty).splitlines()


def test_html_report_shows_the_lead_it_was_measured_against() -> None:
    results = results_for({"x": "Riders were angry about September fares."})
    page = html_report(results, {"x": ARTICLE})
    assert "<th>lead cov.<th>vs lead" in page
    assert f"Lead baseline (6 words)</h3><p>{FIRST}</p>" in page
