"""The fast paths give exactly what the straightforward code they replaced gives.

Chunk boundaries, token counts, folded text and evidence context feed the model's prompts and
the response, so each fast function is checked against a plain reference on random texts.
"""

from __future__ import annotations

import re
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz

from service.chunking import (
    _LOWERS_TO_ASCII,
    FURNITURE,
    Chunk,
    Span,
    chunk_text,
    sentences,
    split,
)
from service.grounding import (
    SENTENCE_CUTOFF,
    Found,
    Source,
    Unfold,
    fold_each,
    fold_text,
    has_word_starting,
)
from service.pipeline import Pipeline
from service.prompts import PromptLibrary
from service.settings import Settings
from service.tokens import count_each, load_encoding

ENC = load_encoding("smollm2-135m-instruct")

# Pieces that exercise sentence ends, abbreviations, boilerplate, odd spaces and case folding.
PIECES = [
    "word", "Word", "Dr", "dr", "mrs", "U.S", "e.g", "Sept", "\u212a", "İ", "Σ", "ς", "ﬁ", "x" * 40,
    ".", "..", "!", "?", "…", '"', "'", "“", "”", "’", ")", "]", ",", "-", "—", "–", "|",
    " ", "  ", "\t", "\n", "\n\n", "\r\n", "\u00a0", "\u2028", "\x0b", "\x1c", " \n",
    "Also read", "Read more:", "share", "Subscribe", "12", "4,700", "'s", "日本語", "🎉",
    "Sentence number one says the council met.", "word " * 20,
]  # fmt: skip
texts = st.lists(st.sampled_from(PIECES), max_size=60).map("".join)
any_text = st.one_of(texts, st.text(max_size=80))


# --- the reference chunker: chunk_text as it was before the whole-text splitter ---------------

_BOILERPLATE = re.compile(rf"^\s*{FURNITURE}\s*$", re.IGNORECASE | re.VERBOSE)


def boilerplate_spans(text: str) -> list[Span]:
    """Lines of page furniture, as spans of the original text."""
    spans = []
    for m in re.finditer(r"[^\n]+", text):
        if _BOILERPLATE.match(m.group(0)):
            crlf = m.group(0).endswith("\r")  # the line of a CRLF text ends before its \r
            spans.append(Span(m.start(), m.end() - crlf))
    return spans


def paragraphs(text: str, removed: list[Span]) -> list[Span]:
    """Non-empty lines of text that are not boilerplate, with offsets trimmed of whitespace."""
    dropped = {(s.start, s.end) for s in removed}
    out = []
    for m in re.finditer(r"[^\n]+", text):
        if (m.start(), m.end() - m.group(0).endswith("\r")) in dropped:
            continue
        line = m.group(0)
        lead = len(line) - len(line.lstrip())
        body = line.strip()
        if body:
            out.append(Span(m.start() + lead, m.start() + lead + len(body)))
    return out


def _reference_split_giant(text: str, span: Span, budget: int) -> list[Span]:
    tokens = ENC.encode_ordinary(text[span.start : span.end])
    pieces = []
    offset = span.start
    for i in range(0, len(tokens), budget):
        piece = ENC.decode(tokens[i : i + budget])
        end = min(span.end, offset + len(piece))
        if i + budget >= len(tokens):
            end = span.end
        pieces.append(Span(offset, end, len(tokens[i : i + budget])))
        offset = end
    return [p for p in pieces if p.end > p.start]


