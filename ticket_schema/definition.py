"""Load and check the ticket definition, and hold it as immutable data.

This module knows nothing of MkDocs, HTML, HTTP or storage: every other
part of the project reads the `Definition` it returns, and it reads none of
them. A definition that fails any check is never returned; instead
`DefinitionError` carries every problem found, each with its place in the
file, so that an editor can fix them all in one pass.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml

log = logging.getLogger("ticket_schema.definition")

DEFAULT_PATH = Path(__file__).with_name("ticket.yaml")

# Kinds of field, and which of them hold free text.
KINDS = ("short_text", "long_text", "choice", "email", "url", "uuid")
TEXT_KINDS = ("short_text", "long_text", "email", "url", "uuid")

# Problem codes the validator reports, each with the placeholders its
# message can use: the parameters reported with the problem (by the intake
# service for `out_of_date`) and those ticket_schema.messages adds about the
# field. Every code needs a message.
_ABOUT_FIELD = ("field", "label", "noun")
MESSAGE_PARAMS: Mapping[str, tuple[str, ...]] = {
    "required": _ABOUT_FIELD,
    "too_short": (*_ABOUT_FIELD, "min_length", "count"),
    "too_long": (*_ABOUT_FIELD, "max_length", "count"),
    "not_a_choice": (*_ABOUT_FIELD, "choices"),
    "wrong_type": _ABOUT_FIELD,
    "bad_email": _ABOUT_FIELD,
    "bad_url": _ABOUT_FIELD,
    "bad_uuid": _ABOUT_FIELD,
    "unknown_field": ("field",),
    "out_of_date": ("field", "sent_version", "current_version"),
}
PROBLEM_CODES = tuple(MESSAGE_PARAMS)

# Only a length problem comes with a count, so only its message can have
# `one` and `other` forms.
COUNTED_CODES = ("too_short", "too_long")

PLURAL_FORMS = ("one", "other")

# Names the form already uses for inputs that are not ticket fields (see
# ticket_schema.protocol); a field with one of them would be thrown away.
RESERVED_FIELD_IDS = frozenset({"homepage"})


@dataclass(frozen=True)
class UiString:
    """How the package shows one `ui` string: where, and what fills it in."""

    shown_by: str
    params: tuple[str, ...] = ()
    # The caller passes a count, so the string may have `one` and `other` forms.
    counted: bool = False
    # The browser picks `one` or `other` by the count itself: both must be there.
    plural: bool = False


_FORM = "the ticket form"
_DOCS = "the documentation pages"
_CLI = "`ticket-schema validate`"
_PAGES = "the intake service's pages"
_ANSWERS = "the intake service's answers"

# Every `ui` string the package reads, by key. A checked definition has all
# of them, so code and templates look them up without a fallback; a test
# keeps this table in step with those lookups.
UI_STRINGS: Mapping[str, UiString] = {
    "common.required": UiString(_FORM),
    "common.optional": UiString(_FORM),
    "common.required_for_problems": UiString(f"{_FORM} and {_DOCS}"),
    "cli.accepted": UiString(_CLI),
    "intake.back_to_site": UiString(_PAGES),
    "intake.ticket_number": UiString(_PAGES),
    "intake.received.title": UiString(_PAGES),
    "intake.received.lead": UiString(_PAGES),
    "intake.received.status_link": UiString(_PAGES),
    "intake.received.keep_link": UiString(_PAGES),
    "intake.status.title": UiString(_PAGES, ("number",)),
    "intake.status.status": UiString(_PAGES),
    "intake.status.meaning": UiString(_PAGES),
    "intake.status.updated": UiString(_PAGES),
    "intake.not_found.title": UiString(_PAGES),
    "intake.not_found.text": UiString(_PAGES),
    "intake.error.title": UiString(_PAGES),
    "intake.error.go_back": UiString(_PAGES),
    "intake.error.not_json": UiString(_ANSWERS),
    "intake.error.not_an_object": UiString(_ANSWERS),
    "intake.error.not_text": UiString(_ANSWERS),
    "intake.error.bad_idempotency_key": UiString(_ANSWERS),
    "intake.error.idempotency_conflict": UiString(_ANSWERS),
    "intake.error.too_large": UiString(_ANSWERS, ("limit",)),
    "intake.error.unsupported_media_type": UiString(_ANSWERS),
    "intake.error.forbidden_origin": UiString(_ANSWERS),
    "intake.error.rate_limited": UiString(_ANSWERS, counted=True),
    "intake.error.unavailable": UiString(_ANSWERS),
    "intake.error.not_found": UiString(_ANSWERS),
    "intake.error.method_not_allowed": UiString(_ANSWERS, ("method",)),
    "docs.edit_this_table": UiString(_DOCS),
    "docs.edit_this_list": UiString(_DOCS),
    "docs.column.field": UiString(_DOCS),
    "docs.column.description": UiString(_DOCS),
    "docs.column.required": UiString(_DOCS),
    "docs.column.level": UiString(_DOCS),
    "docs.column.meaning": UiString(_DOCS),
    "docs.column.status": UiString(_DOCS),
    "docs.column.status_meaning": UiString(_DOCS),
    "docs.column.type": UiString(_DOCS),
    "docs.yes": UiString(_DOCS),
    "docs.no": UiString(_DOCS),
    "docs.not_found": UiString(_DOCS),
    "docs.open_a_ticket": UiString(_DOCS),
    "docs.missing_page.title": UiString(_DOCS),
    "docs.missing_page.text": UiString(_DOCS),
    "docs.required_when": UiString(_DOCS, ("field", "value")),
    "form.title": UiString(_FORM),
    "form.description": UiString(_FORM),
    "form.error_summary_title": UiString(_FORM),
    "form.error_prefix": UiString(f"{_FORM} and {_PAGES}"),
    "form.submit": UiString(_FORM),
    "form.sending": UiString(_FORM),
    "form.choose": UiString(_FORM),
    "form.success": UiString(f"{_FORM} and {_ANSWERS}", ("number",)),
    "form.status_link": UiString(_FORM),
    "form.network_error": UiString(_FORM),
    "form.server_error": UiString(_FORM),
    "form.characters_remaining": UiString(_FORM, counted=True, plural=True),
    "form.characters_too_many": UiString(_FORM, counted=True, plural=True),
    "form.characters_limit": UiString(_FORM, counted=True),
    "form.honeypot": UiString(_FORM),
}

# A radio group may ask its legend as a question, `form.question.<field id>`;
# without one the form uses the field's label.
UI_QUESTION_PREFIX = "form.question."
_QUESTION = UiString(_FORM)


# --------------------------------------------------------------------------
# The data


@dataclass(frozen=True)
class Text:
    """One sentence in every language of the definition."""

    values: Mapping[str, str]

    def __getitem__(self, lang: str) -> str:
        return self.values[lang]

    def get(self, lang: str) -> str:
        """The sentence in `lang`; a missing language is a loader bug."""
        return self.values[lang]


@dataclass(frozen=True)
class Plural:
    """A sentence with a count, in the CLDR forms `one` and `other`."""

    one: Text
    other: Text

    def get(self, lang: str, count: int) -> str:
        """The form of the sentence that fits `count` in `lang`."""
        return (self.one if plural_form(lang, count) == "one" else self.other)[lang]


@dataclass(frozen=True)
class Language:
    code: str
    name: str


@dataclass(frozen=True)
class Choice:
    """A value a choice field accepts: a ticket type, a severity, an option."""

    id: str
    name: Text
    definition: Text | None = None


@dataclass(frozen=True)
class Group:
    id: str
    legend: Text
    hint: Text | None = None


@dataclass(frozen=True)
class Field:
    id: str
    group: str
    kind: str
    label: Text
    noun: Text
    hint: Text
    required: bool = False
    min_length: int | None = None
    max_length: int | None = None
    choices: tuple[Choice, ...] = ()
    autocomplete: str | None = None

    @property
    def choice_ids(self) -> tuple[str, ...]:
        return tuple(choice.id for choice in self.choices)


@dataclass(frozen=True)
class Rule:
    """When `when_field` equals `equals`, every field in `require` is required."""

    id: str
    when_field: str
    equals: str
    require: tuple[str, ...]


@dataclass(frozen=True)
class ChecklistItem:
    """One thing support needs: some fields, or a whole group."""

    fields: tuple[str, ...]
    group: str | None = None


@dataclass(frozen=True)
class Status:
    id: str
    name: Text
    meaning: Text


@dataclass(frozen=True)
class ExampleProblem:
    field: str
    code: str


@dataclass(frozen=True)
class Example:
    id: str
    submission: Mapping[str, Any]
    problems: tuple[ExampleProblem, ...]


@dataclass(frozen=True)
class Definition:
    """The whole ticket definition, checked and immutable."""

    path: Path
    languages: tuple[Language, ...]
    default_language: str
    ticket_types: tuple[Choice, ...]
    severities: tuple[Choice, ...]
    groups: tuple[Group, ...]
    fields: tuple[Field, ...]
    rules: tuple[Rule, ...]
    checklist: tuple[ChecklistItem, ...]
    statuses: tuple[Status, ...]
    messages: Mapping[str, Text | Plural]
    ui: Mapping[str, Text | Plural]
    examples: tuple[Example, ...]
    # Line (1-based) where each top-level part and each list item begins,
    # keyed by dotted path ("severities", "fields.3"), for edit links.
    lines: Mapping[str, int] = field(default_factory=dict, compare=False)

    @property
    def language_codes(self) -> tuple[str, ...]:
        return tuple(language.code for language in self.languages)

    def field(self, field_id: str) -> Field:
        """The field with this id; KeyError names it when there is none."""
        for candidate in self.fields:
            if candidate.id == field_id:
                return candidate
        raise KeyError(f"the definition has no field {field_id!r}")

    def group(self, group_id: str) -> Group:
        for candidate in self.groups:
            if candidate.id == group_id:
                return candidate
        raise KeyError(f"the definition has no group {group_id!r}")

    def fields_in(self, group_id: str) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.group == group_id)

    def conditionally_required(self, field_id: str) -> tuple[Rule, ...]:
        """The rules that can make this field required."""
        return tuple(rule for rule in self.rules if field_id in rule.require)

    def ui_text(self, key: str, lang: str, count: int | None = None, **params: Any) -> str:
        """A user-visible string from the `ui` catalogue, filled in.

        Every key of `UI_STRINGS` is in a checked definition, with no placeholder
        outside what that table says its callers pass.
        """
        return fill(self.ui[key], lang, count=count, **params)

    def line_of(self, path: str) -> int:
        """The line where a part of the file begins (1 when unknown)."""
        return self.lines.get(path, 1)


# --------------------------------------------------------------------------
# Text helpers shared by every generator


def plural_form(lang: str, count: int) -> str:
    """The CLDR plural category of `count` for integers in `lang`."""
    if lang.split("-")[0] == "pt":
        # Portuguese (CLDR): 0 and 1 take the singular form.
        return "one" if count in (0, 1) else "other"
    return "one" if count == 1 else "other"


def fill(text: Text | Plural, lang: str, count: int | None = None, **params: Any) -> str:
    """Pick the language (and plural form) of a string and fill its placeholders.

    Whole numbers are quantities a person reads (a character limit, a count)
    and are written as `lang` writes them; pass an identifier as text.
    """
    if isinstance(text, Plural):
        if count is None:
            raise ValueError("a plural string needs a count")
        template = text.get(lang, count)
    else:
        template = text[lang]
    if count is not None:
        params = {"count": count, **params}
    shown = {name: _shown(value, lang) for name, value in params.items()}
    return _PLACEHOLDER.sub(lambda m: shown.get(m.group(1), m.group(0)), template)


def format_number(number: int, lang: str) -> str:
    """A whole number as `lang` writes it: 10,000 in English, 10.000 in Portuguese.

    The same as the browser's `Number.prototype.toLocaleString` for these
    languages, which the form uses for its character counts.
    """
    separator = _GROUP_SEPARATORS.get(lang, _GROUP_SEPARATORS.get(lang.split("-")[0], ""))
    digits = str(abs(number))
    # Groups of three from the right, as soon as there are four digits.
    groups = [digits[max(end - 3, 0) : end] for end in range(len(digits), 0, -3)]
    return ("-" if number < 0 else "") + separator.join(reversed(groups))


# The thousands separator of each language, as the browser writes it (CLDR).
# A language missing here gets its digits ungrouped, which the form's
# agreement test reports as a difference from the browser.
_GROUP_SEPARATORS = {"en": ",", "pt-BR": "."}


def _shown(value: Any, lang: str) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return format_number(value, lang)
    return str(value)


_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def placeholders(template: str) -> set[str]:
    """The named placeholders in a template string."""
    return set(_PLACEHOLDER.findall(template))


# --------------------------------------------------------------------------
# Errors


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a definition file, and where it is."""

    path: str
    line: int
    column: int
    key_path: str
    message: str

    def __str__(self) -> str:
        where = self.key_path or "(top)"
        return f"{self.path}:{self.line}:{self.column}: {where}: {self.message}"


