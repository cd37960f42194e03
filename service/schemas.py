"""Pydantic models of every request, response and model answer."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

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
        description="Released prompt set to use, e.g. 'v1'; default the newest.",
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


class ModelClaim(BaseModel):
    """One atomic claim as the model writes it."""

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
    quote: str = Field(
        min_length=3,
        max_length=600,
        description="The one sentence of the article that states this fact, copied exactly.",
    )

    @field_validator("attributed_to")
    @classmethod
    def _named_source(cls, value: str | None) -> str | None:
        """Values such as "article", "the report", "N/A" or "" name no outside source: null."""
        return no_outside_source(value)


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


class ModelReduced(BaseModel):
    """Reduce-step answer: one summary from the per-chunk notes."""

    model_config = ConfigDict(extra="forbid")

    summary: str = Field(min_length=1, max_length=3000)


# --- the HTTP response ----------------------------------------------------------------------


class Evidence(BaseModel):
    quote: str = Field(description="Exact substring of the submitted text.")
    start: int = Field(description="Offset of the quote's first character in the submitted text.")
    end: int = Field(description="Offset one past the quote's last character; text[start:end].")
    match: str = Field(description="How it was found: exact, normalized or fuzzy.")
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
        "their notes) or 'map_join' (a call per chunk; their notes fit the word limit and are "
        "the summary)."
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
