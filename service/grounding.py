"""Prove claims against the source: locate evidence, then check figures, entities and attribution.

Evidence is located exact first, then on a normalized copy of the text (quotes, dashes, case and
whitespace folded) and last by fuzzy alignment (rapidfuzz). Offsets always index the text the
client sent, so `text[start:end] == quote` holds for every span returned.
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from rapidfuzz import fuzz, process

from service import attribution, figures, roles, wording
from service.chunking import Layout, Span, sentences, split
from service.figures import check_figures, figures_of

# re's \s and str.isspace agree on every character, and lower() keeps a character's spaceness.
_SPACES = re.compile(r"\s+")
_DROPPED = re.compile(r"^\s+|\s{2,}")  # the whitespace fold drops characters from
_FOLD_PAIRS = [
    ("’", "'"),
    ("‘", "'"),
    ("“", "'"),
    ("”", "'"),
    ('"', "'"),  # a quote mark is a quote mark: the model may copy “ as " or ' (single_quotes)
    ("—", "-"),
    ("–", "-"),
    ("\u00a0", " "),
]
_SEPARATOR = "\x00"
FUZZY_CUTOFF = 85.0
SENTENCE_CUTOFF = 60.0
# Share of a statement's content words that may be absent from its evidence when none of them
# is a verb or a name (paraphrase allowance: an adjective or noun exchanged for another).
MAX_UNSUPPORTED_WORDS = 0.2
# How much a figure of the statement counts towards choosing its sentence (a word counts 1).
FIGURE_WEIGHT = 2.0
# A line of at most this many words without a sentence end is a heading, never evidence.
HEADING_WORDS = 14
# Text addressed to the reading machine, not to the article's readers.
_INJECTION = re.compile(
    r"\bignore\s+(?:all\s+|any\s+)?(?:the\s+)?(?:previous|prior|above|earlier|preceding)\s+"
    r"(?:instructions?|prompts?|directions?)|\bsystem\s+prompt\b|\btell\s+the\s+user\b|"
    r"\b(?:you\s+are|act\s+as)\s+(?:now\s+)?(?:an?\s+)?(?:ai|assistant|language\s+model|"
    r"chatbot|\w*bot)\b|\b(?:ai|llm|language\s+models?|assistants?|summari[sz]ers?|chatbots?)\s+"
    r"(?:systems?\s+|models?\s+|tools?\s+)?(?:reading|processing|summari[sz]ing)\s+this\b|"
    r"\bas\s+an\s+ai\b|\bdo\s+not\s+mention\s+this\b|^\s*system\s*:|\bunrestricted\s+"
    r"assistant\b|\bif\s+you\s+are\s+an?\s+(?:ai|language\s+model|assistant)\b",
    re.IGNORECASE,
)
_FIRST_PERSON = re.compile(r"[\"“][^\"”]*\b(?:we|our|us|i)\b", re.IGNORECASE)
_PRONOUN = re.compile(r"\b(?:he|she|it|they|his|her|its|their|him|them)\b", re.IGNORECASE)
# A statement about the text rather than the world: "The article reports on ...".
_META = re.compile(
    r"^\s*(?:the|this)\s+(?:news\s+)?(?:article|story|piece|text|report|passage)\s+"
    r"(?:also\s+)?(?:reports\s+on|describes|discusses|covers|highlights|focuses\s+on|"
    r"examines|explores|details|outlines|looks\s+at|is\s+about|summari[sz]es|provides|"
    r"presents|tells|mentions|talks\s+about|addresses|underscores)\b(?!.*\bthat\b)",
    re.IGNORECASE,
)
_TERMINAL = tuple(".!?…\"'”’)]:")
_ENTITY = re.compile(
    r"(?:[A-Z][\w]*(?:[-'’][A-Za-z]\w*)*(?:'s|’s)?)(?:\s+(?:of\s+|the\s+)?[A-Z][\w]*(?:[-'’][A-Za-z]\w*)*)*"
)
_POSSESSIVE_CUT = re.compile(r"(?<=\w)['’]s\s+")
_NOT_ENTITIES = frozenset(
    (
        "the a an this that these those it its in on at by for of and but or as after before "
        "during with from to he she they we i his her their our there here when while since "
        "according meanwhile however also both some many most one two three approximately about "
        "around nearly more less over under several reports report analysts officials "
        "january february march april may june july august september october november december "
        "monday tuesday wednesday thursday friday saturday sunday"
    ).split()
)
_ATTRIBUTION = re.compile(
    r"\b(according to|reported by|quoted as saying|was quoted|reports? from|said|says|told|"
    r"speculates?|claimed|claims|estimated?s?|warned?|indicated?)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Found:
    """A located piece of evidence."""

    start: int
    end: int
    match: str
    score: float


@dataclass
class Verdict:
    evidence: list[Found]
    reasons: list[str] = field(default_factory=list)

    @property
    def supported(self) -> bool:
        return bool(self.evidence) and not self.reasons


def _translate(text: str) -> str:
    """Fold quotes, dashes and no-break spaces: a few replace() scans beat str.translate."""
    if text.isascii():
        return text.replace('"', "'") if '"' in text else text
    for old, new in _FOLD_PAIRS:
        if old in text:
            text = text.replace(old, new)
    return text


def fold_text(text: str) -> str:
    """Lower-case, fold quotes and dashes, collapse whitespace (positions map back by Unfold)."""
    translated = _translate(text)
    lowered = translated.lower()
    if not _char_for_char(translated, lowered):
        return _fold_chars(translated)[0]
    return _collapse(lowered)


def _char_for_char(translated: str, lowered: str) -> bool:
    """Whether lower() mapped each character to one, regardless of its neighbours: not so for
    "İ" (two characters) or a capital sigma (final or not, depending on what follows)."""
    return len(lowered) == len(translated) and "Σ" not in translated


def fold_each(text: str, spans: list[Span]) -> list[str]:
    """[fold_text(text[s.start:s.end]) for s in spans], with one lower() and one regex pass.

    Folding maps character for character here (else the spans are folded one by one), so the
    spans can be cut from the lowered text, joined by a separator that is not whitespace (runs of
    spaces cannot cross it), collapsed at once and split again.
    """
    if not spans:
        return []
    translated = _translate(text)
    lowered = translated.lower()
    if not _char_for_char(translated, lowered) or _SEPARATOR in text:
        return [fold_text(text[s.start : s.end]) for s in spans]
    joined = _SEPARATOR.join(lowered[s.start : s.end] for s in spans)
    parts = _SPACES.sub(" ", joined).split(_SEPARATOR)
    return [
        p[1:] if p[:1] == " " and lowered[s.start : s.start + 1].isspace() else p
        for p, s in zip(parts, spans, strict=True)
    ]


class Unfold:
    """Maps a position in fold_text(text) back to text.

    Folding maps character for character except where it collapses whitespace, so only those
    places are kept: a handful in news text (paragraph breaks), where a full index would hold one
    entry per character.
    """

    def __init__(self, text: str) -> None:
        translated = _translate(text)
        self._full: list[int] | None = None
        self._at: list[int] = []  # first folded position after each dropped run
        self._shift: list[int] = []  # characters dropped before it, in total
        if not _char_for_char(translated, translated.lower()):
            self._full = _fold_chars(translated)[1]
            return
        shift = 0
        for m in _DROPPED.finditer(translated):
            start, end = m.span()
            if start == 0:  # leading whitespace goes entirely
                self._at.append(0)
                shift = end
            else:  # a run keeps its first character, as one space
                self._at.append(start - shift + 1)
                shift += end - start - 1
            self._shift.append(shift)

    def __getitem__(self, folded: int) -> int:
        if self._full is not None:
            return self._full[folded]
        i = bisect.bisect_right(self._at, folded) - 1
        return folded + (self._shift[i] if i >= 0 else 0)


def _collapse(lowered: str) -> str:
    folded = _SPACES.sub(" ", lowered)
    return folded[1:] if folded[:1] == " " and lowered[:1].isspace() else folded


def _fold_chars(translated: str) -> tuple[str, list[int]]:
    """Fold one character at a time, with the original position of every folded character:
    lower() of a whole string can differ (final sigma, characters whose lower case is longer)."""
    out: list[str] = []
    index: list[int] = []
    prev_space = True
    for i, ch in enumerate(translated):
        if ch.isspace():
            if prev_space:
                continue
            ch = " "
            prev_space = True
        else:
            prev_space = False
        low = ch.lower()  # "İ" lowers to two characters, each maps back to it
        out.append(low)
        index.extend([i] * len(low))
    return "".join(out), index


def entities(text: str) -> list[str]:
    """Capitalized names in text (a cheap, deterministic stand-in for NER)."""
    found: list[str] = []
    for m in _ENTITY.finditer(text):
        name = m.group(0)
        name = (name[:-2] if name.endswith(("'s", "’s")) else name).strip()
        words = name.split()
        while words and words[0].lower() in _NOT_ENTITIES:
            words.pop(0)
        name = " ".join(words)
        if len(name) > 1 and name.lower() not in _NOT_ENTITIES and name not in found:
            found.append(name)
    return found


def content_words(folded: str) -> list[str]:
    """Significant words of folded text, possessives dropped."""
    words = re.findall(r"[\w][\w-]*", folded.replace("'s ", " "))
    return [w for w in words if len(w) > 2 and w not in _NOT_ENTITIES]


def has_word_starting(haystack: str, prefix: str) -> bool:
    r"""Whether a word of haystack starts with prefix: re.search(rf"{prefix}", haystack) for a
    prefix that starts with a word character, without compiling a pattern per word."""
    if not prefix:
        return bool(re.search(r"\b", haystack))
    at = haystack.find(prefix)
    while at >= 0:
        if at == 0 or not _is_word(haystack[at - 1]):
            return True
        at = haystack.find(prefix, at + 1)
    return False


def _is_word(ch: str) -> bool:
    r"""re's \w for one character."""
    return ch.isalnum() or ch == "_"


