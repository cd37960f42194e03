"""Long articles in one call on their most salient sentences (service.selection and the
pipeline's salience path, SUMMARIZER_LONG_ARTICLES)."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from litestar.testing import TestClient
from pydantic import ValidationError

from service import salience, selection
from service.api.app import build_pipeline, create_app, open_client
from service.chunking import split
from service.grounding import Source
from service.models import CATALOG
from service.prompts import PromptLibrary, single_quotes
from service.settings import PROJECT_ROOT, Settings
from service.tokens import load_encoding
from tests.conftest import fake_settings
from tests.fakes import FakeModel, article_of, numbered_sentences

LONG_CASE = (PROJECT_ROOT / "evals" / "fixtures" / "long_multichunk" / "article.txt").read_text(
    encoding="utf-8"
)
ENCODING = load_encoding("fake-model")
BUDGET = 800  # SUMMARIZER_MAX_CHUNK_TOKENS: the long case takes several chunks under it
LIBRARY = PromptLibrary(PROJECT_ROOT / "prompts")


def sent_lines(request: dict[str, Any]) -> list[str]:
    """The article sentences a call read, quotes as the model read them."""
    return [line for line in article_of(request).split("\n") if line]


def quoting_responder(body: dict[str, Any]) -> dict[str, Any]:
    """A faithful model of a quote-based set: claims and summary are the first sentences it read."""
    sents = [s for s in re.split(r"(?<=[.!?])\s+|\n", article_of(body)) if 20 < len(s) < 300][:3]
    claims = [{"text": s, "kind": "event", "attributed_to": None, "quote": s} for s in sents]
    if "notes" in json.dumps(body["response_format"]):
        return {"notes": " ".join(sents[:2]), "claims": claims}
    if "claims" in json.dumps(body["response_format"]):
        return {"summary": " ".join(sents[:2]), "claims": claims}
    return {"summary": " ".join(sents[:2])}


def summarize(
    body: dict[str, Any], responder: Any = quoting_responder, **settings: Any
) -> tuple[dict[str, Any], FakeModel]:
    fake = FakeModel(responder)
    values = {"long_articles": "salience", "max_chunk_tokens": BUDGET, **settings}
    app = create_app(fake_settings(**values), http_client=fake.http_client())
    with TestClient(app) as client:
        r = client.post("/v1/summaries", json=body)
    assert r.status_code == 200, r.text
    return r.json(), fake


# --- the selection ---------------------------------------------------------------------------


@pytest.mark.parametrize("budget", [120, 300, 800, 2000])
def test_a_selection_fits_its_budget_in_article_order(budget: int) -> None:
    source = Source(LONG_CASE)
    picked = selection.select(source, ENCODING, budget)
    assert picked is not None
    assert picked.tokens == len(ENCODING.encode_ordinary(picked.text)) <= budget
    assert list(picked.indices) == sorted(set(picked.indices))
    assert picked.total == len(source.sentences) > len(picked.indices)
    assert picked.text == selection.plain_text(source, picked.indices)
    # the title line first, then the lead, as far as the budget goes
    assert picked.indices[0] == 0 and source.is_title
    if budget >= 300:
        lead = salience.candidates(source)[: selection.LEAD_SENTENCES]
        assert set(lead) <= set(picked.indices)


def test_the_top_ranked_sentences_are_sent() -> None:
    source = Source(LONG_CASE)
    picked = selection.select(source, ENCODING, BUDGET)
    assert picked is not None
    ranked = [s.index for s in salience.rank(source)]
    # the most salient sentences whose tokens add up to half the budget are all in
    top, tokens = [], 0
    for i in ranked:
        tokens += len(ENCODING.encode_ordinary(source.sentence_text(i)))
        if tokens > BUDGET // 2:
            break
        top.append(i)
    assert len(top) >= 3
    assert set(top) <= set(picked.indices)
    # and they reach beyond the article's opening
    assert max(top) > 20


FILLER = [
    "Gulls circled over the market square while vendors set out their fruit.",
    "A light rain fell through the morning and cleared before lunch.",
    "Children from the primary school walked past on their way to the museum.",
    "The bakery on the corner opened early, as it does every week.",
    "Traffic moved slowly along the coast road behind a tractor.",
    "An old song played from a radio in one of the cafes.",
    "Several dogs waited patiently outside the post office.",
    "The church bells rang at noon, and the square slowly emptied.",
]


def test_a_late_salient_sentence_beats_early_filler() -> None:
    key = (
        "Mayor Ines Calder said the Brennick council would spend $4.2 million on 3 new bridges "
        "over the Halden river."
    )
    text = "\n".join(
        [
            "Brennick council approves bridges on the Halden river",
            "The Brennick council approved new bridges over the Halden river on Monday.",
            *FILLER,
            key,
        ]
    )
    source = Source(text)
    picked = selection.select(source, ENCODING, 70)
    assert picked is not None
    sent = [source.sentence_text(i) for i in picked.indices]
    assert sent[:2] == [source.sentence_text(0), source.sentence_text(1)]  # title and lead
    assert sent[-1] == key
    assert len(sent) < 5  # not the filler that comes first


def test_paragraph_breaks_are_kept_between_sentences_sent() -> None:
    source = Source(
        "First one two three four.\n"
        "Second one two three four. Third one two three four. Fourth one two three four.\n"
        "Fifth one two three four."
    )
    assert selection.plain_text(source, [0, 2, 3, 4]) == (
        "First one two three four.\n"
        "Third one two three four. Fourth one two three four.\n"
        "Fifth one two three four."
    )
    assert selection.plain_text(source, [1, 3]) == (
        "Second one two three four. Fourth one two three four."
    )


def test_no_selection_when_not_one_sentence_fits() -> None:
    assert selection.select(Source(LONG_CASE), ENCODING, 20) is None


# --- the salience path -----------------------------------------------------------------------


def test_a_long_article_takes_one_call_on_its_salient_sentences() -> None:
    body, fake = summarize({"text": LONG_CASE, "prompt_version": "v6"})
    prov = body["provenance"]
    assert prov["path"] == "salience" and prov["chunk_count"] > 1
    assert len(fake.history) == 1 and body["usage"]["model_calls"] == 1
    assert [p["name"] for p in prov["prompts"]] == ["summarize"]
    settings = fake_settings(long_articles="salience", max_chunk_tokens=BUDGET)
    pipeline = build_pipeline(settings, open_client(settings, "http://fake.invalid/v1"))
    budget = pipeline.chunk_budget(LIBRARY.prompt_set("v6")["summarize"])
    picked = prov["selection"]
    assert picked["budget"] == budget and picked["tokens"] <= budget
    assert picked["sentences_total"] == len(Source(LONG_CASE).sentences)
    # what was sent: whole article sentences (with their paragraph breaks), in article order
    lines = sent_lines(fake.history[0])
    read = single_quotes(LONG_CASE)
    at = [read.find(line) for line in lines]
    assert -1 not in at and at == sorted(at) and at[0] == 0
    assert len(split(article_of(fake.history[0])).starts) == picked["sentences_sent"]
    assert len(ENCODING.encode_ordinary(article_of(fake.history[0]))) <= budget
    assert body["summary"]["text"] and body["claims"]


def test_claims_are_verified_against_the_whole_article() -> None:
    source = Source(LONG_CASE)
    picked = selection.select(source, ENCODING, BUDGET)
    assert picked is not None
    unsent = next(
        source.sentence_text(i)
        for i in reversed(salience.candidates(source))
        if i not in picked.indices and '"' not in source.sentence_text(i)
    )

    def answer(request: dict[str, Any]) -> dict[str, Any]:
        assert unsent not in article_of(request)
        claim = {"text": unsent, "kind": "event", "attributed_to": None, "quote": unsent}
        return {"summary": unsent, "claims": [claim]}

    body, _ = summarize({"text": LONG_CASE, "prompt_version": "v6"}, answer)
    assert body["provenance"]["path"] == "salience"
    (claim,) = body["claims"]
    assert claim["supported"], claim["reasons"]
    start = LONG_CASE.index(unsent)
    assert [(e["start"], e["end"]) for e in claim["evidence"]] == [(start, start + len(unsent))]
    assert all(s["supported"] for s in body["summary"]["sentences"] if s["origin"] == "model")


def test_a_numbered_set_reads_the_selection_under_the_article_numbers() -> None:
    version = next(
        v for v in LIBRARY.versions if LIBRARY.prompt_set(v)["summarize"].parameters.get(
            "cite_sentences"
        )
    )  # fmt: skip

    def answer(request: dict[str, Any]) -> dict[str, Any]:
        shown = [(n, s) for n, s in numbered_sentences(request) if len(s) > 40]
        (n1, s1), (n2, s2) = shown[1], shown[-1]
        return {
            "summary": [{"text": s1, "cites": [n1]}],
            "claims": [
                {"text": s2, "kind": "event", "attributed_to": None, "cites": [n2]},
                # a number the call was not shown: ignored, the claim still checked by its text
                {"text": s1, "kind": "event", "attributed_to": None, "cites": [n2 - 1]},
            ],
        }

    body, fake = summarize({"text": LONG_CASE, "prompt_version": version}, answer)
    assert body["provenance"]["path"] == "salience" and len(fake.history) == 1
    shown = numbered_sentences(fake.history[0])
    numbers = [n for n, _ in shown]
    assert numbers == sorted(numbers) and numbers[-1] > len(numbers)  # gaps: a selection
    source = Source(LONG_CASE)
    eligible = [i for i, ok in enumerate(source.eligible) if ok]
    for n, sentence in shown:
        assert sentence == single_quotes(source.sentence_text(eligible[n - 1]))
    assert body["provenance"]["selection"]["sentences_sent"] == len(shown)
    cited, uncited = body["claims"]
    assert cited["supported"] and [e["match"] for e in cited["evidence"]] == ["cited"]
    assert numbers[-1] - 1 not in numbers
    assert "cited" not in [e["match"] for e in uncited["evidence"]]


@pytest.mark.parametrize(
    ("setting", "path"), [("map_reduce", "map_reduce"), ("auto", "map_reduce")]
)
def test_map_reduce_unless_salience_is_asked(setting: str, path: str) -> None:
    body, fake = summarize({"text": LONG_CASE, "prompt_version": "v6"}, long_articles=setting)
    prov = body["provenance"]
    assert prov["path"] == path and prov["selection"] is None
    assert len(fake.history) == prov["chunk_count"] + 1


def test_an_article_that_fits_one_chunk_is_read_whole() -> None:
    text = LONG_CASE[:1500].rsplit("\n", 1)[0]
    body, fake = summarize({"text": text, "prompt_version": "v6"})
    assert body["provenance"]["path"] == "single" and body["provenance"]["selection"] is None
    assert article_of(fake.history[0]) == single_quotes(text)


def test_an_article_of_giant_sentences_falls_back_to_map_reduce() -> None:
    giant = " ".join(f"word{n} and" for n in range(60)) + " the end."
    text = "\n".join(giant.replace("end", f"end {k}") for k in range(4))
    body, fake = summarize({"text": text, "prompt_version": "v6"}, max_chunk_tokens=64)
    assert body["provenance"]["path"] in ("map_reduce", "map_join")
    assert len(fake.history) >= body["provenance"]["chunk_count"] > 1


def test_the_cache_key_holds_the_path(tmp_path: Path) -> None:
    cache = {"cache_enabled": True, "cache_path": tmp_path / "cache.sqlite3"}
    request = {"text": LONG_CASE, "prompt_version": "v6"}
    first, _ = summarize(request, **cache)
    again, fake = summarize(request, **cache)
    assert again["cached"] and not fake.history
    other, fake = summarize(request, long_articles="map_reduce", **cache)
    assert not other["cached"] and other["provenance"]["path"] == "map_reduce" and fake.history
    assert first["provenance"]["path"] == "salience"


# --- the setting -----------------------------------------------------------------------------


def test_a_bad_setting_names_the_choices() -> None:
    with pytest.raises(ValidationError) as e:
        fake_settings(long_articles="fastest")
    message = str(e.value)
    assert "long_articles" in message
    assert all(f"'{v}'" in message for v in ("auto", "map_reduce", "salience"))


@pytest.mark.parametrize("key", sorted(CATALOG))
def test_auto_follows_the_catalog(key: str) -> None:
    assert Settings(embedded_model=key).long_articles_path == CATALOG[key].long_articles


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({}, "salience"),  # the catalog entry says so
        ({"long_articles": "map_reduce"}, "map_reduce"),  # a setting beats the catalog
        ({"OPENAI_BASE_URL": "http://x.invalid/v1"}, "map_reduce"),  # remote: unmeasured
        ({"model_path": "/models/other.gguf"}, "map_reduce"),  # another file: unmeasured
    ],
)
def test_auto_takes_a_catalog_choice_of_salience(
    values: dict[str, str], expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = sorted(CATALOG)[0]
    monkeypatch.setitem(CATALOG, key, dataclasses.replace(CATALOG[key], long_articles="salience"))
    settings = Settings(embedded_model=key, **values)  # type: ignore[arg-type]
    assert settings.long_articles_path == expected


def test_salience_is_asked_for_by_setting_on_a_remote_model() -> None:
    assert fake_settings(long_articles="salience").long_articles_path == "salience"


# --- the eval --------------------------------------------------------------------------------


def test_eval_records_and_replays_the_salience_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio

    from evals import runner
    from evals.recording import MissingRecordingError, RecordingTransport
    from evals.report import markdown_summary

    fake = FakeModel(quoting_responder)
    never = httpx.MockTransport(lambda request: pytest.fail("replay reached the model"))

    def transport(mode: Any, folder: Path) -> RecordingTransport:
        upstream = httpx.MockTransport(fake.handle) if mode == "record" else never
        return RecordingTransport(mode, tmp_path, upstream)

    monkeypatch.setattr(runner, "RecordingTransport", transport)
    cases = runner.load_cases(["long_multichunk", "reference"])

    def run(mode: str, **values: Any) -> dict[str, Any]:
        settings = fake_settings(max_chunk_tokens=400, **values)
        url = "http://fake.invalid/v1"
        return asyncio.run(runner.run_cases(settings, url, mode, "v6", cases))  # type: ignore[arg-type]

    recorded = run("record", long_articles="salience")
    assert recorded["long_articles"] == "salience" and recorded["max_chunk_tokens"] == 400
    assert {n: c["path"] for n, c in recorded["cases"].items()} == {
        "long_multichunk": "salience",
        "reference": "salience",
    }
    assert recorded["recorded_calls"] == len(fake.history) == 2
    replayed = run("replay", long_articles="salience")
    assert replayed["replayed_calls"] == 2 and replayed["recorded_calls"] == 0
    for name, case in recorded["cases"].items():
        assert replayed["cases"][name]["response"]["summary"] == case["response"]["summary"]
    summary = markdown_summary(replayed)
    picked = replayed["cases"]["long_multichunk"]["response"]["provenance"]["selection"]
    assert (
        f"long_multichunk salience {picked['sentences_sent']}/{picked['sentences_total']} "
        "sentences" in summary
    )
    # the other path makes other calls: none of them is recorded
    with pytest.raises(MissingRecordingError):
        run("replay", long_articles="map_reduce")