class DefinitionError(Exception):
    """The definition file is broken; `problems` lists everything wrong with it."""

    def __init__(self, path: Path | str, problems: list[Problem]) -> None:
        self.path = str(path)
        self.problems = problems
        count = len(problems)
        noun = "problem" if count == 1 else "problems"
        lines = "\n".join(str(problem) for problem in problems)
        super().__init__(f"the ticket definition {self.path} has {count} {noun}:\n{lines}")


# --------------------------------------------------------------------------
# Loading


def load(path: Path | str | None = None) -> Definition:
    """Read, check and return the definition at `path` (the packaged one by default).

    Raises DefinitionError listing every problem when the file is broken.
    """
    path = Path(path) if path is not None else DEFAULT_PATH
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else str(error)
        raise DefinitionError(
            path, [Problem(str(path), 1, 1, "", f"cannot read the file: {reason}")]
        ) from None
    return loads(source, path)


def loads(source: str, path: Path | str = "<string>") -> Definition:
    """Check and return a definition given as YAML text; `path` names it in errors."""
    path = Path(path)
    checker = _Checker(str(path))

    # YAML first: without a tree of nodes nothing else can be located.
    root, data = _parse(source, str(path))
    if root is None:
        raise DefinitionError(
            path,
            [
                Problem(
                    str(path),
                    1,
                    1,
                    "",
                    "the file is empty; expected a mapping with languages, severities, fields "
                    "and the rest",
                )
            ],
        )
    checker.index(root)

    # The file's own schema, then the references between its parts. Those
    # read only what the schema found sound, so both run on a broken file
    # and the editor hears of every problem at once.
    checker.check_shape(data)
    checker.check_references(data)
    if checker.problems:
        raise DefinitionError(path, checker.report())

    definition = _build(data, path, checker.lines)
    log.debug(
        "loaded %s: %d languages, %d severities, %d fields",
        path,
        len(definition.languages),
        len(definition.severities),
        len(definition.fields),
    )
    return definition


