"""HTML in, plain text out: tell markup from an article, and reduce a page to its readable text.

The service proves claims against plain text, and evidence offsets index that text. A JSON `text`
that is really markup is refused (the offsets would point into tags); a body sent as `text/html`
is reduced to text here, with the standard library's tolerant parser, and the response carries the
text its offsets index.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Tags that mark a document as markup rather than an article that mentions a tag in passing.
_TAG = re.compile(
    r"<\s*/?\s*(html|head|body|p|div|span|a|br|img|script|style|table|tr|td|ul|ol|li|h[1-6]|"
    r"article|section|header|footer|nav|meta|link|iframe|form|strong|em|b|i)\b[^<>]{0,2000}>",
    re.IGNORECASE,
)
_DOCUMENT = re.compile(r"<!doctype\s+html|<\s*(html|body)\b", re.IGNORECASE)
MARKUP_TAG_LIMIT = 5  # an article may quote a tag or two (say, about web security)

# Never story text (code, styles, page furniture); their content is dropped.
_SKIPPED = frozenset(
    "script style noscript template head svg iframe button nav aside footer form select".split()
)
# Each starts a new paragraph (a blank line), so sentences and paragraphs survive the reduction.
_BLOCKS = frozenset(
    "p div article section header main blockquote figure figcaption pre "
    "h1 h2 h3 h4 h5 h6 ul ol li dl dt dd table tr hr address".split()
)
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")


def markup_tags(text: str) -> list[str]:
    """The HTML tags that make `text` markup (empty when it reads as an article)."""
    head = text[:200_000]
    found = [m.group(0)[:40] for m in _TAG.finditer(head)]
    document = _DOCUMENT.search(head)
    if document is None and len(found) < MARKUP_TAG_LIMIT:
        return []
    return found[:5] or ([document.group(0)] if document else [])


_STARTS_AS_DOCUMENT = re.compile(
    r"\s*(?:<!--.*?-->\s*)*(?:<!doctype\s+html|<\s*(?:html|head|body)\b)", re.IGNORECASE | re.DOTALL
)


def is_document(text: str) -> bool:
    """True when `text` opens as an HTML document (a doctype, <html>, <head> or <body>).

    Stricter than `markup_tags`: plain text declared as such (a text/plain body, a .txt file)
    may discuss tags at any length; only a page is refused, or reduced.
    """
    return _STARTS_AS_DOCUMENT.match(text[:100_000]) is not None


class _TextOnly(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self.skipping += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag in _BLOCKS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(_SPACES.sub(" ", data.replace("\n", " ")))


def html_to_text(page: str) -> str:
    """The readable text of an HTML page: paragraphs kept, scripts, styles and tags gone."""
    parser = _TextOnly()
    parser.feed(page)
    parser.close()
    lines = [line.strip() for line in "".join(parser.parts).split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
