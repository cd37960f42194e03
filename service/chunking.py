"""Boilerplate removal and token-bounded chunking that keeps character offsets into the original.

Sentences are the unit: a chunk holds whole sentences, prefers to end at a paragraph break, and
splits a sentence only when it alone exceeds the budget. Every piece carries its character range
in the text the client sent, so evidence found in a chunk maps back exactly.
"""

from __future__ import annotations

import bisect
import itertools
import re
from dataclasses import dataclass

import tiktoken

from service.tokens import count_each

# Lines that are page furniture, not story: "| Also Read: ... |", "Read more", share prompts.
FURNITURE = r"""(
        \|?\s*(also\s+read|read\s+more|read\s+also|related|recommended|must\s+read|see\s+also)\b.*
      | (share|subscribe|follow\s+us|sign\s+up|click\s+here|advertisement|sponsored)\b.{0,80}
      | \|.*\|
    )"""
# Tried with fullmatch on a line already stripped of its surrounding whitespace.
_FURNITURE_BODY = re.compile(FURNITURE, re.IGNORECASE | re.VERBOSE)
# A sentence ends at . ! ? (optionally followed by closing quotes/brackets) before whitespace,
# or at a CJK full stop, exclamation or question mark, which needs no space after it.
_CJK_ENDS = "。！？"
_CJK_CLOSERS = "\"'”’)\\]」』）"
_SENTENCE_END = re.compile(rf"""[.!?…]+["'”’)\]]*(?=\s+|$)|[{_CJK_ENDS}]+[{_CJK_CLOSERS}]*""")
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
        # titles, times and days that precede the rest of their sentence
        "gov",
        "sen",
        "rep",
        "gen",
        "capt",
        "sgt",
        "supt",
        "insp",
        "det",
        "rev",
        "hon",
        "pres",
        "adm",
        "cmdr",
        "maj",
        "cpl",
        "pvt",
        "mt",
        "ft",
        "ave",
        "dept",
        "approx",
        "a.m",
        "p.m",
        "mon",
        "tue",
        "tues",
        "wed",
        "thu",
        "thur",
        "thurs",
        "fri",
        "no",
        "nos",
        "fig",
    ]
)
# Letters joined by dots ("p.m", "U.S", "e.g"): an abbreviation whatever its letters.
_DOTTED = re.compile(r"(?:[^\W\d_]\.)+[^\W\d_]")

# The whole-text splitter (`split`) finds the same sentence ends as `sentences` with a few passes
# of regexes over the article instead of Python work per character.
# A stripped line: its first through its last non-space character.
_LINE_BODY = re.compile(r"[^\S\n]*(\S(?:[^\n]*\S)?)")
# Sentence ends as `_SENTENCE_END` finds them, then the spaces up to the next sentence's start:
# one pattern per terminator, since re scans fast for a literal first character and slowly for a
# class; a run such as "?!" is found by several of them, ending at the same place.
_ENDS_AND_GAPS = [
    re.compile(rf"""({re.escape(t)}[.!?…]*["'”’)\]]*)(?:[^\S\n]+|(?=\n)|\Z)""") for t in ".!?…"
] + [re.compile(rf"""([{_CJK_ENDS}]+[{_CJK_CLOSERS}]*)[^\S\n]*""")]
# Characters whose lower() is an ASCII letter, besides that letter's two cases.
_LOWERS_TO_ASCII = {"\u212a": "k"}  # KELVIN SIGN
_STRIP = ".!?…\"'”’)]"
_TERMINATORS = frozenset(".!?…")


def _char_class(c: str) -> str:
    """A regex class matching every character whose lower() is c."""
    if not c.isalpha():
        return re.escape(c)
    others = "".join(k for k, v in _LOWERS_TO_ASCII.items() if v == c)
    return f"[{c}{c.upper()}{others}]"


def _abbreviation_end() -> re.Pattern[str]:
    """A lone "." ending a word that is an abbreviation: not a sentence end."""
    by_length: dict[int, list[str]] = {}
    for word in sorted(_ABBREVIATIONS):
        by_length.setdefault(len(word), []).append("".join(_char_class(c) for c in word))
    # one fixed-width look-behind per length; the word starts after a space or at the text start
    behind = "|".join(
        rf"(?<=(?<!\S)(?:{'|'.join(words)})\.)" for _, words in sorted(by_length.items())
    )
    return re.compile(rf"\.(?=\s|\Z)(?:{behind})")


