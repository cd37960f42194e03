"""Tests for evals.metrics: hand-written responses to the reference article, ranked by the metrics.

The four candidates below are inputs to the metrics, not recordings of a model. Evidence offsets
come from article.find on real quotes, so a quote that is not in the article fails loudly.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from evals import metrics
from service.schemas import SummaryResponse

FIXTURE = Path(__file__).resolve().parent.parent / "evals" / "fixtures" / "reference"
ARTICLE = (FIXTURE / "article.txt").read_text(encoding="utf-8")
GOLD: dict[str, Any] = json.loads((FIXTURE / "gold.json").read_text(encoding="utf-8"))

# (text, quote in the article, supported, reasons)
Part = tuple[str, str, bool, list[str]]


def evidence(quote: str) -> dict[str, Any]:
    start = ARTICLE.find(quote)
    assert start >= 0, f"not in the article: {quote!r}"
    end = start + len(quote)
    return {"quote": quote, "start": start, "end": end, "match": "exact", "score": 100.0}


def claim(
    cid: str, text: str, quote: str, who: str | None = None, *, ok: bool = True, why: str = ""
) -> dict[str, Any]:
    return {
        "id": cid,
        "text": text,
        "kind": "event",
        "attributed_to": who,
        "numbers": [],
        "entities": [],
        "evidence": [evidence(quote)],
        "supported": ok,
        "reasons": [why] if why else [],
        "chunks": [0],
    }


def sentence(text: str, quote: str, *, ok: bool = True, why: str = "") -> dict[str, Any]:
    return {
        "text": text,
        "supported": ok,
        "evidence": [evidence(quote)],
        "reasons": [why] if why else [],
    }


def response(sentences: list[dict[str, Any]], claims: list[dict[str, Any]]) -> dict[str, Any]:
    """A SummaryResponse body around the given sentences and claims."""
    supported = sum(c["supported"] for c in claims)
    return {
        "request_id": "test",
        "summary": {"text": " ".join(s["text"] for s in sentences), "sentences": sentences},
        "claims": claims,
        "claim_stats": {
            "returned": len(claims),
            "supported": supported,
            "unsupported": len(claims) - supported,
            "duplicates_merged": 0,
        },
        "provenance": {
            "model": "hand-written",
            "backend": "remote",
            "prompt_version": "v1",
            "prompts": [],
            "encoding": "o200k_base",
            "chunk_count": 1,
            "chunks": [{"index": 0, "start": 0, "end": len(ARTICLE), "tokens": 900}],
            "removed_boilerplate": [],
            "path": "single",
        },
        "usage": {"model_calls": 1, "prompt_tokens": 1200, "completion_tokens": 300, "repairs": 0},
        "timings_ms": {"total": 1500.0},
    }


S_PLEDGE = sentence(
    "Kim Jong-un pledged unconditional support for Russia in its war against Ukraine during a "
    "meeting with Sergei Shoigu, Russia's Security Council Secretary, in Pyongyang.",
    "Kim Jong-un has pledged to “unconditionally” support Russia in its ongoing war against Ukraine",
)
S_VISIT = sentence(
    "The visit was Shoigu's second to North Korea in less than three months.",
    "The meeting marks Shoigu’s second visit to North Korea in less than three months",
)
S_TREATY = sentence(
    "Kim and Russian President Vladimir Putin signed a mutual defense treaty in June 2024 that "
    "obliges each country to provide immediate military assistance if the other is attacked.",
    "The strategic partnership treaty obligates both nations to provide immediate military "
    "assistance if either is attacked",
)
S_KURSK = sentence(
    "The talks covered the reconstruction of Russia's Kursk front-line region and the "
    "commemoration of North Korean soldiers who fought for Russia.",
    "plans for the reconstruction of Russia’s war-torn Kursk front-line region",
)
S_TROOPS = sentence(
    "In April, North Korea acknowledged sending troops, and South Korea's National Intelligence "
    "Service says about 15,000 North Korean soldiers have been sent to Russia, with more than "
    "4,700 casualties, including about 600 deaths.",
    "approximately 15,000 North Korean soldiers have been sent to Russia, with more than 4,700 "
    "casualties reported, including about 600 deaths",
)
S_MINISTRY = sentence(
    "Seoul's unification ministry speculates the talks may have included further troop "
    "deployments.",
    "Seoul’s unification ministry speculates that the talks between Kim and Shoigu might have "
    "included further troop deployments",
)

C_PLEDGE = claim(
    "c1",
    "Kim Jong-un pledged that North Korea will unconditionally support Russia in its war against "
    "Ukraine.",
    "Kim Jong-un has pledged to “unconditionally” support Russia in its ongoing war against Ukraine",
    "KCNA",
)
C_MEETING = claim(
    "c2",
    "Kim Jong-un met Sergei Shoigu, Russia's Security Council Secretary, in Pyongyang on Wednesday.",
    "Kim’s meeting with Sergei Shoigu, Russia’s Security Council Secretary, in Pyongyang on "
    "Wednesday",
)
C_TREATY = claim(
    "c3",
    "Kim Jong-un and Russian President Vladimir Putin signed a mutual defense treaty in June 2024.",
    "a comprehensive mutual defense treaty signed by Kim and Russian President Vladimir Putin in "
    "June 2024",
)
C_VISIT = claim(
    "c4",
    "Shoigu's trip to Pyongyang was his second visit to North Korea in less than three months.",
    "The meeting marks Shoigu’s second visit to North Korea in less than three months",
)
C_TROOPS = claim(
    "c5",
    "About 15,000 North Korean soldiers have been sent to Russia.",
    "approximately 15,000 North Korean soldiers have been sent to Russia",
    "NIS",
)
C_CASUALTIES = claim(
    "c6",
    "More than 4,700 North Korean casualties have been reported.",
    "with more than 4,700 casualties reported",
    "National Intelligence Service",
)
C_DEATHS = claim(
    "c7",
    "About 600 North Korean soldiers sent to Russia have died.",
    "including about 600 deaths",
    "South Korea's National Intelligence Service",
)
C_KURSK = claim(
    "c8",
    "The talks covered the reconstruction of Russia's Kursk front-line region.",
    "plans for the reconstruction of Russia’s war-torn Kursk front-line region",
)
GOOD_SENTENCES = [S_PLEDGE, S_VISIT, S_TREATY, S_KURSK, S_TROOPS, S_MINISTRY]
GOOD_CLAIMS = [C_PLEDGE, C_MEETING, C_TREATY, C_VISIT, C_TROOPS, C_CASUALTIES, C_DEATHS, C_KURSK]

SWAP = "article: more than 4,700 casualties; claim: 4,700 killed"
FAITHFUL = response(GOOD_SENTENCES, GOOD_CLAIMS)
WRONG_NUMBER = response(
    [
        *GOOD_SENTENCES[:4],
        sentence(
            "In April, North Korea acknowledged sending troops; about 16,000 North Korean soldiers "
            "have been sent to Russia, where 4,700 have been killed.",
            "approximately 15,000 North Korean soldiers have been sent to Russia",
            ok=False,
            why=SWAP,
        ),
        S_MINISTRY,
    ],
    [
        *GOOD_CLAIMS[:4],
        claim(
            "c5",
            "About 16,000 North Korean soldiers have been sent to Russia.",
            "approximately 15,000 North Korean soldiers have been sent to Russia",
            "NIS",
            ok=False,
            why="figure 16,000 does not occur in the article",
        ),
        claim(
            "c6",
            "More than 4,700 North Korean soldiers have been killed.",
            "with more than 4,700 casualties reported",
            "NIS",
            ok=False,
            why=SWAP,
        ),
        C_DEATHS,
        C_KURSK,
    ],
)
VAGUE = response(
    [
        sentence(
            "Kim Jong-un pledged unconditional support for Russia.",
            "Kim Jong-un has pledged to “unconditionally” support Russia",
        ),
        sentence(
            "The two countries are deepening their ties amid rising global tensions.",
            "Talks with Russia focus on deeper ties, regional security",
        ),
    ],
    [C_PLEDGE, C_MEETING],
)
BOILERPLATE_QUOTE = "US President,Russian counterpart Putin hold 85-minute call"
BOILERPLATE = response(
    [
        *GOOD_SENTENCES,
        sentence(
            "Separately, the US President and Putin held an 85-minute call.", BOILERPLATE_QUOTE
        ),
    ],
    [
        *GOOD_CLAIMS,
        claim("c9", "The US President and Putin held an 85-minute call.", BOILERPLATE_QUOTE),
    ],
)
CANDIDATES = {
    "faithful": FAITHFUL,
    "wrong_number": WRONG_NUMBER,
    "vague": VAGUE,
    "boilerplate": BOILERPLATE,
}


def score(resp: dict[str, Any], gold: dict[str, Any] | None = None) -> dict[str, Any]:
    return metrics.score_case(ARTICLE, GOLD if gold is None else gold, resp)


@pytest.fixture(scope="module")
def scores() -> dict[str, dict[str, Any]]:
    return {name: score(resp) for name, resp in CANDIDATES.items()}


# --- the four candidates --------------------------------------------------------------------


@pytest.mark.parametrize("name", CANDIDATES)
def test_candidates_are_valid_responses_and_scores_serialize(
    name: str, scores: dict[str, dict[str, Any]]
) -> None:
    SummaryResponse.model_validate(CANDIDATES[name])
    assert scores[name]["schema_valid"] == 1.0
    assert json.loads(json.dumps(scores[name])) == scores[name]


def test_faithful_candidate_scores_clean(scores: dict[str, dict[str, Any]]) -> None:
    s = scores["faithful"]
    assert s["key_point_coverage"] == 1.0, s["missed_key_points"]
    assert s["claim_precision"] == 1.0, [r for r in s["alignment"] if r["verdict"] == "FP"]
    assert s["claim_recall"] == pytest.approx(8 / 20)
    assert (s["grounding_rate"], s["n_claims"], s["n_sentences"]) == (1.0, 8, 6)
    assert s["hallucinated_number_list"] == []
    assert s["hallucinated_entity_list"] == []
    assert s["forbidden_hit_ids"] == []
    assert (s["attribution_accuracy"], s["n_attribution_pairs"]) == (1.0, 4)
    assert (s["swapped_figures"], s["misattributions"]) == (0, 0)
    assert s["latency_ms"] == 1500.0
    assert (s["model_calls"], s["prompt_tokens"], s["completion_tokens"]) == (1, 1200, 300)
    assert s["compression_ratio"] == pytest.approx(len(ARTICLE.split()) / s["summary_words"])


@pytest.mark.parametrize(
    ("worse", "metric", "higher_is_better"),
    [
        ("wrong_number", "forbidden_hits", False),
        ("wrong_number", "hallucinated_numbers", False),
        ("wrong_number", "claim_recall", True),
        ("wrong_number", "claim_precision", True),
        ("wrong_number", "grounding_rate", True),
        ("wrong_number", "swapped_figures", False),
        ("vague", "key_point_coverage", True),
        ("vague", "claim_recall", True),
        ("boilerplate", "forbidden_hits", False),
        ("boilerplate", "claim_precision", True),
    ],
)
def test_faithful_beats_the_flawed_candidates(
    worse: str, metric: str, higher_is_better: bool, scores: dict[str, dict[str, Any]]
) -> None:
    good, bad = scores["faithful"][metric], scores[worse][metric]
    assert (good > bad) if higher_is_better else (good < bad)


def test_wrong_number_is_explained(scores: dict[str, dict[str, Any]]) -> None:
    s = scores["wrong_number"]
    assert s["hallucinated_number_list"] == ["16000"]
    assert s["forbidden_hit_ids"] == ["f1"]
    fp = {r["claim_id"]: r["why"] for r in s["alignment"] if r["verdict"] == "FP"}
    assert list(fp) == ["c5"]
    assert fp["c5"].startswith("best gold g13 similar ")
    assert fp["c5"].endswith(" but number 15,000 missing")
    assert {"k5", "k6"} <= set(s["missed_key_points"])


def test_boilerplate_is_grounded_but_forbidden(scores: dict[str, dict[str, Any]]) -> None:
    s = scores["boilerplate"]
    assert s["grounding_rate"] == 1.0  # the line is in the article, so grounding cannot catch it
    assert s["forbidden_hit_ids"] == ["f5"]
    assert s["hallucinated_entity_list"] == []  # "Separately" opens a sentence, not a name
    assert [r["claim_id"] for r in s["alignment"] if r["verdict"] == "FP"] == ["c9"]


def test_vague_summary_misses_key_points(scores: dict[str, dict[str, Any]]) -> None:
    s = scores["vague"]
    assert s["key_point_coverage"] == pytest.approx(0.1)
    assert s["missed_key_points"] == [f"k{i}" for i in range(2, 11)]


# --- unit cases -----------------------------------------------------------------------------


def only_summary(text: str) -> dict[str, Any]:
    return {"summary": {"text": text, "sentences": []}, "claims": []}


def only_claims(*claims: tuple[str, str | None]) -> dict[str, Any]:
    """A response holding bare claims (text, attributed_to), ids c1, c2, ..."""
    return {
        "summary": {"text": "", "sentences": []},
        "claims": [
            {"id": f"c{i}", "text": t, "attributed_to": who, "supported": True, "evidence": []}
            for i, (t, who) in enumerate(claims, 1)
        ],
    }


def gold_claims(*claims: tuple[str, list[str], str | None]) -> dict[str, Any]:
    """A gold file holding only claims (text, numbers, attributed_to), ids g1, g2, ..."""
    return {
        "claims": [
            {"id": f"g{i}", "text": t, "numbers": n, "attributed_to": who}
            for i, (t, n, who) in enumerate(claims, 1)
        ]
    }


KEY_POINT = {"key_points": [{"id": "k1", "any_of": [["Kim"], ["Russia", "Moscow"]]}]}


@pytest.mark.parametrize(
    ("summary", "covered"),
    [
        ("Kim backs Moscow.", 1.0),
        ("Kim backs Russia.", 1.0),
        ("KIM BACKS MOSCOW", 1.0),
        ("Putin backs Moscow.", 0.0),
        ("Kim backs Ukraine.", 0.0),
        ("", 0.0),
    ],
)
def test_key_point_needs_one_alternative_from_every_group(summary: str, covered: float) -> None:
    assert score(only_summary(summary), KEY_POINT)["key_point_coverage"] == covered


def test_alignment_is_one_to_one() -> None:
    gold = gold_claims(("Kim met Shoigu in Pyongyang.", [], None))
    s = score(only_claims(("Kim met Shoigu in Pyongyang.", None), ("Kim met Shoigu.", None)), gold)
    verdicts = [(r["claim_id"], r["gold_id"], r["verdict"]) for r in s["alignment"]]
    assert verdicts == [("c1", "g1", "TP"), ("c2", None, "FP")]
    assert s["alignment"][1]["why"] == "best gold g1 similar 100 but already matched to c1"
    assert (s["claim_recall"], s["claim_precision"]) == (1.0, 0.5)
    assert s["claim_f1"] == pytest.approx(2 / 3)


def test_alignment_leaves_second_gold_unmatched() -> None:
    gold = gold_claims(("Kim met Shoigu.", [], None), ("Kim met Shoigu in Pyongyang.", [], None))
    s = score(only_claims(("Kim met Shoigu in Pyongyang.", None)), gold)
    verdicts = [(r["claim_id"], r["gold_id"], r["verdict"]) for r in s["alignment"]]
    assert verdicts == [("c1", "g2", "TP"), (None, "g1", "FN")]
    assert s["alignment"][1]["why"] == "closest c1 similar 100 but already matched to g2"


TROOPS = "About 15,000 soldiers were sent."
VISIT = "A second visit in three months."
SIGNED = "Signed on June 19, 2024."


@pytest.mark.parametrize(
    ("returned", "gold", "numbers", "verdict", "why"),
    [
        (TROOPS, TROOPS, ["15,000"], "TP", "similar 100/100, numbers agree"),
        ("About 15000 soldiers were sent.", TROOPS, ["15,000"], "TP", "numbers agree"),
        ("About 16,000 soldiers were sent.", TROOPS, ["15,000"], "FP", "number 15,000 missing"),
        ("A second visit in 3 months.", VISIT, ["three"], "TP", "numbers agree"),
        (VISIT, "A second visit in 3 months.", ["3"], "TP", "numbers agree"),
        (SIGNED, SIGNED, ["June 19, 2024"], "TP", "numbers agree"),
        ("Signed in June 2024.", SIGNED, ["June 19, 2024"], "FP", "number 19 missing"),
        ("Wholly unrelated words here.", "Kim met Shoigu on Wednesday.", [], "FP", "below 60"),
    ],
)
def test_alignment_needs_similarity_and_the_gold_figures(
    returned: str, gold: str, numbers: list[str], verdict: str, why: str
) -> None:
    row = score(only_claims((returned, None)), gold_claims((gold, numbers, None)))["alignment"][0]
    assert (row["verdict"], row["claim_id"]) == (verdict, "c1")
    assert why in row["why"]


@pytest.mark.parametrize(
    ("text", "invented"),
    [
        ("Some 15,000 troops were sent.", []),
        ("Some 15000 troops were sent.", []),
        ("About 600 died; the treaty dates from June 19, 2024.", []),
        ("Some 16,000 troops were sent.", ["16000"]),
        ("Casualties reached 4.7 thousand.", ["4.7"]),
        ("The treaty was signed in 2025 after 2025 talks.", ["2025"]),
        ("A second visit in less than three months.", []),
    ],
)
def test_hallucinated_numbers(text: str, invented: list[str]) -> None:
    s = score(only_summary(text), {})
    assert (s["hallucinated_number_list"], s["hallucinated_numbers"]) == (invented, len(invented))


@pytest.mark.parametrize(
    ("text", "invented"),
    [
        ("Kim Jong-un met Sergei Shoigu in Pyongyang.", []),
        ("The meeting coincided with the inauguration of Lee Jae-myung.", []),
        ("The meeting coincided with the inauguration of Yoon Suk-yeol.", ["Yoon Suk-yeol"]),
        ("Meanwhile, Kim Yo-jong met Shoigu.", ["Kim Yo-jong"]),
        ("According to Reuters, Kim met Shoigu.", ["Reuters"]),
    ],
)
def test_hallucinated_entities(text: str, invented: list[str]) -> None:
    assert score(only_summary(text), {})["hallucinated_entity_list"] == invented


@pytest.mark.parametrize(
    ("returned", "gold", "accuracy", "pairs"),
    [
        ("NIS", "South Korea's National Intelligence Service", 1.0, 1),
        ("National Intelligence Service", "NIS", 1.0, 1),
        ("KCNA", "Korean Central News Agency", 1.0, 1),
        ("Kim", "Kim Jong-un", 1.0, 1),
        ("Tass", "South Korea's National Intelligence Service", 0.0, 1),
        ("NATO", "South Korea's National Intelligence Service", 0.0, 1),
        (None, "Tass", 0.0, 1),
        ("Tass", None, 0.0, 1),
        (None, None, 1.0, 0),
    ],
)
def test_attribution_accepts_fuzzy_names_and_acronyms(
    returned: str | None, gold: str | None, accuracy: float, pairs: int
) -> None:
    text = "About 15,000 North Korean soldiers have been sent to Russia."
    s = score(only_claims((text, returned)), gold_claims((text, ["15,000"], gold)))
    assert (s["attribution_accuracy"], s["n_attribution_pairs"]) == (accuracy, pairs)


def test_forbidden_pattern_matches_a_claim_as_well_as_the_summary() -> None:
    s = score(only_claims(("Shoigu, Russia's defence minister, visited.", None)))
    assert s["forbidden_hit_ids"] == ["f4"]


@pytest.mark.parametrize(("supported", "vouched"), [(True, ["f4"]), (False, [])])
def test_a_refused_forbidden_claim_is_returned_but_not_supported(
    supported: bool, vouched: list[str]
) -> None:
    response = only_claims(("Shoigu, Russia's defence minister, visited.", None))
    response["claims"][0]["supported"] = supported
    s = score(response)
    assert s["forbidden_hit_ids"] == ["f4"]  # the client still reads it, marked as it is
    assert (s["forbidden_supported_ids"], s["forbidden_supported"]) == (vouched, len(vouched))


@pytest.mark.parametrize(
    ("change", "grounded"),
    [
        ({}, 1.0),
        ({"supported": False}, 0.0),
        ({"evidence": []}, 0.0),
        ({"evidence": [{**evidence("about 600 deaths"), "start": 0}]}, 0.0),
        (
            {"evidence": [evidence("about 600 deaths"), {**evidence("Kursk"), "quote": "Kirsk"}]},
            0.0,
        ),
    ],
)
def test_grounding_needs_support_and_exact_spans(change: dict[str, Any], grounded: float) -> None:
    item = {**sentence("About 600 died.", "about 600 deaths"), **change}
    s = score({"summary": {"text": item["text"], "sentences": [item]}, "claims": []})
    assert (s["sentences_supported_rate"], s["grounding_rate"]) == (grounded, grounded)
    assert (s["claims_supported_rate"], s["n_claims"]) == (1.0, 0)


def test_reasons_count_swapped_figures_and_misattributions() -> None:
    resp = response(
        [
            sentence(
                "About 600 died.",
                "about 600 deaths",
                ok=False,
                why="article: 600 deaths; claim: 600 x",
            )
        ],
        [
            claim(
                "c1",
                "About 600 died.",
                "about 600 deaths",
                ok=False,
                why="article: 600 deaths; claim: 600 casualties",
            ),
            claim(
                "c2",
                "Tass says 600 died.",
                "about 600 deaths",
                "Tass",
                ok=False,
                why="attributed to 'Tass', but the evidence does not name that source",
            ),
            claim(
                "c3",
                "600 died.",
                "about 600 deaths",
                ok=False,
                why="the article attributes this to a source, but the claim states it as fact",
            ),
        ],
    )
    s = score(resp)
    assert (s["swapped_figures"], s["misattributions"]) == (2, 2)


def test_schema_invalid_response_still_scores() -> None:
    broken = {k: v for k, v in FAITHFUL.items() if k != "provenance"}
    s = score(broken)
    assert s["schema_valid"] == 0.0
    assert s["key_point_coverage"] == 1.0


def test_failed_case_zeroes_quality() -> None:
    s = metrics.failed_case(ARTICLE, GOLD, lead_words=80)
    assert [
        s[k] for k in ("key_point_coverage", "claim_recall", "grounding_rate", "schema_valid")
    ] == [0.0] * 4
    assert [r["verdict"] for r in s["alignment"]] == ["FN"] * 20


def test_aggregate_pools_the_shares_of_returned_items() -> None:
    # a case with no claim scores 1.0 alone; overall it adds no claim, not a perfect case
    empty = {"claims_supported_rate": 1.0, "n_claims": 0, "sentences_supported_rate": 0.5,
             "n_sentences": 2, "grounding_rate": 0.5}  # fmt: skip
    eight = {"claims_supported_rate": 0.25, "n_claims": 8, "sentences_supported_rate": 1.0,
             "n_sentences": 4, "grounding_rate": 0.5}  # fmt: skip
    overall = metrics.aggregate({"a": empty, "b": eight})
    assert overall["claims_supported_rate"] == 0.25  # 2 of 8, where the mean says 0.625
    assert overall["sentences_supported_rate"] == 5 / 6
    assert overall["grounding_rate"] == (0.5 * 2 + 0.5 * 12) / 14  # weighted by items
    # no case returned an item (failed cases score 0): the mean stands, never a free 1.0
    failed = {"claims_supported_rate": 0.0, "n_claims": 0}
    assert metrics.aggregate({"a": failed, "b": failed})["claims_supported_rate"] == 0.0


def test_aggregate_averages_rates_and_sums_counts() -> None:
    overall = metrics.aggregate(
        {
            "a": {
                "grounding_rate": 1.0,
                "hallucinated_numbers": 2,
                "model_calls": 1,
                "alignment": [],
            },
            "b": {
                "grounding_rate": 0.5,
                "hallucinated_numbers": 1,
                "model_calls": 3,
                "alignment": [],
            },
        }
    )
    assert overall == {
        "n_cases": 2,
        "grounding_rate": 0.75,
        "hallucinated_numbers": 3,
        "model_calls": 4,
    }


BASE = {
    "grounding_rate": 0.62,
    "hallucinated_numbers": 0,
    "schema_valid": 1.0,
    "attribution_accuracy": 0.9,
}


@pytest.mark.parametrize(
    ("current", "expected"),
    [
        (BASE, []),
        ({**BASE, "grounding_rate": 0.58}, []),
        ({**BASE, "grounding_rate": 0.57}, []),
        ({**BASE, "grounding_rate": 0.9, "attribution_accuracy": 1.0}, []),
        (
            {**BASE, "grounding_rate": 0.40},
            ["grounding_rate fell from 0.62 to 0.40 (tolerance 0.05)"],
        ),
        (
            {**BASE, "hallucinated_numbers": 1},
            ["hallucinated_numbers rose from 0 to 1 (tolerance 0)"],
        ),
        ({**BASE, "schema_valid": 0.95}, ["schema_valid fell from 1.00 to 0.95 (tolerance 0)"]),
        (
            {**BASE, "attribution_accuracy": 0.75},
            ["attribution_accuracy fell from 0.90 to 0.75 (tolerance 0.1)"],
        ),
        (
            {k: v for k, v in BASE.items() if k != "grounding_rate"},
            ["grounding_rate is missing from the current results (baseline 0.62)"],
        ),
        ({**BASE, "key_point_coverage": 0.1}, []),  # not in the baseline: nothing to compare
    ],
)
def test_regressions_respect_tolerances(current: dict[str, Any], expected: list[str]) -> None:
    assert metrics.regressions(BASE, current) == expected