def meta_schema() -> dict[str, Any]:
    """The JSON Schema of the definition file itself."""
    text = resources.files("ticket_schema").joinpath("definition.schema.json").read_text("utf-8")
    return json.loads(text)


def _parse(source: str, path: str) -> tuple[yaml.Node | None, Any]:
    """The tree of nodes and the data of a YAML text; DefinitionError when it has neither."""
    # Anchors and aliases are refused from the parser's events, before any
    # tree exists: an alias can hold its own parent, or a billion copies of
    # another value, and either would never finish building.
    try:
        refused = [
            Problem(
                path,
                mark.line + 1,
                mark.column + 1,
                _dotted(key_path),
                f"`{name}`: anchors and aliases (&name, *name) are not allowed in the "
                "definition; write the value out",
            )
            for mark, key_path, name in _anchors_and_aliases(source)
        ]
    except yaml.YAMLError as error:
        raise DefinitionError(path, [_yaml_problem(path, error)]) from None
    if refused:
        raise DefinitionError(path, refused)

    loader = yaml.SafeLoader(source)
    try:
        root = loader.get_single_node()
        data = None if root is None else loader.construct_document(root)
    except yaml.YAMLError as error:
        raise DefinitionError(path, [_yaml_problem(path, error)]) from None
    finally:
        loader.dispose()
    return root, data


