"""Bind every figure in a text to what it counts, and check a claim's figures against evidence.

A figure is a number as written (digits, words, money, percent, fraction, ordinal, date or
year) together with its qualifier ("more than", "about") and the noun or unit it counts.
`check_figures` rejects a claim whose figure is absent from the evidence, or is attached to a
different noun there (the swapped "600 casualties, including 4,700 deaths" case).
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass
from functools import lru_cache

from text_to_num import text2num


def _w(words: str) -> list[str]:
    """Split a space-separated word list."""
    return words.split()


@dataclass(frozen=True)
class Figure:
    """One figure: its text, normalized value, kind, counted unit, qualifier and char span."""

    text: str
    value: float | None
    kind: str
    unit: str | None
    qualifier: str | None
    start: int
    end: int


# fmt: off
# Qualifier as written -> normalized qualifier.
QUALIFIERS: dict[str, str] = {
    **dict.fromkeys(_w("over above exceeding"), "more than"),
    **dict.fromkeys(["more than", "in excess of", "upwards of"], "more than"),
    **dict.fromkeys(_w("approximately around about roughly nearly almost some"), "about"),
    **dict.fromkeys(["an estimated", "close to"], "about"),
    **dict.fromkeys(["less than", "fewer than", "under", "below"], "less than"),
    **dict.fromkeys(["at least", "no fewer than", "no less than"], "at least"),
    **dict.fromkeys(["up to", "as many as", "as much as", "at most"], "up to"),
}
# Claim qualifier -> evidence qualifiers that make it true. A claim without one always passes:
# dropping "more than" from "more than 4,700" is tolerated, strengthening "about" is not.
QUALIFIER_OK: dict[str, set[str | None]] = {
    "about": {None, "about"}, "more than": {"more than"}, "less than": {"less than"},
    "at least": {None, "at least", "more than"}, "up to": {None, "up to", "less than"},
}
# Near-synonymous counted nouns (plural form) -> the one unit both are compared as.
UNIT_SYNONYMS: dict[str, str] = {
    "soldiers": "troops", "servicemen": "troops", "fatalities": "deaths", "deads": "deaths",
    "persons": "people", "individuals": "people", "employees": "people", "workers": "people", "kids": "children", "dollars": "usd",
    "euros": "eur", "mins": "minutes", "hrs": "hours", "secs": "seconds", "yrs": "years",
    # unit abbreviations and spellings, as _normalize_unit pluralizes them
    "kms": "kilometres", "kilometers": "kilometres", "meters": "metres", "mms": "millimetres",
    "millimeters": "millimetres", "cms": "centimetres", "centimeters": "centimetres",
    "kgs": "kilograms", "kilos": "kilograms", "tons": "tonnes", "mis": "miles",
    "yens": "jpy",
}
# Words that name the scale a number is read on, not what it counts: "a 5.1-magnitude quake".
SCALE_WORDS = set(_w("magnitude category level grade phase stage point-scale"))
# Words after a number that end the search for what it counts: directions, prepositions and
# common verbs ("5.1 earthquake struck near Keldrow", "12 km north of the town").
DIRECTIONS = set(_w(
    "north south east west northeast northwest southeast southwest northern southern eastern "
    "western near off toward towards across along behind below above beyond inside outside "
    "within via against among between around through throughout upon onto amid despite "
    "without while if because so when where struck hit killed injured rose fell left took "
    "made sent met led held began grew became came went told said stood lost won saw"
))
CURRENCIES = {"$": "usd", "US$": "usd", "€": "eur", "£": "gbp"}
MONEY_UNITS = {"usd", "eur", "gbp"}
TIME_UNITS = set(_w("seconds minutes hours days weeks months years decades"))
IRREGULAR = {"man": "men", "woman": "women", "child": "children", "person": "people"}
IRREGULAR_PLURALS = {*IRREGULAR.values(), "police", "personnel", "staff", "cattle"}
SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12,
          "k": 1e3, "m": 1e6, "mn": 1e6, "bn": 1e9, "tn": 1e12}
ORDINALS = dict(zip(_w("third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth"),
                    range(3, 13), strict=True))
DENOMINATORS = {"half": 2, "halves": 2, "third": 3, "quarter": 4, "fourth": 4, "fifth": 5,
                "sixth": 6, "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10}
MONTHS = dict(zip(_w("January February March April May June July August September October "
                     "November December"), range(1, 13), strict=True))
MONTHS |= {m[:3]: i for m, i in MONTHS.items()} | {"Sept": 9}
# A four-digit number after one of these words is a year even when a plural noun follows.
YEAR_PREPS = set(_w("in since by until from during before after of year early late mid through"))
# Words that end the search for the noun a number counts.
STOPWORDS = set(_w(
    "a an the of in on at to for from by with and or but as than that this these those which "
    "who whom was were is are be been being has have had will would could should may might can "
    "did do does not no more less per each since after before during until over under into "
    "including according said says its their his her our it they he she we also reported out"
))
# fmt: on

_SMALL = _w(
    "zero two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen"
)
_TENS = _w("twenty thirty forty fifty sixty seventy eighty ninety")
_WORD = (
    rf"(?:(?:{'|'.join(_TENS)})(?:-(?:one|{'|'.join(_SMALL)}))?"
    rf"|one(?=[\s-]+(?:hundred|thousand|million|billion))|{'|'.join(_SMALL)}"
    r"|hundred|thousand|million|billion|trillion)\b"
)
_AND = r"(?:(?<=hundred)|(?<=thousand)|(?<=million)|(?<=billion))\s+and\s+"  # "hundred and one"
_WORD_RUN = rf"(?:a\s+(?=hundred|thousand|million|billion))?{_WORD}(?:(?:{_AND}|\s+|-){_WORD})*"
_QUAL = "|".join(sorted((q.replace(" ", r"\s+") for q in QUALIFIERS), key=len, reverse=True))
_MONTH = rf"(?:{'|'.join(sorted(MONTHS, key=len, reverse=True))})\.?"
# "4,700.5"; "1.234,5" (a decimal comma after dot-grouped thousands); "15 000" and "15 000,5"
# (thousands grouped by spaces, as in SI style and most of Europe); plain "4700.5".
_GROUP_SPACE = "[ \u00a0\u202f\u2009]"
_NUM = (
    r"(?>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d{1,3}(?:\.\d{3})+,\d+"
    rf"|\d{{1,3}}(?:{_GROUP_SPACE}\d{{3}})+(?:[.,]\d+)?|\d+(?:\.\d+)?)"
)
VULGAR = {"½": 0.5, "¼": 0.25, "¾": 0.75, "⅓": 1 / 3, "⅔": 2 / 3, "⅛": 0.125, "⅕": 0.2, "⅒": 0.1}
_VULGAR = "[" + "".join(VULGAR) + "]"

DATE_RE = re.compile(
    rf"\b(?:(?P<iy>\d{{4}})-(?P<im>\d{{2}})-(?P<id>\d{{2}})"
    rf"|(?P<m1>{_MONTH})\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(?P<y1>\d{{4}}))?"
    rf"|(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m2>{_MONTH})(?:,?\s+(?P<y2>\d{{4}}))?"
    rf"|(?P<m3>{_MONTH})\s+(?:of\s+)?(?P<y3>\d{{4}}))\b"
)
FRACTION_RE = re.compile(
    rf"(?i)(?:\b(?P<qual>{_QUAL})\s+)?\b(?:(?P<num>a|an|one|{'|'.join(_SMALL)})[\s-]+"
    rf"(?P<den>{'|'.join(DENOMINATORS)})s?"
    r"|(?P<half>half))\b"
)
NUMBER_RE = re.compile(
    rf"(?:\b(?P<qual>(?i:{_QUAL}))\s+)?(?P<cur>US\$|[$€£])?"
    rf"(?:(?<![\w.,:/-])(?P<minus>[−-](?=\d))?(?P<digits>{_NUM})(?P<vulgar>{_VULGAR})?"
    rf"(?:\s*(?P<scale>(?i:thousand|million|billion|trillion))\b|(?P<abbr>(?i:bn|mn|tn|k)|m)\b)?"
    rf"|(?<![\w.,:/-])(?P<vonly>{_VULGAR})|\b(?P<words>(?i:{_WORD_RUN}))|"
    rf"\b(?P<ordword>(?i:{'|'.join(ORDINALS)}))\b)"
    r"(?P<pct>\s*%|\s+per\s*cent\b|\s+percent\b|\s+pct\b)?(?P<ord>(?<=\d)(?:st|nd|rd|th)\b)?"
    r"(?:-(?P<hy>[A-Za-z]+)\b)?(?![\w$%]|-\d|:\d|/\d|\.\d)"
)
# a word's own apostrophes and hyphens, not a closing quote after it ("40,000 jobs' over")
WORD_AFTER = re.compile(r"[ \t]+([A-Za-z](?:[A-Za-z'-]*[A-Za-z])?)")
WORD_BEFORE = re.compile(r"([A-Za-z]+)[\s-]+$")


def _looks_plural(word: str) -> bool:
    """True when a lower-case word is written as a plural."""
    plural_s = word.endswith("s") and not word.endswith(("ss", "us", "is"))
    return plural_s or word in IRREGULAR_PLURALS


def _normalize_unit(word: str) -> str:
    """Plural lower-case form of a counted noun, mapped through the synonym table."""
    word = word.lower()
    if not _looks_plural(word):
        if word in IRREGULAR:
            word = IRREGULAR[word]
        elif word.endswith("y") and word[-2:-1] not in set("aeiou"):
            word = word[:-1] + "ies"
        else:
            word += "es" if word.endswith(("x", "ch", "sh")) else "s"
    return UNIT_SYNONYMS.get(word, word)


def _is_verb_form(word: str) -> bool:
    """A regular past or progressive form ("collapsed", "rising") ends a noun phrase."""
    return len(word) > 4 and word.endswith(("ed", "ing")) and word not in {"hundred"}


def _head_noun(text: str, pos: int) -> tuple[str | None, bool]:
    """Head noun after pos (up to three modifiers in between) and whether it is written plural."""
    words: list[str] = []
    while len(words) < 4 and (m := WORD_AFTER.match(text, pos)):
        low = m.group(1).lower()
        proper = m.group(1)[0].isupper()  # "North Korean soldiers": an adjective, not a direction
        if low in STOPWORDS or (low in DIRECTIONS and not proper) or (words and _is_verb_form(low)):
            break
        words.append(m.group(1))
        pos = m.end()
    for word in words:
        if _normalize_unit(word) in MONEY_UNITS:  # "8.5 billion dollar program"
            return word, True
    for word in words:
        if _looks_plural(word.lower()):
            return word, True
    return (words[-1], False) if words else (None, False)


def _iso(year: str | None, month: str | None, day: str | None) -> str:
    """ISO-ish date string; '--MM-DD' when the year is unknown."""
    mm = f"{MONTHS[month.rstrip('.')]:02d}" if month and not month.isdigit() else month
    parts = [p for p in (year or "-", mm, f"{int(day):02d}" if day else None) if p]
    return "-".join(parts)


def _dates(text: str) -> list[Figure]:
    """Dates such as 'June 19, 2024', '19 June 2024', 'June 2024' and '2024-06-19'."""
    out = []
    for m in DATE_RE.finditer(text):
        g = m.groupdict()
        year, month, day = (
            g["iy"] or g["y1"] or g["y2"] or g["y3"],
            g["im"] or g["m1"] or g["m2"] or g["m3"],
            g["id"] or g["d1"] or g["d2"],
        )
        out.append(Figure(m.group(0), None, "date", _iso(year, month, day), None, *m.span()))
    return out


def _fractions(text: str, taken: list[tuple[int, int]]) -> list[Figure]:
    """Fractions such as 'a third', 'two-thirds' and 'half'."""
    out = []
    for m in FRACTION_RE.finditer(text):
        if _overlaps(m.span(), taken):
            continue
        num = m.group("num")
        if m.group("half"):
            value = 0.5
        else:
            top = 1 if num.lower() in {"a", "an", "one"} else float(text2num(num.lower(), "en"))
            value = top / DENOMINATORS[m.group("den").lower()]
        out.append(Figure(m.group(0), value, "fraction", None, _qualifier(m), *m.span()))
    return out


def _qualifier(m: re.Match[str]) -> str | None:
    """Normalized qualifier of a match, or None."""
    raw = m.group("qual")
    return QUALIFIERS[" ".join(raw.lower().split())] if raw else None


def _overlaps(span: tuple[int, int], taken: list[tuple[int, int]]) -> bool:
    """True when span overlaps any of the taken spans."""
    return any(span[0] < end and start < span[1] for start, end in taken)


def _digits_value(digits: str) -> float:
    """The value of a number written in digits, with any of `_NUM`'s groupings."""
    spaced = re.search(_GROUP_SPACE, digits) is not None
    digits = re.sub(_GROUP_SPACE, "", digits)
    if (spaced and "," in digits) or ("," in digits and "." in digits.split(",")[0]):
        return float(digits.replace(".", "").replace(",", "."))  # a decimal comma
    return float(digits.replace(",", ""))


