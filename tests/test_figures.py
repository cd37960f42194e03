"""Tests for service.figures: extracting figures bound to their nouns, and checking claims."""

import pytest

from service.figures import Figure, check_figures, extract_figures

ARTICLE = (
    "approximately 15,000 North Korean soldiers have been sent to Russia, with more than "
    "4,700 casualties reported, including about 600 deaths"
)
TREATY = "The treaty was signed on June 19, 2024 after an 85-minute call."


def summary(text: str) -> list[tuple[str, float | None, str, str | None, str | None]]:
    """(text, value, kind, unit, qualifier) of every figure in text."""
    return [(f.text, f.value, f.kind, f.unit, f.qualifier) for f in extract_figures(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            ARTICLE,
            [
                ("approximately 15,000", 15000.0, "count", "troops", "about"),
                ("more than 4,700", 4700.0, "count", "casualties", "more than"),
                ("about 600", 600.0, "count", "deaths", "about"),
            ],
        ),
        ("15000 troops", [("15000", 15000.0, "count", "troops", None)]),
        ("fifteen thousand troops", [("fifteen thousand", 15000.0, "count", "troops", None)]),
        ("Four people were hurt", [("Four", 4.0, "count", "people", None)]),
        ("Four people died", [("Four", 4.0, "count", "deaths", None)]),  # people who died: deaths
        ("a hundred and five children", [("a hundred and five", 105.0, "count", "children", None)]),
        ("1 soldier was hurt", [("1", 1.0, "count", "troops", None)]),
        ("$8.5 billion in aid", [("$8.5 billion", 8.5e9, "money", "usd", None)]),
        ("over 8.5 billion dollars", [("over 8.5 billion", 8.5e9, "money", "usd", "more than")]),
        (
            "US$3bn and €2m",
            [("US$3bn", 3e9, "money", "usd", None), ("€2m", 2e6, "money", "eur", None)],
        ),
        (
            "up 30% to 40 percent",
            [
                ("30%", 30.0, "percent", "percent", None),
                ("40 percent", 40.0, "percent", "percent", None),
            ],
        ),
        (
            "nearly thirty per cent",
            [("nearly thirty per cent", 30.0, "percent", "percent", "about")],
        ),
        ("a third of them", [("a third", pytest.approx(1 / 3), "fraction", None, None)]),
        (
            "roughly two-thirds",
            [("roughly two-thirds", pytest.approx(2 / 3), "fraction", None, "about")],
        ),
        ("half the town", [("half", 0.5, "fraction", None, None)]),
        ("the third round", [("third", 3.0, "ordinal", "rounds", None)]),
        ("the 21st century", [("21st", 21.0, "ordinal", "centuries", None)]),
        ("an 85-minute call", [("85", 85.0, "duration", "minutes", None)]),
        ("for three hours", [("three", 3.0, "duration", "hours", None)]),
        ("signed on June 19, 2024", [("June 19, 2024", None, "date", "2024-06-19", None)]),
        ("from 19 June 2024", [("19 June 2024", None, "date", "2024-06-19", None)]),
        ("in June 2024", [("June 2024", None, "date", "2024-06", None)]),
        ("on 2024-06-19", [("2024-06-19", None, "date", "2024-06-19", None)]),
        ("on Sept. 3", [("Sept. 3", None, "date", "--09-03", None)]),
        ("in 2024", [("2024", 2024.0, "year", "2024", None)]),
        ("the 2024 election", [("2024", 2024.0, "year", "2024", None)]),
        ("in 2024 troops left", [("2024", 2024.0, "year", "2024", None)]),
        ("2000 troops", [("2000", 2000.0, "count", "troops", None)]),
        ("at least 12 fatalities", [("at least 12", 12.0, "count", "deaths", "at least")]),
        ("fewer than 40 dead", [("fewer than 40", 40.0, "count", "deaths", "less than")]),
        ("as many as 9 kids", [("as many as 9", 9.0, "count", "children", "up to")]),
        ("COVID-19 spread and F-16 jets, the A320 and G7", []),
        ("One official said no one knew", []),
        ("at 10:30 on a 3D screen", []),
    ],
)
def test_extract_figures(
    text: str, expected: list[tuple[str, float | None, str, str | None, str | None]]
) -> None:
    assert summary(text) == expected


