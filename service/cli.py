"""The `summarizer` command: serve the API, summarize a file, list prompts, run the evals.

Exit codes: 0 done; 1 an eval regressed against its baseline or some of its cases failed;
2 a usage or input error (a bad option, file or article); 3 a bad setting (environment
variables); 4 the model failed (unreachable, timed out, or its answer unusable).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from pydantic_settings import SettingsError

from service import __version__, models, schemas
from service.api.app import build_pipeline, open_client
from service.embedded import model_endpoint
from service.errors import InputError, SummarizerError
from service.markup import html_to_text, is_document
from service.pipeline import has_words
from service.prompts import PromptLibrary
from service.settings import Settings

if TYPE_CHECKING:
    from evals.recording import Mode

EXIT_REGRESSION, EXIT_USAGE, EXIT_SETTINGS, EXIT_MODEL = 1, 2, 3, 4
SECRET_SETTINGS = frozenset({"api_keys", "openai_api_key"})


class UsageError(Exception):
    """Something the user must change in the command or its input; printed as one line."""


async def summarize_text(
    settings: Settings, base_url: str, request: schemas.SummaryRequest
) -> schemas.SummaryResponse:
    """Run the API's pipeline once, without HTTP."""
    client = open_client(settings, base_url)
    try:
        return await build_pipeline(settings, client).summarize(request, uuid.uuid4().hex)
    finally:
        await client.close()


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def to_markdown(result: schemas.SummaryResponse) -> str:
    """The summary with each sentence's verdict, then each claim with its quotes and verdict."""
    lines = ["## Summary", "", result.summary.text, ""]
    for s in result.summary.sentences:
        mark = "supported" if s.supported else "NOT SUPPORTED: " + "; ".join(s.reasons)
        lines.append(f"- {s.text} — _{mark}_")
    lines += ["", "## Claims", ""]
    for c in result.claims:
        mark = "supported" if c.supported else "NOT SUPPORTED: " + "; ".join(c.reasons)
        who = f" (according to {c.attributed_to})" if c.attributed_to else ""
        lines.append(f"- **{c.id}** [{c.kind}] {c.text}{who} — _{mark}_")
        lines.extend(f'  > "{e.quote}" (chars {e.start}–{e.end})' for e in c.evidence)
    p = result.provenance
    prompts = ", ".join(f"{x.name}/{x.version}" for x in p.prompts)
    u = result.usage
    lines += ["", f"_Model {p.model} ({p.backend}); prompts {prompts}; "
              f"{_n(u.model_calls, 'call')}, {u.prompt_tokens}+{u.completion_tokens} tokens._"]  # fmt: skip
    return "\n".join(lines)


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from service.api.app import create_app
    from service.api.http_protocol import HeaderTimeoutProtocol

    if args.workers > 1:
        return serve_workers(args, settings)

    # uvicorn turns SIGINT/SIGTERM into a lifespan shutdown, which stops the embedded server;
    # requests still running get `shutdown_grace_s`, then uvicorn cancels them and says so.
    # X-Forwarded-For is believed only from the proxies named in FORWARDED_ALLOW_IPS (uvicorn's
    # default would trust any loopback client, which could then pick its rate-limit address).
    uvicorn.run(
        create_app(settings),
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        timeout_graceful_shutdown=max(1, round(settings.shutdown_grace_s)),
        timeout_keep_alive=5,
        http=HeaderTimeoutProtocol,  # a request's headers must arrive within 10 s
        proxy_headers="FORWARDED_ALLOW_IPS" in os.environ,
    )
    return 0


def read_article(name: str) -> str:
    """The article in a UTF-8 file (or standard input for "-"); an HTML file is reduced to text."""
    try:
        data = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
    except FileNotFoundError:
        raise UsageError(f"{name}: no such file; give the path of a UTF-8 text file") from None
    except IsADirectoryError:
        raise UsageError(f"{name} is a directory; give the path of a UTF-8 text file") from None
    except OSError as e:
        raise UsageError(f"{name}: cannot be read ({e.strerror or e})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise UsageError(
            f"{name} is not UTF-8 text (byte {e.start} is 0x{data[e.start]:02x}); convert it, "
            f"e.g. iconv -f latin1 -t utf-8 {name} > article.txt"
        ) from None
    if name.lower().endswith((".html", ".htm")) or is_document(text):
        return html_to_text(text)  # offsets then index the reduced text, which --format json shows
    return text


