"""The built site in a real browser: accessibility, requests, search, the language selector,
narrow windows and the ticket form under the theme's header."""

from __future__ import annotations

import functools
import http.server
import re
import threading
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe

from ticket_schema.form import ID_PREFIX
from ticket_schema.site import build_site

pytestmark = [pytest.mark.browser, pytest.mark.site]

LANGUAGES = ["en", "pt-BR"]
PAGES = {
    "home": {"en": "/", "pt-BR": "/pt-BR/"},
    "open": {
        "en": "/documentation/products/how-to/open-tickets/",
        "pt-BR": "/documentacao/produtos/how-to/abrir-tickets/",
    },
    "monitor": {
        "en": "/documentation/products/how-to/monitor-tickets/",
        "pt-BR": "/documentacao/produtos/how-to/acompanhar-tickets/",
    },
}
EVERY_ADDRESS = [address for twins in PAGES.values() for address in twins.values()]
# WCAG 2.0, 2.1 and 2.2, levels A and AA.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# Windows in which content must reflow without scrolling sideways (WCAG
# 1.4.10): a small phone, and a 1280 px wide screen zoomed to 200 %.
NARROW_WINDOWS = {
    "320px": {"width": 320, "height": 640},
    "640px": {"width": 640, "height": 800},
}


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def site_url(tmp_path_factory) -> Iterator[str]:
    """The site, built for and served at its own address on 127.0.0.1.

    The theme fetches the sitemap from the address of each language
    alternate, and those are absolute: a site served anywhere but at its
    `site_url` would look as if it asked another origin. So this build
    takes the server's address as its `site_url`, as a deployment does.
    """
    site_dir = tmp_path_factory.mktemp("served") / "site"
    site_dir.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(site_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    url = f"http://127.0.0.1:{server.server_address[1]}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TICKET_SCHEMA_SITE_URL", f"{url}/")
        build_site(site_dir)

    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield url
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def axe() -> Axe:
    return Axe()


@pytest.mark.parametrize("address", [*EVERY_ADDRESS, "/404.html", "/pt-BR/404.html"])
def test_axe_finds_no_wcag_a_or_aa_problem_on_the_page(page, site_url, axe, address):
    page.goto(site_url + address, wait_until="load")

    results = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})

    assert results.violations_count == 0, results.generate_report()


@pytest.mark.parametrize("address", EVERY_ADDRESS)
def test_a_link_in_the_text_keeps_its_contrast_under_the_pointer(page, site_url, axe, address):
    page.goto(site_url + address, wait_until="load")
    # The theme fades the colour in; judge the colour it ends at.
    page.add_style_tag(content="* { transition: none !important; }")
    link = page.locator("article.md-content__inner :is(p, li) > a[href]").first
    link.hover()

    results = axe.run(
        page,
        options={"runOnly": {"type": "rule", "values": ["color-contrast"]}},
    )

    assert results.violations_count == 0, results.generate_report()


@pytest.mark.parametrize("address", EVERY_ADDRESS)
def test_the_page_asks_no_other_origin_for_anything(page, site_url, address):
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))

    page.goto(site_url + address, wait_until="networkidle")

    origin = urlsplit(site_url).netloc
    elsewhere = [
        url
        for url in requested
        if urlsplit(url).scheme in ("http", "https") and urlsplit(url).netloc != origin
    ]
    assert requested
    assert elsewhere == []


def test_searching_the_portuguese_site_for_a_severity_word_finds_the_portuguese_page(
    page, site_url, definition
):
    # The longest word of the Portuguese severity definitions that the
    # English ones do not use.
    portuguese = " ".join(s.definition["pt-BR"] for s in definition.severities)
    english = " ".join(s.definition["en"] for s in definition.severities)
    word = max((w for w in re.findall(r"\w+", portuguese) if w not in english), key=len)
    page.goto(site_url + PAGES["home"]["pt-BR"], wait_until="networkidle")

    search = page.locator("input.md-search__input")
    search.click()
    # Typed key by key, as a reader does: the theme searches on key presses.
    search.press_sequentially(word)
    results = page.locator(".md-search-result__item a")
    results.first.wait_for(timeout=10_000)

    found = {urlsplit(href).path for href in results.evaluate_all("els => els.map(e => e.href)")}
    assert found == {PAGES["open"]["pt-BR"]}


