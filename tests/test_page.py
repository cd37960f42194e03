"""The web page at GET /: served as one self-contained file, and driven in a real browser.

The browser tests (marked `browser`) need Debian's chromium at /usr/bin/chromium and the
`playwright` Python package; they are skipped with the reason when either is missing.
"""

from __future__ import annotations

import importlib.util
import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx2 as httpx
import pytest
from litestar import Litestar
from litestar.testing import TestClient

from service.api.page import index
from tests.conftest import ROOT
from tests.fakes import FakeModel
from tests.test_api import REFERENCE_ANSWER

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


# --- always run: the handler on its own ----------------------------------------------------


@pytest.fixture
def page_client() -> Iterator[TestClient[Litestar]]:
    with TestClient(Litestar(route_handlers=[index])) as c:
        yield c


def test_index_serves_the_page_with_labelled_controls(page_client: TestClient[Litestar]) -> None:
    r = page_client.get("/")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    html = r.text
    assert html.lstrip().lower().startswith("<!doctype html>")
    for control in ("article", "file", "title", "version"):
        assert re.search(rf'<label for="{control}"', html), control
        assert f'id="{control}"' in html, control
    assert re.search(r"<textarea[^>]*\bid=\"article\"", html)
    assert re.search(r"<select[^>]*\bid=\"version\"", html)
    assert re.search(r"<input[^>]*type=\"file\"[^>]*id=\"file\"", html)
    assert re.search(r'<button type="submit"', html)
    assert 'role="alert"' in html and 'aria-live="polite"' in html


def test_index_has_no_external_resources(page_client: TestClient[Litestar]) -> None:
    html = page_client.get("/").text
    assert "http://" not in html and "https://" not in html
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", html, re.I)
    assert not re.search(r"<(?:link|iframe|object|embed)\b", html, re.I)
    assert not re.search(r"<script[^>]*\bsrc=", html, re.I)
    assert "@import" not in html and "url(" not in html


def test_index_never_parses_markup_from_data(page_client: TestClient[Litestar]) -> None:
    html = page_client.get("/").text
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in html, sink


def test_index_sends_a_strict_content_security_policy(page_client: TestClient[Litestar]) -> None:
    r = page_client.get("/")
    csp = r.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "connect-src 'self'" in csp
    assert "unsafe-inline" not in csp and "script-src 'sha256-" in csp
    assert r.headers["x-content-type-options"] == "nosniff"


def test_index_is_left_out_of_the_openapi_schema() -> None:
    app = Litestar(route_handlers=[index])
    with TestClient(app) as c:
        schema = c.get("/schema/openapi.json").json()
    assert "/" not in schema.get("paths", {})


# --- browser: the page over the real app and a fake model ----------------------------------


def _browser_skip_reason() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install -y chromium)"
    if importlib.util.find_spec("playwright") is None:
        return "the playwright package is missing (pip install playwright)"
    return None


needs_browser = pytest.mark.skipif(
    _browser_skip_reason() is not None, reason=_browser_skip_reason() or ""
)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Served:
    """The real app with the page route, over a fake model, served by uvicorn in a thread."""

    def __init__(self, **settings: Any) -> None:
        import uvicorn

        from service.api.app import create_app
        from tests.conftest import fake_settings

        self.fake = FakeModel()
        app = create_app(fake_settings(**settings), http_client=self.fake.http_client())
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", ws="none", lifespan="on"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="page-server", daemon=True)

    def __enter__(self) -> Served:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    with Served() as s:
        yield s


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser: Browser, served: Served) -> Iterator[Page]:
    served.fake.queue.clear()
    context = browser.new_context(viewport={"width": 1360, "height": 1000})
    pg = context.new_page()
    console_errors: list[str] = []
    pg.on("pageerror", lambda e: console_errors.append(str(e)))
    pg.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    # no request may leave 127.0.0.1
    external: list[str] = []
    pg.on(
        "request",
        lambda req: None if req.url.startswith(served.url) else external.append(req.url),
    )
    pg.goto(served.url)
    pg.wait_for_selector("#version[data-loaded]")
    try:
        yield pg
    finally:
        context.close()
    assert not external, external
    # a failed API call logs a console error for the resource; anything else is a bug
    unexpected = [e for e in console_errors if "Failed to load resource" not in e]
    assert not unexpected, unexpected


