"""Versioned prompt files: load, list, pick a released set, render as chat messages.

A prompt file is `prompts/<name>/<version>.md`: a TOML front-matter block between `+++` lines
(name, version, description, variables, model parameters), then the template body split into
`<<system>>` and `<<user>>` sections. Variables are written `{{ name }}`.

The set a request gets when it names none is the newest, unless `prompts/default.toml` pins an
older one (`version = "v6"`): a new set is released for clients to ask for by name before it
becomes the default, e.g. until the default model's answers on it are recorded for the evals.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from service.errors import PromptError, UnknownPromptVersionError

TASKS = ("summarize", "extract_claims", "reduce")
# tasks a set may have: without one, its step does not run on that set
OPTIONAL_TASKS = ("entail",)
_VAR = re.compile(r"\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}")
_SECTION = re.compile(r"^<<(system|user)>>\s*$", re.MULTILINE)
_VERSION = re.compile(r"^v([0-9]+)$")
DEFAULT_FILE = "default.toml"


@dataclass(frozen=True)
class PromptTemplate:
    """One released prompt file."""

    name: str
    version: str
    description: str
    variables: tuple[str, ...]
    parameters: dict[str, Any]
    system: str
    user: str
    sha256: str
    path: Path = field(compare=False)

    @property
    def version_number(self) -> int:
        return version_number(self.version)

    def render(self, **values: str) -> list[dict[str, str]]:
        """Chat messages with every declared variable filled; refuses missing or extra ones."""
        missing = set(self.variables) - values.keys()
        extra = values.keys() - set(self.variables)
        if missing or extra:
            raise PromptError(
                f"prompt {self.name}/{self.version}: missing {sorted(missing)}, "
                f"unexpected {sorted(extra)}"
            )

        def fill(template: str) -> str:
            return _VAR.sub(lambda m: values[m.group(1)], template)

        return [
            {"role": "system", "content": fill(self.system)},
            {"role": "user", "content": fill(self.user)},
        ]

    def render_article(self, text: str, title: str | None, **values: str) -> list[dict[str, str]]:
        """render() with `text` fenced as the article.

        A sent title is client input like the article, so it is data too: it goes inside the
        fence as the article's first line, its fence delimiters defused, exactly as a headline
        that opens the text would. A template that declares `title` (every released set so far)
        gets "(none)" there, titled or not: a titled article renders as the same article with its
        headline as first line would, which is the shape the evals score. (Pointing the title line
        at the fence instead, "(the article's first line)", made SmolLM2 answer "The article's
        first line is:" and nothing else on two of three titled articles.)
        """
        if self.parameters.get("single_quotes"):
            text = single_quotes(text)
            title = single_quotes(title) if title else title
        article = fence_article(text, title)
        if "title" in self.variables:
            return self.render(article=article, title="(none)", **values)
        return self.render(article=article, **values)


_DOUBLE_QUOTES = str.maketrans({c: "'" for c in '"“”„‟″'})


def single_quotes(text: str) -> str:
    """Double quotation marks as ' (same length, so offsets hold): a model writing JSON under a
    grammar ends its string at the first " it copies from the article ("pledged to "uncondi-
    tionally"" derailed Qwen2.5-Coder-1.5B's whole answer), and it copies ' safely."""
    return text.translate(_DOUBLE_QUOTES)


def version_number(version: str) -> int:
    """'v12' -> 12."""
    m = _VERSION.match(version)
    if m is None:
        raise PromptError(f"bad prompt version {version!r}: expected v<number>")
    return int(m.group(1))


def parse_prompt_file(path: Path) -> PromptTemplate:
    """Parse one prompt file and check that its declared variables match its template."""
    raw = path.read_bytes()
    text = raw.decode("utf-8")
    parts = text.split("+++\n", 2)
    if len(parts) != 3 or parts[0].strip():
        raise PromptError(f"{path}: must start with a +++ TOML front-matter block")
    try:
        meta = tomllib.loads(parts[1])
    except tomllib.TOMLDecodeError as e:
        raise PromptError(f"{path}: bad front matter: {e}") from e
    sections = _SECTION.split(parts[2])
    body = dict(zip(sections[1::2], (s.strip("\n") for s in sections[2::2]), strict=True))
    if set(body) != {"system", "user"}:
        raise PromptError(f"{path}: needs exactly one <<system>> and one <<user>> section")
    for key in ("name", "version", "description", "variables"):
        if key not in meta:
            raise PromptError(f"{path}: front matter lacks {key!r}")
    declared = tuple(meta["variables"])
    used = set(_VAR.findall(body["system"] + body["user"]))
    if used != set(declared):
        raise PromptError(f"{path}: declares {sorted(declared)} but template uses {sorted(used)}")
    if meta["name"] != path.parent.name or meta["version"] != path.stem:
        raise PromptError(f"{path}: name/version must match its folder and file name")
    version_number(meta["version"])
    return PromptTemplate(
        name=meta["name"],
        version=meta["version"],
        description=meta["description"],
        variables=declared,
        parameters=dict(meta.get("parameters", {})),
        system=body["system"],
        user=body["user"],
        sha256=hashlib.sha256(raw).hexdigest(),
        path=path,
    )


class PromptLibrary:
    """Every prompt file under a folder, and the released sets they form."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.templates = [parse_prompt_file(p) for p in sorted(root.glob("*/v*.md"))]
        if not self.templates:
            raise PromptError(f"no prompt files under {root}")
        for task in TASKS:
            if not any(t.name == task for t in self.templates):
                raise PromptError(f"no prompt file for task {task!r} under {root}")

        # the files are read once, so the released sets are worked out once
        numbers = sorted({t.version_number for t in self.templates})
        self.versions: list[str] = [f"v{n}" for n in numbers]
        self._sets = {v: self._choose(version_number(v)) for v in self.versions}
        self.default = self._pinned() or self.latest

    @property
    def latest(self) -> str:
        """The newest released set."""
        return self.versions[-1]

    def _pinned(self) -> str | None:
        """The set `default.toml` names, checked to be released; None without the file."""
        path = self.root / DEFAULT_FILE
        if not path.exists():
            return None
        try:
            version = tomllib.loads(path.read_text(encoding="utf-8")).get("version")
        except tomllib.TOMLDecodeError as e:
            raise PromptError(f"{path}: {e}") from e
        if version is None:
            return None
        if version not in self._sets:
            raise PromptError(
                f"{path}: default {version!r} is not a released set ({', '.join(self.versions)})"
            )
        return str(version)

    def prompt_set(self, version: str | None) -> dict[str, PromptTemplate]:
        """For set version V, each task's newest file whose version is at most V (the default
        set when V is None)."""
        version = version or self.default
        if version not in self._sets:
            raise UnknownPromptVersionError(
                f"unknown prompt_version {version!r}; available: {', '.join(self.versions)}",
                details={"available": self.versions},
            )
        return dict(self._sets[version])

    def _choose(self, n: int) -> dict[str, PromptTemplate]:
        chosen: dict[str, PromptTemplate] = {}
        for t in self.templates:
            if t.version_number <= n and (
                t.name not in chosen or t.version_number > chosen[t.name].version_number
            ):
                chosen[t.name] = t
        return chosen


ARTICLE_OPEN = "<article>"
ARTICLE_CLOSE = "</article>"


def fence_article(text: str, title: str | None = None) -> str:
    """Wrap article text (under its title, when given) as delimited data; defuse any delimiter
    the article or title itself contains."""
    body = f"{title}\n\n{text}" if title else text
    return f"{ARTICLE_OPEN}\n{defuse(body)}\n{ARTICLE_CLOSE}"


def defuse(text: str) -> str:
    """Text with every <article> or </article> made inert, so it cannot open or close the fence."""
    return re.sub(r"</?\s*article\s*>", lambda m: m.group(0).replace("<", "‹"), text, flags=re.I)