@pytest.mark.parametrize(("name", "lang"), [(n, lang) for n in PAGES for lang in LANGUAGES])
def test_choosing_the_other_language_in_the_header_opens_the_twin_page(page, site_url, name, lang):
    other = next(code for code in LANGUAGES if code != lang)
    page.goto(site_url + PAGES[name][lang], wait_until="load")

    page.locator(".md-header .md-select").first.hover()
    page.locator(f".md-select__link[hreflang='{other}']").first.click()
    page.wait_for_load_state("load")

    assert urlsplit(page.url).path == PAGES[name][other]
    assert page.locator("html").get_attribute("lang") == other


def test_the_ticket_form_section_is_reached_from_the_closing_line(page, site_url, definition):
    page.goto(site_url + PAGES["monitor"]["pt-BR"], wait_until="load")

    page.locator("footer .ticket-help a").click()
    page.wait_for_load_state("load")

    assert urlsplit(page.url).path == PAGES["open"]["pt-BR"]
    assert urlsplit(page.url).fragment == "ticket-form"
    assert page.locator("#ticket-form").is_visible()


@pytest.mark.parametrize("window", NARROW_WINDOWS)
@pytest.mark.parametrize("address", [*EVERY_ADDRESS, "/404.html", "/pt-BR/404.html"])
def test_the_page_does_not_scroll_sideways_in_a_narrow_window(page, site_url, address, window):
    page.set_viewport_size(NARROW_WINDOWS[window])
    page.goto(site_url + address, wait_until="load")

    scroll_width, window_width = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]"
    )

    assert scroll_width <= window_width


@pytest.mark.parametrize("opened_by", ["focus", "hover"])
@pytest.mark.parametrize("window", NARROW_WINDOWS)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_language_list_opens_inside_a_narrow_window(page, site_url, lang, window, opened_by):
    page.set_viewport_size(NARROW_WINDOWS[window])
    page.goto(site_url + PAGES["home"][lang], wait_until="load")
    # The theme slides the list in; judge where it ends.
    page.add_style_tag(content="* { transition: none !important; }")
    button = page.locator(".md-header .md-select button")
    if opened_by == "focus":
        button.focus()
    else:
        button.hover()

    # Each link is in the window, and a pointer at its middle reaches it.
    links = page.evaluate(
        """() => Array.from(document.querySelectorAll(".md-header .md-select__link"), link => {
          const box = link.getBoundingClientRect();
          const hit = document.elementFromPoint(
            (box.left + box.right) / 2, (box.top + box.bottom) / 2);
          return {
            language: link.hreflang,
            inside: box.left >= 0 && box.right <= window.innerWidth
              && box.top >= 0 && box.bottom <= window.innerHeight,
            reached: link.contains(hit),
          };
        })"""
    )

    assert {link["language"] for link in links} == set(LANGUAGES)
    assert all(link["inside"] and link["reached"] for link in links), links


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_link_of_the_error_summary_shows_its_field_below_the_header(
    page, site_url, definition, lang
):
    page.goto(site_url + PAGES["open"][lang], wait_until="load")
    page.wait_for_function("() => document.querySelector('[data-ticket-form]').ticketForm")
    page.click(".tsf button[type=submit]")

    first_severity = f"{ID_PREFIX}severity-{definition.severities[0].id}"
    page.click(f".tsf-summary a[href='#{first_severity}']")

    legend_top, header_bottom, window_height = page.evaluate(
        """id => [
          document.getElementById(id).closest(".tsf-field").querySelector("legend")
            .getBoundingClientRect().top,
          document.querySelector(".md-header").getBoundingClientRect().bottom,
          window.innerHeight,
        ]""",
        first_severity,
    )
    assert page.evaluate("() => document.activeElement.id") == first_severity
    assert header_bottom <= legend_top < window_height
