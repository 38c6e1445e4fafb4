"""Fixtures shared by every kind of test: the definition and a real browser."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest
from hypothesis import settings

from ticket_schema.definition import DEFAULT_PATH, Definition, load

ROOT = Path(__file__).resolve().parent.parent

# In CI the property tests draw the same examples on every run, so a
# submission does not fail on one push and pass on the next; on a
# developer's machine they keep exploring.
settings.register_profile("ci", derandomize=True, deadline=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

# Flags that let Chromium run headless as root on a machine with no network
# beyond loopback, without trying to reach update or sync services.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def definition() -> Definition:
    """The packaged ticket definition."""
    return load(DEFAULT_PATH)


def chromium_path() -> str:
    """Where Chromium is; a missing browser fails the test, never skips it."""
    path = (
        os.environ.get("TICKET_SCHEMA_CHROMIUM")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
    )
    if not path or not Path(path).exists():
        pytest.fail(
            "Chromium was not found: install it (Debian: apt-get install chromium) "
            "or set TICKET_SCHEMA_CHROMIUM to its path",
            pytrace=False,
        )
    return path


@pytest.fixture(scope="session")
def browser() -> Iterator:
    """One headless Chromium for the whole session, driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser) -> Iterator:
    """A fresh page in its own browser context."""
    context = browser.new_context()
    new_page = context.new_page()
    yield new_page
    context.close()


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """The real bilingual site, built once per test session; returns the site folder."""
    from ticket_schema.site import build_site

    site_dir = tmp_path_factory.mktemp("site")
    build_site(site_dir)
    return site_dir


@pytest.fixture(scope="session")
def form_server(built_site, definition) -> Iterator:
    """The built site on 127.0.0.1, with a stand-in for the intake service that records requests."""
    from capture_server import CaptureServer

    with CaptureServer(built_site, definition) as server:
        yield server


@pytest.fixture
def capture(form_server) -> Iterator:
    """The form's server with nothing recorded, no queued answers and no extra pages."""
    form_server.clear()
    yield form_server
    form_server.clear()


class IntakeServer(NamedTuple):
    """Where the running intake service answers, and the database it writes to."""

    url: str
    database: Path


@pytest.fixture(scope="session")
def intake_server(built_site, tmp_path_factory) -> Iterator[IntakeServer]:
    """The real intake service on 127.0.0.1, serving the built site, with a database of its own.

    Its rate limit is off: the tests post far more tickets than any one visitor would.
    """
    from intake_support import start_service

    with start_service(tmp_path_factory.mktemp("intake"), built_site) as running:
        yield IntakeServer(running.url, running.database)


@pytest.fixture(scope="session")
def docs_form_pages(built_site) -> dict[str, str]:
    """The address of the docs page that holds the ticket form, by language."""
    import re

    found = {}
    for path in built_site.rglob("index.html"):
        relative = path.relative_to(built_site)
        html = path.read_text(encoding="utf-8")
        if relative.parts[0] != "ticket-form" and "data-ticket-form" in html:
            lang = re.search(r'<html[^>]* lang="([^"]+)"', html).group(1)
            found[lang] = "/" + relative.parent.as_posix() + "/"
    return found