def _number(m: re.Match[str], text: str) -> Figure | None:
    """Classify one NUMBER_RE match as count, money, percent, ordinal, duration or year."""
    g = m.groupdict()
    qual = _qualifier(m)
    start = m.start()
    if g["ordword"]:
        value = float(ORDINALS[g["ordword"].lower()])
    elif g["words"]:
        try:
            value = float(text2num(re.sub(r"^a\s+", "one ", g["words"].lower()), "en"))
        except ValueError:
            return None
    elif g["vonly"]:
        value = VULGAR[g["vonly"]]
    else:
        value = _digits_value(g["digits"]) + VULGAR.get(g["vulgar"] or "", 0.0)
        scale = g["scale"] or g["abbr"]
        if g["abbr"] == "m" and not g["cur"]:
            return None  # "5m" is as likely metres as millions
        value *= SCALES[scale.lower()] if scale else 1
        if g["minus"]:
            value = -value
    end = m.start("hy") - 1 if g["hy"] and not g["pct"] else m.end()  # "85-minute" -> "85"
    figure_text = text[start:end]
    if g["pct"]:
        return Figure(figure_text, value, "percent", "percent", qual, start, end)
    if g["cur"]:
        currency = CURRENCIES[g["cur"]]
        if rate := _rate(text, m.start(), figure_text):  # "$4.6 million a year"
            currency = f"{currency}/{rate}"
        return Figure(figure_text, value, "money", currency, qual, start, end)
    hyphened = g["hy"] and g["hy"].lower() not in SCALE_WORDS
    noun, plural = (g["hy"], False) if hyphened else _head_noun(text, m.end())
    unit = _normalize_unit(noun) if noun else None
    if unit in _HUMAN and _DIED.match(text, m.end()):
        unit = "deaths"  # "600 soldiers sent to Russia have died" counts 600 deaths
    if unit and not hyphened and (rate := _rate(text, m.end(), noun or "")):
        unit = f"{unit}/{rate}"  # "40 litres per second" is not "40 litres per minute"
    if g["ord"] or g["ordword"]:
        return Figure(figure_text, value, "ordinal", unit, qual, start, end)
    digits = g["digits"] or ""
    if len(digits) == 4 and 1800 <= value <= 2100 and not (qual or g["scale"] or g["abbr"]):
        before = WORD_BEFORE.search(text[max(0, start - 24) : start])
        if not plural or (before and before.group(1).lower() in YEAR_PREPS):
            return Figure(figure_text, value, "year", digits, None, start, end)
    kind = "money" if unit in MONEY_UNITS else "duration" if unit in TIME_UNITS else "count"
    return Figure(figure_text, value, kind, unit, qual, start, end)


