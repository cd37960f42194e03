"""The summarization pipeline: chunk, prompt, call, ground. No HTTP here."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import tiktoken
from rapidfuzz import fuzz

from service import __version__, citations, entailment, extract, schemas, selection
from service.cache import Cache, cache_key
from service.chunking import Chunk, Layout, Span, chunk_text, sentences, split
from service.errors import ArticleTooLongError, DeadlineExceededError, EmptyArticleError
from service.figures import figures_of
from service.grounding import Found, Source, Verdict, check_statement, entities, fold_text
from service.llm import LLM, Usage
from service.normalize import compose, restore_offsets
from service.prompts import PromptLibrary, PromptTemplate
from service.settings import Settings

# Control characters other than tab and newline become spaces for the model: same length, so
# offsets into the submitted text stay valid.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
DEDUPE_SIMILARITY = 90.0
# a claim as the model wrote it (quoting or citing), and the index of its chunk
RawClaim = tuple[schemas.ModelClaim | schemas.CitedClaim | schemas.BareClaim, int]


def _figure_key(text: str) -> tuple[str, ...]:
    """The figures a text states, as written, in order."""
    return tuple(f.text for f in figures_of(text))


def has_words(text: str) -> bool:
    """True when `text` holds a letter or a digit in any script: something to summarize.

    Whitespace, punctuation, symbols and emoji, control characters, zero-width characters and
    byte-order marks alone are not an article (a model given them summarizes its own prompt).
    """
    return any(c.isalnum() for c in text)


@dataclass
class Pipeline:
    """Everything a summary needs, built once per process."""

    settings: Settings
    llm: LLM
    prompts: PromptLibrary
    encoding: tiktoken.Encoding
    backend: str  # "embedded" or "remote"
    cache: Cache | None = None
    # what determines the model's answers: "gguf:<sha256>" or "remote:<endpoint>:<name>"
    model_identity: str = ""
    _budgets: dict[str, int] = field(default_factory=dict, init=False, repr=False)

    def chunk_budget(self, prompt: PromptTemplate) -> int:
        """Tokens of article per chunk: context window minus the prompt and the answer.

        Remembered per prompt content: rendering and tokenizing the prompt on every request
        cost more than the rest of a cache hit.
        """
        if (budget := self._budgets.get(prompt.sha256)) is None:
            budget = self._budgets[prompt.sha256] = self._chunk_budget(prompt)
        return budget

    def _chunk_budget(self, prompt: PromptTemplate) -> int:
        overhead = sum(
            len(self.encoding.encode_ordinary(m["content"]))
            for m in prompt.render(**{v: "" for v in prompt.variables})
        )
        answer = int(prompt.parameters.get("max_tokens", self.settings.output_reserve_tokens))
        # A repair carries the invalid answer back with a note, then needs room for a new one.
        reserve = answer * (2 if self.settings.repair_attempts else 1) + 100
        # chat templates add a few tokens per message; tokenizers differ from tiktoken's count
        budget = int((self.settings.effective_context_window - overhead - reserve) * 0.85)
        if self.settings.max_chunk_tokens:
            budget = min(budget, self.settings.max_chunk_tokens)
        return max(budget, 64)

    def chunk(
        self, text: str, prompt_set: dict[str, PromptTemplate], layout: Layout | None = None
    ) -> tuple[list[Chunk], list[Span]]:
        """The article's chunks for a prompt set, and the boilerplate removed.

        A set that numbers sentences packs each sentence with its number's tokens, so a
        numbered chunk stays within the budget the prompt leaves.
        """
        layout = layout or split(text)
        per_sentence = (
            citations.label_tokens(self.encoding, len(layout.starts))
            if citations.cites_sentences(prompt_set["summarize"])
            or citations.cites_sentences(prompt_set["extract_claims"])
            else 0
        )
        return chunk_text(
            text,
            self.encoding,
            self.chunk_budget(prompt_set["summarize"]),
            self.settings.chunk_overlap_tokens,
            layout,
            per_sentence=per_sentence,
        )

    async def summarize(
        self, req: schemas.SummaryRequest, request_id: str
    ) -> schemas.SummaryResponse:
        """Summarize one article and prove each claim and summary sentence against it.

        Articles that fit in one chunk take one model call; longer ones are mapped chunk by chunk
        (concurrently, under a bound) and reduced into one summary, or, when long articles take
        the salience path (`Settings.long_articles_path`), summarized in one call on their most
        salient sentences that fit one chunk's budget. Every path is verified against the whole
        article.
        """
        timings: dict[str, float] = {}
        started = time.perf_counter()
        text = req.text
        if not has_words(text):
            raise EmptyArticleError(
                "the article has no letters or digits (it is empty, or only whitespace, punctuation, "
                "symbols, emoji or invisible characters); send the article's text"
            )
        # every token holds at least one byte of UTF-8 (at most four per character), so most
        # articles are provably short enough without tokenizing them
        most = len(text) if text.isascii() else 4 * len(text)
        limit = self.settings.max_article_tokens
        if most > limit and (article_tokens := len(self.encoding.encode_ordinary(text))) > limit:
            raise ArticleTooLongError(
                f"the article has {article_tokens} tokens; the limit is "
                f"{self.settings.max_article_tokens}: send it in parts of at most that size "
                "(or, running the service yourself, raise SUMMARIZER_MAX_ARTICLE_TOKENS)",
                details={"tokens": article_tokens, "limit": self.settings.max_article_tokens},
            )
        prompt_set = self.prompts.prompt_set(req.prompt_version)
        version = req.prompt_version or self.prompts.default
        # read the composed (NFC) form; offsets are mapped back to what was sent at the end
        composed = compose(text)
        sent, text = text, (composed.text if composed is not None else text)
        budget = self.chunk_budget(prompt_set["summarize"])
        key = None  # the request is hashed only when there is a cache to look in
        if self.cache is not None:
            key = cache_key(
                service=__version__,  # a new release may check or answer differently
                text=sent,
                title=req.title,
                max_summary_words=req.max_summary_words,
                prompts=sorted(p.sha256 for p in prompt_set.values()),
                model=self.llm.model,
                model_identity=self.model_identity,
                temperature=self.settings.temperature,
                seed=self.settings.seed,
                encoding=self.encoding.name,
                budget=budget,
                overlap=self.settings.chunk_overlap_tokens,
                entailment=self.settings.entailment_on,
                extract_completion=self.settings.extract_completion,
                long_articles=self.settings.long_articles_path,
            )
            load = schemas.SummaryResponse.model_validate_json
            if (cached := await self.cache.lookup(key, load)) is not None:
                return cached.model_copy(
                    update={
                        "request_id": request_id,
                        "cached": True,
                        "usage": schemas.Usage(),
                        "timings_ms": {"cache": _ms(started), "total": _ms(started)},
                    }
                )
        layout = split(text)  # shared by chunking and grounding
        chunks, removed = self.chunk(text, prompt_set, layout)
        if not chunks:
            raise EmptyArticleError("the text holds nothing but boilerplate lines")
        source = Source(text, layout)
        # a set that cites sentences reads the article numbered (numbers across all chunks)
        numbering = (
            citations.Numbering(source, chunks)
            if any(citations.cites_sentences(p) for p in prompt_set.values())
            else None
        )
        numbered = numbering if citations.cites_sentences(prompt_set["summarize"]) else None
        picked = None
        if len(chunks) > 1 and self.settings.long_articles_path == "salience":
            picked = self._select(source, req, budget, numbered)
        timings["chunking"] = _ms(started)

        usage = Usage()
        t = time.perf_counter()
        used: list[PromptTemplate]
        deadline = self.settings.request_deadline_s
        try:
            async with asyncio.timeout(deadline):
                if len(chunks) == 1 or picked is not None:
                    if picked is not None:
                        read = picked.text
                    elif numbered is not None:
                        read = numbered.render_chunk(chunks[0])
                    else:
                        read = chunks[0].text
                    summary_text, raw_claims = await self._single(
                        prompt_set["summarize"], read, req, usage, numbered
                    )
                    used = [prompt_set["summarize"]]
                    path = "single" if picked is None else "salience"
                else:
                    summary_text, raw_claims, reduced = await self._map_reduce(
                        prompt_set, chunks, req, usage, numbering
                    )
                    used = [prompt_set["extract_claims"]]
                    path = "map_join"
                    if reduced:
                        used.append(prompt_set["reduce"])
                        path = "map_reduce"
        except TimeoutError as e:
            raise DeadlineExceededError(
                f"the summary was not ready within the {deadline:g} s request deadline"
            ) from e
        timings["model"] = _ms(t)

        t = time.perf_counter()
        claims, merged = self._ground_claims(source, raw_claims, numbering)
        one_call = path in ("single", "salience")
        limit = req.max_summary_words or int(
            (prompt_set["summarize"] if one_call else prompt_set["reduce"]).parameters.get(
                "max_summary_words", 80 if one_call else 120
            )
        )
        joined, hints = citations.summary_text(summary_text, numbering)
        model_text = joined
        joined, trimmed = within_words(joined, limit)
        summary = self.ground_summary(source, joined, hints)
        summary.trimmed_sentences = trimmed
        summary.model_text = model_text
        timings["grounding"] = _ms(t)
        checks = schemas.Checks()
        if self.settings.entailment_on:
            t = time.perf_counter()
            judge = prompt_set.get("entail")
            if judge is None:
                checks.entailment = f"skipped: prompt set {version} has no entail prompt"
            elif path == "salience":
                # the judge reads what the model read: a selection, not the article
                checks.entailment = "skipped: the model read a salience selection"
            elif path != "single":
                checks.entailment = "skipped: the article took several calls"
            else:
                left = deadline - (time.perf_counter() - started)
                checks.entailment = await self._entail(
                    judge, chunks[0].text, req, claims, summary, usage, left
                )
                if checks.entailment == "ran":
                    used.append(judge)
            timings["entailment"] = _ms(t)
        t = time.perf_counter()
        summary = extract.complete(
            source,
            summary,
            max_words=limit,
            title=req.title,
            enabled=self.settings.extract_completion,
            ranked=None if picked is None else picked.ranked,
        )
        timings["extract"] = _ms(t)
        timings["total"] = _ms(started)
        supported = sum(c.supported for c in claims)
        response = schemas.SummaryResponse(
            request_id=request_id,
            summary=summary,
            claims=claims,
            claim_stats=schemas.ClaimStats(
                returned=len(claims),
                supported=supported,
                unsupported=len(claims) - supported,
                duplicates_merged=merged,
            ),
            provenance=schemas.Provenance(
                model=self.llm.model,
                model_sha256=self.model_identity.removeprefix("gguf:")
                if self.model_identity.startswith("gguf:")
                else None,
                backend=self.backend,
                prompt_version=version,
                prompts=[
                    schemas.PromptRef(name=p.name, version=p.version, sha256=p.sha256) for p in used
                ],
                encoding=self.encoding.name,
                chunk_count=len(chunks),
                chunks=[
                    schemas.ChunkRange(index=c.index, start=c.start, end=c.end, tokens=c.tokens)
                    for c in chunks
                ],
                removed_boilerplate=[
                    schemas.ChunkRange(index=i, start=s.start, end=s.end, tokens=0)
                    for i, s in enumerate(removed)
                ],
                path=path,
                selection=None
                if picked is None
                else schemas.SalienceSelection(
                    sentences_sent=len(picked.indices),
                    sentences_total=picked.total,
                    tokens=picked.tokens,
                    budget=budget,
                ),
                checks=checks,
            ),
            usage=schemas.Usage(
                model_calls=usage.model_calls,
                prompt_tokens=usage.prompt_tokens,
                completion_tokens=usage.completion_tokens,
                repairs=usage.repairs,
                salvaged=usage.salvaged,
            ),
            timings_ms=timings,
        )
        if composed is not None:
            response = restore_offsets(response, composed)
        if self.cache is not None and key is not None:
            await self.cache.store_answer(key, response.model_dump_json())
        return response

    def _select(
        self,
        source: Source,
        req: schemas.SummaryRequest,
        budget: int,
        numbered: citations.Numbering | None,
    ) -> selection.Selection | None:
        """The most salient sentences of a long article that one call can read (numbered when
        the summarize prompt cites sentences; the call answers as chunk 0)."""
        if numbered is None:
            return selection.select(source, self.encoding, budget, req.title)
        per_sentence = citations.label_tokens(self.encoding, len(source.sentences))
        picked = selection.select(
            source, self.encoding, budget, req.title, numbered.render_sentences, per_sentence
        )
        if picked is not None:
            numbered.show(0, picked.indices)
        return picked

    async def _single(
        self,
        prompt: PromptTemplate,
        text: str,
        req: schemas.SummaryRequest,
        usage: Usage,
        numbered: citations.Numbering | None = None,
    ) -> tuple[citations.ModelSummary, list[RawClaim]]:
        """One summarize call on `text`: the one chunk, or a salience selection. `numbered` is
        the article's numbering when `text` is numbered; the call answers as chunk 0."""
        max_tokens = int(prompt.parameters.get("max_tokens", 700))
        if numbered is not None:
            # a grammar-held floor: asked for "3 or 4 sentences", the 1.5B model wrote one (the
            # headline) on v7; never more than the call has sentences to cite
            floor = min(
                int(prompt.parameters.get("min_summary_sentences", 1)), max(1, numbered.shown(0))
            )
            cited, used = await self.llm.structured(
                single_messages(prompt, text, req),
                schemas.cited_summary(floor),
                max_tokens=max_tokens,
                prompt_name=prompt.name,
                sampling=sampling_of(prompt),
            )
            usage.add(used)
            return [(s, 0) for s in cited.summary], [(c, 0) for c in cited.claims]
        output: type[schemas.ModelSummary | schemas.BareSummary] = (
            schemas.ModelSummary if citations.quotes_claims(prompt) else schemas.BareSummary
        )
        answer, used = await self.llm.structured(
            single_messages(prompt, text, req),
            output,
            max_tokens=max_tokens,
            prompt_name=prompt.name,
            sampling=sampling_of(prompt),
        )
        usage.add(used)
        return answer.summary, [(c, 0) for c in answer.claims]

    async def _map_reduce(
        self,
        prompt_set: dict[str, PromptTemplate],
        chunks: list[Chunk],
        req: schemas.SummaryRequest,
        usage: Usage,
        numbering: citations.Numbering | None = None,
    ) -> tuple[citations.ModelSummary, list[RawClaim], bool]:
        """Notes and claims chunk by chunk, then one summary; True when a reduce call made it.

        A reduce prompt with `skip_when_notes_fit` has the notes themselves, joined, as the summary
        when together they are within the word limit: the reduce call would only restate them.
        """
        mapper, reducer = prompt_set["extract_claims"], prompt_set["reduce"]
        gate = asyncio.Semaphore(max(1, self.settings.map_concurrency))
        title = _clean_title(req)
        cited = numbering is not None and citations.cites_sentences(mapper)
        output: type[schemas.ModelChunkNotes | schemas.CitedChunkNotes | schemas.BareChunkNotes]
        if cited:
            output = schemas.CitedChunkNotes
        else:
            quoted = citations.quotes_claims(mapper)
            output = schemas.ModelChunkNotes if quoted else schemas.BareChunkNotes

        async def one(
            chunk: Chunk,
        ) -> tuple[
            schemas.ModelChunkNotes | schemas.CitedChunkNotes | schemas.BareChunkNotes, Usage
        ]:
            text = numbering.render_chunk(chunk) if cited and numbering else chunk.text
            async with gate:
                return await self.llm.structured(
                    mapper.render_article(
                        _CONTROL.sub(" ", text),
                        title,
                        max_claims=str(mapper.parameters.get("max_claims", 6)),
                    ),
                    output,
                    max_tokens=int(mapper.parameters.get("max_tokens", 600)),
                    prompt_name=mapper.name,
                    sampling=sampling_of(mapper),
                )

        results = await asyncio.gather(*(one(c) for c in chunks))
        claims: list[RawClaim] = []
        notes = []
        cited_notes: list[tuple[schemas.CitedSentence, int]] = []
        for chunk, (answer, used) in zip(chunks, results, strict=True):
            usage.add(used)
            if isinstance(answer, schemas.CitedChunkNotes):
                notes.append(citations.notes_text(answer.notes))
                cited_notes.extend((n, chunk.index) for n in answer.notes)
            else:
                notes.append(answer.notes.strip())
            claims.extend((c, chunk.index) for c in answer.claims)
        max_words = req.max_summary_words or int(reducer.parameters.get("max_summary_words", 120))
        if reducer.parameters.get("skip_when_notes_fit") and (
            sum(len(n.split()) for n in notes) <= max_words
        ):
            # the notes are the summary: cited notes keep their citations
            return cited_notes if cited else " ".join(notes), claims, False
        parts = "\n".join(f"Part {i + 1}: {n}" for i, n in enumerate(notes))
        reduced, used = await self.llm.structured(
            reducer.render_article(parts, title, max_words=str(max_words)),
            schemas.ModelReduced,
            max_tokens=int(reducer.parameters.get("max_tokens", 500)),
            prompt_name=reducer.name,
            sampling=sampling_of(reducer),
        )
        usage.add(used)
        return reduced.summary, claims, True

    async def _entail(
        self,
        prompt: PromptTemplate,
        text: str,
        req: schemas.SummaryRequest,
        claims: list[schemas.Claim],
        summary: schemas.SummaryOut,
        usage: Usage,
        seconds: float,
    ) -> str:
        """The model's check of every statement the rules accepted; a "no" refuses it. Returns
        what `provenance.checks.entailment` says."""
        accepted: list[schemas.Claim | schemas.SummarySentence] = [
            *(c for c in claims if c.supported),
            *(s for s in summary.sentences if s.supported),
        ]
        accepted = accepted[: entailment.MAX_STATEMENTS]
        if not accepted:
            return "skipped: no statement to check"
        items = [entailment.Item(a.text, tuple(e.quote for e in a.evidence)) for a in accepted]
        try:
            async with asyncio.timeout(max(seconds, 1.0)):
                verdicts, used, outcome = await entailment.judge_or_none(
                    self.llm, prompt, _CONTROL.sub(" ", text), _clean_title(req), items
                )
        except TimeoutError:
            return "failed: the request deadline came first"
        usage.add(used)
        for statement, stated in zip(accepted, verdicts or [], strict=False):
            if not stated:
                statement.supported = False
                statement.reasons.append(entailment.REASON)
        return outcome

    def _ground_claims(
        self, source: Source, raw: list[RawClaim], numbering: citations.Numbering | None = None
    ) -> tuple[list[schemas.Claim], int]:
        out: list[schemas.Claim] = []
        keys: list[tuple[str, tuple[str, ...]]] = []
        merged = 0
        for claim, chunk_index in raw:
            # near-identical texts with the same figures are one claim; "cost 40 million" and
            # "cost 60 million" are two (merged, the second would vanish whichever is true)
            key = (fold_text(claim.text), _figure_key(claim.text))
            dup = next(
                (
                    i
                    for i, (k, f) in enumerate(keys)
                    if f == key[1] and fuzz.ratio(k, key[0]) >= DEDUPE_SIMILARITY
                ),
                None,
            )
            if dup is not None:
                merged += 1
                if chunk_index not in out[dup].chunks:
                    out[dup].chunks.append(chunk_index)
                continue
            # a candidate (the quote found, or the cited sentences): the best-covering ones win
            evidence = citations.claim_candidates(source, claim, chunk_index, numbering)
            names = entities(claim.text)
            verdict = check_statement(
                source, claim.text, evidence, claim.attributed_to, names=names
            )
            keys.append(key)
            out.append(
                schemas.Claim(
                    id=f"c{len(out) + 1}",
                    text=claim.text,
                    kind=claim.kind,
                    attributed_to=claim.attributed_to,
                    numbers=[
                        schemas.NumberMention(
                            text=f.text,
                            value=f.value,
                            kind=f.kind,
                            unit=f.unit,
                            qualifier=f.qualifier,
                        )
                        for f in figures_of(claim.text)
                    ],
                    entities=names,
                    evidence=_evidence(source, verdict),
                    supported=verdict.supported,
                    reasons=verdict.reasons,
                    chunks=[chunk_index],
                )
            )
        return out, merged

    def ground_summary(
        self, source: Source, summary: str, hints: Sequence[citations.Hint] = ()
    ) -> schemas.SummaryOut:
        """Check each sentence of a summary against the article (also used on other tools' text).

        `hints` are the sentences the model cited for parts of the summary (offsets into
        `summary`): candidate evidence for the sentences they overlap, never proof.
        """
        out = []
        lead = len(summary) - len(summary.lstrip())
        summary = summary.strip()
        for span in sentences(summary, Span(0, len(summary))):
            sentence = summary[span.start : span.end]
            cited = citations.hinted(hints, lead + span.start, lead + span.end)
            verdict = check_statement(source, sentence, cited, check_attribution=False)
            out.append(
                schemas.SummarySentence(
                    text=sentence,
                    supported=verdict.supported,
                    evidence=_evidence(source, verdict),
                    reasons=verdict.reasons,
                )
            )
        return schemas.SummaryOut(text=summary, sentences=out)


