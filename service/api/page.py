"""The web page: one self-contained HTML file served at GET /."""

from __future__ import annotations

import base64
import hashlib
import re
from importlib import resources

from litestar import Response, get
from litestar.enums import MediaType

PAGE_HTML: str = (
    resources.files("service.api").joinpath("static/index.html").read_text(encoding="utf-8")
)


def _hashes(tag: str, html: str) -> str:
    """CSP source expressions for every inline <tag> block, so nothing else may run."""
    blocks = re.findall(rf"<{tag}>(.*?)</{tag}>", html, re.S)
    return " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(b.encode()).digest()).decode() + "'"
        for b in blocks
    )


# The article shown on the page is untrusted: even if some of it ever reached the DOM as markup,
# only the page's own inline script and style may run, and it may only talk to this origin.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        f"script-src {_hashes('script', PAGE_HTML)}",
        f"style-src {_hashes('style', PAGE_HTML)}",
        "connect-src 'self'",
        "img-src 'self' data:",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


@get("/", media_type=MediaType.HTML, include_in_schema=False, sync_to_thread=False)
def index() -> Response[str]:
    """The page: paste an article, see its summary and claims with their evidence."""
    return Response(PAGE_HTML, media_type=MediaType.HTML, headers=HEADERS)


@get("/favicon.ico", include_in_schema=False, sync_to_thread=False, status_code=204)
def favicon() -> None:
    """No icon: browsers ask for one on every page load; 204 instead of a 404 in the console."""