_HUMAN = set(_w("troops people civilians residents workers children men women"))
# The counted people died: up to six words (no figure, no clause break) before the verb.
_DIED = re.compile(
    r"(?:[ \t]+[A-Za-z'-]+){1,6}?[ \t]+(?:have|had|has)?[ \t]*(?:died|been[ \t]+killed|were[ \t]+killed)\b"
)


def _rate(text: str, pos: int, noun: str) -> str | None:
    """The unit a counted noun is taken per ("litres per second", "tonnes a day"), if any."""
    window = text[pos : pos + 80]
    at = window.find(noun)
    if at < 0:
        return None
    m = _RATE.match(window, at + len(noun))
    if not m:
        return None
    per = m.group(2).lower()
    if m.group(1).lower() != "per" and _normalize_unit(per) not in TIME_UNITS:
        return None  # "40 litres a well" is not a rate; "a second", "an hour" are
    return _normalize_unit(per)


def _unit_ok(claim: str | None, evidence: str | None) -> bool:
    """Whether a claimed unit matches the evidence's: equal, unknown on one side, or the claim
    leaving out the evidence's rate ("40 litres" for "40 litres per second")."""
    if claim is None or evidence is None or claim == evidence:
        return True
    return "/" not in claim and evidence.split("/")[0] == claim