def _acronym_of_phrase_in(acronym: str, haystack: str) -> bool:
    """Whether haystack holds a phrase whose initials spell acronym ("nis")."""
    words = re.findall(r"[a-z][\w-]*", haystack)
    n = len(acronym)
    return any(
        "".join(w[0] for w in words[i : i + n]) == acronym for i in range(len(words) - n + 1)
    )


def _acronym(name: str) -> str:
    return attribution.acronym(name).upper()


class Source:
    """The submitted article, prepared once for many look-ups."""

    def __init__(self, text: str, layout: Layout | None = None) -> None:
        self.text = text
        layout = layout or split(text)
        self.boilerplate = layout.boilerplate
        self.sentences: list[Span] = layout.sentences
        self._starts = layout.starts
        self._ends = layout.ends
        self._para_end = layout.para_end
        self._sentence_hits: dict[str, frozenset[int]] = {}

    @cached_property
    def folded(self) -> str:
        """The whole text folded, for normalized and fuzzy look-ups and name checks."""
        return fold_text(self.text)

    @cached_property
    def unfold(self) -> Unfold:
        """Folded position -> position in the text; built only when a quote is not found as is."""
        return Unfold(self.text)

    @cached_property
    def sentence_folds(self) -> list[str]:
        """Each sentence folded, for similarity look-ups."""
        return fold_each(self.text, self.sentences)

    def in_boilerplate(self, start: int, end: int) -> bool:
        return any(start < b.end and b.start < end for b in self.boilerplate)

    def locate(self, quote: str) -> Found | None:
        """Where quote stands in the text: exact, normalized, then fuzzy; None when absent."""
        quote = quote.strip()
        if not quote:
            return None
        at = self.text.find(quote)
        if at >= 0:
            return Found(*self._snap(at, at + len(quote)), "exact", 100.0)
        folded_quote = fold_text(quote)
        at = self.folded.find(folded_quote)
        if at >= 0:
            return self._from_folded(at, at + len(folded_quote), "normalized", 100.0)
        if len(folded_quote) < 12:
            return None
        best = fuzz.partial_ratio_alignment(folded_quote, self.folded, score_cutoff=FUZZY_CUTOFF)
        if best is None:
            return None
        return self._from_folded(best.dest_start, best.dest_end, "fuzzy", round(best.score, 1))

    def _from_folded(self, start: int, end: int, how: str, score: float) -> Found:
        return Found(*self._snap(self.unfold[start], self.unfold[end - 1] + 1), how, score)

    def _snap(self, start: int, end: int) -> tuple[int, int]:
        """A span widened to whole words at both edges, with no space at either edge."""
        text = self.text
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        while 0 < start < end and _is_word(text[start - 1]) and _is_word(text[start]):
            start -= 1
        while start < end < len(text) and _is_word(text[end]) and _is_word(text[end - 1]):
            end += 1
        return start, end

    def best_sentences(self, claim: str, limit: int = 2) -> list[Found]:
        """Article sentences most like `claim`, best first, above the similarity cutoff."""
        hits = process.extract(
            fold_text(claim),
            self.sentence_folds,
            scorer=fuzz.token_set_ratio,
            score_cutoff=SENTENCE_CUTOFF,
            limit=None,
        )
        scored = sorted(
            (-score, i)
            for _, score, i in hits
            if not self.in_boilerplate(self.sentences[i].start, self.sentences[i].end)
        )
        return [
            Found(self.sentences[i].start, self.sentences[i].end, "sentence", round(-neg, 1))
            for neg, i in scored[:limit]
        ]

    def context_of(self, evidence: list[Found]) -> tuple[str, str]:
        """The contexts of every piece of evidence, joined, and the same folded.

        The fold is made of the sentences' own folds (made once per article): sentences start and
        end with a non-space, so folding them one by one and joining them with a space is folding
        their join. A piece outside every sentence is folded as it is, and a context with space at
        an edge is folded whole.
        """
        parts: list[str] = []
        folds: list[str] = []
        for found in evidence:
            first, last = self._overlapping(found)
            if first > last:
                raw = self.text[found.start : found.end]
                parts.append(raw)
                folds.append(fold_text(raw))
                continue
            near = slice(max(0, first - 1), last + 2)
            parts.append(" ".join(self.text[s.start : s.end] for s in self.sentences[near]))
            folds.append(" ".join(self.sentence_folds[near]))
        context = " ".join(parts)
        if all(p and not p[0].isspace() and not p[-1].isspace() for p in parts):
            return context, " ".join(folds)
        return context, fold_text(context)

    def own_sentences(self, found: Found) -> str:
        first, last = self._overlapping(found)
        hits = self.sentences[first : last + 1]
        return (
            " ".join(self.text[s.start : s.end] for s in hits) or self.text[found.start : found.end]
        )

    def _overlapping(self, found: Found) -> tuple[int, int]:
        """First and last index of the sentences overlapping found (first > last when none)."""
        return (
            bisect.bisect_right(self._ends, found.start),
            bisect.bisect_left(self._starts, found.end) - 1,
        )

    # --- what may be evidence, and which sentences carry a statement ---------------------------

    def sentence_text(self, i: int) -> str:
        return self._sentence_texts[i]

    @cached_property
    def _sentence_texts(self) -> list[str]:
        return [self.text[s.start : s.end] for s in self.sentences]

    @cached_property
    def paragraphs(self) -> list[range]:
        """Sentence indices of each paragraph."""
        out = []
        first = 0
        for i, last in enumerate(self._para_end):
            if last:
                out.append(range(first, i + 1))
                first = i + 1
        if first < len(self.sentences):
            out.append(range(first, len(self.sentences)))
        return out

    @cached_property
    def _paragraph_of(self) -> list[range]:
        index: list[range] = [range(0)] * len(self.sentences)
        for para in self.paragraphs:
            for i in para:
                index[i] = para
        return index

    @cached_property
    def eligible(self) -> list[bool]:
        """Whether each sentence may be evidence: not boilerplate, not a heading (a short line
        with no sentence end), not in a paragraph addressed to an AI reader."""
        ok = [not self.in_boilerplate(s.start, s.end) for s in self.sentences]
        for para in self.paragraphs:
            texts = [self.sentence_text(i) for i in para]
            if any(_INJECTION.search(t) for t in texts):
                for i in para:
                    ok[i] = False
            elif len(para) == 1 and para[0] > 0:  # the first line is the article's title
                t = texts[0]
                if not t.endswith(_TERMINAL) and len(t.split()) <= HEADING_WORDS:
                    ok[para[0]] = False
        return ok

    @cached_property
    def is_title(self) -> bool:
        """Whether the first line is a title: one short line with no sentence end."""
        if not self.paragraphs or len(self.paragraphs[0]) != 1:
            return False
        first = self.sentence_text(0)
        return not first.endswith(_TERMINAL) and len(first.split()) <= HEADING_WORDS

    def tokens_of(self, i: int) -> tuple[wording.Token, ...]:
        return wording.tokens(self._sentence_texts[i])

    @cached_property
    def _stem_index(self) -> dict[str, set[int]]:
        """Stem -> the eligible sentences holding it."""
        index: dict[str, set[int]] = {}
        for i, text in enumerate(self._sentence_texts):
            if self.eligible[i]:
                for stem in wording.stems_of(text):
                    index.setdefault(stem, set()).add(i)
        return index

    @cached_property
    def _sorted_stems(self) -> list[str]:
        return sorted(self._stem_index)

    def sentences_with(self, stem: str) -> frozenset[int]:
        """Eligible sentences holding the stem, a synonym, or a stem it shares a long prefix with."""
        if (hit := self._sentence_hits.get(stem)) is not None:
            return hit
        index = self._stem_index
        found: set[int] = set()
        for word in (stem, *wording.synonyms(stem)):
            found |= index.get(word, set())
            if len(word) >= 5:  # "deploy" / "deployment", "assist" / "assistance"
                stems = self._sorted_stems
                at = bisect.bisect_left(stems, word)
                while at < len(stems) and stems[at].startswith(word):
                    found |= index[stems[at]]
                    at += 1
                for n in range(5, len(word)):
                    found |= index.get(word[:n], set())
        if split := wording.prefixed(stem):  # "pre-pandemic": "before the pandemic"
            when, rest = split
            found |= self.sentences_with(rest) & {i for w in when for i in index.get(w, set())}
        hit = self._sentence_hits[stem] = frozenset(found)
        return hit

    def sentences_with_word(self, stem: str) -> set[int]:
        """Eligible sentences holding the stem itself or a listed synonym (no longer word)."""
        index = self._stem_index
        found = set(index.get(stem, ()))
        for word in wording.synonyms(stem):
            found |= index.get(word, set())
        return found

    @cached_property
    def _placed_figures(self) -> list[tuple[int, figures.Figure]]:
        """(sentence, figure) for every figure of the eligible sentences (one pass)."""
        out = []
        for f in figures_of(self.text):
            i = bisect.bisect_right(self._starts, f.start) - 1
            if i >= 0 and f.start < self._ends[i] and self.eligible[i]:
                out.append((i, f))
        return out

    @cached_property
    def _figure_index(self) -> dict[float, set[int]]:
        """Figure value -> the eligible sentences holding it."""
        index: dict[float, set[int]] = {}
        for i, f in self._placed_figures:
            if f.value is not None:
                index.setdefault(round(f.value, 6), set()).add(i)
        return index

    def sentences_with_value(self, value: float) -> set[int]:
        return self._figure_index.get(round(value, 6), set())

    def sentences_with_date(self, date: figures.Figure) -> frozenset[int]:
        """The sentences giving `date` at least as precisely ("June 19, 2024" for "June 2024")."""
        return frozenset(
            i for i, f in self._placed_figures if f.kind == "date" and figures.date_ok(date, f)
        )

    def attributed_spans(self, i: int) -> list[tuple[int, int]]:
        """Spans of sentence i (offsets in it) that a source says: its quotations (a quotation
        may run over several sentences of its paragraph) and reporting-verb clauses."""
        spans = list(attribution.attributed_spans(self.sentence_text(i)))
        para = self._paragraph_of[i]
        if len(para) > 1:
            base = self.sentences[para[0]].start
            ptext = self.text[base : self.sentences[para[-1]].end]
            s = self.sentences[i]
            for a, b in attribution.quoted_spans(ptext):
                a, b = max(a + base, s.start), min(b + base, s.end)
                if a < b:
                    spans.append((a - s.start, b - s.start))
        return spans

    def speakers(self, i: int) -> str:
        """Folded text naming whoever speaks in sentence i: the sentence outside what is quoted
        or reported, the other sentences of its paragraph when it is inside a quotation, and the
        next sentence when that opens by crediting it ("This vow, reported by KCNA, ...")."""
        text = self.sentence_text(i)
        parts = [attribution.speaker_text(text)]
        spans = self.attributed_spans(i)
        if any(b - a >= len(text) - 2 for a, b in spans):  # wholly quoted: its paragraph's speaker
            parts += [
                attribution.speaker_text(self.sentence_text(j))
                for j in self._paragraph_of[i]
                if j != i
            ]
        elif _PRONOUN.search(parts[0]):  # "she cautioned that ...": who "she" is
            parts += [attribution.speaker_text(self.sentence_text(j)) for j in self._before(i)]
        if i + 1 < len(self.sentences) and attribution.names_source_after(
            self.sentence_text(i + 1)
        ):
            parts.append(self.sentence_text(i + 1))
        return fold_text(" ".join(parts))

    def _before(self, i: int) -> list[int]:
        """The (up to two) sentences before i in its paragraph."""
        para = self._paragraph_of[i]
        return [j for j in (i - 2, i - 1) if j >= para.start]

    def referents(self, i: int) -> str:
        """Folded text a pronoun in sentence i may stand for: the sentences before it in its
        paragraph, when it has a pronoun ("It has not yet secured ..." after "Vantara said ...")."""
        if not _PRONOUN.search(self.sentence_text(i)):
            return ""
        return " ".join(self.sentence_folds[j] for j in self._before(i))

    def referent_text(self, i: int) -> str:
        """The sentences `referents` folds, as written."""
        if not _PRONOUN.search(self.sentence_text(i)):
            return ""
        return " ".join(self.sentence_text(j) for j in self._before(i))

    def mentions(self, name: str, within_folded: str | None = None) -> bool:
        """Whether a name appears in the text: whole, as its acronym, or every significant word.

        "NIS" matches "National Intelligence Service" (and the reverse); "Kim Jong-il" does not
        match "Kim Jong-un", since every significant word must be there.
        """
        haystack = self.folded if within_folded is None else within_folded
        folded = fold_text(name)
        if folded in haystack:
            return True
        acronym = _acronym(name)
        if len(acronym) >= 2 and re.search(rf"\b{re.escape(acronym.lower())}\b", haystack):
            return True
        if name.isupper() and 2 <= len(name) <= 6 and _acronym_of_phrase_in(name.lower(), haystack):
            return True
        words = content_words(folded)
        return bool(words) and all(has_word_starting(haystack, w) for w in words)