def reference_chunks(text: str, budget: int, overlap: int) -> tuple[list[Chunk], list[Span]]:
    overlap = max(0, min(overlap, budget // 2))
    removed = boilerplate_spans(text)
    units: list[tuple[Span, bool]] = []
    for para in paragraphs(text, removed):
        sents = sentences(text, para)
        for j, s in enumerate(sents):
            units.append((s, j == len(sents) - 1))
    sized: list[tuple[Span, bool]] = []
    for s, para_end in units:
        n = len(ENC.encode_ordinary(text[s.start : s.end]))
        if n > budget:
            pieces = _reference_split_giant(text, s, budget)
            sized.extend((p, para_end and k == len(pieces) - 1) for k, p in enumerate(pieces))
        else:
            sized.append((Span(s.start, s.end, n), para_end))
    groups: list[list[tuple[Span, bool]]] = []
    current: list[tuple[Span, bool]] = []
    used = 0
    fresh = 0
    for unit in sized:
        if current and used + unit[0].tokens > budget and fresh:
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
                i,
                group[0][0].start,
                group[-1][0].end,
                sum(s.tokens for s, _ in group),
                "".join(parts),
            )
        )
    return chunks, removed


def reference_fold(text: str) -> tuple[str, list[int]]:
    table = str.maketrans(
        {"’": "'", "‘": "'", "“": "'", "”": "'", '"': "'", "—": "-", "–": "-", "\u00a0": " "}
    )
    out: list[str] = []
    index: list[int] = []
    prev_space = True
    for i, ch in enumerate(text.translate(table)):
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


# --- the splitter, the chunker, token counts ----------------------------------------------------


@settings(max_examples=400, deadline=None)
@given(any_text)
def test_split_finds_the_same_boilerplate_and_sentences(text: str) -> None:
    removed = boilerplate_spans(text)
    expected = [
        (s.start, s.end, j == len(sents) - 1)
        for p in paragraphs(text, removed)
        for sents in [sentences(text, p)]
        for j, s in enumerate(sents)
    ]
    layout = split(text)
    assert layout.boilerplate == removed
    assert list(zip(layout.starts, layout.ends, layout.para_end, strict=True)) == expected


@settings(max_examples=300, deadline=None)
@given(texts, st.sampled_from([16, 24, 40, 100]), st.sampled_from([0, 5, 12, 60]))
def test_chunks_are_those_of_the_reference_chunker(text: str, budget: int, overlap: int) -> None:
    assert chunk_text(text, ENC, budget, overlap) == reference_chunks(text, budget, overlap)


@pytest.mark.parametrize(("budget", "overlap"), [(16, 0), (60, 20), (200, 60), (2000, 60)])
def test_reference_article_chunks_unchanged(reference_text: str, budget: int, overlap: int) -> None:
    text = "\n".join([reference_text] * 3)
    assert chunk_text(text, ENC, budget, overlap) == reference_chunks(text, budget, overlap)


@settings(max_examples=300, deadline=None)
@given(st.lists(any_text, max_size=12))
def test_count_each_counts_like_encoding_each_alone(items: list[str]) -> None:
    # sentences (no newline, no outer spaces) take the joined path; anything else falls back
    assert count_each(ENC, items) == [len(ENC.encode_ordinary(t)) for t in items]
    stripped = [t.replace("\n", " ").strip() or "x" for t in items]
    assert count_each(ENC, stripped) == [len(ENC.encode_ordinary(t)) for t in stripped]


def test_abbreviation_classes_cover_every_character_lowering_to_ascii() -> None:
    extra = {}
    for cp in range(sys.maxunicode + 1):
        c = chr(cp)
        low = c.lower()
        if not c.isascii() and len(low) == 1 and low.isascii() and low.isalpha():
            extra[c] = low
        # fold relies on these two: re's \s is str.isspace, lower() keeps a character's spaceness
        assert bool(re.fullmatch(r"\s", c)) == c.isspace()
        assert len(low) != 1 or low.isspace() == c.isspace()
        # has_word_starting relies on this: re's \w is str.isalnum() or the underscore
        assert bool(re.fullmatch(r"\w", c)) == (c.isalnum() or c == "_")
    assert extra == _LOWERS_TO_ASCII


# --- grounding ----------------------------------------------------------------------------------


@settings(max_examples=400, deadline=None)
@given(any_text)
def test_fold_is_the_per_character_fold(text: str) -> None:
    folded, index = reference_fold(text)
    assert fold_text(text) == folded
    unfold = Unfold(text)
    assert [unfold[i] for i in range(len(folded))] == index