_RATE = re.compile(
    r"(?:[ \t]+of[ \t]+[A-Za-z'-]+)?[ \t]+(per|a|an|each|every)[ \t]+([A-Za-z]+)\b", re.IGNORECASE
)  # "40 litres per second", "30 tonnes of silt a day"
TALLY_RE = re.compile(r"(?<![\w.,/-])(\d{1,2})-(\d{1,2})(?![\w%/-]|\.\d)")


def _tallies(text: str, taken: list[tuple[int, int]]) -> list[Figure]:
    """Votes and scores such as "7-4"."""
    return [
        Figure(m.group(0), None, "tally", f"{m.group(1)}-{m.group(2)}", None, *m.span())
        for m in TALLY_RE.finditer(text)
        if not _overlaps(m.span(), taken)
    ]


_PERIOD_PREFIX = re.compile(r"(?i)\b(mid|early|late)-(?=\d{4}\b)")


def extract_figures(text: str) -> list[Figure]:
    """Every figure in text, in order of appearance, bound to its qualifier and counted noun."""
    figures = _dates(text)
    taken = [(f.start, f.end) for f in figures]
    figures += _tallies(text, taken)
    taken = [(f.start, f.end) for f in figures]
    figures += _fractions(text, taken)
    taken = [(f.start, f.end) for f in figures]
    # "mid-2026", "late-1990s": the year after a part-of-period prefix is a year ("-2026" alone
    # is not a figure: the hyphen may join a range); the same length keeps every offset
    read = _PERIOD_PREFIX.sub(lambda m: m.group(1) + " ", text)
    for m in NUMBER_RE.finditer(read):
        if not _overlaps(m.span(), taken) and (figure := _number(m, read)) is not None:
            figures.append(figure)
    return sorted(figures, key=lambda f: f.start)


