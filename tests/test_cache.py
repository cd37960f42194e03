"""The response cache: bounded, least recently used out first, and never the cause of a failure."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest
from litestar.testing import TestClient

from service.api.app import create_app
from service.cache import ResponseCache, open_cache
from tests.conftest import fake_settings
from tests.fakes import FakeModel
from tests.faults import write_lock

ARTICLE = {"text": "The mayor of Brennick opened a bridge on Monday."}


def keys(cache: ResponseCache) -> set[str]:
    return {row[0] for row in cache._db.execute("SELECT key FROM responses")}


def test_a_full_cache_drops_the_least_recently_used_tenth(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path / "c.sqlite3", max_entries=10)
    for i in range(10):
        cache.put(f"k{i}", f"answer {i}")
    assert len(keys(cache)) == 10
    assert cache.get("k0") == "answer 0"  # k0 is now the most recently used
    cache.put("k10", "answer 10")  # the 11th entry: trim to 9
    assert keys(cache) == {"k0", *(f"k{i}" for i in range(3, 11))}
    assert cache.get("k1") is None and cache.get("k10") == "answer 10"
    cache.close()


def test_a_cache_over_its_limit_is_trimmed_when_opened(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    big = ResponseCache(path, max_entries=50)
    for i in range(30):
        big.put(f"k{i}", "x")
    big.close()
    small = ResponseCache(path, max_entries=20)
    assert len(keys(small)) == 18 and "k29" in keys(small) and "k0" not in keys(small)
    small.close()


def test_a_file_written_before_eviction_existed_is_upgraded_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE responses (key TEXT PRIMARY KEY, body TEXT NOT NULL, created REAL)")
    db.execute("INSERT INTO responses VALUES ('old', 'kept', 1.0)")
    db.commit()
    db.close()
    cache = ResponseCache(path, max_entries=10)
    assert cache.get("old") == "kept"
    cache.put("new", "stored")
    assert cache.get("new") == "stored"
    cache.close()


@pytest.mark.parametrize("problem", ["not a database", "a folder where the file should be"])
def test_an_unusable_file_turns_the_cache_off_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, problem: str
) -> None:
    path = tmp_path / "c.sqlite3"
    if problem == "not a database":
        path.write_bytes(b"not a database " * 100)
    else:
        path.mkdir()
    with caplog.at_level(logging.WARNING, logger="service.cache"):
        assert open_cache(path, 10) is None
    assert "response cache off" in caplog.text and str(path) in caplog.text


def test_a_locked_file_skips_the_store_quickly_and_the_request_goes_on(
    fake: FakeModel, tmp_path: Path
) -> None:
    path = tmp_path / "c.sqlite3"
    app = create_app(
        fake_settings(cache_enabled=True, cache_path=path), http_client=fake.http_client()
    )
    with TestClient(app) as client:
        with write_lock(path):
            locked = client.post("/v1/summaries", json=ARTICLE)
        assert locked.status_code == 200 and locked.json()["cached"] is False
        # not stored: the same request after the lock is gone calls the model, then is stored
        assert client.post("/v1/summaries", json=ARTICLE).json()["cached"] is False
        assert client.post("/v1/summaries", json=ARTICLE).json()["cached"] is True
        metrics = client.get("/metrics").text
    assert len(fake.history) == 2
    assert "summarizer_cache_failures_total 1.0" in metrics
    # the wait for the lock is bounded (SQLite's default is 5 s, on the event loop)
    assert float(locked.json()["timings_ms"]["total"]) < 2000


def test_an_answer_stored_in_another_shape_is_answered_anew(
    fake: FakeModel, tmp_path: Path
) -> None:
    """An entry an older version stored in a shape this one does not answer with is a miss (and
    is replaced), not a 500."""
    path = tmp_path / "c.sqlite3"
    app = create_app(
        fake_settings(cache_enabled=True, cache_path=path), http_client=fake.http_client()
    )
    with TestClient(app) as client:
        assert client.post("/v1/summaries", json=ARTICLE).json()["cached"] is False
        db = sqlite3.connect(path)
        db.execute("""UPDATE responses SET body = '{"summary": "old shape"}'""")
        db.commit()
        db.close()
        again = client.post("/v1/summaries", json=ARTICLE)
        assert again.status_code == 200 and again.json()["cached"] is False
        assert client.post("/v1/summaries", json=ARTICLE).json()["cached"] is True
        metrics = client.get("/metrics").text
    assert len(fake.history) == 2
    assert "summarizer_cache_failures_total 1.0" in metrics


def test_the_service_version_is_part_of_the_key(
    fake: FakeModel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = fake_settings(cache_enabled=True, cache_path=tmp_path / "c.sqlite3")
    with TestClient(create_app(settings, http_client=fake.http_client())) as client:
        assert client.post("/v1/summaries", json=ARTICLE).json()["cached"] is False
    monkeypatch.setattr("service.pipeline.__version__", "99.0.0")
    with TestClient(create_app(settings, http_client=fake.http_client())) as client:
        assert client.post("/v1/summaries", json=ARTICLE).json()["cached"] is False
    assert len(fake.history) == 2
