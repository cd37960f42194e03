from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient

from service.api.app import create_app
from service.settings import Settings
from tests.fakes import FakeModel
from tests.redis_server import RedisServer

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT.parent / "shared" / "reference-article" / "article.txt"
FIXTURE_REFERENCE = ROOT / "evals" / "fixtures" / "reference" / "article.txt"


@pytest.fixture(scope="session")
def reference_text() -> str:
    path = FIXTURE_REFERENCE if FIXTURE_REFERENCE.exists() else REFERENCE
    return path.read_text(encoding="utf-8")


@pytest.fixture
def fake() -> FakeModel:
    return FakeModel()


def fake_settings(**overrides: object) -> Settings:
    values: dict[str, object] = {
        "OPENAI_BASE_URL": "http://fake.invalid/v1",
        "OPENAI_API_KEY": "sk-test-secret",
        "model": "fake-model",
        "max_retries": 0,
        "context_window": 4096,
        "cache_enabled": False,
        "rate_limit_per_minute": 0,  # tests send many requests from one client; tested on its own
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def client(fake: FakeModel) -> Iterator[TestClient]:  # type: ignore[type-arg]
    app = create_app(fake_settings(), http_client=fake.http_client())
    with TestClient(app) as c:
        yield c


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A real redis-server of its own on a free loopback port, stopped after the test."""
    server = RedisServer(tmp_path / "redis")
    server.start()
    yield server
    server.kill()
