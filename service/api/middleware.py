"""ASGI middleware: request ids on every response, HEAD answered like GET, and article bodies
(size-limited as they arrive; plain text and HTML accepted)."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any, cast
from urllib.parse import parse_qsl

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from service.markup import html_to_text, is_document
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


def head_middleware(app: ASGIApp) -> ASGIApp:
    """HEAD on a GET route is answered as GET would be (status and headers), without the body.

    Uptime probes send HEAD; Litestar routes it only to handlers declared for HEAD.
    """

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or scope.get("method") != "HEAD":
            await app(scope, receive, send)
            return

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = cast(Message, {**message, "body": b""})
            await send(message)

        await app(cast(Scope, {**scope, "method": "GET"}), receive, without_body)

    return middleware


# Options a text/plain or text/html body (which has no fields) may pass in the query string.
QUERY_OPTIONS = ("title", "prompt_version", "max_summary_words")
# Set in the request state: how the article arrived ("json", "text/plain" or "text/html").
BODY_KIND = "body_kind"
_BOM = b"\xef\xbb\xbf"


def body_middleware(app: ASGIApp, max_body_bytes: int) -> ASGIApp:
    """Read POST /v1/summaries bodies with a byte limit, and accept `text/plain` and `text/html`.

    The limit applies to the bytes the client sends, as they arrive: a declared Content-Length
    over it is refused before anything is read, and a body that grows past it is refused at the
    first chunk beyond it, so a huge body never sits in memory. A text body is decoded strictly
    (UTF-8 unless the content type names another charset; a byte-order mark is dropped), HTML is
    reduced to its readable text, and the result is re-sent as `{"text": ...}` JSON with the
    query's options (`?title=`, `?prompt_version=`, `?max_summary_words=`), so one handler and
    one validation path serve every content type. A JSON body takes its options in the body, so
    a query string with it is refused rather than ignored.
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
        query, problem = _query_options(scope, ctype)
        if problem:
            await _reject(scope, send, 400, "bad_request", problem, {"query": list(query)})
            return
        too_large = (
            f"the request body is larger than the {max_body_bytes:,}-byte limit; send less text",
            {"limit_bytes": max_body_bytes},
        )
        declared = _header(scope, b"content-length")
        if declared and declared.strip().isdigit() and int(declared) > max_body_bytes:
            await _reject(scope, send, 413, "body_too_large", *too_large)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message: dict[str, Any] = cast(dict[str, Any], await receive())
            if message["type"] == "http.disconnect":
                return
            chunk = bytes(message.get("body", b""))
            size += len(chunk)
            if size > max_body_bytes:
                await _reject(scope, send, 413, "body_too_large", *too_large)
                return
            chunks.append(chunk)
            more = bool(message.get("more_body", False))
        raw = b"".join(chunks)
        state = scope.setdefault("state", {})
        if ctype == "application/json":
            state[BODY_KIND] = "json"
            if not raw.strip():
                why = 'the request body is empty; send JSON such as {"text": "..."}, or the article as text/plain'
                await _reject(scope, send, 400, "bad_request", why, {})
                return
            body = raw.removeprefix(_BOM)  # RFC 8259 lets a parser ignore one
        else:
            charset = _charset(params)
            try:
                text = raw.decode("utf-8-sig" if charset.lower() in ("utf-8", "utf8") else charset)
            except (UnicodeDecodeError, LookupError) as e:
                why = f"the {ctype} body is not valid {charset}: {e}; send UTF-8 text"
                await _reject(scope, send, 400, "bad_request", why, {"charset": charset})
                return
            text = text.removeprefix("\ufeff")
            state[BODY_KIND] = ctype
            if ctype == "text/html":
                text = html_to_text(text)
                state[REDUCED_FROM_HTML] = True
            elif is_document(text):  # text/plain is data, even about tags; a page is not text
                why = (
                    "the text/plain body is an HTML document; POST it with Content-Type: "
                    "text/html to have it reduced to its text"
                )
                await _reject(scope, send, 400, "bad_request", why, {})
                return
            # ensure_ascii=False: the re-encoded body stays about the size the client sent
            body = json.dumps({"text": text, **query}, ensure_ascii=False).encode()
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


def _query_options(scope: Scope, ctype: str) -> tuple[dict[str, Any], str | None]:
    """The options a text body passes in the query string, or what is wrong with the query."""
    raw = bytes(scope.get("query_string", b"")).decode("utf-8", "replace")
    pairs = parse_qsl(raw, keep_blank_values=True)
    if not pairs:
        return {}, None
    names = [name for name, _ in pairs]
    if ctype == "application/json":
        return dict(pairs), (
            f"query parameters ({', '.join(sorted(set(names)))}) are not read with a JSON body; "
            "put the options in the JSON object"
        )
    unknown = sorted(set(names) - set(QUERY_OPTIONS))
    if unknown:
        return dict(pairs), (
            f"unknown query parameter(s) {', '.join(unknown)}; a {ctype} body takes "
            f"{', '.join(QUERY_OPTIONS)}"
        )
    options: dict[str, Any] = {}
    for name, value in pairs:
        options[name] = int(value) if name == "max_summary_words" and value.isdigit() else value
    return options, None


def _charset(params: str) -> str:
    """The charset parameter of a content type, UTF-8 when absent."""
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            return value.strip().strip('"')
    return "utf-8"
