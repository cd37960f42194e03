"""ASGI middleware: request ids on every response, and plain-text article bodies."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any, cast

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = "x-request-id"
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
SUMMARIES_PATH = "/v1/summaries"
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
]
ACCEPTED_TYPES = ("application/json", "text/plain")


async def _unsupported(scope: Scope, send: Send, ctype: str) -> None:
    """A 415 in the service's error shape, sent before the app parses anything."""
    body = json.dumps(
        {
            "error": "unsupported_media_type",
            "message": f"content type {ctype!r} is not supported; send application/json "
            "or text/plain",
            "request_id": scope.get("state", {}).get("request_id", "-"),
            "details": {"accepted": list(ACCEPTED_TYPES)},
        }
    ).encode()
    start: Any = {
        "type": "http.response.start",
        "status": 415,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
    }
    end: Any = {"type": "http.response.body", "body": body}
    await send(start)
    await send(end)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


def request_id_middleware(app: ASGIApp) -> ASGIApp:
    """Give every request an id (the client's X-Request-ID when sane) and echo it back."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        given = _header(scope, REQUEST_ID_HEADER.encode())
        rid = given if given and _SAFE_ID.match(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = rid

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0].lower() != b"x-request-id"]
                headers.append((b"x-request-id", rid.encode()))
                headers.extend(SECURITY_HEADERS)
                message["headers"] = headers
            await send(message)

        await app(scope, receive, send_with_id)

    return middleware


def plain_text_middleware(app: ASGIApp) -> ASGIApp:
    """Accept `text/plain` on POST /v1/summaries: the whole body is the article.

    The body is decoded strictly as UTF-8 and re-sent as `{"text": ...}` JSON, so one handler and
    one validation path serve both content types. Invalid UTF-8 is left for the handler's JSON
    parser to reject with a 400.
    """

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != ScopeType.HTTP
            or scope["path"] != SUMMARIES_PATH
            or scope.get("method") != "POST"
        ):
            await app(scope, receive, send)
            return
        ctype = (
            (_header(scope, b"content-type") or "application/json").split(";")[0].strip().lower()
        )
        if ctype not in ACCEPTED_TYPES:
            await _unsupported(scope, send, ctype)
            return
        if ctype != "text/plain":
            await app(scope, receive, send)
            return
        chunks: list[bytes] = []
        more = True
        while more:
            message: dict[str, Any] = cast(dict[str, Any], await receive())
            if message["type"] == "http.disconnect":
                return
            chunks.append(bytes(message.get("body", b"")))
            more = bool(message.get("more_body", False))
        raw = b"".join(chunks)
        try:
            body = json.dumps({"text": raw.decode("utf-8")}).encode()
        except UnicodeDecodeError:
            body = raw  # not valid UTF-8: let the JSON path report it
        headers = [
            (k, v)
            for k, v in scope["headers"]
            if k.lower() not in (b"content-type", b"content-length")
        ]
        headers += [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
        new_scope: Any = {**scope, "headers": headers}
        sent = False

        async def replay() -> Any:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await app(new_scope, replay, send)

    return middleware