WORKER_HEALTHCHECK_S = 60


def serve_workers(args: argparse.Namespace, settings: Settings) -> int:
    """`args.workers` uvicorn processes on one port that share one model server started here.

    The workers build their app from the environment (`create_app()` with `Settings()`), so what
    the command line set goes there too, and the embedded server's URL as SUMMARIZER_EMBEDDED_URL.
    On SIGTERM or SIGINT uvicorn stops the workers (each finishes its requests in flight) and
    returns; then the model server is stopped. Admission limits (SUMMARIZER_MAX_RUNNING_REQUESTS,
    SUMMARIZER_MAX_QUEUED_REQUESTS) hold per worker; the cache and the rate limit are shared
    through SUMMARIZER_REDIS_URL (without it: one SQLite file, limits per worker).
    """
    import uvicorn

    from service.api.http_protocol import HeaderTimeoutProtocol

    with model_endpoint(settings) as base_url:
        os.environ["SUMMARIZER_MODEL"] = settings.model
        os.environ["SUMMARIZER_EMBEDDED_MODEL"] = settings.embedded_model
        if settings.model_path is not None:
            os.environ["SUMMARIZER_MODEL_PATH"] = str(settings.model_path)
        if settings.embedded:
            os.environ["SUMMARIZER_EMBEDDED_URL"] = base_url
        uvicorn.run(
            "service.api.app:create_app",
            factory=True,
            host=args.host,
            port=args.port,
            workers=args.workers,
            log_level=args.log_level,
            log_config=_worker_logging(),
            # a new worker's first health answer: uvicorn's 5 s kills and restarts a worker
            # still importing on a busy machine
            timeout_worker_healthcheck=WORKER_HEALTHCHECK_S,
            timeout_graceful_shutdown=max(1, round(settings.shutdown_grace_s)),
            timeout_keep_alive=5,
            http=HeaderTimeoutProtocol,
            proxy_headers="FORWARDED_ALLOW_IPS" in os.environ,
        )
    return 0


def _worker_logging() -> dict[str, object]:
    """uvicorn's logging, plus the service's own loggers at INFO in the format `main` sets."""
    from uvicorn.config import LOGGING_CONFIG

    config = {**LOGGING_CONFIG}
    config["formatters"] = {
        **LOGGING_CONFIG["formatters"],
        "service": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    }
    config["handlers"] = {
        **LOGGING_CONFIG["handlers"],
        "service": {"class": "logging.StreamHandler", "formatter": "service",
                    "stream": "ext://sys.stderr"},
    }  # fmt: skip
    config["loggers"] = {
        **LOGGING_CONFIG["loggers"],
        "service": {"handlers": ["service"], "level": "INFO", "propagate": False},
    }
    return config


def cmd_summarize(args: argparse.Namespace, settings: Settings) -> int:
    text = read_article(args.file)
    if not has_words(text):  # found before a model is started, not after
        raise UsageError(f"{args.file} has no letters or digits; nothing to summarize")
    request = schemas.SummaryRequest(
        text=text, title=args.title, prompt_version=args.prompt_version
    )
    PromptLibrary(settings.prompts_dir).prompt_set(request.prompt_version)  # before any model
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
    print(f"released sets: {', '.join(library.versions)} (default {library.default})")
    return 0


def cmd_models_list(args: argparse.Namespace, settings: Settings) -> int:
    for m in models.CATALOG.values():
        try:
            models.resolve(m)
            state = "installed"
        except models.ModelFileError:
            state = "not installed"
        default = " (default)" if m.key == models.DEFAULT_MODEL else ""
        print(f"{m.key:20} {m.size / 1e9:5.2f} GB  ctx {m.n_ctx:>6}  {state:13} "
              f"{m.description}{default}")  # fmt: skip
    print(f"folder: {models.models_dir()}")
    return 0


