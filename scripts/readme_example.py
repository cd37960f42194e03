"""Paste one eval case's real answer into README.md as the "What it really answered" example.

Usage: python scripts/readme_example.py RESULTS_JSON [CASE]  (default case: reference)

RESULTS_JSON is a results.json written by `summarizer eval` (a replay of the recorded call gives
the model's real answer checked by today's code). The answer is abridged the same way every
time: long texts and quotes cut with "…", one evidence span each, prompt hashes and chunk lists
left out; the model's latency is the recorded call's (`timings_ms.model` of a replay is not).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

README = Path(__file__).resolve().parent.parent / "README.md"
OPEN = "<!-- example:start -->"
CLOSE = "<!-- example:end -->"


def cut(text: str, at: int) -> str:
    return text if len(text) <= at else text[:at].rstrip() + " …"


def evidence(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"quote": cut(e["quote"], 60), "start": e["start"], "end": e["end"]} for e in items[:1]]


def abridge(response: dict[str, Any]) -> dict[str, Any]:
    summary = response["summary"]
    sentences = [
        {
            "text": cut(s["text"], 70),
            "supported": s["supported"],
            "evidence": evidence(s["evidence"]),
            "reasons": s["reasons"],
            "origin": s.get("origin", "model"),
            "dropped": s.get("dropped", False),
        }
        for s in summary["sentences"]
    ]
    claims = [
        {
            "id": c["id"],
            "text": c["text"],
            "kind": c["kind"],
            "attributed_to": c["attributed_to"],
            "supported": c["supported"],
            "evidence": evidence(c["evidence"]),
            "reasons": c["reasons"],
        }
        for c in response["claims"]
    ]
    p = response["provenance"]
    keep = ("model", "model_sha256", "backend", "prompt_version", "encoding", "chunk_count", "path")
    return {
        "summary": {
            "text": summary["text"],
            "sentences": sentences,
            "model_text": cut(summary.get("model_text", ""), 90),
            "dropped_sentences": summary.get("dropped_sentences", 0),
            "extracted_sentences": summary.get("extracted_sentences", 0),
        },
        "claims": claims,
        "claim_stats": response["claim_stats"],
        "provenance": {**{k: p[k] for k in keep}, "checks": p.get("checks")},
        "usage": {k: response["usage"][k] for k in ("model_calls", "prompt_tokens",
                                                     "completion_tokens", "repairs")},
    }  # fmt: skip


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    results = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    case = argv[1] if len(argv) > 1 else "reference"
    response = results["cases"][case]["response"]
    block = "```json\n" + json.dumps(abridge(response), indent=2, ensure_ascii=False) + "\n```"
    text = README.read_text(encoding="utf-8")
    start, end = text.index(OPEN) + len(OPEN), text.index(CLOSE)
    README.write_text(text[:start] + "\n" + block + "\n" + text[end:], encoding="utf-8")
    print(f"wrote the {case} example into {README}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
