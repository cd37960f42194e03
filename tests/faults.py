"""The bad inputs and upstream faults the service is tried with, as data.

`tests/test_faults.py` runs every case and checks its answer; `scripts/fault_table.py` runs the
same cases and writes what each one got to docs/faults.md. One table, so the document cannot
claim what the tests do not check.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2 as httpx
from litestar.testing import TestClient

from service.api.app import create_app
from tests.conftest import fake_settings
from tests.fakes import Answer, FakeModel, Slow, completion

ARTICLE = "The mayor of Brennick opened a bridge on Monday."
GOOD = {"summary": "The mayor opened a bridge.", "claims": []}
NESTED = b'{"text": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"


@dataclass(frozen=True)
class Fault:
    """One thing tried against POST /v1/summaries and the answer it must get."""

    id: str
    tried: str  # what was sent or what the model did, for people
    status: int
    code: str | None  # the error body's code; None for a success
    request: dict[str, Any] = field(default_factory=lambda: {"json": {"text": ARTICLE}})
    answers: tuple[Answer, ...] = ()  # what the fake model does, call by call
    settings: dict[str, Any] = field(default_factory=dict)
    headers: tuple[str, ...] = ()  # response headers that must be present
    burst: int = 1  # requests sent; the answer reported is the last with the expected status
    in_order: bool = False  # send the burst one after another instead of all at once
    statuses: tuple[int, ...] = ()  # every status of a burst, in any order
    expect: str = ""  # a note on the answer, for the document
    cache: str = ""  # "damaged": the cache file is not a database; "locked": held by another writer
    says: str = ""  # what the answer must contain (the error's message, or the response JSON)


def text(body: str, ctype: str = "text/plain") -> dict[str, Any]:
    return {"content": body.encode(), "headers": {"content-type": ctype}}


def json_body(raw: bytes) -> dict[str, Any]:
    return {"content": raw, "headers": {"content-type": "application/json"}}


@dataclass(frozen=True)
class Stream:
    """A body sent in 64 KB chunks without Content-Length (chunked), `size` bytes in all."""

    size: int
    head: bytes = b""

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self.head
        sent = len(self.head)
        while sent < self.size:
            piece = min(65_536, self.size - sent)
            sent += piece
            yield b"x" * piece


INPUT = [
    Fault("empty", "text is whitespace only", 422, "empty_article", {"json": {"text": " \n\t "}}),
    # text with no letters or digits: nothing to summarize, whichever way it arrives (item 1)
    Fault("empty-string", "text is the empty string", 422, "empty_article", {"json": {"text": ""}}, says='no letters or digits'),
    Fault("nuls", "text is three NULs", 422, "empty_article", {"json": {"text": "\x00\x00\x00"}}),
    Fault("many-nuls", "text is 5,000 NULs", 422, "empty_article", {"json": {"text": "\x00" * 5000}}),
    Fault("zero-width", "text is only zero-width characters", 422, "empty_article",
          {"json": {"text": "\u200b\u200c\u200d\u2060\ufeff"}}),
    Fault("lone-bom", "text is a lone byte-order mark", 422, "empty_article",
          {"json": {"text": "\ufeff"}}),
    Fault("control-only", "text is only control characters", 422, "empty_article",
          {"json": {"text": "\x01\x02\x07\x1b\x7f\x0b"}}),
    Fault("punctuation-only", "text is only punctuation", 422, "empty_article",
          {"json": {"text": "... !!! ??? ,,, ---"}}),
    Fault("emoji-only", "text is only emoji", 422, "empty_article",
          {"json": {"text": "\U0001f600 \U0001f44d\U0001f3fd \u2764\ufe0f \U0001f1fa\U0001f1f8"}}),
    Fault("plain-nuls", "a text/plain body of four NULs", 422, "empty_article", text("\x00" * 4)),
    Fault("plain-empty", "an empty text/plain body", 422, "empty_article", text("")),
    Fault("html-no-text", "a text/html page with no text in it", 422, "empty_article",
          text("<html><body><script>x()</script><img src=a.png></body></html>", "text/html")),
    Fault("boilerplate-only", "text holds only page furniture lines", 422, "empty_article",
          {"json": {"text": "| Also Read: More news |\nShare this article"}}),
    Fault("missing-text", "no `text` field", 400, "bad_request", {"json": {"title": "x"}}, says='field is required'),
    Fault("wrong-type", "`text` is a number", 400, "bad_request", {"json": {"text": 5}}),
    Fault("unknown-field", "an unknown field `colour`", 400, "bad_request",
          {"json": {"text": ARTICLE, "colour": "red"}}, says='the fields are text'),
    Fault("unknown-version", "`prompt_version` v99 (not released)", 422,
          "unknown_prompt_version", {"json": {"text": ARTICLE, "prompt_version": "v99"}}),
    Fault("malformed-version", "`prompt_version` 'latest'", 422, "unknown_prompt_version",
          {"json": {"text": ARTICLE, "prompt_version": "latest"}}, says='available: v1'),
    # bodies and values the client gets told about in its own terms (item 11)
    Fault("null-body", "the JSON body is null", 400, "bad_request", json_body(b"null"), says='must be an object'),
    Fault("array-body", "the JSON body is an array", 400, "bad_request", json_body(b"[]"), says='must be an object'),
    Fault("string-body", "the JSON body is a string", 400, "bad_request", json_body(b'"x"'), says='must be an object'),
    Fault("empty-body", "an empty JSON body", 400, "bad_request", json_body(b""), says='body is empty'),
    Fault("json-bom", "a JSON body that starts with a UTF-8 byte-order mark", 200, None,
          json_body(b"\xef\xbb\xbf" + json.dumps({"text": ARTICLE}).encode()),
          expect="answered; the byte-order mark is ignored"),
    Fault("bool-words", "`max_summary_words` true", 400, "bad_request",
          {"json": {"text": ARTICLE, "max_summary_words": True}}, says='not true or false'),
    Fault("query-with-json", "`?prompt_version=v1` with a JSON body", 400, "bad_request",
          {"json": {"text": ARTICLE}, "params": {"prompt_version": "v1"}}),
    Fault("query-unknown", "text/plain with an unknown query parameter `?colour=red`", 400,
          "bad_request", {**text(ARTICLE), "params": {"colour": "red"}}),
    Fault("query-options", "text/plain with `?title=Bridge&prompt_version=v1`", 200, None,
          {**text(ARTICLE), "params": {"title": "Bridge", "prompt_version": "v1"}},
          expect="answered with prompt set v1; the query's options are used", says='"prompt_version":"v1"'),
    Fault("blank-title", "a whitespace-only title", 200, None,
          {"json": {"text": ARTICLE, "title": "   "}}, expect="answered as if no title was sent"),
    Fault("out-of-range", "`max_summary_words` 5 (range 20–400)", 400, "bad_request",
          {"json": {"text": ARTICLE, "max_summary_words": 5}}),
    Fault("long-title", "a 501-character title", 400, "bad_request",
          {"json": {"text": ARTICLE, "title": "t" * 501}}),
    Fault("html-in-json", "an HTML page as the JSON `text`", 400, "bad_request",
          {"json": {"text": "<html><body><p>The mayor spoke.</p><p>Then left.</p></body></html>"}}),
    Fault("bad-json", "a JSON body cut off mid-way", 400, "bad_request",
          {"content": b'{"text": "The mayor', "headers": {"content-type": "application/json"}}),
    Fault("deep-json", "JSON nested 100,000 levels deep", 400, "bad_request",
          {"content": NESTED, "headers": {"content-type": "application/json"}}),
    Fault("bad-utf8", "text/plain body that is not UTF-8", 400, "bad_request",
          {"content": b"\xff\xfe not utf-8", "headers": {"content-type": "text/plain"}}),
    Fault("control-chars", "NULs and control characters inside the article", 200, None,
          {"json": {"text": "The mayor\x00 of Brennick\x07 opened a bridge on Monday."}},
          expect="answered; control characters reach the model as spaces, offsets unchanged"),
    Fault("html-page", "an HTML page sent as text/html", 200, None,
          text("<html><body><script>x()</script><p>" + ARTICLE + "</p></body></html>",
               "text/html"),
          expect="reduced to its text (scripts, navigation dropped); `article_text` returned"),
    Fault("media-type", "Content-Type application/xml", 415, "unsupported_media_type",
          text("<a/>", "application/xml")),
    Fault("body-too-large", "a 1,000,001-byte body (limit 1,000,000)", 413, "body_too_large",
          text("x" * 1_000_001)),
    # the size limit is on the bytes the client sends, checked as they arrive (item 4)
    Fault("plain-too-large-declared", "text/plain, Content-Length 80 MB (limit 1,000,000)", 413,
          "body_too_large", {**text(ARTICLE), "headers": {"content-type": "text/plain",
                                                          "content-length": "80000000"}},
          expect="refused before the body is read"),
    Fault("plain-too-large-streamed", "text/plain sent in 64 KB chunks with no Content-Length, "
          "20 MB in all", 413, "body_too_large",
          {"content": Stream(20_000_000), "headers": {"content-type": "text/plain"}}),
    Fault("json-too-large-streamed", "JSON sent in 64 KB chunks with no Content-Length, "
          "20 MB in all", 413, "body_too_large",
          {"content": Stream(20_000_000, b'{"text": "'), "headers":
           {"content-type": "application/json"}}),
    Fault("cyrillic-near-limit", "a 2,900-byte Russian text/plain body (limit 3,000; 8,700 "
          "bytes as ASCII-escaped JSON)", 200, None,
          text(("Мэр Бренника открыл мост в понедельник. " * 40)[:1450]),
          settings={"max_body_bytes": 3000},
          expect="answered: the limit applies to what the client sent"),
    Fault("plain-about-tags", "text/plain about HTML, naming <div>, <span>, <p>, <a>, <b>", 200,
          None, text("The course covers <div>, <span>, <p>, <a> and <b> tags. " * 3),
          expect="answered: text/plain is data, even when it discusses tags"),
    Fault("plain-page", "an HTML document sent as text/plain", 400, "bad_request",
          text("<!doctype html><html><body><p>" + ARTICLE + "</p></body></html>"), says='POST it with Content-Type: text/html'),
    Fault("too-many-tokens", "an article of 201 tokens (limit set to 50)", 413,
          "article_too_long", {"json": {"text": "word " * 200}},
          settings={"max_article_tokens": 50}, says='send it in parts'),
    Fault("no-key", "no API key when keys are configured", 401, "unauthorized",
          settings={"api_keys": ["k1"]}),
    Fault("wrong-key", "a wrong API key", 401, "unauthorized",
          {"json": {"text": ARTICLE}, "headers": {"authorization": "Bearer k2"}},
          settings={"api_keys": ["k1"]}),
    Fault("rate-limited", "3 requests in a minute with a limit of 2", 429, "rate_limited",
          settings={"rate_limit_per_minute": 2}, burst=3, in_order=True, statuses=(200, 200, 429),
          headers=("retry-after", "ratelimit-limit")),
]  # fmt: skip

UPSTREAM = [
    Fault("upstream-429", "the model endpoint answers 429, Retry-After: 7", 503,
          "upstream_rate_limited",
          answers=(httpx.Response(429, headers={"retry-after": "7"}, json={"error": "slow"}),),
          headers=("retry-after",)),
    Fault("upstream-500", "the model endpoint answers 500", 503, "upstream_unavailable",
          answers=(httpx.Response(500, json={"error": "boom"}),)),
    Fault("upstream-refused", "the connection is refused", 503, "upstream_unavailable",
          answers=(httpx.ConnectError("refused"),), says='http://fake.invalid'),
    Fault("upstream-400", "the model endpoint refuses the request (400)", 502,
          "upstream_rejected", answers=(httpx.Response(400, json={"error": "bad model"}),)),
    Fault("upstream-html", "the endpoint answers 200 with an HTML page (a proxy's)", 502,
          "upstream_bad_response",
          answers=(httpx.Response(200, text="<html>Sign in</html>",
                                  headers={"content-type": "text/html"}),)),
    Fault("upstream-not-chat", "the endpoint answers 200 with JSON that has no `choices`", 502,
          "upstream_bad_response", answers=(httpx.Response(200, json={"status": "ok"}),)),
    Fault("upstream-timeout", "the call times out", 504, "upstream_timeout",
          answers=(httpx.ReadTimeout("slow"),)),
    Fault("deadline", "the model takes 0.5 s; request deadline 0.1 s", 504, "deadline_exceeded",
          answers=(Slow(0.5, GOOD),), settings={"request_deadline_s": 0.1}),
    Fault("deadline-queued", "4 requests at once, 1 running slot, the model takes 0.5 s a call; "
          "request deadline 0.8 s", 504, "deadline_exceeded",
          answers=(Slow(0.5, GOOD),) * 4, burst=4, statuses=(200, 504, 504, 504),
          settings={"max_running_requests": 1, "request_deadline_s": 0.8},
          expect="the deadline counts the time queued for a slot", says='waiting for a free model slot'),
    Fault("not-json", "3 answers that are not JSON", 502, "invalid_model_output",
          answers=("not json",) * 3),
    Fault("wrong-schema", "3 answers of the wrong shape", 502, "invalid_model_output",
          answers=('{"summary": 1}',) * 3),
    Fault("cut-off", "3 answers cut off by max_tokens", 502, "model_output_truncated",
          answers=(completion('{"summary": "cut', finish_reason="length"),) * 3),
    Fault("cut-off-kept", "an answer cut off inside its claim list", 200, None,
          answers=(completion('{"summary": "The mayor opened a bridge.", "claims": [{"text": "Th',
                              finish_reason="length"),),
          expect="the complete part kept (summary, whole claims), no repair call; usage.salvaged 1"),
    Fault("repaired", "one invalid answer, then a valid one", 200, None,
          answers=('{"summary": 1}', GOOD), expect="answered after 1 repair"),
    Fault("raw-newline", "a raw newline inside a JSON string", 200, None,
          answers=('{"summary": "The mayor\nopened a bridge.", "claims": []}',),
          expect="read leniently, no repair"),
    Fault("overload", "6 requests at once; 1 running + 1 queued allowed", 503, "overloaded",
          answers=(Slow(0.3, GOOD),) * 6, burst=6, statuses=(200, 200, 503, 503, 503, 503),
          headers=("retry-after",),
          settings={"max_running_requests": 1, "max_queued_requests": 1}),
    Fault("cache-damaged", "the response cache file is not a database", 200, None,
          answers=(GOOD,), cache="damaged",
          expect="answered; the service started without its cache and logged a warning"),
    Fault("cache-locked", "another process holds the cache file's write lock", 200, None,
          answers=(GOOD,), cache="locked",
          expect="answered after a 50 ms wait for the lock; the answer is not stored "
          "(summarizer_cache_failures_total)"),
]  # fmt: skip

FAULTS = INPUT + UPSTREAM


@dataclass
class Outcome:
    """What a case got: the last response, and every status of a burst."""

    response: httpx.Response
    statuses: list[int]
    model_calls: int


@contextlib.contextmanager
def write_lock(path: Path) -> Iterator[None]:
    """Hold the SQLite file's write lock from another connection, as another process would."""
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN EXCLUSIVE")
        yield
        other.execute("ROLLBACK")
    finally:
        other.close()


