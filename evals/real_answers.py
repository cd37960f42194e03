"""The verifier on a model's real answers: its recorded answers to the fixtures, replayed through the
current code, against labels a person wrote by reading each article.

The labels are data under evals/real_answers/<model>__<prompt version>.jsonl, one row per distinct
returned item (every claim and every summary sentence of every case):

- case, item_type (claim | sentence), text, attributed_to: what the service returned;
- truly_supported: whether everything it says is stated by the article, with the right speaker
  and modality (evals/real_answers/README.md says how the labels were decided);
- gold_evidence: the article's sentence(s) that state it (exact substrings of the article);
- borderline: the label is honestly uncertain; such items are listed apart and left out of the
  rates; note: why, in one line. Optional: audit_truly_supported (an outside audit's label).

The verdicts are never stored: every run replays the recorded model calls (no model runs) through
today's pipeline and grounding, so a change to the verifier shows here. Each returned item is
matched to its label by (case, item_type, text); an item with no label is an error that names it
(a re-recording or a pipeline change that alters the items shows up that way), and so is a label
whose attributed_to differs from what the service now returns (the label judged that value).

Per item type: tp, fp, fn, tn over non-borderline items, precision of `supported`
(tp / (tp + fp)), recall of true items (tp / (tp + fn)), the borderline items, and a table of
every disagreement with the service's reasons. `summarizer eval real-answers` prints it;
tests/test_real_answers_gate.py fails when claim precision or recall falls below
evals/baselines/real_answers.json (`--update-baseline` writes it).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evals.metrics import model_sentences

EVALS = Path(__file__).resolve().parent
LABELS = EVALS / "real_answers"
FIXTURES = EVALS / "fixtures"
BASELINE = EVALS / "baselines" / "real_answers.json"
ITEM_TYPES = ("claim", "sentence")
GATED = ("claim",)  # issue 15's target is on claims; sentences are reported
TARGETS = {"claim": {"precision": 0.95, "recall": 0.85}}  # issue 15
FORMAT = 1
_FIELDS: dict[str, tuple[type, ...]] = {
    "case": (str,),
    "item_type": (str,),
    "text": (str,),
    "attributed_to": (str, type(None)),
    "truly_supported": (bool,),
    "gold_evidence": (list,),
    "borderline": (bool,),
    "note": (str,),
}
_OPTIONAL: dict[str, tuple[type, ...]] = {"audit_truly_supported": (bool, type(None))}

Key = tuple[str, str, str, str | None]  # case, item_type, text, attributed_to


@dataclass(frozen=True)
class Label:
    case: str
    item_type: str
    text: str
    attributed_to: str | None
    truly_supported: bool
    gold_evidence: tuple[str, ...]
    borderline: bool
    note: str
    audit_truly_supported: bool | None = None

    @property
    def key(self) -> Key:
        return (self.case, self.item_type, self.text, self.attributed_to)


@dataclass(frozen=True)
class Item:
    """One claim or summary sentence as the service returned it."""

    case: str
    item_type: str
    text: str
    attributed_to: str | None
    supported: bool
    reasons: tuple[str, ...]
    spans: tuple[tuple[int, int], ...]
    # the first decoding that returned it (evals/decodings.py): 0 is the service's own
    decoding: int = 0

    @property
    def key(self) -> Key:
        return (self.case, self.item_type, self.text, self.attributed_to)


def labels_path(model: str, version: str) -> Path:
    return LABELS / f"{model.replace('/', '_')}__{version}.jsonl"


def labeled_versions(model: str) -> list[str]:
    """Prompt versions with a labels file for this model, oldest first."""
    prefix = f"{model.replace('/', '_')}__"
    found = [p.stem.removeprefix(prefix) for p in LABELS.glob(f"{prefix}*.jsonl")]
    return sorted(found, key=lambda v: (len(v), v))


def load_labels(path: Path, articles: Mapping[str, str]) -> tuple[list[Label], list[str]]:
    """The labels of one file, and the problems of the lines that could not be used."""
    labels: list[Label] = []
    errors: list[str] = []
    seen: dict[Key, int] = {}
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path.name}:{lineno}"
        problems, label = _parse(line, articles)
        if label and label.key in seen:
            problems.append(f"duplicate of line {seen[label.key]}")
        if problems:
            errors += [f"{where}: {p}" for p in problems]
        elif label:
            seen[label.key] = lineno
            labels.append(label)
    return labels, errors


def _parse(line: str, articles: Mapping[str, str]) -> tuple[list[str], Label | None]:
    try:
        raw = json.loads(line)
    except ValueError as e:
        return [f"not valid JSON ({e})"], None
    if not isinstance(raw, dict):
        return ["not a JSON object"], None
    problems = [
        f"missing field {name!r}" if name not in raw else f"{name!r} has the wrong type"
        for name, kinds in _FIELDS.items()
        if name not in raw or not isinstance(raw[name], kinds)
    ]
    problems += [
        f"{name!r} has the wrong type"
        for name, kinds in _OPTIONAL.items()
        if name in raw and not isinstance(raw[name], kinds)
    ]
    problems += [f"unknown field {n!r}" for n in raw if n not in _FIELDS | _OPTIONAL]
    if problems:
        return problems, None
    if raw["item_type"] not in ITEM_TYPES:
        problems.append(f"item_type must be one of {', '.join(ITEM_TYPES)}")
    article = articles.get(raw["case"])
    if article is None:
        problems.append(f"unknown case {raw['case']!r}")
    gold = raw["gold_evidence"]
    if not gold or not all(isinstance(g, str) and g.strip() for g in gold):
        problems.append("gold_evidence must be a non-empty list of non-empty strings")
    elif article is not None:
        problems += [
            f"gold evidence not in the article: {g[:60]!r}" for g in gold if g not in article
        ]
    label = Label(
        case=raw["case"],
        item_type=raw["item_type"],
        text=raw["text"],
        attributed_to=raw["attributed_to"],
        truly_supported=raw["truly_supported"],
        gold_evidence=tuple(gold),
        borderline=raw["borderline"],
        note=raw["note"],
        audit_truly_supported=raw.get("audit_truly_supported"),
    )
    return problems, label


def items_of(results: Mapping[str, Any]) -> tuple[list[Item], list[str]]:
    """Every distinct claim and summary sentence of an eval run (of all its decodings), and the
    cases with no answer."""
    items: dict[Key, Item] = {}
    failed: list[str] = []
    runs = [run["cases"] for run in results.get("decodings") or [results]]
    for decoding, cases in enumerate(runs):
        for case, entry in cases.items():
            if not entry.get("response"):
                failed.append(f"case {case} got no answer: {entry.get('error')}")
                continue
            for item in _items(case, entry["response"], decoding):
                items.setdefault(item.key, item)  # a repeat is one item, judged the same way
    return list(items.values()), failed


def _items(case: str, response: Mapping[str, Any], decoding: int) -> Iterator[Item]:
    rows = [("sentence", s) for s in model_sentences(response["summary"]["sentences"])]
    rows += [("claim", c) for c in response["claims"]]
    for item_type, raw in rows:
        yield Item(
            case=case,
            item_type=item_type,
            text=raw["text"],
            attributed_to=raw.get("attributed_to"),
            supported=bool(raw["supported"]),
            reasons=tuple(raw.get("reasons") or ()),
            spans=tuple((int(e["start"]), int(e["end"])) for e in raw.get("evidence") or ()),
            decoding=decoding,
        )


def _gold_spans(article: str, gold: Iterable[str]) -> list[tuple[int, int]]:
    spans = []
    for g in gold:
        start = article.find(g)
        while start >= 0:
            spans.append((start, start + len(g)))
            start = article.find(g, start + 1)
    return spans


def _on_gold(item: Item, label: Label, article: str) -> bool:
    """Every evidence span of the item overlaps a gold evidence sentence."""
    gold = _gold_spans(article, label.gold_evidence)
    return bool(item.spans) and all(
        any(s < ge and gs < e for gs, ge in gold) for s, e in item.spans
    )


def _rate(hits: int, total: int) -> float | None:
    return round(hits / total, 4) if total else None


def score(
    items: Sequence[Item], labels: Sequence[Label], articles: Mapping[str, str]
) -> dict[str, Any]:
    """The service's verdicts against the labels, per item type."""
    by_key = {label.key: label for label in labels}
    judged: dict[tuple[str, str, str], list[str | None]] = {}
    for label in labels:
        judged.setdefault(label.key[:3], []).append(label.attributed_to)
    errors: list[str] = []
    pairs: list[tuple[Item, Label]] = []
    for item in items:
        found = by_key.get(item.key)
        if found is not None:
            pairs.append((item, found))
        elif (other := judged.get(item.key[:3])) is not None:
            errors.append(
                f"{item.case} {item.item_type} {item.text!r}: the service now returns "
                f"attributed_to {item.attributed_to!r}, the label judged "
                f"{' or '.join(repr(a) for a in other)}; re-check the label"
            )
        else:
            errors.append(
                f"no label for {item.case} {item.item_type} {item.text!r} "
                f"(attributed_to {item.attributed_to!r}); label it in the labels file"
            )
    returned = {item.key for item in items}
    unused = [
        f"label for {label.case} {label.item_type} {label.text!r} matches no returned item"
        for label in labels
        if label.key not in returned
    ]
    types = {
        t: _numbers([(i, lab) for i, lab in pairs if i.item_type == t], articles)
        for t in ITEM_TYPES
    }
    # the items only the sampled decodings returned: answers nobody tuned the verifier on
    sampled = {
        t: _numbers([(i, lab) for i, lab in pairs if i.item_type == t and i.decoding], articles)
        for t in ITEM_TYPES
    }
    disagreements = [
        _row(item, label)
        for item, label in pairs
        if not label.borderline and item.supported != label.truly_supported
    ]
    wrong_evidence = [
        _row(item, label) | {"evidence_text": [articles[item.case][a:b] for a, b in item.spans]}
        for item, label in pairs
        if not label.borderline
        and item.supported
        and label.truly_supported
        and not _on_gold(item, label, articles[item.case])
    ]
    return {
        "types": types,
        "sampled": sampled if any(i.decoding for i in items) else None,
        "disagreements": disagreements,
        "wrong_evidence": wrong_evidence,
        "borderline": [_row(i, lab) for i, lab in pairs if lab.borderline],
        "errors": errors,
        "unused_labels": unused,
    }


