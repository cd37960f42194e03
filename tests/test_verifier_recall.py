"""True statements the verifier used to refuse, each beside a false one it must still catch.

Every row is written for an article of its own (MILL, below): phrases and spellings read as
one word, time prefixes, an aim and a headline's plan, items of one enumeration, a bare "the
department" as speaker, an enumeration spread over a paragraph, evidence ties, and figures of
two clauses swapped, a participle clause as planned as the act it follows, the sentence giving a date's
day over one giving only its month, two names joined by a possessive, a place's adjective
("North Korean leader") for the place, a summary's estimate kept an estimate, a source's plain
record passed on without its source, and a bare organisation noun for the body it names.
"""

from __future__ import annotations

from functools import cache

import pytest

from service import lexicon, wording
from service.grounding import Source, Verdict, check_statement

MILL = (
    "Tessfield Textiles to shut 120 looms at Corran mill\n"
    "Tessfield Textiles on Friday announced a $40 million, three-year programme to modernise "
    "its Corran mill with new looms, aimed at restoring the mill's profits.\n"
    "Of the programme's $40 million, $22 million goes to new looms, $11 million to dye-house repairs and "
    "$7 million to staff training. A further $3 million is set aside for a solar roof and a "
    "wastewater plant.\n"
    "Corran's Industry Department said it would inspect the mill in June.\n"
    "The department added that it would certify the new looms by 2027.\n"
    "Weaver Hana Brisk said the canteen had fed workers for free for forty years.\n"
    '"Solar-powered looms are our future," Brisk said.\n'
    "Orders from carpet makers have recovered to about 70 percent of where they were before "
    "the recession, but orders from upholsterers have recovered to only 40 percent.\n"
    "Roof panels come from the solar budget.\n"
    "The mill has applied for a state grant of $5 million.\n"
    "Tessfield said it would open a second mill at Dunmore, creating about 300 jobs.\n"
    "The Corran mill reopened its dye-house in March, creating 45 jobs.\n"
    "Tessfield signed a supply contract with Orlan Dyes in April 2024.\n"
    "Weavers marked the anniversary of the supply contract signed on April 12, 2024.\n"
    "Ada Kell reaffirmed Corran Valley's support for the mill.\n"
)


@cache
def mill() -> Source:
    return Source(MILL)


def sentence_verdict(text: str) -> Verdict:
    return check_statement(mill(), text, [], check_attribution=False)


def assert_verdict(verdict: Verdict, supported: bool, reason: str | None) -> None:
    """The verdict is the one expected, and a refusal gives the expected reason."""
    assert verdict.supported is supported, verdict.reasons
    if reason:
        assert any(reason in r for r in verdict.reasons), verdict.reasons


