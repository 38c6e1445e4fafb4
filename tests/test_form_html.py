"""The ticket form's HTML, as generated: read with an HTML parser, no browser, no server."""

from __future__ import annotations

import json
import re

import pytest
from site_html import Element, parse

from ticket_schema import protocol
from ticket_schema.definition import DEFAULT_PATH, loads
from ticket_schema.form import (
    ID_PREFIX,
    browser_rules,
    render_form,
    render_page_block,
    render_standalone_page,
    site_files,
    static_file,
)
from ticket_schema.messages import explain, message
from ticket_schema.submission_schema import NOT_BLANK, WHITESPACE, submission_schema, version_of
from ticket_schema.validator import PRIORITY, Validator

LANGUAGES = ["en", "pt-BR"]


def form_of(definition, lang: str, **options) -> Element:
    return parse(render_form(definition, lang, **options))


def control(root: Element, name: str) -> Element:
    """The first control that submits under `name`."""
    return root.find(name=name)


def describing(root: Element, element: Element) -> list[Element]:
    """The elements an element's `aria-describedby` points at."""
    return [root.find(id=each) for each in element.attrs["aria-describedby"].split()]


def box_of(root: Element, field_id: str) -> Element:
    """The `.tsf-field` element holding the field's label, hint and control."""
    for candidate in root.find_all(cls="tsf-field"):
        if any(e.attrs.get("name") == field_id for e in candidate.iter()):
            return candidate
    raise AssertionError(f"no .tsf-field holds {field_id}")


def rules_in(root: Element) -> dict:
    block = root.find("script", type="application/json")
    return json.loads("".join(child for child in block.children if isinstance(child, str)))


# ---- every field, in order, labelled and explained


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_field_has_its_label_and_its_hint_tied_to_the_control(definition, lang) -> None:
    root = form_of(definition, lang)

    for field in definition.fields:
        box = box_of(root, field.id)
        caption = box.find("legend" if box.tag == "fieldset" else "label")
        question = definition.ui.get(f"form.question.{field.id}")
        expected = question[lang] if question and box.tag == "fieldset" else field.label[lang]
        assert caption.text.startswith(expected), field.id

        described = box if box.tag == "fieldset" else control(box, field.id)
        hints = [e.text for e in describing(root, described)]
        assert field.hint[lang] in hints, field.id
        if box.tag != "fieldset":
            assert caption.attrs["for"] == described.attrs["id"]


def test_fields_come_in_the_order_of_the_groups_of_the_definition(definition) -> None:
    root = form_of(definition, "en")
    expected = [f.id for group in definition.groups for f in definition.fields_in(group.id)]

    names = []
    for element in root.find("form").iter():
        name = element.attrs.get("name")
        if name in expected and name not in names:
            names.append(name)

    assert names == expected


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_group_is_a_fieldset_whose_legend_names_it(definition, lang) -> None:
    root = form_of(definition, lang)
    groups = root.find_all("fieldset", cls="tsf-group")

    assert [g.find("legend").text for g in groups] == [g.legend[lang] for g in definition.groups]
    environment = groups[[g.id for g in definition.groups].index("environment")]
    inside = {e.attrs.get("name") for e in environment.iter()}
    assert {f.id for f in definition.fields_in("environment")} <= inside


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("field_id", ["severity", "type"])
def test_a_choice_with_definitions_is_a_radio_group_asking_a_question(
    definition, lang, field_id
) -> None:
    field = definition.field(field_id)
    root = form_of(definition, lang)

    group = box_of(root, field_id)
    assert group.tag == "fieldset"
    legend = group.find("legend").text
    assert legend.startswith(definition.ui_text(f"form.question.{field_id}", lang))
    assert legend.endswith("?" + f" ({definition.ui_text('common.required', lang)})")

    radios = group.find_all("input", type="radio")
    assert [r.attrs["value"] for r in radios] == list(field.choice_ids)
    assert not any("checked" in r.attrs for r in radios), "no option may be chosen in advance"
    for radio, choice in zip(radios, field.choices, strict=True):
        assert group.find("label", for_=radio.attrs["id"]).text == choice.name[lang]
        assert [e.text for e in describing(root, radio)] == [choice.definition[lang]]


