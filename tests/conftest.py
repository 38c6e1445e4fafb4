"""Fixtures shared by every kind of test: the definition and a real browser."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from ticket_schema.definition import DEFAULT_PATH, Definition, load

ROOT = Path(__file__).resolve().parent.parent

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
