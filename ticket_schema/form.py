"""Generate the ticket form: its HTML per language, the rules its script runs, its site files.

The form is a plain HTML `<form method="post">` that works with JavaScript
off. `ticket-form.js` enhances it in the browser, and reads everything it
checks from a JSON block that `browser_rules` derives from the submission
schema, so the browser and the validator can never hold two versions of a
rule. Like every generator, this module knows only the definition: no
MkDocs, no web framework, no storage.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import jinja2
import rcssmin
import rjsmin
from markupsafe import Markup

from ticket_schema import protocol
from ticket_schema.definition import Definition, Field, Plural, Text, plural_form
from ticket_schema.messages import explain, message, resolve_language
from ticket_schema.submission_schema import NOT_BLANK, WHITESPACE, submission_schema, version_of
from ticket_schema.validator import FORMAT_CODES, PRIORITY, Problem

log = logging.getLogger("ticket_schema.form")

ASSET_DIR = "ticket-form"
SCRIPT_NAME = "ticket-form.js"
STYLE_NAME = "ticket-form.css"
FRAGMENT_NAME = "fragment.html"
# The languages the form is written in, and the default, for the embed script.
LANGUAGES_NAME = "languages.json"
SCHEMA_DIR = "schemas/ticket-submission"

# Element ids carry a prefix so that the form can sit in a page whose own
# ids ("description", "email") would otherwise collide with its fields.
ID_PREFIX = "tsf-"

# Choices without definitions and more than this many options read better
# as a drop-down than as a column of radio buttons.
MAX_PLAIN_RADIOS = 4


@dataclass(frozen=True)
class _Option:
    value: str
    control_id: str
    name: str
    definition: str | None
    definition_id: str
    checked: bool


@dataclass(frozen=True)
class _FieldView:
    """One field as the template needs it, in one language."""

    id: str
    kind: str
    widget: str
    input_type: str
    control_id: str
    label: str
    hint: str
    hint_id: str
    error_id: str
    marker: str
    required: bool
    value: str
    options: tuple[_Option, ...]
    autocomplete: str | None
    error: str | None
    count_id: str | None
    count_text: str | None

    @property
    def verbatim(self) -> bool:
        """Typed exactly as it is: no spelling checks, no capitals added."""
        return self.kind in ("email", "url", "uuid")

    @property
    def describedby(self) -> str:
        ids = [self.hint_id]
        if self.count_id:
            ids.append(self.count_id)
        if self.error:
            ids.append(self.error_id)
        return " ".join(ids)


@dataclass(frozen=True)
class _GroupView:
    id: str
    legend: str
    hint: str | None
    hint_id: str
    fields: tuple[_FieldView, ...]


@dataclass(frozen=True)
class _SummaryItem:
    message: str
    target: str | None


def render_form(
    definition: Definition,
    lang: str,
    *,
    action: str = protocol.DEFAULT_ACTION,
    values: Mapping[str, str] | None = None,
    problems: Sequence[Problem] | None = None,
    idempotency_key: str | None = None,
) -> str:
    """The HTML fragment of the form in `lang`: a wrapper element holding the `<form>`.

    With `problems`, the fragment shows them itself (error summary, inline
    messages, `aria-invalid`), so that a post the server rejected comes back
    readable without JavaScript. `values` are what the customer typed.
    """
    lang = resolve_language(definition, lang)
    values = values or {}
    problems = tuple(problems or ())
    errors: dict[str, str] = {}
    for problem in problems:
        errors.setdefault(problem.field, explain(definition, problem, lang))

    groups = tuple(
        _GroupView(
            id=group.id,
            legend=group.legend[lang],
            hint=group.hint[lang] if group.hint else None,
            hint_id=f"{ID_PREFIX}group-{group.id}-hint",
            fields=tuple(
                _field_view(definition, field, lang, values, errors.get(field.id))
                for field in definition.fields_in(group.id)
            ),
        )
        for group in definition.groups
    )
    targets = {field.id: field.control_id for group in groups for field in group.fields}
    summary = tuple(
        _SummaryItem(explain(definition, problem, lang), targets.get(problem.field))
        for problem in problems
    )

    return _template("form.html").render(
        lang=lang,
        action=action,
        rules_json=_json_for_html(browser_rules(definition, lang)),
        groups=groups,
        summary=summary,
        prefix=ID_PREFIX,
        schema_version=version_of(submission_schema(definition)),
        idempotency_key=idempotency_key,
        meta={
            "idempotency": protocol.IDEMPOTENCY_FIELD,
            "version": protocol.SCHEMA_VERSION_FIELD,
            "language": protocol.FORM_LANGUAGE_FIELD,
            "honeypot": protocol.HONEYPOT_FIELD,
        },
        text=_texts(definition, lang),
    )


def render_standalone_page(
    definition: Definition,
    lang: str,
    *,
    action: str = protocol.DEFAULT_ACTION,
    values: Mapping[str, str] | None = None,
    problems: Sequence[Problem] | None = None,
    idempotency_key: str | None = None,
    asset_base: str = "/ticket-form/",
) -> str:
    """A complete HTML document holding only the form: for an `<iframe>`, and for rejected posts.

    When `problems` is not empty the title starts with the error prefix, so a
    screen reader user hears at once that the page came back with errors.
    """
    lang = resolve_language(definition, lang)
    form = render_form(
        definition,
        lang,
        action=action,
        values=values,
        problems=problems,
        idempotency_key=idempotency_key,
    )
    title = definition.ui_text("form.title", lang)
    if problems:
        title = f"{definition.ui_text('form.error_prefix', lang)} {title}"
    return _template("form_page.html").render(
        lang=lang,
        title=title,
        heading=definition.ui_text("form.title", lang),
        description=definition.ui_text("form.description", lang),
        form=Markup(form),
        stylesheet=f"{asset_base}{STYLE_NAME}",
        script=f"{asset_base}{SCRIPT_NAME}",
    )


def render_page_block(definition: Definition, lang: str, *, asset_base: str) -> str:
    """The form as a block of a documentation page, with its style sheet and script beside it.

    `asset_base` is the address of the `ticket-form/` folder as seen from the
    page. Only the page that shows the form loads its assets.
    """
    return _template("form_block.html").render(
        form=Markup(render_form(definition, lang)),
        stylesheet=f"{asset_base}{STYLE_NAME}",
        script=f"{asset_base}{SCRIPT_NAME}",
    )


def browser_rules(definition: Definition, lang: str) -> dict[str, Any]:
    """The data `ticket-form.js` validates with, derived from the submission schema.

    Per field: whether it is always required, and the schema's length
    limits, format pattern and choices, with every message it can need
    already worded in `lang`. Then the conditional rules, the characters
    that count as white space, and the order that picks one problem per
    field: the same inputs the validator works from.
    """
    lang = resolve_language(definition, lang)
    schema = submission_schema(definition)
    always = set(schema.get("required", ()))
    rules = [_rule_from(clause) for clause in schema.get("allOf", ())]
    sometimes = {field_id for rule in rules for field_id in rule["require"]}

    fields = []
    for field_id, spec in schema["properties"].items():
        if spec.get("type") != "string":
            raise ValueError(
                f"the schema gives the field {field_id!r} the type {spec.get('type')!r}; "
                "the form only knows text fields"
            )
        kind = definition.field(field_id).kind
        entry: dict[str, Any] = {"id": field_id}
        if field_id in always:
            entry["required"] = True
        for key in ("enum", "minLength", "maxLength"):
            if key in spec:
                entry[key] = spec[key]
        # A trimmed value is either empty, and dropped, or starts with a
        # character that is not white space: "not blank" cannot fail on it,
        # in the validator or in the browser, so the form does not carry it.
        if spec.get("pattern", NOT_BLANK) != NOT_BLANK:
            entry["pattern"] = spec["pattern"]
            entry["patternCode"] = FORMAT_CODES.get(kind, "required")
        requirable = field_id in always or field_id in sometimes
        entry["messages"] = {
            code: message(definition, field_id, code, lang)
            for code in _codes_of(entry, requirable=requirable)
        }
        fields.append(entry)

    return {
        "lang": lang,
        "version": version_of(schema),
        "idPrefix": ID_PREFIX,
        "closed": schema.get("additionalProperties") is False,
        "fields": fields,
        "rules": rules,
        "priority": list(PRIORITY),
        "whitespace": WHITESPACE,
        # The message for an unknown field, with "{field}" left for the script.
        "unknownField": message(definition, "{field}", "unknown_field", lang),
        "meta": {
            "idempotency": protocol.IDEMPOTENCY_FIELD,
            "honeypot": protocol.HONEYPOT_FIELD,
        },
        "headers": {
            "idempotency": protocol.IDEMPOTENCY_HEADER,
            "version": protocol.SCHEMA_VERSION_HEADER,
        },
        "text": {
            "errorPrefix": definition.ui_text("form.error_prefix", lang),
            "required": definition.ui_text("common.required", lang),
            "conditional": definition.ui_text("common.required_for_problems", lang),
            "sending": definition.ui_text("form.sending", lang),
            "success": _template_text(definition.ui["form.success"], lang),
            "statusLink": definition.ui_text("form.status_link", lang),
            "networkError": definition.ui_text("form.network_error", lang),
            "serverError": definition.ui_text("form.server_error", lang),
            "remaining": _plural_forms(definition.ui["form.characters_remaining"], lang),
            "tooMany": _plural_forms(definition.ui["form.characters_too_many"], lang),
        },
        # The counts that take the singular in this language; every other
        # count takes the plural ("other") form.
        "pluralOne": [count for count in (0, 1) if plural_form(lang, count) == "one"],
    }


def site_files(definition: Definition) -> dict[str, str | bytes]:
    """Every file the form needs in the built site, by path from the site root.

    The script and style sheet, minified, per language the standalone page
    (for an `<iframe>`) and the bare fragment (for the embed script), and
    the submission schema at an address that carries its version.
    """
    files: dict[str, str | bytes] = {
        f"{ASSET_DIR}/{SCRIPT_NAME}": minified_file(SCRIPT_NAME),
        f"{ASSET_DIR}/{STYLE_NAME}": minified_file(STYLE_NAME),
    }
    for lang in definition.language_codes:
        # The pages sit one folder below the assets; a relative link keeps
        # them working when the site is served under a sub-path.
        files[f"{ASSET_DIR}/{lang}/index.html"] = render_standalone_page(
            definition, lang, asset_base="../"
        )
        files[f"{ASSET_DIR}/{lang}/{FRAGMENT_NAME}"] = render_form(definition, lang)

    # For the embed script, when a host asks for a language by another name
    # ("pt-br", "en-US") or for one the form does not have.
    files[f"{ASSET_DIR}/{LANGUAGES_NAME}"] = (
        json.dumps(
            {"default": definition.default_language, "languages": list(definition.language_codes)}
        )
        + "\n"
    )

    schema = submission_schema(definition)
    files[schema_path(definition)] = json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
    log.info(
        "form: %d languages, %d fields, schema version %s",
        len(definition.languages),
        len(definition.fields),
        version_of(schema),
    )
    return files


def schema_path(definition: Definition) -> str:
    """Where the submission schema is published in the site, by its version."""
    return f"{SCHEMA_DIR}/{version_of(submission_schema(definition))}.json"


def static_file(name: str) -> str:
    """The text of one of the form's static files (`ticket-form.js`, `ticket-form.css`)."""
    return resources.files("ticket_schema").joinpath("static", name).read_text("utf-8")


