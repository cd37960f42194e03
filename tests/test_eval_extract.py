"""The eval's view of dropped and extracted summary sentences: counted per case, left out of the
model's supported rate, shown in summary.md and report.html."""

from __future__ import annotations

from typing import Any

from evals import metrics
from evals.report import html_report, markdown_summary
from tests.test_lead import table_cells

ARTICLE = (
    "The council raised the bus fare to $3.00 on Tuesday. Riders were angry. "
    "The mayor said the city had no choice."
)


def span(quote: str) -> dict[str, Any]:
    start = ARTICLE.index(quote)
    return {"quote": quote, "start": start, "end": start + len(quote), "match": "exact",
            "score": 100.0}  # fmt: skip


def sentence(text: str, origin: str = "model", *, ok: bool = True) -> dict[str, Any]:
    return {
        "text": text,
        "supported": ok,
        "evidence": [span(text)] if ok else [],
        "reasons": [] if ok else ["no passage of the article supports it"],
        "origin": origin,
        "dropped": not ok,
    }


def answer(parts: list[dict[str, Any]]) -> dict[str, Any]:
    shown = [p["text"] for p in parts if not p["dropped"]]
    return {
        "summary": {
            "text": " ".join(shown),
            "sentences": parts,
            "model_text": " ".join(p["text"] for p in parts if p["origin"] == "model"),
            "dropped_sentences": sum(p["dropped"] for p in parts),
            "extracted_sentences": sum(p["origin"] == "extracted" for p in parts),
            "lead_check": {"note": "1 article sentence added verbatim."},
        },
        "claims": [],
    }


GOLD: dict[str, Any] = {"key_points": [{"id": "k1", "any_of": [["fare"]]}]}
PARTS = [
    sentence("The council raised the bus fare to $3.00 on Tuesday."),
    sentence("Riders rioted in the streets.", ok=False),
    sentence("The mayor said the city had no choice.", "extracted"),
]


def test_dropped_and_extracted_are_counted_and_extracted_ones_do_not_inflate_support() -> None:
    scores = metrics.score_case(ARTICLE, GOLD, answer(PARTS))
    assert scores["dropped_sentences"] == 1 and scores["extracted_sentences"] == 1
    # the model's two sentences, one supported: the extracted one is not the model's
    assert scores["n_sentences"] == 2 and scores["sentences_supported_rate"] == 0.5
    everything_kept = metrics.score_case(ARTICLE, GOLD, answer(PARTS[:1]))
    assert everything_kept["dropped_sentences"] == everything_kept["extracted_sentences"] == 0


def test_counts_add_up_across_cases() -> None:
    one = metrics.score_case(ARTICLE, GOLD, answer(PARTS))
    overall = metrics.aggregate({"a": one, "b": one})
    assert overall["dropped_sentences"] == 2 and overall["extracted_sentences"] == 2


def results(parts: list[dict[str, Any]]) -> dict[str, Any]:
    scores = metrics.score_case(ARTICLE, GOLD, answer(parts))
    return {
        "model": "m", "prompt_version": "v1", "prompts": [], "mode": "replay",
        "overall": metrics.aggregate({"x": scores}),
        "cases": {"x": {"scores": scores, "error": None, "response": answer(parts)}},
    }  # fmt: skip


def test_summary_md_shows_dropped_and_extracted_per_case() -> None:
    table = table_cells(markdown_summary(results(PARTS)))
    assert (table["x"]["dropped"], table["x"]["extracted"]) == ("1", "1")
    assert (table["**overall**"]["dropped"], table["**overall**"]["extracted"]) == ("1", "1")


def test_report_html_marks_each_sentence_and_keeps_what_the_model_wrote() -> None:
    page = html_report(results(PARTS), {"x": ARTICLE})
    assert "<th>dropped<th>extracted" in page
    assert "Riders rioted in the streets. — <span class=no>dropped</span>" in page
    assert "The mayor said the city had no choice. — <span class=yes>extracted" in page
    assert "What the model wrote: <i>The council raised" in page
    assert "1 article sentence added verbatim." in page
