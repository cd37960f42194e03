"""Who says what: source names as models write them, and the parts of a sentence a source says.

A model's `attributed_to` is read as the name of an outside source: values that name none
("article", "N/A") are None, a long phrase is cut to its leading name ("Finance Ministry on
Wednesday announcement of ..." -> "Finance Ministry"), and titles are dropped, so that "Mayor
Petra Holm" is found where the article says "Holm said". In an evidence sentence, the words a
source says are those inside quotation marks and those of the clause a reporting verb governs
("X said (that) ...", "..., X said.", "according to X, ...").
"""

from __future__ import annotations

import re
from functools import lru_cache

from service.wording import FUNCTION_WORDS

# Values a model writes when the article says a thing in its own voice.
_NO_SOURCE = frozenset(
    (
        "article|report|author|none|null|nil|n/a|na|unknown|unspecified|not specified|"
        "not stated|not attributed|unattributed|no one|nobody|source|story|text|news article|"
        "news report|news story|journalist|reporter|writer|narrator|editor|press|media|fact|"
        "general|self|original article|given text|passage|summary|document"
    ).split("|")
)
_LEADING = re.compile(r"^(?:the|this|that|a|an|our|from)\s+", re.IGNORECASE)
# Words that end a source name inside a longer phrase.
_NAME_END = re.compile(
    r",|\s+(?:on|in|at|who|which|that|during|after|before|announcement|announced|announcing|"
    r"said|says|saying|reported|reports|reporting|told|stated|states|statement|estimates?|"
    r"estimated|projects?|projected|forecasts?|warned|warns|according|via|through|about|"
    r"regarding|while)\b",
    re.IGNORECASE,
)
# Titles and roles before a name; dropped before the name is looked up.
TITLES = frozenset(
    (
        "mayor councillor councilor councilwoman councilman alderman dr dr. doctor prof prof. "
        "professor gov gov. governor sen sen. senator rep rep. representative president "
        "vice prime minister secretary chancellor premier treasurer provincial federal state "
        "finance foreign defence defense interior chief executive ceo cfo coo director "
        "managing chair chairman chairwoman chairperson spokesperson spokesman spokeswoman "
        "mr mr. mrs mrs. ms ms. miss sir dame lord lady general gen gen. lt lt. colonel col "
        "col. captain capt capt. sergeant sgt judge justice king queen prince princess leader "
        "head coordinator engineer economist analyst president-elect auditor-general "
        "administrator commissioner inspector superintendent deputy acting former opposition "
        "independent senior lead assistant transit transport agriculture national "
        "infrastructure university hospital city council board union party lawmaker mp "
        "official officials"
    ).split()
)
# Head nouns of organisations: "the ministry" refers to the Finance Ministry the article names.
ORG_HEADS = frozenset(
    (
        "ministry service office bank agency council department institute authority union "
        "association board government company party commission police court army university "
        "coalition bureau committee parliament firm group corporation organization "
        "organisation administration panel trust fund news"
    ).split()
)
_REPORTING = (
    r"said|says|say|told|tells|added|adds|stated|states|warned|warns|claimed|claims|argued|"
    r"argues|insisted|insists|noted|notes|stressed|stresses|acknowledged|acknowledges|"
    r"estimated|estimates|speculated|speculates|indicated|indicates|indicate|believes|"
    r"believed|suggested|suggests|cautioned|cautions|predicted|predicts|vowed|pledged|"
    r"explained|wrote|asserted|alleged|alleges|emphasized|emphasised|contended|conceded|"
    r"warn|claim|argue|insist|note|stress|acknowledge|estimate|speculate|suggest|caution|"
    r"predict|believe|allege|concede|contend|maintain|maintains|maintained"
)
_THAT_VERBS = r"reported|reports|projected|projects|announced|confirmed|expects|expected|forecast"
_REPORT_VERB = re.compile(
    rf"\b(?:(?:{_REPORTING})\b|(?:{_THAT_VERBS})(?:\s+\w+ly)?\s+that\b)", re.IGNORECASE
)
# Words that open the tail of a closing "..., X said in a statement." rather than a clause.
_TAIL_STARTS = frozenset(
    "in at on during after before via through to from while with by late earlier later".split()
)
_ACCORDING = re.compile(r"\baccording to\b", re.IGNORECASE)
_QUOTE_PAIR = re.compile(r"“[^”]*”?|\"[^\"]*\"?")
_ANAPHORIC_SOURCE = re.compile(
    r"^(?:this|these|that|those|such)\b[^.!?]{0,60}?\b(?:reported|according|quoted|carried|"
    r"announced|confirmed|cited)\b",
    re.IGNORECASE,
)
# A statement that names its own speaker: "X said (that) ...", "according to X, ...".
_STATEMENT_SPEAKER = re.compile(
    rf"^(?P<who>[^,]+?(?:,[^,]+,)?)\s+(?:{_REPORTING}|told\s+\w+|(?:{_THAT_VERBS})"
    r"(?:\s+\w+ly)?\s+that)\b",
    re.IGNORECASE,
)
_STATEMENT_TAIL = re.compile(
    rf",\s*(?P<who>[^,]{{2,80}}?)\s+(?:{_REPORTING})\b[^,]{{0,40}}$|,\s*(?:{_REPORTING})\s+"
    r"(?P<who2>[^,]{2,80})$|,?\s*according to (?P<who3>[^,]{2,80})$",
    re.IGNORECASE,
)
# "The agency did not maintain that ...": the denial is the claim, not a speaker's words.
_NEGATED_WHO = re.compile(r"\b(?:not|never|no longer)\s*$|n't\s*$", re.IGNORECASE)
_STATEMENT_ACCORDING = re.compile(r"^according to (?P<who>[^,]{2,80}),", re.IGNORECASE)


