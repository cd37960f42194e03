"""The real-answers metric (evals/real_answers.py) on a tiny hand-made example."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from evals import real_answers as ra

ARTICLE = "Mayor Ana Holt opened the bridge on Monday. It cost 4 million euros, officials said."
ARTICLES = {"bridge": ARTICLE}
OPENED = "Mayor Ana Holt opened the bridge on Monday."
COST = "It cost 4 million euros, officials said."


def label(text: str, truth: bool, *, kind: str = "claim", borderline: bool = False,
          attributed_to: str | None = None, gold: str = OPENED) -> ra.Label:  # fmt: skip
    return ra.Label("bridge", kind, text, attributed_to, truth, (gold,), borderline, "why")


def item(text: str, supported: bool, *, kind: str = "claim", attributed_to: str | None = None,
         span: tuple[int, int] = (0, len(OPENED)), reasons: tuple[str, ...] = ()) -> ra.Item:  # fmt: skip
    return ra.Item("bridge", kind, text, attributed_to, supported, reasons, (span,))


def test_counts_precision_and_recall_per_item_type() -> None:
    labels = [
        label("Holt opened the bridge.", True),
        label("Holt opened it on Monday.", True),
        label("Holt closed the bridge.", False),
        label("The bridge is new.", False),
        label("Holt opened a bridge.", True, kind="sentence"),
    ]
    items = [
        item("Holt opened the bridge.", True),  # tp
        item("Holt opened it on Monday.", False, reasons=("too short",)),  # fn
        item("Holt closed the bridge.", True),  # fp
        item("The bridge is new.", False),  # tn
        item("Holt opened a bridge.", True, kind="sentence"),  # tp
    ]
    result = ra.score(items, labels, ARTICLES)
    claims = result["types"]["claim"]
    assert (claims["tp"], claims["fp"], claims["fn"], claims["tn"]) == (1, 1, 1, 1)
    assert claims["precision"] == 0.5 and claims["recall"] == 0.5
    assert result["types"]["sentence"]["precision"] == 1.0
    assert result["types"]["sentence"]["recall"] == 1.0
    assert result["errors"] == []
    kinds = {(r["text"], r["kind"]) for r in result["disagreements"]}
    assert kinds == {
        ("Holt opened it on Monday.", "true refused"),
        ("Holt closed the bridge.", "false supported"),
    }
    refused = next(r for r in result["disagreements"] if r["kind"] == "true refused")
    assert refused["reasons"] == ["too short"]


def test_borderline_items_are_listed_apart_and_not_rated() -> None:
    labels = [
        label("Holt opened the bridge.", True),
        label("Holt built it.", False, borderline=True),
    ]
    items = [item("Holt opened the bridge.", True), item("Holt built it.", True)]
    result = ra.score(items, labels, ARTICLES)
    claims = result["types"]["claim"]
    assert claims["precision"] == 1.0 and claims["fp"] == 0
    assert (claims["n"], claims["borderline"]) == (2, 1)
    assert [r["text"] for r in result["borderline"]] == ["Holt built it."]
    assert result["disagreements"] == []


def test_an_item_with_no_label_is_an_error_that_names_it() -> None:
    result = ra.score([item("A new sentence.", True)], [label("Holt opened it.", True)], ARTICLES)
    assert len(result["errors"]) == 1
    assert "'A new sentence.'" in result["errors"][0] and "bridge claim" in result["errors"][0]
    assert result["unused_labels"] and "Holt opened it." in result["unused_labels"][0]
    assert result["types"]["claim"]["n"] == 0 and result["types"]["claim"]["precision"] is None


def test_a_changed_attribution_is_an_error_not_a_match() -> None:
    labels = [label(COST, False, attributed_to=None, gold=COST)]
    result = ra.score([item(COST, True, attributed_to="officials")], labels, ARTICLES)
    assert "attributed_to 'officials'" in result["errors"][0]
    assert result["types"]["claim"]["n"] == 0


def test_evidence_on_gold_is_counted_over_true_supported_items() -> None:
    start = ARTICLE.index(COST)
    labels = [label("Holt opened it.", True), label("It cost 4 million euros.", True, gold=COST)]
    items = [
        item("Holt opened it.", True),  # the gold sentence
        item("It cost 4 million euros.", True, span=(0, 10)),  # the wrong sentence
    ]
    result = ra.score(items, labels, ARTICLES)
    assert result["types"]["claim"]["evidence_on_gold"] == 0.5
    assert [r["text"] for r in result["wrong_evidence"]] == ["It cost 4 million euros."]
    items[1] = item("It cost 4 million euros.", True, span=(start + 3, start + 20))
    assert ra.score(items, labels, ARTICLES)["types"]["claim"]["evidence_on_gold"] == 1.0


def write(tmp_path: Path, rows: list[dict[str, Any]]) -> Path:
    path = tmp_path / "m__v1.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows) + "not json\n")
    return path


def row(**overrides: Any) -> dict[str, Any]:
    base = {"case": "bridge", "item_type": "claim", "text": "Holt opened it.",
            "attributed_to": None, "truly_supported": True, "gold_evidence": [OPENED],
            "borderline": False, "note": "why"}  # fmt: skip
    return base | overrides


@pytest.mark.parametrize(
    ("bad", "problem"),
    [
        ({"gold_evidence": ["Holt opened a tunnel."]}, "gold evidence not in the article"),
        ({"gold_evidence": []}, "gold_evidence must be a non-empty list"),
        ({"item_type": "summary"}, "item_type must be one of claim, sentence"),
        ({"case": "tunnel"}, "unknown case 'tunnel'"),
        ({"truly_supported": "yes"}, "'truly_supported' has the wrong type"),
        ({"colour": "red"}, "unknown field 'colour'"),
    ],
)
def test_a_bad_label_line_is_an_error_naming_its_line(
    tmp_path: Path, bad: dict[str, Any], problem: str
) -> None:
    labels, errors = ra.load_labels(write(tmp_path, [row(), row(text="Other.") | bad]), ARTICLES)
    assert [lab.text for lab in labels] == ["Holt opened it."]
    assert any(e.startswith("m__v1.jsonl:2: ") and problem in e for e in errors), errors
    assert any(e.startswith("m__v1.jsonl:3: not valid JSON") for e in errors)


def test_a_duplicate_label_is_an_error(tmp_path: Path) -> None:
    _, errors = ra.load_labels(write(tmp_path, [row(), row(note="again")]), ARTICLES)
    assert any("m__v1.jsonl:2: duplicate of line 1" in e for e in errors)


def test_items_of_a_run_are_distinct_and_failed_cases_reported() -> None:
    evidence = [{"quote": OPENED, "start": 0, "end": len(OPENED), "match": "exact", "score": 1}]
    sentence = {"text": OPENED, "supported": True, "evidence": evidence, "reasons": []}
    claim = {"text": "Holt opened it.", "attributed_to": None, "supported": False,
             "evidence": [], "reasons": ["no passage"]}  # fmt: skip
    response = {"summary": {"sentences": [sentence, sentence]}, "claims": [claim]}
    results = {"cases": {"bridge": {"response": response}, "gone": {"response": None,
                                                                       "error": "timed out"}}}  # fmt: skip
    items, failed = ra.items_of(results)
    assert [(i.item_type, i.text) for i in items] == [
        ("sentence", OPENED),
        ("claim", "Holt opened it."),
    ]
    assert items[0].spans == ((0, len(OPENED)),) and items[1].reasons == ("no passage",)
    assert failed == ["case gone got no answer: timed out"]


def test_every_decoding_of_a_run_gives_items_and_the_sampled_ones_are_counted_apart() -> None:
    def response(*claims: tuple[str, str | None]) -> dict[str, Any]:
        rows = [{"text": t, "attributed_to": a, "supported": True, "evidence": [],
                 "reasons": []} for t, a in claims]  # fmt: skip
        return {"summary": {"sentences": []}, "claims": rows}

    served = response((OPENED, None))
    # a sampled decoding repeats the served claim, and returns the cost twice, credited apart
    sampled = response((OPENED, None), (COST, "officials"), (COST, None))
    results = {
        "cases": {"bridge": {"response": served}},
        "decodings": [
            {"cases": {"bridge": {"response": served}}},
            {"cases": {"bridge": {"response": sampled}}},
        ],
    }
    items, failed = ra.items_of(results)
    assert failed == []
    assert [(i.text, i.attributed_to, i.decoding) for i in items] == [
        (OPENED, None, 0), (COST, "officials", 1), (COST, None, 1),
    ]  # fmt: skip
    # one text credited two ways is two items, each with its own label
    labels = [
        label(OPENED, True),
        label(COST, True, attributed_to="officials", gold=COST),
        label(COST, False, attributed_to=None, gold=COST),
    ]
    scored = ra.score(items, labels, ARTICLES)
    assert scored["errors"] == []
    assert scored["types"]["claim"]["tp"] == 2 and scored["types"]["claim"]["fp"] == 1
    assert scored["sampled"]["claim"]["n"] == 2 and scored["sampled"]["claim"]["fp"] == 1
    assert ra.score(items[:1], labels[:1], ARTICLES)["sampled"] is None


def test_regressions_fire_on_a_drop_in_claim_precision_or_recall() -> None:
    def result(precision: float, recall: float) -> dict[str, Any]:
        numbers = {"precision": precision, "recall": recall}
        return {"prompt_version": "v1", "errors": [],
                "types": {"claim": numbers, "sentence": {"precision": 0.0, "recall": 0.0}}}  # fmt: skip

    baseline = {"types": {"claim": {"precision": 0.9, "recall": 0.8}}}
    assert ra.regressions(baseline, result(0.9, 0.8)) == []
    assert ra.regressions(baseline, result(1.0, 0.9)) == []
    assert ra.regressions(baseline, result(0.89, 0.8)) == ["v1 claim precision 0.89 < baseline 0.9"]
    assert ra.regressions(baseline, result(0.9, 0.5)) == ["v1 claim recall 0.5 < baseline 0.8"]
    broken = result(0.9, 0.8) | {"errors": ["no label for x"]}
    assert ra.regressions(baseline, broken) == ["error: no label for x"]
