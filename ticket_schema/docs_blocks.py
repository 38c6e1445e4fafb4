"""The blocks of the documentation pages that come from the definition.

A hand-written page holds a marker such as `<!-- ticket:severities -->`;
the MkDocs plugin replaces it with what `render_block` returns for the
page's language. Everything here is a plain function of the definition, so
the tables can be checked in a unit test with no site, and a later move
away from MkDocs only has to call these functions from somewhere else.

The blocks are HTML rather than Markdown: a definition sentence holding a
`|`, a `*` or a `<` must reach the reader as written, and escaping HTML is
exact where escaping Markdown is not.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Sequence
from html import escape

from ticket_schema.definition import ChecklistItem, Choice, Definition, Field, Rule

log = logging.getLogger("ticket_schema.docs_blocks")

# A marker is an HTML comment naming a block: <!-- ticket:severities -->.
MARKER = re.compile(r"<!--\s*ticket:([A-Za-z0-9_.-]*)\s*-->")

# How a rule is worded in the fields table when the definition has a sentence
# for it; any other rule is described from its parts (`docs.required_when`).
RULE_WORDING = {("type", "problem"): "common.required_for_problems"}


class UnknownBlock(KeyError):
    """A marker names a block that does not exist."""


def render_block(definition: Definition, name: str, lang: str, edit_base: str | None) -> str:
    """The HTML of the block called `name`, in `lang`.

    `edit_base` is the address of the definition file on the code host (for
    example `https://github.com/org/repo/blob/main/ticket_schema/ticket.yaml`);
    each block links to the line where its part of the file begins. Without
    it the blocks carry no edit link.
    """
    try:
        renderer = BLOCKS[name]
    except KeyError:
        raise UnknownBlock(name) from None
    if lang not in definition.language_codes:
        raise ValueError(
            f"the definition has no language {lang!r}; "
            f"it has: {', '.join(definition.language_codes)}"
        )
    # The wrapper names the block, for styling and for anyone checking the page.
    inner = renderer(definition, lang, edit_base)
    return f'<div class="ticket-block" data-ticket-block="{name}">{inner}</div>'


def markers_in(text: str) -> list[str]:
    """The block names of every marker in `text`, in order."""
    return MARKER.findall(text)


def edit_url(edit_base: str, line: int) -> str:
    """The address of one line of the definition on the code host.

    GitHub's `blob` view scrolls to and highlights `#L<line>`; its `edit`
    view ignores line anchors, which is why edit links use the former.
    """
    return f"{edit_base}#L{line}"


def help_footer(definition: Definition, lang: str, ticket_href: str) -> str:
    """The closing line of every page: didn't find it? open a ticket (linked)."""
    question = escape(definition.ui_text("docs.not_found", lang))
    link = escape(definition.ui_text("docs.open_a_ticket", lang))
    return (
        f'<p class="ticket-help">{question} '
        f'<a class="ticket-help__link" href="{escape(ticket_href)}">{link}</a></p>'
    )


def missing_page(definition: Definition, lang: str) -> dict[str, str]:
    """The heading and sentence of the "not found" page, for the theme's template."""
    return {
        "title": definition.ui_text("docs.missing_page.title", lang),
        "text": definition.ui_text("docs.missing_page.text", lang),
    }


# --------------------------------------------------------------------------
# The blocks


def ticket_types_table(definition: Definition, lang: str, edit_base: str | None) -> str:
    """The ticket types with what each is for."""
    return _choices_table(
        definition, definition.ticket_types, "ticket_types", "docs.column.type", lang, edit_base
    )


def severities_table(definition: Definition, lang: str, edit_base: str | None) -> str:
    """The severity levels, least severe first, with when to choose each."""
    return _choices_table(
        definition, definition.severities, "severities", "docs.column.level", lang, edit_base
    )


def fields_table(definition: Definition, lang: str, edit_base: str | None) -> str:
    """Every field with what to fill in and whether it is required."""
    rows = [
        (field.label[lang], field.hint[lang], requirement(definition, field, lang))
        for field in definition.fields
    ]
    columns = ("docs.column.field", "docs.column.description", "docs.column.required")
    return _table(definition, lang, columns, rows) + _edit_link(
        definition, "fields", "docs.edit_this_table", lang, edit_base
    )