def no_outside_source(value: str | None) -> str | None:
    """None for a value that names no outside source ("article", "the report", "N/A", "")."""
    if value is None:
        return None
    key = " ".join(value.strip().strip(".'\"").split()).lower()
    while (stripped := _LEADING.sub("", key)) != key:
        key = stripped
    return None if key in _NO_SOURCE or not key else value


def source_name(value: str) -> str:
    """The source's name inside a longer attribution: the text before the first comma or
    reporting word, and of a still long phrase its leading run of capitalized words."""
    value = " ".join(value.split())
    cut = _NAME_END.search(value)
    name = value[: cut.start()].strip() if cut and cut.start() > 0 else value
    words = name.split()
    if len(words) > 6:
        run: list[str] = []
        for w in words:
            if w[:1].isupper() or (run and w.lower() in {"of", "the", "for", "and", "&"}):
                run.append(w)
            elif run:
                break
        while run and run[-1].lower() in {"of", "the", "for", "and", "&"}:
            run.pop()
        name = " ".join(run) or " ".join(words[:6])
    return name


def name_words(name: str) -> list[str]:
    """The distinctive words of a name, lower case: what follows its last title ("North Korean
    leader Kim Jong-un" -> kim, jong-un), function words dropped."""
    words = [w.strip(".,'\"’()").lower() for w in name.split()]
    words = [w[:-2] if w.endswith(("'s", "’s")) else w for w in words]
    words = [w for w in words if w]
    titled = [i for i, w in enumerate(words[:-1]) if w in TITLES]
    if titled:
        words = words[titled[-1] + 1 :]
    return [w for w in words if w not in FUNCTION_WORDS] or words


# Regular endings of a place's adjective and what each may stand for: Russian, Korean -> -a;
# Ukrainian -> -e; Canadian -> -a; Italian -> -y; Brazilian -> -; Mexican -> -o; Japanese -> -;
# Chinese -> -a; Israeli, Pakistani -> -. Irregular ones (British, Dutch, French) are not guessed.
_DEMONYM_ENDINGS = (
    ("ian", ("ia", "e", "a", "y", "")),
    ("an", ("a", "o", "")),
    ("ese", ("", "a")),
    ("i", ("",)),
)