def cmd_models_install(args: argparse.Namespace, settings: Settings) -> int:
    keys = args.keys or [settings.embedded_model]
    for key in keys:
        try:
            path = models.install(models.catalog_model(key), say=lambda s: print(s, flush=True))
        except models.ModelFileError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        print(f"{key}: {path}")
    return 0


def _eval_settings(args: argparse.Namespace, settings: Settings) -> Settings:
    if args.prompts_dir:
        return settings.model_copy(update={"prompts_dir": args.prompts_dir})
    return settings


def _mode(args: argparse.Namespace) -> Mode:
    if args.record and args.replay:
        raise UsageError("--record and --replay exclude each other; give one")
    return "record" if args.record else "replay" if args.replay else "live"


def _check_replay(args: argparse.Namespace, settings: Settings) -> None:
    """Recordings are of the embedded model's calls: a replay under another model or endpoint
    would find none of its calls recorded (and --record would call that model live)."""
    if _mode(args) != "replay":
        return
    if settings.openai_base_url is not None:
        raise UsageError(
            "--replay answers from recordings of the embedded model's calls, so it needs "
            "OPENAI_BASE_URL unset (a replay calls no endpoint); unset it and run again"
        )
    from evals import runner

    recorded = sorted(p.name for p in runner.RECORDINGS.iterdir() if p.is_dir())
    if settings.model.replace("/", "_") not in recorded:
        keys = [m.key for m in models.CATALOG.values() if m.name in recorded]
        advice = (
            f"pass --embedded-model {keys[0]}" if keys else f"pass --model {recorded[0]}"
        ) if recorded else "record some with --record"  # fmt: skip
        raise UsageError(
            f"no recordings of model {settings.model!r} (recorded: {', '.join(recorded)}); "
            f"unset SUMMARIZER_MODEL or {advice}"
        )


def _baseline(path: Path) -> dict[str, Any] | None:
    """A baseline file's contents, None where there is none yet."""
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def _default_decodings(args: argparse.Namespace, baseline: dict[str, Any] | None) -> int:
    """A replay reads as many decodings as the baseline holds (replays are cheap); a live run
    reads one unless --decodings says more."""
    from evals import runner

    return runner.decodings_of(baseline) if baseline and _mode(args) == "replay" else 1


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from evals import decodings, metrics, runner

    settings = _eval_settings(args, settings)
    library = PromptLibrary(settings.prompts_dir)
    version = args.prompt_version or library.default
    library.prompt_set(version)  # an unknown version is the first thing to say
    _check_replay(args, settings)
    baseline = args.baseline or runner.baseline_path(settings.model, version)
    old = _baseline(baseline)
    count = args.decodings or _default_decodings(args, old)
    results = runner.evaluate(
        settings, _mode(args), version, args.cases, count, args.sample_temperature
    )
    from evals import verification

    results["verifier"] = verification.measure()
    folder = args.out or runner.OUT / f"{settings.model}__{version}"
    for path in runner.write_outputs(results, folder):
        print(f"wrote {path}", file=sys.stderr)
    from evals.report import markdown_summary

    print(markdown_summary(results))
    print(verification.table(results["verifier"]))
    failed = runner.failed_cases(results)
    if failed:  # their all-zero scores must never become a baseline
        print(f"error: {_n(len(failed), 'case')} of {len(results['cases'])} failed "
              f"({', '.join(failed)}); see above. No baseline was written.",
              file=sys.stderr)  # fmt: skip
    elif args.update_baseline:
        baseline.parent.mkdir(parents=True, exist_ok=True)
        baseline.write_text(
            json.dumps(runner.baseline_of(results), indent=1) + "\n", encoding="utf-8"
        )
        print(f"wrote baseline {baseline}", file=sys.stderr)
    if args.check:
        if old is None:
            print(f"error: no baseline at {baseline}; run with --update-baseline", file=sys.stderr)
            return EXIT_USAGE
        problems = metrics.regressions(old["overall"], results["overall"])
        if runner.decodings_of(old) == count > 1:  # the mean over the same decodings too
            problems += [
                f"mean over {count} decodings: {line}"
                for line in metrics.regressions(
                    decodings.means(old["spread"]), decodings.means(results["spread"])
                )
            ]
        elif runner.decodings_of(old) != count:
            print(f"note: {baseline.name} holds {runner.decodings_of(old)} decoding(s), this run "
                  f"{count}: only the first decoding is checked", file=sys.stderr)  # fmt: skip
        if args.cases is None:
            missing = set(old["cases"]) - set(results["cases"])
            problems += [
                f"case {name} is in the baseline but was not run" for name in sorted(missing)
            ]
        problems += [f"case {name} failed" for name in failed]
        if problems:
            print(f"REGRESSION against {baseline.name}:", *problems, sep="\n  ", file=sys.stderr)
            return EXIT_REGRESSION
        print(f"check passed against {baseline.name}", file=sys.stderr)
    return EXIT_REGRESSION if failed else 0


