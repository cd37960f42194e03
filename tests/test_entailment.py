"""The model's check of what the rules accepted: one call, article-first, veto only."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient

from service import entailment
from service.api.app import create_app
from service.models import CATALOG
from service.settings import Settings
from tests.conftest import fake_settings
from tests.fakes import FakeModel

ARTICLE = (
    "The city council approved the new library budget on Monday by a vote of seven to two. "
    "Mayor Ana Ruiz said the library will open a second branch in the spring. "
    "The budget adds 1.2 million dollars for books and staff."
)
TRUE_1 = "The city council approved the new library budget on Monday."
TRUE_2 = "The budget adds 1.2 million dollars for books and staff."
WRONG_NUMBER = "The council approved the budget by a vote of nine to two."


def answer(*claims: str) -> dict[str, Any]:
    return {
        "summary": f"{TRUE_1} {TRUE_2}",
        "claims": [{"text": c, "kind": "event", "attributed_to": None, "quote": c} for c in claims],
    }


def post(fake: FakeModel, **settings: Any) -> dict[str, Any]:
    app = create_app(fake_settings(**settings), http_client=fake.http_client())
    with TestClient(app) as client:
        r = client.post("/v1/summaries", json={"text": ARTICLE})
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body


def test_a_no_refuses_a_statement_the_rules_accepted_and_only_those_are_sent() -> None:
    fake = FakeModel()
    # claims: two true, one with a wrong number (the rules refuse it: never sent to the judge);
    # then the summary's two sentences
    fake.enqueue(answer(TRUE_1, TRUE_2, WRONG_NUMBER), {"verdicts": ["yes", "no", "yes", "yes"]})
    body = post(fake, entailment="on")
    claims = body["claims"]
    assert [c["supported"] for c in claims] == [True, False, False]
    assert claims[1]["reasons"] == [entailment.REASON]
    assert entailment.REASON not in claims[2]["reasons"]  # refused by the rules, not the judge
    model = [s for s in body["summary"]["sentences"] if s["origin"] == "model"]
    assert [s["supported"] for s in model] == [True, True]
    assert body["provenance"]["checks"] == {"rules": "ran", "entailment": "ran"}
    assert [p["name"] for p in body["provenance"]["prompts"]] == ["summarize", "entail"]
    assert body["usage"]["model_calls"] == 2
    assert body["claim_stats"]["supported"] == 1
    judged = fake.history[1]["messages"][1]["content"]
    assert WRONG_NUMBER not in judged
    assert judged.count("Statement:") == 4


def test_the_judge_reads_the_article_first_as_the_summarize_call_does() -> None:
    """Same system message and the same user text up to the article's end: a prefix cache
    reads only the statements."""
    fake = FakeModel()
    fake.enqueue(answer(TRUE_1), {"verdicts": ["yes", "yes", "yes"]})
    post(fake, entailment="on")
    first, judge = (h["messages"] for h in fake.history)
    assert judge[0] == first[0]
    end = first[1]["content"].index("</article>") + len("</article>")
    assert judge[1]["content"][:end] == first[1]["content"][:end]
    schema = fake.history[1]["response_format"]["json_schema"]["schema"]
    verdicts = schema["properties"]["verdicts"]
    assert (verdicts["minItems"], verdicts["maxItems"]) == (3, 3)


@pytest.mark.parametrize(
    "judge_answer",
    [
        {"verdicts": ["maybe"]},  # invalid after every repair
        {"verdicts": ["yes"]},  # too few
    ],
)
def test_a_failing_judge_leaves_the_rules_verdicts(judge_answer: dict[str, Any]) -> None:
    fake = FakeModel()
    fake.enqueue(answer(TRUE_1), *([judge_answer] * 5))
    body = post(fake, entailment="on", repair_attempts=1)
    assert body["claims"][0]["supported"] is True
    assert body["provenance"]["checks"]["entailment"].startswith("failed: ")
    assert [p["name"] for p in body["provenance"]["prompts"]] == ["summarize"]


def test_off_makes_no_second_call() -> None:
    fake = FakeModel()
    fake.enqueue(answer(TRUE_1))
    body = post(fake, entailment="off")
    assert len(fake.history) == 1
    assert body["provenance"]["checks"]["entailment"] == "off"


def test_nothing_accepted_means_no_call() -> None:
    fake = FakeModel()
    fake.enqueue({"summary": WRONG_NUMBER, "claims": answer(WRONG_NUMBER)["claims"]})
    body = post(fake, entailment="on")
    assert len(fake.history) == 1
    assert body["provenance"]["checks"]["entailment"] == "skipped: no statement to check"


def test_statements_block_numbers_each_statement_with_its_evidence() -> None:
    items = [
        entailment.Item('He said "no".', ('He said "no" twice.',)),
        entailment.Item("Nothing.", ()),
    ]
    block = entailment.statements_block(items, quotes=True)
    assert block.splitlines() == [
        "1. Statement: He said 'no'.",
        "   The article says: He said 'no' twice.",
        "2. Statement: Nothing.",
        "   The article says: (nothing found)",
    ]


@pytest.mark.parametrize(
    ("setting", "env", "expected"),
    [
        ("on", {"OPENAI_BASE_URL": "http://x.invalid/v1"}, True),
        ("off", {}, False),
        ("auto", {"OPENAI_BASE_URL": "http://x.invalid/v1"}, False),  # a remote model: unmeasured
    ],
)
def test_entailment_setting(setting: str, env: dict[str, str], expected: bool) -> None:
    assert Settings(entailment=setting, **env).entailment_on is expected  # type: ignore[arg-type]


@pytest.mark.parametrize("key", sorted(CATALOG))
def test_auto_follows_the_catalog_for_an_embedded_model(key: str) -> None:
    settings = Settings(entailment="auto", embedded_model=key)
    assert settings.entailment_on is CATALOG[key].entailment
