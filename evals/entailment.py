"""The entailment check measured on the verifier set, per model: the rules alone against the
rules with the model's veto, from the model's real verdicts (recorded once, then replayed).

Every statement the rules accept on a path is judged with the evidence the rules chose for it,
in batches of one article's statements (article first, as the service sends it, so the server's
prefix cache reads each article once). A recording maps (article, statement, evidence) to the
model's verdict and names the prompt file it came from; replaying it needs no model. A pair the
recording lacks (the rules now choose other evidence) keeps the rules' verdict and is counted,
so a stale recording shows.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import sys
import time
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from evals import verification as v
from service import entailment
from service.api.app import build_pipeline, open_client
from service.embedded import model_endpoint
from service.errors import UpstreamBadRequestError
from service.prompts import PromptLibrary, PromptTemplate
from service.settings import Settings

RECORDINGS = v.ROOT / "evals" / "verification" / "entailment"
BATCH = 8
FORMAT = 1

Key = str


def key_of(article: str, item: entailment.Item) -> Key:
    """What a verdict depends on: the article's name, the statement and its evidence."""
    raw = json.dumps([article, item.text, list(item.evidence)], ensure_ascii=False)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:24]


def to_judge(
    statements: Sequence[v.Statement], articles: Mapping[str, str], judged: Sequence[v.Judgment]
) -> dict[Key, tuple[str, entailment.Item]]:
    """Every (article, statement, evidence) the rules accepted on some path, once."""
    out: dict[Key, tuple[str, entailment.Item]] = {}
    for s, j in zip(statements, judged, strict=True):
        for verdict in (j.claim, j.summary):
            if verdict.supported:
                item = _item(s, verdict, articles[s.article])
                out.setdefault(key_of(s.article, item), (s.article, item))
    return out


def _item(s: v.Statement, verdict: v.PathVerdict, article: str) -> entailment.Item:
    return entailment.Item(s.text, tuple(article[a:b] for a, b in verdict.evidence))


def combine(
    statements: Sequence[v.Statement],
    articles: Mapping[str, str],
    judged: Sequence[v.Judgment],
    verdicts: Mapping[Key, bool],
    skipped: Collection[Key] = (),
    missing_as: bool | None = None,
) -> tuple[list[v.Judgment], int]:
    """The judgments with the model's veto applied, and how many accepted pairs it lacked
    (`skipped` ones the endpoint refused to judge keep the rules' verdict uncounted)."""
    missing = 0
    out = []

    def veto(s: v.Statement, verdict: v.PathVerdict) -> v.PathVerdict:
        nonlocal missing
        if not verdict.supported:
            return verdict
        key = key_of(s.article, _item(s, verdict, articles[s.article]))
        stated = verdicts.get(key)
        if stated is None:
            missing += key not in skipped
            if missing_as is None or key in skipped:
                return verdict
            stated = missing_as
        if stated:
            return verdict
        return replace(verdict, supported=False, reasons=(*verdict.reasons, entailment.REASON))

    for s, j in zip(statements, judged, strict=True):
        out.append(replace(j, claim=veto(s, j.claim), summary=veto(s, j.summary)))
    return out, missing


def batches(
    pending: Mapping[Key, tuple[str, entailment.Item]],
) -> Iterator[tuple[str, list[tuple[Key, entailment.Item]]]]:
    """Batches of at most BATCH items, one article at a time (its prefix is then read once)."""
    by_article: dict[str, list[tuple[Key, entailment.Item]]] = {}
    for key, (article, item) in pending.items():
        by_article.setdefault(article, []).append((key, item))
    for article, items in by_article.items():
        for i in range(0, len(items), BATCH):
            yield article, items[i : i + BATCH]


async def record_verdicts(
    settings: Settings,
    base_url: str,
    prompt: PromptTemplate,
    pending: Mapping[Key, tuple[str, entailment.Item]],
    articles: Mapping[str, str],
    verdicts: dict[Key, bool],
    skipped: dict[Key, str],
    save: Callable[[], None],
) -> None:
    """Ask the model about every pending pair; `save()` after each batch (a long run resumes)."""
    client = open_client(settings, base_url)
    pipeline = build_pipeline(settings, client)
    todo = list(batches(pending))
    started = time.perf_counter()
    try:
        for n, (article, items) in enumerate(todo, 1):
            try:
                answers, _ = await entailment.judge(
                    pipeline.llm, prompt, articles[article], None, [i for _, i in items]
                )
            except UpstreamBadRequestError as e:  # an article longer than a small model's context:
                # the service skips the check there too (the article takes several calls)
                print(f"  batch {n}/{len(todo)} ({article}) refused: {e}", file=sys.stderr)
                for key, _ in items:
                    skipped[key] = str(e)
                save()
                continue
            for (key, _), stated in zip(items, answers, strict=True):
                verdicts[key] = stated
            save()
            print(f"  batch {n}/{len(todo)} ({article}) in {time.perf_counter() - started:.0f} s",
                  file=sys.stderr)  # fmt: skip
    finally:
        await client.close()


