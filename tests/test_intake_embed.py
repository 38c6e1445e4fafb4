"""The form embedded in another site, served by the real intake service, files real tickets.

A host page on a second origin (another port of 127.0.0.1) carries the
embed script's tag, hostile CSS and a strict Content-Security-Policy. The
service allows that origin, so the script may read the form's files and post
the ticket; a host the service does not allow gets no form at all.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from capture_server import HOSTILE_CSS
from intake_support import RunningService, start_service, valid_ticket
from playwright.sync_api import expect

from ticket_schema.form import schema_path
from ticket_schema.intake.sqlite_storage import SqliteStorage

pytestmark = [pytest.mark.browser, pytest.mark.http]

NUMBER = r"[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}"

HOST_PAGE = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Another site</title>
<link rel="stylesheet" href="/hostile.css"></head>
<body><h1>Another site</h1><div id="support"></div>
<script src="{intake}/ticket-form/ticket-form.js" data-target="#support" data-lang="pt-BR">
</script></body></html>
"""


class HostSite:
    """Another site on 127.0.0.1: one page that embeds the form from the intake service."""

    def __init__(self) -> None:
        self.intake = ""
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                if self.path == "/hostile.css":
                    self._reply(HOSTILE_CSS, "text/css", {})
                    return
                policy = (
                    f"default-src 'none'; script-src {site.intake}; "
                    f"style-src 'self' {site.intake}; connect-src {site.intake}; "
                    "require-trusted-types-for 'script'; trusted-types ticket-form; "
                    "base-uri 'none'"
                )
                page = HOST_PAGE.format(intake=site.intake)
                self._reply(page, "text/html", {"Content-Security-Policy": policy})

            def _reply(self, text: str, media: str, headers: dict[str, str]) -> None:
                body = text.encode("utf-8")
                self.send_response(200)
                self.send_header("Content-Type", f"{media}; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.origin = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture(scope="module")
def hosts() -> Iterator[tuple[HostSite, HostSite]]:
    """Two other sites: the first one the service allows, the second one it does not."""
    sites = (HostSite(), HostSite())
    yield sites
    for site in sites:
        site.close()


@pytest.fixture(scope="module")
def service(built_site, hosts, tmp_path_factory) -> Iterator[RunningService]:
    """The intake service with the built site, allowing the first host's origin."""
    allowed, _ = hosts
    with start_service(
        tmp_path_factory.mktemp("embed"), built_site, allowed_origins=(allowed.origin,)
    ) as running:
        for site in hosts:
            site.intake = running.url
        yield running


def stored(service: RunningService, number: str):
    storage = SqliteStorage(service.database, create=False)
    try:
        return storage.get_by_number(number)
    finally:
        storage.close()


def test_a_site_on_the_allow_list_embeds_the_form_and_files_a_ticket(
    page, service, hosts, definition
) -> None:
    allowed, _ = hosts
    ticket = valid_ticket(definition, "pt-BR", subject="Ticket de outro site, pelo embed")
    fragments = []
    page.on(
        "response",
        lambda response: (
            fragments.append(response) if response.url.endswith("/fragment.html") else None
        ),
    )
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text))

    page.goto(allowed.origin + "/")
    form = page.locator("#support form")
    label = form.locator('label[for="tsf-subject"]')
    expect(label).to_have_text(re.compile(r"^Assunto"))
    # The host's CSS does not reach the form inside its shadow root.
    assert label.evaluate("e => getComputedStyle(e).fontSize") == "16px"
    for name, value in ticket.items():
        control = form.locator(f'[name="{name}"]').first
        if control.get_attribute("type") == "radio":
            form.locator(f'[name="{name}"][value="{value}"]').check()
        elif control.evaluate("element => element.tagName") == "SELECT":
            control.select_option(value)
        else:
            control.fill(value)
    form.locator('button[type="submit"]').click()

    status = page.locator("#support [data-ticket-form-status]")
    expect(status).to_contain_text(re.compile(NUMBER), timeout=10_000)
    number = re.search(NUMBER, status.inner_text()).group(0)
    assert definition.ui_text("form.success", "pt-BR", number=number) in status.inner_text()
    saved = stored(service, number)
    assert saved is not None
    assert saved.subject == ticket["subject"]
    assert saved.language == "pt-BR"
    assert [r.headers.get("access-control-allow-origin") for r in fragments] == [allowed.origin]
    assert not [text for text in problems if "Content Security Policy" in text]