def run(fault: Fault) -> Outcome:
    """Send the case to a fresh app over a fake model; a burst is sent concurrently."""
    with tempfile.TemporaryDirectory(prefix="fault-") as folder:
        return _run(fault, Path(folder) / "cache.sqlite3")


def _run(fault: Fault, cache_path: Path) -> Outcome:
    fake = FakeModel()
    fake.enqueue(*fault.answers)
    settings = dict(fault.settings)
    if fault.cache:
        settings |= {"cache_enabled": True, "cache_path": cache_path}
    if fault.cache == "damaged":
        cache_path.write_bytes(b"not a database " * 100)
    app = create_app(fake_settings(**settings), http_client=fake.http_client())

    async def send_all() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            if fault.in_order:
                return [await c.post("/v1/summaries", **fault.request) for _ in range(fault.burst)]
            sends = (c.post("/v1/summaries", **fault.request) for _ in range(fault.burst))
            return list(await asyncio.gather(*sends))

    locked = write_lock(cache_path) if fault.cache == "locked" else contextlib.nullcontext()
    with TestClient(app), locked:  # the lifespan opens the cache, then the lock is taken
        responses = asyncio.run(send_all())
    wanted = [r for r in responses if r.status_code == fault.status] or responses
    return Outcome(wanted[-1], [r.status_code for r in responses], len(fake.history))


def describe(fault: Fault, outcome: Outcome) -> dict[str, str]:
    """One row of the document: what was tried and what came back."""
    r = outcome.response
    if r.status_code < 400:
        got = fault.expect or "answered"
    else:
        body = r.json()
        got = f"`{body['error']}`: {body['message']}"
    if fault.burst > 1:
        counts = {s: outcome.statuses.count(s) for s in sorted(set(outcome.statuses))}
        got += " (statuses: " + ", ".join(f"{n}× {s}" for s, n in counts.items()) + ")"
    extra = [f"{h}: {r.headers[h]}" for h in fault.headers if h in r.headers]
    return {
        "case": fault.id,
        "tried": fault.tried,
        "status": str(r.status_code),
        "answer": got.replace("|", "\\|").replace("\n", " ")[:220],
        "headers": ", ".join(extra),
        "model calls": str(outcome.model_calls),
    }