def test_the_severities_are_offered_from_the_least_to_the_most_severe(definition) -> None:
    group = box_of(form_of(definition, "en"), "severity")

    names = [label.text for label in group.find_all("label")]

    assert names == [s.name["en"] for s in definition.severities]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_language_of_the_answers_starts_on_the_language_of_the_page(definition, lang) -> None:
    group = box_of(form_of(definition, lang), "language")

    checked = [r.attrs["value"] for r in group.find_all("input") if "checked" in r.attrs]

    assert checked == [lang]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_long_list_of_plain_choices_is_a_select_that_starts_empty(definition, lang) -> None:
    select = control(form_of(definition, lang), "connection_type")
    options = select.find_all("option")

    assert select.tag == "select"
    assert (options[0].attrs["value"], options[0].text) == (
        "",
        definition.ui_text("form.choose", lang),
    )
    assert [o.attrs["value"] for o in options[1:]] == list(
        definition.field("connection_type").choice_ids
    )
    assert not any("selected" in o.attrs for o in options)


# ---- required in words


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_field_says_in_words_whether_it_is_required(definition, lang) -> None:
    root = form_of(definition, lang)
    words = {
        key: definition.ui_text(f"common.{key}", lang)
        for key in ("required", "optional", "required_for_problems")
    }

    for field in definition.fields:
        box = box_of(root, field.id)
        marker = box.find(cls="tsf-marker").text
        if field.required:
            assert marker == f"({words['required']})", field.id
            holder = box if box.tag == "fieldset" else control(box, field.id)
            assert holder.attrs.get("aria-required") == "true", field.id
        elif definition.conditionally_required(field.id):
            assert marker == f"({words['required_for_problems']})", field.id
        else:
            assert marker == f"({words['optional']})", field.id


def test_a_rejected_problem_marks_the_fields_its_rule_requires_as_required(definition) -> None:
    root = form_of(definition, "en", values={"type": "problem"})

    for field_id in definition.rules[0].require:
        box = box_of(root, field_id)
        assert box.find(cls="tsf-marker").text == "(required)"
        assert control(box, field_id).attrs.get("aria-required") == "true"


# ---- controls that help, and never hold the customer back


def test_the_email_field_lets_the_browser_fill_in_an_email_address(definition) -> None:
    email = control(form_of(definition, "en"), "email")

    assert email.attrs["type"] == "email"
    assert email.attrs["autocomplete"] == "email"


def test_no_control_cuts_typing_short_with_maxlength(definition) -> None:
    root = form_of(definition, "en")

    assert not [e.tag for e in root.iter() if "maxlength" in e.attrs]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_long_texts_are_text_areas_described_by_their_character_limit(definition, lang) -> None:
    root = form_of(definition, lang)

    for field in definition.fields:
        if field.kind != "long_text":
            continue
        area = control(root, field.id)
        assert area.tag == "textarea"
        limit = definition.ui_text("form.characters_limit", lang, count=field.max_length)
        assert limit in [e.text for e in describing(root, area)]
        assert {"en": "10,000", "pt-BR": "10.000"}[lang] in limit


def test_every_label_and_description_points_at_an_element_that_exists(definition) -> None:
    root = form_of(definition, "pt-BR")
    ids = [e.attrs["id"] for e in root.iter() if "id" in e.attrs]

    assert len(ids) == len(set(ids)), "ids must be unique"
    assert all(i.startswith(ID_PREFIX) for i in ids)
    for element in root.iter():
        for each in element.attrs.get("aria-describedby", "").split():
            assert each in ids
        if element.tag == "label":
            assert element.attrs["for"] in ids


# ---- a plain form, safe under a strict Content-Security-Policy


