"""The verifier measured as a classifier, on the labeled statements under evals/verification/.

Every statement is planted in a fake OpenAI-compatible endpoint (at the HTTP seam) that answers
each chat completion of `Pipeline.summarize` with it: the statement is the summary and the one
claim (with its quote, attributed_to and kind), in whichever schema the call asks for (single,
map or reduce). So both verdicts are the ones a client would read in the response:

- claim path: the claim grounded as the pipeline grounds a model's claims;
- summary path: the statement as a one-sentence summary (a statement the splitter cuts in two is
  supported only when every piece is; evidence is the union).

The judge runs with a large context window, so every article is one call: grounding always sees
the whole article, whichever path made the answer (a test checks the map-reduce path agrees).

Metrics, per path and pooled over both ("combined", each statement counted once per path):

- true_accepted: share of label-true statements marked supported;
- false_supported: share of label-false statements marked supported, overall and per type;
- balanced_accuracy: (true_accepted + 1 - false_supported) / 2;
- per type: n and supported; the tables show caught (false types) or accepted (true types);
- evidence_accuracy: over true statements marked supported, the share whose every evidence span
  lies inside one gold evidence span (runs of gold evidence separated only by whitespace count as
  one; the span's own leading and trailing spaces and punctuation are ignored); a sub-span counts.
  evidence_overlaps: the share whose every span at least overlaps a gold span;
- bad_spans: returned evidence spans (any statement) that start or end inside a word.

Gold evidence is widened to the sentence it stands in (a dateline such as "ASHGROVE — " belongs
to the lede's sentence), by a rule simpler than the service's splitter, which is under test.

`summarizer eval verifier` prints the table and writes evals/out/verifier/; `--check` compares
with evals/baselines/verifier.json (`--update-baseline` writes it), `--record-before` stores the
verifier of commit ca0daa9 on this set, `--readme` prints the before/after table. A baseline is
`baseline_of(results)`: format, set_sha256, code {commit, dirty}, n, n_true, n_false and
paths.{claim,summary,combined} with the rates, counts and types.{type: {label, n, supported}}.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import logging
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx2 as httpx
from pydantic import ValidationError

from service import schemas
from service.api.app import build_pipeline, open_client
from service.settings import Settings

EVALS = Path(__file__).resolve().parent
ROOT = EVALS.parent
VERIFICATION = EVALS / "verification"
FIXTURES = EVALS / "fixtures"
BASELINE = EVALS / "baselines" / "verifier.json"
BEFORE_COMMIT = "ca0daa9"
BEFORE = EVALS / "baselines" / f"verifier-before-{BEFORE_COMMIT}.json"
OUT = EVALS / "out" / "verifier"
T = TypeVar("T")
PATHS = ("claim", "summary", "combined")
FORMAT = 1

TRUE_TYPES = (
    "true_model",
    "true_paraphrase",
    "true_reordered",
    "true_synonym",
    "true_surname",
    "true_imprecise_quote",
)
FALSE_TYPES = (
    "figure_swap",
    "wrong_number",
    "wrong_unit",
    "wrong_date",
    "entity_swap_in_article",
    "entity_swap_absent",
    "role_swap",
    "negation",
    "modality",
    "wrong_speaker",
    "misattribution",
    "attribution_dropped",
    "conflation",
    "invented_clause",
    "boilerplate",
    "injected",
    "meta",
)
MIN_PER_FALSE_TYPE = 12  # issue 15
NEW_ARTICLE_WORDS = (350, 900)  # the set's format
KINDS = ("event", "statistic", "statement", "plan", "background")
_FIELDS: dict[str, tuple[type, ...]] = {
    "id": (str,),
    "article": (str,),
    "text": (str,),
    "label": (bool,),
    "type": (str,),
    "quote": (str,),
    "attributed_to": (str, type(None)),
    "gold_evidence": (list,),
    "gold_attribution": (str, type(None)),
    "note": (str,),
}
_OPTIONAL: dict[str, tuple[type, ...]] = {"kind": (str,)}

# The gate's slack. The verifier is deterministic: unchanged code on an unchanged set reproduces
# every number exactly, so the slack only lets a general fix trade one borderline statement for
# gains elsewhere. Overall rates (over 100+ statements a label) may move by less than two
# statements; a type (12+ statements) by one statement; bad spans may not rise at all.
RATE_TOLERANCE = 0.01
EVIDENCE_TOLERANCE = 0.02
TYPE_TOLERANCE_STATEMENTS = 1


# --- the set ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Statement:
    """One labeled statement about one article."""

    id: str
    article: str
    text: str
    label: bool
    type: str
    quote: str
    attributed_to: str | None
    gold_evidence: tuple[str, ...]
    gold_attribution: str | None
    note: str
    kind: str = "event"


@dataclass
class VerificationSet:
    statements: list[Statement]
    articles: dict[str, str]
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    sha256: str = ""


def load_set(folder: Path = VERIFICATION, fixtures: Path = FIXTURES) -> VerificationSet:
    """Every statement under folder/statements/*.jsonl, validated; bad lines become errors.

    Articles are read from fixtures/<name>/article.txt or folder/articles/<name>/article.txt.
    A statement with an error is left out; `errors` says which and why, naming its id.
    """
    out = VerificationSet([], {})
    digest = hashlib.sha256()
    seen: dict[str, str] = {}
    files = sorted((folder / "statements").glob("*.jsonl"))
    if not files:
        out.errors.append(f"no statement files under {folder / 'statements'}")
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            where = f"{path.name}:{lineno}"
            problems, statement = _parse(line, path.stem)
            sid = statement.id if statement else _id_of(line)
            if statement and statement.id in seen:
                problems.append(f"duplicate id (first at {seen[statement.id]})")
            if statement and not problems:
                article = _article(statement.article, folder, fixtures, out, digest)
                if article is None:
                    problems.append(f"unknown article {statement.article!r}")
                else:
                    problems += _check_against(statement, article)
                    if statement.type not in ("true_imprecise_quote",) and (
                        statement.quote not in article
                    ):
                        out.warnings.append(f"{where}: {sid}: quote is not verbatim in the article")
            if statement:
                seen.setdefault(statement.id, where)
            if problems:
                out.errors += [f"{where}: {sid}: {p}" for p in problems]
            elif statement:
                out.statements.append(statement)
    counts = {t: 0 for t in FALSE_TYPES}
    for s in out.statements:
        counts[s.type] = counts.get(s.type, 0) + 1
    out.warnings += [
        f"type {t} has {n} statements; issue 15 asks for at least {MIN_PER_FALSE_TYPE}"
        for t, n in counts.items()
        if t in FALSE_TYPES and n < MIN_PER_FALSE_TYPE
    ]
    out.sha256 = digest.hexdigest()
    return out


def _id_of(line: str) -> str:
    try:
        value = json.loads(line)
    except ValueError:
        return "?"
    return str(value.get("id", "?")) if isinstance(value, dict) else "?"


def _parse(line: str, stem: str) -> tuple[list[str], Statement | None]:
    """A statement from one JSON line, or the reasons it is not one."""
    try:
        raw = json.loads(line)
    except ValueError as e:
        return [f"not valid JSON ({e})"], None
    if not isinstance(raw, dict):
        return ["not a JSON object"], None
    problems = [
        f"missing field {name!r}" if name not in raw else f"{name!r} must be {_types(kinds)}"
        for name, kinds in _FIELDS.items()
        if name not in raw or not isinstance(raw[name], kinds)
    ]
    problems += [
        f"{name!r} must be {_types(_OPTIONAL[name])}"
        for name in raw
        if name in _OPTIONAL and not isinstance(raw[name], _OPTIONAL[name])
    ]
    problems += [f"unknown field {name!r}" for name in raw if name not in _FIELDS | _OPTIONAL]
    if problems:
        return problems, None
    gold = raw["gold_evidence"]
    if not gold or not all(isinstance(g, str) and g.strip() for g in gold):
        problems.append("gold_evidence must be a non-empty list of non-empty strings")
    kind = raw.get("kind") or ("statement" if raw["attributed_to"] else "event")
    statement = Statement(
        id=raw["id"],
        article=raw["article"],
        text=raw["text"],
        label=raw["label"],
        type=raw["type"],
        quote=raw["quote"],
        attributed_to=raw["attributed_to"],
        gold_evidence=tuple(g for g in gold if isinstance(g, str)),
        gold_attribution=raw["gold_attribution"],
        note=raw["note"],
        kind=kind,
    )
    if statement.type in TRUE_TYPES:
        if not statement.label:
            problems.append(f"type {statement.type} is a true type but label is false")
    elif statement.type in FALSE_TYPES:
        if statement.label:
            problems.append(f"type {statement.type} is a false type but label is true")
    else:
        problems.append(f"unknown type {statement.type!r}")
    if kind not in KINDS:
        problems.append(f"unknown kind {kind!r}; one of {', '.join(KINDS)}")
    if statement.article != stem:
        problems.append(f"article {statement.article!r} in the file of {stem!r}")
    prefix, _, number = statement.id.rpartition("-")
    if prefix != statement.article or len(number) != 3 or not number.isdigit():
        problems.append(f"id must be '{statement.article}-<3 digits>'")
    return problems, statement


def _types(kinds: tuple[type, ...]) -> str:
    return " or ".join("null" if k is type(None) else k.__name__ for k in kinds)


def _article(
    name: str, folder: Path, fixtures: Path, out: VerificationSet, digest: Any
) -> str | None:
    if name in out.articles:
        return out.articles[name]
    fixture, new = fixtures / name / "article.txt", folder / "articles" / name / "article.txt"
    if fixture.exists() and new.exists():
        out.errors.append(f"article {name!r} is both a fixture and a new article; rename one")
    path = fixture if fixture.exists() else new if new.exists() else None
    if path is None:
        return None
    text = path.read_text(encoding="utf-8")
    digest.update(name.encode() + b"\0" + text.encode() + b"\0")
    out.articles[name] = text
    if path == new:
        if not (new.parent / "SOURCE.md").exists():
            out.warnings.append(f"article {name!r} has no SOURCE.md saying where it comes from")
        if not NEW_ARTICLE_WORDS[0] <= len(text.split()) <= NEW_ARTICLE_WORDS[1]:
            out.warnings.append(
                f"article {name!r} has {len(text.split())} words; new articles have "
                f"{NEW_ARTICLE_WORDS[0]}–{NEW_ARTICLE_WORDS[1]}"
            )
    return text


def _check_against(statement: Statement, article: str) -> list[str]:
    """What keeps the statement from being planted in a model answer about this article."""
    problems = [
        f"gold_evidence {g[:60]!r} is not an exact substring of article {statement.article!r}"
        for g in statement.gold_evidence
        if g not in article
    ]
    try:
        schemas.ModelClaim(
            text=statement.text,
            kind=schemas.ClaimKind(statement.kind),
            attributed_to=statement.attributed_to,
            quote=statement.quote,
        )
    except ValidationError as e:
        problems.append(f"not a valid model claim: {_first_error(e)}")
    try:
        schemas.SummaryRequest(text=article)
    except ValidationError as e:
        problems.append(f"its article is not a valid request: {_first_error(e)}")
    return problems


def _first_error(e: ValidationError) -> str:
    err = e.errors()[0]
    return f"{'.'.join(str(x) for x in err['loc'])}: {err['msg']}"


# --- judging -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PathVerdict:
    """What the service said about a statement on one path."""

    supported: bool
    reasons: tuple[str, ...] = ()
    evidence: tuple[tuple[int, int], ...] = ()  # [start, end) into the article


@dataclass(frozen=True)
class Judgment:
    claim: PathVerdict
    summary: PathVerdict
    error: str | None = None  # the service raised instead of answering


# Judges every statement (in order) given the articles by name.
Show = Callable[[dict[str, Any]], str]  # one number of a path's results, printed
Judge = Callable[[Sequence[Statement], Mapping[str, str]], list[Judgment]]
PLANTED_URL = "http://planted-statements.invalid/v1"
JUDGE_CONTEXT_WINDOW = 1_000_000


def judge_with_service(
    statements: Sequence[Statement],
    articles: Mapping[str, str],
    settings: Settings | None = None,
    model: PlantedModel | None = None,
) -> list[Judgment]:
    """The real service: Pipeline.summarize with each statement planted at the HTTP seam."""
    return asyncio.run(
        _judge_all(statements, articles, settings or judge_settings(), model or PlantedModel())
    )


def judge_settings(**overrides: Any) -> Settings:
    """Settings for a fake remote model: one call per article, no cache, no retries or repairs."""
    values: dict[str, Any] = {
        "OPENAI_BASE_URL": PLANTED_URL,
        "OPENAI_API_KEY": "not-needed",
        "model": "planted-statements",
        "context_window": JUDGE_CONTEXT_WINDOW,
        "max_chunk_tokens": None,
        "cache_enabled": False,
        "max_retries": 0,
        "repair_attempts": 0,
        "metrics_enabled": False,
    }
    return Settings(**(values | overrides))


class PlantedModel:
    """An OpenAI-compatible endpoint answering every chat completion with one statement."""

    def __init__(self) -> None:
        self.statement: Statement | None = None
        self.calls: list[str] = []  # "single", "map" or "reduce", in order

    def answer(self, body: dict[str, Any]) -> dict[str, Any]:
        s = self.statement
        assert s is not None, "no statement planted"
        fmt = body.get("response_format") or {}
        schema = (fmt.get("json_schema") or {}).get("schema") or fmt.get("schema") or {}
        props = schema.get("properties", {})
        claim = {"text": s.text, "kind": s.kind, "attributed_to": s.attributed_to, "quote": s.quote}
        if "BareClaim" in (schema.get("$defs") or {}):
            del claim["quote"]  # a prompt set whose claims copy no quote (`claim_quotes`)
        if "notes" in props:
            self.calls.append("map")
            return {"notes": s.text, "claims": [claim]}
        if "claims" in props:
            self.calls.append("single")
            return {"summary": s.text, "claims": [claim]}
        self.calls.append("reduce")
        return {"summary": s.text}

    async def handle(self, request: httpx.Request) -> httpx.Response:
        content = json.dumps(self.answer(json.loads(request.content)))
        return httpx.Response(
            200,
            json={
                "id": "chatcmpl-planted",
                "object": "chat.completion",
                "created": 0,
                "model": "planted-statements",
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": content},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            },
        )


async def _judge_all(
    statements: Sequence[Statement],
    articles: Mapping[str, str],
    settings: Settings,
    model: PlantedModel,
) -> list[Judgment]:
    http = httpx.AsyncClient(transport=httpx.MockTransport(model.handle))
    client = open_client(settings, settings.openai_base_url or PLANTED_URL, http)
    pipeline = build_pipeline(settings, client)
    out: list[Judgment] = []
    quiet = logging.getLogger("httpx2")  # one INFO line per planted call says nothing here
    level = quiet.level
    quiet.setLevel(max(level, logging.WARNING))
    try:
        for s in statements:
            model.statement = s
            request = schemas.SummaryRequest(text=articles[s.article])
            try:
                response = await pipeline.summarize(request, f"verify-{s.id}")
            except Exception as e:  # a crash is charged to its statement, not to the whole run
                error = f"the service failed: {type(e).__name__}: {e}"
                failed = PathVerdict(False, (error,))
                out.append(Judgment(failed, failed, error))
                continue
            out.append(judgment_of(response))
    finally:
        quiet.setLevel(level)
        await client.close()
    return out


def judgment_of(response: schemas.SummaryResponse) -> Judgment:
    """Both verdicts from a SummaryResponse whose one claim and summary are the statement."""
    if response.claims:
        c = response.claims[0]
        claim = PathVerdict(
            c.supported, tuple(c.reasons), tuple((e.start, e.end) for e in c.evidence)
        )
    else:
        claim = PathVerdict(False, ("the service returned no claim",))
    # the model's sentences: extracted ones are the article's own, added after verification
    sentences = [x for x in response.summary.sentences if x.origin == schemas.SentenceOrigin.model]
    summary = PathVerdict(
        bool(sentences) and all(x.supported for x in sentences),
        tuple(_unique(r for x in sentences for r in x.reasons))
        or (() if sentences else ("the service returned no summary sentence",)),
        tuple(_unique((e.start, e.end) for x in sentences for e in x.evidence)),
    )
    return Judgment(claim, summary)


def _unique(items: Iterable[T]) -> list[T]:
    return list(dict.fromkeys(items))


# --- the metric ----------------------------------------------------------------------------------


# Where a sentence ends, for widening gold evidence to its sentence: terminal punctuation (and
# closing quotes) before whitespace, or a line break. Deliberately simpler than the service's
# splitter, which is under test: a missed abbreviation only makes a gold span shorter.
_SENTENCE_END = re.compile(r"""[.!?]+["'”’)\]]*(?=\s)|\n""")


def sentence_around(article: str, start: int, end: int) -> tuple[int, int]:
    """[start, end) widened to the sentence(s) it is part of ("ASHGROVE — " and all)."""
    first, last = 0, len(article)
    for m in _SENTENCE_END.finditer(article):
        if m.end() <= start:
            first = m.end()
        stop = m.start() if m.group() == "\n" else m.end()
        if stop >= end:
            last = stop
            break
    while first < start and article[first].isspace():
        first += 1
    return first, max(last, end)


def gold_spans(article: str, gold_evidence: Sequence[str]) -> list[tuple[int, int]]:
    """Every occurrence of every gold string widened to its sentence, merged where only
    whitespace separates them."""
    spans = []
    for g in gold_evidence:
        at = article.find(g)
        while g and at >= 0:
            spans.append(sentence_around(article, at, at + len(g)))
            at = article.find(g, at + 1)
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and (start <= merged[-1][1] or not article[merged[-1][1] : start].strip()):
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def span_inside(article: str, span: tuple[int, int], gold: Sequence[tuple[int, int]]) -> bool:
    """Whether span, without its edge spaces and punctuation, lies within one gold span."""
    start, end = span
    while start < end and not article[start].isalnum():
        start += 1
    while end > start and not article[end - 1].isalnum():
        end -= 1
    return start < end and any(gs <= start and end <= ge for gs, ge in gold)


def span_overlaps(span: tuple[int, int], gold: Sequence[tuple[int, int]]) -> bool:
    return any(span[0] < ge and gs < span[1] for gs, ge in gold)


def cuts_word(article: str, span: tuple[int, int]) -> bool:
    """Whether a span starts or ends inside a word (letters or digits on both sides of an edge)."""
    start, end = span

    def inside(at: int) -> bool:
        return 0 < at < len(article) and article[at - 1].isalnum() and article[at].isalnum()

    return inside(start) or inside(end)


def score(
    statements: Sequence[Statement], articles: Mapping[str, str], judgments: Sequence[Judgment]
) -> dict[str, Any]:
    """The verifier's numbers per path and pooled, and every misjudged statement."""
    if len(statements) != len(judgments):
        raise ValueError(f"{len(statements)} statements but {len(judgments)} judgments")
    rows = [
        (s, path, getattr(j, path))
        for s, j in zip(statements, judgments, strict=True)
        for path in ("claim", "summary")
    ]
    report: dict[str, Any] = {
        "n": len(statements),
        "n_true": sum(s.label for s in statements),
        "n_false": sum(not s.label for s in statements),
        "paths": {
            path: _path_numbers([(s, v) for s, p, v in rows if path in (p, "combined")], articles)
            for path in PATHS
        },
        "misjudged": [
            _row(s, p, v, articles[s.article]) for s, p, v in rows if v.supported != s.label
        ],
        "wrong_evidence": [
            _row(s, p, v, articles[s.article])
            for s, p, v in rows
            if s.label and v.supported and not _evidence_inside(s, v, articles[s.article])
        ],
    }
    return report


def _evidence_inside(s: Statement, v: PathVerdict, article: str) -> bool:
    gold = gold_spans(article, s.gold_evidence)
    return bool(v.evidence) and all(span_inside(article, e, gold) for e in v.evidence)


def _path_numbers(
    rows: list[tuple[Statement, PathVerdict]], articles: Mapping[str, str]
) -> dict[str, Any]:
    true = [v for s, v in rows if s.label]
    false = [v for s, v in rows if not s.label]
    accepted = _rate(sum(v.supported for v in true), len(true))
    fooled = _rate(sum(v.supported for v in false), len(false))
    checked = [(s, v) for s, v in rows if s.label and v.supported]
    inside = sum(_evidence_inside(s, v, articles[s.article]) for s, v in checked)
    overlaps = sum(
        bool(v.evidence)
        and all(
            span_overlaps(e, gold_spans(articles[s.article], s.gold_evidence)) for e in v.evidence
        )
        for s, v in checked
    )
    spans = [(articles[s.article], e) for s, v in rows for e in v.evidence]
    types: dict[str, dict[str, Any]] = {}
    for t in (*TRUE_TYPES, *FALSE_TYPES):
        of_type = [v for s, v in rows if s.type == t]
        if of_type:
            types[t] = {
                "label": t in TRUE_TYPES,
                "n": len(of_type),
                "supported": sum(v.supported for v in of_type),
            }
    return {
        "n_true": len(true),
        "n_false": len(false),
        "true_accepted": accepted,
        "false_supported": fooled,
        "balanced_accuracy": (accepted + 1 - fooled) / 2,
        "n_evidence_checked": len(checked),
        "evidence_accuracy": _rate(inside, len(checked)),
        "evidence_overlaps": _rate(overlaps, len(checked)),
        "n_spans": len(spans),
        "bad_spans": sum(cuts_word(a, e) for a, e in spans),
        "types": types,
    }


def _rate(hits: int, total: int) -> float:
    return hits / total if total else 1.0


def _row(s: Statement, path: str, v: PathVerdict, article: str) -> dict[str, Any]:
    return {
        "id": s.id,
        "path": path,
        "type": s.type,
        "label": s.label,
        "supported": v.supported,
        "text": s.text,
        "attributed_to": s.attributed_to,
        "reasons": list(v.reasons),
        "evidence": [{"start": a, "end": b, "quote": article[a:b]} for a, b in v.evidence],
        "gold_evidence": list(s.gold_evidence),
        "note": s.note,
    }


# --- running, baselines, tables ------------------------------------------------------------------


def measure(
    folder: Path = VERIFICATION,
    fixtures: Path = FIXTURES,
    judge: Judge | None = None,
    code: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Load the set, judge it (the real service unless told), score it; JSON-ready.

    `code` names the code that judged (default: this checkout's commit, from git).
    """
    vset = load_set(folder, fixtures)
    judged = (judge or judge_with_service)(vset.statements, vset.articles)
    report = score(vset.statements, vset.articles, judged)
    return {
        "format": FORMAT,
        "set_sha256": vset.sha256,
        "code": code or code_version(),
        "load_errors": vset.errors,
        "judge_errors": [
            f"{s.id}: {j.error}" for s, j in zip(vset.statements, judged, strict=True) if j.error
        ],
        "warnings": vset.warnings,
        **report,
    }


def errors_of(results: dict[str, Any]) -> list[str]:
    """Why a run's numbers are not the whole set's: load errors and statements the service failed."""
    return [*results.get("load_errors", []), *results.get("judge_errors", [])]


def code_version(root: Path = ROOT) -> dict[str, Any]:
    """The commit of the code that judged, and whether service/ or prompts/ differ from it."""

    def git(*args: str) -> str | None:
        try:
            r = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=30)
        except OSError:
            return None
        return r.stdout.strip() if r.returncode == 0 else None

    status = git("status", "--porcelain", "--", "service", "prompts")
    return {
        "commit": git("rev-parse", "HEAD"),
        "dirty": bool(status) if status is not None else None,
    }


def baseline_of(results: dict[str, Any]) -> dict[str, Any]:
    """What a baseline keeps: the numbers, not the lists."""
    keep = ("format", "set_sha256", "code", "n", "n_true", "n_false", "paths")
    return {k: results[k] for k in keep}


def regressions(baseline: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """Plain-language lines for each watched number that got worse beyond its tolerance."""
    lines = []
    for path in PATHS:
        old, new = baseline["paths"].get(path), current["paths"].get(path)
        if old is None:
            continue
        if new is None:
            lines.append(f"{path}: missing from the current results")
            continue
        watched = [
            ("true_accepted", "higher", RATE_TOLERANCE),
            ("false_supported", "lower", RATE_TOLERANCE),
            ("evidence_accuracy", "higher", EVIDENCE_TOLERANCE),
            ("bad_spans", "lower", 0.0),
        ]
        for name, better, tolerance in watched:
            a, b = float(old[name]), float(new[name])
            if (a - b if better == "higher" else b - a) > tolerance + 1e-9:
                verb = "fell" if better == "higher" else "rose"
                lines.append(
                    f"{path}: {name} {verb} from {a:.3g} to {b:.3g} (tolerance {tolerance:g})"
                )
        for t, was in old["types"].items():
            now = new["types"].get(t)
            if now is None:
                lines.append(f"{path}: type {t} is in the baseline but not in the set")
                continue
            a, b = was["supported"] / was["n"], now["supported"] / now["n"]
            worse = a - b if was["label"] else b - a
            if worse > TYPE_TOLERANCE_STATEMENTS / now["n"] + 1e-9:
                what = "accepted" if was["label"] else "supported"
                lines.append(
                    f"{path}: {t} {what} went from {was['supported']}/{was['n']} to "
                    f"{now['supported']}/{now['n']} (tolerance {TYPE_TOLERANCE_STATEMENTS} statement)"
                )
    return lines


def _cell(entry: dict[str, Any] | None) -> str:
    if entry is None:
        return "–"
    n, supported = entry["n"], entry["supported"]
    return f"{supported}/{n}" if entry["label"] else f"{n - supported}/{n}"


def table(results: dict[str, Any]) -> str:
    """Per type (caught or accepted, of n) and overall, one column per path."""
    paths = results["paths"]
    lines = [
        "| type | n | claim | summary | combined |",
        "|---|---:|---:|---:|---:|",
    ]
    for t in (*TRUE_TYPES, *FALSE_TYPES):
        entry = paths["claim"]["types"].get(t)
        if entry is None:
            continue
        what = "accepted" if entry["label"] else "caught"
        cells = " | ".join(_cell(paths[p]["types"].get(t)) for p in PATHS)
        lines.append(f"| {t} ({what}) | {entry['n']} | {cells} |")
    c = paths["claim"]
    rows: list[tuple[str, object, Show]] = [
        ("true accepted", c["n_true"], lambda p: f"{p['true_accepted']:.1%}"),
        ("false supported", c["n_false"], lambda p: f"{p['false_supported']:.1%}"),
        ("balanced accuracy", results["n"], lambda p: f"{p['balanced_accuracy']:.3f}"),
        (
            "evidence accuracy (overlaps)",
            "",
            lambda p: (
                f"{p['evidence_accuracy']:.1%} ({p['evidence_overlaps']:.1%}) of {p['n_evidence_checked']}"
            ),
        ),
        ("spans cutting a word", "", lambda p: f"{p['bad_spans']} of {p['n_spans']}"),
    ]
    for label, n, show in rows:
        lines.append(f"| **{label}** | {n} | " + " | ".join(show(paths[p]) for p in PATHS) + " |")
    return "\n".join(lines)


def markdown(results: dict[str, Any]) -> str:
    """verifier.md: the table, then every misjudged statement and every wrong evidence."""
    code = results.get("code") or {}
    out = [
        "# Verifier on the labeled verification set",
        "",
        f"{results['n']} statements ({results['n_true']} true, {results['n_false']} false); "
        f"code {str(code.get('commit'))[:12]}{' (modified)' if code.get('dirty') else ''}; "
        f"set {results['set_sha256'][:12]}. Per type: caught (false types) or accepted (true "
        "types) of n; combined pools both paths.",
        "",
        table(results),
        "",
    ]
    if errors_of(results):
        out += ["## Errors", "", *(f"- {e}" for e in errors_of(results)), ""]
    out += [f"## Misjudged ({len(results['misjudged'])})", ""]
    out += [_describe(r) for r in results["misjudged"]]
    out += [
        "",
        f"## True, supported, evidence outside the gold ({len(results['wrong_evidence'])})",
        "",
    ]
    out += [_describe(r) for r in results["wrong_evidence"]]
    return "\n".join(out) + "\n"


def _describe(r: dict[str, Any]) -> str:
    verdict = "supported" if r["supported"] else "rejected"
    who = f" [attributed_to {r['attributed_to']!r}]" if r["attributed_to"] else ""
    evidence = "; ".join(f"{e['start']}–{e['end']} {e['quote'][:90]!r}" for e in r["evidence"])
    reasons = "; ".join(r["reasons"]) or "no reason"
    return (
        f"- **{r['id']}** {r['path']} · {r['type']} · {verdict}: {r['text']}{who}\n"
        f"  - reasons: {reasons}\n  - evidence: {evidence or 'none'}\n  - label: {r['note']}"
    )


def readme_table(before: dict[str, Any], after: dict[str, Any]) -> str:
    """Per type, before and after, for each path: the README's verifier table."""
    b, a = before["paths"], after["paths"]
    commit = str((before.get("code") or {}).get("commit"))[:7]
    lines = [
        f"| type | n | claim before ({commit}) | claim after | summary before | summary after |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for t in (*TRUE_TYPES, *FALSE_TYPES):
        entry = a["claim"]["types"].get(t) or b["claim"]["types"].get(t)
        if entry is None:
            continue
        what = "accepted" if entry["label"] else "caught"
        cells = [_cell(side[p]["types"].get(t)) for p in ("claim", "summary") for side in (b, a)]
        lines.append(f"| {t} ({what}) | {entry['n']} | " + " | ".join(cells) + " |")
    overall: list[tuple[str, Show]] = [
        ("true accepted", lambda p: f"{p['true_accepted']:.1%}"),
        ("false supported", lambda p: f"{p['false_supported']:.1%}"),
        ("balanced accuracy", lambda p: f"{p['balanced_accuracy']:.3f}"),
        ("evidence accuracy", lambda p: f"{p['evidence_accuracy']:.1%}"),
        ("spans cutting a word", lambda p: f"{p['bad_spans']} of {p['n_spans']}"),
    ]
    for name, show in overall:
        cells = [show(side[p]) for p in ("claim", "summary") for side in (b, a)]
        lines.append(f"| **{name}** | | " + " | ".join(cells) + " |")
    if before.get("set_sha256") != after.get("set_sha256"):
        lines += ["", "_The set changed since the before numbers were recorded._"]
    return "\n".join(lines) + "\n"


def measure_at(
    commit: str, folder: Path = VERIFICATION, fixtures: Path = FIXTURES
) -> dict[str, Any]:
    """The verifier of an earlier commit (its service/ and prompts/) on today's set and metric."""
    full = subprocess.run(
        ["git", "rev-parse", commit], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="verifier-before-") as tmp:
        archive = subprocess.run(
            ["git", "archive", full, "service", "prompts"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        out = Path(tmp) / "results.json"
        # cwd and PYTHONPATH put the old service/ first; evals/ (this metric) comes from ROOT
        env = {**os.environ, "PYTHONPATH": f"{tmp}{os.pathsep}{ROOT}"}
        subprocess.run(
            [sys.executable, "-m", "evals.verification", "--set", str(folder),
             "--fixtures", str(fixtures), "--json", str(out), "--code-commit", full],
            cwd=tmp, env=env, check=True,
        )  # fmt: skip
        return json.loads(out.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def write(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def command(args: argparse.Namespace) -> int:
    """`summarizer eval verifier`: run the set, print the table, write or check baselines."""
    if args.record_before and args.set:
        print("error: --record-before measures the committed set only", file=sys.stderr)
        return 2
    vset: Path = args.set or VERIFICATION
    results = measure(vset)
    folder: Path = args.out or OUT
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "verifier.md").write_text(markdown(results), encoding="utf-8")
    write(folder / "verifier.json", results)
    print(f"wrote {folder / 'verifier.md'} and verifier.json", file=sys.stderr)
    for problem in errors_of(results):
        print(f"error: {problem}", file=sys.stderr)
    for warning in results["warnings"]:
        print(f"warning: {warning}", file=sys.stderr)
    print(table(results))
    if args.misjudged:
        print("\n" + "\n".join(_describe(r) for r in results["misjudged"]))
    baseline: Path = args.baseline or BASELINE
    if (args.update_baseline or args.record_before) and errors_of(results):
        print(
            "error: the set has load errors (or the service failed); no baseline written",
            file=sys.stderr,
        )
        return 2
    if args.record_before:
        before = measure_at(BEFORE_COMMIT, vset)
        if errors_of(before) or before["set_sha256"] != results["set_sha256"]:
            print("error: the old commit did not load the same set cleanly", file=sys.stderr)
            return 2
        write(BEFORE, baseline_of(before))
        print(f"wrote {BEFORE}", file=sys.stderr)
    if args.update_baseline:
        write(baseline, baseline_of(results))
        print(f"wrote baseline {baseline}", file=sys.stderr)
    if args.readme:
        if not BEFORE.exists():
            print(f"error: no {BEFORE.name}; record it with --record-before", file=sys.stderr)
            return 2
        text = readme_table(json.loads(BEFORE.read_text(encoding="utf-8")), results)
        (folder / "verifier-readme.md").write_text(text, encoding="utf-8")
        print("\n" + text)
    return _check(results, baseline) if args.check else 0


def _check(results: dict[str, Any], baseline: Path) -> int:
    if not baseline.exists():
        print(f"error: no baseline at {baseline}; run with --update-baseline", file=sys.stderr)
        return 2
    old = json.loads(baseline.read_text(encoding="utf-8"))
    if old.get("set_sha256") != results["set_sha256"]:
        print(
            f"note: the set changed since {baseline.name}; rates compared anyway", file=sys.stderr
        )
    problems = [f"error: {e}" for e in errors_of(results)]
    problems += regressions(old, results)
    if problems:
        print(f"REGRESSION against {baseline.name}:", *problems, sep="\n  ", file=sys.stderr)
        return 1
    print(f"check passed against {baseline.name}", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    """python -m evals.verification: the set's results as JSON (used to measure old commits)."""
    p = argparse.ArgumentParser(prog="python -m evals.verification")
    p.add_argument("--set", type=Path, default=VERIFICATION, help="the verification folder")
    p.add_argument("--fixtures", type=Path, default=FIXTURES, help="the eval fixtures folder")
    p.add_argument("--json", type=Path, required=True, help="where to write the results")
    p.add_argument("--code-commit", help="the commit of the service/ being measured, when not ours")
    args = p.parse_args(argv)
    code = {"commit": args.code_commit, "dirty": False} if args.code_commit else None
    write(args.json, measure(args.set, args.fixtures, code=code))
    return 0


if __name__ == "__main__":
    sys.exit(main())