def minified_file(name: str) -> str:
    """A static file as the site serves it: without comments and spare white space.

    Every host page that embeds the form downloads these; the readable
    files in `ticket_schema/static/` stay the source.
    """
    text = static_file(name)
    if name.endswith(".js"):
        return rjsmin.jsmin(text) + "\n"
    if name.endswith(".css"):
        return rcssmin.cssmin(text) + "\n"
    raise ValueError(f"no minifier for {name!r}")


# --------------------------------------------------------------------------
# Helpers


def _field_view(
    definition: Definition,
    field: Field,
    lang: str,
    values: Mapping[str, str],
    error: str | None,
) -> _FieldView:
    control_id = f"{ID_PREFIX}{field.id}"
    value = str(values.get(field.id, "") or "")
    widget, input_type = _widget_of(field)

    # A field a rule can require says so in words; when the values already
    # meet the rule (a rejected post of a problem), it is simply required.
    rules = definition.conditionally_required(field.id)
    active = any(
        str(values.get(rule.when_field, "")).strip(WHITESPACE) == rule.equals for rule in rules
    )
    required = field.required or active
    if required:
        marker = definition.ui_text("common.required", lang)
    elif rules:
        marker = definition.ui_text("common.required_for_problems", lang)
    else:
        marker = definition.ui_text("common.optional", lang)

    options: tuple[_Option, ...] = ()
    if field.kind == "choice":
        chosen = value
        if field.id not in values and field.choice_ids == definition.language_codes:
            # A choice among the definition's languages starts on the page's own.
            chosen = lang
        options = tuple(
            _Option(
                value=choice.id,
                control_id=f"{control_id}-{choice.id}",
                name=choice.name[lang],
                definition=choice.definition[lang] if choice.definition else None,
                definition_id=f"{control_id}-{choice.id}-definition",
                checked=choice.id == chosen,
            )
            for choice in field.choices
        )
        if widget == "radios":
            control_id = options[0].control_id

    count_id = count_text = None
    if widget == "textarea" and field.max_length is not None:
        count_id = f"{ID_PREFIX}{field.id}-count"
        count_text = definition.ui_text("form.characters_limit", lang, count=field.max_length)

    legend_key = f"form.question.{field.id}"
    label = field.label[lang]
    if widget == "radios" and legend_key in definition.ui:
        label = definition.ui_text(legend_key, lang)

    return _FieldView(
        id=field.id,
        kind=field.kind,
        widget=widget,
        input_type=input_type,
        control_id=control_id,
        label=label,
        hint=field.hint[lang],
        hint_id=f"{ID_PREFIX}{field.id}-hint",
        error_id=f"{ID_PREFIX}{field.id}-error",
        marker=marker,
        required=required,
        value=value,
        options=options,
        autocomplete=field.autocomplete,
        error=error,
        count_id=count_id,
        count_text=count_text,
    )


