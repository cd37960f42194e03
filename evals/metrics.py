"""Score one summarizer response against its case's gold file, and gate on regressions.

Every metric is a number (rates in [0, 1]); lists explain the numbers. Where each comes from:

- key_point_coverage: share of gold key points the summary text covers (completeness, as in
  FineSurE). A point is covered when every group of its `any_of` has at least one alternative in
  the summary, case-insensitively. No key points: 1.0. Ids left out: `missed_key_points`.
- claim_recall, claim_precision, claim_f1, alignment: the TP/FP/FN scheme of Ragas' factual
  correctness. Returned claims are aligned to gold claims greedily, best pair first, one-to-one;
  a pair needs rapidfuzz token_set_ratio >= 60 on case-folded text (quotes and dashes folded)
  and every gold figure present in the returned claim (digit strings without commas; simple
  word numbers through text2num). Recall = TP / gold claims (1.0 with none); precision = TP /
  returned claims (with none: 1.0 if gold has none, else 0.0). `alignment` rows say why.
- grounding_rate, claims_supported_rate, sentences_supported_rate: share of returned claims and
  summary sentences (together, then each alone) marked supported whose evidence is non-empty and
  satisfies article[start:end] == quote for every span (faithfulness, as in FActScore / Ragas).
  No items: 1.0; `n_claims` and `n_sentences` give the counts. Summary sentences are the model's
  (origin "model"), those left out of the text included: extracted ones are the article's own.
  Overall, each is pooled over the items of all cases (`aggregate`), not averaged over cases.
- dropped_sentences, extracted_sentences: the model's sentences the service left out of the
  summary's text for failing verification, and the article sentences it added (service.extract).
- hallucinated_numbers, hallucinated_entities: distinct figures (digit strings, commas removed)
  and capitalized names in the summary and claim texts that the article never uses. A name
  counts when one of its words is absent from the article (case-insensitive); a common word
  opening a sentence ("The", "In", "Meanwhile") is not a name. Listed in `*_list`.
- forbidden_hits: gold `forbidden` items (known wrong readings) with a pattern matching
  (re.IGNORECASE) the summary or a claim; ids in `forbidden_hit_ids`. forbidden_supported: the
  same, counting only what the service vouches for (the summary's text, which holds verified
  sentences only, and the claims marked supported); ids in `forbidden_supported_ids`.
- attribution_accuracy: over TP pairs where either side names a source, the share where the
  sources agree (token_set_ratio >= 70, or one is the other's acronym: NIS / National
  Intelligence Service). No such pairs: 1.0; `n_attribution_pairs` gives the count.
- swapped_figures: claims and sentences the service flagged for a figure bound to another noun
  (a reason starting "article:"); misattributions: claims flagged for their source ("attributed
  to" / "attributes this").
- schema_valid: 1.0 when the response validates as service.schemas.SummaryResponse.
- summary_words, compression_ratio (article words / summary words; 0 for an empty summary),
  model_calls, prompt_tokens, completion_tokens (from `usage`), latency_ms (`timings_ms.total`).
- lead_coverage: key_point_coverage of the lead baseline (evals/lead.py): the article's first
  sentences, boilerplate and headline line dropped, taken whole up to the summary's word count
  and the last one cut there, so both have the same length (`lead_words`; lead points missed in
  `lead_missed_key_points`). A failed case has no summary: its lead is as long as the service's
  default summary would have been (`lead_words` passed to `failed_case`), so the failure counts
  as covering nothing against a lead of the usual length.
- coverage_vs_lead: key_point_coverage / lead_coverage; None (shown "–") when the lead covers
  nothing, where no ratio says anything. Overall it is the ratio of the means (mean coverage over
  the cases with a lead coverage / mean lead_coverage), not the mean of the ratios, which
  a single case with a tiny lead would swamp. Neither is gated: the lead's coverage follows the
  summary's length, so a prompt writing shorter summaries lowers it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError
from rapidfuzz import fuzz, utils
from text_to_num import alpha2digit, text2num

from evals.lead import lead_text
from service.schemas import SummaryResponse

MATCH_SCORE = 60.0
ATTRIBUTION_SCORE = 70.0

# What the regression gate watches: metric -> (which way is better, allowed slack).
# fmt: off
METRICS: dict[str, tuple[str, float]] = {
    "key_point_coverage": ("higher", 0.05), "claim_recall": ("higher", 0.05),
    "claim_precision": ("higher", 0.05), "grounding_rate": ("higher", 0.05),
    "hallucinated_numbers": ("lower", 0), "forbidden_hits": ("lower", 0),
    "forbidden_supported": ("lower", 0),
    "attribution_accuracy": ("higher", 0.1), "schema_valid": ("higher", 0.0),
    "swapped_figures": ("lower", 0),
}
# Counts add up across cases; every other number is averaged.
SUMMED = frozenset({
    "hallucinated_numbers", "hallucinated_entities", "forbidden_hits", "forbidden_supported",
    "swapped_figures",
    "misattributions", "model_calls", "prompt_tokens", "completion_tokens", "n_claims",
    "n_sentences", "n_gold_claims", "n_key_points", "n_attribution_pairs", "dropped_sentences",
    "extracted_sentences",
})
# Shares of returned items, pooled over the items of every case rather than averaged over cases:
# a case that returns no claim scores 1.0 alone ("no items: 1.0"), and averaged it would count as
# much as a case with eight claims of which two hold.
POOLED: dict[str, tuple[str, ...]] = {
    "claims_supported_rate": ("n_claims",),
    "sentences_supported_rate": ("n_sentences",),
    "grounding_rate": ("n_claims", "n_sentences"),
}
# A common word opening a sentence is not a name.
_COMMON = frozenset({
    "a", "an", "the", "this", "that", "these", "those", "it", "its", "he", "she", "they", "we",
    "i", "his", "her", "their", "our", "in", "on", "at", "by", "for", "from", "to", "of", "with",
    "after", "before", "during", "since", "as", "according", "about", "approximately", "around",
    "more", "most", "less", "some", "many", "several", "all", "both", "each", "no", "not", "and",
    "but", "or", "so", "also", "meanwhile", "separately", "however", "moreover", "furthermore",
    "additionally", "still", "yet", "earlier", "later", "previously", "today", "yesterday",
    "overall", "there", "here", "if", "when", "while", "then", "what", "which", "who", "where",
})
# fmt: on
_FOLD = str.maketrans(
    "\u2018\u2019\u02bc\u201c\u201d\u2010\u2011\u2013\u2014\u2212", "'''\"\"-----"
)
_FIGURE = re.compile(r"(?<![\d.])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")
_CAPWORD = r"[A-Z]\w*(?:[-']\w+)*"
_NAME = re.compile(rf"(?<![\w'-]){_CAPWORD}(?: +{_CAPWORD})*")


def score_case(
    article: str, gold: dict[str, Any], response: dict[str, Any], lead_words: int | None = None
) -> dict[str, Any]:
    """All metrics for one case; JSON-serializable.

    `response` is the JSON body of POST /v1/summaries; a malformed one still gets scored as far
    as it goes (and schema_valid 0.0). The lead baseline is as long as the summary, or
    `lead_words` long when given.
    """
    summary = response.get("summary") or {}
    text = str(summary.get("text") or "")
    every: list[dict[str, Any]] = list(summary.get("sentences") or [])
    sentences = model_sentences(every)
    claims: list[dict[str, Any]] = list(response.get("claims") or [])
    gold_claims: list[dict[str, Any]] = list(gold.get("claims") or [])
    texts = [text, *(str(c.get("text") or "") for c in claims)]

    points = list(gold.get("key_points") or [])
    missed = _missed(text, points)
    summary_words = len(text.split())
    lead_length = summary_words if lead_words is None else lead_words
    lead_missed = _missed(lead_text(article, lead_length), points)
    coverage = _rate(len(points) - len(missed), len(points))
    lead_coverage = _rate(len(points) - len(lead_missed), len(points))
    alignment, pairs = _align(gold_claims, claims)
    tp = len(pairs)
    recall = tp / len(gold_claims) if gold_claims else 1.0
    precision = tp / len(claims) if claims else float(not gold_claims)
    agree, n_pairs = _attribution(pairs, gold_claims, claims)

    grounded_claims = sum(_grounded(c, article) for c in claims)
    grounded_sentences = sum(_grounded(s, article) for s in sentences)
    numbers = _new_figures(texts, article)
    names = _new_names(texts, article)
    vouched = [text, *(str(c.get("text") or "") for c in claims if c.get("supported"))]
    forbidden = _forbidden(gold, texts)
    forbidden_supported = _forbidden(gold, vouched)
    usage = response.get("usage") or {}
    return {
        "key_point_coverage": coverage,
        "missed_key_points": missed,
        "n_key_points": len(points),
        "lead_coverage": lead_coverage,
        "coverage_vs_lead": ratio(coverage, lead_coverage),
        "lead_words": lead_length,
        "lead_missed_key_points": lead_missed,
        "claim_recall": recall,
        "claim_precision": precision,
        "claim_f1": 2 * recall * precision / (recall + precision) if recall + precision else 0.0,
        "n_gold_claims": len(gold_claims),
        "alignment": alignment,
        "grounding_rate": _rate(grounded_claims + grounded_sentences, len(claims) + len(sentences)),
        "claims_supported_rate": _rate(grounded_claims, len(claims)),
        "sentences_supported_rate": _rate(grounded_sentences, len(sentences)),
        "n_claims": len(claims),
        "n_sentences": len(sentences),
        "dropped_sentences": sum(bool(s.get("dropped")) for s in sentences),
        "extracted_sentences": len(every) - len(sentences),
        "hallucinated_numbers": len(numbers),
        "hallucinated_number_list": numbers,
        "hallucinated_entities": len(names),
        "hallucinated_entity_list": names,
        "forbidden_hits": len(forbidden),
        "forbidden_hit_ids": forbidden,
        "forbidden_supported": len(forbidden_supported),
        "forbidden_supported_ids": forbidden_supported,
        "attribution_accuracy": _rate(agree, n_pairs),
        "n_attribution_pairs": n_pairs,
        "swapped_figures": _flagged([*claims, *sentences], lambda r: r.startswith("article:")),
        "misattributions": _flagged(
            claims, lambda r: "attributed to" in r or "attributes this" in r
        ),
        "schema_valid": _schema_valid(response),
        "summary_words": summary_words,
        "compression_ratio": len(article.split()) / summary_words if summary_words else 0.0,
        "model_calls": int(usage.get("model_calls") or 0),
        "prompt_tokens": int(usage.get("prompt_tokens") or 0),
        "completion_tokens": int(usage.get("completion_tokens") or 0),
        "latency_ms": float((response.get("timings_ms") or {}).get("total") or 0.0),
    }


def model_sentences(sentences: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The summary sentences the model wrote, dropped ones included: those added from the
    article (origin "extracted") are the article's own, not the model's answer."""
    return [s for s in sentences if s.get("origin", "model") == "model"]


