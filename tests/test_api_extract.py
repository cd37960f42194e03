"""Never emptier than an extract, through the HTTP API with a fake model: unsupported summary
sentences leave the text, and a summary saying less than the lead is completed from the article."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient

from service.api.app import create_app
from tests.conftest import fake_settings
from tests.fakes import FakeModel
from tests.test_extract import ARTICLE, BODY

INVENTED = "The mayor of Calderport resigned over the barge disaster."


def summarize(client: TestClient, summary: str, fake: FakeModel, **request: Any) -> dict[str, Any]:  # type: ignore[type-arg]
    fake.enqueue({"summary": summary, "claims": []})
    r = client.post("/v1/summaries", json={"text": ARTICLE, **request})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


@pytest.fixture
def no_completion(fake: FakeModel) -> Iterator[TestClient]:  # type: ignore[type-arg]
    app = create_app(fake_settings(extract_completion=False), http_client=fake.http_client())
    with TestClient(app) as c:
        yield c


def assert_honest(body: dict[str, Any]) -> None:
    """No unsupported sentence in the text; extracted ones verbatim with exact evidence."""
    summary = body["summary"]
    shown = [s for s in summary["sentences"] if not s["dropped"]]
    assert all(s["supported"] for s in shown)
    assert all(not s["supported"] for s in summary["sentences"] if s["dropped"])
    for s in shown:
        assert s["text"] in summary["text"]
    for s in summary["sentences"]:
        if s["origin"] == "extracted":
            assert s["text"] in ARTICLE
            assert any(e["quote"] == s["text"] and e["match"] == "exact" for e in s["evidence"])
            assert all(ARTICLE[e["start"] : e["end"]] == e["quote"] for e in s["evidence"])
    assert summary["dropped_sentences"] == sum(s["dropped"] for s in summary["sentences"])
    assert summary["extracted_sentences"] == sum(
        s["origin"] == "extracted" for s in summary["sentences"]
    )


def test_an_unsupported_sentence_leaves_the_text_and_the_answer_says_so(
    client: TestClient,  # type: ignore[type-arg]
    fake: FakeModel,
) -> None:
    written = f"{BODY[0]} {INVENTED} {BODY[1]}"
    body = summarize(client, written, fake)
    assert_honest(body)
    summary = body["summary"]
    assert INVENTED not in summary["text"] and BODY[0] in summary["text"]
    assert summary["model_text"] == written  # what the model wrote, for editors
    assert summary["dropped_sentences"] == 1
    dropped = [s for s in summary["sentences"] if s["dropped"]]
    assert [s["text"] for s in dropped] == [INVENTED] and dropped[0]["reasons"]
    assert dropped[0]["origin"] == "model"
    assert "left out of the text" in summary["lead_check"]["note"]


def test_a_summary_saying_less_than_the_lead_is_completed_from_the_article(
    client: TestClient,  # type: ignore[type-arg]
    fake: FakeModel,
) -> None:
    body = summarize(
        client, f"{INVENTED} The tug captain was arrested.", fake, max_summary_words=40
    )
    assert_honest(body)
    summary = body["summary"]
    assert summary["dropped_sentences"] == 2 and summary["extracted_sentences"] >= 1
    assert INVENTED not in summary["text"] and summary["text"].startswith(BODY[0])
    assert len(summary["text"].split()) <= 40
    check = summary["lead_check"]
    assert check["completed"] and check["kept_coverage"] == 0.0
    assert check["final_coverage"] > 0 and "added verbatim" in check["note"]
    assert body["timings_ms"]["extract"] >= 0


def test_a_summary_as_good_as_the_lead_comes_back_as_written(
    client: TestClient,  # type: ignore[type-arg]
    fake: FakeModel,
) -> None:
    written = f"{BODY[0]}\n{BODY[1]}"
    body = summarize(client, written, fake)
    assert_honest(body)
    summary = body["summary"]
    assert summary["text"] == written, summary["lead_check"]
    assert summary["dropped_sentences"] == summary["extracted_sentences"] == 0
    assert not summary["lead_check"]["completed"]
    assert [s["origin"] for s in summary["sentences"]] == ["model", "model"]


def test_completion_can_be_turned_off(no_completion: TestClient, fake: FakeModel) -> None:  # type: ignore[type-arg]
    body = summarize(no_completion, f"{INVENTED} {BODY[1]}", fake)
    assert_honest(body)
    summary = body["summary"]
    assert summary["text"] == BODY[1]
    assert summary["extracted_sentences"] == 0 and summary["dropped_sentences"] == 1
    assert "turned off" in summary["lead_check"]["note"]


def test_extracted_sentences_are_the_article_as_sent_when_it_came_decomposed(
    client: TestClient,  # type: ignore[type-arg]
    fake: FakeModel,
) -> None:
    """An NFD article is read composed; an extracted sentence is still its text as sent."""
    sent = unicodedata.normalize("NFD", ARTICLE.replace("Calderport", "Càlderport"))
    assert sent != unicodedata.normalize("NFC", sent)
    fake.enqueue({"summary": INVENTED, "claims": []})
    r = client.post("/v1/summaries", json={"text": sent, "max_summary_words": 200})
    assert r.status_code == 200, r.text
    summary = r.json()["summary"]
    extracted = [s for s in summary["sentences"] if s["origin"] == "extracted"]
    assert BODY[0].replace("Calderport", "Càlderport") in [
        unicodedata.normalize("NFC", s["text"]) for s in extracted
    ]
    assert all(s["text"] == unicodedata.normalize("NFD", s["text"]) for s in extracted)
    for s in extracted:
        assert s["text"] in sent and s["text"] in summary["text"]
        assert any(sent[e["start"] : e["end"]] == s["text"] for e in s["evidence"])
