"""Rank an article's sentences by salience, with no model.

A sentence is salient when it stands early (news puts the point first), carries figures and
names, shares words with the headline and the lead, and is central: it shares words with the
rest of the article (degree centrality over content-word overlap, the first step of TextRank).
Each signal is in [0, 1]; the score is their weighted sum (`WEIGHTS`), times a penalty for a
sentence that cannot stand on its own (it opens on a pronoun or a connective, or holds half a
quotation). Only candidates are ranked: sentences that may be evidence (`Source.eligible`: never
boilerplate, a heading or a paragraph addressed to an AI), not the article's title line, and of
at least `MIN_WORDS` words. Ties go to the earlier sentence, so the ranking is deterministic.

`unit_weights` turns the ranking into weights of the article's content units (content-word
stems, figures), the proxy `service.extract` measures coverage with.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

from service import wording
from service.figures import figures_of
from service.grounding import Source, entities

_WORD = re.compile(r"[A-Za-z0-9][\w'’-]*")  # as wording tokenizes words
# How much each signal counts; they sum to 1, so a score is in [0, 1].
WEIGHTS = {"position": 0.3, "headline": 0.2, "centrality": 0.2, "figures": 0.15, "names": 0.15}
# Shorter sentences are datelines, captions or fragments, not statements worth extracting.
MIN_WORDS = 5
# The lead the headline signal compares with: the first candidates.
LEAD_SENTENCES = 2
# An extract that opens on one of these refers to something it does not say.
_DANGLING = re.compile(
    r"^\W*(?:he|she|it|they|we|this|that|these|those|his|her|its|their|but|and|or|so|also|"
    r"however|meanwhile|still|yet|instead|such)\b",
    re.IGNORECASE,
)
DANGLING_PENALTY = 0.6
HALF_QUOTE_PENALTY = 0.5
# A figure counts as a unit twice as much as a word; a name (a word the article capitalizes
# inside a sentence) half as much again.
FIGURE_WEIGHT = 2.0
NAME_WEIGHT = 1.5


@dataclass(frozen=True)
class Salience:
    """One candidate sentence's score and the signals it is made of."""

    index: int  # into Source.sentences
    score: float
    position: float
    headline: float
    centrality: float
    figures: float
    names: float
    standalone: float  # 1, or the penalty for a sentence that needs its context


def candidates(source: Source) -> list[int]:
    """Indices of the sentences that may be ranked (and extracted), in article order."""
    return [
        i
        for i, ok in enumerate(source.eligible)
        if ok
        and not (i == 0 and source.is_title)
        and len(source.sentence_text(i).split()) >= MIN_WORDS
    ]


@lru_cache(maxsize=4096)
def content_stems(text: str) -> frozenset[str]:
    """The stems of text's content words (function words and numbers left out)."""
    return frozenset(_content_stem(w) for w in _WORD.findall(text)) - {""}


@lru_cache(maxsize=16384)
def _content_stem(word: str) -> str:
    """The stem of a content word, "" for any other word (one look-up per distinct word)."""
    toks = wording.tokens(word)
    return toks[0].stem if len(toks) == 1 and wording.is_content(toks[0]) else ""


def rank(source: Source, title: str | None = None) -> list[Salience]:
    """The candidate sentences, most salient first (ties: earlier first).

    `title` is the request's headline; without one, the article's own title line (when its
    first line is one) stands for it.
    """
    ids = candidates(source)
    if not ids:
        return []
    words = [content_stems(source.sentence_text(i)) for i in ids]
    if title is None and source.is_title:
        title = source.sentence_text(0)
    head = content_stems(title or "")
    lead = min(LEAD_SENTENCES, len(ids))
    # each sentence's words as the bits of one integer: an overlap is one AND and a popcount
    bit = {w: 1 << n for n, w in enumerate(sorted(set().union(*words)))}
    masks = [sum(bit[w] for w in ws) for ws in words]
    sizes = [len(ws) for ws in words]
    degree = [0.0] * len(ids)
    for a in range(len(ids)):
        for b in range(a + 1, len(ids)):
            if shared := (masks[a] & masks[b]).bit_count():
                sim = shared / math.sqrt(sizes[a] * sizes[b])
                degree[a] += sim
                degree[b] += sim
    most = max(degree) or 1.0
    out = []
    for k, i in enumerate(ids):
        text = source.sentence_text(i)
        reference = head.union(*(words[j] for j in range(lead) if j != k))
        signals = {
            "position": 1.0 / (1.0 + k / 2),
            "headline": _cosine(words[k], reference),
            "centrality": degree[k] / most,
            "figures": min(1.0, sum(f.value is not None for f in figures_of(text)) / 2),
            "names": min(1.0, len(entities(text)) / 3),
        }
        standalone = _standalone(text)
        score = standalone * sum(WEIGHTS[name] * value for name, value in signals.items())
        out.append(Salience(i, round(score, 6), standalone=standalone, **signals))
    return sorted(out, key=lambda s: (-s.score, s.index))


def unit_weights(source: Source, ranked: list[Salience]) -> dict[str, float]:
    """Weight of each content unit of the article: the salience of the sentences holding it,
    summed, times `FIGURE_WEIGHT` for a figure ("#<value>") and `NAME_WEIGHT` for a name."""
    weights: dict[str, float] = {}
    names = _name_stems(source, [s.index for s in ranked])
    for s in ranked:
        for unit in units_of(source.sentence_text(s.index)):
            kind = FIGURE_WEIGHT if unit[0] == "#" else NAME_WEIGHT if unit in names else 1.0
            weights[unit] = weights.get(unit, 0.0) + kind * max(s.score, 0.01)
    return weights


@lru_cache(maxsize=4096)
def units_of(text: str) -> frozenset[str]:
    """The content units of a text: its content-word stems and its figures' values (memoized:
    ranking, weighting and each round of completion read the same sentences)."""
    figures = {_figure_unit(f.value) for f in figures_of(text) if f.value is not None}
    return content_stems(text) | figures


def _figure_unit(value: float) -> str:
    """ "#41", "#3200000", "#4.2": one spelling per value, whatever the text wrote."""
    value = round(value, 6)
    return f"#{int(value)}" if value.is_integer() else f"#{value}"


def _name_stems(source: Source, ids: list[int]) -> set[str]:
    """Stems of the words the article capitalizes inside its sentences (names, not openers)."""
    out: set[str] = set()
    for i in ids:
        for word in _WORD.findall(source.sentence_text(i))[1:]:
            if word[0].isupper() and (stem := _content_stem(word)):
                out.add(stem)
    return out


def _cosine(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / math.sqrt(len(a) * len(b)) if a and b else 0.0


def _standalone(text: str) -> float:
    """1 for a sentence that reads on its own; less for one that needs its context."""
    factor = DANGLING_PENALTY if _DANGLING.search(text) else 1.0
    straight = text.count('"') % 2
    curly = text.count("“") != text.count("”")
    return factor * (HALF_QUOTE_PENALTY if straight or curly else 1.0)