def failed_case(article: str, gold: dict[str, Any], lead_words: int) -> dict[str, Any]:
    """Scores for a case whose request failed: every quality rate at 0, against a lead of
    `lead_words` words (the length the service's summary would have had by default)."""
    scores = score_case(article, gold, {}, lead_words)
    zero = ["key_point_coverage", "claim_recall", "claim_precision", "claim_f1"]
    zero += ["grounding_rate", "claims_supported_rate", "sentences_supported_rate"]
    scores = {**scores, **dict.fromkeys([*zero, "attribution_accuracy"], 0.0)}
    return {**scores, "coverage_vs_lead": ratio(0.0, scores["lead_coverage"])}


def _pooled(cases: dict[str, dict[str, Any]], key: str, counts: tuple[str, ...]) -> float | None:
    """The share `key` over every case's items (counted by `counts`), or None when a case lacks
    the counts or no case returned an item (then the mean stands: 0 for failed cases)."""
    hits = total = 0.0
    for scores in cases.values():
        if not _is_number(scores.get(key)) or not all(_is_number(scores.get(c)) for c in counts):
            return None
        n = sum(float(scores[c]) for c in counts)
        hits, total = hits + float(scores[key]) * n, total + n
    return hits / total if total else None


def ratio(coverage: float, lead_coverage: float) -> float | None:
    """Coverage against the lead's; None when the lead covers nothing (no ratio to speak of)."""
    return coverage / lead_coverage if lead_coverage > 0 else None


