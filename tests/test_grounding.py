"""Grounding: locating evidence and checking figures, entities and attribution against it."""

from __future__ import annotations

import pytest

from service.grounding import Source, check_statement, entities


@pytest.fixture(scope="module")
def source(reference_text: str) -> Source:
    return Source(reference_text)


@pytest.mark.parametrize(
    ("quote", "match"),
    [
        ("approximately 15,000 North Korean soldiers have been sent to Russia", "exact"),
        (
            'North Korea\'s Kim Jong-un vows "unconditional" support',
            "normalized",
        ),  # straight quotes
        ("APPROXIMATELY 15,000 NORTH KOREAN   SOLDIERS", "normalized"),
        ("the meeting marks Shoigus second visit to North Korea in less than 3 months", "fuzzy"),
        ("Kim Jong-un flew to Beijing to meet Xi Jinping on Friday", None),
        ("", None),
    ],
    ids=["exact", "curly-quotes", "case-and-space", "fuzzy", "missing", "empty"],
)
def test_locate(source: Source, quote: str, match: str | None) -> None:
    found = source.locate(quote)
    if match is None:
        assert found is None
        return
    assert found is not None and found.match == match
    span = source.text[found.start : found.end]
    assert span.strip() == span and len(span) >= len(quote) * 0.8


@pytest.mark.parametrize("place", ["İstanbul", "Kayseri"])
def test_normalized_quote_after_a_letter_that_lowers_to_two_lands_on_its_words(place: str) -> None:
    # "İ" lowers to "i̇" (two characters): positions after it must still map back exactly
    text = f"{place}’s mayor said the “bridge” opened on Monday.\n\n  The works  took  two years."
    source = Source(text)
    for quote, expected in [
        ('mayor said the "bridge" opened', "mayor said the “bridge” opened"),
        ("THE WORKS TOOK TWO YEARS", "The works  took  two years"),
    ]:
        found = source.locate(quote)
        assert found is not None and found.match == "normalized"
        assert text[found.start : found.end] == expected


CLAIMS = [
    # (claim, quote, attributed_to, supported, reason fragment)
    (
        "Approximately 15,000 North Korean soldiers have been sent to Russia.",
        "approximately 15,000 North Korean soldiers have been sent to Russia",
        "South Korea's National Intelligence Service",
        True,
        None,
    ),
    (
        "About 15,000 North Korean troops were sent to Russia.",
        "approximately 15,000 North Korean soldiers have been sent to Russia",
        "NIS",
        True,
        None,
    ),
    (
        "North Korean troops suffered more than 4,700 casualties, including about 600 deaths.",
        "with more than 4,700 casualties reported, including about 600 deaths",
        "National Intelligence Service",
        True,
        None,
    ),
    (
        "North Korean troops suffered 600 casualties, including 4,700 deaths.",
        "with more than 4,700 casualties reported, including about 600 deaths",
        "National Intelligence Service",
        False,
        "article:",
    ),
    (
        "Approximately 25,000 North Korean soldiers have been sent to Russia.",
        "approximately 15,000 North Korean soldiers have been sent to Russia",
        "National Intelligence Service",
        False,
        "25,000",
    ),
    (
        "Approximately 15,000 North Korean soldiers have been sent to Russia.",
        "approximately 15,000 North Korean soldiers have been sent to Russia",
        "Russia's defence ministry",
        False,
        "does not name that source",
    ),
    (
        "Approximately 15,000 North Korean soldiers have been sent to Russia.",
        "approximately 15,000 North Korean soldiers have been sent to Russia",
        None,
        False,
        "attributes this",
    ),
    (
        "Kim and Putin signed the mutual defense treaty in June 2025.",
        "a comprehensive mutual defense treaty signed by Kim and Russian President Vladimir Putin in June 2024",
        None,
        False,
        "2025",
    ),
    (
        "Kim and Putin signed the mutual defense treaty in June 2024.",
        "a comprehensive mutual defense treaty signed by Kim and Russian President Vladimir Putin in June 2024",
        None,
        True,
        None,
    ),
    (
        "Kim Jong-il met Sergei Shoigu in Pyongyang.",
        "came during Kim’s meeting with Sergei Shoigu, Russia’s Security Council Secretary, in Pyongyang",
        None,
        False,
        "Kim Jong-il",
    ),
    (
        "Trump and Putin held an 85-minute call.",
        "US President,Russian counterpart Putin hold 85-minute call",
        None,
        False,
        "boilerplate",
    ),
    (
        "Kim met Shoigu in Pyongyang. He also praised the treaty and the army.",
        "came during Kim’s meeting with Sergei Shoigu",
        None,
        False,
        "atomic",
    ),
]


@pytest.mark.parametrize(
    ("claim", "quote", "attributed_to", "supported", "reason"),
    CLAIMS,
    ids=[
        "true",
        "acronym-and-synonym",
        "true-figures",
        "swapped-figures",
        "invented-number",
        "misattributed",
        "attributed-as-fact",
        "wrong-year",
        "right-year",
        "wrong-person",
        "boilerplate",
        "not-atomic",
    ],
)
def test_check_claim(
    source: Source, claim: str, quote: str, attributed_to: str | None, supported: bool,
    reason: str | None,
) -> None:  # fmt: skip
    found = source.locate(quote)
    evidence = [found] if found else source.best_sentences(claim, limit=1)
    verdict = check_statement(source, claim, evidence, attributed_to)
    assert verdict.supported is supported, verdict.reasons
    if reason:
        assert any(reason in r for r in verdict.reasons), verdict.reasons


def test_summary_sentence_found_by_similarity(source: Source) -> None:
    sentence = "Shoigu's visit comes days before the first anniversary of the treaty signed on June 19, 2024."
    evidence = source.best_sentences(sentence)
    assert evidence and "first anniversary" in source.text[evidence[0].start : evidence[0].end]
    assert check_statement(source, sentence, evidence, check_attribution=False).supported


@pytest.mark.parametrize(
    ("text", "names"),
    [
        (
            "Kim Jong-un met Sergei Shoigu in Pyongyang.",
            ["Kim Jong-un", "Sergei Shoigu", "Pyongyang"],
        ),
        ("The treaty was signed by Putin.", ["Putin"]),
        (
            "South Korea's National Intelligence Service said so.",
            ["South Korea's National Intelligence Service"],
        ),
    ],
)
def test_entities(text: str, names: list[str]) -> None:
    assert entities(text) == names