def test_the_form_posts_to_the_given_action(definition) -> None:
    default = form_of(definition, "en").find("form")
    elsewhere = form_of(definition, "en", action="https://support.example.com/api/tickets")

    assert (default.attrs["method"], default.attrs["action"]) == ("post", protocol.DEFAULT_ACTION)
    assert elsewhere.find("form").attrs["action"] == "https://support.example.com/api/tickets"


@pytest.mark.parametrize(
    "html",
    [
        pytest.param(lambda d: render_form(d, "en"), id="fragment"),
        pytest.param(lambda d: render_standalone_page(d, "pt-BR"), id="standalone"),
        pytest.param(lambda d: render_page_block(d, "en", asset_base="../"), id="docs-block"),
    ],
)
def test_nothing_inline_runs_or_styles(definition, html) -> None:
    root = parse(html(definition))

    for element in root.iter():
        assert "style" not in element.attrs, element.tag
        assert not [a for a in element.attrs if a.startswith("on")], element.tag
        assert element.tag != "style"
        if element.tag == "script":
            assert element.attrs.get("type") == "application/json" or (
                "src" in element.attrs and not element.text
            )


def test_the_rules_block_cannot_close_its_script_element(definition) -> None:
    source = DEFAULT_PATH.read_text(encoding="utf-8").replace(
        "en: Enter {noun}\n", "en: Enter {noun} </script><script>alert(1)</script>\n", 1
    )
    tricky = loads(source, DEFAULT_PATH)

    html = render_form(tricky, "en")

    assert html.count("</script>") == 1
    assert rules_in(parse(html)) == browser_rules(tricky, "en")


# ---- hidden inputs


def test_hidden_inputs_carry_the_schema_version_and_the_language(definition) -> None:
    root = form_of(definition, "pt-BR")

    version = control(root, protocol.SCHEMA_VERSION_FIELD)
    language = control(root, protocol.FORM_LANGUAGE_FIELD)

    assert version.attrs["value"] == version_of(submission_schema(definition))
    assert language.attrs["value"] == "pt-BR"


def test_a_shared_page_carries_no_idempotency_key_of_its_own(definition) -> None:
    empty = control(form_of(definition, "en"), protocol.IDEMPOTENCY_FIELD)
    given = control(form_of(definition, "en", idempotency_key="k-123"), protocol.IDEMPOTENCY_FIELD)

    assert empty.attrs["type"] == "hidden" and "value" not in empty.attrs
    assert given.attrs["value"] == "k-123"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_honeypot_is_hidden_from_people_and_asks_to_stay_empty(definition, lang) -> None:
    root = form_of(definition, lang)

    trap = control(root, protocol.HONEYPOT_FIELD)
    wrapper = next(e for e in root.iter() if trap in e.children)

    assert trap.attrs["tabindex"] == "-1" and trap.attrs["autocomplete"] == "off"
    assert wrapper.attrs["aria-hidden"] == "true" and "tsf-visually-hidden" in wrapper.classes
    assert root.find("label", for_=trap.attrs["id"]).text == definition.ui_text(
        "form.honeypot", lang
    )


# ---- a rejected post, shown without JavaScript


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_rejected_post_comes_back_with_a_summary_and_a_message_at_each_field(
    definition, lang
) -> None:
    typed = {"type": "problem", "subject": "Hi", "email": "joao @example.com", "language": lang}
    problems = Validator(definition).validate(typed).problems

    root = form_of(definition, lang, values=typed, problems=problems)

    summary = root.find(cls="tsf-summary")
    assert "hidden" not in summary.attrs and "autofocus" in summary.attrs
    assert summary.find("h2").text == definition.ui_text("form.error_summary_title", lang)
    links = summary.find_all("a")
    assert [a.text for a in links] == [explain(definition, p, lang) for p in problems]
    prefix = definition.ui_text("form.error_prefix", lang)
    for link, problem in zip(links, problems, strict=True):
        target = root.find(id=link.attrs["href"][1:])
        assert target.attrs["name"] == problem.field
        assert target.attrs["aria-invalid"] == "true"
        box = box_of(root, problem.field)
        error = box.find(cls="tsf-error")
        assert error.find(cls="tsf-visually-hidden").text == prefix
        assert error.text == f"{prefix} {explain(definition, problem, lang)}"
        described = box if box.tag == "fieldset" else target
        assert error in describing(root, described)