def _yaml_problem(path: str, error: yaml.YAMLError) -> Problem:
    mark = getattr(error, "problem_mark", None)
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    reason = getattr(error, "problem", None) or str(error)
    # A tag such as `!!python/object` is well-formed YAML that the safe
    # loader refuses to build, not a syntax error.
    what = (
        "YAML error"
        if isinstance(error, yaml.constructor.ConstructorError)
        else "YAML syntax error"
    )
    return Problem(path, line, column, "", f"{what}: {reason}")


@dataclass
class _Place:
    """Where the parser is inside one mapping or list, to name the key path of a node."""

    key_path: tuple
    is_mapping: bool
    index: int = 0
    key: str | None = None

    def next_path(self, event: yaml.NodeEvent) -> tuple:
        if not self.is_mapping:
            self.index += 1
            return self.key_path + (self.index - 1,)
        if self.key is None:
            # A key is placed at itself; the value that follows goes there too.
            self.key = event.value if isinstance(event, yaml.ScalarEvent) else "?"
            return self.key_path + (self.key,)
        key, self.key = self.key, None
        return self.key_path + (key,)


def _anchors_and_aliases(source: str) -> Iterator[tuple[yaml.Mark, tuple, str]]:
    """Every anchor (`&name`) and alias (`*name`) in a YAML text, with its key path."""
    places: list[_Place] = []
    for event in yaml.parse(source, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.CollectionEndEvent):
            places.pop()
            continue
        if not isinstance(event, yaml.NodeEvent):
            continue
        key_path = places[-1].next_path(event) if places else ()
        if event.anchor is not None:
            sign = "*" if isinstance(event, yaml.AliasEvent) else "&"
            yield event.start_mark, key_path, f"{sign}{event.anchor}"
        if isinstance(event, yaml.CollectionStartEvent):
            places.append(_Place(key_path, isinstance(event, yaml.MappingStartEvent)))