def aggregate(cases: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Every numeric metric across cases: counts summed (see SUMMED), the shares of returned
    items pooled over the items (see POOLED), the rest averaged."""
    keys = list(dict.fromkeys(k for scores in cases.values() for k in scores))
    out: dict[str, Any] = {"n_cases": len(cases)}
    for key in keys:
        values = [float(s[key]) for s in cases.values() if _is_number(s.get(key))]
        if values:
            out[key] = sum(values) if key in SUMMED else sum(values) / len(values)
    for key, counts in POOLED.items():
        if (pooled := _pooled(cases, key, counts)) is not None:
            out[key] = pooled
    leads = [s for s in cases.values() if _is_number(s.get("lead_coverage"))]
    if leads:  # the ratio of the means, over the cases that have a lead
        mean = sum(float(s.get("key_point_coverage") or 0.0) for s in leads) / len(leads)
        out["coverage_vs_lead"] = ratio(mean, out["lead_coverage"])
    return out


def regressions(baseline: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """Plain-language lines for each watched metric that got worse by more than its tolerance."""
    lines = []
    for name, (direction, tolerance) in METRICS.items():
        if not _is_number(baseline.get(name)):
            continue  # a metric the baseline predates
        old = float(baseline[name])
        if not _is_number(current.get(name)):
            lines.append(
                f"{name} is missing from the current results (baseline {_show(name, old)})"
            )
            continue
        new = float(current[name])
        if (old - new if direction == "higher" else new - old) > tolerance + 1e-9:
            verb = "fell" if direction == "higher" else "rose"
            change = f"{verb} from {_show(name, old)} to {_show(name, new)}"
            lines.append(f"{name} {change} (tolerance {tolerance:g})")
    return lines


# --- helpers ----------------------------------------------------------------------------------


def _forbidden(gold: dict[str, Any], texts: list[str]) -> list[str]:
    """Ids of the gold's forbidden items with a pattern matching any of `texts`."""
    return [
        f["id"]
        for f in gold.get("forbidden") or []
        if any(re.search(p, t, re.IGNORECASE) for p in f.get("patterns", []) for t in texts)
    ]


def _fold(text: str) -> str:
    return text.translate(_FOLD).casefold()


def _rate(hits: int, total: int) -> float:
    return hits / total if total else 1.0


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _show(name: str, value: float) -> str:
    return f"{value:.0f}" if name in SUMMED and float(value).is_integer() else f"{value:.2f}"


def _missed(text: str, points: list[dict[str, Any]]) -> list[str]:
    """Ids of the key points the text does not cover."""
    return [p["id"] for p in points if not _covers(text, p.get("any_of") or [])]


def _covers(text: str, any_of: list[list[str]]) -> bool:
    folded = _fold(text)
    return all(any(_fold(alt) in folded for alt in group) for group in any_of)


def _similarity(a: str, b: str, scorer: Any = fuzz.token_set_ratio) -> float:
    return float(scorer(_fold(a), _fold(b), processor=utils.default_process))


def _digitize(text: str) -> str:
    """Word numbers as digits ("three months" -> "3 months")."""
    try:
        return str(alpha2digit(text, "en"))
    except ValueError:
        return text


def _figures(text: str) -> list[str]:
    return [m.group().replace(",", "") for m in _FIGURE.finditer(text)]


def _all_figures(text: str) -> set[str]:
    """Figures written in digits or in words."""
    return set(_figures(text)) | set(_figures(_digitize(text)))


def _required(number: object) -> list[tuple[str, str]]:
    """(as written, as compared) for each figure a gold number needs in a matching claim."""
    shown = str(number.get("text", "")) if isinstance(number, dict) else str(number)
    found = [(m.group(), m.group().replace(",", "")) for m in _FIGURE.finditer(shown)]
    if found:
        return found
    try:
        return [(shown, str(text2num(_fold(shown).strip(), "en")))]
    except ValueError:
        return [(shown, _fold(shown).strip())]  # not a simple number: needs the words


def _missing(numbers: list[object], claim: str) -> list[str]:
    have = _all_figures(claim)
    folded = _fold(claim)
    return [
        shown
        for number in numbers
        for shown, want in _required(number)
        if (want not in have if want[:1].isdigit() else want not in folded)
    ]


def _why_not(score: float, missing: list[str], holder: str | None) -> str:
    if score < MATCH_SCORE:
        return f"similar {score:.0f}, below {MATCH_SCORE:.0f}"
    if missing:
        return f"similar {score:.0f} but number {', '.join(missing)} missing"
    return f"similar {score:.0f} but already matched to {holder}"


def _align(
    gold: list[dict[str, Any]], claims: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], dict[int, int]]:
    """Rows (TP and FP in returned order, then FN) and the matched pairs, claim -> gold index."""
    ctext = [str(c.get("text") or "") for c in claims]
    gtext = [str(g.get("text") or "") for g in gold]
    sims = [[_similarity(t, g) for g in gtext] for t in ctext]
    miss = [[_missing(list(g.get("numbers") or []), t) for g in gold] for t in ctext]
    eligible = [
        (sims[i][j], _similarity(ctext[i], gtext[j], fuzz.ratio), i, j)
        for i in range(len(claims))
        for j in range(len(gold))
        if sims[i][j] >= MATCH_SCORE and not miss[i][j]
    ]
    # token_set_ratio scores any subset 100; plain ratio breaks those ties toward the closer text
    to_gold: dict[int, int] = {}
    for _, _, i, j in sorted(eligible, key=lambda p: (-p[0], -p[1], p[2], p[3])):
        if i not in to_gold and j not in to_gold.values():
            to_gold[i] = j
    to_claim = {j: i for i, j in to_gold.items()}

    def row(j: int | None, i: int | None, score: float, verdict: str, why: str) -> dict[str, Any]:
        g, c = gold[j] if j is not None else {}, claims[i] if i is not None else {}
        return {"gold_id": g.get("id"), "gold_text": g.get("text"), "claim_id": c.get("id"),
                "claim_text": c.get("text"), "score": round(score, 1), "verdict": verdict,
                "why": why}  # fmt: skip

    rows = []
    for i in range(len(claims)):
        if i in to_gold:
            j = to_gold[i]
            agree = ", numbers agree" if gold[j].get("numbers") else ""
            rows.append(row(j, i, sims[i][j], "TP", f"similar {sims[i][j]:.0f}/100{agree}"))
        elif not gold:
            rows.append(row(None, i, 0.0, "FP", "no gold claims"))
        else:
            j = max(range(len(gold)), key=lambda k: sims[i][k])
            holder = claims[to_claim[j]].get("id") if j in to_claim else None
            why = f"best gold {gold[j].get('id')} {_why_not(sims[i][j], miss[i][j], holder)}"
            rows.append(row(None, i, sims[i][j], "FP", why))
    for j in (j for j in range(len(gold)) if j not in to_claim):
        if not claims:
            rows.append(row(j, None, 0.0, "FN", "no claims returned"))
            continue
        i = max(range(len(claims)), key=lambda k: sims[k][j])
        holder = gold[to_gold[i]].get("id") if i in to_gold else None
        why = f"closest {claims[i].get('id')} {_why_not(sims[i][j], miss[i][j], holder)}"
        rows.append(row(j, None, sims[i][j], "FN", why))
    return rows, to_gold