def test_a_rejected_post_keeps_every_value_the_customer_typed_escaped(definition) -> None:
    typed = {
        "type": "problem",
        "subject": 'Quotes " and <b>tags</b>',
        "description": "\nStarts with a line break & ends here",
        "connection_type": "dsl",
        "language": "pt-BR",
    }
    problems = Validator(definition).validate(typed).problems

    html = render_form(definition, "en", values=typed, problems=problems)
    root = parse(html)

    assert "<b>tags</b>" not in html
    assert control(root, "subject").attrs["value"] == typed["subject"]
    # The parser keeps the one line break that browsers drop after <textarea>.
    assert control(root, "description").children == ["\n" + typed["description"]]
    assert control(root, "connection_type").find(value="dsl").attrs.get("selected") == ""
    assert "checked" in root.find(id=f"{ID_PREFIX}type-problem").attrs
    assert "checked" in root.find(id=f"{ID_PREFIX}language-pt-BR").attrs


def test_a_problem_with_a_field_the_form_lacks_is_listed_without_a_link(definition) -> None:
    problems = Validator(definition).validate({"colour": "blue"}).problems

    summary = form_of(definition, "en", problems=problems).find(cls="tsf-summary")
    item = [li for li in summary.find_all("li") if "colour" in li.text]

    assert item and not item[0].find_all("a")


# ---- the standalone page


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_standalone_page_is_in_the_language_of_the_form(definition, lang) -> None:
    root = parse(render_standalone_page(definition, lang, asset_base="/assets/"))

    html = root.find("html")
    assert html.attrs["lang"] == lang
    assert root.find("title").text == definition.ui_text("form.title", lang)
    assert root.find("h1").text == definition.ui_text("form.title", lang)
    description = root.find("meta", name="description").attrs["content"]
    assert description == definition.ui_text("form.description", lang)
    assert root.find("link", rel="stylesheet").attrs["href"] == "/assets/ticket-form.css"
    assert root.find("script", src="/assets/ticket-form.js").attrs.get("defer") == ""
    assert root.find("main").find(cls="tsf")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_title_of_a_rejected_page_starts_with_the_error_prefix(definition, lang) -> None:
    problems = Validator(definition).validate({}).problems

    root = parse(render_standalone_page(definition, lang, problems=problems))

    prefix = definition.ui_text("form.error_prefix", lang)
    assert root.find("title").text == f"{prefix} {definition.ui_text('form.title', lang)}"


# ---- the rules the browser runs


def test_the_browser_rules_are_the_rules_of_the_submission_schema(definition) -> None:
    schema = submission_schema(definition)

    rules = browser_rules(definition, "en")

    assert [f["id"] for f in rules["fields"]] == list(schema["properties"])
    for field in rules["fields"]:
        spec = schema["properties"][field["id"]]
        for key in ("enum", "minLength", "maxLength"):
            assert field.get(key) == spec.get(key), (field["id"], key)
        if spec.get("pattern") != NOT_BLANK:
            assert field.get("pattern") == spec.get("pattern"), field["id"]
        assert field.get("required", False) == (field["id"] in schema["required"])
    assert rules["rules"] == [
        {"when": "type", "equals": "problem", "require": clause["then"]["required"]}
        for clause in schema["allOf"]
    ]
    assert rules["closed"] is True
    assert rules["whitespace"] == WHITESPACE
    assert rules["priority"] == list(PRIORITY)
    assert rules["version"] == version_of(schema)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_browser_has_the_validators_messages_in_the_page_language(definition, lang) -> None:
    rules = browser_rules(definition, lang)

    for field in rules["fields"]:
        for code, text in field["messages"].items():
            assert text == message(definition, field["id"], code, lang)
    assert rules["unknownField"].replace("{field}", "colour") == message(
        definition, "colour", "unknown_field", lang
    )


