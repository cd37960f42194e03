"""Never emptier than an extract: a summary keeps only what it proves, and never says less than
the article's own lead.

After the model's summary is verified sentence by sentence, a sentence that failed is left out
of the summary's text (it stays in `sentences`, `dropped` and with its reasons). Then what is
left is measured against the article's lead on a runtime proxy for coverage, and when it covers
less, it is completed with the article's own sentences, chosen by salience.

The proxy (`coverage`): the article's content units are the stems of its content words and the
values of its figures (`salience.units_of`), each weighted by the salience of the candidate
sentences holding it, summed, and more for figures and names (`salience.unit_weights`). A text
covers the share of that total weight whose units it holds (a word counts through its stem or
a synonym the verifier accepts). The lead is the article's first story sentences, those that
may be evidence (no boilerplate, heading, title line or text addressed to an AI), taken whole up
to a word count and the last one cut there, as the eval's lead baseline reads it. Its word count
is the longer of the model's summary (after the word limit) and the completed summary, so a
summary is never measured against a lead shorter than itself, and dropping sentences does not
shrink the bar.

Completion adds, one at a time, the candidate sentence (`salience.candidates`) that adds the
most unit weight the summary does not hold yet, when that is at least `MIN_NEW_SHARE` of its own
weight (no restating what is kept), it fits in the words left under `max_summary_words`, and
`check_statement` supports it, verbatim, with its own sentence as evidence. It stops once the
summary covers at least what the lead of its length covers, or nothing fits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rapidfuzz import fuzz, utils

from service import salience, schemas, wording
from service.grounding import Found, Source, check_statement, fold_text

# Share of a sentence's unit weight that must be new to the summary for it to be added.
MIN_NEW_SHARE = 0.4
# An article sentence this similar (token_set_ratio, folded) to a kept one restates it.
DUPLICATE_SIMILARITY = 85.0


@dataclass(frozen=True)
class Proxy:
    """The article's content units, weighted, for measuring how much of it a text holds."""

    weights: dict[str, float]
    total: float

    @classmethod
    def of(cls, source: Source, ranked: list[salience.Salience]) -> Proxy:
        weights = salience.unit_weights(source, ranked)
        return cls(weights, math.fsum(weights.values()))

    def units(self, text: str) -> frozenset[str]:
        """The article units a text holds: its own, or through a synonym."""
        own = salience.units_of(text)
        widened = own.union(*(wording.synonyms(u) for u in own if u[0] != "#"))
        return frozenset(u for u in widened if u in self.weights)

    def coverage(self, units: frozenset[str]) -> float:
        """Share of the article's unit weight the units hold (0 for an article with none)."""
        if not self.total:
            return 0.0
        # fsum: the same total whatever order the set gives (it changes with the hash seed)
        return math.fsum(self.weights[u] for u in units) / self.total


def lead_text(source: Source, words: int) -> str:
    """The article's first story sentences, up to `words` words, the last one cut there."""
    taken: list[str] = []
    for i, ok in enumerate(source.eligible):
        if len(taken) >= words:
            break
        if ok and not (i == 0 and source.is_title):
            taken += source.sentence_text(i).split()[: words - len(taken)]
    return " ".join(taken)


def complete(
    source: Source,
    summary: schemas.SummaryOut,
    *,
    max_words: int,
    title: str | None = None,
    enabled: bool = True,
    ranked: list[salience.Salience] | None = None,
) -> schemas.SummaryOut:
    """`summary` with its unsupported sentences left out of its text and, when what is left
    covers less than the article's lead (and `enabled`), completed with verified article
    sentences within `max_words`; `lead_check` says what was done. `ranked`: the article's
    `salience.rank` when the caller has it already (a salience selection ranked it)."""
    kept = [s for s in summary.sentences if s.supported]
    dropped = len(summary.sentences) - len(kept)
    model_words = len(summary.text.split())
    words = sum(len(s.text.split()) for s in kept)
    if ranked is None:
        ranked = salience.rank(source, title)
    proxy = Proxy.of(source, ranked)
    have = frozenset().union(*(proxy.units(s.text) for s in kept))
    kept_coverage = proxy.coverage(have)

    def lead_coverage(length: int) -> float:
        return proxy.coverage(proxy.units(lead_text(source, length)))

    lead = lead_coverage(max(model_words, words))
    added: list[tuple[int, schemas.SummarySentence]] = []
    refused: set[int] = set()
    while enabled and proxy.coverage(have) < lead:
        pick = _best_addition(source, proxy, ranked, have, max_words - words, kept, added, refused)
        if pick is None:
            break
        index, sentence = pick
        added.append((index, sentence))
        have |= proxy.units(sentence.text)
        words += len(sentence.text.split())
        lead = lead_coverage(max(model_words, words))
    added.sort(key=lambda pair: pair[0])
    extracted = [s for _, s in added]
    final = proxy.coverage(have)
    sentences = _in_reading_order(
        [s.model_copy(update={"dropped": not s.supported}) for s in summary.sentences],
        [(source.sentences[i].start, s) for i, s in added],
    )
    whole = not dropped and not extracted  # then the text stays as the model spaced it
    text = summary.text if whole else " ".join(s.text for s in sentences if not s.dropped)
    check = schemas.LeadCheck(
        kept_coverage=round(kept_coverage, 4),
        lead_coverage=round(lead, 4),
        final_coverage=round(final, 4),
        lead_words=max(model_words, words),
        completed=bool(extracted),
        note=_note(dropped, len(extracted), kept_coverage, lead, final, enabled),
    )
    return summary.model_copy(
        update={
            "text": text,
            "sentences": sentences,
            "dropped_sentences": dropped,
            "extracted_sentences": len(extracted),
            "lead_check": check,
        }
    )