_ABBREVIATION_END = _abbreviation_end()
# A "." after a closing quote or bracket may still end an abbreviation ('Dr".'): checked one by one.
_CLOSED_DOT_END = re.compile(r"""\.(?=\s|\Z)(?<=["'”’)\]]\.)""")


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
        after = end
        while after < para.end and text[after].isspace() and text[after] != "\n":
            after += 1
        if end < para.end and _continues(text, end, after, m.group(0) == "."):
            continue
        if end > start:
            out.append(Span(start, end))
        start = end
        while start < para.end and text[start].isspace():
            start += 1
    if start < para.end:
        out.append(Span(start, para.end))
    return out


@dataclass(frozen=True)
class Layout:
    """Where the story's sentences are, computed once per article for chunking and grounding.

    `starts[i]`, `ends[i]` bound sentence i; `para_end[i]` is true when it ends its paragraph.
    """

    boilerplate: list[Span]
    starts: list[int]
    ends: list[int]
    para_end: list[bool]

    @property
    def sentences(self) -> list[Span]:
        return [Span(s, e) for s, e in zip(self.starts, self.ends, strict=True)]


def _is_abbreviation(text: str, end: int) -> bool:
    """Whether the word ending at `end` with a lone "." is an abbreviation, as `sentences` decides."""
    start = end
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    word = text[start:end].rstrip(_STRIP)
    return bool(word) and word.lower().rstrip(".") in _ABBREVIATIONS


def _continues(text: str, end: int, next_start: int, lone_dot: bool) -> bool:
    """Whether the sentence goes on past a candidate end: the next word starts in lower case
    ("8 p.m. on most routes"), or a lone "." ends an initial ("U. S.", "John F.") or letters
    joined by dots ("p.m.", "U.S.")."""
    if next_start < len(text) and text[next_start].islower():
        return True
    if not lone_dot:
        return False
    start = end - 1
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    word = text[start : end - 1].rstrip(_STRIP)
    if len(word) == 1 and word.isalpha():
        return True
    return bool(_DOTTED.fullmatch(word))


def split(text: str) -> Layout:
    """Boilerplate lines and sentences of text: what a line-by-line reading with `sentences` per
    paragraph finds (the reference in tests/test_perf_equivalence.py), in a few regex passes over
    the whole text rather than Python work per line and character.
    """
    bodies = [m.span(1) for m in _LINE_BODY.finditer(text)]
    furniture = [(s, e) for s, e in bodies if _FURNITURE_BODY.fullmatch(text, s, e)]
    boilerplate = []
    for s, e in furniture:
        line_end = text.find("\n", e)
        end = len(text) if line_end < 0 else line_end
        if end > e and text[end - 1] == "\r":  # a CRLF line ends before its \r
            end -= 1
        boilerplate.append(Span(text.rfind("\n", 0, s) + 1, end))
    if furniture:
        dropped = set(furniture)
        bodies = [b for b in bodies if b not in dropped]
    para_starts = [s for s, _ in bodies]
    para_ends = [e for _, e in bodies]

    # sentence ends inside paragraphs: not at a paragraph's end, not after an abbreviation, not
    # in a boilerplate line
    not_ends = set(para_ends)
    not_ends.update(m.end() for m in _ABBREVIATION_END.finditer(text))
    not_ends.update(
        m.end() for m in _CLOSED_DOT_END.finditer(text) if _is_abbreviation(text, m.end())
    )
    # where each candidate sentence end is, and where the next sentence starts after it
    next_start = {m.end(1): m.end() for p in _ENDS_AND_GAPS for m in p.finditer(text)}
    if furniture:
        gap_ends = sorted(next_start)
        for s, e in furniture:
            not_ends.update(
                gap_ends[bisect.bisect_left(gap_ends, s) : bisect.bisect_right(gap_ends, e)]
            )
    inner = next_start.keys() - not_ends  # set operations run in C, not a loop per sentence
    inner = {
        e
        for e in inner
        if not _continues(
            text, e, next_start[e], text[e - 1] == "." and text[e - 2 : e - 1] not in _TERMINATORS
        )
    }
    ends = sorted([*para_ends, *inner])
    starts = sorted([*para_starts, *map(next_start.__getitem__, inner)])
    last = set(para_ends)
    return Layout(boilerplate, starts, ends, [e in last for e in ends])


