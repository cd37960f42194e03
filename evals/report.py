"""Human-readable eval output: a markdown summary, a self-contained HTML report, a comparison."""

from __future__ import annotations

import html
from typing import Any

from evals import decodings
from evals.lead import lead_text

# The metrics shown in tables, in order, with how to print them.
SHOWN = [
    ("key_point_coverage", "coverage", "{:.2f}"),
    ("lead_coverage", "lead cov.", "{:.2f}"),
    ("coverage_vs_lead", "vs lead", "{:.2f}"),
    ("summary_words", "words", "{:.0f}"),
    ("dropped_sentences", "dropped", "{:.0f}"),
    ("extracted_sentences", "extracted", "{:.0f}"),
    ("claim_recall", "recall", "{:.2f}"),
    ("claim_precision", "precision", "{:.2f}"),
    ("grounding_rate", "grounded", "{:.2f}"),
    ("attribution_accuracy", "attribution", "{:.2f}"),
    ("hallucinated_numbers", "halluc. nums", "{:.0f}"),
    ("hallucinated_entities", "halluc. ents", "{:.0f}"),
    ("forbidden_hits", "forbidden", "{:.0f}"),
    ("forbidden_supported", "forbidden supported", "{:.0f}"),
    ("swapped_figures", "swapped figs", "{:.0f}"),
    ("misattributions", "misattrib.", "{:.0f}"),
    ("schema_valid", "valid", "{:.2f}"),
    ("compression_ratio", "compression", "{:.1f}"),
    ("model_calls", "calls", "{:.0f}"),
    ("prompt_tokens", "prompt tok", "{:.0f}"),
    ("completion_tokens", "compl. tok", "{:.0f}"),
    ("latency_ms", "latency ms", "{:.0f}"),
]


# What the lead columns mean, said under every table that shows them.
LEAD_NOTE = (
    "lead cov.: key-point coverage of the article's first sentences (boilerplate and headline "
    "dropped), cut to the summary's word count (words); vs lead: coverage / lead cov., overall "
    "the ratio of the means; – where the lead covers nothing. dropped: the model's summary "
    "sentences left out of the text for failing verification; extracted: article sentences "
    "the service added because the rest said less than the lead."
)
# What `compare_markdown` puts side by side: quality, not cost.
COMPARED = [
    "key_point_coverage", "lead_coverage", "coverage_vs_lead", "summary_words", "claim_recall",
    "claim_precision", "grounding_rate", "attribution_accuracy", "hallucinated_numbers",
    "hallucinated_entities", "forbidden_hits", "forbidden_supported", "swapped_figures",
    "misattributions", "schema_valid",
]  # fmt: skip


def _fmt(value: Any, spec: str) -> str:
    return spec.format(value) if isinstance(value, int | float) else "–"


def metrics_table(rows: dict[str, dict[str, Any]]) -> str:
    """A markdown table: one row per case (and overall), one column per metric."""
    head = "| case | " + " | ".join(label for _, label, _ in SHOWN) + " |"
    rule = "|---|" + "---:|" * len(SHOWN)
    lines = [head, rule]
    for name, scores in rows.items():
        cells = " | ".join(_fmt(scores.get(key), spec) for key, _, spec in SHOWN)
        lines.append(f"| {name} | {cells} |")
    return "\n".join(lines)


def markdown_summary(results: dict[str, Any]) -> str:
    prompts = ", ".join(
        f"{p['name']}/{p['version']} ({p['sha256'][:12]})" for p in results["prompts"]
    )
    rows = {name: case["scores"] for name, case in results["cases"].items()}
    rows["**overall**"] = results["overall"]
    errors = [f"- {n}: {c['error']}" for n, c in results["cases"].items() if c["error"]]
    return "\n".join(
        [
            f"# Eval: {results['model']} · prompt set {results['prompt_version']} · {results['mode']}",
            "",
            f"Prompts: {prompts or '–'}",
            "",
            paths_line(results),
            "",
            metrics_table(rows),
            "",
            LEAD_NOTE,
            "",
            *([decodings.markdown(results), ""] if "decodings" in results else []),
            *(["Failed cases:", *errors, ""] if errors else []),
        ]
    )