@dataclass(frozen=True)
class _Clause:
    """One main clause of a statement: its text, its content words and figures."""

    start: int
    end: int
    words: list[int]  # indices into the statement's tokens
    values: list[float]
    items: bool = False  # the items of an enumeration: each word must be in its evidence
    dates: list[figures.Figure] = field(default_factory=list)  # "June 19, 2024", "May 2025"


def _clauses(
    text: str, toks: tuple[wording.Token, ...], said_from: int = 0, said_to: int | None = None
) -> list[_Clause]:
    """The main clauses of what a statement says (its speaker, "X said", is checked apart)."""
    said_to = len(text) if said_to is None else said_to
    out = []
    spans: list[tuple[int, int, bool]] = []
    for a, b in wording.clauses(text):
        a, b = max(a, said_from), min(b, said_to)
        if a >= b:
            continue
        tail = wording.list_tail(text, a, b)  # its items may stand in the next sentences
        spans += [(a, tail, False), (tail, b, True)] if tail else [(a, b, False)]
    for a, b, items in spans:
        words = [k for k, t in enumerate(toks) if a <= t.start < b and wording.is_content(t)]
        found = figures_of(text[a:b])
        values = [f.value for f in found if f.value is not None]
        dates = [f for f in found if f.kind == "date"]
        if words or values:
            out.append(_Clause(a, b, words, values, items, dates))
    return out


def _weight(toks: tuple[wording.Token, ...], k: int) -> float:
    """How much a word counts towards covering a clause: verbs and names more."""
    return 1.5 if wording.is_verb(toks, k) or toks[k].capital else 1.0