def _numbers(pairs: Sequence[tuple[Item, Label]], articles: Mapping[str, str]) -> dict[str, Any]:
    rated = [(i, lab) for i, lab in pairs if not lab.borderline]
    tp = sum(i.supported and lab.truly_supported for i, lab in rated)
    fp = sum(i.supported and not lab.truly_supported for i, lab in rated)
    fn = sum(not i.supported and lab.truly_supported for i, lab in rated)
    tn = sum(not i.supported and not lab.truly_supported for i, lab in rated)
    on_gold = sum(
        _on_gold(i, lab, articles[i.case])
        for i, lab in rated
        if i.supported and lab.truly_supported
    )
    return {
        "n": len(pairs),
        "borderline": len(pairs) - len(rated),
        "true": tp + fn,
        "false": fp + tn,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
        "precision": _rate(tp, tp + fp),
        "recall": _rate(tp, tp + fn),
        "evidence_on_gold": _rate(on_gold, tp),
    }


def _kind(supported: bool, truth: bool) -> str:
    if supported == truth:
        return "agrees"
    return "false supported" if supported else "true refused"


def _row(item: Item, label: Label) -> dict[str, Any]:
    return {
        "case": item.case,
        "item_type": item.item_type,
        "text": item.text,
        "attributed_to": item.attributed_to,
        "supported": item.supported,
        "truly_supported": label.truly_supported,
        "kind": _kind(item.supported, label.truly_supported),
        "evidence": [list(span) for span in item.spans],
        "reasons": list(item.reasons),
        "note": label.note,
        "decoding": item.decoding,
    }


