"""Pydantic models of every request, response and model answer."""

from __future__ import annotations

import re
from enum import StrEnum
from functools import cache
from typing import Annotated, Self

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    create_model,
    field_validator,
    model_validator,
)

from service.attribution import no_outside_source

# --- the HTTP request -----------------------------------------------------------------------


class SummaryRequest(BaseModel):
    """An article to summarize.

    An empty or letterless `text` and an unknown `prompt_version` are refused by the pipeline
    (422, naming the released versions), not here, so every way in (JSON, text/plain, text/html,
    the CLI) gets the same answer. Markup in a JSON `text` is refused by the API's handler: a
    text/plain body is data even when it mentions tags.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)

    text: str = Field(
        description="The article as plain text (markup is refused; POST a page as text/html)."
    )
    title: str | None = Field(
        default=None,
        max_length=500,
        description="Optional headline; a blank one is the same as none.",
    )
    prompt_version: str | None = Field(
        default=None,
        max_length=20,
        description="Released prompt set to use, e.g. 'v1'; default the service's default set.",
    )
    max_summary_words: int | None = Field(
        default=None,
        ge=20,
        le=400,
        description="Summary length bound; default from the prompt.",
    )

    @field_validator("max_summary_words", mode="before")
    @classmethod
    def _no_booleans(cls, words: object) -> object:
        """true would pass as 1 (and then be 'below 20'): say what is really wrong."""
        if isinstance(words, bool):
            raise ValueError("should be a whole number of words (20–400), not true or false")
        return words

    @field_validator("title")
    @classmethod
    def _blank_title_is_none(cls, title: str | None) -> str | None:
        """A whitespace-only title would be rendered as a headline of nothing."""
        return title if title is None or title.strip() else None


# --- what the model is asked to produce (its JSON schema is sent to the endpoint) ----------


class ClaimKind(StrEnum):
    event = "event"
    statistic = "statistic"
    statement = "statement"
    plan = "plan"
    background = "background"


class _ClaimBase(BaseModel):
    """What every claim of the model's states: the fact, its kind and its source."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(
        min_length=3,
        max_length=400,
        description="One complete sentence with its own subject and verb, stating the fact "
        "itself (never 'The article says').",
    )
    kind: ClaimKind = Field(
        description="event, statistic, statement (someone said it), plan (intended or "
        "forecast), or background."
    )
    attributed_to: str | None = Field(
        max_length=120,
        description="The name of the person or organisation the article says gave this fact "
        "(e.g. 'Ingrid Posner'); null when the article states it in its own voice; never "
        "'article'.",
    )

    @field_validator("attributed_to")
    @classmethod
    def _named_source(cls, value: str | None) -> str | None:
        """Values such as "article", "the report", "N/A" or "" name no outside source: null."""
        return no_outside_source(value)


class ModelClaim(_ClaimBase):
    """One atomic claim as the model writes it."""

    quote: str = Field(
        min_length=3,
        max_length=600,
        description="The one sentence of the article that states this fact, copied exactly.",
    )


class ModelSummary(BaseModel):
    """Single-call answer for an article that fits in one chunk."""

    model_config = ConfigDict(extra="forbid")

    summary: str = Field(min_length=1, max_length=3000)
    claims: list[ModelClaim] = Field(max_length=20)


class ModelChunkNotes(BaseModel):
    """Map-step answer for one chunk of a long article."""

    model_config = ConfigDict(extra="forbid")

    notes: str = Field(min_length=1, max_length=2000)
    claims: list[ModelClaim] = Field(max_length=12)


class BareClaim(_ClaimBase):
    """One atomic claim with no copied quote (prompt sets with `claim_quotes = false`): the
    verifier finds the sentences that state it by what it says, as it does for a summary's."""


class BareSummary(BaseModel):
    """Single-call answer of a prompt set whose claims copy no quote."""

    model_config = ConfigDict(extra="forbid")

    summary: str = Field(min_length=1, max_length=3000)
    claims: list[BareClaim] = Field(max_length=20)


class BareChunkNotes(BaseModel):
    """Map-step answer of a prompt set whose claims copy no quote."""

    model_config = ConfigDict(extra="forbid")

    notes: str = Field(min_length=1, max_length=2000)
    claims: list[BareClaim] = Field(max_length=12)


class ModelReduced(BaseModel):
    """Reduce-step answer: one summary from the per-chunk notes."""

    model_config = ConfigDict(extra="forbid")

    summary: str = Field(min_length=1, max_length=3000)


# --- sentence-cited answers (prompt sets with `cite_sentences`): numbers, not quotes --------

MAX_CITES = 3


def _first_cites(value: object) -> object:
    """A longer list keeps its first MAX_CITES numbers: a citation is a hint, and more of them
    is not worth a repair call (the schema asks for at most MAX_CITES)."""
    return value[:MAX_CITES] if isinstance(value, list) else value


