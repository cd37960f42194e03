"""Unicode normalization (NFC) for look-ups, with offsets that still index the text as sent.

An article may arrive decomposed (NFD: "José" as "Jose" plus a combining acute accent, as
macOS file names and some editors write it) while the model answers in composed form: quotes
and names would then never match. The pipeline reads the NFC form of the text and maps every
offset it reports back to the text the client sent.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from service.schemas import ChunkRange, Evidence, SentenceOrigin, SummaryResponse


@dataclass(frozen=True)
class Composed:
    """`text` in NFC, and where each of its characters came from in the original.

    `starts[i]` and `ends[i]` bound, in the original, the run of characters that character i of
    `text` was composed from (a starter and the combining marks that follow it).
    """

    original: str
    text: str
    starts: list[int]
    ends: list[int]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span that composed span [start, end) came from."""
        if start >= end:
            at = self.starts[start] if start < len(self.text) else len(self.original)
            return at, at
        return self.starts[start], self.ends[end - 1]


def compose(text: str) -> Composed | None:
    """The NFC form of `text` with its offset map, or None when `text` is NFC already.

    Each starter and the combining marks after it are composed on their own, which maps every
    composed character to a run of the original. Where composition reaches across starters
    (conjoining Hangul jamo), the pieces would not add up to NFC of the whole: then the text is
    used as sent (None), as before.
    """
    if unicodedata.is_normalized("NFC", text):
        return None
    pieces: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    i, n = 0, len(text)
    while i < n:
        j = i + 1
        while j < n and unicodedata.combining(text[j]):
            j += 1
        piece = unicodedata.normalize("NFC", text[i:j])
        pieces.append(piece)
        starts.extend([i] * len(piece))
        ends.extend([j] * len(piece))
        i = j
    composed = "".join(pieces)
    if composed != unicodedata.normalize("NFC", text):
        return None
    return Composed(text, composed, starts, ends)


def restore_offsets(response: SummaryResponse, composed: Composed) -> SummaryResponse:
    """`response` with every offset (and quote) pointing into the text as it was sent."""

    def evidence(e: Evidence) -> Evidence:
        start, end = composed.span(e.start, e.end)
        return e.model_copy(
            update={"start": start, "end": end, "quote": composed.original[start:end]}
        )

    def ranged(r: ChunkRange) -> ChunkRange:
        start, end = composed.span(r.start, r.end)
        return r.model_copy(update={"start": start, "end": end})

    sentences = []
    for s in response.summary.sentences:
        restored = [evidence(e) for e in s.evidence]
        update: dict[str, object] = {"evidence": restored}
        if s.origin == SentenceOrigin.extracted:  # verbatim: the article as it was sent
            update["text"] = next(
                (r.quote for r, e in zip(restored, s.evidence, strict=True) if e.quote == s.text),
                s.text,
            )
        sentences.append(s.model_copy(update=update))
    summary = response.summary.model_copy(update={"sentences": sentences})
    if response.summary.extracted_sentences:
        summary.text = " ".join(x.text for x in sentences if not x.dropped)
    claims = [
        c.model_copy(update={"evidence": [evidence(e) for e in c.evidence]})
        for c in response.claims
    ]
    p = response.provenance
    provenance = p.model_copy(
        update={
            "chunks": [ranged(c) for c in p.chunks],
            "removed_boilerplate": [ranged(r) for r in p.removed_boilerplate],
        }
    )
    return response.model_copy(
        update={
            "summary": summary,
            "claims": claims,
            "provenance": provenance,
        }
    )
