"""The ticket form in a real browser: Chromium against the built site on 127.0.0.1.

Each of the three ways to use the form is tried in both languages: on the
docs page, as the standalone page (what an iframe shows), and embedded by
its script into a host page of another origin that has hostile CSS and a
strict Content-Security-Policy. Posts reach the capture server, which
judges them with the real validator.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from urllib.parse import quote

import pytest
from playwright.sync_api import Page, expect

from ticket_schema import protocol
from ticket_schema.definition import Definition
from ticket_schema.form import ID_PREFIX
from ticket_schema.messages import explain
from ticket_schema.submission_schema import submission_schema, version_of
from ticket_schema.validator import Validator, normalize

pytestmark = [pytest.mark.browser, pytest.mark.http]

LANGUAGES = ["en", "pt-BR"]
WAYS = ["docs", "standalone", "embed"]
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")

# ---- where each way of using the form lives


@pytest.fixture
def docs_pages(docs_form_pages) -> dict[str, str]:
    """The address of the docs page that shows the form, per language."""
    assert set(docs_form_pages) == set(LANGUAGES), docs_form_pages
    return docs_form_pages


# The theme's language menu asks the published address (site_url) for its
# sitemap; that address is not this test server.
ELSEWHERE = ("/favicon.ico", "/sitemap.xml")


@pytest.fixture
def watched(page: Page) -> Iterator[Page]:
    """The page, failing the test on any script error, policy violation or failed request."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"page error: {error}"))
    page.on(
        "console",
        lambda m: (
            errors.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on(
        "requestfailed",
        lambda r: errors.append(f"failed: {r.url}") if not r.url.endswith(ELSEWHERE) else None,
    )
    page.on(
        "response",
        lambda r: (
            errors.append(f"{r.status}: {r.url}")
            if r.status >= 400 and not r.url.endswith(ELSEWHERE) and "/api/" not in r.url
            else None
        ),
    )
    yield page
    assert not errors, errors


def open_form(page: Page, capture, docs_pages, way: str, lang: str, query: str = "") -> None:
    """Open the form one of the three ways, and wait until its script has enhanced it."""
    if way == "docs":
        page.goto(capture.url + docs_pages[lang] + query)
    elif way == "standalone":
        page.goto(f"{capture.url}/ticket-form/{lang}/{query}")
    else:
        page.goto(capture.host_page(lang) + query)
    page.wait_for_function(
        "() => { const host = document.querySelector('#support');"
        " const root = host && host.shadowRoot ? host.shadowRoot : document;"
        " const wrapper = root.querySelector('[data-ticket-form]');"
        " return wrapper && wrapper.ticketForm; }"
    )


def fill_ticket(page: Page, definition: Definition, ticket: dict[str, str]) -> None:
    """Type a ticket into the form as a customer would."""
    for field_id, value in ticket.items():
        field = definition.field(field_id)
        if field.kind == "choice" and field.id == "connection_type":
            page.select_option(f"#{ID_PREFIX}{field_id}", value)
        elif field.kind == "choice":
            page.check(f"#{ID_PREFIX}{field_id}-{value}")
        else:
            page.fill(f"#{ID_PREFIX}{field_id}", value)


def submit(page: Page) -> None:
    page.click(".tsf button[type=submit]")


def example(definition: Definition, example_id: str) -> dict[str, str]:
    return dict(next(e for e in definition.examples if e.id == example_id).submission)


def a_full_ticket(definition: Definition, lang: str) -> dict[str, str]:
    """A valid ticket that fills in every field of the form."""
    ticket = example(definition, "production_problem_in_portuguese")
    ticket.update(
        language=lang,
        application="Loja online",
        internet_provider="Provedor Exemplo",
        steps_to_reproduce=ticket["steps_to_reproduce"].strip(),
    )
    assert {f.id for f in definition.fields} == set(ticket)
    assert Validator(definition).validate(ticket).valid
    return ticket


def listen(page: Page, *names: str) -> None:
    """Record the form's events, as a host page would, in `window.heard`."""
    page.evaluate(
        """names => { window.heard = [];
          for (const name of names) document.addEventListener(name,
            e => window.heard.push({name: e.type, detail: e.detail}), true); }""",
        list(names),
    )


def heard(page: Page) -> list[dict]:
    return page.evaluate("() => window.heard")


def wait_for(condition: Callable[[], bool], page: Page, what: str) -> None:
    for _ in range(50):
        if condition():
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"timed out waiting for {what}")


# ---- an empty form


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("way", WAYS)
def test_an_empty_submit_lists_each_missing_field_and_sends_nothing(
    watched, capture, docs_pages, definition, way, lang
) -> None:
    page = watched
    open_form(page, capture, docs_pages, way, lang)
    expected = Validator(definition).validate({"language": lang}).problems

    submit(page)

    summary = page.locator(".tsf-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(summary.locator("h2")).to_have_text(definition.ui_text("form.error_summary_title", lang))
    links = summary.locator("a")
    expect(links).to_have_text([explain(definition, p, lang) for p in expected])

    prefix = definition.ui_text("form.error_prefix", lang)
    for problem in expected:
        target = page.locator(f".tsf [name='{problem.field}']").first
        expect(target).to_have_attribute("aria-invalid", "true")
        box = page.locator(".tsf-field", has=page.locator(f"[name='{problem.field}']"))
        expect(box.locator(".tsf-error")).to_have_text(
            f"{prefix} {explain(definition, problem, lang)}"
        )
        expect(box.locator(".tsf-error .tsf-visually-hidden")).to_have_text(prefix + " ")
    assert capture.posts == []


def test_a_link_in_the_summary_moves_focus_to_its_field(
    watched, capture, docs_pages, definition
) -> None:
    page = watched
    open_form(page, capture, docs_pages, "embed", "en")
    submit(page)

    page.locator(".tsf-summary a", has_text="Enter a subject").click()

    expect(page.locator(f"#{ID_PREFIX}subject")).to_be_focused()
    assert page.evaluate("() => location.hash") == ""


def test_fixing_the_problems_clears_their_messages(
    watched, capture, docs_pages, definition
) -> None:
    page = watched
    open_form(page, capture, docs_pages, "standalone", "en")
    submit(page)
    expect(page.locator(".tsf-error")).to_have_count(5)

    fill_ticket(page, definition, example(definition, "question_in_english"))
    submit(page)

    expect(page.locator(".tsf-status")).to_contain_text("T-")
    expect(page.locator(".tsf-error")).to_have_count(0)
    expect(page.locator(".tsf-summary")).to_be_hidden()
    expect(page.locator("[aria-invalid]")).to_have_count(0)


# ---- a valid ticket


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("way", WAYS)
def test_a_valid_ticket_reaches_the_server_as_exactly_what_the_validator_accepts(
    watched, capture, docs_pages, definition, way, lang
) -> None:
    page = watched
    open_form(page, capture, docs_pages, way, lang)
    listen(page, "ticket-form:submitted")
    ticket = a_full_ticket(definition, lang)
    ticket["subject"] = "  " + ticket["subject"] + "\u3000"

    fill_ticket(page, definition, ticket)
    submit(page)

    status = page.locator(".tsf-status")
    expect(status).to_contain_text(definition.ui_text("form.success", lang, number="T-000001"))
    link = status.locator("a")
    expect(link).to_have_text(definition.ui_text("form.status_link", lang))
    expect(link).to_have_attribute("href", f"{capture.url}/tickets/T-000001")

    (post,) = capture.posts
    assert post.path == protocol.DEFAULT_ACTION
    assert post.content_type == "application/json"
    assert post.json() == normalize(ticket)
    assert Validator(definition).validate(post.json()).valid
    assert UUID.match(post.header(protocol.IDEMPOTENCY_HEADER))
    assert post.header(protocol.SCHEMA_VERSION_HEADER) == version_of(submission_schema(definition))
    assert post.header("Accept-Language") == lang
    assert heard(page) == [
        {
            "name": "ticket-form:submitted",
            "detail": {
                "number": "T-000001",
                "statusUrl": f"{capture.url}/tickets/T-000001",
                "status": "open",
            },
        }
    ]


def test_optional_fields_left_empty_are_not_sent(watched, capture, docs_pages, definition) -> None:
    page = watched
    open_form(page, capture, docs_pages, "standalone", "en")
    ticket = example(definition, "question_in_english")

    fill_ticket(page, definition, ticket)
    page.fill(f"#{ID_PREFIX}browser", "   ")
    submit(page)

    expect(page.locator(".tsf-status a")).to_be_visible()
    assert capture.posts[0].json() == ticket


def test_each_page_view_and_each_ticket_gets_its_own_idempotency_key(
    watched, capture, docs_pages, definition
) -> None:
    page = watched
    keys = []
    for _ in range(2):
        open_form(page, capture, docs_pages, "standalone", "en")
        keys.append(page.input_value(f"[name={protocol.IDEMPOTENCY_FIELD}]"))
    fill_ticket(page, definition, example(definition, "question_in_english"))
    submit(page)
    expect(page.locator(".tsf-status a")).to_be_visible()
    keys.append(page.input_value(f"[name={protocol.IDEMPOTENCY_FIELD}]"))

    assert all(UUID.match(key) for key in keys)
    assert len(set(keys)) == 3
    assert capture.posts[0].header(protocol.IDEMPOTENCY_HEADER) == keys[1]


def test_a_filled_honeypot_is_sent_under_its_name(watched, capture, docs_pages, definition) -> None:
    page = watched
    open_form(page, capture, docs_pages, "standalone", "en")
    fill_ticket(page, definition, example(definition, "question_in_english"))

    page.locator(f"[name={protocol.HONEYPOT_FIELD}]").fill("https://spam.example", force=True)
    submit(page)

    expect(page.locator(".tsf-status a")).to_be_visible()
    assert capture.posts[0].json()[protocol.HONEYPOT_FIELD] == "https://spam.example"


# ---- the rule for problems


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_problem_without_its_details_reports_the_fields_the_rule_requires(
    watched, capture, docs_pages, definition, lang
) -> None:
    page = watched
    open_form(page, capture, docs_pages, "standalone", lang)
    ticket = example(definition, "problem_without_its_details")
    ticket["language"] = lang
    required = definition.ui_text("common.required", lang)

    fill_ticket(page, definition, ticket)

    for field_id in definition.rules[0].require:
        control = page.locator(f"#{ID_PREFIX}{field_id}")
        expect(control).to_have_attribute("aria-required", "true")
        expect(page.locator(".tsf-field", has=control).locator(".tsf-marker")).to_have_text(
            f"({required})"
        )

    submit(page)

    expected = Validator(definition).validate(ticket).problems
    assert [p.field for p in expected] == list(definition.rules[0].require)
    expect(page.locator(".tsf-summary a")).to_have_text(
        [explain(definition, p, lang) for p in expected]
    )
    assert capture.posts == []


def test_choosing_another_type_makes_the_details_optional_again(
    watched, capture, docs_pages, definition
) -> None:
    page = watched
    open_form(page, capture, docs_pages, "docs", "pt-BR")
    url = page.locator(f"#{ID_PREFIX}url")
    marker = page.locator(".tsf-field", has=url).locator(".tsf-marker")

    page.check(f"#{ID_PREFIX}type-problem")
    expect(marker).to_have_text("(obrigatório)")
    page.check(f"#{ID_PREFIX}type-question")

    expect(marker).to_have_text("(obrigatório para problemas)")
    expect(url).to_have_attribute("aria-required", "false")


# ---- answers from the server


def test_the_servers_problems_are_shown_like_the_browsers(
    watched, capture, docs_pages, definition
) -> None:
    page = watched
    open_form(page, capture, docs_pages, "embed", "en")
    listen(page, "ticket-form:invalid")
    fill_ticket(page, definition, example(definition, "question_in_english"))
    problems = [
        {"field": "subject", "code": "too_short", "message": "The server wants a longer subject"},
        {"field": "colour", "code": "unknown_field", "message": "No field called colour"},
    ]
    capture.answer_next(422, {"problems": problems})

    submit(page)

    summary = page.locator(".tsf-summary")
    expect(summary).to_be_focused()
    expect(summary.locator("li")).to_have_text([p["message"] for p in problems])
    expect(summary.locator("a")).to_have_count(1)
    subject = page.locator(f"#{ID_PREFIX}subject")
    expect(subject).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".tsf-field", has=subject).locator(".tsf-error")).to_have_text(
        "Error: The server wants a longer subject"
    )
    expect(subject).to_have_value(example(definition, "question_in_english")["subject"])
    assert heard(page) == [
        {"name": "ticket-form:invalid", "detail": {"problems": problems, "source": "server"}}
    ]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_server_failure_keeps_the_values_and_says_so(
    page, capture, docs_pages, definition, lang
) -> None:
    open_form(page, capture, docs_pages, "standalone", lang)
    listen(page, "ticket-form:error")
    ticket = example(definition, "question_in_english")
    fill_ticket(page, definition, ticket)
    capture.answer_next(500, {"error": "boom"})

    submit(page)

    expect(page.locator(".tsf-status")).to_have_text(definition.ui_text("form.server_error", lang))
    expect(page.locator(f"#{ID_PREFIX}description")).to_have_value(ticket["description"])
    assert heard(page) == [{"name": "ticket-form:error", "detail": {"status": 500}}]