def _acronym_of(short: str, long: str) -> bool:
    """Whether `short` is an acronym found in the initials of `long` (NIS: South Korea's NIS)."""
    letters = re.sub(r"[^A-Za-z]", "", re.sub(r"^the\s+", "", short.strip(), flags=re.I))
    if len(letters) < 2 or not letters.isupper() or " " in short.strip():
        return False
    return letters in "".join(w[0] for w in re.findall(_CAPWORD, long.translate(_FOLD)))


def _same_source(a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return _similarity(a, b) >= ATTRIBUTION_SCORE or _acronym_of(a, b) or _acronym_of(b, a)


def _attribution(
    pairs: dict[int, int], gold: list[dict[str, Any]], claims: list[dict[str, Any]]
) -> tuple[int, int]:
    """(agreeing, compared) over matched pairs where either side names a source."""
    sources = [
        (claims[i].get("attributed_to"), gold[j].get("attributed_to")) for i, j in pairs.items()
    ]
    named = [(a, b) for a, b in sources if a is not None or b is not None]
    return sum(_same_source(a, b) for a, b in named), len(named)


def _flagged(items: list[dict[str, Any]], test: Callable[[str], bool]) -> int:
    """How many items carry a reason passing `test`."""
    return sum(any(test(str(r)) for r in item.get("reasons") or []) for item in items)


def _grounded(item: dict[str, Any], article: str) -> bool:
    evidence = item.get("evidence") or []
    return (
        bool(item.get("supported"))
        and bool(evidence)
        and all(
            isinstance(e.get("start"), int)
            and isinstance(e.get("end"), int)
            and 0 <= e["start"] <= e["end"] <= len(article)
            and article[e["start"] : e["end"]] == e.get("quote")
            for e in evidence
        )
    )


def _new_figures(texts: list[str], article: str) -> list[str]:
    known = _all_figures(article)
    return list(dict.fromkeys(f for t in texts for f in _figures(t) if f not in known))


def _words(text: str) -> set[str]:
    """Case-folded words, possessives dropped and hyphenated words split (Jae-myung—there's)."""
    return set(re.findall(r"\w+", re.sub(r"'s\b", "", _fold(text))))


def _new_names(texts: list[str], article: str) -> list[str]:
    known = _words(article)
    found: dict[str, str] = {}
    for text in texts:
        folded = text.translate(_FOLD)
        for m in _NAME.finditer(folded):
            words = m.group().split()
            before = folded[: m.start()].rstrip(" \"'([")
            if (not before or before[-1] in ".!?:;|\n") and words[0].casefold() in _COMMON:
                words = words[1:]
            name = re.sub(r"'s\b", "", " ".join(words))
            if name and not _words(name) <= known:
                found.setdefault(name.casefold(), name)
    return list(found.values())


def _schema_valid(response: dict[str, Any]) -> float:
    try:
        SummaryResponse.model_validate(response)
    except ValidationError:
        return 0.0
    return 1.0
