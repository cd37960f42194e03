"""LangChain's map-reduce summarize chain on one article; runs in .venv-peer, prints JSON lines.

    .venv-peer/bin/python benchmarks/peer_langchain_chain.py ARTICLE --base-url URL --model NAME \\
        --chunk-tokens 2199 --overlap 60 --max-tokens 500 [--repeat N]

What a typical user writes: split the article with `RecursiveCharacterTextSplitter
.from_tiktoken_encoder`, `load_summarize_chain(ChatOpenAI(...), chain_type="map_reduce")` with its
default prompts and `token_max`, then `chain.invoke({"input_documents": docs})`. Every departure
from LangChain's defaults, and why:

- `chunk_size` / `chunk_overlap`: the service's own chunk budget and overlap for this model's
  context (peer.py computes them with `Pipeline.chunk_budget`), so both read the same pieces.
- `encoding_name="cl100k_base"` (default gpt2): the tokenizer the service counts with.
- `temperature=0`: what the service uses, so answers are repeatable.
- `max_tokens`, also in `extra_body`: ChatOpenAI sends `max_tokens` as `max_completion_tokens`,
  which llama-cpp-python's server ignores (it would then write until the context is full).
- `max_retries=0` (default 2): a retry would be an uncounted call; the service's own retries are
  counted, and no call fails in this benchmark.

Calls and tokens are counted from the answers' usage by a callback handler. Imports nothing but
LangChain and the standard library, so it cannot share a venv by accident.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from langchain_classic.chains.summarize import load_summarize_chain
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.outputs import LLMResult
from langchain_openai import ChatOpenAI
from langchain_text_splitters import RecursiveCharacterTextSplitter


class Usage(BaseCallbackHandler):
    """Model calls and tokens as the answers report them."""

    def __init__(self) -> None:
        self.calls = 0
        self.prompt_tokens = 0
        self.completion_tokens = 0

    def on_chat_model_start(self, serialized: Any, messages: Any, **kwargs: Any) -> None:
        self.calls += len(messages)

    def on_llm_end(self, response: LLMResult, **kwargs: Any) -> None:
        for generations in response.generations:
            for g in generations:
                meta = getattr(getattr(g, "message", None), "usage_metadata", None) or {}
                self.prompt_tokens += int(meta.get("input_tokens") or 0)
                self.completion_tokens += int(meta.get("output_tokens") or 0)


def summarize(text: str, args: argparse.Namespace) -> dict[str, Any]:
    """One run of the chain on `text`, timed from splitting to the final summary."""
    usage = Usage()
    llm = ChatOpenAI(
        model=args.model,
        base_url=args.base_url,
        api_key="not-needed",
        temperature=0,
        max_tokens=args.max_tokens,
        extra_body={"max_tokens": args.max_tokens},
        max_retries=0,
        timeout=900,
    )
    chain = load_summarize_chain(llm, chain_type="map_reduce")
    started = time.perf_counter()
    splitter = RecursiveCharacterTextSplitter.from_tiktoken_encoder(
        encoding_name="cl100k_base", chunk_size=args.chunk_tokens, chunk_overlap=args.overlap
    )
    docs = splitter.create_documents([text])
    out = chain.invoke({"input_documents": docs}, config={"callbacks": [usage]})
    wall = time.perf_counter() - started
    return {
        "summary": out["output_text"].strip(),
        "chunks": len(docs),
        "model_calls": usage.calls,
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "wall_s": round(wall, 4),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("article", type=Path)
    p.add_argument("--base-url", required=True, help="OpenAI-compatible base URL, …/v1")
    p.add_argument("--model", required=True)
    p.add_argument("--chunk-tokens", type=int, required=True)
    p.add_argument("--overlap", type=int, required=True)
    p.add_argument("--max-tokens", type=int, required=True)
    p.add_argument("--repeat", type=int, default=1, help="runs, one JSON line each")
    args = p.parse_args()
    text = args.article.read_text(encoding="utf-8")
    for _ in range(args.repeat):
        print(json.dumps(summarize(text, args), ensure_ascii=False), flush=True)


if __name__ == "__main__":
    sys.exit(main())