class _Checker:
    """Collects problems, each placed at the YAML node it is about."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []
        self.marks: dict[tuple, tuple[int, int]] = {}
        self.key_marks: dict[tuple, tuple[int, int]] = {}
        self.lines: dict[str, int] = {}
        # Where the file's own schema found something wrong; the reference
        # checks read nothing at or below these key paths.
        self.broken: set[tuple] = set()

    def index(self, root: yaml.Node) -> None:
        """Remember where every node and every mapping key starts."""
        for key_path, node, key_node in _walk(root, ()):
            self.marks[key_path] = (node.start_mark.line + 1, node.start_mark.column + 1)
            if key_node is not None:
                self.key_marks[key_path] = (
                    key_node.start_mark.line + 1,
                    key_node.start_mark.column + 1,
                )
            if len(key_path) in (1, 2):
                # A part begins at its key ("severities:"), an item at its dash.
                start = key_node if key_node is not None else node
                self.lines[".".join(str(part) for part in key_path)] = start.start_mark.line + 1
        self._duplicate_keys(root, ())

    def _duplicate_keys(self, node: yaml.Node, key_path: tuple) -> None:
        # PyYAML keeps the last of two equal keys without a word; an editor
        # who pasted a block twice deserves to hear about it.
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, value in node.value:
                key = key_node.value
                if key in seen:
                    self.add_at(
                        key_node,
                        key_path + (key,),
                        f"the key {key!r} appears twice in this mapping; keep one",
                    )
                seen.add(key)
                self._duplicate_keys(value, key_path + (key,))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self._duplicate_keys(item, key_path + (index,))

    def add(self, key_path: tuple, message: str, *, at_key: bool = False) -> None:
        marks = self.key_marks if at_key else self.marks
        line, column = marks.get(key_path) or self._nearest(key_path)
        self.problems.append(Problem(self.path, line, column, _dotted(key_path), message))

    def add_at(self, node: yaml.Node, key_path: tuple, message: str) -> None:
        mark = node.start_mark
        self.problems.append(
            Problem(self.path, mark.line + 1, mark.column + 1, _dotted(key_path), message)
        )

    def report(self) -> list[Problem]:
        """The problems in the order of the file, each once."""
        return sorted(dict.fromkeys(self.problems), key=lambda p: (p.line, p.column))

    def _nearest(self, key_path: tuple) -> tuple[int, int]:
        while key_path:
            key_path = key_path[:-1]
            if key_path in self.marks:
                return self.marks[key_path]
        return (1, 1)

    # ---- reading what the schema found sound

    def _intact(self, key_path: tuple) -> bool:
        """Whether the schema found nothing wrong at `key_path` or above it."""
        return not any(key_path[: len(broken)] == broken for broken in self.broken)

    def _sound(self, key_path: tuple) -> bool:
        """Whether the schema found nothing wrong at, above or below `key_path`."""
        return self._intact(key_path) and not any(
            broken[: len(key_path)] == key_path for broken in self.broken
        )

    def _read(self, data: Any, key_path: tuple) -> Any:
        """The value at `key_path`; None when it is absent or the schema found it wrong."""
        if not self._intact(key_path):
            return None
        value = data
        for part in key_path:
            in_mapping = isinstance(value, dict) and part in value
            in_list = isinstance(value, list) and isinstance(part, int) and 0 <= part < len(value)
            if not (in_mapping or in_list):
                return None
            value = value[part]
        return value

    def _values(self, data: Any, key_path: tuple, *keys: str) -> tuple:
        return tuple(self._read(data, key_path + (key,)) for key in keys)

    def _item_paths(self, data: Any, key_path: tuple) -> list[tuple]:
        """The key paths of the sound mappings in the list at `key_path`."""
        items = self._read(data, key_path)
        if not isinstance(items, list):
            return []
        return [
            key_path + (index,)
            for index, item in enumerate(items)
            if isinstance(item, dict) and self._intact(key_path + (index,))
        ]

    def _ids(
        self, data: Any, key_path: tuple, key: str = "id"
    ) -> tuple[list[tuple[int, str]], bool]:
        """The readable ids of a list's items, by index, and whether every item's was readable."""
        items = self._read(data, key_path)
        if not isinstance(items, list):
            return [], False
        found = [(index, self._read(data, key_path + (index, key))) for index in range(len(items))]
        readable = [(index, value) for index, value in found if isinstance(value, str)]
        return readable, len(readable) == len(items)

    def _language_codes(self, data: Any) -> set[str] | None:
        codes, complete = self._ids(data, ("languages",), "code")
        return {code for _, code in codes} if complete else None

    # ---- the file's own schema

    def check_shape(self, data: Any) -> None:
        validator = jsonschema.Draft202012Validator(meta_schema())
        errors = list(validator.iter_errors(data))
        for error in errors:
            self.broken.update(_broken_paths(error))

        languages = self._language_codes(data)
        missing_reported: set[tuple] = set()
        for error in errors:
            key_path = tuple(error.absolute_path)
            if error.validator == "additionalProperties" and isinstance(error.instance, dict):
                allowed = set(error.schema.get("properties", {}))
                expected = ", ".join(sorted(allowed)) or "no other keys"
                for key in _unknown_keys(error):
                    self.add(
                        key_path + (key,),
                        f"unknown key {key!r}; expected one of: {expected}",
                        at_key=True,
                    )
            elif _is_about_a_key(error):
                self.add(key_path + (error.instance,), _describe_key(error, languages), at_key=True)
            elif error.validator == "required":
                # jsonschema reports each missing key apart; one line names them all.
                if key_path not in missing_reported:
                    missing_reported.add(key_path)
                    self.add(key_path, _describe(error))
            else:
                self.add(key_path, _describe(error))

    # ---- references between parts

    def check_references(self, data: Any) -> None:
        languages = self._check_languages(data)
        if languages is not None:
            self._check_texts(data, (), languages)

        groups = self._unique_ids(data, ("groups",))
        fields = self._unique_ids(data, ("fields",))
        for section in ("ticket_types", "severities", "statuses", "rules", "examples"):
            self._unique_ids(data, (section,))

        for key_path in self._item_paths(data, ("fields",)):
            self._check_field(data, key_path, groups)
        for key_path in self._item_paths(data, ("rules",)):
            self._check_rule(data, key_path, fields)
        for key_path in self._item_paths(data, ("checklist",)):
            self._check_checklist_item(data, key_path, fields, groups)
        self._check_messages(data)
        self._check_ui(data)
        for key_path in self._item_paths(data, ("examples",)):
            self._check_example(data, key_path, fields)

    def _check_languages(self, data: Any) -> set[str] | None:
        """Check the list of languages; the set of codes when every one is readable."""
        codes, complete = self._ids(data, ("languages",), "code")
        seen: set[str] = set()
        for index, code in codes:
            if code in seen:
                self.add(("languages", index, "code"), f"the language {code!r} is listed twice")
            seen.add(code)

        languages = self._read(data, ("languages",))
        places = [("languages", index, "default") for index in range(len(languages or ()))]
        if places and all(self._intact(place) for place in places):
            defaults = sum(self._read(data, place) is True for place in places)
            if defaults != 1:
                self.add(
                    ("languages",),
                    f"exactly one language must say `default: true`; found {defaults}",
                )
        return seen if complete else None

    def _check_texts(self, node: Any, key_path: tuple, languages: set[str]) -> None:
        if not self._intact(key_path):
            return
        # A mapping whose keys are all language codes is a translated string.
        if isinstance(node, dict):
            if node and all(isinstance(key, str) and _LANGUAGE_CODE.match(key) for key in node):
                if not self._sound(key_path):
                    return
                missing = sorted(languages - set(node))
                extra = sorted(set(node) - languages)
                for code in missing:
                    self.add(
                        key_path,
                        f"the text has no {code!r} version; "
                        "every language of the definition needs one",
                    )
                for code in extra:
                    self.add(
                        key_path + (code,),
                        f"{code!r} is not a language of this definition; {_expected(languages)}",
                        at_key=True,
                    )
                return
            if key_path[:1] == ("examples",):
                return
            for key, value in node.items():
                self._check_texts(value, key_path + (key,), languages)
        elif isinstance(node, list):
            for index, value in enumerate(node):
                self._check_texts(value, key_path + (index,), languages)

    def _unique_ids(self, data: Any, key_path: tuple) -> dict[str, tuple] | None:
        """Report ids used twice; each id's item when every id is readable."""
        ids, complete = self._ids(data, key_path)
        seen: dict[str, tuple] = {}
        for index, item_id in ids:
            if item_id in seen:
                self.add(
                    key_path + (index, "id"),
                    f"the id {item_id!r} is used twice in {_dotted(key_path)}; ids must be unique",
                )
            else:
                seen[item_id] = key_path + (index,)
        return seen if complete else None

    def _check_field(self, data: Any, key_path: tuple, groups: Mapping | None) -> None:
        item = self._read(data, key_path)
        item_id, kind, group, low, high = self._values(
            data, key_path, "id", "kind", "group", "min_length", "max_length"
        )
        if item_id in RESERVED_FIELD_IDS:
            self.add(
                key_path + ("id",),
                f"{item_id!r} is reserved for the form's own use; choose another id",
            )
        if groups is not None and group is not None and group not in groups:
            self.add(
                key_path + ("group",),
                f"no group has the id {group!r}; {_expected(groups)}",
            )
        has_choices = "choices" in item or "choices_from" in item
        if kind == "choice" and not has_choices:
            self.add(
                key_path,
                "a field of kind `choice` needs `choices` or `choices_from` "
                "(for example `choices_from: severities`)",
            )
        if kind == "choice" and "choices" in item and "choices_from" in item:
            self.add(key_path + ("choices",), "give either `choices` or `choices_from`, not both")
        if kind is not None and kind != "choice" and has_choices:
            self.add(
                key_path + ("kind",),
                f"only a field of kind `choice` can have choices; this one is {kind!r}",
            )
        if kind == "choice" and ("min_length" in item or "max_length" in item):
            self.add(key_path + ("kind",), "a field of kind `choice` has no length limits")
        self._unique_ids(data, key_path + ("choices",))
        if isinstance(low, int) and isinstance(high, int) and low > high:
            self.add(
                key_path + ("min_length",), f"min_length ({low}) is larger than max_length ({high})"
            )

    def _check_rule(self, data: Any, key_path: tuple, fields: Mapping | None) -> None:
        when_field, equals = self._values(data, key_path + ("when",), "field", "equals")
        if fields is not None and when_field is not None:
            if when_field not in fields:
                self.add(
                    key_path + ("when", "field"),
                    f"no field has the id {when_field!r}; {_expected(fields)}",
                )
            else:
                self._check_condition(data, key_path, fields[when_field], when_field, equals)

        require = self._read(data, key_path + ("require",)) or []
        for index in range(len(require)):
            field_id = self._read(data, key_path + ("require", index))
            if field_id is None:
                continue
            if fields is not None and field_id not in fields:
                self.add(
                    key_path + ("require", index),
                    f"no field has the id {field_id!r}; {_expected(fields)}",
                )
            elif field_id == when_field:
                self.add(
                    key_path + ("require", index), "a rule cannot require the field it depends on"
                )

    def _check_condition(
        self, data: Any, key_path: tuple, field_path: tuple, when_field: str, equals: str | None
    ) -> None:
        kind = self._read(data, field_path + ("kind",))
        if kind is not None and kind != "choice":
            self.add(
                key_path + ("when", "field"),
                f"the field {when_field!r} is not a choice; "
                "a rule can only depend on a choice field",
            )
            return
        values = self._choice_values(data, field_path) if kind == "choice" else None
        if values is not None and equals is not None and equals not in values:
            self.add(
                key_path + ("when", "equals"),
                f"{equals!r} is not a value of {when_field!r}; {_expected(values)}",
            )

    def _choice_values(self, data: Any, field_path: tuple) -> list[str] | None:
        """The values a choice field accepts; None when some cannot be read."""
        item = self._read(data, field_path)
        if "choices" in item:
            ids, complete = self._ids(data, field_path + ("choices",))
        else:
            source = self._read(data, field_path + ("choices_from",))
            if source is None:
                return None
            ids, complete = self._ids(data, (source,), "code" if source == "languages" else "id")
        return [value for _, value in ids] if complete else None

    def _check_checklist_item(
        self, data: Any, key_path: tuple, fields: Mapping | None, groups: Mapping | None
    ) -> None:
        item = self._read(data, key_path)
        if "field" in item:
            places = [key_path + ("field",)]
        else:
            listed = self._read(data, key_path + ("fields",)) or []
            places = [key_path + ("fields", index) for index in range(len(listed))]
        for place in places:
            field_id = self._read(data, place)
            if fields is not None and field_id is not None and field_id not in fields:
                self.add(place, f"no field has the id {field_id!r}; {_expected(fields)}")
        group = self._read(data, key_path + ("group",))
        if groups is not None and group is not None and group not in groups:
            self.add(
                key_path + ("group",),
                f"no group has the id {group!r}; {_expected(groups)}",
            )

    def _check_messages(self, data: Any) -> None:
        messages = self._read(data, ("messages",))
        if not isinstance(messages, dict):
            return
        for code in PROBLEM_CODES:
            if code not in messages:
                self.add(
                    ("messages",),
                    f"no message for the problem code {code!r}; "
                    f"add `{code}:` with a sentence in every language",
                    at_key=True,
                )
        for key, value in messages.items():
            key_path = ("messages", key)
            if not self._intact(key_path):
                continue
            code, _, kind = str(key).partition(".")
            if code not in PROBLEM_CODES:
                self.add(
                    key_path,
                    f"{code!r} is not a problem code; {_expected(PROBLEM_CODES)}",
                    at_key=True,
                )
            if kind and kind not in KINDS:
                self.add(
                    key_path, f"{kind!r} is not a kind of field; {_expected(KINDS)}", at_key=True
                )
            if code not in PROBLEM_CODES or not self._sound(key_path):
                continue
            if "other" in value and code not in COUNTED_CODES:
                self.add(
                    key_path,
                    f"a {code!r} problem comes without a count, so its message cannot have "
                    "`one` and `other` forms; write one sentence in each language",
                )
            self._check_placeholders(value, key_path, MESSAGE_PARAMS[code])

    def _check_ui(self, data: Any) -> None:
        ui = self._read(data, ("ui",))
        if not isinstance(ui, dict):
            return
        for key, spec in UI_STRINGS.items():
            if key not in ui:
                self.add(
                    ("ui",),
                    f"no text for {key!r}, which is shown by {spec.shown_by}; "
                    f"add `{key}:` with a sentence in every language",
                    at_key=True,
                )
        for key, value in ui.items():
            key_path = ("ui", key)
            if not self._sound(key_path):
                continue
            spec = UI_STRINGS.get(key)
            if spec is None and str(key).startswith(UI_QUESTION_PREFIX):
                spec = _QUESTION
            if spec is None:
                # No code reads this key, so nothing is known of what fills it in.
                self._check_placeholders(value, key_path, None)
                continue
            if "other" in value and not spec.counted:
                self.add(
                    key_path,
                    f"this is shown by {spec.shown_by} without a count, so it cannot have "
                    "`one` and `other` forms; write one sentence in each language",
                )
            if "other" not in value and spec.plural:
                self.add(
                    key_path,
                    f"this is shown by {spec.shown_by} in the form its count picks; "
                    "give it `one` and `other` forms, each in every language",
                )
            params = (*spec.params, "count") if spec.counted else spec.params
            self._check_placeholders(value, key_path, params)

    def _check_placeholders(
        self, value: dict, key_path: tuple, allowed: tuple[str, ...] | None
    ) -> None:
        forms = (
            [(key_path + (form,), value[form]) for form in PLURAL_FORMS]
            if "other" in value
            else [(key_path, value)]
        )
        for form_path, text in forms:
            found = {code: placeholders(sentence) for code, sentence in text.items()}

            # Every language must use the same placeholders, or a translation
            # would silently drop (or invent) a number the reader needs.
            reference_code, reference = next(iter(found.items()))
            for code, names in found.items():
                if names != reference:
                    self.add(
                        form_path + (code,),
                        f"uses the placeholders {sorted(names)} but {reference_code!r} uses "
                        f"{sorted(reference)}; keep the same in every language",
                    )

            # A placeholder nothing fills in reaches the reader as it is written.
            if allowed is None:
                continue
            for code, names in found.items():
                for name in sorted(names - set(allowed)):
                    self.add(form_path + (code,), _unfilled(name, allowed))

    def _check_example(self, data: Any, key_path: tuple, fields: Mapping | None) -> None:
        for place in self._item_paths(data, key_path + ("problems",)):
            field_id, code = self._values(data, place, "field", "code")
            if code is not None and code not in PROBLEM_CODES:
                self.add(
                    place + ("code",),
                    f"{code!r} is not a problem code; {_expected(PROBLEM_CODES)}",
                )
            if fields is None or field_id is None:
                continue
            if code == "unknown_field" and field_id in fields:
                self.add(
                    place + ("field",),
                    f"{field_id!r} is a field of the definition; an `unknown_field` problem "
                    "names a field the definition does not have",
                )
            elif code != "unknown_field" and field_id not in fields:
                self.add(
                    place + ("field",), f"no field has the id {field_id!r}; {_expected(fields)}"
                )