def demonym_places(name: str) -> tuple[str, ...]:
    """The places a capitalized adjective of a place may name, lower case: "North Korean" ->
    north korea, north koreo, north kore (the caller keeps whichever a text holds)."""
    head, _, last = name.strip().rpartition(" ")
    if not last[:1].isupper() or not last.isalpha():
        return ()
    lower = last.lower()
    for ending, stems in _DEMONYM_ENDINGS:
        if lower.endswith(ending) and len(lower) - len(ending) >= 3:
            base = lower[: -len(ending)]
            return tuple(" ".join(filter(None, (head.lower(), base + s))) for s in stems)
    return ()


def word_positions(haystack: str, word: str) -> list[int]:
    """Where word stands in haystack as a whole word (a hyphen joins words): the regex
    (?<![\\w-])word(?![\\w-]) by string search, without compiling a pattern per word."""
    out = []
    at = haystack.find(word) if word else -1
    while at >= 0:
        end = at + len(word)
        before = haystack[at - 1] if at else " "
        after = haystack[end] if end < len(haystack) else " "
        if not (before.isalnum() or before in "_-") and not (after.isalnum() or after in "_-"):
            out.append(at)
        at = haystack.find(word, at + 1)
    return out


def _has_word(haystack: str, word: str) -> bool:
    return bool(word_positions(haystack, word))


def acronym(name: str) -> str:
    """The initials of a name's capitalized words, lower case; "" when they spell a common
    word ("Ingrid Solberg" -> "is", which would match every "is" of a folded text)."""
    short = "".join(w[0] for w in re.findall(r"[A-Za-z][\w-]*", name) if w[0].isupper()).lower()
    return "" if short in FUNCTION_WORDS or short in _COMMON_SHORT else short


# Two- and three-letter words that initials may spell (beyond the function words).
_COMMON_SHORT = frozenset(
    "am an as at be by do go he if in is it me my no of oh on or ox so to up us we".split()
)


def _whole_or_acronym(name: str, folded_text: str) -> bool:
    """Whether a folded text holds the name whole, or its acronym as a word."""
    if " ".join(name.lower().replace("’", "'").split()) in folded_text:
        return True
    short = acronym(name)
    return len(short) >= 2 and _has_word(folded_text, short)


def in_article(name: str, article_folded: str) -> bool:
    """Whether the article names the source: whole, as its acronym, or by all its words."""
    if _whole_or_acronym(name, article_folded):
        return True
    if name.isupper() and 2 <= len(name) <= 6:
        letters = name.lower()
        words = re.findall(r"[a-z][\w-]*", article_folded)
        n = len(letters)
        if any("".join(w[0] for w in words[i : i + n]) == letters for i in range(len(words))):
            return True
    words = name_words(name)
    return bool(words) and all(_has_word(article_folded, w) for w in words)


def in_evidence(name: str, evidence_folded: str, original: str | None = None) -> bool:
    """Whether the evidence refers to the source: its full name, its acronym, a distinctive
    word of a person's name (the surname on second reference), or an organisation by its head
    noun with one more of its words, or as "the <head>". Given the evidence as written
    (`original`), a lone word of the name counts only where it is capitalized there, or as
    "the <last word>" ("the river" for the Orlen River): "library director" does not name the
    "Central Library"."""
    if _whole_or_acronym(name, evidence_folded):
        return True
    words = name_words(name)
    if name.isupper() and 2 <= len(name) <= 6 and in_article(name, evidence_folded):
        return True
    heads = [w for w in words if w in ORG_HEADS]
    if heads:
        others = [w for w in words if w not in ORG_HEADS and len(w) > 2]
        head_found = any(_has_word(evidence_folded, h) for h in heads)
        if head_found and any(_has_word(evidence_folded, w) for w in others):
            return True
        return any(
            any(_has_word(evidence_folded, f"{d} {h}") for d in ("the", "its", "that"))
            for h in heads
        )
    return any(
        len(w) > 2
        and _has_word(evidence_folded, w)
        and (
            original is None
            or _capitalized_in(original, w)
            or (w == words[-1] and _has_word(evidence_folded, f"the {w}"))  # "the river"
        )
        for w in words
    )