def cmd_compare(args: argparse.Namespace, settings: Settings) -> int:
    from evals import runner
    from evals.report import compare_markdown

    settings = _eval_settings(args, settings)
    _check_replay(args, settings)
    a, b = (
        runner.evaluate(
            settings, _mode(args), v, args.cases,
            args.decodings or _default_decodings(args, _baseline(runner.baseline_path(settings.model, v))),
            args.sample_temperature,
        )
        for v in (args.a, args.b)
    )  # fmt: skip
    text = compare_markdown(a, b)
    out = args.out or runner.OUT / f"compare_{args.a}_{args.b}.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(text)
    print(f"wrote {out}", file=sys.stderr)
    failed = [f"{r['prompt_version']}: {c}" for r in (a, b) for c in runner.failed_cases(r)]
    if failed:
        print(f"error: failed cases ({', '.join(failed)}); the comparison is not meaningful",
              file=sys.stderr)  # fmt: skip
        return EXIT_REGRESSION
    return 0


def cmd_eval_verifier(args: argparse.Namespace, settings: Settings) -> int:
    from evals import verification

    return verification.command(args)


def cmd_eval_entailment(args: argparse.Namespace, settings: Settings) -> int:
    from evals import entailment

    return entailment.command(args, settings)


def cmd_eval_real_answers(args: argparse.Namespace, settings: Settings) -> int:
    from evals import real_answers

    return real_answers.command(args, settings.embedded_model)


def _eval_options(p: argparse.ArgumentParser, *, nested: bool = False) -> None:
    """--record/--replay/--cases/--prompts-dir, on `eval` and again on `eval compare`.

    On the nested parser they default to nothing (SUPPRESS), so `eval --replay compare a b`
    keeps the --replay given before `compare` instead of resetting it to False.
    """
    unset: dict[str, object] = {"default": argparse.SUPPRESS} if nested else {}
    p.add_argument("--record", action="store_true", **unset,  # type: ignore[arg-type]
                   help="call the model for calls not recorded yet and save them under "
                        "evals/recordings/; recorded calls are answered from disk")  # fmt: skip
    p.add_argument("--replay", action="store_true", **unset,  # type: ignore[arg-type]
                   help="answer every call from evals/recordings/; no model is called")  # fmt: skip
    p.add_argument("--cases", nargs="+", **unset,  # type: ignore[arg-type]
                   help="only these fixture cases (default all)")  # fmt: skip
    p.add_argument("--prompts-dir", type=Path, **unset,  # type: ignore[arg-type]
                   help="another folder of prompt files")  # fmt: skip
    p.add_argument("--decodings", type=_at_least_one, **unset,  # type: ignore[arg-type]
                   help="read every case N times: as the service decodes it, then N-1 times "
                        "sampled with seeds 1..N-1, and report each metric's mean and range "
                        "(default: on --replay as many as the baseline holds, else 1)")  # fmt: skip
    p.add_argument("--sample-temperature", type=_temperature, **unset,  # type: ignore[arg-type]
                   help="temperature of the sampled decodings (default 0.5)")  # fmt: skip