@lru_cache(maxsize=4096)
def figures_of(text: str) -> tuple[Figure, ...]:
    """extract_figures, memoized: one article is checked against many claims, and a claim's own
    figures are read by the pipeline and again by check_figures."""
    return tuple(extract_figures(text))


def _describe(f: Figure) -> str:
    """A figure in plain words, e.g. 'about 600 deaths'."""
    return f"{f.text} {f.unit}" if f.unit and f.kind in {"count", "ordinal", "duration"} else f.text


def _date_parts(f: Figure) -> list[str | None]:
    """[year, month, day] of a date or year figure ('--06-19' has no year); None where unknown."""
    parts: list[str | None] = [p or None for p in (f.unit or "").replace("--", "-", 1).split("-")]
    return [*parts, None, None][:3]


def date_ok(claim: Figure, ev: Figure) -> bool:
    """True when ev is at least as precise as claim and agrees with it."""
    (cy, cm, cd), (ey, em, ed) = _date_parts(claim), _date_parts(ev)
    if cy and (ey != cy if ey else cm is None):
        return False
    return (cm is None or cm == em) and (cd is None or cd == ed)


def _kind_ok(a: Figure, b: Figure) -> bool:
    """True when the two figures measure the same kind of thing; a bare number fits most."""
    if a.kind == b.kind:
        return True
    bare = any(f.kind == "count" and f.unit is None for f in (a, b))
    return bare and not {a.kind, b.kind} & {"date", "year", "ordinal"}


def _check_date(claim: Figure, evidence: tuple[Figure, ...]) -> str | None:
    """Why a claimed date or year is unsupported, or None."""
    dates = [f for f in evidence if f.kind in {"date", "year"}]
    if any(date_ok(claim, ev) for ev in dates):
        return None
    if not dates:
        return f"date {claim.text} not in the evidence"
    want = _date_parts(claim)
    best = max(dates, key=lambda ev: [a == b for a, b in zip(want, _date_parts(ev), strict=True)])
    return f"article: {best.text}; claim: {claim.text}"