@pytest.mark.parametrize("text", [ARTICLE, TREATY, "US$3bn, nearly thirty per cent, a third"])
def test_offsets_point_at_text(text: str) -> None:
    figures = extract_figures(text)
    assert figures
    assert all(text[f.start : f.end] == f.text for f in figures)


def test_figure_is_frozen() -> None:
    figure = extract_figures("4 troops")[0]
    with pytest.raises(AttributeError):
        figure.value = 5.0  # type: ignore[misc]
    assert figure == Figure("4", 4.0, "count", "troops", None, 0, 1)


@pytest.mark.parametrize(
    ("claim", "evidence", "expected"),
    [
        # Figures swapped between two nouns.
        (
            "600 casualties, including 4,700 deaths",
            ARTICLE,
            [
                "article: about 600 deaths; claim: 600 casualties",
                "article: more than 4,700 casualties; claim: 4,700 deaths",
            ],
        ),
        # The true version, with qualifiers kept or dropped.
        ("about 15,000 troops; over 4,700 casualties, about 600 deaths", ARTICLE, []),
        ("15,000 soldiers and 4,700 casualties including 600 deaths", ARTICLE, []),
        # Right figure, wrong unit.
        ("600 soldiers were wounded", ARTICLE, ["article: about 600 deaths; claim: 600 troops"]),
        ("600 soldiers were killed", ARTICLE, []),  # the article's 600 deaths
        ("30 percent of voters", "30 voters came", ["figure 30 percent not in the evidence"]),
        # Word number against digits, both ways.
        ("fifteen thousand North Korean troops", ARTICLE, []),
        ("15,000 troops", "fifteen thousand soldiers", []),
        ("15000 troops", ARTICLE, []),
        # A figure the evidence lacks, with and without a same-noun figure to point at.
        ("15,500 troops", ARTICLE, ["article: approximately 15,000 troops; claim: 15,500 troops"]),
        ("7 tanks", ARTICLE, ["figure 7 tanks not in the evidence"]),
        # Qualifiers: dropping is fine, changing is not.
        (
            "more than 600 deaths",
            ARTICLE,
            ["article: about 600 deaths; claim: more than 600 deaths"],
        ),
        ("at least 4,700 casualties", ARTICLE, []),
        ("about 600 deaths", "600 deaths", []),
        (
            "fewer than 4,700 casualties",
            ARTICLE,
            ["article: more than 4,700 casualties; claim: fewer than 4,700 casualties"],
        ),
        # Dates and years.
        ("signed in June 2025", TREATY, ["article: June 19, 2024; claim: June 2025"]),
        ("signed in June 2024", TREATY, []),
        ("signed on 19 June 2024", TREATY, []),
        ("signed in 2024", TREATY, []),
        ("signed in 2025", TREATY, ["article: June 19, 2024; claim: 2025"]),
        ("signed on June 20, 2024", TREATY, ["article: June 19, 2024; claim: June 20, 2024"]),
        (
            "signed on June 19, 2024",
            "signed in June 2024",
            ["article: June 2024; claim: June 19, 2024"],
        ),
        ("signed in 2024", "no dates here", ["date 2024 not in the evidence"]),
        # a year after "mid-", "early-", "late-" is a year too
        ("done in mid-2028", "done by mid-2026", ["article: 2026; claim: 2028"]),
        ("done by mid-2026", "done by mid-2026", []),
        ("done in late-2026", "done by mid-2026", []),
        # Durations, money, fractions.
        ("an 85-minute call", TREATY, []),
        ("a 90-minute call", TREATY, ["article: 85 minutes; claim: 90 minutes"]),
        ("$8.5 billion in aid", "aid worth 8.5 billion dollars", []),
        (
            "$9 billion in aid",
            "aid worth $8.5 billion",
            ["article: $8.5 billion; claim: $9 billion"],
        ),
        ("aid of 8.5 billion", "aid worth $8.5 billion", []),
        ("a third of the budget", "one-third of the budget", []),
        ("half of the budget", "one-third of the budget", ["figure half not in the evidence"]),
        # No figures, nothing to check.
        ("The talks went well.", ARTICLE, []),
    ],
)
def test_check_figures(claim: str, evidence: str, expected: list[str]) -> None:
    assert check_figures(claim, evidence) == expected


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("15 000 people fled", 15000.0),
        ("15\u00a0000 people fled", 15000.0),
        ("1\u202f234\u202f567 votes", 1234567.0),
        ("1.234,5 tonnes of grain", 1234.5),
        ("15 000,5 tonnes of grain", 15000.5),
        ("4,700.5 tonnes of grain", 4700.5),
        ("In 2019 300 people came", 2019.0),  # a year, then a count: not one number
    ],
)
def test_numbers_grouped_the_european_way(text: str, value: float) -> None:
    figure = extract_figures(text)[0]
    assert figure.value == value
    assert text[figure.start : figure.end] == figure.text