def _model_options(p: argparse.ArgumentParser, *, nested: bool = False) -> None:
    """--model, --embedded-model and --model-path, accepted before the subcommand and after it."""
    unset: dict[str, object] = {"default": argparse.SUPPRESS} if nested else {}
    p.add_argument("--model", **unset,  # type: ignore[arg-type]
                   help="model name sent to the endpoint (SUMMARIZER_MODEL)")  # fmt: skip
    p.add_argument("--embedded-model", choices=list(models.CATALOG), **unset,  # type: ignore[arg-type]
                   help="catalog model to run embedded (SUMMARIZER_EMBEDDED_MODEL; "
                        f"default {models.DEFAULT_MODEL})")  # fmt: skip
    p.add_argument("--model-path", type=Path, **unset,  # type: ignore[arg-type]
                   help="any local GGUF file to run embedded instead of a catalog model")  # fmt: skip


def _at_least_one(value: str) -> int:
    n = int(value)
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {n}")
    return n


def _temperature(value: str) -> float:
    t = float(value)
    if not 0 < t <= 2:
        raise argparse.ArgumentTypeError(f"must be above 0 and at most 2, not {value}")
    return t


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="summarizer",
        description="Summaries and atomic claims, each proven against the article. "
        f"With no OPENAI_BASE_URL set, runs an embedded model (default {models.DEFAULT_MODEL}).",
        epilog="exit codes: 0 done; 1 an eval regressed or some of its cases failed; 2 a bad "
        "option, file or article; 3 a bad setting (environment); 4 the model failed",
    )
    p.add_argument("--version", action="version", version=f"summarizer {__version__}")
    _model_options(p)
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("serve", help="serve the HTTP API")
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    s.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    s.add_argument("--log-level", default="info", help="uvicorn log level (default info)")
    s.add_argument("--workers", type=_at_least_one, default=1,
                   help="worker processes on the one port, sharing one embedded model server; "
                        "set SUMMARIZER_REDIS_URL to share the cache and rate limit (default 1)")  # fmt: skip
    s.set_defaults(run=cmd_serve)
    _model_options(s, nested=True)

    m = sub.add_parser("summarize", help="summarize a file (or - for stdin) without a server")
    m.add_argument("file", help="path of a UTF-8 text file, or - to read standard input")
    m.add_argument("--format", choices=["json", "markdown"], default="markdown",
                   help="json: the API's answer; markdown: summary then claims with quotes")  # fmt: skip
    m.add_argument(
        "--prompt-version",
        help="released prompt set, e.g. v1 (default: the one `summarizer prompts list` names)",
    )
    m.add_argument("--title", help="the article's headline")
    m.set_defaults(run=cmd_summarize)
    _model_options(m, nested=True)

    ev = sub.add_parser(
        "eval",
        help="score the service on the gold fixtures",
        description="Run every fixture in evals/fixtures through the pipeline and score it. "
        "Writes results.json, summary.md and report.html under evals/out/.",
    )
    _eval_options(ev)
    ev.add_argument("--prompt-version", help="prompt set to evaluate (default: the default set)")
    ev.add_argument("--check", action="store_true",
                    help="exit 1 when a metric falls below the baseline beyond its tolerance")  # fmt: skip
    ev.add_argument("--update-baseline", action="store_true",
                    help="write this run's scores as the baseline for this model and version")  # fmt: skip
    ev.add_argument("--baseline", type=Path,
                    help="baseline file (default evals/baselines/<model>__<version>.json)")  # fmt: skip
    ev.add_argument("--out", type=Path, help="output folder (default evals/out/<model>__<version>)")
    ev.set_defaults(run=cmd_eval)
    _model_options(ev, nested=True)
    ev_sub = ev.add_subparsers(dest="eval_command")
    cmp = ev_sub.add_parser("compare", help="two prompt versions side by side with deltas")
    cmp.add_argument("a", help="first prompt version, e.g. v1")
    cmp.add_argument("b", help="second prompt version, e.g. v2")
    _eval_options(cmp, nested=True)
    _model_options(cmp, nested=True)
    cmp.add_argument("--out", type=Path, default=argparse.SUPPRESS, help="markdown file to write")
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
    en = ev_sub.add_parser(
        "entailment",
        help="the model's entailment check on the labeled set: rules alone against rules + model",
        description="Replay (or, with --record, ask the model for) the model's verdict on every "
        "statement the rules accept in the verifier set, and compare the scores.",
    )
    en.add_argument("--record", action="store_true",
                    help="ask the model (embedded, or OPENAI_BASE_URL) for the verdicts it lacks")  # fmt: skip
    en.add_argument("--recording", type=Path,
                    help="verdicts file (default evals/verification/entailment/<model>.json)")  # fmt: skip
    en.add_argument("--prompt-version", help="prompt set whose entail prompt asks (default latest)")
    _model_options(en, nested=True)
    en.set_defaults(run=cmd_eval_entailment)

    ra = ev_sub.add_parser(
        "real-answers",
        help="the verifier on the model's recorded real answers, against hand labels (no model)",
        description="Replay the recorded answers of the embedded model to the fixtures through "
        "today's code and compare every claim's and summary sentence's verdict with its label "
        "(evals/real_answers/<model>__<version>.jsonl): precision, recall, disagreements.",
    )
    ra.add_argument("--prompt-version", help="one labeled prompt set (default every labeled one)")
    ra.add_argument("--check", action="store_true",
                    help="exit 1 when claim precision or recall falls below the baseline")  # fmt: skip
    ra.add_argument("--update-baseline", action="store_true", help="write this run as the baseline")
    ra.add_argument(
        "--baseline", type=Path, help="baseline file (default evals/baselines/real_answers.json)"
    )
    _model_options(ra, nested=True)
    ra.set_defaults(run=cmd_eval_real_answers)

    mo = sub.add_parser("models", help="the embedded model catalog")
    mo_sub = mo.add_subparsers(dest="models_command", required=True)
    mo_sub.add_parser("list", help="catalog models and whether each is installed").set_defaults(
        run=cmd_models_list
    )
    mi = mo_sub.add_parser("install", help="download and assemble catalog models (once)")
    mi.add_argument("keys", nargs="*", help="catalog keys (default: the configured one)")
    mi.set_defaults(run=cmd_models_install)

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
    for noisy in ("httpx", "httpx2", "httpcore", "openai"):  # a line per HTTP call otherwise
        logging.getLogger(noisy).setLevel(logging.WARNING)
    overrides: dict[str, object] = {}
    if args.model:
        overrides["model"] = args.model
    if args.model_path:
        overrides["model_path"] = args.model_path
    if args.embedded_model:
        overrides["embedded_model"] = args.embedded_model
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except (ValidationError, SettingsError) as e:
        print(f"error: bad setting: {settings_problem(e)}", file=sys.stderr)
        return EXIT_SETTINGS
    try:
        return int(args.run(args, settings))
    except UsageError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except ValidationError as e:  # a request built from the options (title, prompt version)
        print(f"error: {options_problem(e)}", file=sys.stderr)
        return EXIT_USAGE
    except InputError as e:
        print(f"error: {e.message}", file=sys.stderr)
        return EXIT_USAGE
    except SummarizerError as e:
        print(f"error: {e.message}", file=sys.stderr)
        return EXIT_MODEL


def settings_problem(e: ValidationError | SettingsError) -> str:
    """Which environment variable is wrong, and how, in one line."""
    if isinstance(e, SettingsError):
        return str(e)
    problems = []
    for err in e.errors():
        name = str(err["loc"][0]) if err["loc"] else "?"
        field = Settings.model_fields.get(name)
        alias = (
            field.validation_alias if field and isinstance(field.validation_alias, str) else None
        )
        secret = name in SECRET_SETTINGS  # keys are never echoed
        got = "" if secret else f" (got {err['input']!r:.40})"
        problems.append(f"{alias or 'SUMMARIZER_' + name.upper()}: {_msg(err)}{got}")
    return "; ".join(problems)


def options_problem(e: ValidationError) -> str:
    """Which option is wrong, and how, in one line."""
    option = {"text": "the article", "title": "--title", "prompt_version": "--prompt-version"}
    return "; ".join(
        f"{option.get(str(err['loc'][0]), str(err['loc'][0])) if err['loc'] else 'input'}: {_msg(err)}"
        for err in e.errors()
    )


def _msg(err: object) -> str:
    return str(err["msg"]).removeprefix("Value error, ")  # type: ignore[index]


if __name__ == "__main__":
    sys.exit(main())
