"""What a new user trips over at the HTTP API (issue 17): disconnects, HEAD, bodies as they
arrive, text that is not NFC or not English, start-up against a wrong endpoint."""

from __future__ import annotations

import asyncio
import json
import logging
import time
import unicodedata
from typing import Any

import httpx2 as httpx
import pytest
from litestar.testing import TestClient

from service.api.app import create_app
from service.chunking import split
from service.normalize import compose
from tests.conftest import fake_settings
from tests.fakes import FakeModel, Slow
from tests.test_api import metric_samples

GOOD = {"summary": "The mayor opened a bridge.", "claims": []}


def test_a_client_that_goes_away_frees_its_slot_and_is_not_a_500(fake: FakeModel) -> None:
    fake.enqueue(Slow(5.0, GOOD))
    app = create_app(fake_settings(max_running_requests=1), http_client=fake.http_client())
    body = json.dumps({"text": "The mayor of Brennick opened a bridge on Monday."}).encode()
    sent: list[dict[str, Any]] = []

    async def disconnecting_request() -> float:
        messages = [{"type": "http.request", "body": body, "more_body": False}]

        async def receive() -> dict[str, Any]:
            if messages:
                return messages.pop()
            await asyncio.sleep(0.2)  # the client gives up while the model is working
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
            "scheme": "http", "path": "/v1/summaries", "raw_path": b"/v1/summaries",
            "query_string": b"", "root_path": "", "client": ("127.0.0.1", 5000),
            "server": ("t", 80), "headers": [(b"content-type", b"application/json"),
                                             (b"content-length", str(len(body)).encode())],
        }  # fmt: skip
        started = time.perf_counter()
        await app(scope, receive, send)  # type: ignore[arg-type]
        return time.perf_counter() - started

    with TestClient(app) as client:
        took = client.blocking_portal.call(disconnecting_request)
        backend = app.state.backend
        assert took < 2.0  # the handler did not wait out the 5 s model call
        assert backend.admission.running == 0 and backend.admission.waiting == 0
        samples = metric_samples(client)
    errors = {dict(labels)["status"]: v for (name, labels), v in samples.items()
              if name == "summarizer_errors_total"}  # fmt: skip
    assert "500" not in errors
    assert errors.get("499") == 1


@pytest.mark.parametrize("path", ["/", "/health", "/ready"])
def test_head_is_answered_like_get_without_a_body(client: TestClient, path: str) -> None:  # type: ignore[type-arg]
    got = client.get(path)
    r = client.head(path)
    assert r.status_code == got.status_code == 200
    assert r.content == b""
    assert r.headers["content-type"] == got.headers["content-type"]
    assert r.headers["x-request-id"]


def test_favicon_is_not_a_404(client: TestClient) -> None:  # type: ignore[type-arg]
    assert client.get("/favicon.ico").status_code == 204


def test_a_streamed_body_is_refused_as_soon_as_it_passes_the_limit(fake: FakeModel) -> None:
    pulled = 0

    async def chunks() -> Any:
        nonlocal pulled
        for _ in range(1000):  # 64 MB if it were all read
            pulled += 1
            yield b"x" * 65_536

    app = create_app(fake_settings(max_body_bytes=200_000), http_client=fake.http_client())

    async def send() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            return await c.post("/v1/summaries", content=chunks(),
                                headers={"content-type": "text/plain"})  # fmt: skip

    with TestClient(app):
        r = asyncio.run(send())
    assert r.status_code == 413
    assert r.json()["details"]["limit_bytes"] == 200_000
    assert pulled <= 5  # 200 KB is four chunks: reading stopped at the first one past it
    assert fake.history == []