# (cause, summary sentence, supported, reason fragment)
ROWS = [
    # a phrase is read as its word: "without charge" is "for free"
    ("phrase", "Brisk said the canteen had fed workers without charge for forty years.", True, None),
    ("phrase", "Brisk said the canteen had charged workers for forty years.", False, "charged"),
    # "come back" is "recover", "pre-recession" is "before the recession"
    ("prefix", "Orders from carpet makers have come back to about 70 percent of their "
     "pre-recession level.", True, None),
    ("prefix", "Orders from carpet makers have come back to about 70 percent of their "
     "post-recession level.", False, None),
    # "aimed at restoring" is an aim, as "aiming to restore" is
    ("aim", "Tessfield Textiles unveiled a $40 million programme, aiming to restore the mill's "
     "profits.", True, None),
    ("aim", "Tessfield Textiles unveiled a $40 million programme that has restored the mill's "
     "profits.", False, "done"),
    # a headline's "X to shut" is a plan
    ("headline", "Tessfield Textiles plans to shut 120 looms.", True, None),
    ("headline", "Tessfield Textiles has shut 120 looms.", False, "done"),
    # items of one enumeration named together, with no figure of their own
    ("enumeration", "The programme includes new looms and staff training.", True, None),
    ("enumeration", "The programme puts $22 million into new looms and staff training.", False,
     "apart"),
    ("enumeration", "Orders from carpet makers and upholsterers have recovered to about 70 "
     "percent.", False, None),
    # "The department added" is Corran's Industry Department, named just before
    ("department", "Corran's Industry Department will certify the new looms by 2027.", True, None),
    ("department", "Tessfield Textiles will certify the new looms by 2027.", False, None),
    # an enumeration given over the sentences of a paragraph; an item it lacks is invented
    ("list", "Tessfield's $40 million programme includes new looms, dye-house repairs, staff "
     "training, a solar roof and a wastewater plant.", True, None),
    ("list", "Tessfield's $40 million programme includes new looms, dye-house repairs, a new "
     "canteen, a solar roof and a wastewater plant.", False, "canteen"),
    # figures of two clauses exchanged between the clauses of one sentence
    ("swap", "Orders from carpet makers have recovered to about 70 percent, while orders from "
     "upholsterers have recovered to only 40 percent.", True, None),
    ("swap", "Orders from carpet makers have recovered to only 40 percent, while orders from "
     "upholsterers have recovered to about 70 percent.", False, "swaps"),
    # one of a set of words that exclude each other, exchanged for another
    ("exclusive", "The mill has applied for a state grant of $5 million.", True, None),
    ("exclusive", "The mill has applied for a federal grant of $5 million.", False,
     "where the article says 'state'"),
    # ", creating ..." after "said it would open" is as planned as the opening
    ("participle", "Tessfield plans to create about 300 jobs at Dunmore.", True, None),
    ("participle", "Tessfield has created about 300 jobs at Dunmore.", False, "done"),
    # ... and after a done act, done
    ("participle", "The Corran dye-house reopening created 45 jobs in March.", True, None),
    ("participle", "The Corran mill plans to create 45 jobs.", False, "planned"),
    # of two sentences with the same words, the one giving the day ("April 12, 2024") binds
    ("date", "The supply contract was signed on April 12, 2024.", True, None),
    ("date", "The supply contract was signed on April 14, 2024.", False, "April"),
    ("date", "Tessfield signed a supply contract in April 2024.", True, None),
    # a possessive joins two names, each named by the evidence: Tessfield, and Oren Vail
    ("possessive", "Corran Valley's Ada Kell reaffirmed Corran Valley's support for the mill.",
     True, None),
    ("possessive", "Dunmore Valley's Ada Kell reaffirmed Corran Valley's support for the mill.",
     False, "Dunmore"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("cause", "text", "supported", "reason"), ROWS, ids=[f"{r[0]}-{i}" for i, r in enumerate(ROWS)]
)
def test_true_accepted_and_false_caught(
    cause: str, text: str, supported: bool, reason: str | None
) -> None:
    verdict = sentence_verdict(text)
    assert verdict.supported is supported, (cause, verdict.reasons)
    if reason:
        assert any(reason in r for r in verdict.reasons), verdict.reasons


HARBOUR = (
    "Harbour board backs dredging\n"
    "The Kell harbour board approved the dredging plan on Monday, the port authority said.\n"
    "Fishers who oppose the dredging plan the Kell harbour board approved met on Tuesday.\n"
)


@pytest.mark.parametrize(
    ("credited", "supported"), [("the port authority", True), ("the coast guard", False)]
)
def test_a_sentence_naming_the_credited_source_beats_the_quote_on_a_tie(
    credited: str, supported: bool
) -> None:
    # the model quoted the fishers' sentence, which holds the same words as the report
    source = Source(HARBOUR)
    quote = source.locate("Fishers who oppose the dredging plan the Kell harbour board approved")
    assert quote is not None
    text = "The Kell harbour board approved the dredging plan"
    verdict = check_statement(source, text, [quote], credited)
    assert verdict.supported is supported, verdict.reasons
    if supported:
        assert [source.text[e.start : e.end] for e in verdict.evidence] == [
            "The Kell harbour board approved the dredging plan on Monday, the port authority said."
        ]


@pytest.mark.parametrize("text", ["The plan includes solar.", "The plan covers solar power."])
def test_evidence_is_the_word_itself_in_the_first_sentence_saying_it(text: str) -> None:
    # "Solar-powered" only begins with the word, and "the solar budget" refers back to it
    verdict = sentence_verdict(text)
    source = mill()
    quotes = [source.text[e.start : e.end] for e in verdict.evidence]
    assert quotes == ["A further $3 million is set aside for a solar roof and a wastewater plant."]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("allocated", "committing"),  # money given to something
        ("defences", "defenses"),  # British and American spelling
        ("organisation", "organization"),
        ("kilometres", "kilometers"),
        ("rebuilt", "rebuilding"),  # irregular past
        ("shown", "shows"),
        ("war", "conflict"),
        ("countries", "nations"),
    ],
)
def test_one_word_for_the_checks(a: str, b: str) -> None:
    assert wording.related(wording.stem(a), wording.stem(b))