def paths_line(results: dict[str, Any]) -> str:
    """How each case was read (single, map_join, map_reduce, salience), and the settings that
    decide it for a long article."""
    cases = []
    for name, case in results["cases"].items():
        picked = ((case.get("response") or {}).get("provenance") or {}).get("selection")
        sent = (
            f" {picked['sentences_sent']}/{picked['sentences_total']} sentences" if picked else ""
        )
        cases.append(f"{name} {case.get('path') or '–'}{sent}")
    limit = results.get("max_chunk_tokens")
    return (
        f"Paths (long articles: {results.get('long_articles', 'map_reduce')}, max chunk tokens: "
        f"{limit or 'unset'}): {', '.join(cases)}"
    )


def compare_markdown(a: dict[str, Any], b: dict[str, Any]) -> str:
    """Two prompt versions side by side, per case and overall, with deltas (b − a), and, when
    both were read in several decodings, their means and ranges.

    A metric either side reports is shown; one that is not a number there (the lead ratio where
    the lead covers nothing) is "–", with no delta.
    """
    va, vb = a["prompt_version"], b["prompt_version"]
    first = (
        ["Per case and overall: the first decoding of each (as the service decodes it).", ""]
        if "decodings" in a or "decodings" in b
        else []
    )
    lines = [
        f"# {va} vs {vb} on {a['model']} · {a['mode']}",
        "",
        *first,
        "| case | metric | " + f"{va} | {vb} | Δ |",
        "|---|---|---:|---:|---:|",
    ]
    cases = [*a["cases"], "overall"]
    for case in cases:
        sa = a["overall"] if case == "overall" else a["cases"][case]["scores"]
        sb = b["overall"] if case == "overall" else b["cases"].get(case, {}).get("scores", {})
        for key in COMPARED:
            if key not in sa and key not in sb:
                continue
            x, y = sa.get(key), sb.get(key)
            mark = ""
            if isinstance(x, int | float) and isinstance(y, int | float) and abs(y - x) >= 1e-9:
                mark = f"{y - x:+.2f}"
            label = f"**{case}**" if case == "overall" else case
            lines.append(
                f"| {label} | {key} | {_fmt(x, '{:.2f}')} | {_fmt(y, '{:.2f}')} | {mark} |"
            )
    spreads = ["", decodings.compare_markdown(a, b)] if "spread" in a and "spread" in b else []
    return "\n".join([*lines, "", LEAD_NOTE, *spreads]) + "\n"


_CSS = """
body{font:15px/1.5 system-ui,sans-serif;margin:2rem;max-width:70rem;color:#1a1a1a}
table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #bbb;padding:.25rem .5rem}
th{background:#eee}.TP{background:#e3f4e3}.FN{background:#fbeaea}.FP{background:#fff4d6}
mark{background:#ffe27a}mark.bad{background:#f6b8b8}.article{white-space:pre-wrap;border:1px solid
#ccc;padding:1rem}.no{color:#a00;font-weight:600}.yes{color:#060}
"""


def _highlight(article: str, spans: list[tuple[int, int, bool]]) -> str:
    """Article text with evidence spans marked; overlapping spans are merged."""
    spans = sorted((s, e, ok) for s, e, ok in spans if 0 <= s < e <= len(article))
    out, pos = [], 0
    for start, end, ok in spans:
        if start < pos:
            continue
        out.append(html.escape(article[pos:start]))
        cls = "" if ok else ' class="bad"'
        out.append(f"<mark{cls}>{html.escape(article[start:end])}</mark>")
        pos = end
    out.append(html.escape(article[pos:]))
    return "".join(out)


