"""End to end in Chromium: the built site's form, served by the real intake service, files tickets.

With JavaScript the form's script posts JSON and shows the number; without
it the browser posts the plain form and follows the service's answers. In
both cases `ticket-schema tickets list` then shows the ticket.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from intake_support import count_tickets, valid_ticket
from playwright.sync_api import expect

from ticket_schema import protocol

pytestmark = [pytest.mark.browser, pytest.mark.http]

NUMBER = r"[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}"
STANDALONE_PAGE = {"en": "/ticket-form/en/", "pt-BR": "/ticket-form/pt-BR/"}


def tickets_list(database: Path) -> str:
    """What support staff see: the output of the real `ticket-schema tickets list`."""
    script = Path(sys.executable).with_name("ticket-schema")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "ticket_schema"]
    result = subprocess.run(
        [*command, "tickets", "list", "--database", str(database)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout


def fill_ticket(form, values: dict) -> None:
    """Type or choose each value into the control of the same name, as a person would."""
    for name, value in values.items():
        control = form.locator(f'[name="{name}"]').first
        if control.get_attribute("type") == "radio":
            form.locator(f'[name="{name}"][value="{value}"]').check()
        elif control.evaluate("element => element.tagName") == "SELECT":
            control.select_option(value)
        else:
            control.fill(value)


def csp_violations(page) -> list[str]:
    found: list[str] = []
    page.on(
        "console",
        lambda message: (
            found.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return found


@pytest.fixture
def no_script_page(browser):
    """A page in a browser context with JavaScript switched off."""
    context = browser.new_context(java_script_enabled=False)
    yield context.new_page()
    context.close()


@pytest.fixture
def docs_url(intake_server, docs_form_pages):
    """The full address of the docs page holding the form, by language."""
    return lambda lang: intake_server.url + docs_form_pages[lang]


# ---- with JavaScript


@pytest.mark.parametrize("lang", ["en", "pt-BR"])
def test_the_docs_pages_form_files_a_ticket_that_support_then_lists(
    page, intake_server, docs_url, definition, lang
):
    ticket = valid_ticket(definition, lang, subject=f"Browser ticket from the {lang} docs page")
    page.goto(docs_url(lang))
    form = page.locator("[data-ticket-form] form")

    fill_ticket(form, {k: v for k, v in ticket.items() if k != "language"})
    form.locator('button[type="submit"]').click()

    status = page.locator("[data-ticket-form-status]")
    success = definition.ui_text("form.success", lang, number="NUMBER").replace("NUMBER", NUMBER)
    expect(status).to_contain_text(re.compile(success.replace(".", r"\.")), timeout=10_000)
    number = re.search(NUMBER, status.inner_text()).group(0)
    listed = tickets_list(intake_server.database)
    assert re.search(rf"^{number}\s+open\s.*{ticket['subject']}$", listed, re.MULTILINE)

    status.get_by_role("link").click()
    expect(page.locator("#ticket-status")).to_have_text(definition.statuses[0].name[lang])
    expect(page).to_have_title(re.compile(number))


def test_the_scripts_second_ticket_from_one_page_is_a_new_ticket(page, intake_server, definition):
    page.goto(intake_server.url + STANDALONE_PAGE["en"])
    form = page.locator("[data-ticket-form] form")
    status = page.locator("[data-ticket-form-status]")
    numbers = []

    for subject in ("First of two tickets", "Second of two tickets"):
        fill_ticket(form, valid_ticket(definition, "en", subject=subject))
        form.locator('button[type="submit"]').click()
        expect(status).to_contain_text(re.compile(NUMBER), timeout=10_000)
        numbers.append(re.search(NUMBER, status.inner_text()).group(0))
        status.evaluate("element => element.replaceChildren()")

    assert numbers[0] != numbers[1]
    listed = tickets_list(intake_server.database)
    assert all(number in listed for number in numbers)


# ---- without JavaScript


def test_without_javascript_a_plain_post_leads_to_the_confirmation_page(
    no_script_page, intake_server, definition
):
    page = no_script_page
    violations = csp_violations(page)
    ticket = valid_ticket(definition, "pt-BR", subject="Sem JavaScript, ticket simples")
    page.goto(intake_server.url + STANDALONE_PAGE["pt-BR"])
    form = page.locator("form")

    fill_ticket(form, ticket)
    with page.expect_navigation():
        form.locator('button[type="submit"]').click()

    assert "/tickets/received/" in page.url
    expect(page).to_have_title("Seu ticket foi aberto")
    number = page.locator("#ticket-number").inner_text()
    assert re.fullmatch(NUMBER, number)
    assert re.search(rf"^{number}\s+open\s", tickets_list(intake_server.database), re.MULTILINE)
    page.locator("#status-link").click()
    expect(page.locator("#ticket-status")).to_have_text("Aberto")
    expect(page.locator("#ticket-subject")).to_have_text("Sem JavaScript, ticket simples")
    assert violations == []


@pytest.mark.parametrize("lang", ["en", "pt-BR"])
def test_without_javascript_each_view_of_the_docs_page_has_a_key_of_its_own(
    browser, docs_url, lang
):
    keys = []
    for _ in range(2):
        context = browser.new_context(java_script_enabled=False)
        page = context.new_page()
        page.goto(docs_url(lang))
        key = page.locator(f'[data-ticket-form] input[name="{protocol.IDEMPOTENCY_FIELD}"]')
        keys.append(key.get_attribute("value"))
        context.close()

    assert all(keys)
    assert keys[0] != keys[1]


@pytest.mark.parametrize("where", ["docs page", "standalone page"])
@pytest.mark.parametrize("lang", ["en", "pt-BR"])
def test_the_built_plain_form_sent_twice_from_one_view_makes_one_ticket(
    intake_server, docs_form_pages, definition, where, lang
):
    # What a double click, or a resend after a lost answer, posts: the same view's form again.
    address = docs_form_pages[lang] if where == "docs page" else STANDALONE_PAGE[lang]
    with httpx.Client(base_url=intake_server.url, timeout=10) as http:
        page = http.get(address)
        hidden = dict(
            re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text)
        )
        fields = {**hidden, **valid_ticket(definition, lang), protocol.HONEYPOT_FIELD: ""}
        before = count_tickets(intake_server.database)

        answers = [http.post("/api/tickets", data=fields) for _ in range(2)]

    assert page.headers["cache-control"] == "no-store"
    assert hidden[protocol.IDEMPOTENCY_FIELD]
    assert [answer.status_code for answer in answers] == [303, 303]
    assert answers[0].headers["Location"] == answers[1].headers["Location"]
    assert count_tickets(intake_server.database) == before + 1


def test_without_javascript_two_visitors_of_the_static_form_get_two_tickets(
    browser, intake_server, docs_url, definition
):
    numbers = []
    for subject in ("First visitor without script", "Second visitor without script"):
        context = browser.new_context(java_script_enabled=False)
        page = context.new_page()
        page.goto(docs_url("en"))
        form = page.locator("[data-ticket-form] form")
        fill_ticket(form, valid_ticket(definition, "en", subject=subject))
        with page.expect_navigation():
            form.locator('button[type="submit"]').click()
        numbers.append(page.locator("#ticket-number").inner_text())
        context.close()

    assert numbers[0] != numbers[1]


def test_without_javascript_errors_come_back_on_the_form_with_every_value_kept(
    no_script_page, docs_url, definition
):
    page = no_script_page
    page.goto(docs_url("en"))
    form = page.locator("[data-ticket-form] form")
    typed = {
        "type": "problem",
        "severity": "production_system_down",
        "subject": "Hi",
        "description": "Every page answers 502 since nine o'clock this morning.",
        "email": "joao @example.com",
        "browser": "Firefox 133 <beta>",
    }

    fill_ticket(form, typed)
    with page.expect_navigation():
        form.locator('button[type="submit"]').click()

    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.locator("[data-ticket-form-summary]")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Enter a subject of at least 5 characters")
    expect(summary).to_contain_text("Enter the affected URL")
    subject = form.locator('[name="subject"]')
    expect(subject).to_have_value("Hi")
    expect(subject).to_have_attribute("aria-invalid", "true")
    inline = page.locator(f"#{subject.get_attribute('aria-describedby').split()[-1]}")
    expect(inline).to_contain_text("Enter a subject of at least 5 characters")
    expect(form.locator('[name="email"]')).to_have_value("joao @example.com")
    expect(form.locator('[name="browser"]')).to_have_value("Firefox 133 <beta>")
    expect(form.locator('[name="description"]')).to_have_value(typed["description"])
    expect(form.locator('[name="type"][value="problem"]')).to_be_checked()
    expect(page.locator('[name="severity"][value="production_system_down"]')).to_be_checked()


def test_without_javascript_a_corrected_form_is_accepted_in_portuguese(
    no_script_page, intake_server, docs_url
):
    page = no_script_page
    violations = csp_violations(page)
    page.goto(docs_url("pt-BR"))
    form = page.locator("[data-ticket-form] form")
    fill_ticket(form, {"type": "question", "subject": "Oi", "email": "joao@example.com.br"})
    with page.expect_navigation():
        form.locator('button[type="submit"]').click()

    expect(page).to_have_title(re.compile(r"^Erro: "))
    expect(page.locator("[data-ticket-form-summary]")).to_contain_text("Selecione uma severidade")
    expect(page.locator('[name="subject"]')).to_have_value("Oi")

    form = page.locator("form")
    fill_ticket(
        form,
        {
            "severity": "general_guidance",
            "subject": "Dúvida sobre a limpeza de cache",
            "description": "Gostaria de saber como limpar o cache de um único arquivo.",
        },
    )
    with page.expect_navigation():
        form.locator('button[type="submit"]').click()

    expect(page).to_have_title("Seu ticket foi aberto")
    number = page.locator("#ticket-number").inner_text()
    listed = tickets_list(intake_server.database)
    assert re.search(rf"^{number}\s+open\s.*Dúvida sobre a limpeza de cache$", listed, re.M)
    assert violations == []