@settings(max_examples=300, deadline=None)
@given(any_text, st.lists(st.tuples(st.integers(0, 90), st.integers(0, 30)), max_size=8))
def test_folding_many_spans_at_once_is_folding_each(text: str, cuts: list[tuple[int, int]]) -> None:
    spans = split(text).sentences + [
        Span(min(a, len(text)), min(a + n, len(text))) for a, n in cuts
    ]
    assert fold_each(text, spans) == [fold_text(text[s.start : s.end]) for s in spans]


@settings(max_examples=400, deadline=None)
@given(any_text, st.sampled_from([*PIECES, "jong-un", "s", "_x", "4", "ab"]), st.booleans())
def test_word_start_search_is_the_regex_search(haystack: str, piece: str, fold: bool) -> None:
    if fold:
        haystack = fold_text(haystack)
    words = re.findall(r"[\w][\w-]*", piece) or [""]
    for prefix in words + [w.rstrip("s") for w in words]:
        expected = bool(re.search(rf"\b{re.escape(prefix)}", haystack))
        assert has_word_starting(haystack, prefix) == expected


@settings(max_examples=200, deadline=None)
@given(texts, texts)
def test_best_sentences_are_the_best_scored_sentences_in_order(text: str, claim: str) -> None:
    source = Source(text, split(text))
    folded = fold_text(claim)
    scored = []
    for span in source.sentences:
        score = fuzz.token_set_ratio(folded, fold_text(text[span.start : span.end]))
        if score >= SENTENCE_CUTOFF and not source.in_boilerplate(span.start, span.end):
            scored.append((score, span))
    scored.sort(key=lambda x: -x[0])
    expected = [Found(s.start, s.end, "sentence", round(sc, 1)) for sc, s in scored[:3]]
    assert source.best_sentences(claim, limit=3) == expected


@settings(max_examples=200, deadline=None)
@given(texts, st.integers(0, 400), st.integers(0, 60))
def test_evidence_context_matches_a_scan_of_every_sentence(text: str, at: int, size: int) -> None:
    source = Source(text, split(text))
    found = Found(min(at, len(text)), min(at + size, len(text)), "exact", 100.0)
    sents = source.sentences
    hits = [i for i, s in enumerate(sents) if s.start < found.end and found.start < s.end]
    if hits:
        first = max(0, hits[0] - 1)
        context = " ".join(text[s.start : s.end] for s in sents[first : hits[-1] + 2])
    else:
        context = text[found.start : found.end]
    own = (
        " ".join(text[sents[i].start : sents[i].end] for i in hits) or text[found.start : found.end]
    )
    assert source.context_of([found])[0] == context
    assert source.own_sentences(found) == own


@settings(max_examples=300, deadline=None)
@given(any_text, st.lists(st.tuples(st.integers(0, 400), st.integers(0, 60)), max_size=3))
def test_folded_context_is_the_fold_of_the_context(text: str, spans: list[tuple[int, int]]) -> None:
    source = Source(text, split(text))
    n = len(text)
    evidence = [Found(min(a, n), min(a + k, n), "exact", 100.0) for a, k in spans]
    context, folded = source.context_of(evidence)
    assert folded == fold_text(context)
    # the sentences the fast path joins are trimmed by construction
    assert all(text[s.start : s.end] == text[s.start : s.end].strip() for s in source.sentences)


def test_chunk_budget_is_remembered_per_prompt_and_unchanged() -> None:
    settings_ = Settings(OPENAI_BASE_URL=None, cache_enabled=False)
    prompts = PromptLibrary(settings_.prompts_dir)
    pipeline = Pipeline(settings_, llm=None, prompts=prompts, encoding=ENC, backend="-")  # type: ignore[arg-type]
    for version in prompts.versions:
        prompt = prompts.prompt_set(version)["summarize"]
        assert pipeline.chunk_budget(prompt) == pipeline._chunk_budget(prompt)
        assert pipeline.chunk_budget(prompt) == pipeline.chunk_budget(prompt)
