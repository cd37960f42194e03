"""Sentence-cited answers: the article as numbered sentences, citations as candidate evidence.

A prompt file with `cite_sentences = true` shows the model the article one sentence a line, each
sentence that may be evidence under its number ("[3] ..."), and asks for the numbers of the
sentences that state each summary sentence and claim instead of a copied quote. The numbers come
from the service's own splitter over the whole article, so a sentence has the same number in
every chunk of a long one (and the numbered article is the same bytes in every call on it).

A citation is a hint, never proof: the cited sentences are the verifier's candidate evidence
(`grounding.check_statement` still binds each clause to the sentence that covers it best, and
prefers a candidate only when it covers as well), and a number the model was not shown is
ignored.
"""

from __future__ import annotations

import bisect
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import tiktoken

from service import schemas
from service.chunking import Chunk
from service.grounding import Found, Source
from service.prompts import PromptTemplate

MATCH = "cited"  # Evidence.match of a sentence the model cited and the verifier kept
_SENTENCE_ENDS = ".!?…。！？"
_CLOSERS = "\"'”’)]」』）"

# A summary as the model gave it: plain text (quote-based sets, the reduce step), or cited
# sentences each with the index of the chunk whose numbers it cites.
ModelSummary = str | list[tuple[schemas.CitedSentence, int]]


def cites_sentences(prompt: PromptTemplate) -> bool:
    """Whether a prompt file asks for sentence-cited answers on a numbered article."""
    return bool(prompt.parameters.get("cite_sentences"))


def quotes_claims(prompt: PromptTemplate) -> bool:
    """Whether a prompt file's claims copy the sentence that states them (`claim_quotes`,
    default true): a quote is about a third of an answer's tokens, and only a hint."""
    return bool(prompt.parameters.get("claim_quotes", True))


def label(number: int) -> str:
    return f"[{number}] "


def label_tokens(encoding: tiktoken.Encoding, sentences: int) -> int:
    """Tokens a sentence's number adds to it, at most (the widest number of the article)."""
    return len(encoding.encode_ordinary(label(max(sentences, 1)).rstrip()))


@dataclass(frozen=True)
class Hint:
    """A summary's characters [start, end) and the evidence its model sentence cited."""

    start: int
    end: int
    evidence: tuple[Found, ...]