@pytest.mark.parametrize(
    ("status", "key"),
    [
        (409, "intake.error.idempotency_conflict"),
        (413, "intake.error.too_large"),
        (429, "intake.error.rate_limited"),
    ],
)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_refusal_the_server_explains_is_shown_in_its_words(
    page, capture, docs_pages, definition, lang, status, key
) -> None:
    open_form(page, capture, docs_pages, "standalone", lang)
    ticket = example(definition, "question_in_english")
    fill_ticket(page, definition, ticket)
    explained = definition.ui_text(key, lang, count=30, limit=64)
    capture.answer_next(status, {"error": explained})

    submit(page)

    expect(page.locator(".tsf-status")).to_have_text(explained)
    expect(page.locator(f"#{ID_PREFIX}subject")).to_have_value(ticket["subject"])


def test_after_a_key_was_used_for_another_ticket_the_next_send_is_a_ticket_of_its_own(
    page, capture, docs_pages, definition
) -> None:
    open_form(page, capture, docs_pages, "standalone", "en")
    fill_ticket(page, definition, example(definition, "question_in_english"))
    capture.answer_next(409, {"error": "used"})
    submit(page)
    expect(page.locator(".tsf-status")).to_have_text("used")

    submit(page)

    expect(page.locator(".tsf-status a")).to_be_visible()
    first, second = capture.posts
    assert first.header(protocol.IDEMPOTENCY_HEADER) != second.header(protocol.IDEMPOTENCY_HEADER)
    assert UUID.match(second.header(protocol.IDEMPOTENCY_HEADER))