def _best_sentences(
    source: Source,
    clause: _Clause,
    toks: tuple[wording.Token, ...],
    preferred: set[int],
    speaker: str | None,
    taken: frozenset[int] = frozenset(),
) -> tuple[int, ...]:
    """The eligible sentence that covers most of the clause's words and figures, or two
    adjacent sentences of one paragraph when together they cover clearly more.

    Among sentences covering it alike, one giving the clause's date (to the day asked) wins,
    then one naming the credited source (a model may quote another sentence with the same
    words: KCNA's report, not the ministry's speculation about the same talks), then the
    sentences of the model's quote, then one the statement's earlier clauses are bound to
    (`taken`), then one holding the words themselves rather than longer words they begin,
    then the earlier sentence (a story states a fact first and refers back to it later): a
    quote is kept only when its sentence covers the clause at least as well as any other.
    """
    holders = [(source.sentences_with(toks[k].stem), _weight(toks, k)) for k in clause.words]
    holders += [(frozenset(source.sentences_with_value(v)), FIGURE_WEIGHT) for v in clause.values]
    kinds = [(h, w, toks[k].capital) for (h, w), k in zip(holders, clause.words, strict=False)]
    kinds += [(h, w, False) for h, w in holders[len(clause.words) :]]
    score: dict[int, float] = {}
    for held, w in holders:
        for i in held:
            score[i] = score.get(i, 0.0) + w
    if not score:
        return ()
    best_raw = max(score.values())
    dated_in = [source.sentences_with_date(d) for d in clause.dates]

    def rank(i: int) -> tuple[float, bool, bool, bool, int, int]:
        named = bool(speaker) and attribution.in_evidence(speaker or "", source.speakers(i))
        # a word itself beats a longer word it begins ("schools", not "school-age children")
        exact = sum(i in source.sentences_with_word(toks[k].stem) for k in clause.words)
        # a date decides between sentences that cover the words alike ("the treaty signed on
        # June 19, 2024" is the sentence giving that day, not an earlier "in June 2024"); it
        # does not join a neighbour, which would pair a date with another sentence's event
        dated = sum(i in held for held in dated_in)
        return (
            score[i]
            + FIGURE_WEIGHT * dated
            + 0.5 * (i in preferred)
            + 0.75 * named
            - 0.25 * (i == 0 and source.is_title),
            i in preferred,
            named,
            i in taken,  # the sentence of the statement's other clauses
            exact,
            # a story states a fact first and refers back to it later ("funded from the
            # schools and health allocation" after "$145 million is set aside for schools")
            -i,
        )

    near = [i for i, sc in score.items() if sc >= best_raw - 0.5]
    best = max(near, key=rank)
    # a neighbour joins when it adds a figure or two words the best sentence lacks
    pair_best: tuple[float, tuple[int, ...]] = (score[best] + 1.999, (best,))
    top = sorted(score, key=lambda i: -score[i])[:6]
    for i in {j for t in top for j in (t - 1, t)}:
        if (
            i < 0
            or i + 1 >= len(source.sentences)
            or source._paragraph_of[i] is not source._paragraph_of[i + 1]
        ):
            continue
        if not (source.eligible[i] and source.eligible[i + 1]):
            continue
        both = sum(w for held, w in holders if i in held or i + 1 in held)
        other = i if best == i + 1 else i + 1
        # what the neighbour adds must include a word or figure, not only names
        plain = any(other in held and best not in held for held, _, name in kinds if not name)
        if both > pair_best[0] and plain and min(score.get(i, 0), score.get(i + 1, 0)) >= 1.0:
            pair_best = (both, (i, i + 1))
    return pair_best[1]


def check_statement(
    source: Source,
    text: str,
    evidence: list[Found],
    attributed_to: str | None = None,
    *,
    check_attribution: bool = True,
    names: list[str] | None = None,
    folded_text: str | None = None,
) -> Verdict:
    """Check one claim (`check_attribution=True`) or summary sentence against the article.

    `evidence` is where the model's quote was found, if anywhere: a candidate, not a given.
    Each main clause of the statement is bound to the article sentence that best covers its
    words and figures (two adjacent ones when together they cover clearly more; the quote's
    when it covers as well as any), and the evidence becomes those sentences. Every check then
    reads a clause against its own sentences only: figures, names, the content words (an
    unmatched verb, name or subject is decisive), negation and modality, and who says it (a
    claim's `attributed_to`, or the speaker a statement names). Headings, boilerplate and text
    addressed to an AI are never evidence. `names` (entities(text)) saves the work when the
    caller has it; `folded_text` is accepted for compatibility and unused.
    """
    del folded_text
    toks = wording.tokens(text)
    names = entities(text) if names is None else names
    boiler = bool(evidence) and all(source.in_boilerplate(e.start, e.end) for e in evidence)
    preferred: set[int] = set()
    match: dict[int, str] = {}
    for e in evidence:
        first, last = source._overlapping(e)
        for i in range(first, last + 1):
            if source.eligible[i]:
                preferred.add(i)
                match.setdefault(i, e.match)
    who, said_from, said_to = attribution.statement_speaker(text)
    stated_speaker = attribution.no_outside_source(who)  # "The article states that ..."
    said = text[said_from:said_to] if who else text  # what it says, its speaker left out
    credited = attribution.no_outside_source(attributed_to) if check_attribution else None
    speaker = credited or stated_speaker
    if speaker:
        speaker = attribution.source_name(speaker)
    if not stated_speaker:
        said_from, said_to = 0, len(text)
    clauses = _clauses(text, toks, said_from, said_to)
    bound: list[tuple[_Clause, tuple[int, ...]]] = []
    for clause in clauses:
        taken = frozenset(i for _, h in bound for i in h)
        if held := _best_sentences(source, clause, toks, preferred, speaker, taken):
            bound.append((clause, held))
    chosen = sorted({i for _, held in bound for i in held})
    verdict = Verdict(
        evidence=[
            Found(
                source.sentences[i].start,
                source.sentences[i].end,
                match.get(i, "sentence"),
                _coverage(source, i, toks),
            )
            for i in chosen
        ]
    )
    if not chosen:
        verdict.reasons.append(
            "its only evidence is page boilerplate, not the story"
            if boiler
            else "no passage of the article supports it"
        )
        return verdict
    reasons = verdict.reasons
    total = sum(len(c.words) for c in clauses)
    soft_missing: list[str] = []
    decisive: list[str] = []
    held_by = {id(c): held for c, held in bound}
    for clause in clauses:
        held = held_by.get(id(clause), ())
        if not held:
            decisive.extend(toks[k].text for k in clause.words)
            continue
        own = " ".join(source.sentence_text(i) for i in held)
        clause_text = text[clause.start : clause.end]
        figure_reasons = check_figures(clause_text, own)
        if figure_reasons and _figure_pointed_at(clause_text, own):
            # "said that distance was a real barrier" after "... 2.4 kilometres down the road"
            before = " ".join(_antecedent_text(source, i) for i in held)
            figure_reasons = check_figures(clause_text, f"{before} {own}")
        reasons.extend(figure_reasons)
        subject = wording.subject_words(toks, clause.start, clause.end)
        spoken_subject: set[int] = set()
        if stated_speaker:  # a reported clause's subject is often a pronoun in the quote
            if _FIRST_PERSON.search(own):  # "the company was not" for "we are not"
                spoken_subject = {k for k in subject if not toks[k].capital}
            subject = {k for k in subject if toks[k].capital}
        referents = " ".join(source.referents(i) for i in held)
        own_folded = fold_text(own)
        named = _named_tokens(text, toks, names, own_folded)
        named |= _stood_for(source, toks, held, clause, subject)
        for name in names:  # "Russian" for the Russia its sentences name
            if _place_of_adjective(source, held, text, name):
                named |= _tokens_of(text, toks, name)
        for k in clause.words:
            t = toks[k]
            if any(i in source.sentences_with(t.stem) for i in held) or k in named:
                continue
            if k in spoken_subject or _body_stood_for(source, held, toks, k):
                continue
            if t.capital and (
                (t.text.isupper() and attribution.in_article(t.text, own_folded))  # GDP
                or attribution.in_evidence(t.text, referents)  # "It" for the company
            ):
                continue
            if other := wording.rival(t, own):
                reasons.append(f"it says {t.text!r} where the article says {other!r}")
            elif (
                wording.decisive_verb(toks, k)
                or (t.capital and k > 0)
                or k in subject
                or clause.items  # an item the article does not list is invented
            ):
                decisive.append(t.text)
            else:
                soft_missing.append(t.text)
        headline = len(source.sentence_text(0)) if held[0] == 0 and source.is_title else 0
        reasons.extend(wording.polarity_reasons(clause_text, own, headline))
    for name in names:
        at = text.find(name)
        its_sentences = _sentences_of(bound, name, text)
        if (
            not source.mentions(name)
            and not attribution.in_article(name, source.folded)
            and not _place_of_adjective(source, None, text, name)
        ):
            reasons.append(f"names {name!r}, which the article does not mention")
        elif not said_from <= at < said_to and set(attribution.name_words(name)) & set(
            attribution.name_words(speaker or "")
            + attribution.name_words(attribution.source_name(stated_speaker or ""))
        ):
            continue  # the speaker: checked with the attribution (an apposition is not)
        elif _name_stood_for(source, text, toks, name, bound):
            continue  # "the company" for "Vantara" named just before
        elif (
            not any(
                attribution.in_evidence(
                    name,
                    source.sentence_folds[i] + " " + source.referents(i),
                    source.sentence_text(i) + " " + source.referent_text(i),
                )
                and not _part_of_other_name(name, source.sentence_text(i))
                for i in its_sentences
            )
            and not _each_named(source, bound, text, _POSSESSIVE_CUT.split(name))
            and not _place_of_adjective(source, its_sentences, text, name)
        ):
            reasons.append(f"names {name!r}, which its evidence does not mention")
    reasons.extend(_role_reasons(source, text, toks, bound, names))
    if len(clauses) > 1 and not any("swaps" in r for r in reasons):
        # figures of two clauses exchanged ("charges of $65 million, with savings of $40
        # million" against the other way round): each clause alone has its figure right
        everything = " ".join(source.sentence_text(i) for i in chosen)
        reasons.extend(
            figures.swapped(said, everything) or _crossed_figures(source, text, toks, bound)
        )
    for i in sorted({i for _, held in bound for i in held}):
        if swapped := roles.role_reasons(text, 0, len(text), source.tokens_of(i)):
            reasons.extend(swapped)
            break
    reasons.extend(_apart_reasons(source, toks, bound))
    if decisive:
        reasons.append(
            f"its evidence does not say {', '.join(repr(w) for w in dict.fromkeys(decisive))}"
        )
    # one word may be paraphrased once there are four (three in reported speech, where the
    # quote says "we" or "it" for the subject the statement names)
    allowed = max(MAX_UNSUPPORTED_WORDS * total, 1.0 if total >= 4 else 0.0)
    if total and len(soft_missing) > allowed:
        reasons.append(
            f"{len(soft_missing)} of its {total} content words are not in its evidence "
            f"({', '.join(sorted(set(soft_missing))[:6])})"
        )
    if _META.search(text):
        reasons.append("it is about the article, not a fact the article states")
    if check_attribution:
        if len(sentences(text, Span(0, len(text)))) > 1:
            reasons.append("it is not one atomic statement: it has several sentences")
        if not wording.has_verb(text):
            reasons.append("it is not a statement: it has no verb")
    reasons.extend(
        _attribution_reasons(
            source, said, toks, bound, speaker, said_from, said_to,
            credited=credited, stated=stated_speaker, claim=check_attribution,
            explicit=bool(who) and not stated_speaker,
        )
    )  # fmt: skip
    if boiler and reasons:
        reasons.insert(0, "its only evidence is page boilerplate, not the story")
    return verdict


