"""Grounding throughput: claims proven per second against a 20,000-word article.

The article is built from the eval fixtures' paragraphs (several stories), repeated in shuffled
order with their figures changed so no two copies are identical. The ~200 claims mix four kinds,
each taking a different path through `Source.locate`:

- exact: a sentence's words as they stand (found by `str.find`);
- normalized: straight quotes and changed case (found on the folded copy of the text);
- fuzzy: a word dropped and a typo, like a model misquoting (found by rapidfuzz alignment);
- absent: invented sentences (every search fails, then the best-sentence fallback runs).

Each claim goes through what the pipeline does per claim: locate the quote, fall back to the most
similar sentence, then `check_statement`. Exact claims are the baseline of the others.
"""

from __future__ import annotations

import functools
import random
import re
import time
from collections import Counter
from dataclasses import dataclass

from benchmarks.common import FIXTURES, Row, log, row, run_module
from service.grounding import Source, check_statement, fold_text

NAME = "grounding"
WORDS = 20_000
PER_KIND = {"exact": 60, "normalized": 40, "fuzzy": 50, "absent": 50}
_STRAIGHTEN = str.maketrans({"“": '"', "”": '"', "’": "'", "‘": "'"})


@dataclass(frozen=True)
class Claim:
    kind: str
    text: str
    quote: str


def _shift(m: re.Match[str], by: int) -> str:
    return str(int(m.group(0)) + by)


def article(words: int = WORDS, seed: int = 7) -> str:
    """Fixture paragraphs, shuffled copies with shifted figures, until `words` words."""
    paragraphs = [
        p.strip()
        for path in sorted(FIXTURES.glob("*/article.txt"))
        for p in path.read_text(encoding="utf-8").split("\n")
        if len(p.split()) >= 8
    ]
    rng = random.Random(seed)
    out: list[str] = []
    count = 0
    copy = 0
    while count < words:
        order = paragraphs[:]
        if copy:
            rng.shuffle(order)
        for p in order:
            if copy:  # every figure moves, so each copy reads as a different story
                p = re.sub(r"\d+", functools.partial(_shift, by=7 * copy), p)
            out.append(p)
            count += len(p.split())
            if count >= words:
                break
        copy += 1
    return "\n".join(out)


def claims(source: Source, seed: int = 7) -> list[Claim]:
    """Claims of every kind, drawn from the article's own sentences (or invented)."""
    rng = random.Random(seed)
    spans = [s for s in source.sentences if len(source.text[s.start : s.end].split()) >= 10]
    out: list[Claim] = []

    def quote() -> list[str]:
        s = rng.choice(spans)
        words = source.text[s.start : s.end].split()
        start = rng.randrange(0, max(1, len(words) - 14))
        return words[start : start + rng.randint(10, 18)]

    for _ in range(PER_KIND["exact"]):
        q = " ".join(quote())
        out.append(Claim("exact", q, q))
    for _ in range(PER_KIND["normalized"]):
        q = " ".join(quote())
        altered = q.translate(_STRAIGHTEN).upper() if rng.random() < 0.3 else q.lower()
        out.append(Claim("normalized", q, altered.replace(" ", "  ", 1)))
    for _ in range(PER_KIND["fuzzy"]):
        words = quote()
        del words[len(words) // 2]  # a dropped word
        w = rng.randrange(len(words))
        if len(words[w]) > 3:  # and a typo: two letters swapped
            words[w] = words[w][0] + words[w][2] + words[w][1] + words[w][3:]
        q = " ".join(words)
        out.append(Claim("fuzzy", q, q))
    subjects = ["The Orbital Fisheries Board", "A panel of glaciologists", "Mayor Quentin Ashgrove",
                "The Velmont Rail Consortium", "Researchers at Pellham Institute"]  # fmt: skip
    verbs = ["approved", "rejected", "postponed", "audited", "quietly expanded"]
    objects = ["a lunar ferry network", "the tidal power levy", "nine heron sanctuaries",
               "a ban on brass kazoos", "the cheese export quota"]  # fmt: skip
    for i in range(PER_KIND["absent"]):
        text = (
            f"{rng.choice(subjects)} {rng.choice(verbs)} {rng.choice(objects)} worth "
            f"{rng.randint(2, 900)} million zorbs in {rng.choice(['Ostrava', 'Quillon', 'Marrow'])} "
            f"during week {i + 1} of the trial."
        )
        out.append(Claim("absent", text, text))
    return out


def ground(source: Source, claim: Claim) -> str:
    """What the pipeline does for one claim; returns how its evidence was found."""
    found = source.locate(claim.quote)
    evidence = [found] if found else source.best_sentences(claim.text, limit=1)
    check_statement(source, claim.text, evidence, None)
    return found.match if found else ("sentence" if evidence else "none")


def main() -> list[Row]:
    """Claims per second by kind and overall, and the cost of preparing the Source."""
    text = article()
    words = len(text.split())
    t = time.perf_counter()
    fold_text(text)
    fold_ms = (time.perf_counter() - t) * 1000
    t = time.perf_counter()
    source = Source(text)
    # what look-ups build on first use: the folded text, its map back, each sentence folded
    source.folded, source.unfold, source.sentence_folds  # noqa: B018
    build_ms = (time.perf_counter() - t) * 1000
    todo = claims(source)
    log(f"[{NAME}] {words} words, {len(source.sentences)} sentences, {len(todo)} claims")
    seconds: dict[str, float] = dict.fromkeys(PER_KIND, 0.0)
    counts: Counter[str] = Counter()
    paths: dict[str, Counter[str]] = {k: Counter() for k in PER_KIND}
    for claim in todo:
        t = time.perf_counter()
        how = ground(source, claim)
        seconds[claim.kind] += time.perf_counter() - t
        counts[claim.kind] += 1
        paths[claim.kind][how] += 1
    rate = {k: counts[k] / seconds[k] for k in PER_KIND}
    overall = len(todo) / sum(seconds.values())
    rows = [
        row(
            NAME,
            f"Source(text) and its look-up tables, {words} words (ms) vs fold_text(text)",
            build_ms,
            fold_ms,
        ),
    ]
    for kind in PER_KIND:
        found = ", ".join(f"{how} {n}" for how, n in paths[kind].most_common())
        rows.append(
            row(
                NAME,
                f"{kind} claims/s (n={counts[kind]}; found: {found})",
                rate[kind],
                rate["exact"],
            )
        )
    rows.append(row(NAME, f"all {len(todo)} claims/s (mixed)", overall, rate["exact"]))
    total_s = sum(seconds.values()) + build_ms / 1000
    rows.append(row(NAME, "all claims/s incl. Source build", len(todo) / total_s, rate["exact"]))
    return rows


if __name__ == "__main__":
    run_module(main)