def html_report(results: dict[str, Any], articles: dict[str, str]) -> str:
    """One self-contained HTML page: overall table, then per case alignment and evidence."""
    esc = html.escape
    parts = [
        "<!doctype html><html lang=en><meta charset=utf-8>",
        f"<title>Eval {esc(results['model'])} {esc(results['prompt_version'])}</title>",
        f"<style>{_CSS}</style>",
        f"<h1>Eval: {esc(results['model'])} · prompt set {esc(results['prompt_version'])}</h1>",
        "<p>Prompts: "
        + ", ".join(
            esc(f"{p['name']}/{p['version']} {p['sha256'][:12]}") for p in results["prompts"]
        )
        + "</p>",
        _table(
            {**{n: c["scores"] for n, c in results["cases"].items()}, "overall": results["overall"]}
        ),
        f"<p>{esc(LEAD_NOTE)}</p>",
    ]
    for name, case in results["cases"].items():
        parts.append(f"<h2 id='{esc(name)}'>{esc(name)}</h2>")
        if case["error"]:
            parts.append(f"<p class=no>Failed: {esc(case['error'])}</p>")
            parts.append(_lead_section(articles.get(name, ""), case["scores"]))
            continue
        response = case["response"]
        parts.append(_summary_section(response["summary"]))
        parts.append(_lead_section(articles.get(name, ""), case["scores"]))
        parts.append(
            "<h3>Alignment with gold claims</h3><table><tr><th>verdict<th>gold<th>returned<th>why"
        )
        for row in case["scores"].get("alignment", []):
            parts.append(
                f"<tr class={esc(row['verdict'])}><td>{esc(row['verdict'])}"
                f"<td>{esc(row.get('gold_text') or '')}<td>{esc(row.get('claim_text') or '')}"
                f"<td>{esc(row.get('why') or '')}"
            )
        parts.append("</table><h3>Claims</h3><ul>")
        spans = []
        for claim in response["claims"]:
            ok = claim["supported"]
            verdict = (
                "<span class=yes>supported</span>"
                if ok
                else ("<span class=no>not supported</span>: " + esc("; ".join(claim["reasons"])))
            )
            parts.append(f"<li>{esc(claim['text'])} — {verdict}")
            spans += [(e["start"], e["end"], ok) for e in claim["evidence"]]
        parts.append("</ul><h3>Article with evidence</h3>")
        parts.append(f"<div class=article>{_highlight(articles.get(name, ''), spans)}</div>")
    return "\n".join(parts) + "\n"


def _summary_section(summary: dict[str, Any]) -> str:
    """The summary as returned, each sentence marked kept, dropped or extracted, and what the
    model wrote when that differs."""
    esc = html.escape
    out = [f"<h3>Summary</h3><p>{esc(summary['text'])}</p><ul>"]
    for s in summary.get("sentences") or []:
        if s.get("origin") == "extracted":
            mark = "<span class=yes>extracted from the article</span>"
        elif s.get("dropped"):
            mark = "<span class=no>dropped</span>: " + esc("; ".join(s.get("reasons") or []))
        elif s.get("supported"):
            mark = "<span class=yes>supported</span>"
        else:
            mark = "<span class=no>not supported</span>: " + esc("; ".join(s.get("reasons") or []))
        out.append(f"<li>{esc(s['text'])} — {mark}")
    out.append("</ul>")
    model_text = str(summary.get("model_text") or "")
    if model_text and model_text.strip() != summary["text"].strip():
        out.append(f"<p>What the model wrote: <i>{esc(model_text)}</i></p>")
    if check := summary.get("lead_check"):
        out.append(f"<p>{esc(str(check.get('note') or ''))}</p>")
    return "".join(out)


def _lead_section(article: str, scores: dict[str, Any]) -> str:
    """The lead baseline the summary is measured against, and what each covered."""
    if "lead_words" not in scores:
        return ""
    words = int(scores["lead_words"])
    missed = ", ".join(scores.get("missed_key_points") or []) or "none"
    lead_missed = ", ".join(scores.get("lead_missed_key_points") or []) or "none"
    return (
        f"<h3>Lead baseline ({words} words)</h3><p>{html.escape(lead_text(article, words))}</p>"
        f"<p>coverage {_fmt(scores.get('key_point_coverage'), '{:.2f}')} (missed: "
        f"{html.escape(missed)}) · lead {_fmt(scores.get('lead_coverage'), '{:.2f}')} (missed: "
        f"{html.escape(lead_missed)}) · vs lead {_fmt(scores.get('coverage_vs_lead'), '{:.2f}')}</p>"
    )


def _table(rows: dict[str, dict[str, Any]]) -> str:
    head = "".join(f"<th>{html.escape(label)}" for _, label, _ in SHOWN)
    body = "".join(
        f"<tr><td>{html.escape(name)}"
        + "".join(f"<td>{_fmt(scores.get(key), spec)}" for key, _, spec in SHOWN)
        for name, scores in rows.items()
    )
    return f"<table><tr><th>case{head}{body}</table>"