def test_the_browser_is_not_sent_the_not_blank_pattern_that_trimming_makes_moot(
    definition,
) -> None:
    schema = submission_schema(definition)
    blank_checked = [name for name, spec in schema["properties"].items() if "pattern" in spec]

    rules = browser_rules(definition, "en")

    assert NOT_BLANK not in [field.get("pattern") for field in rules["fields"]]
    # The formats stay: e-mail, address and UUID.
    with_pattern = {
        field["id"]: field["patternCode"] for field in rules["fields"] if "pattern" in field
    }
    assert with_pattern == {"url": "bad_url", "device_uuid": "bad_uuid", "email": "bad_email"}
    assert len(blank_checked) > len(with_pattern)


def test_every_problem_the_validator_can_raise_has_a_message_in_the_browser(definition) -> None:
    rules = browser_rules(definition, "en")
    requirable = {
        *submission_schema(definition)["required"],
        *(name for rule in rules["rules"] for name in rule["require"]),
    }

    for field in rules["fields"]:
        codes = {"wrong_type"}
        codes |= {"required"} if field["id"] in requirable else set()
        codes |= {"not_a_choice"} if "enum" in field else set()
        codes |= {"too_short"} if "minLength" in field else set()
        codes |= {"too_long"} if "maxLength" in field else set()
        codes |= {field["patternCode"]} if "pattern" in field else set()
        assert set(field["messages"]) == codes, field["id"]


def test_the_embedded_rules_are_the_browser_rules(definition) -> None:
    assert rules_in(form_of(definition, "pt-BR")) == browser_rules(definition, "pt-BR")


def test_portuguese_counts_zero_as_singular_and_english_does_not(definition) -> None:
    assert browser_rules(definition, "pt-BR")["pluralOne"] == [0, 1]
    assert browser_rules(definition, "en")["pluralOne"] == [1]


# ---- the files of the site


def test_the_site_gets_a_page_and_a_fragment_per_language_and_the_assets(definition) -> None:
    files = site_files(definition)

    for lang in LANGUAGES:
        page = parse(files[f"ticket-form/{lang}/index.html"])
        assert page.find("html").attrs["lang"] == lang
        assert page.find("form").attrs["action"] == protocol.DEFAULT_ACTION
        assert page.find("link", rel="stylesheet").attrs["href"] == "../ticket-form.css"
        assert files[f"ticket-form/{lang}/fragment.html"] == render_form(definition, lang)
    assert "window.TicketForm" in files["ticket-form/ticket-form.js"]
    assert ".tsf" in files["ticket-form/ticket-form.css"]


@pytest.mark.parametrize("name", ["ticket-form.js", "ticket-form.css"])
def test_the_site_serves_the_script_and_style_sheet_minified(definition, name) -> None:
    source = static_file(name)

    served = site_files(definition)[f"ticket-form/{name}"]

    assert "/*" in source and "/*" not in served
    assert served.count("\n") < 20 < source.count("\n")
    assert len(served) < 0.8 * len(source)


def test_the_schema_is_published_at_an_address_that_carries_its_version(definition) -> None:
    schema = submission_schema(definition)

    files = site_files(definition)

    published = files[f"schemas/ticket-submission/{version_of(schema)}.json"]
    assert json.loads(published) == schema
    assert re.fullmatch(r"[0-9a-f]{12}", version_of(schema))


def test_a_page_block_links_the_assets_beside_the_form(definition) -> None:
    root = parse(render_page_block(definition, "pt-BR", asset_base="../../ticket-form/"))

    assert root.find("link").attrs["href"] == "../../ticket-form/ticket-form.css"
    assert root.find("script", src="../../ticket-form/ticket-form.js")
    assert root.find(cls="tsf").attrs["lang"] == "pt-BR"
