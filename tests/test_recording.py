"""Recording model calls: record saves new calls and reuses recorded ones; replay never calls."""

from __future__ import annotations

import json
from pathlib import Path

import httpx2 as httpx
import pytest

from evals.recording import MissingRecordingError, RecordingTransport
from tests.fakes import FakeModel

BODY = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 5}


async def post(transport: RecordingTransport) -> str:
    async with httpx.AsyncClient(transport=transport, base_url="http://model/v1") as client:
        r = await client.post("/chat/completions", json=BODY)
    return str(r.json()["choices"][0]["message"]["content"])


@pytest.mark.asyncio
async def test_record_saves_a_new_call_and_reuses_a_recorded_one(tmp_path: Path) -> None:
    fake = FakeModel()
    fake.enqueue("first answer", "second answer")
    upstream = httpx.MockTransport(fake.handle)
    recorder = RecordingTransport("record", tmp_path, upstream)
    assert await post(recorder) == "first answer"
    assert recorder.recorded == 1 and len(fake.history) == 1
    # the same call again, in a later record run (another prompt set sharing it): no model call,
    # and the recording is not overwritten with a different answer
    again = RecordingTransport("record", tmp_path, upstream)
    assert await post(again) == "first answer"
    assert again.recorded == 0 and again.hits == 1 and len(fake.history) == 1
    saved = json.loads(next(tmp_path.rglob("*.json")).read_text())
    assert saved["response"]["choices"][0]["message"]["content"] == "first answer"


@pytest.mark.asyncio
async def test_replay_answers_from_disk_and_refuses_unrecorded_calls(tmp_path: Path) -> None:
    fake = FakeModel()
    fake.enqueue("recorded")
    await post(RecordingTransport("record", tmp_path, httpx.MockTransport(fake.handle)))
    never = httpx.MockTransport(lambda request: pytest.fail("replay reached the model"))
    assert await post(RecordingTransport("replay", tmp_path, never)) == "recorded"
    with pytest.raises(MissingRecordingError):
        await post(RecordingTransport("replay", tmp_path / "empty", never))
