"""Paste the eval runner's own output into README.md, between the eval markers.

Usage: python scripts/readme_scores.py FOLDER...  (output folders written by `summarizer eval`)

First a table of the overall scores side by side, one column per (model, prompt set), read from
each folder's results.json (the mean and range over the decodings where a run read several);
then each folder's summary.md as the runner wrote it.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import paste_in_readme
from evals import decodings

# (key in results.json "overall", label, digits)
OVERVIEW = [
    ("key_point_coverage", "key-point coverage", 2),
    ("lead_coverage", "lead coverage at equal length", 2),
    ("coverage_vs_lead", "coverage / lead coverage", 2),
    ("claim_recall", "gold claims recalled", 2),
    ("claim_precision", "claims matching gold", 2),
    ("claims_supported_rate", "claims supported by the verifier", 2),
    ("sentences_supported_rate", "summary sentences supported", 2),
    ("dropped_sentences", "summary sentences dropped (unsupported)", 0),
    ("extracted_sentences", "article sentences extracted", 0),
    ("attribution_accuracy", "attribution accuracy", 2),
    ("hallucinated_numbers", "invented numbers", 0),
    ("hallucinated_entities", "invented names", 0),
    ("forbidden_hits", "forbidden statements returned", 0),
    ("forbidden_supported", "forbidden statements supported", 0),
    ("misattributions", "misattributions", 0),
    ("n_claims", "claims returned", 0),
    ("summary_words", "summary words (mean)", 0),
    ("model_calls", "model calls", 0),
    ("prompt_tokens", "prompt tokens", 0),
    ("completion_tokens", "completion tokens", 0),
]


def overview(folders: list[Path]) -> str:
    results = [json.loads((f / "results.json").read_text(encoding="utf-8")) for f in folders]
    head = "| metric | " + " | ".join(f"{r['model']} · {r['prompt_version']}" for r in results)
    lines = [head + " |", "|---|" + "---:|" * len(results)]
    for key, label, digits in OVERVIEW:
        if not any(key in r["overall"] for r in results):
            continue
        cells = []
        for r in results:
            if "spread" in r:  # several decodings: their mean and range
                cells.append(decodings.cell(r["spread"].get(key), digits))
                continue
            value = r["overall"].get(key)
            cells.append("–" if value is None else f"{value:,.{digits}f}")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(paths: list[str]) -> None:
    folders = [Path(p) for p in paths]
    blocks = [overview(folders)]
    for folder in folders:
        text = (folder / "summary.md").read_text(encoding="utf-8").strip()
        blocks.append(re.sub(r"^# ", "#### ", text, flags=re.MULTILINE))
    paste_in_readme("eval", "\n\n".join(blocks))


if __name__ == "__main__":
    main(sys.argv[1:])
