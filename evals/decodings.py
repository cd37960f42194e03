"""Several decodings of every case, and how far the scores spread across them.

At temperature 0 an answer is fixed by the prompt, the model and the build, so one run of six
cases is one sample: the same prompt sets re-recorded on another CPU build of the same
llama.cpp scored 0.68 and 0.36 for claims proven (README, "How much one recording tells"). An
eval run with `--decodings N` reads every case N times: first as the service decodes it (the
settings' temperature, greedy by default), then N - 1 times sampled at `--sample-temperature`
with seeds 1 … N - 1. Each decoding is its own set of calls (temperature and seed are in the
request body, so in the recording key), so a replay reproduces every one of them.

The spread is reported per metric as mean, minimum and maximum over the decodings' overall
scores; two prompt sets differ on a metric only where their ranges do not overlap.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from service.settings import Settings

DEFAULT_SAMPLE_TEMPERATURE = 0.5

# Shown in the spread table, in order: (key in "overall", label, digits, direction).
SPREAD_SHOWN = [
    ("key_point_coverage", "key-point coverage", 2, "higher"),
    ("lead_coverage", "lead coverage at equal length", 2, None),
    ("coverage_vs_lead", "coverage / lead coverage", 2, "higher"),
    ("claim_recall", "gold claims recalled", 2, "higher"),
    ("claim_precision", "claims matching gold", 2, "higher"),
    ("claims_supported_rate", "claims supported by the verifier", 2, "higher"),
    ("sentences_supported_rate", "summary sentences supported", 2, "higher"),
    ("attribution_accuracy", "attribution accuracy", 2, "higher"),
    ("hallucinated_numbers", "invented numbers", 0, "lower"),
    ("forbidden_supported", "forbidden statements supported", 0, "lower"),
    ("misattributions", "misattributions", 0, "lower"),
    ("n_claims", "claims returned", 0, None),
    ("summary_words", "summary words (mean)", 0, None),
    ("prompt_tokens", "prompt tokens", 0, None),
    ("completion_tokens", "completion tokens", 0, None),
]


@dataclass(frozen=True)
class Decoding:
    temperature: float
    seed: int | None

    @property
    def label(self) -> str:
        how = "greedy" if self.temperature == 0 else f"T={self.temperature:g}"
        return f"{how}, seed {self.seed}" if self.temperature else how

    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(update={"temperature": self.temperature, "seed": self.seed})

    def as_dict(self) -> dict[str, Any]:
        return {"temperature": self.temperature, "seed": self.seed}


def plan(settings: Settings, count: int, sample_temperature: float) -> list[Decoding]:
    """The service's own decoding first, then `count - 1` sampled ones with seeds 1, 2, …"""
    served = Decoding(settings.temperature, settings.seed)
    return [served, *(Decoding(sample_temperature, seed) for seed in range(1, count))]


def spread(overalls: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per numeric metric of the decodings' overall scores: its values, mean, minimum, maximum.
    A metric missing from one decoding (the lead ratio where no lead covers anything) is spread
    over the decodings that have it."""
    keys = dict.fromkeys(k for o in overalls for k in o)
    out: dict[str, dict[str, Any]] = {}
    for key in keys:
        values = [float(o[key]) for o in overalls if isinstance(o.get(key), int | float)]
        if values:
            out[key] = {
                "values": values,
                "mean": sum(values) / len(values),
                "min": min(values),
                "max": max(values),
            }
    return out


def means(spread_: dict[str, dict[str, Any]]) -> dict[str, float]:
    return {k: v["mean"] for k, v in spread_.items()}


def verdict(a: dict[str, Any] | None, b: dict[str, Any] | None, direction: str | None) -> str:
    """Whether b beats a on a metric across decodings: only when b's range clears a's."""
    if not a or not b:
        return "–"
    if b["min"] > a["max"]:
        moved = "higher"
    elif b["max"] < a["min"]:
        moved = "lower"
    else:
        return "within spread"
    if direction is None:
        return moved
    better = (moved == "higher") == (direction == "higher")
    return f"{moved} ({'better' if better else 'worse'})"


def cell(entry: dict[str, Any] | None, digits: int) -> str:
    """'0.51 (0.45–0.58)': the mean and the range."""
    if not entry:
        return "–"
    spec = f"{{:,.{digits}f}}"
    lo, hi = spec.format(entry["min"]), spec.format(entry["max"])
    mean = spec.format(entry["mean"])
    return mean if lo == hi else f"{mean} ({lo}–{hi})"


def markdown(results: dict[str, Any]) -> str:
    """The overall scores of every decoding side by side, with their mean and range."""
    runs = results["decodings"]
    head = "| metric | " + " | ".join(Decoding(**r["decoding"]).label for r in runs)
    lines = [
        f"Decodings: each case read {len(runs)} times (the tables above are the first "
        "decoding's, as the service decodes); the overall scores of each, with mean and range:",
        "",
        head + " | mean (range) |",
        "|---|" + "---:|" * (len(runs) + 1),
    ]
    for key, label, digits, _ in SPREAD_SHOWN:
        if key not in results["spread"]:
            continue
        values = [r["overall"].get(key) for r in runs]
        cells = [f"{v:,.{digits}f}" if isinstance(v, int | float) else "–" for v in values]
        lines.append(f"| {label} | {' | '.join(cells)} | {cell(results['spread'][key], digits)} |")
    return "\n".join(lines)


def compare_markdown(a: dict[str, Any], b: dict[str, Any]) -> str:
    """Two prompt sets' spreads side by side; a difference counts only outside both ranges."""
    va, vb = a["prompt_version"], b["prompt_version"]
    lines = [
        f"Across decodings ({len(a['decodings'])} of {va}, {len(b['decodings'])} of {vb}): "
        f"mean (range); {vb} is higher or lower only where its range clears {va}'s.",
        "",
        f"| metric | {va} | {vb} | {vb} vs {va} |",
        "|---|---:|---:|---|",
    ]
    for key, label, digits, direction in SPREAD_SHOWN:
        x, y = a["spread"].get(key), b["spread"].get(key)
        if not x and not y:
            continue
        lines.append(
            f"| {label} | {cell(x, digits)} | {cell(y, digits)} | {verdict(x, y, direction)} |"
        )
    return "\n".join(lines)
