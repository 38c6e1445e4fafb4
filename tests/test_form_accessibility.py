"""axe-core finds nothing to fix in the ticket form, in any state, in either language.

The form is checked on its standalone page (all of that page is the form)
and inside the docs page (only the form: the theme's own markup is the site
tests' concern), empty, showing errors, and after a ticket was sent, with
the WCAG 2.0, 2.1 and 2.2 A and AA rules.
"""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from ticket_schema.form import ID_PREFIX

pytestmark = [pytest.mark.browser, pytest.mark.http]

WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
LANGUAGES = ["en", "pt-BR"]
STATES = ["empty", "showing errors", "error link under the pointer", "after success"]


def bring_to(page: Page, state: str) -> None:
    """Put the form on the page into one of the states a customer sees."""
    # Visible means enhanced: the script enhances the form as soon as it is in place.
    expect(page.locator(f"#{ID_PREFIX}subject")).to_be_visible()
    if state in ("showing errors", "error link under the pointer"):
        page.check(f"#{ID_PREFIX}type-problem")
        page.fill(f"#{ID_PREFIX}subject", "Hi")
        page.fill(f"#{ID_PREFIX}email", "not an address")
        page.click(".tsf button[type=submit]")
        expect(page.locator(".tsf-summary")).to_be_visible()
        if state == "error link under the pointer":
            # A host's hover colour must not make the message harder to read.
            page.hover(".tsf-summary a >> nth=0")
    elif state == "after success":
        page.check(f"#{ID_PREFIX}type-question")
        page.check(f"#{ID_PREFIX}severity-general_guidance")
        page.fill(f"#{ID_PREFIX}subject", "How do I purge the cache?")
        page.fill(f"#{ID_PREFIX}description", "I would like to purge the cache of one file.")
        page.fill(f"#{ID_PREFIX}email", "maria@example.com")
        page.click(".tsf button[type=submit]")
        expect(page.locator(".tsf-status a")).to_be_visible()


def assert_no_violations(page: Page, context: str | None = None) -> None:
    options = {"runOnly": {"type": "tag", "values": WCAG}}
    results = Axe().run(page, context=context, options=options)
    assert results.violations_count == 0, results.generate_report()


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("state", STATES)
def test_the_standalone_form_has_no_accessibility_violations(page, capture, lang, state) -> None:
    page.goto(f"{capture.url}/ticket-form/{lang}/")
    bring_to(page, state)

    assert_no_violations(page)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("state", ["empty", "showing errors", "error link under the pointer"])
def test_the_form_on_the_docs_page_has_no_accessibility_violations(
    page, capture, docs_form_pages, lang, state
) -> None:
    page.goto(capture.url + docs_form_pages[lang])
    bring_to(page, state)

    assert_no_violations(page, context="[data-ticket-form]")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_embedded_form_showing_errors_has_no_accessibility_violations(
    page, capture, lang
) -> None:
    page.goto(capture.host_page(lang))
    page.wait_for_function("() => document.querySelector('#support').shadowRoot")
    bring_to(page, "showing errors")

    assert_no_violations(page, context="#support")
