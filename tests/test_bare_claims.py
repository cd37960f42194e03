"""Claims that copy no quote (prompt sets with `claim_quotes = false`): the schema the model is
sent has no quote to write, and each claim is verified by what it says, like a summary sentence."""

from __future__ import annotations

import json
from typing import Any

import pytest
from litestar.testing import TestClient

from service import citations
from service.api.app import create_app
from service.prompts import PromptLibrary
from service.settings import PROJECT_ROOT
from tests.conftest import fake_settings
from tests.fakes import FakeModel, schema_of

LIBRARY = PromptLibrary(PROJECT_ROOT / "prompts")
BARE = [
    v for v in LIBRARY.versions if not citations.quotes_claims(LIBRARY.prompt_set(v)["summarize"])
]
ARTICLE = (
    "Brennick opens its new bridge\n"
    "The mayor of Brennick opened the Halden bridge on Monday. It cost 40 million euros, the "
    "city said.\n"
    "About 12,000 cars are expected to cross it every day. Buses will use it from June.\n"
)


def test_a_released_set_copies_no_quote() -> None:
    assert BARE, "no released prompt set has claim_quotes = false"
    assert "v6" not in BARE  # the quote-based default is untouched


def answer(claims: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "summary": "The mayor of Brennick opened the Halden bridge on Monday.",
        "claims": claims,
    }


def run(
    body: dict[str, Any], reply: dict[str, Any], **settings: Any
) -> tuple[dict[str, Any], FakeModel]:
    fake = FakeModel(lambda _: reply)
    app = create_app(fake_settings(**settings), http_client=fake.http_client())
    with TestClient(app) as client:
        r = client.post("/v1/summaries", json=body)
    assert r.status_code == 200, r.text
    return r.json(), fake


@pytest.mark.parametrize("version", BARE)
def test_the_schema_has_no_quote_and_claims_are_proven_by_what_they_say(version: str) -> None:
    claims = [
        {"text": "The Halden bridge cost 40 million euros.", "kind": "statistic",
         "attributed_to": "the city"},
        {"text": "The Halden bridge cost 60 million euros.", "kind": "statistic",
         "attributed_to": "the city"},
        {"text": "Trams will use the bridge from June.", "kind": "plan", "attributed_to": None},
    ]  # fmt: skip
    body, fake = run({"text": ARTICLE, "prompt_version": version}, answer(claims))
    sent = json.dumps(schema_of(fake.history[0]))
    assert '"quote"' not in sent and '"attributed_to"' in sent
    assert len(fake.history) == 1  # no repair: the answer fits the schema it was sent
    got = {c["text"]: c for c in body["claims"]}
    true = got["The Halden bridge cost 40 million euros."]
    assert true["supported"], true["reasons"]
    # the sentence stating it ("It" is the bridge named in the sentence before)
    assert "It cost 40 million euros, the city said." in [e["quote"] for e in true["evidence"]]
    assert not got["The Halden bridge cost 60 million euros."]["supported"]
    assert not got["Trams will use the bridge from June."]["supported"]


def test_a_quote_based_set_still_sends_and_uses_quotes() -> None:
    claims = [{"text": "The bridge cost 40 million euros.", "kind": "statistic",
               "attributed_to": "the city", "quote": "It cost 40 million euros, the city said."}]  # fmt: skip
    body, fake = run({"text": ARTICLE, "prompt_version": "v6"}, answer(claims))
    assert '"quote"' in json.dumps(schema_of(fake.history[0]))
    assert body["claims"][0]["supported"], body["claims"][0]["reasons"]