def _check_number(claim: Figure, evidence: tuple[Figure, ...]) -> str | None:
    """Why a claimed number is unsupported (absent, other noun, stronger qualifier), or None."""
    assert claim.value is not None
    same_value = [
        ev
        for ev in evidence
        if ev.value is not None
        and _kind_ok(claim, ev)
        and math.isclose(ev.value, claim.value, rel_tol=1e-6)
    ]
    same_unit = [ev for ev in same_value if _unit_ok(claim.unit, ev.unit)]
    if any(
        claim.qualifier is None or ev.qualifier in QUALIFIER_OK[claim.qualifier] for ev in same_unit
    ):
        return None
    if same_unit:
        return f"article: {_describe(same_unit[0])}; claim: {_describe(claim)}"
    if same_value:
        return f"article: {_describe(same_value[0])}; claim: {_describe(claim)}"
    other = [ev for ev in evidence if claim.unit and (ev.kind, ev.unit) == (claim.kind, claim.unit)]
    if other:
        return f"article: {_describe(other[0])}; claim: {_describe(claim)}"
    return f"figure {_describe(claim)} not in the evidence"


def check_figures(claim: str, evidence: str) -> list[str]:
    """Reasons why claim's figures are not supported by evidence; [] when all are supported.

    Each claimed figure needs an evidence figure of equal value (a compatible date for dates)
    counting the same noun when both sides name one. Dropping the evidence's qualifier is
    tolerated; changing it ("more than 600" for "about 600") is not, see QUALIFIER_OK.
    """
    found = figures_of(evidence)
    reasons = []
    for figure in figures_of(claim):
        is_date = figure.kind in {"date", "year"}
        if figure.kind == "tally":
            reason = _check_tally(figure, found)
        else:
            reason = _check_date(figure, found) if is_date else _check_number(figure, found)
        if reason:
            reasons.append(reason)
    return reasons or swapped(claim, evidence)


def _check_tally(claim: Figure, evidence: tuple[Figure, ...]) -> str | None:
    """A vote or score ("7-4") must be in the evidence as such."""
    tallies = [f for f in evidence if f.kind == "tally"]
    if any(f.unit == claim.unit for f in tallies):
        return None
    return (
        f"article: {tallies[0].text}; claim: {claim.text}"
        if tallies
        else (f"figure {claim.text} not in the evidence")
    )


_CONTEXT_WORD = re.compile(r"[A-Za-z][\w'-]*")
_CONTEXT_SKIP = set(_w("a an the of and or but its their his her was were is are be been"))


def _context(text: str, f: Figure) -> set[str]:
    """The words (three each side) around a figure, lower case, crude stems."""
    before = _CONTEXT_WORD.findall(text[max(0, f.start - 60) : f.start])[-3:]
    after = _CONTEXT_WORD.findall(text[f.end : f.end + 60])[:3]
    return {w.lower()[:5] for w in before + after if w.lower() not in _CONTEXT_SKIP}


def swapped(claim: str, evidence: str) -> list[str]:
    """Two figures of the claim that the evidence has, each in the other's place: "widen to 2.7
    percent next year, from 3.1 percent" against "widen to 3.1 percent next year, from 2.7"."""
    mine = [f for f in figures_of(claim) if f.value is not None or f.kind == "tally"]
    theirs = figures_of(evidence)
    for a, b in itertools.combinations(mine, 2):
        if a.kind != b.kind or _same_figure(a, b):
            continue
        ea = next((f for f in theirs if _same_figure(f, a)), None)
        eb = next((f for f in theirs if _same_figure(f, b)), None)
        if ea is None or eb is None:
            continue
        ca, cb = _context(claim, a), _context(claim, b)
        xa, xb = _context(evidence, ea), _context(evidence, eb)
        kept = len(ca & xa) + len(cb & xb)
        crossed = len(ca & xb) + len(cb & xa)
        if crossed > kept:
            return [f"it swaps {a.text} and {b.text}: the article has them the other way round"]
    return []


def _same_figure(a: Figure, b: Figure) -> bool:
    if a.kind == "tally" or b.kind == "tally":
        return a.unit == b.unit
    return a.value is not None and b.value is not None and math.isclose(a.value, b.value)