def _capitalized_in(text: str, word: str) -> bool:
    """Whether word (lower case) stands capitalized in text, as a whole word."""
    pattern = rf"(?<![\w-]){re.escape(word)}(?![\w-])"
    return any(text[m.start()].isupper() for m in re.finditer(pattern, text, re.IGNORECASE))


def quoted_spans(text: str) -> list[tuple[int, int]]:
    """Spans inside quotation marks (curly or straight) of at least three words."""
    out = []
    for m in _QUOTE_PAIR.finditer(text):
        if len(m.group(0).split()) >= 3:
            out.append(m.span())
    return out


@lru_cache(maxsize=2048)
def attributed_spans(sentence: str) -> tuple[tuple[int, int], ...]:
    """The parts of a sentence that a source, not the article, says: quotations, the clause a
    reporting verb governs, and what "according to X" qualifies."""
    spans = quoted_spans(sentence)
    outside = sentence
    for a, b in spans:
        outside = outside[:a] + " " * (b - a) + outside[b:]
    for m in _REPORT_VERB.finditer(outside):
        if not outside[: m.start()].strip():
            continue  # '"...," said X' / 'Said X, ...': the quote is the span, X the speaker
        after = outside[m.end() :]
        tail = after.split(",")[0].split("“")[0].split('"')[0]
        tail_words = re.findall(r"[A-Za-z0-9]\w*", tail)
        short = not tail_words or (len(tail_words) <= 6 and tail_words[0].lower() in _TAIL_STARTS)
        comma = outside.rfind(",", 0, m.start())
        who = re.findall(r"[A-Za-z0-9]\w*", outside[comma + 1 : m.start()]) if comma > 0 else []
        if short and comma > 0 and len(who) <= 6:
            spans.append((0, comma))  # "<clause>, X said." / "<clause>, X said in a statement."
            rest = outside.find(",", m.end())
            if rest > 0:
                spans.append((rest, len(sentence)))  # "<clause>, X said, <more of it>"
        elif not short:
            spans.append((m.end(), len(sentence)))  # "X said (that) <clause>"
    for m in _ACCORDING.finditer(outside):
        comma_after = outside.find(",", m.end())
        if outside[: m.start()].strip(" ,") == "" and comma_after > 0:
            spans.append((comma_after, len(sentence)))  # "According to X, <clause>"
        else:
            spans.append((0, m.start()))  # "<clause>, according to X"
    return tuple(spans)


def generic(name: str) -> bool:
    """Whether a source is named only by its kind: "the company", "the ministry"."""
    words = name.lower().split()
    return len(words) == 2 and words[0] in {"the", "its"} and words[1] in ORG_HEADS


def reports(text: str) -> bool:
    """Whether a text holds a reporting verb ("projected that", "said")."""
    return _REPORT_VERB.search(text) is not None


def speaker_text(sentence: str) -> str:
    """The sentence with its attributed parts blanked: where its sources are named."""
    out = sentence
    for a, b in attributed_spans(sentence):
        out = out[:a] + " " * (b - a) + out[b:]
    return out


def names_source_after(sentence: str) -> bool:
    """Whether a sentence opens by crediting the previous one: "This vow, reported by KCNA"."""
    return _ANAPHORIC_SOURCE.search(sentence) is not None


def statement_speaker(text: str) -> tuple[str | None, int, int]:
    """A statement's own speaker and the span of what it says: "Mayor X said the council ..."
    -> ("Mayor X", start, end of "the council ..."); (None, 0, len) when it names none."""
    stripped = text.rstrip(" .")
    if m := _STATEMENT_ACCORDING.match(stripped):
        return m.group("who"), m.end(), len(text)
    m = _STATEMENT_SPEAKER.match(stripped)
    if m and len(m.group("who").split()) <= 14 and not _NEGATED_WHO.search(m.group("who")):
        who = m.group("who")
        if who[:1].isupper() and not who.lower().startswith(("it ", "this ", "that ")):
            return who, m.end(), len(text)
    if m := _STATEMENT_TAIL.search(stripped):
        who = m.group("who") or m.group("who2") or m.group("who3")
        if who and len(who.split()) <= 8:
            return who, 0, m.start()
    return None, 0, len(text)
