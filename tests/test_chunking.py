"""Chunking: boundaries, overlap, giant sentences, empty lines, unicode, boilerplate."""

from __future__ import annotations

import itertools

import pytest

from service.chunking import Span, chunk_text, sentences, split
from service.tokens import FALLBACK_ENCODING, load_encoding

ENC = load_encoding("smollm2-135m-instruct")


def test_unknown_model_falls_back_to_offline_cl100k() -> None:
    assert ENC.name == FALLBACK_ENCODING
    assert load_encoding("gpt-4o").name in {"o200k_base", FALLBACK_ENCODING}


def sentence(i: int) -> str:
    return f"Sentence number {i} says that the council met on day {i} to discuss roads."


@pytest.mark.parametrize(
    ("text", "budget", "overlap", "expect_chunks"),
    [
        ("One short sentence.", 100, 0, 1),
        ("\n\n  \n" + sentence(1) + "\n\n\n" + sentence(2) + "\n", 100, 0, 1),
        (" ".join(sentence(i) for i in range(40)), 100, 0, 8),
        ("\n".join(sentence(i) for i in range(40)), 100, 20, 10),
        ("Ünïcödé façade — “quoted” 日本語のテキスト。 Émoji 🎉 here. " * 30, 64, 8, 14),
    ],
    ids=["tiny", "empty-lines", "sentences", "paragraphs-overlap", "unicode"],
)
def test_chunks_respect_budget_and_cover_text(
    text: str, budget: int, overlap: int, expect_chunks: int
) -> None:
    chunks, _ = chunk_text(text, ENC, budget, overlap)
    assert len(chunks) == pytest.approx(expect_chunks, abs=2)
    assert chunks[0].start == len(text) - len(text.lstrip())
    assert chunks[-1].end == len(text.rstrip())
    for c in chunks:
        assert c.tokens <= budget
        assert len(ENC.encode_ordinary(c.text)) <= budget + 4  # joining spaces may merge tokens
        assert text[c.start : c.end].startswith(c.text[:20])
    for a, b in itertools.pairwise(chunks):
        assert not text[a.end : b.start].strip(), "only whitespace between chunks"
        if overlap == 0:
            assert b.start >= a.end, "no overlap when none is asked for"


def test_chunks_end_on_sentence_boundaries() -> None:
    text = " ".join(sentence(i) for i in range(30))
    chunks, _ = chunk_text(text, ENC, 80, 0)
    for c in chunks:
        assert c.text.endswith("roads."), c.text[-30:]


def test_overlap_repeats_the_last_sentences() -> None:
    text = " ".join(sentence(i) for i in range(30))
    chunks, _ = chunk_text(text, ENC, 80, 20)
    assert chunks[1].start < chunks[0].end
    assert chunks[1].text.startswith(text[chunks[1].start : chunks[0].end].strip()[:30])


def test_giant_sentence_is_split_at_token_boundaries() -> None:
    giant = "word " * 500 + "end."
    text = "Short intro. " + giant + " Short outro."
    chunks, _ = chunk_text(text, ENC, 100, 0)
    assert len(chunks) >= 5
    assert all(c.tokens <= 100 for c in chunks)
    assert chunks[-1].end == len(text)


@pytest.mark.parametrize(
    ("line", "dropped"),
    [
        ("| Also Read: US President,Russian counterpart Putin hold 85-minute call |", True),
        ("Read more: the full story", True),
        ("Share this article on Facebook", True),
        ("Subscribe to our newsletter", True),
        ("Kim said the treaty would be observed.", False),
        ("Readers share concerns about the war, analysts said.", False),
    ],
)
def test_boilerplate_lines(line: str, dropped: bool) -> None:
    text = f"First line of the story.\n{line}\nLast line."
    spans = split(text).boilerplate
    assert bool(spans) is dropped
    chunks, _ = chunk_text(text, ENC, 200, 0)
    assert (line in chunks[0].text) is not dropped


def test_reference_boilerplate_never_reaches_a_chunk(reference_text: str) -> None:
    for budget in (60, 200, 2000):
        chunks, removed = chunk_text(reference_text, ENC, budget, 20)
        assert len(removed) == 1
        assert not any("Also Read" in c.text for c in chunks)


def test_boilerplate_spans_of_crlf_lines_stop_before_the_carriage_return() -> None:
    from service.chunking import split

    text = "The council met on Monday.\r\nRead more: other news\r\nIt voted to build a bridge.\r\n"
    (span,) = split(text).boilerplate
    assert text[span.start : span.end] == "Read more: other news"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The U. S. and NATO allies oppose it.", ["The U. S. and NATO allies oppose it."]),
        ("The U.S. and NATO allies oppose it.", ["The U.S. and NATO allies oppose it."]),
        (
            "Service stops after 8 p.m. on most routes. It resumes at 5 a.m. daily.",
            ["Service stops after 8 p.m. on most routes.", "It resumes at 5 a.m. daily."],
        ),
        ("Gov. Sarov spoke. Sen. Tam replied.", ["Gov. Sarov spoke.", "Sen. Tam replied."]),
        ("Rep. Ola met Dr. Vosk.", ["Rep. Ola met Dr. Vosk."]),
        ("Kim met Shoigu on Wed. and left.", ["Kim met Shoigu on Wed. and left."]),
        ("It opened on Jan. 5 this year.", ["It opened on Jan. 5 this year."]),
        ("John F. Kennedy spoke. Then he left.", ["John F. Kennedy spoke.", "Then he left."]),
        (
            '"Is it fair?" she asked. Nobody answered.',
            ['"Is it fair?" she asked.', "Nobody answered."],
        ),
        ("The vote passed. Opponents walked out.", ["The vote passed.", "Opponents walked out."]),
    ],
    ids=[
        "spaced-initials",
        "us",
        "times",
        "titles",
        "rep-dr",
        "weekday",
        "month",
        "initial",
        "question",
        "plain",
    ],
)
def test_sentences_keep_abbreviations_initials_and_times(text: str, expected: list[str]) -> None:
    article = f"Headline here\n{text}\nLast line."
    for spans in (
        sentences(article, Span(len("Headline here\n"), len("Headline here\n") + len(text))),
        split(article).sentences[1:-1],
    ):
        assert [article[s.start : s.end] for s in spans] == expected  # offsets stay exact
