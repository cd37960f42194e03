"""Markup detection and HTML-to-text reduction."""

from __future__ import annotations

import pytest

from service.markup import html_to_text, markup_tags


@pytest.mark.parametrize(
    ("text", "is_markup"),
    [
        ("The mayor opened a bridge on Monday.", False),
        ("Use the <b> tag for bold, the manual says.", False),  # one tag in passing
        ("Scores: 3 < 5 and 7 > 2, the report said.", False),
        ("<p>The mayor opened a bridge.</p><p>It cost $5 million.</p>", False),  # 4 tags
        ("<p>The mayor opened a bridge.</p><br><p>It cost $5 million.</p>", True),
        ("<!DOCTYPE html>Hello", True),
        ("An attacker hid <script>alert(1)</script> in a comment.", False),
        ("<div class='story'><span>One</span> <b>Two</b></div>", True),
    ],
)
def test_markup_is_told_from_articles(text: str, is_markup: bool) -> None:
    assert bool(markup_tags(text)) is is_markup


def test_html_is_reduced_to_readable_paragraphs() -> None:
    page = (
        "<!doctype html><html><head><title>T</title><style>p{color:red}</style></head><body>"
        "<nav>Home | News</nav><h1>Bridge opens</h1>"
        "<p>The mayor of  Brennick\nopened a bridge.</p><p>It cost &pound;5&nbsp;million.<br>"
        "Work began in 2021.</p><script>track('x')</script>"
        "<ul><li>First</li><li>Second</li></ul><footer>© Site · Share</footer></body></html>"
    )
    assert html_to_text(page) == (
        "Bridge opens\n\nThe mayor of Brennick opened a bridge.\n\n"
        "It cost £5 million.\nWork began in 2021.\n\nFirst\n\nSecond"
    )


def test_broken_html_still_gives_its_text() -> None:
    assert html_to_text("<p>Unclosed <b>bold <i>and</p> more") == "Unclosed bold and\n\nmore"