ANTONYMS = [
    ("rise", "fall"), ("increase", "decrease"), ("raise", "cut"), ("approve", "reject"),
    ("support", "oppose"), ("win", "lose"), ("open", "close"), ("begin", "end"),
    ("hire", "layoff"), ("free", "charge"), ("before", "after"), ("accept", "refuse"),
    ("expand", "shrink"), ("allow", "ban"), ("strong", "weak"), ("profit", "loss"),
    ("buy", "sell"), ("arrest", "release"), ("rapid", "slow"), ("large", "small"),
]  # fmt: skip


@pytest.mark.parametrize(("a", "b"), ANTONYMS)
def test_no_synonym_group_holds_opposites(a: str, b: str) -> None:
    assert not wording.related(wording.stem(a), wording.stem(b))
    assert not any(
        wording.stem(a) in group and wording.stem(b) in group
        for group in ({wording.stem(w) for w in g.split()} for g in lexicon.SYNONYM_GROUPS)
    )


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("She used it free of charge.", ["She", "used", "it", "free"]),
        ("Sales came back, as well as profits.", ["Sales", "recover", ",", "and", "profits"]),
        ("They set aside $5 million.", ["They", "allocate", "5", "million"]),
    ],
)
def test_a_phrase_is_one_token_spanning_it(text: str, words: list[str]) -> None:
    toks = wording.tokens(text)
    assert [t.text for t in toks if t.text != "."] == words
    phrase = next(t for t in toks if t.text in {"free", "recover", "allocate"})
    assert " " in text[phrase.start : phrase.end]  # the whole phrase, for its offsets
    assert (
        wording.stems_of(text)[: len(words)]
        == [t.stem for t in toks if t.text[0].isalnum() and t.text != "."][: len(words)]
    )


@pytest.mark.parametrize(
    ("word", "evidence", "found"),
    [
        ("federal", "a state grant it has applied for", "state"),
        ("north", "the south channel", "south"),
        ("compulsory", "the buyout is voluntary", "voluntary"),
        ("local", "municipal inspectors", None),  # near-synonyms do not exclude each other
        ("annual", "a yearly fee", None),
        ("evening", "on Tuesday night", None),
        ("federal", "the federal and state governments", "state"),  # asked only when it is missing
    ],
)
def test_rival_words(word: str, evidence: str, found: str | None) -> None:
    token = wording.tokens(word)[0]
    assert wording.rival(token, evidence) == found


ENVOYS = (
    "North Kessia backs the Corran mill\n"
    "Idris Vane reaffirmed North Kessia's full support for the Corran mill.\n"
    "Julia said the mill would reopen in May.\n"
    "Russia's envoy and Portan officials inspected the looms.\n"
)


@pytest.mark.parametrize(
    ("text", "supported", "reason"),
    [
        # a place's adjective before a title or a noun names the place the evidence names, and
        # it describes the name after it (no roles reversed though the evidence names it after)
        (
            "North Kessian leader Idris Vane reaffirmed full support for the Corran mill.",
            True,
            None,
        ),
        ("Russian officials inspected the looms.", True, None),
        # ... only that place, in the sentence that says it
        ("Lorian leader Idris Vane reaffirmed full support for the Corran mill.", False, "Lorian"),
        ("Kessian officials inspected the looms.", False, "Kessian"),
        # a name ending like an adjective, before a verb, is a name: Julian is not Julia
        ("Julian said the mill would reopen in May.", False, "Julian"),
    ],
)
def test_a_place_adjective_names_its_place(text: str, supported: bool, reason: str | None) -> None:
    assert_verdict(
        check_statement(Source(ENVOYS), text, [], check_attribution=False), supported, reason
    )


BUDGET = (
    "Mill budget widens deficit\n"
    "The Finance Ministry projected that the budget deficit would widen to 3.1 percent of "
    "output next year.\n"
    "Weaver Hana Brisk said the canteen would close in June.\n"
)


@pytest.mark.parametrize(
    ("text", "claim", "supported", "reason"),
    [
        # a summary that keeps a projection a projection states no fact, though it drops who
        # projected it; a claim must still say who (attributed_to null drops the ministry)
        ("The budget deficit is projected to widen to 3.1 percent of output next year.",
         False, True, None),
        ("The budget deficit is projected to widen to 3.1 percent of output next year.",
         True, False, "states it as fact"),
        # stated as fact, with no estimate word, a summary sentence is still refused
        ("The budget deficit will widen to 3.1 percent of output next year.",
         False, False, "states it as fact"),
        # what someone said will happen, kept as expected, is not stated as fact; "will" is
        ("The canteen is expected to close in June.", False, True, None),
        ("The canteen will close in June.", False, False, "states it as fact"),
    ],
)  # fmt: skip
def test_a_summary_keeps_an_estimate_an_estimate(
    text: str, claim: bool, supported: bool, reason: str | None
) -> None:
    assert_verdict(
        check_statement(Source(BUDGET), text, [], check_attribution=claim), supported, reason
    )


