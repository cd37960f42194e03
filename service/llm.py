"""The only module that talks to a model: structured output through the `openai` client.

Every answer is validated with pydantic; an invalid or cut-off answer is sent back with the
error for repair a bounded number of times. `openai` exceptions become ours in one place.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import httpx2 as httpx
import openai
from pydantic import BaseModel, ValidationError
from pydantic_core import from_json

from service.errors import (
    ModelOutputError,
    OutputTruncatedError,
    UpstreamBadRequestError,
    UpstreamError,
    UpstreamProtocolError,
    UpstreamRateLimitedError,
    UpstreamTimeoutError,
)

if TYPE_CHECKING:
    from service.metrics import Metrics

log = logging.getLogger(__name__)
T = TypeVar("T", bound=BaseModel)

# Keywords some servers' strict modes reject; pydantic still enforces them on the answer.
# Short string bounds are kept for constrained decoding (they stop a small model rambling inside a
# field); long ones are dropped, since they would blow up llama.cpp's grammar.
_DROPPED_KEYWORDS = frozenset({"minLength", "pattern", "title", "description"})
GRAMMAR_MAX_LENGTH = 600
# Raw control characters, which partial JSON parsing refuses inside strings.
_CONTROL = re.compile(r"[\x00-\x1f]")


@dataclass
class Usage:
    """Model calls and tokens, summed over every call of a request, repairs and retries included."""

    model_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    repairs: int = 0
    salvaged: int = 0  # answers cut off by max_tokens whose complete part was kept
    calls: list[dict[str, Any]] = field(default_factory=list)

    def add(self, other: Usage) -> None:
        self.model_calls += other.model_calls
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens
        self.repairs += other.repairs
        self.salvaged += other.salvaged
        self.calls.extend(other.calls)


class _Message(BaseModel):
    content: str | None = None


class _Choice(BaseModel):
    message: _Message
    finish_reason: str | None = None


class _TokenCounts(BaseModel):
    prompt_tokens: int | None = None  # some servers send null for what they did not count
    completion_tokens: int | None = None


class ChatCompletion(BaseModel):
    """The part of an OpenAI-compatible chat.completion the service reads; the rest is ignored.

    Lenient where servers differ (finish reasons beyond OpenAI's, usage left out) and strict
    where it matters: an answer without `choices` is not a chat completion.
    """

    choices: list[_Choice]
    usage: _TokenCounts | None = None


@functools.cache
def model_schema(
    model: type[BaseModel], keep_min_length: bool = False, keep_descriptions: bool = False
) -> dict[str, Any]:
    """JSON schema of a pydantic model, without the keywords servers choke on (built once).

    `keep_min_length` keeps string minimums for llama.cpp's grammar, where they stop a small
    model from answering with an empty field (which would cost a repair call).
    `keep_descriptions` keeps field descriptions, which OpenAI's structured outputs show the
    model (llama.cpp turns the schema into a grammar and never shows it: there the prompt file
    says the same).
    """
    dropped = _DROPPED_KEYWORDS - {"minLength"} if keep_min_length else _DROPPED_KEYWORDS

    def strip(node: Any, field: bool = False) -> Any:
        # a field's description is part of the prompt; a class docstring is for developers
        if isinstance(node, dict):
            return {
                k: {p: strip(s, True) for p, s in v.items()} if k == "properties" else strip(v)
                for k, v in node.items()
                if (k not in dropped or (k == "description" and field and keep_descriptions))
                and not (k == "maxLength" and isinstance(v, int) and v > GRAMMAR_MAX_LENGTH)
            }
        if isinstance(node, list):
            return [strip(v) for v in node]
        return node

    return strip(model.model_json_schema())  # type: ignore[no-any-return]


@functools.cache
def response_format(model: type[BaseModel], dialect: str) -> dict[str, Any] | None:
    """The `response_format` for the endpoint's structured-output dialect."""
    if dialect == "json_schema":
        schema = model_schema(model, keep_descriptions=True)
        return {
            "type": "json_schema",
            "json_schema": {"name": model.__name__, "schema": schema, "strict": True},
        }
    if dialect == "json_object_schema":  # llama-cpp-python's server
        return {"type": "json_object", "schema": model_schema(model, keep_min_length=True)}
    return None


def _retry_after(e: openai.APIStatusError) -> float | None:
    value = e.response.headers.get("retry-after")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _at(e: openai.OpenAIError) -> str:
    """ " at scheme://host:port" of the request that failed (never a key, a path or a query)."""
    url = getattr(getattr(e, "request", None), "url", None)
    host = getattr(url, "host", None)
    if not host:
        return ""
    port = getattr(url, "port", None)
    return f" at {url.scheme}://{host}{f':{port}' if port else ''}"  # type: ignore[union-attr]


def map_openai_error(e: openai.OpenAIError) -> UpstreamError:
    """The one place where `openai` exceptions become ours."""
    if isinstance(e, openai.APITimeoutError):
        return UpstreamTimeoutError(f"the model endpoint{_at(e)} did not answer in time")
    if isinstance(e, openai.APIConnectionError):
        return UpstreamError(
            f"the model endpoint{_at(e)} cannot be reached; check that it runs, and OPENAI_BASE_URL"
        )
    if isinstance(e, openai.RateLimitError):
        return UpstreamRateLimitedError(
            "the model endpoint is rate limiting us; try again later",
            retry_after=_retry_after(e),
        )
    if isinstance(e, openai.APIStatusError):
        if e.status_code >= 500:
            return UpstreamError(
                f"the model endpoint failed with status {e.status_code}",
                retry_after=_retry_after(e),
            )
        return UpstreamBadRequestError(
            f"the model endpoint refused the request with status {e.status_code}"
        )
    return UpstreamError(f"the model endpoint failed: {type(e).__name__}")


class LLM:
    """Structured calls to one model behind an OpenAI-compatible endpoint."""

    def __init__(
        self,
        client: openai.AsyncOpenAI,
        model: str,
        *,
        dialect: str = "json_schema",
        temperature: float = 0.0,
        seed: int | None = None,
        repair_attempts: int = 2,
        metrics: Metrics | None = None,
    ) -> None:
        self.client = client
        self.metrics = metrics
        self.model = model
        self.dialect = dialect
        self.temperature = temperature
        self.seed = seed
        self.repair_attempts = repair_attempts

    async def structured(
        self,
        messages: list[dict[str, str]],
        output: type[T],
        *,
        max_tokens: int,
        prompt_name: str,
        sampling: dict[str, float] | None = None,
    ) -> tuple[T, Usage]:
        """Ask for an answer matching `output`; repair invalid answers; raise ours on failure.

        `sampling` holds llama.cpp sampling options from the prompt file (`repeat_penalty`): sent
        only in llama.cpp's dialect, as OpenAI refuses parameters it does not know.
        """
        usage = Usage()
        conversation: list[Any] = list(messages)
        last_error = ""
        for attempt in range(self.repair_attempts + 1):
            content, finish = await self._complete(
                conversation, output, max_tokens, usage, prompt_name, sampling or {}
            )
            if finish == "length":
                last_error = f"the answer was cut off after {max_tokens} tokens"
                problem = "Your answer was cut off because it was too long. Answer again, shorter, "
                self._observe(usage, "cut_off")
                # A small model often loops in its claim list until the token cap; what it wrote
                # before the cut is whole and is checked against the article like any answer.
                if (kept := salvage_answer(content, output)) is not None:
                    usage.salvaged += 1
                    log.info("kept the complete part of a cut-off %s answer", prompt_name)
                    return kept, usage
            else:
                try:
                    answer = parse_answer(content, output)
                except ValidationError as e:
                    last_error = _describe(e)
                    problem = f"Your answer was not valid: {last_error}. Answer again "
                    self._observe(usage, "invalid")
                except ValueError as e:  # not JSON at all
                    last_error = f"not a JSON object ({e})"
                    problem = f"Your answer was {last_error}. Answer again "
                    self._observe(usage, "invalid")
                else:
                    self._observe(usage, "ok")
                    return answer, usage
            if attempt == self.repair_attempts:
                break
            usage.repairs += 1
            log.info("repairing %s answer (attempt %d): %s", prompt_name, attempt + 1, last_error)
            # Each repair restarts from the original messages (the article stays the prompt's
            # prefix, so servers reuse its cache) and the context never grows past one answer.
            # A cut-off answer is not sent back: it is long by definition and says nothing new.
            conversation = list(messages)
            if finish != "length":
                conversation.append({"role": "assistant", "content": content})
            conversation.append({"role": "user", "content": problem + "with only the JSON object."})
        attempts = self.repair_attempts + 1
        cls = (
            OutputTruncatedError
            if last_error.startswith("the answer was cut")
            else ModelOutputError
        )
        raise cls(
            f"the model's answer to {prompt_name} was unusable after {attempts} attempts: {last_error}",
            attempts=attempts,
            usage={
                "prompt_tokens": usage.prompt_tokens,
                "completion_tokens": usage.completion_tokens,
            },
        )

    async def _complete(
        self,
        messages: list[Any],
        output: type[BaseModel],
        max_tokens: int,
        usage: Usage,
        prompt_name: str,
        sampling: dict[str, float],
    ) -> tuple[str, str | None]:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "temperature": self.temperature,
            # llama.cpp's server ignores max_completion_tokens, so send the classic max_tokens
            "max_tokens": max_tokens,
        }
        if (fmt := response_format(output, self.dialect)) is not None:
            body["response_format"] = fmt
        if self.seed is not None:
            body["seed"] = self.seed
        if self.dialect == "json_object_schema":
            body.update(sampling)
        started = time.perf_counter()
        try:
            # The client's generic post keeps its base URL, auth, retries, timeouts and error
            # types but skips `chat.completions.create`'s re-typing of every message and of the
            # JSON schema (half a millisecond a call); the answer is read by our own model.
            raw = await self.client.post("/chat/completions", cast_to=httpx.Response, body=body)
        except openai.OpenAIError as e:
            self._failed(prompt_name, started)
            raise map_openai_error(e) from e
        try:
            resp = ChatCompletion.model_validate_json(raw.content)
        except ValidationError as e:
            self._failed(prompt_name, started)
            raise UpstreamProtocolError(
                "the model endpoint answered with something that is not a chat completion "
                f"({raw.headers.get('content-type', 'no content type')}); check OPENAI_BASE_URL"
            ) from e
        usage.model_calls += 1
        prompt_tokens = (resp.usage.prompt_tokens or 0) if resp.usage else 0
        completion_tokens = (resp.usage.completion_tokens or 0) if resp.usage else 0
        usage.prompt_tokens += prompt_tokens
        usage.completion_tokens += completion_tokens
        usage.calls.append(
            {
                "prompt": prompt_name,
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "ms": round((time.perf_counter() - started) * 1000, 1),
            }
        )
        if not resp.choices:
            return "", None
        choice = resp.choices[0]
        return choice.message.content or "", choice.finish_reason

    def _failed(self, prompt_name: str, started: float) -> None:
        if self.metrics is not None:
            self.metrics.model_call(prompt_name, "error", 0, 0, time.perf_counter() - started)

    def _observe(self, usage: Usage, outcome: str) -> None:
        """Export the call just made (the last in `usage`) with how its answer turned out."""
        if self.metrics is not None and usage.calls:
            call = usage.calls[-1]
            self.metrics.model_call(
                call["prompt"],
                outcome,
                call["prompt_tokens"],
                call["completion_tokens"],
                call["ms"] / 1000,
            )