# Any integer validates: a number the article does not have is ignored where citations become
# evidence, never repaired. The schema still asks for 1 to MAX_CITES numbers from 1 up
# (llama.cpp's grammar enforces the count; OpenAI's strict mode the minimum as well).
Cite = Annotated[int, WithJsonSchema({"type": "integer", "minimum": 1})]
Cites = Annotated[
    list[Cite],
    BeforeValidator(_first_cites),
    Field(
        max_length=MAX_CITES,
        json_schema_extra={"minItems": 1},
        description="The numbers of the article sentences that state it, at most 3.",
    ),
]


# "[4]" or "[4, 5]" written into a statement's text, as models cite in prose
_INLINE_CITES = re.compile(r"\s*\[(\d{1,4}(?:\s*,\s*\d{1,4})*)\]")
_THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+")


def _inline_cites(text: str, cites: list[int]) -> tuple[str, list[int]]:
    """A text without the citation marks the model wrote into it, and its cites with theirs
    (a "[4]" left in the text would read as a figure 4 the article never states)."""
    numbers: list[int] = []

    def take(m: re.Match[str]) -> str:
        if _THOUSANDS.fullmatch(m.group(1)):  # "[12,000]" is a figure, not two citations
            return m.group(0)
        numbers.extend(int(n) for n in m.group(1).split(","))
        return ""

    bare = _INLINE_CITES.sub(take, text).strip()
    if not numbers or len(bare) < 3:
        return text, cites
    return bare, list(dict.fromkeys([*cites, *numbers]))[:MAX_CITES]


class CitedSentence(BaseModel):
    """One sentence of a summary or of a part's notes, with the sentences it rests on."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=3, max_length=400)
    cites: Cites

    @model_validator(mode="after")
    def _marks_in_text(self) -> Self:
        self.text, self.cites = _inline_cites(self.text, self.cites)
        return self


class CitedClaim(_ClaimBase):
    """One atomic claim citing the numbered sentences that state it (no copied quote)."""

    cites: Cites

    @model_validator(mode="after")
    def _marks_in_text(self) -> Self:
        self.text, self.cites = _inline_cites(self.text, self.cites)
        return self


class CitedSummary(BaseModel):
    """Single-call answer of a sentence-cited prompt set."""

    model_config = ConfigDict(extra="forbid")

    summary: list[CitedSentence] = Field(min_length=1, max_length=8)
    claims: list[CitedClaim] = Field(max_length=20)


@cache
def cited_summary(min_sentences: int = 1) -> type[CitedSummary]:
    """CitedSummary whose schema asks at least `min_sentences` summary sentences (a prompt
    parameter): a grammar holds the model to it, while an answer with fewer still validates (a
    short summary is no reason to fail a request)."""
    if min_sentences <= 1:
        return CitedSummary
    summary = (
        list[CitedSentence],
        Field(min_length=1, max_length=8, json_schema_extra={"minItems": min_sentences}),
    )
    model: type[CitedSummary] = create_model("CitedSummary", __base__=CitedSummary, summary=summary)
    return model


class CitedChunkNotes(BaseModel):
    """Map-step answer of a sentence-cited prompt set for one chunk of a long article."""

    model_config = ConfigDict(extra="forbid")

    notes: list[CitedSentence] = Field(min_length=1, max_length=4)
    claims: list[CitedClaim] = Field(max_length=12)


# --- the HTTP response ----------------------------------------------------------------------


class Evidence(BaseModel):
    quote: str = Field(description="Exact substring of the submitted text.")
    start: int = Field(description="Offset of the quote's first character in the submitted text.")
    end: int = Field(description="Offset one past the quote's last character; text[start:end].")
    match: str = Field(
        description="How it was found: the model's quote located (exact, normalized or fuzzy), "
        "the sentence the model cited (cited), or the verifier's own choice (sentence)."
    )
    score: float = Field(description="Match score, 100 for exact.")


class NumberMention(BaseModel):
    text: str = Field(description="The figure as written in the claim.")
    value: float | None = Field(description="Normalized numeric value, when it has one.")
    kind: str = Field(description="count, money, percent, date, year, fraction, ...")
    unit: str | None = Field(description="What the figure counts (noun or unit), normalized.")
    qualifier: str | None = Field(description="'more than', 'about', ... when stated.")


class SentenceOrigin(StrEnum):
    model = "model"
    extracted = "extracted"


class SummarySentence(BaseModel):
    text: str
    supported: bool
    evidence: list[Evidence]
    reasons: list[str] = Field(description="Why it is not supported; empty when it is.")
    origin: SentenceOrigin = Field(
        default=SentenceOrigin.model,
        description="'model' (the model wrote it) or 'extracted' (an article sentence, "
        "verbatim, added because the model's verified sentences said less than the lead).",
    )
    dropped: bool = Field(
        default=False, description="Left out of the summary's text: it failed verification."
    )


class LeadCheck(BaseModel):
    """The summary against the article's lead on the service's coverage proxy (service.extract):
    the share of the article's salient content units (content words, names, figures, weighted
    by the salience of the sentences holding them) a text holds."""

    kept_coverage: float = Field(description="Of the model's verified sentences.")
    lead_coverage: float = Field(description="Of the article's lead at lead_words words.")
    final_coverage: float = Field(description="Of the summary's text as returned.")
    lead_words: int = Field(
        description="The lead's length in words: the longer of the model's summary (within "
        "max_summary_words) and the summary returned."
    )
    completed: bool = Field(description="Whether extracted sentences were added.")
    note: str = Field(description="What was done, in a sentence or two.")


class SummaryOut(BaseModel):
    text: str = Field(
        description="The summary: the model's verified sentences, then any extracted ones."
    )
    sentences: list[SummarySentence]
    trimmed_sentences: int = Field(
        default=0,
        description="Sentences of the model's summary dropped from its end to keep it within "
        "max_summary_words (never cut inside a sentence).",
    )
    model_text: str = Field(
        default="", description="The model's summary as it wrote it, before any sentence went."
    )
    dropped_sentences: int = Field(
        default=0, description="The model's sentences left out of `text` for failing verification."
    )
    extracted_sentences: int = Field(
        default=0, description="Article sentences added to `text` (origin 'extracted')."
    )
    lead_check: LeadCheck | None = Field(
        default=None, description="How the summary compares with the article's lead."
    )


class Claim(BaseModel):
    id: str
    text: str = Field(description="One self-contained atomic statement.")
    kind: ClaimKind
    attributed_to: str | None = Field(description="Who asserts it, per the article; null if none.")
    numbers: list[NumberMention]
    entities: list[str]
    evidence: list[Evidence]
    supported: bool
    reasons: list[str] = Field(description="Why it is not supported; empty when it is.")
    chunks: list[int] = Field(description="Indexes of the chunks the claim came from.")


class PromptRef(BaseModel):
    name: str
    version: str
    sha256: str


class ChunkRange(BaseModel):
    index: int
    start: int
    end: int
    tokens: int


class Checks(BaseModel):
    """Which checks ran on an answer's statements."""

    rules: str = Field(default="ran", description="The deterministic checks: always 'ran'.")
    entailment: str = Field(
        default="off",
        description="The model's check of what the rules accepted: 'ran', 'off', "
        "'skipped: <why>' or 'failed: <error>' (then the rules' verdicts stand).",
    )