class Numbering:
    """The article's sentences that may be evidence, numbered from 1 in reading order.

    Headings, boilerplate and paragraphs addressed to an AI (`Source.eligible`) are shown to the
    model without a number: it cannot cite what can never be evidence.
    """

    def __init__(self, source: Source, chunks: Sequence[Chunk] = ()) -> None:
        self.source = source
        self.indices = [i for i, ok in enumerate(source.eligible) if ok]  # number - 1 -> sentence
        self._numbers = {i: n for n, i in enumerate(self.indices, 1)}
        self._starts = [s.start for s in source.sentences]
        self._ends = [s.end for s in source.sentences]
        self._para_last = {para[-1] for para in source.paragraphs if para}
        self._shown: dict[int, Collection[int]] = {
            c.index: self.numbers_in(c.start, c.end) for c in chunks
        }

    def __len__(self) -> int:
        return len(self.indices)

    def _overlapping(self, start: int, end: int) -> range:
        """Indices of the sentences overlapping [start, end)."""
        return range(bisect.bisect_right(self._ends, start), bisect.bisect_left(self._starts, end))

    def numbers_in(self, start: int, end: int) -> range:
        """The numbers of the sentences overlapping [start, end): a run, as numbering is in order."""
        numbers = [n for i in self._overlapping(start, end) if (n := self._numbers.get(i))]
        return range(numbers[0], numbers[-1] + 1) if numbers else range(0)

    def render(self, start: int, end: int, text: str | None = None) -> str:
        """The article's sentences within [start, end) one a line, each under its number, a blank
        line between paragraphs. `text` is the article as the model is to read it (the source's
        text with characters replaced one for one); a sentence cut by the range is cut too."""
        text = self.source.text if text is None else text
        lines: list[str] = []
        for i in self._overlapping(start, end):
            a, b = max(start, self._starts[i]), min(end, self._ends[i])
            number = self._numbers.get(i)
            lines.append((label(number) if number else "") + text[a:b])
            if i in self._para_last:
                lines.append("")
        return "\n".join(lines).rstrip("\n")

    def render_chunk(self, chunk: Chunk, text: str | None = None) -> str:
        return self.render(chunk.start, chunk.end, text)

    def render_sentences(self, indices: Sequence[int]) -> str:
        """Some of the article's sentences (indices into `Source.sentences`, in order) as `render`
        shows them: one a line under its number, a blank line wherever a paragraph ends between
        two of them."""
        lines: list[str] = []
        for k, i in enumerate(indices):
            number = self._numbers.get(i)
            lines.append((label(number) if number else "") + self.source.sentence_text(i))
            after = indices[k + 1] if k + 1 < len(indices) else len(self._starts)
            if any(j in self._para_last for j in range(i, after)):
                lines.append("")
        return "\n".join(lines).rstrip("\n")

    def show(self, chunk: int, indices: Sequence[int]) -> None:
        """Record that the call answering as `chunk` was shown these sentences (not a range of
        them): a citation of any other number is ignored."""
        self._shown[chunk] = frozenset(n for i in indices if (n := self._numbers.get(i)))

    def shown(self, chunk: int) -> int:
        """How many numbered sentences the call answering as `chunk` was shown."""
        return len(self._shown.get(chunk, ()))

    def candidates(self, cites: Sequence[int], chunk: int | None = None) -> list[Found]:
        """The cited sentences as candidate evidence, in citing order without repeats. A number
        the article lacks, or (given `chunk`) one that chunk did not show, is ignored."""
        shown = self._shown.get(chunk, range(1, len(self) + 1)) if chunk is not None else None
        out: list[Found] = []
        for n in dict.fromkeys(cites):
            if not 1 <= n <= len(self) or (shown is not None and n not in shown):
                continue
            span = self.source.sentences[self.indices[n - 1]]
            out.append(Found(span.start, span.end, MATCH, 100.0))
        return out


def claim_candidates(
    source: Source,
    claim: schemas.ModelClaim | schemas.CitedClaim | schemas.BareClaim,
    chunk: int,
    numbering: Numbering | None,
) -> list[Found]:
    """Where the model says a claim stands: its quote located, or its cited sentences (none
    for a claim without either)."""
    if isinstance(claim, schemas.CitedClaim):
        return numbering.candidates(claim.cites, chunk) if numbering is not None else []
    if not isinstance(claim, schemas.ModelClaim):
        return []
    found = source.locate(claim.quote)
    return [found] if found else []


def summary_text(summary: ModelSummary, numbering: Numbering | None) -> tuple[str, list[Hint]]:
    """The summary as one text, and the cited evidence of each of its model sentences.

    A model sentence without a sentence end gets a full stop, so that the service's splitter
    finds the sentences the model wrote (and each is checked against its own citations).
    """
    if isinstance(summary, str):
        return summary, []
    text = ""
    hints: list[Hint] = []
    for sentence, chunk in summary:
        said = sentence.text.strip()
        if not said:
            continue
        if said.rstrip(_CLOSERS)[-1:] not in tuple(_SENTENCE_ENDS):
            said += "."
        if text:
            text += " "
        evidence = numbering.candidates(sentence.cites, chunk) if numbering is not None else []
        hints.append(Hint(len(text), len(text) + len(said), tuple(evidence)))
        text += said
    return text, hints


def hinted(hints: Sequence[Hint], start: int, end: int) -> list[Found]:
    """The cited evidence of every model sentence overlapping the summary's [start, end)."""
    out: dict[Found, None] = {}
    for hint in hints:
        if hint.start < end and start < hint.end:
            out.update(dict.fromkeys(hint.evidence))
    return list(out)


def notes_text(notes: Sequence[schemas.CitedSentence]) -> str:
    """A part's cited notes as the plain text the reduce step reads."""
    return summary_text([(n, 0) for n in notes], None)[0]