@pytest.mark.parametrize("way", WAYS)
def test_a_second_click_just_after_sending_keeps_the_ticket_number_on_screen(
    watched, capture, docs_pages, definition, way
) -> None:
    page = watched
    open_form(page, capture, docs_pages, way, "en")
    fill_ticket(page, definition, example(definition, "question_in_english"))

    submit(page)
    expect(page.locator(".tsf-status a")).to_be_visible()
    submit(page)

    page.wait_for_timeout(300)
    expect(page.locator(".tsf-status a")).to_be_visible()
    expect(page.locator(".tsf-summary")).to_be_hidden()
    assert len(capture.posts) == 1


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_network_failure_keeps_the_values_and_says_so(
    page, capture, docs_pages, definition, lang
) -> None:
    open_form(page, capture, docs_pages, "standalone", lang)
    listen(page, "ticket-form:error")
    ticket = example(definition, "question_in_english")
    fill_ticket(page, definition, ticket)
    page.route("**/api/tickets", lambda route: route.abort("connectionrefused"))

    submit(page)

    expect(page.locator(".tsf-status")).to_have_text(definition.ui_text("form.network_error", lang))
    expect(page.locator(f"#{ID_PREFIX}subject")).to_have_value(ticket["subject"])
    assert heard(page) == [{"name": "ticket-form:error", "detail": {"status": 0}}]


