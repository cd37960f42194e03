"""Boilerplate removal and token-bounded chunking that keeps character offsets into the original.

Sentences are the unit: a chunk holds whole sentences, prefers to end at a paragraph break, and
splits a sentence only when it alone exceeds the budget. Every piece carries its character range
in the text the client sent, so evidence found in a chunk maps back exactly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import tiktoken

# Lines that are page furniture, not story: "| Also Read: ... |", "Read more", share prompts.
_BOILERPLATE = re.compile(
    r"""^\s*(
        \|?\s*(also\s+read|read\s+more|read\s+also|related|recommended|must\s+read|see\s+also)\b.*
      | (share|subscribe|follow\s+us|sign\s+up|click\s+here|advertisement|sponsored)\b.{0,80}
      | \|.*\|
    )\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
# A sentence ends at . ! ? (optionally followed by closing quotes/brackets) before whitespace.
_SENTENCE_END = re.compile(r"""[.!?…]+["'”’)\]]*(?=\s+|$)""")
_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "sen",
        "rep",
        "gen",
        "col",
        "lt",
        "st",
        "jr",
        "sr",
        "inc",
        "ltd",
        "corp",
        "co",
        "no",
        "vs",
        "u.s",
        "u.k",
        "e.g",
        "i.e",
        "etc",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
    ]
)


@dataclass(frozen=True)
class Span:
    """A piece of the original text: text[start:end]."""

    start: int
    end: int
    tokens: int = 0


@dataclass(frozen=True)
class Chunk:
    index: int
    start: int
    end: int
    tokens: int
    text: str  # what the model reads: the kept sentences of text[start:end]


def boilerplate_spans(text: str) -> list[Span]:
    """Lines of page furniture, as spans of the original text."""
    spans = []
    for m in re.finditer(r"[^\n]+", text):
        if _BOILERPLATE.match(m.group(0)):
            spans.append(Span(m.start(), m.end()))
    return spans


def paragraphs(text: str, removed: list[Span]) -> list[Span]:
    """Non-empty lines of text that are not boilerplate, with offsets trimmed of whitespace."""
    dropped = {(s.start, s.end) for s in removed}
    out = []
    for m in re.finditer(r"[^\n]+", text):
        if (m.start(), m.end()) in dropped:
            continue
        line = m.group(0)
        lead = len(line) - len(line.lstrip())
        body = line.strip()
        if body:
            out.append(Span(m.start() + lead, m.start() + lead + len(body)))
    return out


def sentences(text: str, para: Span) -> list[Span]:
    """Sentence spans inside one paragraph."""
    out = []
    start = para.start
    chunk = text[para.start : para.end]
    for m in _SENTENCE_END.finditer(chunk):
        end = para.start + m.end()
        word = re.search(r"(\S+)$", text[start:end].rstrip(".!?…\"'”’)]"))
        if m.group(0) == "." and word and word.group(1).lower().rstrip(".") in _ABBREVIATIONS:
            continue
        if end > start:
            out.append(Span(start, end))
        start = end
        while start < para.end and text[start].isspace():
            start += 1
    if start < para.end:
        out.append(Span(start, para.end))
    return out


def _split_giant(text: str, span: Span, enc: tiktoken.Encoding, budget: int) -> list[Span]:
    """Cut one over-long sentence into budget-sized pieces at token boundaries."""
    tokens = enc.encode_ordinary(text[span.start : span.end])
    pieces = []
    offset = span.start
    for i in range(0, len(tokens), budget):
        piece = enc.decode(tokens[i : i + budget])
        # decode of a partial multi-byte token can differ; re-anchor in the original text
        end = min(span.end, offset + len(piece))
        if i + budget >= len(tokens):
            end = span.end
        pieces.append(Span(offset, end, len(tokens[i : i + budget])))
        offset = end
    return [p for p in pieces if p.end > p.start]


def chunk_text(
    text: str,
    enc: tiktoken.Encoding,
    budget: int,
    overlap: int = 0,
) -> tuple[list[Chunk], list[Span]]:
    """Split text into chunks of at most `budget` tokens; returns chunks and removed boilerplate."""
    if budget < 16:
        raise ValueError(f"chunk budget of {budget} tokens is too small")
    overlap = max(0, min(overlap, budget // 2))
    removed = boilerplate_spans(text)
    units: list[tuple[Span, bool]] = []  # (sentence, ends a paragraph)
    for para in paragraphs(text, removed):
        sents = sentences(text, para)
        for j, s in enumerate(sents):
            units.append((s, j == len(sents) - 1))
    # a plain loop: encode_ordinary_batch starts a thread pool per call, 3x slower here
    counts = [enc.encode_ordinary(text[s.start : s.end]) for s, _ in units]
    sized: list[tuple[Span, bool]] = []
    for (s, para_end), toks in zip(units, counts, strict=True):
        if len(toks) > budget:
            pieces = _split_giant(text, s, enc, budget)
            sized.extend((p, para_end and k == len(pieces) - 1) for k, p in enumerate(pieces))
        else:
            sized.append((Span(s.start, s.end, len(toks)), para_end))

    groups: list[list[tuple[Span, bool]]] = []
    current: list[tuple[Span, bool]] = []
    used = 0
    fresh = 0  # sentences in `current` not carried over as overlap
    for unit in sized:
        if current and used + unit[0].tokens > budget and fresh:
            # prefer to end at the last paragraph break if it keeps at least half the budget
            cut = len(current)
            for k in range(len(current), 0, -1):
                if current[k - 1][1] and sum(u[0].tokens for u in current[:k]) >= budget // 2:
                    cut = k
                    break
            groups.append(current[:cut])
            carry = current[cut:]
            tail: list[tuple[Span, bool]] = []
            tail_tokens = 0
            for u in reversed(current[:cut]):
                if tail_tokens + u[0].tokens > overlap:
                    break
                tail.insert(0, u)
                tail_tokens += u[0].tokens
            current = tail + carry
            used = sum(u[0].tokens for u in current)
            fresh = len(carry)
            while current and used + unit[0].tokens > budget and len(current) > fresh:
                used -= current.pop(0)[0].tokens
        current.append(unit)
        used += unit[0].tokens
        fresh += 1
    if current:
        groups.append(current)

    chunks = []
    for i, group in enumerate(groups):
        parts = []
        for k, (s, para_end) in enumerate(group):
            parts.append(text[s.start : s.end])
            if k < len(group) - 1:
                parts.append("\n" if para_end else " ")
        chunks.append(
            Chunk(
                index=i,
                start=group[0][0].start,
                end=group[-1][0].end,
                tokens=sum(s.tokens for s, _ in group),
                text="".join(parts),
            )
        )
    return chunks, removed