def _walk(node: yaml.Node, key_path: tuple, key_node: yaml.Node | None = None) -> Iterator[tuple]:
    yield key_path, node, key_node
    if isinstance(node, yaml.MappingNode):
        for child_key, child in node.value:
            yield from _walk(child, key_path + (child_key.value,), child_key)
    elif isinstance(node, yaml.SequenceNode):
        for index, child in enumerate(node.value):
            yield from _walk(child, key_path + (index,))


def _dotted(key_path: tuple) -> str:
    text = ""
    for part in key_path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _expected(values) -> str:
    return "expected one of: " + ", ".join(sorted(values))


def _unknown_keys(error: jsonschema.ValidationError) -> list:
    """The keys an `additionalProperties: false` error is about."""
    allowed = set(error.schema.get("properties", {}))
    patterns = error.schema.get("patternProperties", {})
    return [
        key
        for key in error.instance
        if key not in allowed and not any(re.search(p, str(key)) for p in patterns)
    ]


def _is_about_a_key(error: jsonschema.ValidationError) -> bool:
    """Whether an error is about a mapping's key rather than its value."""
    return "propertyNames" in error.relative_schema_path


def _broken_paths(error: jsonschema.ValidationError) -> list[tuple]:
    """The key paths a shape error leaves unfit for the reference checks to read."""
    key_path = tuple(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        return [key_path + (key,) for key in _unknown_keys(error)]
    if _is_about_a_key(error):
        return [key_path + (error.instance,)]
    if error.validator == "required":
        return [key_path + (key,) for key in error.validator_value if key not in error.instance]
    return [key_path]


def _describe_key(error: jsonschema.ValidationError, languages: set[str] | None) -> str:
    """What is wrong with a mapping's key, and what was expected, in words."""
    key = error.instance
    schema = error.schema if isinstance(error.schema, dict) else {}
    if schema.get("pattern") == _LANGUAGE_CODE.pattern and key == "one":
        # Without `other` the mapping is taken for a text, not a plural.
        return "a text with `one` also needs `other`, each with a sentence in every language"
    if schema.get("pattern") == _LANGUAGE_CODE.pattern and languages:
        return f"{key!r} is not a language of this definition; {_expected(languages)}"
    expected = schema.get("description", "another key")
    return f"{key!r} cannot be a key here; expected {expected}"


def _unfilled(name: str, allowed: tuple[str, ...]) -> str:
    if not allowed:
        return f"{{{name}}} is never filled in here; this text takes no placeholders"
    names = ", ".join(f"{{{param}}}" for param in sorted(allowed))
    return f"{{{name}}} is never filled in here; expected one of: {names}"


def _describe(error: jsonschema.ValidationError) -> str:
    """A jsonschema error as a sentence an editor can act on."""
    schema = error.schema if isinstance(error.schema, dict) else {}
    examples = schema.get("examples")
    hint = f" (for example {json.dumps(examples[0], ensure_ascii=False)})" if examples else ""
    value = json.dumps(error.instance, ensure_ascii=False, default=str)
    if len(value) > 60:
        value = value[:57] + "..."
    if error.validator == "required":
        missing = [key for key in error.validator_value if key not in error.instance]
        return (
            f"missing the key {missing[0]!r}"
            if len(missing) == 1
            else f"missing the keys {', '.join(map(repr, missing))}"
        )
    if error.validator == "minItems":
        return f"the list is empty; expected at least {error.validator_value} item(s)"
    if error.validator == "type":
        return f"expected {error.validator_value} but found {value}{hint}"
    if error.validator == "enum":
        return (
            f"{value} is not allowed; expected one of: {', '.join(map(str, error.validator_value))}"
        )
    if error.validator == "pattern" and error.validator_value == _NOT_BLANK:
        return "the text is blank; write it out in this language"
    if error.validator == "pattern":
        return f"{value} does not have the expected form{hint or ' ' + error.validator_value}"
    if error.validator in ("minLength", "minProperties"):
        return f"{value} is empty; expected a value{hint}"
    if error.validator == "maxProperties":
        return f"expected exactly one of: {', '.join(schema.get('properties', {}))}"
    if error.validator == "minimum":
        return f"{value} is too small; expected at least {error.validator_value}"
    return f"{error.message}{hint}"


_LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[A-Z]{2})?$")

