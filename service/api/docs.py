"""API docs that need no network: the OpenAPI document rendered as one plain HTML page.

Litestar's Swagger, Redoc and Scalar pages load their scripts from a CDN, so `/schema` is blank
on a machine without internet. This page is built on the server from the same OpenAPI
document, with no script and no external resource; Swagger UI stays at `/schema/swagger` for
those online.
"""

from __future__ import annotations

import html
import json
from typing import Any

from litestar import Request
from litestar.openapi.plugins import OpenAPIRenderPlugin

_METHODS = ("get", "head", "post", "put", "patch", "delete")
_STYLE = """
body { font: 15px/1.5 system-ui, sans-serif; max-width: 60rem; margin: 1.5rem auto; padding: 0 1rem; }
h2 { border-bottom: 1px solid #ccc; padding-bottom: .2rem; margin-top: 2rem; }
.op { border: 1px solid #ccc; border-radius: 6px; padding: .6rem .9rem; margin: 1rem 0; }
.method { font-weight: 700; text-transform: uppercase; margin-right: .5rem; }
pre { background: #f4f4f4; padding: .5rem; overflow-x: auto; font-size: 13px; }
details { margin: .3rem 0; } code { font-size: 13px; }
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _json(value: object) -> str:
    return f"<pre>{_e(json.dumps(value, indent=2, ensure_ascii=False))}</pre>"


def _operation(path: str, method: str, op: dict[str, Any]) -> str:
    parts = [
        f'<div class="op" id="{_e(method + "-" + path)}">',
        f'<p><span class="method">{_e(method)}</span><code>{_e(path)}</code> — {_e(op.get("summary", ""))}</p>',
    ]
    if op.get("description"):
        parts.append(f"<p>{_e(op['description'])}</p>")
    if params := op.get("parameters"):
        rows = "".join(
            f"<li><code>{_e(p.get('name'))}</code> ({_e(p.get('in'))}"
            f"{', required' if p.get('required') else ''}): {_e(p.get('description', ''))}</li>"
            for p in params
        )
        parts.append(f"<p>Parameters:</p><ul>{rows}</ul>")
    if body := op.get("requestBody"):
        for media, content in body.get("content", {}).items():
            parts.append(
                f"<details><summary>Request body: <code>{_e(media)}</code></summary>"
                f"{_json(content.get('schema', {}))}</details>"
            )
    for status, response in op.get("responses", {}).items():
        answer: dict[str, Any] = next(iter(response.get("content", {}).values()), {})
        schema = answer.get("schema")
        inner = _json(schema) if schema else ""
        parts.append(
            f"<details><summary><code>{_e(status)}</code> {_e(response.get('description', ''))}"
            f"</summary>{inner}</details>"
        )
    parts.append("</div>")
    return "".join(parts)


def render_docs(schema: dict[str, Any], json_url: str) -> str:
    """The whole document as HTML: every operation, then every schema it refers to."""
    info = schema.get("info", {})
    ops = [
        _operation(path, method, item[method])
        for path, item in schema.get("paths", {}).items()
        for method in _METHODS
        if method in item
    ]
    components = schema.get("components", {}).get("schemas", {})
    models = [
        f'<details id="{_e(name)}"><summary><code>{_e(name)}</code></summary>{_json(s)}</details>'
        for name, s in components.items()
    ]
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{_e(info.get('title', 'API'))} API</title><style>{_STYLE}</style></head><body>"
        f"<h1>{_e(info.get('title', 'API'))} {_e(info.get('version', ''))}</h1>"
        f"<p>{_e(info.get('description', ''))}</p>"
        f'<p>The OpenAPI document: <a href="{_e(json_url)}">{_e(json_url)}</a>.</p>'
        f"<h2>Operations</h2>{''.join(ops)}<h2>Schemas</h2>{''.join(models)}</body></html>"
    )


class OfflineDocsPlugin(OpenAPIRenderPlugin):
    """Serves `render_docs` at /schema (and /schema/docs)."""

    def __init__(self) -> None:
        super().__init__(path=["/", "/docs"])

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        return render_docs(openapi_schema, self.get_openapi_json_route(request)).encode()