def _in_reading_order(
    model: list[schemas.SummarySentence], extracted: list[tuple[int, schemas.SummarySentence]]
) -> list[schemas.SummarySentence]:
    """The model's sentences in their order, each extracted one (at its offset, in article
    order) placed before the first kept sentence whose evidence starts later in the article:
    what the lead says comes first, as in the article."""
    out = list(model)
    for start, sentence in extracted:
        at = next(
            (
                j
                for j, s in enumerate(out)
                if s.origin == schemas.SentenceOrigin.model
                and not s.dropped
                and min(x.start for x in s.evidence) > start
            ),
            len(out),
        )
        out.insert(at, sentence)
    return out


def _best_addition(
    source: Source,
    proxy: Proxy,
    ranked: list[salience.Salience],
    have: frozenset[str],
    room: int,
    kept: list[schemas.SummarySentence],
    added: list[tuple[int, schemas.SummarySentence]],
    refused: set[int],
) -> tuple[int, schemas.SummarySentence] | None:
    """The verified candidate adding the most new unit weight that fits in `room` words."""
    taken = {i for i, _ in added}
    shown = [fold_text(s.text) for s in [*kept, *(s for _, s in added)]]
    options: list[tuple[float, int]] = []
    for order, s in enumerate(ranked):
        text = source.sentence_text(s.index)
        if s.index in taken or s.index in refused or s.standalone < 1.0:
            continue
        if (words := len(text.split())) > room:
            continue
        units = proxy.units(text)
        gain = proxy.coverage(units - have)
        if gain <= 0 or gain < MIN_NEW_SHARE * proxy.coverage(units):
            continue
        options.append((-value(gain, words, s), order))
    for _, order in sorted(options):
        index = ranked[order].index
        text = source.sentence_text(index)
        folded = fold_text(text)
        if any(_similar(folded, k) for k in shown):
            refused.add(index)
            continue
        if (sentence := verified(source, index)) is None:
            refused.add(index)
            continue
        return index, sentence
    return None


def value(gain: float, words: int, s: salience.Salience) -> float:
    """How much adding a sentence is worth: the unit weight it adds, more for a salient one
    (its score is in [0, 1]: a sentence at the top counts up to three times one at the bottom)."""
    del words
    return gain * (0.5 + s.score)


def _similar(a: str, b: str) -> bool:
    """Whether one text restates the other (every word of the shorter one in the longer)."""
    score = fuzz.token_set_ratio(a, b, processor=utils.default_process)
    return score >= DUPLICATE_SIMILARITY


def verified(source: Source, index: int) -> schemas.SummarySentence | None:
    """Article sentence `index` as an extracted summary sentence, if the verifier supports it
    (checked like any summary sentence, its own span offered as the evidence)."""
    span = source.sentences[index]
    text = source.sentence_text(index)
    own = Found(span.start, span.end, "exact", 100.0)
    verdict = check_statement(source, text, [own], check_attribution=False)
    if not verdict.supported or not any(f.start == span.start for f in verdict.evidence):
        return None
    return schemas.SummarySentence(
        text=text,
        supported=True,
        evidence=[
            schemas.Evidence(
                quote=source.text[f.start : f.end],
                start=f.start,
                end=f.end,
                match=f.match,
                score=f.score,
            )
            for f in verdict.evidence
        ],
        reasons=[],
        origin=schemas.SentenceOrigin.extracted,
    )


def _note(
    dropped: int, extracted: int, kept: float, lead: float, final: float, enabled: bool
) -> str:
    """What was done, for the response: dropped, measured, added."""
    parts = []
    if dropped:
        parts.append(
            f"{_count(dropped, 'sentence')} of the model's summary failed verification and "
            f"{'was' if dropped == 1 else 'were'} left out of the text."
        )
    measured = f"the verified sentences covered {kept:.2f} of the article's salient content"
    if extracted:
        parts.append(
            f"{_count(extracted, 'article sentence')} added verbatim (origin 'extracted'): "
            f"{measured}, the lead {lead:.2f}; with them the summary covers {final:.2f}."
        )
    elif not enabled:
        parts.append(f"Completion is turned off: {measured}, the lead {lead:.2f}.")
    elif kept < lead:
        parts.append(
            f"No verified article sentence could be added within the word limit: {measured}, "
            f"the lead {lead:.2f}."
        )
    else:
        parts.append(f"Nothing added: {measured}, the lead of the same length {lead:.2f}.")
    return " ".join(parts)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