HEDGED = (
    "Mill reportedly sold\n"
    "Tessfield reportedly sold the Corran mill for $12 million.\n"
    "Finance Minister Ona Reyes said the sale was welcome.\n"
    "The ministry projected that the mill would reopen in 2027.\n"
)


@pytest.mark.parametrize(
    ("text", "attributed_to", "claim", "supported", "reason"),
    [
        # the article's own "reportedly" keeps the sale a report, whoever is its subject
        ("Tessfield sold the Corran mill for $12 million.", None, False, False, "only as reported"),
        ("Tessfield reportedly sold the Corran mill for $12 million.", None, False, True, None),
        # unnamed reports for the article's "reportedly" are its source, said so
        ("Reports indicate Tessfield sold the Corran mill for $12 million.", None, False, True,
         None),
        ("Reports indicate Ona Reyes welcomed the sale.", None, False, False, "Reports"),
        # "the ministry" of a sentence is not its minister, named just before
        ("The ministry projected that the mill would reopen in 2027.", "Finance Minister Ona Reyes",
         True, False, "does not name that source"),
        ("The ministry projected that the mill would reopen in 2027.", "the ministry", True, True,
         None),
    ],
)  # fmt: skip
def test_a_report_stays_a_report_and_a_ministry_is_not_its_minister(
    text: str, attributed_to: str | None, claim: bool, supported: bool, reason: str | None
) -> None:
    assert_verdict(
        check_statement(Source(HEDGED), text, [], attributed_to, check_attribution=claim),
        supported,
        reason,
    )


PORT = (
    "Harrow port strike ends after two days\n"
    "HARROW — Dock workers at the port of Harrow ended a two-day strike on Friday, the Harrow "
    "Port Authority said.\n"
    "Twelve ships were delayed during the strike, the authority said.\n"
    "Union leader Mara Quist said the new contract would raise pay by 4 percent.\n"
    "Economist Ivo Dane said the strike cost the port about $3 million. The authority disputed "
    "the $3 million figure.\n"
    '"The strike showed that 300 workers can stop a port," Quist said.\n'
    "Talmor Freight said its cargo volume rose 6 percent in the quarter. The company is due to "
    "report results in May.\n"
    "Selvia's Finance Ministry said it had paid $2 million for new cranes.\n"
    "According to the Harrow Shipping Institute, 9,000 containers were held up.\n"
    "Port director Anna Voss said 3,000 containers were held up on Saturday.\n"
    "Kim Jong-un reaffirmed North Korea's support for the dock workers.\n"
)


@pytest.mark.parametrize(
    ("text", "claim", "supported", "reason"),
    [
        # a summary may pass on a source's plain record (a count, said plainly) without it
        ("Twelve ships were delayed during the strike.", False, True, None),
        ("3,000 containers were held up on Saturday.", False, True, None),
        # a claim must still say who (attributed_to), and "the article states" names the wrong one
        ("Twelve ships were delayed during the strike.", True, False, "states it as fact"),
        ("The article states that twelve ships were delayed during the strike.", False, False,
         "states it as fact"),
        # an estimate, a figure another source disputes, a quoted view: each keeps its source
        ("The new contract will raise pay by 4 percent.", False, False, "states it as fact"),
        ("The strike cost the port about $3 million.", False, False, "states it as fact"),
        ("300 workers can stop a port.", False, False, "states it as fact"),
        # unnamed reports may stand for an institute's report, never for a person's words
        ("Reports indicate 9,000 containers were held up.", False, True, None),
        ("Reports indicate 3,000 containers were held up on Saturday.", False, False, "Reports"),
        # "the company" for the company the sentence names, "the government" for its ministry
        ("The company is due to report results in May.", False, True, None),
        ("The government paid $2 million for new cranes.", True, True, None),
        ("The company paid $2 million for new cranes.", False, False, "company"),
        ("The council is due to report results in May.", False, False, "council"),
        # "North Korea" inside "North Korean leader" is no second name to swap roles with
        ("North Korean leader Kim Jong-un reaffirmed North Korea's support for the dock workers.",
         False, True, None),
        ("North Korea reaffirmed Kim Jong-un's support for the dock workers.", False, False,
         "roles"),
    ],
)  # fmt: skip
def test_a_plain_record_may_drop_its_source_and_a_body_its_name(
    text: str, claim: bool, supported: bool, reason: str | None
) -> None:
    assert_verdict(
        check_statement(Source(PORT), text, [], check_attribution=claim), supported, reason
    )