_ROLE_WORDS = re.compile(
    r"\b(?:by|with|to|from|against|over|of|for)\b|\b(?!(?:and|the|its|their|both)\b)[a-z]{3,}"
)


def _role_reasons(
    source: Source,
    text: str,
    toks: tuple[wording.Token, ...],
    bound: list[tuple[_Clause, tuple[int, ...]]],
    names: list[str],
) -> list[str]:
    """Two names close together that their sentences give in the other order, with a verb or a
    role word between them ("led by ESA, with NASA" / "led by NASA, with ESA"): roles swapped. A change of voice ("X was defeated by Y" / "Y defeated X") reverses the
    order rightly."""
    del toks  # nouns as anchors cost more true paraphrases than they caught swaps
    found = ((_word_at(text, n), n) for n in names)
    anchors = sorted((at, at + len(n), n) for at, n in found if at >= 0)
    reasons: list[str] = []
    placed: list[tuple[int, int, str, list[int]]] = []
    for start, end, label in anchors:
        held = {i for c, h in bound if c.start <= start < c.end for i in h}
        own = " ".join(source.sentence_folds[i] for i in sorted(held))
        at = _positions(label, own)
        if at and not any(start < e and s < end for s, e, _, _ in placed):
            placed.append((start, end, label, at))
    for (_, a_end, a, pa), (b_at, _, b, pb) in itertools.pairwise(placed):
        between = text[a_end:b_at].lower()
        if len(between.split()) > 4 or not _ROLE_WORDS.search(between) or a.lower() == b.lower():
            continue
        if all(w in attribution.TITLES for w in between.split()):
            continue  # "North Korean leader Kim Jong-un": a description of one name, not two roles
        near = [(x, y) for x in pa for y in pb if abs(x - y) <= 80]
        if not near or any(x < y for x, y in near):
            continue  # in the same order somewhere, or not near each other
        own = " ".join(source.sentence_folds[i] for _, h in bound for i in h)
        x, y = min(near, key=lambda p: abs(p[0] - p[1]))
        if (" by " in f" {between} ") != (" by " in f" {own[y:x]} "):
            continue  # active and passive
        reasons.append(f"it reverses the roles of {a!r} and {b!r}")
    return reasons


def _word_at(text: str, name: str) -> int:
    """Where name first stands as whole words in text ("North Korea" is not in "North Korean
    leader"), or -1."""
    m = re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text)
    return m.start() if m else -1


def _apart_reasons(
    source: Source, toks: tuple[wording.Token, ...], bound: list[tuple[_Clause, tuple[int, ...]]]
) -> list[str]:
    """Two words the statement joins ("automotive and semiconductor customers") that its
    sentence has far apart, in different parts of it: items of two lists conflated.

    Two items of one enumeration ("$3.4 billion to rail upgrades, $2.9 billion to the grid,
    $1.3 billion to port expansion") may be named together ("including rail upgrades and port
    expansion") when the statement's clause gives them no figure: nothing is then said of the
    pair that the article says of one item only. Between them the article must have no verb
    and no clause break ("while", "but", ";"), else they belong to two statements."""
    for clause, held in bound:
        words = [k for k in clause.words if not toks[k].capital]
        for k1, k2 in itertools.pairwise(words):
            if k2 - k1 != 2 or toks[k1 + 1].text.lower() not in {"and", "or"}:
                continue  # list items: "A and B"
            for i in held:
                ev = source.tokens_of(i)
                p1 = [j for j, t in enumerate(ev) if wording.related(toks[k1].stem, t.stem)]
                p2 = [j for j, t in enumerate(ev) if wording.related(toks[k2].stem, t.stem)]
                far = [(a, b) for a in p1 for b in p2 if abs(a - b) >= 10]
                if not far or len(far) < len(p1) * len(p2):
                    continue
                if not clause.values and any(_one_list(ev, a, b) for a, b in far):
                    continue
                return [
                    f"it joins {toks[k1].text!r} and {toks[k2].text!r}, which the article "
                    "keeps apart"
                ]
    return []


def _crossed_figures(
    source: Source, text: str, toks: tuple[wording.Token, ...],
    bound: list[tuple[_Clause, tuple[int, ...]]],
) -> list[str]:  # fmt: skip
    """Figures of two clauses exchanged between the subjects the article gives them
    ("ridership has recovered to well over 100 percent, while costs have recovered to about
    85 percent" against "Ridership has recovered to about 85 percent ..., but our costs have
    recovered to well over 100 percent"): two clauses of the statement read in one sentence,
    each against the clause of that sentence holding most of its words, and each clause's
    figures only in the other's."""
    with_figures = [(c, held) for c, held in bound if c.values]
    for (c1, h1), (c2, h2) in itertools.combinations(with_figures, 2):
        for i in set(h1) & set(h2):
            sentence = source.sentence_text(i)
            parts = [sentence[a:b] for a, b in wording.clauses(sentence)]
            if len(parts) < 2:
                continue
            b1, b2 = _own_part(parts, toks, c1), _own_part(parts, toks, c2)
            if b1 is None and b2 is not None:  # a tie one of them clearly takes
                b1 = _own_part(parts, toks, c1, without=b2)
            elif b2 is None and b1 is not None:
                b2 = _own_part(parts, toks, c2, without=b1)
            if b1 is None or b2 is None or b1 == b2:
                continue
            if _values_only_in(c1.values, parts[b2], parts[b1]) and _values_only_in(
                c2.values, parts[b1], parts[b2]
            ):
                one, other = (text[c.start : c.end].strip(" ,;.") for c in (c1, c2))
                return [
                    f"it swaps the figures of {one!r} and {other!r}: the article has them the "
                    "other way round"
                ]
    return []


def _own_part(
    parts: list[str], toks: tuple[wording.Token, ...], clause: _Clause, without: int = -1
) -> int | None:
    """The one part of a sentence holding most of a clause's words (None on a tie), the part
    `without` left out."""
    cover = {
        j: sum(
            wording.same_word(toks[k].stem, frozenset(wording.stems_of(p))) for k in clause.words
        )
        for j, p in enumerate(parts)
        if j != without
    }
    ranked = sorted(cover.values())
    best = max(cover, key=lambda j: cover[j])
    return None if not ranked[-1] or (len(ranked) > 1 and ranked[-2] >= ranked[-1]) else best


def _values_only_in(values: list[float], there: str, here: str) -> bool:
    """Whether some of the values are in `there` and none is in `here`."""

    def has(part: str, v: float) -> bool:
        return any(f.value is not None and math.isclose(v, f.value) for f in figures_of(part))

    return any(has(there, v) for v in values) and not any(has(here, v) for v in values)


_CLAUSE_BREAKS = frozenset("while whereas but although though ; : ( ) — –".split())


def _one_list(ev: tuple[wording.Token, ...], a: int, b: int) -> bool:
    """Whether ev[a] and ev[b] stand in one enumeration: no verb, auxiliary or clause break
    between them ("rail upgrades, $2.9 billion to the grid, $1.3 billion to port expansion")."""
    lo, hi = sorted((a, b))
    for j in range(lo + 1, hi):
        t = ev[j]
        low = t.text.lower()
        if low in _CLAUSE_BREAKS or t.text in wording.QUOTE_MARKS:
            return False
        # a predicate between them: an auxiliary or a past tense ("had remained", "rose");
        # a base form may be a noun of an item ("dye-house repairs")
        if low in wording.AUXILIARIES or low in wording.BE_FORMS:
            return False
        if t.text[0].isalpha() and wording.is_verb(ev, j) and wording.past_form(t.text):
            return False
    return True