def test_the_limit_counts_the_bytes_sent_not_their_json_escapes(fake: FakeModel) -> None:
    russian = "Мэр Бренника открыл мост в понедельник, сообщили власти. " * 14  # ~1.5 KB of bytes
    app = create_app(fake_settings(max_body_bytes=len(russian.encode()) + 10),
                     http_client=fake.http_client())  # fmt: skip
    with TestClient(app) as client:
        r = client.post("/v1/summaries", content=russian.encode(),
                        headers={"content-type": "text/plain; charset=utf-8"})  # fmt: skip
        assert r.status_code == 200, r.text
        r = client.post("/v1/summaries", content=(russian + "Ещё раз, снова.").encode(),
                        headers={"content-type": "text/plain"})  # fmt: skip
        assert r.status_code == 413


def test_query_options_are_used_for_text_bodies(client: TestClient, fake: FakeModel) -> None:  # type: ignore[type-arg]
    r = client.post("/v1/summaries?prompt_version=v1&title=Bridge%20opens",
                    content=b"The mayor of Brennick opened a bridge on Monday.",
                    headers={"content-type": "text/plain"})  # fmt: skip
    assert r.status_code == 200, r.text
    assert r.json()["provenance"]["prompt_version"] == "v1"
    assert "Bridge opens" in fake.history[-1]["messages"][1]["content"]


def test_nfd_text_is_read_composed_and_offsets_index_what_was_sent(
    client: TestClient,  # type: ignore[type-arg]
    fake: FakeModel,
) -> None:
    composed_text = "José Ramos-Horta said the Brennick bridge opened on Monday after two years."
    sent = unicodedata.normalize("NFD", composed_text)
    assert sent != composed_text
    fake.enqueue({"summary": "José Ramos-Horta said the bridge opened.", "claims": [
        {"text": "José Ramos-Horta said the Brennick bridge opened on Monday.",
         "kind": "statement", "attributed_to": "José Ramos-Horta",
         "quote": "José Ramos-Horta said the Brennick bridge opened on Monday"}]})  # fmt: skip
    r = client.post("/v1/summaries", json={"text": sent})
    assert r.status_code == 200, r.text
    claim = r.json()["claims"][0]
    assert claim["supported"], claim["reasons"]
    for e in claim["evidence"]:
        assert sent[e["start"] : e["end"]] == e["quote"]
    assert claim["evidence"][0]["start"] == 0


def test_compose_maps_every_composed_span_back() -> None:
    sent = (
        unicodedata.normalize("NFD", "Café Müller, São Paulo: Ελληνικά ά and 한국어")
        + "\u1100\u1161"
    )
    assert compose("already composed") is None
    composed = compose(unicodedata.normalize("NFD", "Café Müller"))
    assert composed is not None and composed.text == "Café Müller"
    for start in range(len(composed.text)):
        for end in range(start, len(composed.text) + 1):
            a, b = composed.span(start, end)
            assert unicodedata.normalize("NFC", composed.original[a:b]) == composed.text[start:end]
    assert compose(sent) is None  # conjoining jamo compose across starters: used as sent


def test_cjk_sentences_end_at_their_full_stops() -> None:
    text = "今天市长宣布新桥开通。桥梁耗资四百万欧元！居民满意吗？他们说“很好”。"
    layout = split(text)
    assert [text[s.start : s.end] for s in layout.sentences] == [
        "今天市长宣布新桥开通。", "桥梁耗资四百万欧元！", "居民满意吗？", "他们说“很好”。",
    ]  # fmt: skip