def test_a_claims_figure_matches_its_space_grouped_evidence() -> None:
    assert check_figures("15,000 people fled the city", "about 15 000 people fled the city") == []
    assert check_figures("1,234.5 tonnes", "1.234,5 tonnes were shipped") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the counted noun stops at a verb, a preposition or a direction word
        ("a magnitude 5.1 earthquake struck near Keldrow", [("5.1", 5.1, "count", "earthquakes")]),
        ("about 12 km north of the town", [("about 12", 12.0, "count", "kilometres")]),
        ("about 12 kilometres north of the town", [("about 12", 12.0, "count", "kilometres")]),
        ("a 5.1-magnitude earthquake hit", [("5.1", 5.1, "count", "earthquakes")]),
        ("an 8.5 billion dollar infrastructure program", [("8.5 billion", 8.5e9, "money", "usd")]),
        # the forms numbers take
        ("4.7k casualties", [("4.7k", 4700.0, "count", "casualties")]),
        ("15K troops", [("15K", 15000.0, "count", "troops")]),
        ("½ of the budget", [("½", 0.5, "count", None)]),
        ("2½ hours", [("2½", 2.5, "duration", "hours")]),
        ("a low of −15 degrees", [("−15", -15.0, "count", "degrees")]),
        ("a low of -15 degrees", [("-15", -15.0, "count", "degrees")]),
        ("15 000 troops", [("15 000", 15000.0, "count", "troops")]),
        ("15\u2009000 troops", [("15\u2009000", 15000.0, "count", "troops")]),
        ("rose 3 pct", [("3 pct", 3.0, "percent", "percent")]),
        # a closing quotation mark is not a possessive of the noun before it
        (
            "create 'more than 40,000 jobs' over the life of the program",
            [("more than 40,000", 40000.0, "count", "jobs")],
        ),
        ("the workers' 12 unions", [("12", 12.0, "count", "unions")]),
        # a rate is part of the unit
        ("about 30 tonnes of silt per hour", [("about 30", 30.0, "count", "tonnes/hours")]),
        ("$2.5 million a year", [("$2.5 million", 2.5e6, "money", "usd/years")]),
        ("30 tonnes a barge", [("30", 30.0, "count", "tonnes")]),
        # people said to have died are counted as deaths
        ("about 90 workers trapped in the mine have died", [("about 90", 90.0, "count", "deaths")]),
        (
            "about 90 workers trapped in the mine were rescued",
            [("about 90", 90.0, "count", "people")],
        ),
    ],
)
def test_figure_forms_and_units(
    text: str, expected: list[tuple[str, float | None, str, str | None]]
) -> None:
    assert [(f.text, f.value, f.kind, f.unit) for f in extract_figures(text)] == expected


@pytest.mark.parametrize(
    ("claim", "evidence"),
    [
        (
            "Keldrow was hit by a magnitude 5.1 earthquake.",
            "A magnitude 5.1 earthquake struck near Keldrow.",
        ),
        (
            "A 5.1-magnitude earthquake struck near Keldrow.",
            "A magnitude 5.1 earthquake struck near Keldrow.",
        ),
        (
            "The quake was centred about 12 km north of Keldrow.",
            "centred about 12 kilometres north of the town",
        ),
        ("an 8.5 billion dollar infrastructure program", "an $8.5 billion, five-year program"),
        ("about 15 000 soldiers", "approximately 15,000 North Korean soldiers"),
        ("4.7k casualties", "more than 4,700 casualties"),
        ("pumps move 30 tonnes", "pumps move 30 tonnes per hour"),  # the rate left out
    ],
)
def test_paraphrased_figures_pass(claim: str, evidence: str) -> None:
    assert check_figures(claim, evidence) == []


@pytest.mark.parametrize(
    ("claim", "evidence"),
    [
        ("pumps move 30 tonnes per minute", "pumps move 30 tonnes per hour"),
        ("it will cost $2.5 million a month", "at a cost of $2.5 million a year"),
    ],
)
def test_a_changed_rate_is_caught(claim: str, evidence: str) -> None:
    assert check_figures(claim, evidence)
