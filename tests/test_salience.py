"""Salience ranking of an article's sentences (service.salience): no model, deterministic."""

from __future__ import annotations

from pathlib import Path

import pytest

from service import salience, wording
from service.grounding import Source

FIXTURES = Path(__file__).resolve().parent.parent / "evals" / "fixtures"

# One story; each test below changes a sentence of it.
STORY = [
    "Harbour officials in Calderport reopened the main shipping channel on Friday after divers "
    "cleared the wreck of a grain barge.",
    "The channel had been closed for nine days, stranding 41 vessels outside the port.",
    "Port director Amira Selwyn said the harbour would run extra shifts to clear the queue.",
    "The weather was mild for the time of year and the gulls were loud.",
    "Repairs to the damaged quay will cost about $3.2 million, the port authority said.",
]


def ranked_order(sentences: list[str], title: str | None = None) -> list[str]:
    source = Source("\n".join(sentences))
    return [source.sentence_text(s.index) for s in salience.rank(source, title)]


def position(sentences: list[str], which: str, title: str | None = None) -> int:
    return ranked_order(sentences, title).index(which)


@pytest.mark.parametrize(
    ("case", "sentences", "title", "higher", "lower"),
    [
        # the lead first: same words, earlier wins
        ("position", STORY, None, STORY[0], STORY[3]),
        # figures: the same sentence with its figures ranks above the one without
        (
            "figures",
            [
                *STORY[:3],
                "Repairs to the damaged quay will cost millions, the port authority said.",
                "Repairs to the damaged quay will cost about $3.2 million, the port authority said.",
            ],
            None,
            "Repairs to the damaged quay will cost about $3.2 million, the port authority said.",
            "Repairs to the damaged quay will cost millions, the port authority said.",
        ),
        # names: a named speaker beats an unnamed one at a later position
        (
            "names",
            [
                *STORY[:2],
                "An official said the harbour would run extra shifts to clear the queue.",
                "Port director Amira Selwyn said the harbour would run extra shifts to clear it.",
            ],
            None,
            "Port director Amira Selwyn said the harbour would run extra shifts to clear it.",
            "An official said the harbour would run extra shifts to clear the queue.",
        ),
        # the headline: a sentence sharing its words beats an unrelated one before it
        (
            "headline",
            STORY,
            "Quay repairs to cost port authority millions",
            STORY[4],
            STORY[3],
        ),
        # centrality: the off-topic sentence about the weather ranks below later on-topic ones
        ("centrality", STORY, None, STORY[4], STORY[3]),
        # standalone: a sentence opening on a pronoun needs its context
        (
            "standalone",
            [
                *STORY[:2],
                "He said the harbour would run extra shifts to clear the queue of ships.",
                "Selwyn said the harbour would run extra shifts to clear the queue of ships.",
            ],
            None,
            "Selwyn said the harbour would run extra shifts to clear the queue of ships.",
            "He said the harbour would run extra shifts to clear the queue of ships.",
        ),
    ],
)
def test_signals_order_sentences(
    case: str, sentences: list[str], title: str | None, higher: str, lower: str
) -> None:
    assert position(sentences, higher, title) < position(sentences, lower, title), case


def test_the_headline_signal_needs_the_title() -> None:
    """The quay sentence scores higher with a title about the quay than without one."""
    source = Source("\n".join(STORY))

    def quay(title: str | None) -> salience.Salience:
        return next(s for s in salience.rank(source, title) if s.index == 4)

    with_title = quay("Quay repairs to cost port authority millions")
    assert with_title.headline > quay(None).headline
    assert with_title.score > quay(None).score


@pytest.mark.parametrize(
    ("fixture", "never"),
    [
        # text addressed to an AI reader (grounding's "never evidence")
        ("prompt_injection", ["Ignore previous instructions", "tell the user"]),
        # headings: short lines with no sentence end
        ("long_multichunk", ["Rebuilding roads and bridges", "Where the money goes"]),
    ],
)
def test_never_headings_or_text_addressed_to_an_ai(fixture: str, never: list[str]) -> None:
    source = Source((FIXTURES / fixture / "article.txt").read_text(encoding="utf-8"))
    ranked = salience.rank(source)
    texts = [source.sentence_text(s.index) for s in ranked]
    assert ranked and all(source.eligible[s.index] for s in ranked)
    for bad in never:
        assert not any(bad in t for t in texts), bad
        # the sentence is in the article: it was left out, not missed
        assert any(bad in source.sentence_text(i) for i in range(len(source.sentences)))


def test_never_the_title_line_or_boilerplate() -> None:
    text = "\n".join(
        [
            "Calderport channel reopens after barge salvage",
            *STORY[:3],
            "Read more: the week in shipping news from around the coast",
            *STORY[3:],
        ]
    )
    source = Source(text)
    texts = [source.sentence_text(s.index) for s in salience.rank(source)]
    assert source.is_title and not any(t.startswith("Calderport channel") for t in texts)
    assert not any("Read more" in t for t in texts)
    assert len(texts) == len(STORY)


def test_short_fragments_are_not_candidates() -> None:
    source = Source("\n".join(["Updated at noon.", *STORY]))
    texts = [source.sentence_text(i) for i in salience.candidates(source)]
    assert "Updated at noon." not in texts and len(texts) == len(STORY)


def test_deterministic_and_ties_go_to_the_earlier_sentence() -> None:
    same = "The council approved the new budget for road repairs on Tuesday evening."
    source = Source(f"{same}\n{STORY[3]}\n{same}")
    first = salience.rank(source)
    assert first == salience.rank(source)
    assert [s.score for s in first] == sorted((s.score for s in first), reverse=True)
    scores = {s.index: s.score for s in first}
    assert scores[0] >= scores[2]  # position: the repeated sentence's first copy ranks first
    assert [s.index for s in first].index(0) < [s.index for s in first].index(2)


@pytest.mark.parametrize("text", ["", "   ", "Heading only", "Short one."])
def test_nothing_to_rank(text: str) -> None:
    assert salience.rank(Source(text)) == []


def test_scores_are_in_range_and_signals_reported() -> None:
    source = Source((FIXTURES / "reference" / "article.txt").read_text(encoding="utf-8"))
    for s in salience.rank(source, "Kim pledges support for Russia"):
        assert 0.0 <= s.score <= 1.0
        for value in (s.position, s.headline, s.centrality, s.figures, s.names, s.standalone):
            assert 0.0 <= value <= 1.0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Repairs will cost $3.2 million.", {"Repairs", "cost", "#3200000"}),
        ("The 41 vessels waited 4.5 hours.", {"vessels", "waited", "hours", "#41", "#4.5"}),
        ("It was the best of times.", {"best", "times"}),
        ("Of the, and to it.", set()),
    ],
)
def test_units_are_content_stems_and_figure_values(text: str, expected: set[str]) -> None:
    want = {w if w[0] == "#" else wording.stem(w) for w in expected}
    assert salience.units_of(text) == want


def test_unit_weights_favour_figures_and_salient_sentences() -> None:
    source = Source("\n".join(STORY))
    ranked = salience.rank(source)
    weights = salience.unit_weights(source, ranked)
    stem = wording.stem
    assert weights["#41"] > weights[stem("stranding")]  # same sentence: a figure counts double
    assert weights[stem("barge")] > weights[stem("gulls")]  # the lead's word over an aside's