def _split_giant(
    text: str, span: Span, enc: tiktoken.Encoding, budget: int
) -> list[tuple[int, int, int]]:
    """Cut one over-long sentence into budget-sized pieces (start, end, tokens) at token boundaries."""
    tokens = enc.encode_ordinary(text[span.start : span.end])
    pieces = []
    offset = span.start
    for i in range(0, len(tokens), budget):
        piece = enc.decode(tokens[i : i + budget])
        # decode of a partial multi-byte token can differ; re-anchor in the original text
        end = min(span.end, offset + len(piece))
        if i + budget >= len(tokens):
            end = span.end
        pieces.append((offset, end, len(tokens[i : i + budget])))
        offset = end
    return [p for p in pieces if p[1] > p[0]]


def _split_giants(
    text: str, layout: Layout, enc: tiktoken.Encoding, budget: int, counts: list[int]
) -> tuple[list[int], list[int], list[bool], list[int], list[str]]:
    """The sentences as (starts, ends, para_end, counts, texts), over-long ones cut in pieces."""
    starts: list[int] = []
    ends: list[int] = []
    para_end: list[bool] = []
    sizes: list[int] = []
    for s, e, last, n in zip(layout.starts, layout.ends, layout.para_end, counts, strict=True):
        cuts = _split_giant(text, Span(s, e), enc, budget) if n > budget else [(s, e, n)]
        for k, (a, b, m) in enumerate(cuts):
            starts.append(a)
            ends.append(b)
            para_end.append(last and k == len(cuts) - 1)
            sizes.append(m)
    return starts, ends, para_end, sizes, [text[a:b] for a, b in zip(starts, ends, strict=True)]


def chunk_text(
    text: str,
    enc: tiktoken.Encoding,
    budget: int,
    overlap: int = 0,
    layout: Layout | None = None,
    per_sentence: int = 0,
) -> tuple[list[Chunk], list[Span]]:
    """Split text into chunks of at most `budget` tokens; returns chunks and removed boilerplate.

    Pass the `split(text)` already made for the same text to skip making it again.
    `per_sentence` tokens are added to every sentence (a number the model reads before it), in
    the packing and in each chunk's `tokens`.
    """
    if budget < 16:
        raise ValueError(f"chunk budget of {budget} tokens is too small")
    overlap = max(0, min(overlap, budget // 2))
    layout = layout or split(text)
    pieces = [text[s:e] for s, e in zip(layout.starts, layout.ends, strict=True)]
    counts = count_each(enc, pieces)
    starts, ends, para_end = layout.starts, layout.ends, layout.para_end
    room = max(budget - per_sentence, 8)  # a sentence's own tokens, its number aside
    if max(counts, default=0) > room:
        starts, ends, para_end, counts, pieces = _split_giants(text, layout, enc, room, counts)
    if per_sentence:
        counts = [n + per_sentence for n in counts]
    joiners = ["\n" if last else " " for last in para_end]
    chunks = []
    for i, (lo, hi) in enumerate(_pack(counts, para_end, budget, overlap)):
        chunks.append(
            Chunk(
                index=i,
                start=starts[lo],
                end=ends[hi - 1],
                tokens=sum(counts[lo:hi]),
                text="".join(
                    itertools.chain(*zip(pieces[lo : hi - 1], joiners[lo : hi - 1], strict=True))
                )
                + pieces[hi - 1],
            )
        )
    return chunks, layout.boilerplate


def _pack(
    counts: list[int], para_end: list[bool], budget: int, overlap: int
) -> list[tuple[int, int]]:
    """Group sentences (by token count) into index ranges [lo, hi) of at most `budget` tokens.

    Greedy: a chunk is cut when the next sentence would not fit, at the last paragraph break if
    that keeps at least half the budget; the next chunk repeats up to `overlap` tokens of its end.
    """
    prefix = [0, *itertools.accumulate(counts)]
    breaks = [i for i, last in enumerate(para_end) if last]
    groups = []
    lo = 0  # the open chunk is sentences [lo, i)
    used = 0
    fresh = 0  # sentences in the open chunk not carried over as overlap
    for i, tokens in enumerate(counts):
        if i > lo and used + tokens > budget and fresh:
            cut = i
            k = bisect.bisect_left(breaks, i) - 1
            if k >= 0 and breaks[k] >= lo and prefix[breaks[k] + 1] - prefix[lo] >= budget // 2:
                cut = breaks[k] + 1
            groups.append((lo, cut))
            lo = bisect.bisect_left(prefix, prefix[cut] - overlap, lo, cut)
            used = prefix[i] - prefix[lo]
            fresh = i - cut
            while i > lo and used + tokens > budget and i - lo > fresh:
                used -= counts[lo]
                lo += 1
        used += tokens
        fresh += 1
    if lo < len(counts):
        groups.append((lo, len(counts)))
    return groups