def test_a_wrong_endpoint_is_reported_at_start_up(caplog: pytest.LogCaptureFixture) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    settings = fake_settings(OPENAI_BASE_URL="http://user:pw@models.invalid:9/v1")
    app = create_app(settings, http_client=httpx.AsyncClient(transport=httpx.MockTransport(refuse)))
    with caplog.at_level(logging.WARNING, logger="service.api"), TestClient(app):
        pass
    lines = [r.getMessage() for r in caplog.records if "does not answer" in r.getMessage()]
    assert len(lines) == 1
    assert "http://models.invalid:9/v1" in lines[0]
    assert "pw" not in lines[0] and "sk-test-secret" not in lines[0]


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"text": "The mayor spoke.", "max_summary_words": True}, "not true or false"),
        ({"text": "The mayor spoke.", "colour": "red"}, "unknown field 'colour'; the fields are"),
        ({"title": "x"}, "text: the field is required"),
        (None, "must be an object such as"),
        ([], "must be an object such as"),
    ],
)
def test_validation_errors_speak_the_clients_terms(
    client: TestClient,  # type: ignore[type-arg]
    body: Any,
    says: str,
) -> None:
    r = client.post("/v1/summaries", content=json.dumps(body).encode(),
                    headers={"content-type": "application/json"})  # fmt: skip
    assert r.status_code == 400
    assert says in r.json()["message"]
    assert "SummaryRequest" not in r.json()["message"]


def test_an_unreachable_endpoint_is_named_in_the_error(
    client: TestClient,  # type: ignore[type-arg]
    fake: FakeModel,
) -> None:
    fake.enqueue(httpx.ConnectError("refused"))
    r = client.post("/v1/summaries", json={"text": "The mayor of Brennick opened a bridge."})
    assert r.status_code == 503
    assert "http://fake.invalid" in r.json()["message"]
    assert "sk-test-secret" not in r.text


def test_a_blank_title_is_no_title(client: TestClient, fake: FakeModel) -> None:  # type: ignore[type-arg]
    article = "The mayor of Brennick opened a bridge on Monday."
    assert client.post("/v1/summaries", json={"text": article}).status_code == 200
    assert client.post("/v1/summaries", json={"text": article, "title": " \t "}).status_code == 200
    untitled, blank = (h["messages"] for h in fake.history[-2:])
    assert blank == untitled


def test_schema_docs_need_no_network_and_list_every_body_type(client: TestClient) -> None:  # type: ignore[type-arg]
    page = client.get("/schema")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "<script" not in page.text and "cdn." not in page.text and "unpkg" not in page.text
    assert "/v1/summaries" in page.text and "SummaryResponse" in page.text
    doc = client.get("/schema/openapi.json").json()
    operation = doc["paths"]["/v1/summaries"]["post"]
    assert set(operation["requestBody"]["content"]) == {
        "application/json",
        "text/plain",
        "text/html",
    }
    assert {p["name"] for p in operation["parameters"] if p["in"] == "query"} == {
        "title", "prompt_version", "max_summary_words",
    }  # fmt: skip


def test_a_connection_that_never_finishes_its_headers_is_closed() -> None:
    import socket
    import threading

    import uvicorn

    from service.api.http_protocol import HeaderTimeoutProtocol

    class Quick(HeaderTimeoutProtocol):
        header_timeout_s = 0.3

    app = create_app(fake_settings(), http_client=FakeModel().http_client())
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, http=Quick,
                                           log_level="warning", lifespan="on"))  # fmt: skip
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)

        def answer(sock: socket.socket) -> bytes:
            got = b""
            while b'"status":"ok"' not in got and (more := sock.recv(4096)):
                got += more
            return got

        # a whole request is answered, and the connection then stays open for the next
        with socket.create_connection(("127.0.0.1", port), timeout=5) as ok:
            ok.sendall(b"GET /health HTTP/1.1\r\nHost: t\r\n\r\n")
            assert answer(ok).startswith(b"HTTP/1.1 200")
            time.sleep(0.6)
            ok.sendall(b"GET /health HTTP/1.1\r\nHost: t\r\n\r\n")
            assert answer(ok).startswith(b"HTTP/1.1 200")
        # half a request line, then nothing: closed after the header timeout
        with socket.create_connection(("127.0.0.1", port), timeout=5) as slow:
            slow.sendall(b"GET /health HTTP/1.1\r\nHost:")
            started = time.monotonic()
            assert slow.recv(4096) == b""
            assert time.monotonic() - started < 3
    finally:
        server.should_exit = True
        thread.join(timeout=10)