def _positions(name: str, folded: str) -> list[int]:
    """Where a name stands in folded text, by its distinctive words or its acronym."""
    words = [w for w in [*attribution.name_words(name), attribution.acronym(name)] if len(w) >= 2]
    return [at for w in words for at in attribution.word_positions(folded, w)]


def _each_named(
    source: Source, bound: list[tuple[_Clause, tuple[int, ...]]], text: str, parts: list[str]
) -> bool:
    """Whether the names a possessive joins ("North Korea's Kim Jong-un") are each named by
    the evidence itself, every word of each (not by a name before it: "Dunmore's Oren Vail"
    for a sentence on Oren Vail after one on Dunmore is not)."""
    return len(parts) > 1 and all(
        any(
            all(has_word_starting(source.sentence_folds[i], w) for w in fold_text(part).split())
            for i in _sentences_of(bound, part, text)
        )
        for part in parts
    )


def _place_of_adjective(source: Source, held: Iterable[int] | None, text: str, name: str) -> bool:
    """Whether a name used as a place's adjective ("North Korean leader Kim Jong-un", "Russian
    forces": a title or a noun, not a verb, follows it) stands for a place that sentences
    `held` name ("Kim Jong-un reaffirmed North Korea's full support"), or the article when
    None. "Julian said" for a sentence on Julia is not an adjective."""
    at = text.find(name)
    following = text[at + len(name) :].split(maxsplit=1)[:1] if at >= 0 else []
    word = following[0].strip(".,;:'\"’”") if following else ""
    if not word or not (
        word.lower() in attribution.TITLES or (word[0].islower() and not wording.has_verb(word))
    ):
        return False
    folds = [source.folded] if held is None else [source.sentence_folds[i] for i in held]
    return any(
        attribution.word_positions(fold, place)
        for place in attribution.demonym_places(name)
        for fold in folds
    )


def _part_of_other_name(name: str, sentence: str) -> bool:
    """Whether the sentence has only a word of the name, inside a different name: "Larkspur
    Transit" against "the Larkspur City Council"."""
    words = attribution.name_words(name)
    if len(words) < 2 or fold_text(name) in fold_text(sentence):
        return False
    others = [e for e in entities(sentence) if fold_text(e) != fold_text(name)]
    found = [w for w in words if attribution.word_positions(fold_text(sentence), w)]
    return bool(found) and all(
        any(w in fold_text(e).split() and len(e.split()) > 1 for e in others) for w in found
    )


_PRONOUNS = frozenset("it its they their them he she his her".split())
_BE = frozenset("is are was were".split())
_DEFINITE = frozenset("the this both".split())
ANTECEDENT_SENTENCES = 3  # how far back "the company" or "its" may point


def _anaphors(etoks: tuple[wording.Token, ...]) -> list[tuple[int, int, bool]]:
    """Token spans of an evidence sentence that point back: pronouns ("its") and bare definite
    descriptions ("the company", "the town", "both sides"), each with whether it is a pronoun."""
    out: list[tuple[int, int, bool]] = []
    for j, t in enumerate(etoks):
        low = t.text.lower()
        if low in _PRONOUNS:
            out.append((j, j + 1, True))
        elif low in {"this", "that"} and j + 1 < len(etoks) and etoks[j + 1].text.lower() in _BE:
            out.append((j, j + 1, True))  # "This is a tax on ..."
        elif low in _DEFINITE and j + 1 < len(etoks):
            n = etoks[j + 1]
            bare = j + 2 >= len(etoks) or not wording.is_content(etoks[j + 2])
            noun = (
                n.text[0].islower() and wording.is_content(n) and not wording.is_verb(etoks, j + 1)
            )
            if noun and bare:
                out.append((j, j + 2, False))
    return out


def _content_near(toks: tuple[wording.Token, ...], k: int, step: int) -> str | None:
    """The stem of the nearest content word from toks[k] on, walking by step."""
    while 0 <= k < len(toks):
        if toks[k].text[0].isalpha() and wording.is_content(toks[k]):
            return toks[k].stem
        k += step
    return None


def _aligned(
    toks: tuple[wording.Token, ...], first: int, last: int, etoks: tuple[wording.Token, ...],
    anaphor: tuple[int, int, bool],
) -> bool:  # fmt: skip
    """Whether the statement's run toks[first..last] stands where the anaphor stands in its
    evidence: the nearest content word before it, or after it, is the same on both sides."""
    a, b, _ = anaphor
    pairs = (
        (_content_near(toks, first - 1, -1), _content_near(etoks, a - 1, -1)),
        (_content_near(toks, last + 1, 1), _content_near(etoks, b, 1)),
    )
    return any(x is not None and y is not None and wording.related(x, y) for x, y in pairs)


def _antecedent_text(source: Source, i: int, *, lede: bool = False) -> str:
    """The eligible sentences just before sentence i, as written (and the lede, if asked)."""
    before = [j for j in range(i - 1, -1, -1) if source.eligible[j]][:ANTECEDENT_SENTENCES]
    first = next((j for j, ok in enumerate(source.eligible) if ok), i)
    if lede and first < i:
        before.append(first)
    return " ".join(source.sentence_text(j) for j in sorted(set(before)))


_PERSONAL = frozenset("he she his her him".split())
_ROLE_NOUNS = attribution.TITLES | frozenset("manager spokesman spokeswoman resident".split())


def _is_person(source: Source, name: str) -> bool:
    """Whether the article gives the name a person's title or role: "terminal manager Anil
    Ruud", "Devin Oakes, an analyst at ..." (an organisation is never "the company" then)."""
    for m in re.finditer(re.escape(name), source.text):
        before = re.findall(r"[A-Za-z][\w.-]*", source.text[max(0, m.start() - 30) : m.start()])
        if before and before[-1].lower() in _ROLE_NOUNS and before[-1][0].islower():
            return True
        after = re.match(r",\s+(?:a|an|the)\s+((?:[\w-]+\s+){0,3}?[\w-]+)", source.text[m.end() :])
        if after and after.group(1).split()[-1].lower() in _ROLE_NOUNS:
            return True
    return False


def _antecedents(source: Source, i: int, *, personal: bool = False) -> str:
    """The names an anaphor in sentence i may point to, joined: those of the nearest sentence
    before it that names any (within a few), and those of the lede (the story's subject).
    "The company said ..." after "Brill Marine won the contract" is Brill Marine, not the
    manager named two sentences earlier; unless `personal` ("she"), never a person."""

    def candidates(j: int) -> list[str]:
        found = entities(source.sentence_text(j))
        return found if personal else [n for n in found if not _is_person(source, n)]

    names: list[str] = []
    for j in [j for j in range(i - 1, -1, -1) if source.eligible[j]][:ANTECEDENT_SENTENCES]:
        if names := candidates(j):
            break
    lede = next((j for j, ok in enumerate(source.eligible) if ok), i)
    if lede < i:
        names += candidates(lede)
    return " ; ".join(names)


# A body that a broader organisation noun covers: "the government" for its finance ministry.
_COVERS = {"government": frozenset("ministry treasury cabinet".split())}
_COVERED_STEMS = {
    wording.stem(w): frozenset(map(wording.stem, bodies)) for w, bodies in _COVERS.items()
}  # the same, as stems, for the speaker's words


def _other_body(before: Iterable[wording.Token], word: str) -> bool:
    """Whether a sentence names, before a pronoun, a body of another kind than the
    organisation noun `word` ("Selvia's Finance Ministry said it had paid" for "the company")."""
    word = word.lower()
    heads = {t.text.lower() for t in before} & attribution.ORG_HEADS
    covered = _COVERS.get(word, frozenset())
    return word in attribution.ORG_HEADS and bool(heads) and not heads & ({word} | covered)


def _body_stood_for(
    source: Source, held: tuple[int, ...], toks: tuple[wording.Token, ...], k: int
) -> bool:
    """Whether a bare organisation noun of the statement ("The company is due to ...", "The
    Marendian government announced ...") stands for the organisation its sentences name: they
    name a body the noun covers ("Marendia's Finance Ministry"), or they name an organisation
    by a name and the article itself calls something "the company". A sentence that names
    another kind of body ("the council") is not the company."""
    word = toks[k].text.lower()
    before = toks[k - 1] if k > 0 else None
    if word not in attribution.ORG_HEADS or before is None:
        return False
    if before.text.lower() not in {"the", "its"} and not before.capital:
        return False
    said = [t for i in held for t in source.tokens_of(i)]
    heads = {t.text.lower() for t in said} & attribution.ORG_HEADS
    if heads & _COVERS.get(word, frozenset()):
        return True
    if heads - {word}:
        return False
    named = any(
        t.capital and t.text[0].isalpha() and not _common_word(source, t.text) for t in said
    )
    return named and re.search(rf"\bthe {word}\b", source.folded) is not None