def test_a_site_not_on_the_allow_list_cannot_read_the_form(page, service, hosts) -> None:
    _, refused = hosts
    before = service.count_tickets()

    with page.expect_console_message(lambda message: "CORS" in message.text):
        page.goto(refused.origin + "/")

    assert page.evaluate("() => document.querySelector('#support').shadowRoot") is None
    assert page.locator("form").count() == 0
    assert service.count_tickets() == before


# ---- the headers themselves


@pytest.fixture
def client(service) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=service.url, timeout=10) as http:
        yield http


def test_an_allowed_origin_may_read_the_forms_files_and_the_schema(
    client, hosts, definition
) -> None:
    allowed, _ = hosts
    origin = {"Origin": allowed.origin}

    answers = [
        client.get("/ticket-form/pt-BR/fragment.html", headers=origin),
        client.get("/ticket-form/en/fragment.html", headers=origin),
        client.head("/ticket-form/ticket-form.js", headers=origin),
        client.get("/ticket-form/ticket-form.css", headers=origin),
        client.get("/" + schema_path(definition), headers=origin),
    ]

    for answer in answers:
        assert answer.status_code == 200, answer.url
        assert answer.headers["access-control-allow-origin"] == allowed.origin, answer.url
        assert "Origin" in answer.headers["vary"], answer.url


@pytest.mark.parametrize("origin", ["other", "https://evil.example", "null", None])
def test_an_origin_not_on_the_list_gets_no_cors_header_on_the_fragment(
    client, hosts, origin
) -> None:
    if origin == "other":
        origin = hosts[1].origin
    headers = {"Origin": origin} if origin else {}

    answer = client.get("/ticket-form/pt-BR/fragment.html", headers=headers)

    assert answer.status_code == 200
    assert "data-ticket-form" in answer.text
    assert "access-control-allow-origin" not in answer.headers
    # Cached for one origin, the answer is not reused for another.
    assert "Origin" in answer.headers["vary"]


def test_the_rest_of_the_site_is_not_shared_with_other_origins(client, hosts) -> None:
    allowed, _ = hosts

    answer = client.get("/", headers={"Origin": allowed.origin})

    assert answer.status_code == 200
    assert "access-control-allow-origin" not in answer.headers


# ---- what a host page downloads


FORM_FILES = ("ticket-form.js", "pt-BR/fragment.html", "ticket-form.css")


@pytest.mark.parametrize("path", [f"ticket-form/{name}" for name in FORM_FILES])
def test_the_forms_files_travel_gzipped_to_a_browser_that_accepts_it(
    client, built_site, path
) -> None:
    on_disk = (built_site / path).read_bytes()

    zipped = client.get("/" + path, headers={"Accept-Encoding": "gzip"})
    plain = client.get("/" + path, headers={"Accept-Encoding": "identity"})

    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.content == on_disk
    assert zipped.num_bytes_downloaded < len(on_disk) / 2
    assert "Accept-Encoding" in zipped.headers["vary"]
    assert "content-encoding" not in plain.headers
    assert plain.content == on_disk


def test_answers_about_tickets_are_never_compressed(client, definition) -> None:
    ticket = valid_ticket(definition, "en", subject="An answer that is not compressed")

    answer = client.post("/api/tickets", json=ticket, headers={"Accept-Encoding": "gzip"})
    page = client.get(answer.json()["status_url"], headers={"Accept-Encoding": "gzip"})

    assert answer.status_code == 201
    assert page.status_code == 200
    assert "content-encoding" not in answer.headers
    assert "content-encoding" not in page.headers
