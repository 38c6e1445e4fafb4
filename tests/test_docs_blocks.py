"""The documentation blocks, generated from the definition with no site involved."""

from __future__ import annotations

import dataclasses

import pytest
from site_html import Element, parse, table_header, table_rows

from ticket_schema.definition import Choice, Definition, Rule, Text
from ticket_schema.docs_blocks import (
    BLOCKS,
    UnknownBlock,
    help_footer,
    markers_in,
    render_block,
    requirement,
)

LANGUAGES = ["en", "pt-BR"]
EDIT_BASE = "https://code.example/org/repo/blob/main/ticket_schema/ticket.yaml"


def block(definition: Definition, name: str, lang: str, edit_base: str | None = EDIT_BASE):
    return parse(render_block(definition, name, lang, edit_base))


def expected_requirement(definition: Definition, field_id: str, lang: str) -> str:
    field = definition.field(field_id)
    if field.required:
        return definition.ui_text("docs.yes", lang)
    if definition.conditionally_required(field_id):
        return definition.ui_text("common.required_for_problems", lang)
    return definition.ui_text("docs.no", lang)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_severity_table_lists_every_level_in_order_with_its_definition(definition, lang):
    table = block(definition, "severities", lang)

    assert table_rows(table) == [
        (severity.name[lang], severity.definition[lang]) for severity in definition.severities
    ]
    assert table_header(table) == (
        definition.ui_text("docs.column.level", lang),
        definition.ui_text("docs.column.meaning", lang),
    )


@pytest.mark.parametrize("lang", LANGUAGES)
def test_ticket_types_table_lists_every_type_with_what_it_is_for(definition, lang):
    assert table_rows(block(definition, "types", lang)) == [
        (kind.name[lang], kind.definition[lang]) for kind in definition.ticket_types
    ]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_fields_table_shows_label_hint_and_whether_each_field_is_required(definition, lang):
    assert table_rows(block(definition, "fields", lang)) == [
        (field.label[lang], field.hint[lang], expected_requirement(definition, field.id, lang))
        for field in definition.fields
    ]


def test_fields_made_required_by_the_problem_rule_say_required_for_problems(definition):
    rule = definition.rules[0]
    wording = definition.ui_text("common.required_for_problems", "pt-BR")

    for field_id in rule.require:
        assert requirement(definition, definition.field(field_id), "pt-BR") == wording
    assert requirement(definition, definition.field("subject"), "pt-BR") == definition.ui_text(
        "docs.yes", "pt-BR"
    )
    assert requirement(definition, definition.field("browser"), "pt-BR") == definition.ui_text(
        "docs.no", "pt-BR"
    )


def test_a_rule_without_its_own_wording_is_described_from_the_field_and_value(definition):
    severity = definition.field("severity")
    chosen = severity.choices[-1]
    changed = dataclasses.replace(
        definition, rules=(Rule("urgent_needs_browser", "severity", chosen.id, ("browser",)),)
    )

    said = requirement(changed, changed.field("browser"), "pt-BR")

    assert said == changed.ui_text(
        "docs.required_when", "pt-BR", field=severity.label["pt-BR"], value=chosen.name["pt-BR"]
    )
    assert chosen.name["pt-BR"] in said


@pytest.mark.parametrize("lang", LANGUAGES)
def test_checklist_is_drawn_from_field_labels_and_hints_and_group_legends(definition, lang):
    expected = []
    for item in definition.checklist:
        if item.group is not None:
            group = definition.group(item.group)
            expected.append(f"{group.legend[lang]}: {group.hint[lang]}")
        else:
            expected.append(
                " ".join(
                    f"{definition.field(f).label[lang]}: {definition.field(f).hint[lang]}"
                    for f in item.fields
                )
            )

    items = [li.text for li in block(definition, "checklist", lang).find_all("li")]

    assert items == expected


@pytest.mark.parametrize("lang", LANGUAGES)
def test_statuses_table_lists_every_status_in_order_with_its_meaning(definition, lang):
    assert table_rows(block(definition, "statuses", lang)) == [
        (status.name[lang], status.meaning[lang]) for status in definition.statuses
    ]


@pytest.mark.parametrize(
    ("name", "part", "text_key"),
    [
        ("types", "ticket_types", "docs.edit_this_table"),
        ("severities", "severities", "docs.edit_this_table"),
        ("fields", "fields", "docs.edit_this_table"),
        ("checklist", "checklist", "docs.edit_this_list"),
        ("statuses", "statuses", "docs.edit_this_table"),
    ],
)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_block_links_to_the_line_of_the_definition_where_its_part_begins(
    definition, name, part, text_key, lang
):
    link = block(definition, name, lang).find("a", cls="ticket-edit__link")

    assert link.attrs["href"] == f"{EDIT_BASE}#L{definition.line_of(part)}"
    assert definition.line_of(part) > 1
    assert link.text == definition.ui_text(text_key, lang)


def test_without_an_edit_address_the_blocks_carry_no_edit_link(definition):
    for name in BLOCKS:
        assert block(definition, name, "en", edit_base=None).find_all("a") == []


def test_every_block_is_labelled_with_its_marker_name(definition):
    for name in BLOCKS:
        wrapper = block(definition, name, "en").find("div", cls="ticket-block")
        assert wrapper.attrs["data-ticket-block"] == name


def test_definition_text_reaches_the_page_as_written_not_as_markup(definition):
    first = definition.severities[0]
    tricky = dataclasses.replace(
        first, name=Text({"en": "<b>Low</b> | *urgent*", "pt-BR": "Baixa & <i>leve</i>"})
    )
    changed = dataclasses.replace(definition, severities=(tricky, *definition.severities[1:]))

    english = block(changed, "severities", "en")
    portuguese = block(changed, "severities", "pt-BR")

    assert table_rows(english)[0][0] == "<b>Low</b> | *urgent*"
    assert table_rows(portuguese)[0][0] == "Baixa & <i>leve</i>"
    assert english.find_all("b") == []


def test_a_choice_without_a_definition_leaves_its_meaning_empty(definition):
    bare = (Choice("bare", Text({"en": "Bare", "pt-BR": "Simples"})),)
    changed = dataclasses.replace(definition, ticket_types=bare)

    assert table_rows(block(changed, "types", "en")) == [("Bare", "")]


def test_an_unknown_block_name_is_refused(definition):
    with pytest.raises(UnknownBlock):
        render_block(definition, "severity", "en", EDIT_BASE)


def test_a_language_the_definition_lacks_is_refused_with_the_languages_it_has(definition):
    with pytest.raises(ValueError, match=r"no language 'fr'.*en, pt-BR"):
        render_block(definition, "severities", "fr", EDIT_BASE)


def test_markers_are_found_by_name_in_page_order():
    text = "<!-- ticket:fields -->\n\ntext\n<!--ticket:severities-->\n<!-- other comment -->"

    assert markers_in(text) == ["fields", "severities"]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_closing_line_asks_and_links_to_the_ticket_form(definition, lang):
    line: Element = parse(help_footer(definition, lang, "../open/#ticket-form")).find("p")
    link = line.find("a")

    assert line.text == (
        f"{definition.ui_text('docs.not_found', lang)} "
        f"{definition.ui_text('docs.open_a_ticket', lang)}"
    )
    assert link.attrs["href"] == "../open/#ticket-form"
