"""Chunker throughput: `chunk_text` on ~1 MB of news text vs tiktoken's `encode_ordinary` alone.

Tokenizing is work the chunker cannot avoid, so raw encoding of the same text is the baseline; the
ratio says how much the sentence splitting, boilerplate removal and packing cost on top.
"""

from __future__ import annotations

import gc
import time
from typing import Any

from benchmarks.common import Row, log, median, reference_text, row, run_module
from service.chunking import chunk_text
from service.pipeline import Pipeline
from service.prompts import PromptLibrary
from service.settings import Settings
from service.tokens import load_encoding

NAME = "chunker"
TARGET_RATIO = 0.7
SIZE = 1_000_000


def megabyte_of_news(size: int = SIZE) -> str:
    """The reference article's paragraphs, repeated until the text reaches `size` bytes."""
    paragraphs = [p for p in reference_text().split("\n") if p.strip()]
    out: list[str] = []
    total = 0
    i = 0
    while total < size:
        p = paragraphs[i % len(paragraphs)]
        out.append(p)
        total += len(p.encode()) + 1
        i += 1
    return "\n".join(out)


def service_budget(settings: Settings) -> int:
    """The chunk budget the service computes for its newest summarize prompt."""
    prompts = PromptLibrary(settings.prompts_dir)
    encoding = load_encoding(settings.model, settings.encoding)
    # chunk_budget reads only the settings, the encoding and the prompt: no model client needed
    pipeline = Pipeline(settings, llm=None, prompts=prompts, encoding=encoding, backend="-")  # type: ignore[arg-type]
    return pipeline.chunk_budget(prompts.prompt_set(None)["summarize"])


def _seconds(fn: Any) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def main(repeats: int = 11) -> list[Row]:
    """MB/s of chunk_text and of encode_ordinary on the same text (medians of `repeats`)."""
    settings = Settings(OPENAI_BASE_URL=None, cache_enabled=False)
    enc = load_encoding(settings.model, settings.encoding)
    budget, overlap = service_budget(settings), settings.chunk_overlap_tokens
    text = megabyte_of_news()
    mb = len(text.encode()) / 1e6
    log(f"[{NAME}] {mb:.2f} MB, encoding {enc.name}, budget {budget}, overlap {overlap}")
    enc.encode_ordinary(text[:10_000])  # load the BPE ranks before timing
    gc.freeze()  # as the service does after startup: collections walk only what chunking makes
    encode_s: list[float] = []
    chunk_s: list[float] = []
    for _ in range(repeats):  # interleaved, so drift hits both
        encode_s.append(_seconds(lambda: enc.encode_ordinary(text)))
        chunk_s.append(_seconds(lambda: chunk_text(text, enc, budget, overlap)))
    gc.unfreeze()
    chunks, _ = chunk_text(text, enc, budget, overlap)
    encode_mbs, chunk_mbs = mb / median(encode_s), mb / median(chunk_s)
    ratio = chunk_mbs / encode_mbs
    return [
        row(NAME, "encode_ordinary (MB/s)", encode_mbs),
        row(
            NAME,
            "chunk_text (MB/s)",
            chunk_mbs,
            encode_mbs,
            target=f"ratio ≥ {TARGET_RATIO:g}",
            ok=ratio >= TARGET_RATIO,
        ),
        row(NAME, f"chunks of ≤ {budget} tokens for {mb:.2f} MB", float(len(chunks))),
    ]


if __name__ == "__main__":
    run_module(main)
