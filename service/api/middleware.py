"""ASGI middleware: request ids on every response, and plain-text or HTML article bodies."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any, cast

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from service.markup import html_to_text
from service.metrics import ERROR_CODE
from service.schemas import ErrorBody

REQUEST_ID_HEADER = "x-request-id"
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
SUMMARIES_PATH = "/v1/summaries"
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
]
ACCEPTED_TYPES = ("application/json", "text/plain", "text/html")
# Set in the request state when the article was reduced from HTML (offsets index the reduced text).
REDUCED_FROM_HTML = "reduced_from_html"


async def _reject(
    scope: Scope, send: Send, status: int, code: str, message: str, details: dict[str, Any]
) -> None:
    """An error in the service's shape, sent before the app parses anything."""
    body = (
        ErrorBody(
            error=code,
            message=message,
            request_id=scope.get("state", {}).get("request_id", "-"),
            details=details,
        )
        .model_dump_json()
        .encode()
    )
    start: Any = {
        "type": "http.response.start",
        "status": status,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
    }
    end: Any = {"type": "http.response.body", "body": body}
    scope.setdefault("state", {})[ERROR_CODE] = code
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


def text_body_middleware(app: ASGIApp) -> ASGIApp:
    """Accept `text/plain` and `text/html` on POST /v1/summaries: the whole body is the article.

    The body is decoded strictly (UTF-8 unless the content type names another charset), HTML is
    reduced to its readable text, and the result is re-sent as `{"text": ...}` JSON, so one
    handler and one validation path serve every content type. A body that cannot be decoded gets
    a 400 that says so.
    """

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != ScopeType.HTTP
            or scope["path"] != SUMMARIES_PATH
            or scope.get("method") != "POST"
        ):
            await app(scope, receive, send)
            return
        ctype, _, params = (_header(scope, b"content-type") or "application/json").partition(";")
        ctype = ctype.strip().lower()
        if ctype not in ACCEPTED_TYPES:
            why = f"content type {ctype!r} is not supported; send {', '.join(ACCEPTED_TYPES)}"
            accepted = {"accepted": list(ACCEPTED_TYPES)}
            await _reject(scope, send, 415, "unsupported_media_type", why, accepted)
            return
        if ctype == "application/json":
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
        charset = _charset(params)
        try:
            text = b"".join(chunks).decode(charset)
        except (UnicodeDecodeError, LookupError) as e:
            why = f"the {ctype} body is not valid {charset}: {e}; send UTF-8 text"
            await _reject(scope, send, 400, "bad_request", why, {"charset": charset})
            return
        if ctype == "text/html":
            text = html_to_text(text)
            scope.setdefault("state", {})[REDUCED_FROM_HTML] = True
        body = json.dumps({"text": text}).encode()
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


def _charset(params: str) -> str:
    """The charset parameter of a content type, UTF-8 when absent."""
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            return value.strip().strip('"')
    return "utf-8"