class SalienceSelection(BaseModel):
    sentences_sent: int = Field(description="Article sentences the one call read.")
    sentences_total: int = Field(description="Sentences of the article (boilerplate aside).")
    tokens: int = Field(description="Tokens of the text sent, as `encoding` counts them.")
    budget: int = Field(description="Tokens of article one call may take (one chunk's budget).")


class Provenance(BaseModel):
    model: str
    model_sha256: str | None = Field(
        default=None,
        description="sha256 of the embedded model's GGUF file (null for a remote one).",
    )
    backend: str = Field(description="'embedded' or 'remote'.")
    prompt_version: str
    prompts: list[PromptRef]
    encoding: str
    chunk_count: int
    chunks: list[ChunkRange]
    removed_boilerplate: list[ChunkRange] = Field(description="Spans dropped before prompting.")
    path: str = Field(
        description="'single' (one call), 'map_reduce' (a call per chunk, then one to reduce "
        "their notes), 'map_join' (a call per chunk; their notes fit the word limit and are "
        "the summary) or 'salience' (one call on the most salient sentences of an article "
        "longer than one chunk; see `selection`)."
    )
    selection: SalienceSelection | None = Field(
        default=None,
        description="On path 'salience': how many of the article's sentences the call read "
        "(`chunks` are still the article's chunks at this budget; claims come from chunk 0, the "
        "one call). Null on the other paths.",
    )
    checks: Checks = Field(
        default_factory=Checks,
        description="Which checks ran on the claims and summary sentences.",
    )


class Usage(BaseModel):
    model_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    repairs: int = Field(default=0, description="Answers sent back to the model to be fixed.")
    salvaged: int = Field(
        default=0, description="Answers cut off by max_tokens whose complete part was kept."
    )


class ClaimStats(BaseModel):
    returned: int
    supported: int
    unsupported: int
    duplicates_merged: int


class SummaryResponse(BaseModel):
    request_id: str
    cached: bool = Field(default=False, description="True when served from the response cache.")
    summary: SummaryOut
    claims: list[Claim]
    claim_stats: ClaimStats
    provenance: Provenance
    usage: Usage
    timings_ms: dict[str, float]
    article_text: str | None = Field(
        default=None,
        description="The text that evidence offsets index, when it is not the text sent "
        "(an HTML page reduced to text).",
    )


class PromptInfo(BaseModel):
    name: str
    version: str
    sha256: str
    description: str
    variables: list[str]


class ErrorBody(BaseModel):
    error: str = Field(description="Machine-readable error code.")
    message: str = Field(description="What went wrong and what to do about it.")
    request_id: str
    details: dict[str, object] = Field(default_factory=dict)
