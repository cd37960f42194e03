"""Service settings: one object, built once, passed in."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from service.models import CATALOG, DEFAULT_MODEL, CatalogModel, catalog_model, custom_name

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Context windows of models we know; anything else falls back to `context_window`.
KNOWN_CONTEXT_WINDOWS: dict[str, int] = {
    **{m.name: m.trained_context for m in CATALOG.values()},
    "gpt-4o": 128_000,
    "gpt-4o-mini": 128_000,
    "gpt-4.1": 1_000_000,
    "gpt-4.1-mini": 1_000_000,
    "gpt-3.5-turbo": 16_385,
}

EMBEDDED_MODEL_NAME = CATALOG[DEFAULT_MODEL].name


class Settings(BaseSettings):
    """Everything the service can be told; read from the environment only in `Settings()`."""

    model_config = SettingsConfigDict(env_prefix="SUMMARIZER_", extra="ignore")

    openai_base_url: str | None = Field(
        default=None,
        validation_alias="OPENAI_BASE_URL",
        description="OpenAI-compatible endpoint; unset means start the embedded model.",
    )
    openai_api_key: SecretStr | None = Field(
        default=None, validation_alias="OPENAI_API_KEY", description="Key for the endpoint."
    )
    model: str = Field(
        default=EMBEDDED_MODEL_NAME,
        description="Model name sent to the endpoint; unset, the embedded model's own name.",
    )
    embedded_model: str = Field(
        default=DEFAULT_MODEL,
        description=f"Catalog model the embedded server runs: {', '.join(CATALOG)}.",
    )
    model_path: Path | None = Field(
        default=None, description="Any local GGUF file to run instead of a catalog model."
    )
    embedded_port: int = Field(
        default=0, ge=0, le=65535, description="Port of the embedded server; 0 picks one."
    )
    embedded_n_ctx: int | None = Field(
        default=None, ge=512, description="Context of the embedded server; unset, the catalog's."
    )
    embedded_threads: int | None = Field(default=None, ge=1, description="Threads for llama.cpp.")
    structured_output: Literal["json_schema", "json_object_schema", "none"] | None = Field(
        default=None,
        description=(
            "How to ask for JSON: OpenAI's json_schema, llama.cpp's json_object+schema, "
            "or none; unset picks json_object_schema for the embedded model, else json_schema."
        ),
    )
    context_window: int | None = Field(
        default=None,
        ge=512,
        description="Model context in tokens; unset uses the known-model table.",
    )
    output_reserve_tokens: int = Field(
        default=700, ge=16, description="Tokens reserved for an answer."
    )
    chunk_overlap_tokens: int = Field(
        default=60, ge=0, description="Tokens repeated between chunks."
    )
    max_chunk_tokens: int | None = Field(
        default=None, ge=64, description="Upper bound on chunk size, below what the context allows."
    )
    max_article_tokens: int = Field(default=60_000, ge=1, description="Longest article accepted.")
    long_articles: Literal["auto", "map_reduce", "salience"] = Field(
        default="auto",
        description="An article longer than one chunk: map_reduce (a call per chunk, then one to "
        "reduce), salience (one call on its most salient sentences that fit one chunk's budget), "
        "or auto (the catalog model's measured choice; map_reduce for any other model).",
    )
    max_body_bytes: int = Field(
        default=1_000_000, ge=1, description="Largest request body accepted."
    )
    temperature: float = Field(default=0.0, ge=0, le=2, description="Sampling temperature.")
    seed: int | None = Field(default=7, description="Sampling seed, where the server honours it.")
    entailment: Literal["auto", "on", "off"] = Field(
        default="auto",
        description="The model's check of the statements the rules accept: auto is on for a "
        "catalog model measured to gain from it (see README, Verifier) and off otherwise.",
    )
    repair_attempts: int = Field(
        default=2, ge=0, le=10, description="Times an invalid answer is sent back."
    )
    call_timeout_s: float = Field(
        default=900.0,
        gt=0,
        description="Timeout of one model call (the 1.5B model on 2 CPU cores reads a long "
        "article for minutes).",
    )
    request_deadline_s: float = Field(
        default=1800.0, gt=0, description="Deadline of one request, queueing included."
    )
    max_retries: int = Field(
        default=2, ge=0, le=10, description="openai client retries on 429/5xx/network."
    )
    max_running_requests: int = Field(
        default=4, ge=1, description="Summaries at the model at once."
    )
    max_queued_requests: int = Field(
        default=32, ge=0, description="Summaries waiting; more get 503."
    )
    map_concurrency: int = Field(
        default=2, ge=1, description="Concurrent map calls for long articles."
    )
    prompts_dir: Path = Field(default=PROJECT_ROOT / "prompts", description="Prompt files.")
    extract_completion: bool = Field(
        default=True,
        description="Complete a summary covering less than the article's lead with its sentences.",
    )
    cache_enabled: bool = Field(default=True, description="Keep answers in a SQLite cache.")
    cache_path: Path = Field(
        default=Path.home() / ".cache" / "summarizer" / "responses.sqlite3",
        description="The response cache file; survives restarts.",
    )
    cache_max_entries: int = Field(
        default=10_000,
        ge=1,
        description=(
            "Answers the cache keeps; when full it drops the least recently used tenth "
            "(about 5 KB an answer)."
        ),
    )
    api_keys: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description=(
            "Accepted API keys, plain or 'sha256:<hex>', as a JSON list or separated by commas; "
            "empty means no key is needed."
        ),
    )
    rate_limit_per_minute: int = Field(
        default=120,
        ge=0,
        description="Requests a minute per API key (per client address without keys); 0 is off.",
    )
    shutdown_grace_s: float = Field(
        default=30.0,
        gt=0,
        description="On SIGTERM, seconds in-flight requests may finish before they are cancelled.",
    )
    metrics_enabled: bool = Field(default=True, description="Serve Prometheus metrics at /metrics.")
    redis_url: str | None = Field(
        default=None,
        description=(
            "Redis (redis://host:port/db) holding the response cache and the rate-limit counters "
            "for every worker and host; unset keeps a SQLite cache per host and limits per process."
        ),
    )
    redis_timeout_s: float = Field(
        default=0.1,
        gt=0,
        description=(
            "Seconds of this worker's running event loop one Redis call may take (time the loop "
            "stood still not counted; at most 50 times this in wall time); past it, it failed."
        ),
    )
    embedded_url: str | None = Field(
        default=None,
        description=(
            "Internal, set by `serve --workers`: the embedded model server the parent started, "
            "which every worker uses instead of starting its own."
        ),
    )
    encoding: str | None = Field(
        default=None, description="tiktoken encoding; unset uses the model's own, else cl100k."
    )

    @field_validator("embedded_model")
    @classmethod
    def _known_model(cls, key: str) -> str:
        if key not in CATALOG:
            raise ValueError(
                f"unknown embedded model {key!r}; the catalog has: {', '.join(CATALOG)}"
            )
        return key

    @model_validator(mode="after")
    def _embedded_name(self) -> Settings:
        """Unless a name was given, the embedded model is called by its own name."""
        if "model" not in self.model_fields_set:
            self.model = (
                custom_name(self.model_path) if self.model_path else self.catalog_model.name
            )
        return self

    @property
    def catalog_model(self) -> CatalogModel:
        """The catalog entry of the embedded model (also when `model_path` overrides its file)."""
        return catalog_model(self.embedded_model)

    @property
    def embedded_context(self) -> int:
        """Context the embedded server is given."""
        if self.embedded_n_ctx is not None:
            return self.embedded_n_ctx
        return 8192 if self.model_path else self.catalog_model.n_ctx

    @field_validator("api_keys", mode="before")
    @classmethod
    def _keys_from_text(cls, value: object) -> object:
        """A JSON list, or (from the environment) one key or several separated by commas."""
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [k.strip() for k in text.split(",") if k.strip()]
        return value

    @field_validator("api_keys")
    @classmethod
    def _sane_keys(cls, keys: list[str]) -> list[str]:
        for key in keys:
            digest = key.removeprefix("sha256:")
            if key.startswith("sha256:") and not re.fullmatch(r"[0-9a-fA-F]{64}", digest):
                raise ValueError(
                    "an entry starting 'sha256:' is not followed by 64 hex digits; give the "
                    "sha256 hex digest of the key (sha256sum), or the key itself"
                )
            if not key.strip():
                raise ValueError("an API key is empty")
        return keys

    @property
    def embedded(self) -> bool:
        """True when the service runs its own local model server."""
        return self.openai_base_url is None

    @property
    def entailment_on(self) -> bool:
        """Whether the model checks what the rules accepted (auto: the catalog's measured choice;
        a remote model or another GGUF file has not been measured, so auto is off there)."""
        if self.entailment != "auto":
            return self.entailment == "on"
        return self.embedded and not self.model_path and self.catalog_model.entailment

    @property
    def long_articles_path(self) -> Literal["map_reduce", "salience"]:
        """How an article longer than one chunk is read (auto: the catalog's measured choice; a
        remote model or another GGUF file has not been measured, so auto is map_reduce there)."""
        if self.long_articles != "auto":
            return self.long_articles
        if self.embedded and not self.model_path:
            return self.catalog_model.long_articles
        return "map_reduce"

    @property
    def json_mode(self) -> str:
        """The structured-output dialect to speak to the endpoint."""
        if self.structured_output is not None:
            return self.structured_output
        return "json_object_schema" if self.embedded else "json_schema"

    @property
    def effective_context_window(self) -> int:
        """Context window of the configured model, in tokens."""
        if self.context_window is not None:
            return self.context_window
        if self.embedded:
            return self.embedded_context
        return KNOWN_CONTEXT_WINDOWS.get(self.model.lower(), 8192)