def _submit(pg: Page, text: str, *, title: str = "") -> tuple[int, dict[str, Any]]:
    """Type the article, press Summarize, and return the API's status and JSON body."""
    pg.fill("#article", text)
    if title:
        pg.fill("#title", title)
    with pg.expect_response(lambda r: r.url.endswith("/v1/summaries"), timeout=30_000) as info:
        pg.click("#submit")
    response = info.value
    return response.status, json.loads(response.text())


def _highlighted(pg: Page, key: str) -> str:
    """The text of every article segment that belongs to one evidence span, in order."""
    text: str = pg.evaluate(
        """(key) => Array.from(document.querySelectorAll('#article-view [data-keys]'))
              .filter((n) => n.dataset.keys.split(' ').includes(key))
              .map((n) => n.textContent).join('')""",
        key,
    )
    return text


@needs_browser
@pytest.mark.browser
def test_reference_article_highlights_exact_evidence(
    page: Page, served: Served, reference_text: str
) -> None:
    from playwright.sync_api import expect

    # the server's default set is preselected (no prompt_version sent); every version is listed
    prompts = httpx.get(served.url + "v1/prompts").json()
    newest = max({p["version"] for p in prompts}, key=lambda v: int(v[1:]))
    assert page.input_value("#version") == ""
    assert newest in page.locator("#version option").all_inner_texts()[1]
    served.fake.enqueue(REFERENCE_ANSWER)
    status, body = _submit(page, reference_text, title="Kim pledges support")
    assert status == 200, body
    expect(page.locator("#claims > li")).to_have_count(len(body["claims"]))
    expect(page.locator("#status")).to_contain_text("Done")

    # the article is shown whole, character for character
    assert page.text_content("#article-view") == reference_text.replace("\r\n", "\n")
    marks = page.locator("#article-view mark")
    assert marks.count() > 0
    for i, claim in enumerate(body["claims"]):
        assert claim["evidence"], claim
        for j, ev in enumerate(claim["evidence"]):
            assert _highlighted(page, f"c{i}-{j}") == reference_text[ev["start"] : ev["end"]]
        li = page.locator(f'#claims > li[data-claim-id="{claim["id"]}"]')
        expect(li).to_have_attribute("data-supported", "true")
        expect(li).to_contain_text("Supported")
        expect(li).to_contain_text(claim["text"])
        if claim["attributed_to"]:
            expect(li).to_contain_text(claim["attributed_to"])
    for i, sentence in enumerate(body["summary"]["sentences"]):
        for j, ev in enumerate(sentence["evidence"]):
            assert _highlighted(page, f"s{i}-{j}") == reference_text[ev["start"] : ev["end"]]
    # the boilerplate the service dropped is shown struck through
    assert "Also Read" in page.locator("#article-view .boiler").all_text_contents()[0]

    # focusing a claim highlights its span(s); Enter scrolls the article to it
    far = max(range(len(body["claims"])), key=lambda i: body["claims"][i]["evidence"][0]["start"])
    page.mouse.move(0, 0)  # the pointer, left where Summarize was, may rest on another claim
    page.locator("#claims > li").nth(far).focus()
    active = page.locator("#article-view mark.active")
    expect(active.first).to_be_visible()
    assert "".join(active.all_text_contents()) == _highlighted(page, f"c{far}-0")
    expect(active.first).to_be_in_viewport(ratio=1)  # focus scrolls the article panel to it
    page.eval_on_selector("#article-view", "(el) => { el.scrollTop = 0; }")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.getElementById('article-view').scrollTop > 0")
    expect(active.first).to_be_in_viewport(ratio=1)
    # clicking a highlight moves focus to its claim
    page.locator("#article-view mark").first.click()
    expect(page.locator("#claims > li").first).to_be_focused()
    page.locator("#claims > li").first.hover()
    expect(page.locator("#claims > li").first).to_have_class(re.compile(r"\bactive\b"))

    # provenance and usage
    prov = page.locator("#provenance")
    expect(prov).to_contain_text("fake-model")
    expect(prov).to_contain_text("remote")
    expect(prov).to_contain_text(body["provenance"]["encoding"])
    expect(prov).to_contain_text(body["provenance"]["prompts"][0]["sha256"][:12])
    expect(prov).to_contain_text(body["request_id"])
    expect(page.locator("#usage")).to_contain_text("Prompt tokens")
    expect(page.locator("#timings")).to_contain_text("total")
    expect(page.locator("#article-title")).to_have_text("Kim pledges support")
    expect(page.locator("#alert")).to_be_empty()

    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("#claims > li").nth(2).focus()
    page.screenshot(path=str(ARTIFACTS / "page.png"), full_page=True)


