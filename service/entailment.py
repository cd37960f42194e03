"""The model check where rules cannot see: one short call asks the model whether the article
states each statement that the deterministic checks accepted.

The judge only vetoes: a statement the rules refused stays refused (their figures, dates, names
and speakers are exact), and one they accepted is refused when the model answers "no" for it
against its evidence sentences. The call is article-first with the same system message and the
same article rendering as the summarize prompt, so a server with a prefix cache (llama.cpp's
`cache_prompt`, vLLM's prefix caching) reads only the statements, not the article again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache
from typing import Literal

from pydantic import BaseModel, Field, create_model

from service.errors import SummarizerError
from service.llm import LLM, Usage
from service.prompts import PromptTemplate, single_quotes

log = logging.getLogger(__name__)

# statements one call judges at most (the pipeline sends the first ones the rules accepted)
MAX_STATEMENTS = 24
REASON = "the model's check read the evidence as not stating it"


@dataclass(frozen=True)
class Item:
    """One statement to judge and the evidence sentences the rules chose for it."""

    text: str
    evidence: tuple[str, ...]


@cache
def answer_model(count: int) -> type[BaseModel]:
    """The judge's answer for `count` statements: exactly that many "yes" or "no", in order."""
    verdicts = (list[Literal["yes", "no"]], Field(min_length=count, max_length=count))
    model: type[BaseModel] = create_model("ModelVerdicts", verdicts=verdicts)
    return model


def statements_block(items: list[Item], quotes: bool) -> str:
    """The numbered statements, each with what the article says where the rules found it."""
    fold = single_quotes if quotes else (lambda s: s)
    lines = []
    for n, item in enumerate(items, 1):
        lines.append(f"{n}. Statement: {fold(item.text)}")
        said = " ".join(fold(e) for e in item.evidence) or "(nothing found)"
        lines.append(f"   The article says: {said}")
    return "\n".join(lines)


def messages(
    prompt: PromptTemplate, article: str, title: str | None, items: list[Item]
) -> list[dict[str, str]]:
    """The judge's messages: the article first, rendered as the summarize prompt renders it."""
    block = statements_block(items, bool(prompt.parameters.get("single_quotes")))
    return prompt.render_article(article, title, statements=block, count=str(len(items)))


async def judge(
    llm: LLM, prompt: PromptTemplate, article: str, title: str | None, items: list[Item]
) -> tuple[list[bool], Usage]:
    """True per item when the model says the article states it."""
    if not items:
        return [], Usage()
    answer, usage = await llm.structured(
        messages(prompt, article, title, items),
        answer_model(len(items)),
        max_tokens=int(prompt.parameters.get("max_tokens", 8 + 6 * len(items))),
        prompt_name=prompt.name,
    )
    verdicts: list[str] = answer.verdicts  # type: ignore[attr-defined]
    return [v == "yes" for v in verdicts], usage


async def judge_or_none(
    llm: LLM, prompt: PromptTemplate, article: str, title: str | None, items: list[Item]
) -> tuple[list[bool] | None, Usage, str]:
    """judge(), with a failing model meaning "not checked" (the rules' verdicts stand) and why."""
    try:
        verdicts, usage = await judge(llm, prompt, article, title, items)
    except SummarizerError as e:
        log.warning("the entailment check failed, the rules' verdicts stand: %s", e)
        return None, Usage(), f"failed: {type(e).__name__}"
    return verdicts, usage, "ran"