def recording_path(model_key: str) -> Path:
    return RECORDINGS / f"{model_key}.json"


def load_recording(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {"format": FORMAT, "verdicts": {}, "skipped": {}}
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def measure(
    recording: Mapping[str, Any],
    folder: Path = v.VERIFICATION,
    judged: Sequence[v.Judgment] | None = None,
    missing_as: bool | None = None,
) -> dict[str, Any]:
    """Rules alone and rules with the recorded veto, scored on the set (`judged`: the rules'
    judgments of it, when the caller has them; `missing_as`: the verdict assumed for accepted
    pairs the recording lacks, None to keep the rules' verdict there)."""
    vset = v.load_set(folder)
    if judged is None:
        judged = v.judge_with_service(vset.statements, vset.articles)
    combined, missing = combine(
        vset.statements,
        vset.articles,
        judged,
        recording["verdicts"],
        recording.get("skipped", {}),
        missing_as,
    )
    return {
        "model": recording.get("model"),
        "prompt": recording.get("prompt"),
        "pairs_missing": missing,
        "rules": v.score(vset.statements, vset.articles, judged)["paths"],
        "with_entailment": v.score(vset.statements, vset.articles, combined)["paths"],
    }


# what the check may cost on a path's true statements (points of true accepted) to be shipped on
MAX_TRUE_LOSS = 0.02


def worth_it(results: Mapping[str, Any], complete: bool = True) -> bool:
    """Whether the check should be on by default for the model measured: balanced accuracy up
    on every path, true accepted down by at most MAX_TRUE_LOSS, and (when `complete`) no
    accepted pair unjudged."""
    if complete and results["pairs_missing"]:
        return False
    for path in v.PATHS:
        rules, judged = results["rules"][path], results["with_entailment"][path]
        if judged["balanced_accuracy"] <= rules["balanced_accuracy"]:
            return False
        if rules["true_accepted"] - judged["true_accepted"] > MAX_TRUE_LOSS:
            return False
    return True


def table(results: Mapping[str, Any]) -> str:
    """Rules against rules + the model's veto, per path."""
    lines = [
        f"entailment check of {results['model']} (prompt {(results['prompt'] or {}).get('name')}/"
        f"{(results['prompt'] or {}).get('version')}); "
        f"accepted pairs without a recorded verdict: {results['pairs_missing']}",
        "",
        "| path | checks | true accepted | false supported | balanced accuracy |",
        "|---|---|---:|---:|---:|",
    ]
    for path in v.PATHS:
        for name, label in (("rules", "rules"), ("with_entailment", "rules + model")):
            p = results[name][path]
            lines.append(
                f"| {path} | {label} | {p['true_accepted']:.1%} | {p['false_supported']:.1%} | "
                f"{p['balanced_accuracy']:.3f} |"
            )
    return "\n".join(lines)


def command(args: argparse.Namespace, settings: Settings) -> int:
    """`summarizer eval entailment [--record]`: measure the model's check on the verifier set."""
    key = settings.embedded_model if settings.embedded else settings.model
    path: Path = args.recording or recording_path(key)
    recording = load_recording(path)
    if args.record:
        library = PromptLibrary(settings.prompts_dir)
        prompt = library.prompt_set(args.prompt_version or library.latest).get("entail")
        if prompt is None:
            print("error: that prompt set has no entail prompt", file=sys.stderr)
            return 2
        if recording.get("prompt", {}).get("sha256") != prompt.sha256:
            recording = {"format": FORMAT, "verdicts": {}, "skipped": {}}  # judge afresh
        recording |= {
            "model": settings.model,
            "prompt": {"name": prompt.name, "version": prompt.version, "sha256": prompt.sha256},
        }
        vset = v.load_set()
        judged = v.judge_with_service(vset.statements, vset.articles)
        wanted = to_judge(vset.statements, vset.articles, judged)
        skipped = recording.setdefault("skipped", {})
        pending = {
            k: x for k, x in wanted.items() if k not in recording["verdicts"] and k not in skipped
        }
        print(f"{len(pending)} of {len(wanted)} accepted pairs to judge", file=sys.stderr)

        def save() -> None:
            v.write(path, recording)

        with model_endpoint(settings) as base_url:
            asyncio.run(
                record_verdicts(
                    settings,
                    base_url,
                    prompt,
                    pending,
                    vset.articles,
                    recording["verdicts"],
                    skipped,
                    save,
                )
            )
        save()
    if not recording["verdicts"]:
        print(f"error: no recorded verdicts at {path}; run with --record", file=sys.stderr)
        return 2
    results = measure(recording)
    print(table(results))
    print(f"\non by default for this model: {'yes' if worth_it(results) else 'no'} (balanced "
          f"accuracy up on every path, true accepted down at most {MAX_TRUE_LOSS:.0%})")  # fmt: skip
    return 0