# The schema's pattern for a text that holds more than white space.
_NOT_BLANK = r"\S"


# --------------------------------------------------------------------------
# Building the immutable data from checked input


def _build(data: dict, path: Path, lines: dict[str, int]) -> Definition:
    languages = tuple(Language(item["code"], item["name"]) for item in data["languages"])
    codes = tuple(language.code for language in languages)
    default = next(item["code"] for item in data["languages"] if item.get("default"))
    ticket_types = tuple(_choice(item) for item in data["ticket_types"])
    severities = tuple(_choice(item) for item in data["severities"])
    sources = {
        "ticket_types": ticket_types,
        "severities": severities,
        "languages": tuple(
            Choice(lang.code, Text(dict.fromkeys(codes, lang.name))) for lang in languages
        ),
    }
    fields = tuple(_field(item, sources) for item in data["fields"])
    return Definition(
        path=path,
        languages=languages,
        default_language=default,
        ticket_types=ticket_types,
        severities=severities,
        groups=tuple(
            Group(g["id"], Text(g["legend"]), _text(g.get("hint"))) for g in data["groups"]
        ),
        fields=fields,
        rules=tuple(
            Rule(r["id"], r["when"]["field"], r["when"]["equals"], tuple(r["require"]))
            for r in data.get("rules", [])
        ),
        checklist=tuple(_checklist_item(item, fields) for item in data["checklist"]),
        statuses=tuple(
            Status(s["id"], Text(s["name"]), Text(s["meaning"])) for s in data["statuses"]
        ),
        messages={key: _text_or_plural(value) for key, value in data["messages"].items()},
        ui={key: _text_or_plural(value) for key, value in data["ui"].items()},
        examples=tuple(
            Example(
                e["id"],
                e["submission"],
                tuple(ExampleProblem(p["field"], p["code"]) for p in e["problems"]),
            )
            for e in data.get("examples", [])
        ),
        lines=lines,
    )