# --- running it ------------------------------------------------------------------------------


def articles() -> dict[str, str]:
    return {
        p.name: (p / "article.txt").read_text(encoding="utf-8")
        for p in sorted(FIXTURES.iterdir())
        if (p / "article.txt").exists()
    }


def replay(embedded_model: str, version: str) -> dict[str, Any]:
    """The eval suite's run of every fixture, replayed from the recordings in-process, in as many
    decodings as the eval's baseline for that prompt set holds."""
    from evals import runner
    from service.settings import Settings

    settings = Settings(OPENAI_BASE_URL=None, embedded_model=embedded_model, model_path=None)
    path = runner.baseline_path(settings.model, version)
    kept = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    return runner.evaluate(settings, "replay", version, None, runner.decodings_of(kept))


def measure(embedded_model: str, version: str) -> dict[str, Any]:
    """Replay one model x prompt set and score it against its labels file."""
    from service.models import catalog_model

    model = catalog_model(embedded_model).name
    texts = articles()
    path = labels_path(model, version)
    if not path.exists():
        raise FileNotFoundError(f"no labels for {model} on {version}: {path}")
    labels, label_errors = load_labels(path, texts)
    items, failed = items_of(replay(embedded_model, version))
    report = score(items, labels, texts)
    report["errors"] = label_errors + failed + report["errors"]
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return {"model": model, "prompt_version": version, "labels_sha256": digest, **report}


def baseline_entry(result: Mapping[str, Any]) -> dict[str, Any]:
    keep = ("n", "borderline", "tp", "fp", "fn", "tn", "precision", "recall")
    return {
        "labels_sha256": result["labels_sha256"],
        "types": {t: {k: result["types"][t][k] for k in keep} for t in ITEM_TYPES},
    }


