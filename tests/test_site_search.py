"""Searching the built site in a real browser: words are found in their other forms too."""

from __future__ import annotations

import functools
import http.server
import json
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.site]

HOME = {"en": "/", "pt-BR": "/pt-BR/"}
OPEN_TICKETS = {
    "en": "/documentation/products/how-to/open-tickets/",
    "pt-BR": "/documentacao/produtos/how-to/abrir-tickets/",
}


class Found(NamedTuple):
    """What the search panel lists: the pages of the results and the words marked missing."""

    pages: set[str]
    missing: list[str]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def site(built_site) -> Iterator[str]:
    """The built site served on 127.0.0.1; search needs nothing from the site's own address."""
    handler = functools.partial(_QuietHandler, directory=str(built_site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def indexed_words(built_site) -> dict[str, set[str]]:
    """The words the search index holds for each page, by the page's address."""
    index = json.loads((Path(built_site) / "search" / "search_index.json").read_text("utf-8"))
    words: dict[str, set[str]] = {}
    for doc in index["docs"]:
        address = "/" + doc["location"].split("#")[0]
        text = re.sub(r"<[^>]+>", " ", f"{doc['title']} {doc['text']}").lower()
        words.setdefault(address, set()).update(re.findall(r"\w+", text))
    return words


@pytest.fixture(scope="module")
def home_page(browser, site) -> Iterator:
    """The home page of a language, opened once for every search in that language."""
    opened: dict[str, object] = {}
    contexts = []

    def open_home(lang: str):
        if lang not in opened:
            context = browser.new_context()
            contexts.append(context)
            page = context.new_page()
            # Loaded, the index fetched and handed to the search worker.
            page.goto(site + HOME[lang], wait_until="networkidle")
            opened[lang] = page
        return opened[lang]

    yield open_home
    for context in contexts:
        context.close()


# True once the theme shows the outcome of a search: a count with the results
# listed, or "no results"; the empty box shows the placeholder instead.
SHOWS_RESULTS = """() => {
    const t = JSON.parse(document.getElementById("__config").textContent).translations;
    const meta = document.querySelector(".md-search-result__meta").textContent.trim();
    const listed = document.querySelectorAll(".md-search-result__item").length > 0;
    return meta === t["search.result.none"] || (meta !== t["search.result.placeholder"] && listed);
}"""
SHOWS_PLACEHOLDER = """() => {
    const t = JSON.parse(document.getElementById("__config").textContent).translations;
    const meta = document.querySelector(".md-search-result__meta").textContent.trim();
    return meta === t["search.result.placeholder"];
}"""


def search(home_page, lang: str, query: str) -> Found:
    """Type `query` in the search box of the home page in `lang` and read the results."""
    page = home_page(lang)
    box = page.locator("input.md-search__input")
    box.click()
    # The theme searches when a key is released. The box is emptied first,
    # then the whole query goes in at once: the results shown are then those
    # of this query, not of a beginning of it nor of an earlier search.
    box.fill("")
    box.press("End")
    page.wait_for_function(SHOWS_PLACEHOLDER, timeout=10_000)
    box.fill(query)
    box.press("End")
    page.wait_for_function(SHOWS_RESULTS, timeout=10_000)
    hrefs = page.locator(".md-search-result__item a").evaluate_all("a => a.map(l => l.href)")
    missing = page.locator(".md-search-result__terms del").all_text_contents()
    return Found({urlsplit(href).path for href in hrefs}, missing)


@pytest.mark.parametrize("word", ["comprometido", "comprometer"])
def test_a_portuguese_word_in_another_form_than_on_the_page_finds_the_page(
    home_page, indexed_words, word
):
    on_page = indexed_words[OPEN_TICKETS["pt-BR"]]
    # The severity definitions say "comprometidas"; this form is nowhere on the page.
    assert "comprometidas" in on_page
    assert word not in on_page

    found = search(home_page, "pt-BR", word)

    assert OPEN_TICKETS["pt-BR"] in found.pages
    assert found.missing == []


def test_a_portuguese_word_as_written_on_the_page_is_still_found(home_page, indexed_words):
    assert "severidade" in indexed_words[OPEN_TICKETS["pt-BR"]]

    found = search(home_page, "pt-BR", "severidade")

    assert OPEN_TICKETS["pt-BR"] in found.pages
    assert found.missing == []


def test_the_beginning_of_a_word_finds_the_page_while_typing(home_page):
    found = search(home_page, "pt-BR", "compr")

    assert OPEN_TICKETS["pt-BR"] in found.pages


def test_words_that_must_all_be_present_are_found_in_another_form(home_page, indexed_words):
    on_page = indexed_words[OPEN_TICKETS["pt-BR"]]
    assert {"sistema", "produção"} <= on_page
    assert "sistemas" not in on_page

    found = search(home_page, "pt-BR", '"sistemas produção"')

    assert found.pages == {OPEN_TICKETS["pt-BR"]}


@pytest.mark.parametrize("word", ["impaired", "impairing"])
def test_an_english_word_is_found_in_its_other_forms_too(home_page, indexed_words, word):
    on_page = indexed_words[OPEN_TICKETS["en"]]
    assert "impaired" in on_page
    assert "impairing" not in on_page

    found = search(home_page, "en", word)

    assert OPEN_TICKETS["en"] in found.pages
    assert found.missing == []