@needs_browser
@pytest.mark.browser
def test_unsupported_claim_is_visibly_flagged(
    page: Page, served: Served, reference_text: str
) -> None:
    from playwright.sync_api import expect

    good = REFERENCE_ANSWER["claims"][2]
    invented = {
        "text": "North Korea sent 25,000 soldiers to Russia.",
        "kind": "statistic",
        "attributed_to": None,
        "quote": "approximately 15,000 North Korean soldiers have been sent to Russia",
    }
    served.fake.enqueue(
        {"summary": "North Korea sent 25,000 soldiers to Russia.", "claims": [good, invented]}
    )
    status, body = _submit(page, reference_text)
    assert status == 200, body
    bad = next(c for c in body["claims"] if "25,000" in c["text"])
    assert bad["supported"] is False

    li = page.locator(f'#claims > li[data-claim-id="{bad["id"]}"]')
    expect(li).to_have_attribute("data-supported", "false")
    expect(li).to_have_class(re.compile(r"\bunsupported\b"))
    expect(li.locator(".badge")).to_have_text("✗ Not supported")
    expect(li.locator(".badge")).to_be_visible()
    for reason in bad["reasons"]:
        expect(li.locator(".reasons")).to_contain_text(reason)
    expect(li).to_contain_text("25,000")
    ok = page.locator('#claims > li[data-supported="true"]')
    expect(ok).to_have_count(1)
    expect(ok.locator(".badge")).to_have_text("✓ Supported")
    # the unsupported summary sentence is flagged too
    sentence = page.locator("#sentences > li").first
    expect(sentence).to_have_attribute("data-supported", "false")
    expect(sentence).to_contain_text("Not supported")
    expect(page.locator("#stats")).to_contain_text("1 not supported")


@needs_browser
@pytest.mark.browser
def test_api_errors_are_shown_in_the_alert_region(page: Page, served: Served) -> None:
    from playwright.sync_api import expect

    alert = page.get_by_role("alert")
    # nothing to send: the page says so without a request
    page.click("#submit")
    expect(alert).to_contain_text("Paste an article")
    expect(page.locator("#article")).to_be_focused()

    # the model fails: the API's own message and request id are shown
    served.fake.enqueue(*[httpx.Response(500, json={"error": "boom"})] * 3)
    status, body = _submit(page, "The mayor of Brennick opened a bridge on Monday.")
    assert status >= 500 and body["message"]
    expect(alert).to_contain_text(body["message"])
    expect(alert).to_contain_text(body["request_id"])
    expect(page.locator("#submit")).to_have_text("Summarize")
    expect(page.locator("#results")).to_be_hidden()

    # a validation error from the API (unknown prompt version) is shown the same way
    page.evaluate(
        """() => { const s = document.getElementById('version');
                   s.append(new Option('v99', 'v99')); s.value = 'v99'; }"""
    )
    status, body = _submit(page, "The mayor of Brennick opened a bridge on Monday.")
    assert status == 422, body
    expect(alert).to_contain_text(body["message"])