def _evidence(source: Source, verdict: Verdict) -> list[schemas.Evidence]:
    return [_as_evidence(source, f) for f in verdict.evidence]


def _as_evidence(source: Source, found: Found) -> schemas.Evidence:
    return schemas.Evidence(
        quote=source.text[found.start : found.end],
        start=found.start,
        end=found.end,
        match=found.match,
        score=found.score,
    )


def single_messages(
    prompt: PromptTemplate, text: str, req: schemas.SummaryRequest
) -> list[dict[str, str]]:
    """The messages of the one summarize call for a chunk's `text`."""
    max_words = req.max_summary_words or int(prompt.parameters.get("max_summary_words", 80))
    return prompt.render_article(
        _CONTROL.sub(" ", text),
        _clean_title(req),
        max_words=str(max_words),
        max_claims=str(prompt.parameters.get("max_claims", 8)),
    )


def within_words(summary: str, limit: int) -> tuple[str, int]:
    """The summary's leading whole sentences that fit in `limit` words (the first one always),
    and how many sentences were dropped: a model that overruns the bound (the 1.5B model once
    copied the whole article as its "summary") is trimmed at a sentence boundary."""
    summary = summary.strip()
    spans = sentences(summary, Span(0, len(summary)))
    words = 0
    for i, span in enumerate(spans):
        words += len(summary[span.start : span.end].split())
        if words > limit and i > 0:
            return summary[: spans[i - 1].end], len(spans) - i
    return summary, 0


SAMPLING_PARAMETERS = ("repeat_penalty",)


def sampling_of(prompt: PromptTemplate) -> dict[str, float]:
    """The llama.cpp sampling options a prompt file sets (`repeat_penalty = 1.0`: copying the
    article's words is the task, and the server's default 1.1 penalizes every repeated token)."""
    return {k: float(prompt.parameters[k]) for k in SAMPLING_PARAMETERS if k in prompt.parameters}


def _clean_title(req: schemas.SummaryRequest) -> str | None:
    return _CONTROL.sub(" ", req.title) if req.title else None


def _ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000, 2)