def _common_word(source: Source, word: str) -> bool:
    """Whether a word of a name is also an ordinary lower-case word of the article ("library"
    in "the Central Library" and "library director")."""
    return bool(re.search(rf"(?<![\w-]){re.escape(word.lower())}(?![\w-])", source.text))


_AFTER_FIGURE = re.compile(r"^(?:-[A-Za-z]+)?\s+([a-z][a-z-]+)")


def _figure_pointed_at(clause: str, evidence: str) -> bool:
    """Whether the evidence says a figure's noun by a demonstrative: "the 2.4-kilometre
    distance" for "that distance" (the figure itself in the sentences before)."""
    for f in figures_of(clause):
        m = _AFTER_FIGURE.match(clause[f.end :])
        if m and re.search(
            rf"\b(?:that|this|those|these)\s+{re.escape(m.group(1))}\b", evidence, re.I
        ):
            return True
    return False


def _stood_for(
    source: Source,
    toks: tuple[wording.Token, ...],
    held: tuple[int, ...],
    clause: _Clause,
    subject: set[int] | None = None,
) -> set[int]:
    """Statement words its evidence says by a pronoun or a bare description that points back
    to them: "The central bank's next meeting" for "Its next meeting" after a sentence naming
    the bank; "north of Keldrow" for "north of the town". The words must stand where the
    anaphor stands and be in the sentences just before; a name whose head is an ordinary word
    of the article is not taken ("the branch" does not stand for "the Central Library")."""
    missing = [
        k for k in clause.words if not any(i in source.sentences_with(toks[k].stem) for i in held)
    ]
    out: set[int] = set()
    runs: list[list[int]] = []
    for k in missing:
        if runs and k == runs[-1][-1] + 1:
            runs[-1].append(k)
        else:
            runs.append([k])
    for run in runs:
        capital = all(toks[k].capital for k in run)
        if capital and _common_word(source, toks[run[-1]].text.rstrip("'s’")):
            continue
        for i in held:
            etoks = source.tokens_of(i)
            # a name among those the anaphor may point to; of a description its head in the
            # sentences before ("the bank"), its modifiers anywhere in the article ("central")
            for a, b, pronoun in _anaphors(etoks):
                if not _aligned(toks, run[0], run[-1], etoks, (a, b, pronoun)):
                    continue
                if not (capital or pronoun) and set(run) & (subject or set()):
                    continue  # "the central bank forecasts" is not "the ministry forecasts"
                if pronoun and not capital and _other_body(etoks[:a], toks[run[-1]].text):
                    continue  # "it" after "the Finance Ministry said" is not "the company"
                if capital:
                    personal = etoks[a].text.lower() in _PERSONAL
                    before = fold_text(_antecedents(source, i, personal=personal))
                    found = all(has_word_starting(before, toks[k].stem) for k in run)
                else:  # "the fare increase" for "the measure" after "voted to raise the fare"
                    said = frozenset(wording.stems_of(_antecedent_text(source, i, lede=True)))
                    found = wording.same_word(toks[run[-1]].stem, said) and all(
                        has_word_starting(source.folded, toks[k].stem) for k in run[:-1]
                    )
                if found:
                    out.update(run)
                    break
            if set(run) <= out:
                break
    return out


def _name_stood_for(
    source: Source,
    text: str,
    toks: tuple[wording.Token, ...],
    name: str,
    bound: list[tuple[_Clause, tuple[int, ...]]],
) -> bool:
    """Whether every word of a name is one its evidence says by an anaphor (see _stood_for)."""
    at = text.find(name)
    ks = [k for k, t in enumerate(toks) if at >= 0 and at <= t.start < at + len(name)]
    ks = [k for k in ks if wording.is_content(toks[k])]
    if not ks:
        return False
    for clause, held in bound:
        if clause.start <= at < clause.end and set(ks) <= _stood_for(source, toks, held, clause):
            return True
    return False


def _named_tokens(
    text: str, toks: tuple[wording.Token, ...], names: list[str], folded: str
) -> set[int]:
    """Tokens of the names that the evidence refers to (by surname or short form)."""
    out: set[int] = set()
    for name in names:
        if attribution.in_evidence(name, folded):
            out |= _tokens_of(text, toks, name)
    return out


def _tokens_of(text: str, toks: tuple[wording.Token, ...], name: str) -> set[int]:
    """The tokens of a name's first occurrence in text (none when it is not there)."""
    at = text.find(name)
    return {k for k, t in enumerate(toks) if at <= t.start < at + len(name)} if at >= 0 else set()


def _coverage(source: Source, i: int, toks: tuple[wording.Token, ...]) -> float:
    """Share (percent) of the statement's content words that sentence i holds."""
    words = [t for t in toks if wording.is_content(t)]
    if not words:
        return 100.0
    return round(100 * sum(i in source.sentences_with(t.stem) for t in words) / len(words), 1)


def _sentences_of(bound: list[tuple[_Clause, tuple[int, ...]]], name: str, text: str) -> list[int]:
    """The sentences bound to the clause a name stands in (all of them when it spans none)."""
    at = text.find(name)
    hits = [i for c, held in bound if at >= 0 and c.start <= at < c.end for i in held]
    return hits or [i for _, held in bound for i in held]


# A summary sentence that keeps an estimate an estimate ("the deficit is projected to widen"
# for "the ministry projected ...") does not state it as fact; dropping who made it is a
# summary's licence. A claim must still say who (its attributed_to): these are no hedge there.
_ESTIMATES = re.compile(
    r"\b(?:is|are|was|were|be|been)\s+(?:now\s+)?(?:expected|projected|forecast|estimated|"
    r"predicted|anticipated)\b",
    re.IGNORECASE,
)
# A statement crediting unnamed reports ("Reports indicate ...", "Reports say ...").
_REPORTS = re.compile(r"(?:(?:media|news|press|some|other)\s+)?reports?", re.IGNORECASE)
# The article's hedge on a sentence that names no speaker: what it says is a report.
_HEDGE_ADVERBS = re.compile(r"\b(?:reportedly|allegedly|purportedly|supposedly)\b", re.IGNORECASE)
# A statement that keeps the article's hedge does not state the thing as fact.
_HEDGES = re.compile(
    r"\b(?:reportedly|allegedly|according to|reported|reports|claimed|claims|said|says|saying|told|"
    r"speculat\w*|purportedly|apparently)\b",
    re.IGNORECASE,
)


def _attribution_reasons(
    source: Source,
    text: str,
    toks: tuple[wording.Token, ...],
    bound: list[tuple[_Clause, tuple[int, ...]]],
    speaker: str | None,
    said_from: int,
    said_to: int,
    *,
    credited: str | None,
    stated: str | None,
    claim: bool,
    explicit: bool = False,
) -> list[str]:
    """Who says it: a named speaker must be named by the sentence that carries what they say
    (as its speaker, or as its subject when the article says it in its own voice); a claim that
    credits no one must not state as fact what its sentence only reports someone saying."""
    content = [(c, h) for c, h in bound if c.end > said_from and c.start < said_to] or bound
    if speaker:
        carriers = {i for _, h in content for i in h}
        if _REPORTS.fullmatch(speaker.strip()) and (
            any(_hedged(source, i) for i in carriers)
            or all(_organisation_reports(source, i) for i in carriers)
        ):
            # "Reports indicate 15,000 troops were sent" for "reportedly sent" or for what an
            # intelligence service said: a report, and no source misnamed
            return []
        if not attribution.in_article(speaker, source.folded) and not source.mentions(speaker):
            return [f"attributed to {speaker!r}, which the article does not name"]
        if attribution.generic(speaker) and any(
            entities(attribution.speaker_text(source.sentence_text(i))) for i in carriers
        ):
            return []  # "..., the company said" where the sentence names the company
        if (
            stated
            and attribution.generic(stated)
            and not _person(speaker)
            and any(attribution.in_evidence(stated, source.speakers(i)) for i in carriers)
        ):
            return []  # "..., the company said" as the article says it of the credited company
        if not any(
            attribution.in_evidence(speaker, source.speakers(i))
            or _described(source, speaker, source.speakers(i))
            or _speaker_stood_for(source, speaker, i)
            for i in carriers
        ):
            if credited:
                return [f"attributed to {credited!r}, but the evidence does not name that source"]
            return [f"it credits this to {speaker!r}, but its evidence gives it to someone else"]
        return []
    if _HEDGES.search(text) or (not claim and _ESTIMATES.search(text)):
        return []
    first = bound[0][0] if bound else None
    lead = wording.subject_words(toks, first.start, first.end) if first else set()
    for clause, sentence_ids in content:
        own_subject = wording.subject_words(toks, clause.start, clause.end)
        groups = [
            [toks[k] for k in sorted(g) if wording.is_content(toks[k])]
            for g in (own_subject, lead, _possessors(toks, clause))
        ]
        if sentence_ids and all(_hedged(source, i) for i in sentence_ids):
            # "Pyongyang reportedly sent 15,000 troops": a report, whoever is its subject
            return ["the article gives this only as reported, but the claim states it as fact"]
        if any(_names_speaker(source, i, g) for i in sentence_ids for g in groups if g):
            continue  # "The company plans to cut 350 jobs": its own plan, as it says
        if all(_reported(source, i, clause, toks) for i in sentence_ids):
            if (
                not claim
                and not explicit
                and all(
                    _plain_record(source, i, text[clause.start : clause.end]) for i in sentence_ids
                )
            ):
                continue  # "Four people were treated for minor injuries", the mayor's count
            return ["the article attributes this to a source, but the claim states it as fact"]
    return []


