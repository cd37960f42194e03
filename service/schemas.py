"""Pydantic models of every request, response and model answer."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

from service.attribution import no_outside_source
from service.markup import markup_tags

# --- the HTTP request -----------------------------------------------------------------------


class SummaryRequest(BaseModel):
    """An article to summarize."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)

    text: str = Field(
        description="The article as plain text (markup is refused; POST a page as text/html).",
        min_length=1,
    )
    title: str | None = Field(default=None, max_length=500, description="Optional headline.")
    prompt_version: str | None = Field(
        default=None,
        pattern=r"^v[0-9]+$",
        description="Released prompt set to use, e.g. 'v1'; default the newest.",
    )
    max_summary_words: int | None = Field(
        default=None, ge=20, le=400, description="Summary length bound; default from the prompt."
    )

    @field_validator("text")
    @classmethod
    def _plain_text(cls, text: str) -> str:
        """Markup is refused: evidence offsets must index readable text, not tags."""
        if tags := markup_tags(text):
            raise ValueError(
                f"text looks like HTML markup ({', '.join(tags[:3])}); send the article's plain "
                "text, or POST the page with Content-Type: text/html to have it reduced to text"
            )
        return text


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

    text: str = Field(min_length=3, max_length=400)
    kind: ClaimKind
    attributed_to: str | None = Field(max_length=120)
    quote: str = Field(min_length=3, max_length=600)

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


class SummarySentence(BaseModel):
    text: str
    supported: bool
    evidence: list[Evidence]
    reasons: list[str] = Field(description="Why it is not supported; empty when it is.")


class SummaryOut(BaseModel):
    text: str
    sentences: list[SummarySentence]


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
