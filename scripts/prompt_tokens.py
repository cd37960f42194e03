"""Prompt tokens per fixture article for prompt sets, counted as the service counts them.

Usage: python scripts/prompt_tokens.py [VERSION...]  (default v4 v6 and the newest set)
       [--embedded-model KEY]  (the catalog model whose context window sets the chunking)

Every fixture goes through the real pipeline against a stand-in model that answers each call
with a minimal valid answer (no model runs); each call's messages are counted with the
service's tiktoken encoding for the model. That is what the prompt files and the article's
rendering cost; a model's own tokenizer counts differently (Qwen2.5 splits every digit, so a
sentence number costs it one token more per digit), and a real model's answers can add a
reduce call on a long article.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import uuid
from pathlib import Path
from typing import Any

import httpx2 as httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from service import models, schemas
from service.api.app import build_pipeline, open_client
from service.prompts import PromptLibrary
from service.settings import PROJECT_ROOT, Settings

FIXTURES = PROJECT_ROOT / "evals" / "fixtures"
_NUMBERED = re.compile(r"^\[(\d+)\] (.+)$", re.MULTILINE)


def minimal_answer(body: dict[str, Any]) -> dict[str, Any]:
    """The smallest valid answer of the shape asked for: one sentence, no claims."""
    fmt = body.get("response_format", {})
    schema = fmt.get("json_schema", {}).get("schema") or fmt.get("schema", {})
    props = schema.get("properties", {})
    user = body["messages"][1]["content"]
    numbered = _NUMBERED.search(user)
    key = "notes" if "notes" in props else "summary"
    if "cites" in json.dumps(schema):
        sentence = numbered.group(2) if numbered else "Nothing happened."
        cite = int(numbered.group(1)) if numbered else 1
        return {key: [{"text": sentence, "cites": [cite]}], "claims": []}
    answer: dict[str, Any] = {key: "Nothing happened."}
    if "claims" in props:
        answer["claims"] = []
    return answer


async def measure(settings: Settings, version: str) -> dict[str, tuple[int, int]]:
    """Per fixture: (model calls, prompt tokens) of the set's calls on its article."""
    counted: list[dict[str, Any]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        counted.append(body)
        content = json.dumps(minimal_answer(body))
        return httpx.Response(
            200,
            json={"choices": [{"message": {"content": content}, "finish_reason": "stop"}]},
        )

    client = open_client(
        settings,
        "http://stand-in.invalid/v1",
        httpx.AsyncClient(transport=httpx.MockTransport(answer)),
    )
    pipeline = build_pipeline(settings, client)
    out: dict[str, tuple[int, int]] = {}
    try:
        for folder in sorted(p for p in FIXTURES.iterdir() if (p / "article.txt").exists()):
            counted.clear()
            text = (folder / "article.txt").read_text(encoding="utf-8")
            request = schemas.SummaryRequest(text=text, prompt_version=version)
            await pipeline.summarize(request, uuid.uuid4().hex)
            tokens = sum(
                len(pipeline.encoding.encode_ordinary(m["content"]))
                for body in counted
                for m in body["messages"]
            )
            out[folder.name] = (len(counted), tokens)
    finally:
        await client.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("versions", nargs="*")
    parser.add_argument(
        "--embedded-model", default=models.DEFAULT_MODEL, choices=list(models.CATALOG)
    )
    args = parser.parse_args()
    settings = Settings(embedded_model=args.embedded_model, cache_enabled=False)  # type: ignore[call-arg]
    library = PromptLibrary(settings.prompts_dir)
    versions = args.versions or list(dict.fromkeys(["v4", "v6", library.latest]))
    results = {v: asyncio.run(measure(settings, v)) for v in versions}
    cases = list(next(iter(results.values())))
    print(f"prompt tokens ({settings.model}, encoding {build_encoding_name(settings)}; calls)")
    print("| case | " + " | ".join(versions) + " |")
    print("|---|" + "---:|" * len(versions))
    for case in cases:
        cells = [f"{results[v][case][1]} ({results[v][case][0]})" for v in versions]
        print(f"| {case} | " + " | ".join(cells) + " |")
    totals = {v: sum(t for _, t in results[v].values()) for v in versions}
    calls = {v: sum(c for c, _ in results[v].values()) for v in versions}
    print("| total | " + " | ".join(f"{totals[v]} ({calls[v]})" for v in versions) + " |")
    first = versions[0]
    print(
        f"| vs {first} | "
        + " | ".join(f"{100 * (totals[v] / totals[first] - 1):+.1f} %" for v in versions)
        + " |"
    )


def build_encoding_name(settings: Settings) -> str:
    from service.tokens import load_encoding

    return load_encoding(settings.model, settings.encoding).name


if __name__ == "__main__":
    main()
