"""Words of a statement compared with words of its evidence: stems, synonyms, verbs, clauses,
negation and modality.

The checks here are lexical and deterministic. A word matches when its stem (inflection
stripped: "pledged", "pledges", "pledging" -> "pledg") or one of a few listed synonyms is in the
evidence. Negation and modality are read from the few words before a matched word, on both
sides: "did not maintain" against "has maintained", "has achieved" against "plans to achieve".
"""

from __future__ import annotations

import itertools
import re
from functools import lru_cache
from typing import NamedTuple

from service import lexicon


def _w(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Words that carry no claim of their own: function words, reporting glue, hedges and the
# aspect/tense auxiliaries (tense and modality are compared separately, see `polarity`).
FUNCTION_WORDS = _w(
    "the a an this that these those it its in on at by for of and but or as after before "
    "during with from to he she they we i his her their our there here when while since "
    "according meanwhile however also both some many most more less over under several "
    "is are was were be been being has have had having do does did will would shall should "
    "can could may might must not no nor also just still already such other than then into "
    "onto upon amid among between within without across through per via which who whom whose "
    "what where why how all any each every very so too only even further its it's itself "
    "said says say saying told tells tell stated states state added adds noted notes "
    "reportedly reported reports report including includes include included "
    "article story text according new about around nearly approximately roughly some compared "
    "one two three four five six seven eight nine ten eleven twelve hundred thousand million "
    "billion trillion percent per cent us him them me you your yours mine"
)
# Modality cues: a statement and its evidence must agree on whether the act is done or only
# planned, expected, forecast or possible.
MODAL_CUES = _w(
    "will would shall could may might can should must plan plans planned planning aim aims "
    "aimed aiming intend intends intended seek seeks sought expect expects expected "
    "forecast forecasts projected projects project predicted predicts likely possible "
    "possibly potential potentially scheduled going "
    "hope hopes hoped want wants wanted considering consider considers intention intentions "
    "speculated speculates speculation"
)
NEGATION_CUES = _w(
    "not no never neither nor none nobody nothing n't cannot refused refuse refuses refusing "
    "declined decline declines denied deny denies failed fail fails without didn't doesn't "
    "don't won't wouldn't isn't aren't wasn't weren't hasn't haven't hadn't couldn't can't"
)
IRREGULAR = lexicon.IRREGULAR  # form -> base, for the verbs whose past is not "-ed"
# Common news verbs in their base form (a stand-in for a part-of-speech tagger: a statement
# needs a verb, and an unmatched verb is decisive).
VERBS = _w(
    "vow pledge promise say tell announce unveil present launch sign meet send deploy kill "
    "die injure hurt rise fall grow drop climb increase decrease reduce cut raise lower "
    "approve reject vote pass support oppose back criticize criticise warn urge call ask "
    "plan aim expect forecast project predict estimate report confirm deny acknowledge admit "
    "win lose lead hold make take give keep close open stay remain reopen shut resign quit "
    "hire fire lay invest spend fund pay cost buy sell purchase build rebuild repair destroy "
    "damage strike hit cause affect flood evacuate rescue reach exceed surpass expand shrink "
    "focus include cover require allow ban block stop start begin end finish complete "
    "create add become provide offer receive apply review propose introduce publish release "
    "triple double halve join leave visit travel arrive agree sign accept refuse decline "
    "need want seek try fail succeed help protect defend attack invade occupy stand sit "
    "show find suggest indicate signal mark reflect highlight emphasize emphasise stress "
    "reaffirm affirm observe obey obligate formalize formalise discuss cover commemorate "
    "recognize recognise praise blame accuse charge sue fine arrest jail sentence convict "
    "elect appoint name nominate replace succeed remain continue move operate manage run "
    "employ employs face faces"
)
# Light verbs: their noun carries the event ("suffered 4,700 casualties"), so a paraphrase may
# add or drop one; missing from the evidence, they count as ordinary words, not as a verb.
LIGHT_VERBS = _w(
    "suffer suffered suffers sustain sustained incur incurred experience experienced "
    "see saw seen record recorded register registered get got take took taken make made "
    "give gave given do did hold held carry carried undergo underwent"
)


def decisive_verb(toks: tuple[Token, ...], i: int) -> bool:
    """A predicate whose absence from the evidence changes the claim: any verb but a light
    verb, and the word a form of "be" predicates ("the estimate was realistic")."""
    if i > 0 and toks[i - 1].text.lower() in _BE and not toks[i].capital:
        return True
    if toks[i].stem in _DURATIONS or toks[i].text.lower() in _ORDINAL_WORDS:
        # "weeks ahead" for "days ahead", "a month" for "a year", "second" for "first"
        return True
    return is_verb(toks, i) and toks[i].text.lower() not in LIGHT_VERBS


_SYNONYM_GROUPS = lexicon.SYNONYM_GROUPS


@lru_cache(maxsize=8192)
def stem(word: str) -> str:
    """Inflection stripped, lower case: pledged, pledges, pledging -> pledg; casualties ->
    casualty."""
    w = word.lower().replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    w = w.strip("'")
    if w in IRREGULAR:
        w = IRREGULAR[w]
    for suffix, keep in (("ies", "y"), ("ied", "y"), ("ing", ""), ("ed", ""), ("es", ""),
                         ("ly", ""), ("s", "")):  # fmt: skip
        if suffix == "ly" and len(w) <= 7:
            continue
        if w.endswith(suffix) and len(w) - len(suffix) >= 3 and not w.endswith(("ss", "us", "is")):
            w = w[: len(w) - len(suffix)] + keep
            break
    if len(w) > 4 and w[-1] == w[-2] and w[-1] not in "aeiouls":  # stopp -> stop
        w = w[:-1]
    if len(w) > 3 and w.endswith("e"):
        w = w[:-1]
    return _american(w)


def _american(s: str) -> str:
    """A stem in American spelling: "defenc" -> "defens", "centr" -> "center"."""
    if s in lexicon.SPELLING_STEMS:
        return lexicon.SPELLING_STEMS[s]
    for british, american in lexicon.SPELLING_ENDINGS:
        if s.endswith(british):
            return s[: -len(british)] + american
    if s.isascii():
        for british, american in lexicon.SPELLING_PARTS:
            if british in s:
                s = s.replace(british, american)
    return s


_SYNONYMS: dict[str, frozenset[str]] = {}
for _group in _SYNONYM_GROUPS:
    _stems = frozenset(stem(w) for w in _group.split())
    for _s in _stems:
        _SYNONYMS[_s] = _SYNONYMS.get(_s, frozenset()) | _stems
_VERB_STEMS = frozenset(stem(v) for v in VERBS) | frozenset(stem(v) for v in IRREGULAR.values())
_MODAL_STEMS = frozenset(stem(w) for w in MODAL_CUES)
_ORDINAL_WORDS = _w("first second third fourth fifth sixth seventh eighth ninth tenth")
_DURATIONS = frozenset(
    stem(w) for w in "second minute hour day week month year decade century".split()
)
_NEGATION = NEGATION_CUES
_TOKEN = re.compile(r"[A-Za-z0-9][\w'’-]*|[,;:()\"“”—–]")
_BREAK = frozenset(',;:()"“”—–')
_QUOTES = frozenset('"“”')
QUOTE_MARKS = _QUOTES


class Token(NamedTuple):
    """A word (or clause punctuation) with its stem, offsets and whether it is capitalized."""

    text: str
    stem: str
    start: int
    end: int
    capital: bool


_WORD = re.compile(r"[A-Za-z0-9][\w'’-]*")


def stems_of(text: str) -> list[str]:
    """The stems of text's words (what `tokens` gives, without the offsets)."""
    if lexicon.PHRASE.search(text):
        text = lexicon.PHRASE.sub(_phrase_word, text)
    return [stem(w) for w in _WORD.findall(text)]


def _phrase_word(m: re.Match[str]) -> str:
    return lexicon.PHRASE_WORDS[int(str(m.lastgroup)[1:])]


@lru_cache(maxsize=4096)
def tokens(text: str) -> tuple[Token, ...]:
    """Words (and clause punctuation) of text with their stems and offsets; a listed phrase
    ("free of charge") is one token, its word, spanning the phrase."""
    phrases = [(m.start(), m.end(), _phrase_word(m)) for m in lexicon.PHRASE.finditer(text)]
    out: list[Token] = []
    p = 0
    for m in _TOKEN.finditer(text):
        t = m.group(0)
        while p < len(phrases) and phrases[p][1] <= m.start():
            p += 1
        if p < len(phrases) and phrases[p][0] <= m.start():
            start, end, word = phrases[p]
            if not out or out[-1].start != start:  # the phrase's first word stands for it
                out.append(Token(word, stem(word), start, end, t[0].isupper()))
            continue
        out.append(Token(t, stem(t) if t[0].isalnum() else t, m.start(), m.end(), t[0].isupper()))
    return tuple(out)


def is_content(token: Token) -> bool:
    """A word that makes a claim: not a function word, not a number (figures check those)."""
    return _is_content_text(token.text)


@lru_cache(maxsize=8192)
def _is_content_text(text: str) -> bool:
    low = text.lower().replace("’", "'")
    if not text[0].isalnum() or any(c.isdigit() for c in low):
        return False
    base = low[:-2] if low.endswith("'s") else low
    return len(base) > 2 and base not in FUNCTION_WORDS and base not in MODAL_CUES


_AUX = _w("has have had will would can could may might must did does do shall should")
_MODAL_WORDS = _w("will would can could may might must shall should")
_BE = _w("is are was were be been being am")
AUXILIARIES = _AUX
BE_FORMS = _BE
# Words ending in -ed or -ing that are nouns or prepositions.
_NOT_VERBS = _w(
    "evening evenings morning mornings building buildings meeting meetings funding housing "
    "spending ceiling ceilings warning warnings training hearing hearings briefing ruling "
    "rulings opening rating ratings setting settings shipping clothing wedding painting "
    "offering listing financing planning bombing bombings shooting landing crossing "
    "processing manufacturing mining lending borrowing parking feeling thing things during "
    "something nothing anything everything according hundred hundreds need needs speed "
    "seed feed shed"
)
_MODIFIER_BEFORE = _w(
    "a an the its their his her our of for after before with in on several many some more "
    "most other newly recently already further two three four include includes including "
    "involve involves involving"
)


def _after_auxiliary(toks: tuple[Token, ...], i: int) -> bool:
    """Whether toks[i] follows an auxiliary, modal or negation ("did not maintain", "will
    unconditionally support") or "to" after one ("plans to achieve", "refused to back")."""
    j = i - 1
    while j >= 0 and toks[j].text.lower().endswith("ly") and len(toks[j].text) > 4:
        j -= 1  # adverbs between
    if j < 0:
        return False
    prev = toks[j].text.lower().replace("’", "'")
    if prev in _AUX or prev in NEGATION_CUES or prev.endswith("n't") or prev in _MODAL_WORDS:
        return True
    if prev == "to" and j > 0:
        before = toks[j - 1]
        return (
            before.stem in _MODAL_STEMS
            or before.text.lower() in NEGATION_CUES
            or (before.stem in _TO_CUES and before.text.lower() != "due")  # not "due to costs"
            or _decided_before(toks, j)  # "voted 5-2 on Monday night to dredge"
        )
    return False


def is_verb(toks: tuple[Token, ...], i: int) -> bool:
    """Whether toks[i] reads as a verb: a listed news verb or a regular -ed/-ing form, unless
    a determiner or preposition before it makes it a modifier or noun ("after heated debate")."""
    token = toks[i]
    low = token.text.lower()
    if i > 0 and toks[i - 1].text.lower() in _MODIFIER_BEFORE:
        return False
    if _compound_noun(toks, i):
        return False
    if token.stem in _VERB_STEMS or low in IRREGULAR:
        return True
    if low in _NOT_VERBS or "-" in low:  # "war-damaged", "lower-than-expected": adjectives
        return False
    if not token.capital and not low.endswith("ly") and _after_auxiliary(toks, i):
        return True
    return len(low) > 5 and low.endswith(("ed", "ing")) and not token.capital


_DETERMINERS = _w("the a an its their his her our this that these those")


def _compound_noun(toks: tuple[Token, ...], i: int) -> bool:
    """Whether a listed verb in its base form is the head of a noun compound: "the fare
    increase is", "against the pay cut." (a determiner and a noun before it, and no object
    after it)."""
    low = toks[i].text.lower()
    if i < 2 or low not in VERBS or toks[i].capital:
        return False
    det, noun = toks[i - 2], toks[i - 1]
    if det.text.lower() not in _DETERMINERS or noun.capital or not _is_content_text(noun.text):
        return False
    if noun.stem in _VERB_STEMS or noun.text.lower() in IRREGULAR:
        return False
    after = toks[i + 1].text.lower() if i + 1 < len(toks) else ""
    return (
        not after
        or after in _BE
        or after in _AUX
        or after in _w('of for on in at to by from with and or but , ; : ) ” "')
    )


def has_verb(text: str) -> bool:
    """Whether a statement has a verb (or an auxiliary) at all: "rail upgrades" has none."""
    toks = tokens(text)
    return any(
        is_verb(toks, i) or t.text.lower() in _AUX or t.text.lower() in _BE
        for i, t in enumerate(toks)
        if t.text[0].isalnum()
    )


@lru_cache(maxsize=65536)
def related(a: str, b: str) -> bool:
    """Whether stems a and b are one word for these checks: equal, synonyms, or one a prefix of
    the other at five letters or more ("deploy", "deployment")."""
    if a == b or b in _SYNONYMS.get(a, ()):
        return True
    return len(a) >= 5 and len(b) >= 5 and (a.startswith(b) or b.startswith(a))


def same_word(a: str, stems: frozenset[str]) -> bool:
    """Whether stem a, or a synonym of it, is among stems (or shares a long prefix with one)."""
    if a in stems or not _SYNONYMS.get(a, frozenset()).isdisjoint(stems):
        return True
    if len(a) >= 5:
        return any(len(s) >= 5 and (s.startswith(a) or a.startswith(s)) for s in stems)
    return False


def subject_words(toks: tuple[Token, ...], start: int, end: int) -> set[int]:
    """Indices of the head and names of a clause's subject (the words before its first verb or
    modal), which must be in the clause's own sentence ("The central bank forecasts ...");
    its other modifiers count as ordinary words."""
    run: list[int] = []
    for k, t in enumerate(toks):
        if not start <= t.start < end or not t.text[0].isalpha():
            continue
        low = t.text.lower()
        if is_verb(toks, k) or t.stem in _MODAL_STEMS or low in _AUX or low in _BE:
            break
        if is_content(t):
            run.append(k)
    return {k for k in run if toks[k].capital} | set(run[-1:])


def clauses(text: str) -> list[tuple[int, int]]:
    """Spans of the main clauses of a statement: cut at ";" and at a comma or "while", "whereas",
    "but" that opens a new clause; a list ("roads, bridges and housing") stays whole."""
    cuts = [0]
    pattern = (
        r";\s*|,\s+(?=(?:while|whereas|but|and|with|including|saying|adding|citing|aimed|"
        r"as\s+well\s+as|along\s+with|together\s+with)\b)"
        r"|\s+(?=(?:while|whereas)\b)"
    )
    for m in re.finditer(pattern, text):
        cuts.append(m.end())
    cuts.append(len(text))
    spans = [(a, b) for a, b in itertools.pairwise(cuts) if text[a:b].strip()]
    return spans or [(0, len(text))]


LIST_ITEM_WORDS = 5  # an item of an enumeration has at most this many words (function words aside)


def list_tail(text: str, start: int, end: int) -> int | None:
    """Where the trailing enumeration of a clause starts, its second item on: "The plan
    includes rebuilding roads, housing assistance, flood defences and schools" -> the offset of
    "housing". At least two short items must follow the first comma, in lower case, with no
    verb or figure (a list of names or of clauses is not cut); the part before them must hold
    a verb. An article may give such a list over several sentences of a paragraph."""
    part = text[start:end].rstrip(" ,;.")
    commas = [m.start() for m in re.finditer(r",\s+", part)]
    if len(commas) < 2:
        return None
    items: list[int] = []  # starts of the trailing items, last first
    for k in range(len(commas) - 1, -1, -1):
        item_end = commas[k + 1] if k + 1 < len(commas) else len(part)
        item = part[commas[k] + 1 : item_end].strip(" .")
        toks = tokens(re.sub(r"^(?:and|or)\s+", "", item))
        words = [t for t in toks if t.text[0].isalnum()]
        if (
            not words
            or sum(t.text.lower() not in FUNCTION_WORDS for t in words) > LIST_ITEM_WORDS
            or any(t.capital or any(c.isdigit() for c in t.text) for t in words)
            or any(_finite(toks, j) for j, t in enumerate(toks) if t.text[0].isalpha())
        ):
            break
        items.append(commas[k] + 1)
    if len(items) < 2:
        return None
    head = tokens(part[: items[-1]])
    if not any(is_verb(head, j) for j, t in enumerate(head) if t.text[0].isalpha()):
        return None
    at = items[-1]
    return start + at + (len(part[at:]) - len(part[at:].lstrip()))


def past_form(word: str) -> bool:
    """Whether a word has the form of a past tense or participle: "rose", "remained"."""
    low = word.lower()
    return low.endswith("ed") or (low in IRREGULAR and IRREGULAR[low] != low)


def _finite(toks: tuple[Token, ...], j: int) -> bool:
    """Whether toks[j] of a short phrase is its predicate: an auxiliary or a past tense
    ("wages fell", "had risen"); a base form may be a noun ("dye-house repairs", "flood
    defences") and a gerund names an item ("rebuilding roads")."""
    low = toks[j].text.lower()
    if low in _AUX or low in _BE:
        return True
    return is_verb(toks, j) and past_form(low)


def _cued(toks: tuple[Token, ...], i: int, cues: frozenset[str], *, by_stem: bool) -> bool:
    """Whether the verb chain before toks[i] holds a cue: the auxiliaries, modals, negations,
    adverbs, "to" and verbs right before it ("will unconditionally support", "did not
    maintain", "plans to achieve", "could begin cutting"), up to five words; a noun, a
    determiner or clause punctuation ends the chain (quotation marks do not)."""
    steps = 0
    for j in range(i - 1, -1, -1):
        t = toks[j]
        if t.text in _QUOTES:
            continue
        if t.text in _BREAK or steps == 5:
            return False
        steps += 1
        low = t.text.lower().replace("’", "'")
        if t.text == "May" and j > 0:  # the month
            return False
        if (t.stem in cues) if by_stem else (low in cues or low.endswith("n't")):
            return True
        if by_stem and t.stem in _TO_CUES and j + 1 < len(toks) and toks[j + 1].text == "to":
            return True  # "voted to close", "are due to be placed", "agreed to expand"
        if by_stem and low == "to" and _decided_before(toks, j):
            return True  # "voted 6-3 on Tuesday night to close"
        if by_stem and t.stem in _TO_CUES and j == i - 1 and toks[i].text.endswith("ing"):
            return True  # "proposed keeping the branch open"
        if by_stem and low in _AIM_PREPOSITIONS and j > 0 and toks[j - 1].stem in cues:
            return True  # "aimed at reviving", "with the intention of selling"
        chain = (
            low in _AUX
            or low in _BE
            or low == "to"
            or low in NEGATION_CUES
            or t.stem in _MODAL_STEMS
            or (low.endswith("ly") and len(low) > 4)
            or low in _w("yet still also already just now never even only")
            or is_verb(toks, j)
        )
        if not chain:
            # the subject may carry the negation: "none of the quakes had been felt"
            return not by_stem and t.text[0].isalpha() and quantified_away(toks, j + 1)
    return False


# Prepositions by which an aim, a plan or a hope governs a verb: "aimed at reviving growth".
_AIM_PREPOSITIONS = _w("at of for toward towards")
# Verbs and adjectives that make what follows "to" a decision or a plan, not a done thing
# (a pledge or vow is itself the act reported, so "pledged to support" is "vows support").
_TO_CUES = frozenset(
    stem(w)
    for w in (
        "vote agree decide urge due set scheduled prepared ready likely propose ask call"
    ).split()
)


def _decided_before(toks: tuple[Token, ...], j: int) -> bool:
    """Whether a "to" at toks[j] completes a decision verb a few words back, past a tally,
    a time or a place ("voted 6-3 on Tuesday night to close"), with no verb or clause break
    in between."""
    for k in range(j - 1, max(-1, j - 7), -1):
        t = toks[k]
        if t.text in _BREAK:
            return False
        if t.stem in _TO_CUES:
            return k < j - 1
        if is_verb(toks, k) or t.text.lower() in _AUX or t.text.lower() in _BE:
            return False
    return False


_NOUN_NEGATION = _w("no not none nobody zero neither nor without")
_NOUN_LEAD = _w(
    "of the a an its their his her any by in at for from to with such single this that these those "
    "new other own"
)


def quantified_away(toks: tuple[Token, ...], i: int) -> bool:
    """Whether a noun is negated by its determiner: "no complaints", "none of the branch's 14
    employees", "not by the temperature"; "Nobody on this council" does not negate "council"."""
    for j in range(i - 1, max(-1, i - 6), -1):
        t = toks[j]
        low = t.text.lower()
        if low in _NOUN_NEGATION and (low != "not" or j == 0 or toks[j - 1].text in _BREAK):
            return True  # "no complaints"; "..., not by the temperature" (not "not a decision")
        modifier = (
            low in _NOUN_LEAD
            or any(c.isdigit() for c in low)
            or low.endswith(("'s", "’s"))
            or (t.text[0].isalpha() and is_content(t) and not is_verb(toks, j))
        )
        if not modifier:
            return False
    return False


def _side(toks: tuple[Token, ...], i: int) -> str | None:
    """Which side a verb takes: "voted for" / "voted against", "argued against"."""
    after = toks[i + 1].text.lower() if i + 1 < len(toks) else ""
    return after if after in {"for", "against"} else None


def _decided(toks: tuple[Token, ...], i: int) -> bool:
    """Whether toks[i] is what a body decided to do: "voted (6-3 on Tuesday) to raise"."""
    if i < 2 or toks[i - 1].text.lower() != "to":
        return False
    return toks[i - 2].stem in _TO_CUES or _decided_before(toks, i - 1)


def _present_simple(toks: tuple[Token, ...], i: int) -> bool:
    """A verb in the headline present ("Council raises fare"), not after an auxiliary, a modal
    or "to": it reports the decision, where "has raised" or "raised" says it is done."""
    low = toks[i].text.lower()
    if not low.endswith("s") or low.endswith("ss") or low in IRREGULAR:
        return False
    return not (i > 0 and (toks[i - 1].text.lower() in _AUX | _BE or toks[i - 1].text == "to"))


def negated(toks: tuple[Token, ...], i: int) -> bool:
    return _cued(toks, i, _NEGATION, by_stem=False)


def modal(toks: tuple[Token, ...], i: int) -> bool:
    return (
        _cued(toks, i, _MODAL_STEMS, by_stem=True)
        or toks[i].stem in _MODAL_STEMS
        or _participle_of_modal(toks, i)
    )


# Participles that open a phrase but name no act of the clause's subject: prepositions
# ("starting September 1", "including three councillors") and the reporting of the statement
# itself ("said it would close the branch, citing costs": the citing is done).
_NOT_ACTS = _w(
    "including starting beginning following according regarding concerning excluding pending "
    "barring considering saying adding noting citing calling arguing warning telling"
)


def _participle_of_modal(toks: tuple[Token, ...], i: int) -> bool:
    """Whether toks[i] opens a participle clause after a comma that belongs to a planned or
    possible act: "said it would invest $1.2 billion in a plant, creating about 2,300 jobs"
    (the jobs are as planned as the plant). The clause's verb is the last verb before the
    comma, back to the clause's start; a participle after a done act stays done."""
    low = toks[i].text.lower()
    if i < 2 or toks[i - 1].text != "," or not low.endswith("ing") or low in _NOT_ACTS:
        return False
    for j in range(i - 2, -1, -1):
        if toks[j].text in _BREAK:
            return False
        if is_verb(toks, j):
            return modal(toks, j)
    return False


def headline_future(toks: tuple[Token, ...], i: int) -> bool:
    """Whether toks[i] is a headline's future, "to" after its subject: "Company to cut 350
    jobs", "Council to vote on fare" (headlines drop "is going")."""
    if i < 2 or toks[i - 1].text.lower() != "to":
        return False
    before = toks[i - 2]
    return before.text[0].isalpha() and is_content(before) and not is_verb(toks, i - 2)


def polarity_reasons(statement: str, evidence: str, headline_end: int = 0) -> list[str]:
    """Where the statement's negation or modality differs from its evidence's.

    Each content word of the statement found in the evidence is compared: negated before it on
    one side and not the other ("refused to support" / "will unconditionally support"), or only
    planned, expected or possible on one side ("has achieved" / "plans to achieve"). The
    evidence's first `headline_end` characters are a headline, whose "X to cut" is a plan.
    """
    s_toks = tokens(statement)
    e_toks = tokens(evidence)

    def e_modal(j: int) -> bool:
        return modal(e_toks, j) or (e_toks[j].start < headline_end and headline_future(e_toks, j))

    by_stem: dict[str, list[int]] = {}
    for j, e in enumerate(e_toks):
        if e.text[0].isalpha():
            by_stem.setdefault(e.stem, []).append(j)
    reasons: list[str] = []
    for i, t in enumerate(s_toks):
        if not t.text[0].isalpha() or not is_content(t):
            continue
        hits = [j for st, js in by_stem.items() if related(t.stem, st) for j in js]
        if not hits:
            continue
        verb_hits = [j for j in hits if is_verb(e_toks, j)]
        if not is_verb(s_toks, i) or not verb_hits:
            # "several complaints" for "no complaints" (the other way round, "none of the
            # quakes" may stand for "212 quakes, none of which ...": not compared)
            if not quantified_away(s_toks, i) and all(quantified_away(e_toks, j) for j in hits):
                reasons.append(f"the article denies {t.text!r}, which it affirms")
            continue
        hits = verb_hits
        side = _side(s_toks, i)
        if side and all(_side(e_toks, j) not in (None, side) for j in hits):
            reasons.append(f"it says {t.text!r} {side}, but the article says it the other way")
            continue
        s_neg = negated(s_toks, i)
        if all(negated(e_toks, j) != s_neg for j in hits):
            reasons.append(
                f"it negates {t.text!r}, which the article affirms"
                if s_neg
                else f"the article negates {t.text!r}, which it affirms"
            )
            continue
        s_mod = modal(s_toks, i)
        if not s_mod and _present_simple(s_toks, i) and all(_decided(e_toks, j) for j in hits):
            continue  # "Council raises bus fare" for "the council voted to raise the fare"
        if all(e_modal(j) != s_mod for j in hits):
            reasons.append(
                f"it states {t.text!r} as {'planned or possible' if s_mod else 'done'}, but the "
                f"article gives it as {'done' if s_mod else 'planned, expected or possible'}"
            )
    return reasons


_TIME_PREFIXES = {"pre": ("before", "prior"), "post": ("after", "since")}


def prefixed(stem_: str) -> tuple[frozenset[str], str] | None:
    """A time prefix's words and the stem it qualifies: "pre-pandemic" -> ({before, prior},
    "pandemic"), said by an article as "before the pandemic"."""
    head, dash, rest = stem_.partition("-")
    if not dash or head not in _TIME_PREFIXES or len(rest) < 3:
        return None
    return frozenset(stem(w) for w in _TIME_PREFIXES[head]), stem(rest)


_EXCLUSIVE: dict[str, frozenset[str]] = {}
for _group in lexicon.EXCLUSIVE_GROUPS:
    _members = frozenset(stem(w) for w in _group.split())
    for _s in _members:
        _EXCLUSIVE[_s] = _EXCLUSIVE.get(_s, frozenset()) | _members


def rival(token: Token, evidence: str) -> str | None:
    """A word of the evidence that excludes a statement's lower-case word: "state" for
    "federal" ("a state grant"), "south" for "north"; None when there is none."""
    others = (
        _EXCLUSIVE.get(token.stem, frozenset())
        - {token.stem}
        - _SYNONYMS.get(token.stem, frozenset())
    )
    if token.capital or not others:
        return None
    found = next((t for t in tokens(evidence) if not t.capital and t.stem in others), None)
    return found.text if found else None


def synonyms(stem_: str) -> frozenset[str]:
    """Stems a paraphrase may use for stem_ (itself excluded)."""
    return _SYNONYMS.get(stem_, frozenset()) - {stem_}
