"""The `summarizer` command: serve the API, summarize a file, list prompts."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import sys
import uuid
from pathlib import Path

from service import schemas
from service.api.app import build_pipeline, open_client
from service.embedded import model_endpoint
from service.errors import SummarizerError
from service.prompts import PromptLibrary
from service.settings import Settings


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


def _eval_settings(args: argparse.Namespace, settings: Settings) -> Settings:
    if args.prompts_dir:
        return settings.model_copy(update={"prompts_dir": args.prompts_dir})
    return settings


def _mode(args: argparse.Namespace) -> str:
    return "record" if args.record else "replay" if args.replay else "live"


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from evals import metrics, runner

    settings = _eval_settings(args, settings)
    version = args.prompt_version or PromptLibrary(settings.prompts_dir).latest
    results = runner.evaluate(settings, _mode(args), version, args.cases)  # type: ignore[arg-type]
    from evals import verification

    results["verifier"] = verification.measure()
    folder = args.out or runner.OUT / f"{settings.model}__{version}"
    for path in runner.write_outputs(results, folder):
        print(f"wrote {path}", file=sys.stderr)
    from evals.report import markdown_summary

    print(markdown_summary(results))
    print(verification.table(results["verifier"]))
    baseline = args.baseline or runner.baseline_path(settings.model, version)
    if args.update_baseline:
        baseline.parent.mkdir(parents=True, exist_ok=True)
        baseline.write_text(
            json.dumps(runner.baseline_of(results), indent=1) + "\n", encoding="utf-8"
        )
        print(f"wrote baseline {baseline}", file=sys.stderr)
    if args.check:
        if not baseline.exists():
            print(f"error: no baseline at {baseline}; run with --update-baseline", file=sys.stderr)
            return 2
        old = json.loads(baseline.read_text(encoding="utf-8"))
        problems = metrics.regressions(old["overall"], results["overall"])
        if args.cases is None:
            missing = set(old["cases"]) - set(results["cases"])
            problems += [
                f"case {name} is in the baseline but was not run" for name in sorted(missing)
            ]
        if problems:
            print(f"REGRESSION against {baseline.name}:", *problems, sep="\n  ", file=sys.stderr)
            return 1
        print(f"check passed against {baseline.name}", file=sys.stderr)
    return 0


def cmd_compare(args: argparse.Namespace, settings: Settings) -> int:
    from evals import runner
    from evals.report import compare_markdown

    settings = _eval_settings(args, settings)
    a = runner.evaluate(settings, _mode(args), args.a, args.cases)  # type: ignore[arg-type]
    b = runner.evaluate(settings, _mode(args), args.b, args.cases)  # type: ignore[arg-type]
    text = compare_markdown(a, b)
    out = args.out or runner.OUT / f"compare_{args.a}_{args.b}.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(text)
    print(f"wrote {out}", file=sys.stderr)
    return 0


def cmd_eval_verifier(args: argparse.Namespace, settings: Settings) -> int:
    from evals import verification

    return verification.command(args)


def _eval_options(p: argparse.ArgumentParser) -> None:
    how = p.add_mutually_exclusive_group()
    how.add_argument("--record", action="store_true",
                     help="call the model for calls not recorded yet and save them under "
                          "evals/recordings/; recorded calls are answered from disk")  # fmt: skip
    how.add_argument("--replay", action="store_true",
                     help="answer every call from evals/recordings/; no model is called")  # fmt: skip
    p.add_argument("--cases", nargs="+", help="only these fixture cases (default all)")
    p.add_argument("--prompts-dir", type=Path, help="another folder of prompt files")


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

    ev = sub.add_parser(
        "eval",
        help="score the service on the gold fixtures",
        description="Run every fixture in evals/fixtures through the pipeline and score it. "
        "Writes results.json, summary.md and report.html under evals/out/.",
    )
    _eval_options(ev)
    ev.add_argument("--prompt-version", help="prompt set to evaluate (default newest)")
    ev.add_argument("--check", action="store_true",
                    help="exit 1 when a metric falls below the baseline beyond its tolerance")  # fmt: skip
    ev.add_argument("--update-baseline", action="store_true",
                    help="write this run's scores as the baseline for this model and version")  # fmt: skip
    ev.add_argument("--baseline", type=Path,
                    help="baseline file (default evals/baselines/<model>__<version>.json)")  # fmt: skip
    ev.add_argument("--out", type=Path, help="output folder (default evals/out/<model>__<version>)")
    ev.set_defaults(run=cmd_eval)
    ev_sub = ev.add_subparsers(dest="eval_command")
    cmp = ev_sub.add_parser("compare", help="two prompt versions side by side with deltas")
    cmp.add_argument("a", help="first prompt version, e.g. v1")
    cmp.add_argument("b", help="second prompt version, e.g. v2")
    _eval_options(cmp)
    cmp.add_argument("--out", type=Path, help="markdown file to write")
    cmp.set_defaults(run=cmd_compare)
    vf = ev_sub.add_parser(
        "verifier",
        help="the verifier as a classifier on the labeled set (evals/verification/; no model)",
        description="Plant every labeled statement as a model's answer and report how the "
        "verifier judges it, per type and path. Writes verifier.md and verifier.json.",
    )
    vf.add_argument("--check", action="store_true",
                    help="exit 1 on a regression against evals/baselines/verifier.json")  # fmt: skip
    vf.add_argument("--update-baseline", action="store_true", help="write this run as the baseline")
    vf.add_argument(
        "--baseline", type=Path, help="baseline file (default evals/baselines/verifier.json)"
    )
    vf.add_argument("--record-before", action="store_true",
                    help="measure the verifier of commit ca0daa9 on this set and store it")  # fmt: skip
    vf.add_argument("--readme", action="store_true",
                    help="also print the README's per-type table, before (ca0daa9) and after")  # fmt: skip
    vf.add_argument("--misjudged", action="store_true", help="also print every misjudged statement")
    vf.add_argument(
        "--set", type=Path, help="another verification folder (default evals/verification)"
    )
    vf.add_argument("--out", type=Path, help="output folder (default evals/out/verifier)")
    vf.set_defaults(run=cmd_eval_verifier)

    pr = sub.add_parser("prompts", help="prompt files")
    pr_sub = pr.add_subparsers(dest="prompts_command", required=True)
    pr_sub.add_parser("list", help="list every prompt file with its hash").set_defaults(
        run=cmd_prompts
    )
    return p


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)  # unwinds, so the embedded server is stopped in `finally`


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)  # `serve` replaces it with uvicorn's
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