def parse_answer(content: str, output: type[T]) -> T:
    """Validate an answer; raw newlines and tabs inside its strings are accepted.

    Grammar-constrained servers (llama.cpp) let control characters into JSON strings, which strict
    JSON forbids; the text is still what the model meant, so a repair round trip would be waste.
    """
    return output.model_validate(json.loads(content, strict=False))


def salvage_answer(content: str, output: type[T]) -> T | None:
    """The complete part of a cut-off answer, when it is a valid answer on its own.

    The JSON is read in partial mode (pydantic-core drops an unfinished trailing string); an
    unfinished last list item is dropped too. A cut inside a required text (say the summary
    itself) leaves nothing valid, and the answer is repaired as before.
    """
    try:
        data = from_json(_CONTROL.sub(" ", content), allow_partial=True)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    for _ in range(2):
        try:
            return output.model_validate(data)
        except ValidationError:
            lists = [k for k, v in data.items() if isinstance(v, list) and v]
            if not lists:
                return None
            last = lists[-1]  # the list the cut fell in is the last key written
            data = {**data, last: data[last][:-1]}
    return None


def _describe(e: ValidationError) -> str:
    """A short, model-readable account of what failed validation."""
    parts = []
    for err in e.errors()[:5]:
        where = ".".join(str(p) for p in err["loc"]) or "answer"
        parts.append(f"{where}: {err['msg']}")
    return json.dumps(parts)[1:-1] if parts else str(e)