def regressions(baseline: Mapping[str, Any], result: Mapping[str, Any]) -> list[str]:
    """What fell below the baseline entry of this model x prompt set (gated types only)."""
    problems = [f"error: {e}" for e in result["errors"]]
    for t in GATED:
        old, new = baseline["types"][t], result["types"][t]
        for metric in ("precision", "recall"):
            if old[metric] is not None and (new[metric] is None or new[metric] < old[metric]):
                problems.append(
                    f"{result['prompt_version']} {t} {metric} {new[metric]} < baseline {old[metric]}"
                )
    return problems


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def table(result: Mapping[str, Any]) -> str:
    """The numbers of one model x prompt set, then every disagreement, as markdown."""
    lines = [
        f"### Real answers: {result['model']} on prompt set {result['prompt_version']}",
        "",
        "| items | n | borderline | true | false | TP | FP | FN | TN | precision | recall "
        "| evidence on gold |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    counted = [(t, "", result["types"][t]) for t in ITEM_TYPES]
    if result.get("sampled"):
        counted += [(t, ", sampled decodings only", result["sampled"][t]) for t in ITEM_TYPES]
    for t, which, n in counted:
        target = TARGETS.get(t) if not which else None
        goal = f" (target {target['precision']}/{target['recall']})" if target else ""
        lines.append(
            f"| {t}s{which}{goal} | {n['n']} | {n['borderline']} | {n['true']} | {n['false']} "
            f"| {n['tp']} | {n['fp']} | {n['fn']} | {n['tn']} | {_fmt(n['precision'])} "
            f"| {_fmt(n['recall'])} | {_fmt(n['evidence_on_gold'])} |"
        )
    for title, rows in (
        ("Disagreements", "disagreements"),
        ("Borderline (not rated)", "borderline"),
        ("Right verdict on the wrong evidence", "wrong_evidence"),
    ):
        lines += ["", f"{title}:", ""]
        lines += [_describe(r) for r in result[rows]] or ["(none)"]
    for problem in result["errors"]:
        lines.append(f"ERROR: {problem}")
    return "\n".join(lines)


def _describe(r: Mapping[str, Any]) -> str:
    said = "supported" if r["supported"] else "refused"
    truth = "true" if r["truly_supported"] else "false"
    attr = f" [attributed_to {r['attributed_to']!r}]" if r["item_type"] == "claim" else ""
    attr += f" [decoding {r['decoding']}]" if r.get("decoding") else ""
    why = "; ".join(r["reasons"]) or "no reason given"
    quoted = " | ".join(repr(t[:100]) for t in r.get("evidence_text", []))
    evidence = f" Its evidence: {quoted}." if quoted else ""
    return (
        f"- {r['case']} {r['item_type']}: {r['text']!r}{attr}: service {said}, label {truth}. "
        f"Service: {why}.{evidence} Label: {r['note']}"
    )


def command(args: argparse.Namespace, embedded_model: str) -> int:
    """`summarizer eval real-answers`: measure, print, and write or check the baseline."""
    from service.models import catalog_model

    model = catalog_model(embedded_model).name
    versions = [args.prompt_version] if args.prompt_version else labeled_versions(model)
    if not versions:
        print(f"error: no labels for {model} under {LABELS}", file=sys.stderr)
        return 2
    baseline_file: Path = args.baseline or BASELINE
    stored = json.loads(baseline_file.read_text(encoding="utf-8")) if baseline_file.exists() else {}
    problems: list[str] = []
    results = []
    for version in versions:
        try:
            result = measure(embedded_model, version)
        except FileNotFoundError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        results.append(result)
        print(table(result) + "\n")
        old = stored.get("models", {}).get(model, {}).get(version)
        if args.check:
            if old is None:
                problems.append(f"no baseline for {model} on {version} in {baseline_file.name}")
            else:
                problems += regressions(old, result)
    if args.update_baseline:
        broken = [f"{r['prompt_version']}: {e}" for r in results for e in r["errors"]]
        if broken:
            print("error: no baseline written:", *broken, sep="\n  ", file=sys.stderr)
            return 1
        stored.setdefault("format", FORMAT)
        entries = stored.setdefault("models", {}).setdefault(model, {})
        for r in results:
            entries[r["prompt_version"]] = baseline_entry(r)
        baseline_file.parent.mkdir(parents=True, exist_ok=True)
        baseline_file.write_text(json.dumps(stored, indent=1) + "\n", encoding="utf-8")
        print(f"wrote baseline {baseline_file}", file=sys.stderr)
    if problems:
        print(f"REGRESSION against {baseline_file.name}:", *problems, sep="\n  ", file=sys.stderr)
        return 1
    if args.check:
        print(f"check passed against {baseline_file.name}", file=sys.stderr)
    # an unlabeled item leaves the numbers incomplete: say so in the exit code too
    return 1 if any(r["errors"] for r in results) else 0