# ---- character counts


@pytest.mark.parametrize(
    ("lang", "typed", "shown"),
    [
        ("en", 10_000 - 1, "You have 1 character remaining"),
        ("en", 10_000 + 3, "You have 3 characters too many"),
        ("pt-BR", 10_000, "Resta 0 caractere"),
        ("pt-BR", 10_000 + 1, "Você passou 1 caractere do limite"),
    ],
)
def test_the_character_count_is_announced_politely_and_never_blocks_typing(
    watched, capture, docs_pages, definition, lang, typed, shown
) -> None:
    page = watched
    open_form(page, capture, docs_pages, "standalone", lang)
    area = page.locator(f"#{ID_PREFIX}description")
    # Characters outside the Basic Multilingual Plane count once each.
    text = ("🎫" * 10 + "x" * 90) * (typed // 100) + "y" * (typed % 100)

    area.fill(text)
    area.press("End")

    expect(area).to_have_value(text)
    expect(page.locator(f"#{ID_PREFIX}description-count")).to_have_text(shown)
    live = page.locator(".tsf > [aria-live=polite]")
    expect(live).to_have_text(shown)


def test_too_long_a_description_is_reported_on_submit_only(
    watched, capture, docs_pages, definition
) -> None:
    page = watched
    open_form(page, capture, docs_pages, "standalone", "en")
    fill_ticket(page, definition, example(definition, "question_in_english"))

    page.fill(f"#{ID_PREFIX}description", "d" * 10_001)
    expect(page.locator(".tsf-error")).to_have_count(0)
    submit(page)

    expect(page.locator(".tsf-summary a")).to_have_text(
        ["Description must be 10,000 characters or fewer"]
    )


# ---- prefill from the address


def test_the_address_fills_in_known_fields_only(watched, capture, docs_pages, definition) -> None:
    page = watched
    query = "?" + "&".join(
        f"{name}={quote(value)}"
        for name, value in {
            "subject": "Broken images on /shop",
            "url": "https://www.example.com/shop?page=2",
            "severity": "system_impaired",
            "connection_type": "satellite",
            protocol.SCHEMA_VERSION_FIELD: "forged",
            protocol.HONEYPOT_FIELD: "spam",
            "colour": "blue",
        }.items()
    )

    open_form(page, capture, docs_pages, "embed", "pt-BR", query)

    expect(page.locator(f"#{ID_PREFIX}subject")).to_have_value("Broken images on /shop")
    expect(page.locator(f"#{ID_PREFIX}url")).to_have_value("https://www.example.com/shop?page=2")
    expect(page.locator(f"#{ID_PREFIX}severity-system_impaired")).to_be_checked()
    expect(page.locator(f"#{ID_PREFIX}connection_type")).to_have_value("satellite")
    version = version_of(submission_schema(definition))
    expect(page.locator(f"[name={protocol.SCHEMA_VERSION_FIELD}]")).to_have_value(version)
    expect(page.locator(f"[name={protocol.HONEYPOT_FIELD}]")).to_have_value("")


# ---- without JavaScript


@pytest.fixture
def no_script_page(browser) -> Iterator[Page]:
    context = browser.new_context(java_script_enabled=False)
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("way", ["docs", "standalone"])
def test_with_javascript_off_the_plain_post_reaches_the_server_with_every_field(
    no_script_page, capture, docs_pages, definition, way, lang
) -> None:
    page = no_script_page
    page.goto(capture.url + (docs_pages[lang] if way == "docs" else f"/ticket-form/{lang}/"))
    ticket = a_full_ticket(definition, lang)

    fill_ticket(page, definition, ticket)
    submit(page)

    expect(page.locator("p")).to_have_text("T-000001")
    (post,) = capture.posts
    assert post.content_type == "application/x-www-form-urlencoded"
    # Browsers send a text area's line breaks as CR LF in a plain post.
    sent = {name: values[0].replace("\r\n", "\n") for name, values in post.form().items()}
    assert {name: sent[name] for name in ticket} == ticket
    assert sent[protocol.SCHEMA_VERSION_FIELD] == version_of(submission_schema(definition))
    assert sent[protocol.FORM_LANGUAGE_FIELD] == lang
    assert sent[protocol.HONEYPOT_FIELD] == ""
    assert set(sent) == set(ticket) | set(protocol.META_FIELDS)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_with_javascript_off_a_rejected_post_comes_back_showing_its_problems(
    no_script_page, capture, docs_pages, definition, lang
) -> None:
    page = no_script_page
    page.goto(f"{capture.url}/ticket-form/{lang}/")
    ticket = {"type": "problem", "subject": "Hi", "email": "a@example.com"}
    fill_ticket(page, definition, ticket)

    submit(page)

    prefix = definition.ui_text("form.error_prefix", lang)
    expect(page).to_have_title(f"{prefix} {definition.ui_text('form.title', lang)}")
    summary = page.locator(".tsf-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    problems = Validator(definition).validate({**ticket, "language": lang}).problems
    expect(summary.locator("a")).to_have_text([explain(definition, p, lang) for p in problems])
    expect(page.locator(f"#{ID_PREFIX}subject")).to_have_value("Hi")
    expect(page.locator(f"#{ID_PREFIX}subject")).to_have_attribute("aria-invalid", "true")
    expect(page.locator(f"#{ID_PREFIX}type-problem")).to_be_checked()


# ---- the embed, and the iframe


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_embed_renders_and_submits_under_a_hostile_host(
    watched, capture, docs_pages, definition, lang
) -> None:
    page = watched
    open_form(page, capture, docs_pages, "embed", lang)

    label = page.locator(f"label[for={ID_PREFIX}subject]")
    expect(label).to_be_visible()
    assert label.evaluate("e => getComputedStyle(e).fontSize") == "16px"
    assert label.evaluate("e => getComputedStyle(e).fontWeight") == "700"
    assert page.locator(".tsf").evaluate("e => getComputedStyle(e).color") == "rgb(27, 27, 27)"
    box = page.locator(f"#{ID_PREFIX}subject").bounding_box()
    assert box and box["width"] > 300 and 30 < box["height"] < 80
    # The form's styles stay inside: the host's heading keeps the host's look.
    host_heading = page.locator("h1")
    assert host_heading.evaluate("e => getComputedStyle(e).fontSize") == "40px"

    ticket = example(definition, "question_in_english")
    fill_ticket(page, definition, ticket)
    submit(page)

    expect(page.locator(".tsf-status a")).to_be_visible()
    (post,) = capture.posts
    assert post.json() == ticket
    assert post.header("Origin") == f"http://localhost:{capture.port}"
    assert post.header("Accept-Language") == lang


@pytest.mark.parametrize(
    ("asked", "page_lang", "shown"),
    [
        ("pt-br", "en", "pt-BR"),
        ("PT", "en", "pt-BR"),
        (None, "pt-PT", "pt-BR"),
        (None, "en-US", "en"),
        (None, "fr", "en"),
        (None, "", "en"),
    ],
)
def test_the_embed_speaks_the_closest_language_the_form_has(
    page, capture, definition, asked, page_lang, shown
) -> None:
    page.goto(capture.host_page(asked, page_lang=page_lang))

    summary_title = page.locator(".tsf-summary h2")
    expect(page.locator("[data-ticket-form]")).to_have_attribute("lang", shown)
    expect(summary_title).to_have_text(definition.ui_text("form.error_summary_title", shown))


def test_the_embed_posts_to_the_address_its_tag_names(watched, capture, definition) -> None:
    page = watched
    page.goto(capture.host_page("en", action=f"{capture.url}/api/tickets?via=tag"))
    fill_ticket(page, definition, example(definition, "question_in_english"))

    submit(page)

    expect(page.locator(".tsf-status a")).to_be_visible()
    assert capture.posts[0].path == "/api/tickets?via=tag"


def test_loading_the_script_twice_enhances_the_form_once(watched, capture, docs_pages) -> None:
    page = watched
    open_form(page, capture, docs_pages, "standalone", "en")
    page.add_script_tag(url=f"{capture.url}/ticket-form/ticket-form.js")
    listen(page, "ticket-form:invalid")

    submit(page)

    expect(page.locator(".tsf-summary li")).to_have_count(5)
    assert len(heard(page)) == 1


@pytest.mark.parametrize(
    ("markup", "tag", "named"),
    [
        pytest.param(
            '<div data-ticket-form><form method="post"></form></div>',
            "",
            "script[data-ticket-form-rules]",
            id="form-without-its-rules",
        ),
        pytest.param(
            '<div id="here"></div>',
            ' data-target="#nowhere"',
            "#nowhere",
            id="embed-target-missing",
        ),
        pytest.param(
            '<div id="here"></div>',
            ' data-target="#here" data-lang="fr"',
            "/elsewhere/languages.json",
            id="embed-script-away-from-the-form-files",
        ),
    ],
)
def test_missing_markup_fails_loudly_naming_what_is_missing(
    page, capture, markup, tag, named
) -> None:
    logged: list[str] = []
    thrown: list[str] = []
    page.on("console", lambda m: logged.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: thrown.append(str(error)))
    # A copy of the script in a folder that holds none of the form's files.
    script = page.request.get(capture.url + "/ticket-form/ticket-form.js").text()
    capture.add_page("/elsewhere/ticket-form.js", script, {"Content-Type": "text/javascript"})
    src = "/elsewhere/ticket-form.js" if "/elsewhere/" in named else "/ticket-form/ticket-form.js"
    capture.add_page(
        "/broken.html",
        f'<!DOCTYPE html><html lang="en"><title>Broken</title>{markup}'
        f'<script src="{src}"{tag}></script></html>',
    )

    page.goto(capture.url + "/broken.html")

    wait_for(lambda: any(named in error for error in thrown), page, "the thrown error")
    assert any(m.startswith("ticket form: ") and named in m for m in logged)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_standalone_page_works_inside_an_iframe(watched, capture, definition, lang) -> None:
    page = watched
    title = definition.ui_text("form.title", lang)
    capture.add_page(
        "/iframe-host.html",
        f'<!DOCTYPE html><html lang="{lang}"><title>Host</title>'
        f'<iframe src="{capture.url}/ticket-form/{lang}/" title="{title}" width="800" '
        'height="900"></iframe></html>',
    )
    page.goto(f"http://localhost:{capture.port}/iframe-host.html")
    frame = page.frame_locator("iframe")
    ticket = example(definition, "question_in_english")

    for field_id in ("subject", "description", "email"):
        frame.locator(f"#{ID_PREFIX}{field_id}").fill(ticket[field_id])
    frame.locator(f"#{ID_PREFIX}type-question").check()
    frame.locator(f"#{ID_PREFIX}severity-general_guidance").check()
    frame.locator(f"#{ID_PREFIX}language-en").check()
    frame.locator("button[type=submit]").click()

    expect(frame.locator(".tsf-status a")).to_be_visible()
    assert capture.posts[0].json() == ticket


# ---- the built site holds what the form needs


def test_the_built_site_holds_the_form_files_and_the_versioned_schema(
    built_site, definition
) -> None:
    from ticket_schema.form import site_files

    for relative, content in site_files(definition).items():
        written = (built_site / relative).read_text(encoding="utf-8")
        assert written == content, relative
    version = version_of(submission_schema(definition))
    published = json.loads(
        (built_site / f"schemas/ticket-submission/{version}.json").read_text(encoding="utf-8")
    )
    assert published == submission_schema(definition)
