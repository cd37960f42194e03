"""The `summarizer` command: serve the API, summarize a file, list prompts."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

from service import schemas
from service.api.app import build_pipeline, open_client
from service.embedded import running
from service.errors import SummarizerError
from service.prompts import PromptLibrary
from service.settings import Settings


@contextlib.contextmanager
def model_endpoint(settings: Settings) -> Iterator[str]:
    """The base URL of the model: the configured endpoint, or the embedded server while open."""
    if settings.openai_base_url is not None:
        yield settings.openai_base_url
        return
    with running(settings.model_path, settings.model, settings.embedded_n_ctx,
                 settings.embedded_port, settings.embedded_threads) as server:  # fmt: skip
        yield server.base_url


async def summarize_text(
    settings: Settings, base_url: str, request: schemas.SummaryRequest
) -> schemas.SummaryResponse:
    """Run the API's pipeline once, without HTTP."""
    client = open_client(settings, base_url)
    try:
        return await build_pipeline(settings, client).summarize(request, uuid.uuid4().hex)
    finally:
        await client.close()


def to_markdown(result: schemas.SummaryResponse) -> str:
    """The summary, then each claim with its quotes and verdict."""
    lines = ["## Summary", "", result.summary.text, "", "## Claims", ""]
    for c in result.claims:
        mark = "supported" if c.supported else "NOT SUPPORTED: " + "; ".join(c.reasons)
        who = f" (according to {c.attributed_to})" if c.attributed_to else ""
        lines.append(f"- **{c.id}** [{c.kind}] {c.text}{who} — _{mark}_")
        lines.extend(f'  > "{e.quote}" (chars {e.start}–{e.end})' for e in c.evidence)
    p = result.provenance
    prompts = ", ".join(f"{x.name}/{x.version}" for x in p.prompts)
    lines += ["", f"_Model {p.model} ({p.backend}); prompts {prompts}; "
              f"{result.usage.model_calls} calls, {result.usage.prompt_tokens}+"
              f"{result.usage.completion_tokens} tokens._"]  # fmt: skip
    return "\n".join(lines)


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from service.api.app import create_app

    # uvicorn turns SIGINT/SIGTERM into a lifespan shutdown, which stops the embedded server.
    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level=args.log_level)
    return 0


def cmd_summarize(args: argparse.Namespace, settings: Settings) -> int:
    text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text(encoding="utf-8")
    request = schemas.SummaryRequest(
        text=text, title=args.title, prompt_version=args.prompt_version
    )
    with model_endpoint(settings) as base_url:
        result = asyncio.run(summarize_text(settings, base_url, request))
    if args.format == "json":
        print(result.model_dump_json(indent=2))
    else:
        print(to_markdown(result))
    return 0


def cmd_prompts(args: argparse.Namespace, settings: Settings) -> int:
    library = PromptLibrary(settings.prompts_dir)
    for t in library.templates:
        print(f"{t.name:16} {t.version:5} {t.sha256[:12]}  {t.description}")
    print(f"released sets: {', '.join(library.versions)} (default {library.latest})")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="summarizer",
        description="Summaries and atomic claims, each proven against the article. "
        "With no OPENAI_BASE_URL set, runs the embedded SmolLM2 model.",
    )
    p.add_argument("--model", help="model name sent to the endpoint (SUMMARIZER_MODEL)")
    p.add_argument("--model-path", type=Path, help="a local GGUF file to run instead of SmolLM2")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("serve", help="serve the HTTP API")
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    s.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    s.add_argument("--log-level", default="info", help="uvicorn log level (default info)")
    s.set_defaults(run=cmd_serve)

    m = sub.add_parser("summarize", help="summarize a file (or - for stdin) without a server")
    m.add_argument("file", help="path of a UTF-8 text file, or - to read standard input")
    m.add_argument("--format", choices=["json", "markdown"], default="markdown",
                   help="json: the API's answer; markdown: summary then claims with quotes")  # fmt: skip
    m.add_argument("--prompt-version", help="released prompt set, e.g. v1 (default newest)")
    m.add_argument("--title", help="the article's headline")
    m.set_defaults(run=cmd_summarize)

    pr = sub.add_parser("prompts", help="prompt files")
    pr_sub = pr.add_subparsers(dest="prompts_command", required=True)
    pr_sub.add_parser("list", help="list every prompt file with its hash").set_defaults(
        run=cmd_prompts
    )
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    overrides: dict[str, object] = {}
    if args.model:
        overrides["model"] = args.model
    if args.model_path:
        overrides["model_path"] = args.model_path
    settings = Settings(**overrides)  # type: ignore[arg-type]
    try:
        return int(args.run(args, settings))
    except SummarizerError as e:
        print(f"error: {e.message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