def checklist(definition: Definition, lang: str, edit_base: str | None) -> str:
    """What support needs to act quickly, as a list drawn from field labels and hints."""
    items = "\n".join(
        f"<li>{_checklist_entry(definition, item, lang)}</li>" for item in definition.checklist
    )
    return f'<ul class="ticket-checklist">\n{items}\n</ul>\n' + _edit_link(
        definition, "checklist", "docs.edit_this_list", lang, edit_base
    )


def statuses_table(definition: Definition, lang: str, edit_base: str | None) -> str:
    """The statuses of a ticket, first one first, with what each means."""
    rows = [(status.name[lang], status.meaning[lang]) for status in definition.statuses]
    columns = ("docs.column.status", "docs.column.status_meaning")
    return _table(definition, lang, columns, rows) + _edit_link(
        definition, "statuses", "docs.edit_this_table", lang, edit_base
    )


BlockRenderer = Callable[[Definition, str, str | None], str]

# Marker name -> block. The plugin looks markers up here and nowhere else.
BLOCKS: dict[str, BlockRenderer] = {
    "types": ticket_types_table,
    "severities": severities_table,
    "fields": fields_table,
    "checklist": checklist,
    "statuses": statuses_table,
}


# --------------------------------------------------------------------------
# Parts of blocks


def requirement(definition: Definition, field: Field, lang: str) -> str:
    """Whether a field must be filled in: yes, no, or under which rule."""
    if field.required:
        return definition.ui_text("docs.yes", lang)
    rules = definition.conditionally_required(field.id)
    if not rules:
        return definition.ui_text("docs.no", lang)
    return "; ".join(_rule_wording(definition, rule, lang) for rule in rules)


def _rule_wording(definition: Definition, rule: Rule, lang: str) -> str:
    key = RULE_WORDING.get((rule.when_field, rule.equals))
    if key and key in definition.ui:
        return definition.ui_text(key, lang)
    condition = definition.field(rule.when_field)
    value = next(
        (choice.name[lang] for choice in condition.choices if choice.id == rule.equals),
        rule.equals,
    )
    return definition.ui_text("docs.required_when", lang, field=condition.label[lang], value=value)


def _checklist_entry(definition: Definition, item: ChecklistItem, lang: str) -> str:
    # A group speaks for its fields with its legend and hint; otherwise each
    # field speaks for itself, so a reworded label changes the list too.
    if item.group is not None:
        group = definition.group(item.group)
        hint = group.hint[lang] if group.hint is not None else ""
        return _term(group.legend[lang], hint)
    return " ".join(
        _term(definition.field(field_id).label[lang], definition.field(field_id).hint[lang])
        for field_id in item.fields
    )


def _term(name: str, explanation: str) -> str:
    if not explanation:
        return f"<strong>{escape(name)}</strong>"
    return f"<strong>{escape(name)}</strong>: {escape(explanation)}"


def _choices_table(
    definition: Definition,
    choices: Sequence[Choice],
    part: str,
    name_column: str,
    lang: str,
    edit_base: str | None,
) -> str:
    rows = [
        (choice.name[lang], choice.definition[lang] if choice.definition else "")
        for choice in choices
    ]
    return _table(definition, lang, (name_column, "docs.column.meaning"), rows) + _edit_link(
        definition, part, "docs.edit_this_table", lang, edit_base
    )


def _table(
    definition: Definition, lang: str, columns: Sequence[str], rows: Iterable[Sequence[str]]
) -> str:
    # The first cell of a row names it, so it is a row header for screen
    # readers. Cells are kept apart by line breaks: search indexes the text
    # of the page, and two cells run together would make one long word.
    head = "\n".join(
        f'<th scope="col">{escape(definition.ui_text(key, lang))}</th>' for key in columns
    )
    body = "\n".join(
        f'<tr>\n<th scope="row">{escape(first)}</th>\n'
        + "\n".join(f"<td>{escape(cell)}</td>" for cell in rest)
        + "\n</tr>"
        for first, *rest in rows
    )
    # No class on the table: the theme styles only tables without one.
    return f"<table>\n<thead>\n<tr>\n{head}\n</tr>\n</thead>\n<tbody>\n{body}\n</tbody>\n</table>\n"


def _edit_link(
    definition: Definition, part: str, text_key: str, lang: str, edit_base: str | None
) -> str:
    if edit_base is None:
        return ""
    href = escape(edit_url(edit_base, definition.line_of(part)))
    text = escape(definition.ui_text(text_key, lang))
    return f'<p class="ticket-edit"><a class="ticket-edit__link" href="{href}">{text}</a></p>'