# Reporting verbs that give a source's stance rather than pass on a record, and words that
# say the article's sources disagree: what they govern stays the source's to argue.
_STANCE = re.compile(
    r"\b(?:claim\w*|alleg\w*|argu\w*|insist\w*|warn\w*|believ\w*|suggest\w*|speculat\w*|"
    r"estimat\w*|predict\w*|contend\w*|accus\w*|maintain\w*|vow\w*|pledg\w*|promis\w*|"
    r"critici[sz]\w*|conced\w*|disput\w*|den(?:y|ies|ied)|reject\w*|call(?:s|ed)|fear\w*|"
    r"hope\w*|doubt\w*|question\w*|optimistic|pessimistic)\b",
    re.IGNORECASE,
)


# A figure set as a goal is an aim, not a record ("inflation moving toward its 2 percent target").
_GOALS = frozenset("target targets targeted goal goals ambition objective".split())


def _plain_record(source: Source, i: int, said: str) -> bool:
    """Whether sentence i passes on a plain record that a summary sentence may state without
    its source: the statement gives a count or an amount (which the figure check holds to the
    sentence's own), the sentence has no quotation marks and no stance verb ("claimed",
    "warned"), neither has a modal, plan or target word, and no sentence sharing its figure
    disputes it ("Four people were treated for minor injuries, Mayor Petra Holm said"). A
    source's estimate, plan, opinion or allegation keeps its source."""
    if not any(f.kind != "date" for f in figures.figures_of(said)):
        return False
    sentence = source.sentence_text(i)
    if any(q in sentence for q in wording.QUOTE_MARKS) or _STANCE.search(sentence):
        return False
    words = {t.text.lower() for t in (*source.tokens_of(i), *wording.tokens(said))}
    return not (words & (wording.MODAL_CUES | _GOALS) or _disputed(source, i))


def _disputed(source: Source, i: int) -> bool:
    """Whether another sentence that shares one of sentence i's figures says a source
    disagrees ("Pell called the estimate optimistic")."""
    values = {f.value for f in figures.figures_of(source.sentence_text(i)) if f.value is not None}
    others = {j for v in values for j in source.sentences_with_value(v)} - {i}
    return any(_STANCE.search(source.sentence_text(j)) for j in others)


# Titles a person holds: the organisation they head is another speaker.
_PERSON_TITLES = frozenset(
    "minister governor mayor treasurer secretary president chancellor premier director "
    "executive ceo cfo chairman chairwoman chair spokesperson spokesman spokeswoman leader "
    "councillor councilor senator commissioner".split()
)


def _organisation_reports(source: Source, i: int) -> bool:
    """Whether sentence i is what an organisation reports ("According to South Korea's
    National Intelligence Service, ..."), not what a person says: "reports" may stand for the
    one, never for "Finance Minister Ona Reyes said"."""
    spoken = source.speakers(i).strip()
    return (
        bool(spoken)
        and not _person(spoken)
        and not any(
            _is_person(source, name)
            for name in entities(attribution.speaker_text(source.sentence_text(i)))
        )
    )


def _person(name: str) -> bool:
    """Whether a credited source is a person by their title ("Finance Minister Katarina
    Wessel"): "the ministry" of a sentence never stands for them."""
    return bool(_PERSON_TITLES & set(re.findall(r"[a-z]+", fold_text(name))))


_GENERIC_SPEAKER = re.compile(
    rf"\b(?:the|its)\s+(?:{'|'.join(sorted(attribution.ORG_HEADS))})\b", re.IGNORECASE
)


def _speaker_stood_for(source: Source, speaker: str, i: int) -> bool:
    """Whether sentence i's speaker is "the company" (or another bare organisation noun) and
    the credited source is named in the sentences just before: "The company said ..." after
    "Arvo Steelworks ... said it would invest"."""
    if attribution.generic(speaker) or not _GENERIC_SPEAKER.search(source.speakers(i)):
        return False
    if _person(speaker):
        return False  # "The ministry projected ..." is not its minister speaking
    words = attribution.name_words(speaker)
    if not words or _common_word(source, words[-1]):
        return False
    names = _antecedents(source, i)
    return attribution.in_evidence(speaker, fold_text(names), names)


def _named_by_head(source: Source, i: int, spoken: str) -> list[str]:
    """The names a bare "the ministry" among sentence i's speakers stands for: those of the
    sentences just before (and the lede) whose head is that noun ("Marendia's Finance
    Ministry" for "The ministry said ...")."""
    heads = {m.group(0).split()[-1].lower() for m in _GENERIC_SPEAKER.finditer(spoken)}
    if not heads:
        return []
    names = _antecedents(source, i).split(" ; ")
    return [n for n in names if n and n.split()[-1].lower() in heads]


def _possessors(toks: tuple[wording.Token, ...], clause: _Clause) -> set[int]:
    """The possessives before a clause's first verb: "The company's order backlog was ..."
    reports the company's own figure."""
    out: set[int] = set()
    for k, t in enumerate(toks):
        if not clause.start <= t.start < clause.end or not t.text[0].isalpha():
            continue
        if wording.is_verb(toks, k):
            break
        if t.text.endswith(("'s", "’s")):
            out.add(k)
    return out


def _described(source: Source, name: str, spoken: str) -> bool:
    """Whether the speaker text names the source by the description the article gives it with
    its name: "The North Korean leader" for "North Korean leader Kim Jong-un"."""
    words = attribution.name_words(name)
    if not words or not spoken.strip():
        return False
    for at in attribution.word_positions(source.folded, words[0]):
        before = re.findall(r"[a-z][\w-]*", source.folded[max(0, at - 40) : at])[-3:]
        described = [w for w in before if w not in wording.FUNCTION_WORDS]
        if len(described) >= 2 and " ".join(described) in spoken:
            return True
    return False


def _names_speaker(source: Source, i: int, subject: list[wording.Token]) -> bool:
    """Whether the subject of a statement is the speaker of sentence i: every name word of the
    subject is in the speaker's words ("Norvane Systems' revenue" for "Norvane Systems, a maker
    of sensors, said"; "Holm" for "Mayor Petra Holm"), or, with no name, the subject's words
    are ("The ministry" for "the finance ministry"). A shared word is not enough: "North Korea"
    is not "South Korea's intelligence service"."""
    spoken_text = source.speakers(i)
    spoken_text += " " + fold_text(" ".join(_named_by_head(source, i, spoken_text)))
    spoken = {t.stem for t in wording.tokens(spoken_text) if wording.is_content(t)}
    spoken |= {w for w, bodies in _COVERED_STEMS.items() if spoken & bodies}
    names = {t.stem for t in subject if t.capital}
    return bool(spoken) and (names or {t.stem for t in subject}) <= spoken


def _hedged(source: Source, i: int) -> bool:
    """Whether sentence i is the article's own hedged report: "reportedly", no speaker."""
    return not source.attributed_spans(i) and bool(_HEDGE_ADVERBS.search(source.sentence_text(i)))


def _reported(source: Source, i: int, clause: _Clause, toks: tuple[wording.Token, ...]) -> bool:
    """Whether most of the clause's words matched in sentence i stand where a source speaks:
    inside a quotation or the clause of a reporting verb (not an unrelated "said" nearby)."""
    spans = source.attributed_spans(i)
    if not spans:
        return False
    stems = {toks[k].stem for k in clause.words}
    inside = outside = 0
    for t in source.tokens_of(i):
        if (
            t.text[0].isalpha()
            and wording.is_content(t)
            and wording.same_word(t.stem, frozenset(stems))
        ):
            if any(a <= t.start < b for a, b in spans):
                inside += 1
            else:
                outside += 1
    return inside > outside
