"""Prove claims against the source: locate evidence, then check figures, entities and attribution.

Evidence is located exact first, then on a normalized copy of the text (quotes, dashes, case and
whitespace folded) and last by fuzzy alignment (rapidfuzz). Offsets always index the text the
client sent, so `text[start:end] == quote` holds for every span returned.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from functools import cached_property

from rapidfuzz import fuzz, process

from service.chunking import Layout, Span, sentences, split
from service.figures import check_figures

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
# Share of a claim's content words that may be absent from its evidence (paraphrase allowance).
MAX_UNSUPPORTED_WORDS = 0.4
_ENTITY = re.compile(
    r"(?:[A-Z][\w]*(?:[-'’][A-Za-z]\w*)*(?:'s|’s)?)(?:\s+(?:of\s+|the\s+)?[A-Z][\w]*(?:[-'’][A-Za-z]\w*)*)*"
)
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
        return text
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
    return "".join(w[0] for w in re.findall(r"[A-Za-z][\w-]*", name) if w[0].isupper())


class Source:
    """The submitted article, prepared once for many look-ups."""

    def __init__(self, text: str, layout: Layout | None = None) -> None:
        self.text = text
        layout = layout or split(text)
        self.boilerplate = layout.boilerplate
        self.sentences: list[Span] = layout.sentences
        self._starts = layout.starts
        self._ends = layout.ends

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
            return Found(at, at + len(quote), "exact", 100.0)
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
        return Found(self.unfold[start], self.unfold[end - 1] + 1, how, score)

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
    """Check one claim or summary sentence against the evidence found for it.

    `names` (entities(text)) and `folded_text` (fold_text(text)) save the work when the caller
    has them already.
    """
    verdict = Verdict(evidence=[e for e in evidence if not source.in_boilerplate(e.start, e.end)])
    if evidence and not verdict.evidence:
        verdict.reasons.append("its only evidence is page boilerplate, not the story")
        return verdict
    if not verdict.evidence:
        verdict.reasons.append("no passage of the article supports it")
        return verdict
    context, folded_context = source.context_of(verdict.evidence)
    own = " ".join(source.own_sentences(e) for e in verdict.evidence)
    # figures bind within a sentence; the neighbouring sentence only helps when that fails
    figure_reasons = check_figures(text, own)
    if figure_reasons:
        figure_reasons = check_figures(text, context)
    verdict.reasons.extend(figure_reasons)
    for name in entities(text) if names is None else names:
        if not source.mentions(name):
            verdict.reasons.append(f"names {name!r}, which the article does not mention")
    if len(sentences(text, Span(0, len(text)))) > 1:
        verdict.reasons.append("it is not one atomic statement: it has several sentences")
    words = set(content_words(folded_text or fold_text(text)))
    missing = sorted(w for w in words if not has_word_starting(folded_context, w.rstrip("s")))
    if words and len(missing) / len(words) > MAX_UNSUPPORTED_WORDS:
        verdict.reasons.append(
            f"{len(missing)} of its {len(words)} content words are not in its evidence "
            f"({', '.join(missing[:6])})"
        )
    if check_attribution:
        if attributed_to and len(attributed_to.split()) > 8:
            verdict.reasons.append(
                f"attributed_to {attributed_to[:40]!r}… is not the name of a source"
            )
        elif attributed_to and not source.mentions(attributed_to, folded_context):
            verdict.reasons.append(
                f"attributed to {attributed_to!r}, but the evidence does not name that source"
            )
        elif not attributed_to and _ATTRIBUTION.search(own) and not _ATTRIBUTION.search(text):
            verdict.reasons.append(
                "the article attributes this to a source, but the claim states it as fact"
            )
    return verdict