@needs_browser
@pytest.mark.browser
def test_non_bmp_text_and_markup_in_the_article_stay_exact_and_inert(
    page: Page, served: Served
) -> None:
    from playwright.sync_api import expect

    article = (
        'Breaking 😀🇰🇷 news from 𝔅rennick <img src=x onerror="window.__pwned=1">.\n'
        "The council of Brennick approved 12 new permits on Tuesday 🎉 after a long debate. "
        "Officials said the permits cover housing near the river and the old mill.\n"
        "Residents asked for more parks <script>window.__pwned=2</script> and safer roads."
    )
    quote1 = "The council of Brennick approved 12 new permits on Tuesday 🎉 after a long debate"
    quote2 = "approved 12 new permits on Tuesday 🎉 after a long debate. Officials said the permits"
    served.fake.enqueue(
        {
            "summary": "The council of Brennick approved 12 new permits on Tuesday.",
            "claims": [
                {
                    "text": "Brennick's council approved 12 new permits on Tuesday.",
                    "kind": "event",
                    "attributed_to": None,
                    "quote": quote1,
                },
                {  # evidence is the sentence that states a claim: the same one as above
                    "text": "The council of Brennick approved the permits after a long debate.",
                    "kind": "event",
                    "attributed_to": None,
                    "quote": quote2,
                },
            ],
        }
    )
    status, body = _submit(page, article)
    assert status == 200, body
    expect(page.locator("#claims > li")).to_have_count(2)
    assert page.text_content("#article-view") == article
    spans = 0
    for i, claim in enumerate(body["claims"]):
        for j, ev in enumerate(claim["evidence"]):
            assert _highlighted(page, f"c{i}-{j}") == article[ev["start"] : ev["end"]]
            spans += 1
    assert spans >= 2
    # the two spans overlap: the shared part is one segment that belongs to both claims
    assert page.locator("#article-view mark.multi").count() >= 1
    assert page.evaluate("() => window.__pwned") is None
    assert page.locator("#article-view img, #article-view script").count() == 0


@needs_browser
@pytest.mark.browser
def test_a_chosen_txt_file_fills_the_article(page: Page) -> None:
    from playwright.sync_api import expect

    text = "\ufeffA council 🏛 in Brennick approved 12 permits.\nResidents cheered."
    page.set_input_files(
        "#file", files=[{"name": "story.txt", "mimeType": "text/plain", "buffer": text.encode()}]
    )
    expect(page.locator("#article")).to_have_value(text.removeprefix("\ufeff"))
    expect(page.locator("#status")).to_contain_text("Loaded “story.txt”")
    expect(page.locator("#article-count")).to_have_text(f"{len(text) - 1} characters")
    page.set_input_files(
        "#file", files=[{"name": "photo.png", "mimeType": "image/png", "buffer": b"\x89PNG"}]
    )
    expect(page.get_by_role("alert")).to_contain_text("not a plain-text file")


@needs_browser
@pytest.mark.browser
def test_an_error_replaces_the_results_and_is_said_once(page: Page, served: Served) -> None:
    from playwright.sync_api import expect

    claim = {"text": "The mayor opened a bridge on Monday.", "kind": "event",
             "attributed_to": None, "quote": "The mayor of Brennick opened a bridge on Monday"}  # fmt: skip
    served.fake.enqueue({"summary": "The mayor opened a bridge.", "claims": [claim]})
    status, body = _submit(page, "The mayor of Brennick opened a bridge on Monday.")
    assert status == 200, body
    expect(page.locator("#results")).to_be_visible()
    # one of each: no "1 claims", "1 calls"
    expect(page.locator("#stats")).to_contain_text("1 claim:")
    expect(page.locator("#status")).to_contain_text("Done: 1 claim,")
    expect(page.locator("#usage")).to_contain_text("Cut-off answers salvaged")
    # the blue highlight (a summary sentence's evidence) has its legend entry
    expect(page.locator(".legend .swatch.sent")).to_have_count(1)

    page_html = "<html><body><p>The mayor spoke.</p><p>He left.</p></body></html>"
    status, body = _submit(page, page_html)
    assert status == 400, body
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("send the article's plain text")
    assert page.text_content("#alert").count("looks like HTML markup") == 1
    assert "Value error" not in page.text_content("#alert")
    expect(page.locator("#results")).to_be_hidden()  # not the previous article's results


@needs_browser
@pytest.mark.browser
def test_the_page_works_when_the_service_requires_an_api_key(browser: Browser) -> None:
    from playwright.sync_api import expect

    with Served(api_keys=["page-key"]) as keyed:
        context = browser.new_context()
        pg = context.new_page()
        pg.goto(keyed.url)
        pg.wait_for_selector("#version[data-loaded='false']")
        expect(pg.locator("#version-hint")).to_contain_text("requires an API key")
        pg.fill("#apikey", "page-key")
        pg.dispatch_event("#apikey", "change")
        pg.wait_for_selector("#version[data-loaded='true']")
        status, body = _submit(pg, "The mayor of Brennick opened a bridge on Monday.")
        assert status == 200, body
        expect(pg.locator("#results")).to_be_visible()
        assert keyed.fake.history  # the request reached the model: the key was sent
        context.close()