def _widget_of(field: Field) -> tuple[str, str]:
    """The control a field is shown with, and the input type for an `<input>`."""
    if field.kind == "choice":
        described = any(choice.definition for choice in field.choices)
        if described or len(field.choices) <= MAX_PLAIN_RADIOS:
            return "radios", "radio"
        return "select", ""
    if field.kind == "long_text":
        return "textarea", ""
    return "input", {"email": "email", "url": "url"}.get(field.kind, "text")


def _codes_of(entry: Mapping[str, Any], *, requirable: bool) -> list[str]:
    """The problem codes a field can raise, given what the schema checks on it.

    A field that nothing can make required is never `required`: left blank,
    it is simply missing.
    """
    codes = ["required"] if requirable else []
    codes.append("wrong_type")
    if "enum" in entry:
        codes.append("not_a_choice")
    if "patternCode" in entry and entry["patternCode"] not in codes:
        codes.append(entry["patternCode"])
    if "minLength" in entry:
        codes.append("too_short")
    if "maxLength" in entry:
        codes.append("too_long")
    return codes


def _rule_from(clause: Mapping[str, Any]) -> dict[str, Any]:
    """A schema `if`/`then` clause as the script's `{when, equals, require}`."""
    try:
        ((when, condition),) = clause["if"]["properties"].items()
        return {"when": when, "equals": condition["const"], "require": clause["then"]["required"]}
    except (KeyError, ValueError) as error:
        raise ValueError(
            f"the schema has a conditional clause the form cannot read: {clause!r}"
        ) from error


def _texts(definition: Definition, lang: str) -> dict[str, str]:
    keys = {
        "summary_title": "form.error_summary_title",
        "error_prefix": "form.error_prefix",
        "submit": "form.submit",
        "choose": "form.choose",
        "honeypot": "form.honeypot",
    }
    return {name: definition.ui_text(key, lang) for name, key in keys.items()}


def _template_text(text: Text | Plural, lang: str) -> str:
    if isinstance(text, Plural):
        raise ValueError("expected a sentence without a count")
    return text[lang]


def _plural_forms(text: Text | Plural, lang: str) -> dict[str, str]:
    if not isinstance(text, Plural):
        raise ValueError("expected a sentence with `one` and `other` forms")
    return {"one": text.one[lang], "other": text.other[lang]}


def _json_for_html(data: Any) -> Markup:
    """JSON that is safe inside a `<script type="application/json">` element."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    # "</script>" or "<!--" inside a string would end or confuse the element.
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("ticket_schema", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


def _template(name: str) -> jinja2.Template:
    return _environment().get_template(name)