def _text(value: dict | None) -> Text | None:
    return Text(dict(value)) if value is not None else None


def _text_or_plural(value: dict) -> Text | Plural:
    if "other" in value:
        return Plural(Text(value["one"]), Text(value["other"]))
    return Text(dict(value))


def _choice(item: dict) -> Choice:
    return Choice(item["id"], Text(item["name"]), _text(item.get("definition")))


def _field(item: dict, sources: dict[str, tuple[Choice, ...]]) -> Field:
    if "choices" in item:
        choices = tuple(_choice(choice) for choice in item["choices"])
    else:
        choices = sources.get(item.get("choices_from", ""), ())
    return Field(
        id=item["id"],
        group=item["group"],
        kind=item["kind"],
        label=Text(item["label"]),
        noun=Text(item["noun"]),
        hint=Text(item["hint"]),
        required=item.get("required", False),
        min_length=item.get("min_length"),
        max_length=item.get("max_length"),
        choices=choices,
        autocomplete=item.get("autocomplete"),
    )


def _checklist_item(item: dict, fields: tuple[Field, ...]) -> ChecklistItem:
    if "group" in item:
        members = tuple(f.id for f in fields if f.group == item["group"])
        return ChecklistItem(members, item["group"])
    return ChecklistItem(tuple([item["field"]] if "field" in item else item["fields"]))
