"""Reading model answers: lenient JSON, and the complete part of a cut-off answer."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from service.llm import ChatCompletion, parse_answer, salvage_answer
from service.schemas import ModelChunkNotes, ModelSummary

CLAIM = (
    '{"text": "The mayor opened a bridge.", "kind": "event", "attributed_to": null, '
    '"quote": "The mayor opened a bridge"}'
)


def test_raw_control_characters_in_strings_are_read() -> None:
    answer = parse_answer('{"summary": "Line one.\nLine\ttwo.", "claims": []}', ModelSummary)
    assert answer.summary == "Line one.\nLine\ttwo."


@pytest.mark.parametrize(
    ("content", "summary", "claims"),
    [
        # looping in the claim list: the whole claims are kept, the unfinished one dropped
        ('{"summary": "A bridge opened.", "claims": [' + CLAIM + ", " + CLAIM[:40], "A bridge opened.", 1),
        ('{"summary": "A bridge opened.", "claims": [' + CLAIM, "A bridge opened.", 1),
        ('{"summary": "A bridge\nopened.", "claims": [', "A bridge opened.", 0),
        # cut inside the summary, or before the claims began: nothing valid to keep
        ('{"summary": "A bridge op', None, 0),
        ('{"summary": "A bridge opened."', None, 0),
        ("Sure! Here is", None, 0),
    ],
)  # fmt: skip
def test_cut_off_answers_keep_only_their_complete_part(
    content: str, summary: str | None, claims: int
) -> None:
    kept = salvage_answer(content, ModelSummary)
    if summary is None:
        assert kept is None
    else:
        assert kept is not None and kept.summary == summary and len(kept.claims) == claims


def test_salvage_works_for_chunk_notes_too() -> None:
    kept = salvage_answer('{"notes": "Part one.", "claims": [' + CLAIM + ", {", ModelChunkNotes)
    assert kept is not None and kept.notes == "Part one." and len(kept.claims) == 1


def test_llama_grammar_keeps_string_minimums_openai_strict_mode_does_not() -> None:
    from service.llm import response_format

    llama = response_format(ModelChunkNotes, "json_object_schema")
    openai = response_format(ModelChunkNotes, "json_schema")
    assert llama is not None and openai is not None
    assert llama["schema"]["properties"]["notes"]["minLength"] == 1
    assert "minLength" not in json.dumps(openai)
    # long bounds are dropped for both (they would blow up llama.cpp's grammar); short ones kept
    assert llama["schema"]["properties"]["notes"].get("maxLength") is None
    assert "maxLength" in json.dumps(llama["schema"]["$defs"]["ModelClaim"])


@pytest.mark.parametrize(
    "envelope",
    [
        {"choices": [{"message": {"content": "{}"}, "finish_reason": "eos"}]},  # not OpenAI's list
        {"choices": [{"message": {"content": "{}", "role": "assistant"}}], "usage": None},
        {"id": "x", "choices": [{"message": {"content": "{}"}}], "extra": {"vendor": 1}},
        {"choices": [{"message": {"content": "{}"}}], "usage": {"prompt_tokens": None}},
    ],
)
def test_chat_completion_envelope_is_read_leniently_where_servers_differ(
    envelope: dict[str, object],
) -> None:
    resp = ChatCompletion.model_validate_json(json.dumps(envelope))
    assert resp.choices[0].message.content == "{}"


@pytest.mark.parametrize(
    "body", ['{"status": "ok"}', '{"choices": "x"}', "<html>Sign in</html>", "[]"]
)
def test_a_body_that_is_not_a_chat_completion_is_refused(body: str) -> None:
    with pytest.raises(ValidationError):
        ChatCompletion.model_validate_json(body)
