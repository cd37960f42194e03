"""The lead baseline: the article's own first sentences, as long as the service's summary.

The oldest baseline in news summarization (Lead-3) is the article's opening; a summary that
covers less than the article's first sentences of the same length tells a reader less than the
first paragraph would. The lead is read with the service's own splitter (`service.chunking.split`):
its boilerplate lines are dropped, and so is a headline: the story's first line when it holds
no sentence end (a line such as "Moderate quake shakes Keldrow, no deaths reported"; a
standfirst ending in "." stays). Sentences are taken whole, in order, until the next would pass
the word count; that one is cut at the word count, so the lead has exactly as many words as
the summary (`str.split` words, as `summary_words` counts them) unless the article is shorter.
"""

from __future__ import annotations

import re

from service.chunking import Layout, Span, split

# A sentence end as the splitter reads one: . ! ? … (closing quotes or brackets may follow), or
# a CJK full stop, exclamation or question mark.
_ENDS_SENTENCE = re.compile(r"""(?:[.!?…]+["'”’)\]]*|[。！？]+["'”’)\]」』）]*)\Z""")


def story_sentences(article: str, layout: Layout | None = None) -> list[Span]:
    """The article's sentences in order, without boilerplate lines or a headline line."""
    layout = layout or split(article)
    junk = layout.boilerplate
    spans = [
        Span(s, e)
        for s, e in zip(layout.starts, layout.ends, strict=True)
        if not any(b.start < e and s < b.end for b in junk)
    ]
    if spans and _is_headline(article, spans[0]):
        spans = spans[1:]
    return spans


def lead_text(article: str, words: int, layout: Layout | None = None) -> str:
    """The article's first story sentences, whole and in order, up to `words` words; the last
    one cut at the word count so the lead is exactly `words` long (or the whole story if shorter).
    """
    taken: list[str] = []
    left = max(words, 0)
    for span in story_sentences(article, layout):
        if left == 0:
            break
        sentence = article[span.start : span.end].split()
        taken += sentence[:left]
        left -= min(left, len(sentence))
    return " ".join(taken)


def _is_headline(article: str, span: Span) -> bool:
    """Whether the sentence is a whole line of its own that ends without a sentence end."""
    line_start = article.rfind("\n", 0, span.start) + 1
    line_end = article.find("\n", span.end)
    line = article[line_start : len(article) if line_end < 0 else line_end]
    text = article[span.start : span.end]
    return line.strip() == text.strip() and not _ENDS_SENTENCE.search(text.rstrip())
