"""A long article in one call: its most salient sentences within one chunk's token budget.

With `SUMMARIZER_LONG_ARTICLES=salience`, an article longer than one chunk is not mapped chunk
by chunk: the model reads, in one summarize call, the sentences `salience.rank` puts first. The
title line and the lead (the first `LEAD_SENTENCES` candidates) are always taken when they fit;
then every other candidate, most salient first, that still fits the budget. The taken
sentences are sent in article order (a summary follows the story's order), a paragraph break
wherever the article has one between two of them. Sentences that are never candidates (headings,
fragments, boilerplate, text addressed to an AI) are not sent.

The answer is verified against the whole article like any other: only what the model reads is
chosen here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import tiktoken

from service import salience
from service.grounding import Source
from service.tokens import count_each

# The story's first sentences, always sent (a news lead states the point); the next ones compete
# by salience, where their position already counts.
LEAD_SENTENCES = 1
# Tokens a sentence's joiner (a space, or a newline between paragraphs) may add to it.
JOINER_TOKENS = 1


@dataclass(frozen=True)
class Selection:
    """The sentences one call reads instead of the whole article."""

    indices: tuple[int, ...]  # into Source.sentences, in article order
    text: str  # what the model reads
    tokens: int
    total: int  # the article's sentences
    ranked: list[salience.Salience]  # the article's candidates, most salient first


def plain_text(source: Source, indices: Sequence[int]) -> str:
    """The sentences joined as the chunker joins them: a space inside a paragraph, a newline
    where a paragraph ends between two of them."""
    ends = {para[-1] for para in source.paragraphs}
    parts: list[str] = []
    for k, i in enumerate(indices):
        if k:
            parts.append("\n" if any(j in ends for j in range(indices[k - 1], i)) else " ")
        parts.append(source.sentence_text(i))
    return "".join(parts)


def select(
    source: Source,
    encoding: tiktoken.Encoding,
    budget: int,
    title: str | None = None,
    render: Callable[[Sequence[int]], str] | None = None,
    per_sentence: int = 0,
) -> Selection | None:
    """The most salient sentences whose `render`ed text (plain by default) fits in `budget`
    tokens; None when not one sentence of the story fits (the article then takes the chunked
    path).

    `per_sentence` tokens are counted for each sentence besides its own (a number it is read
    under), as the chunker counts them.
    """
    show = render or (lambda indices: plain_text(source, indices))
    scored = salience.rank(source, title)
    ranked = [s.index for s in scored]
    lead = sorted(ranked)[:LEAD_SENTENCES]
    first = [0] if source.is_title else []
    order = list(dict.fromkeys([*first, *lead, *ranked]))
    counts = count_each(encoding, [source.sentence_text(i) for i in order])
    taken: list[int] = []
    used = 0
    for i, n in zip(order, counts, strict=True):
        cost = n + per_sentence + JOINER_TOKENS
        if used + cost <= budget:
            taken.append(i)
            used += cost
    # the estimate is a sum of parts: the text itself decides, least salient out first (a title
    # line alone is no article)
    while set(taken) - set(first):
        indices = tuple(sorted(taken))
        text = show(indices)
        tokens = len(encoding.encode_ordinary(text))
        if tokens <= budget:
            return Selection(indices, text, tokens, len(source.sentences), scored)
        taken.pop()
    return None
