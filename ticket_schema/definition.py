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

# Problem codes the validator reports; each needs a message.
PROBLEM_CODES = (
    "required",
    "too_short",
    "too_long",
    "not_a_choice",
    "wrong_type",
    "bad_email",
    "bad_url",
    "bad_uuid",
    "unknown_field",
    "out_of_date",
)

PLURAL_FORMS = ("one", "other")

# Names the form already uses for inputs that are not ticket fields (see
# ticket_schema.protocol); a field with one of them would be thrown away.
RESERVED_FIELD_IDS = frozenset({"homepage"})


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
        """A user-visible string from the `ui` catalogue, filled in."""
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
    """Pick the language (and plural form) of a string and fill its placeholders."""
    if isinstance(text, Plural):
        if count is None:
            raise ValueError("a plural string needs a count")
        template = text.get(lang, count)
    else:
        template = text[lang]
    if count is not None:
        params = {"count": count, **params}
    return _PLACEHOLDER.sub(lambda m: str(params.get(m.group(1), m.group(0))), template)


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
    try:
        root = yaml.compose(source, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        reason = getattr(error, "problem", None) or str(error)
        raise DefinitionError(
            path, [Problem(str(path), line, column, "", f"YAML syntax error: {reason}")]
        ) from None
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
    data = yaml.SafeLoader(source).get_single_data()

    # The file's own schema, then the references between its parts.
    checker.check_shape(data)
    if not checker.problems:
        checker.check_references(data)
    if checker.problems:
        raise DefinitionError(path, checker.problems)

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


class _Checker:
    """Collects problems, each placed at the YAML node it is about."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []
        self.marks: dict[tuple, tuple[int, int]] = {}
        self.key_marks: dict[tuple, tuple[int, int]] = {}
        self.lines: dict[str, int] = {}

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

    def _nearest(self, key_path: tuple) -> tuple[int, int]:
        while key_path:
            key_path = key_path[:-1]
            if key_path in self.marks:
                return self.marks[key_path]
        return (1, 1)

    # ---- the file's own schema

    def check_shape(self, data: Any) -> None:
        validator = jsonschema.Draft202012Validator(meta_schema())
        for error in sorted(
            validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))
        ):
            key_path = tuple(error.absolute_path)
            if error.validator == "additionalProperties" and isinstance(error.instance, dict):
                allowed = set(error.schema.get("properties", {}))
                for key in error.instance:
                    if key not in allowed and not _matches_pattern(key, error.schema):
                        expected = ", ".join(sorted(allowed)) or "no other keys"
                        self.add(
                            key_path + (key,),
                            f"unknown key {key!r}; expected one of: {expected}",
                            at_key=True,
                        )
                continue
            self.add(key_path, _describe(error))

    # ---- references between parts

    def check_references(self, data: dict) -> None:
        languages = [language["code"] for language in data["languages"]]
        self._check_languages(data["languages"])
        self._check_texts(data, (), set(languages))

        groups = self._unique_ids(data["groups"], ("groups",))
        fields = self._unique_ids(data["fields"], ("fields",))
        self._unique_ids(data["ticket_types"], ("ticket_types",))
        self._unique_ids(data["severities"], ("severities",))
        self._unique_ids(data["statuses"], ("statuses",))
        self._unique_ids(data.get("rules", []), ("rules",))
        self._unique_ids(data.get("examples", []), ("examples",))

        by_id = {item["id"]: item for item in data["fields"]}
        for index, item in enumerate(data["fields"]):
            self._check_field(item, ("fields", index), groups)
        for index, rule in enumerate(data.get("rules", [])):
            self._check_rule(rule, ("rules", index), by_id, data)
        for index, item in enumerate(data["checklist"]):
            self._check_checklist_item(item, ("checklist", index), fields, groups)
        self._check_messages(data["messages"])
        for key, value in data["ui"].items():
            self._check_placeholders(value, ("ui", key))

    def _check_languages(self, languages: list[dict]) -> None:
        codes = [language["code"] for language in languages]
        for index, code in enumerate(codes):
            if code in codes[:index]:
                self.add(("languages", index, "code"), f"the language {code!r} is listed twice")
        defaults = [index for index, language in enumerate(languages) if language.get("default")]
        if len(defaults) != 1:
            self.add(
                ("languages",),
                f"exactly one language must say `default: true`; found {len(defaults)}",
            )

    def _check_texts(self, node: Any, key_path: tuple, languages: set[str]) -> None:
        # A mapping whose keys are all language codes is a translated string.
        if isinstance(node, dict):
            if node and all(isinstance(key, str) and _LANGUAGE_CODE.match(key) for key in node):
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

    def _unique_ids(self, items: list[dict], key_path: tuple) -> set[str]:
        seen: set[str] = set()
        for index, item in enumerate(items):
            if item["id"] in seen:
                self.add(
                    key_path + (index, "id"),
                    f"the id {item['id']!r} is used twice in {key_path[0]}; ids must be unique",
                )
            seen.add(item["id"])
        return seen

    def _check_field(self, item: dict, key_path: tuple, groups: set[str]) -> None:
        kind = item["kind"]
        if item["id"] in RESERVED_FIELD_IDS:
            self.add(
                key_path + ("id",),
                f"{item['id']!r} is reserved for the form's own use; choose another id",
            )
        if item["group"] not in groups:
            self.add(
                key_path + ("group",),
                f"no group has the id {item['group']!r}; {_expected(groups)}",
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
        if kind != "choice" and has_choices:
            self.add(
                key_path + ("kind",),
                f"only a field of kind `choice` can have choices; this one is {kind!r}",
            )
        if kind == "choice" and ("min_length" in item or "max_length" in item):
            self.add(key_path + ("kind",), "a field of kind `choice` has no length limits")
        if "choices" in item:
            self._unique_ids(item["choices"], key_path + ("choices",))
        low, high = item.get("min_length"), item.get("max_length")
        if low is not None and high is not None and low > high:
            self.add(
                key_path + ("min_length",), f"min_length ({low}) is larger than max_length ({high})"
            )

    def _check_rule(self, rule: dict, key_path: tuple, fields: dict[str, dict], data: dict) -> None:
        when = rule["when"]
        condition = fields.get(when["field"])
        if condition is None:
            self.add(
                key_path + ("when", "field"),
                f"no field has the id {when['field']!r}; {_expected(fields)}",
            )
        else:
            values = _choice_ids(condition, data)
            if values is None:
                self.add(
                    key_path + ("when", "field"),
                    f"the field {when['field']!r} is not a choice; "
                    "a rule can only depend on a choice field",
                )
            elif when["equals"] not in values:
                self.add(
                    key_path + ("when", "equals"),
                    f"{when['equals']!r} is not a value of {when['field']!r}; {_expected(values)}",
                )
        for index, field_id in enumerate(rule["require"]):
            if field_id not in fields:
                self.add(
                    key_path + ("require", index),
                    f"no field has the id {field_id!r}; {_expected(fields)}",
                )
            elif field_id == when["field"]:
                self.add(
                    key_path + ("require", index), "a rule cannot require the field it depends on"
                )

    def _check_checklist_item(
        self, item: dict, key_path: tuple, fields: set[str], groups: set[str]
    ) -> None:
        ids = [item["field"]] if "field" in item else item.get("fields", [])
        for index, field_id in enumerate(ids):
            if field_id not in fields:
                where = key_path + (("field",) if "field" in item else ("fields", index))
                self.add(
                    where,
                    f"no field has the id {field_id!r}; {_expected(fields)}",
                )
        if "group" in item and item["group"] not in groups:
            self.add(
                key_path + ("group",),
                f"no group has the id {item['group']!r}; {_expected(groups)}",
            )

    def _check_messages(self, messages: dict) -> None:
        for code in PROBLEM_CODES:
            if code not in messages:
                self.add(
                    ("messages",),
                    f"no message for the problem code {code!r}; "
                    f"add `{code}:` with a sentence in every language",
                )
        for key, value in messages.items():
            code, _, kind = key.partition(".")
            if code not in PROBLEM_CODES:
                self.add(
                    ("messages", key),
                    f"{code!r} is not a problem code; {_expected(PROBLEM_CODES)}",
                    at_key=True,
                )
            if kind and kind not in KINDS:
                self.add(
                    ("messages", key),
                    f"{kind!r} is not a kind of field; {_expected(KINDS)}",
                    at_key=True,
                )
            self._check_placeholders(value, ("messages", key))

    def _check_placeholders(self, value: dict, key_path: tuple) -> None:
        # Every language must use the same placeholders, or a translation
        # would silently drop (or invent) a number the reader needs.
        forms = (
            [(key_path + (form,), value[form]) for form in PLURAL_FORMS]
            if "other" in value
            else [(key_path, value)]
        )
        for form_path, text in forms:
            found = {code: placeholders(sentence) for code, sentence in text.items()}
            reference_code, reference = next(iter(found.items()))
            for code, names in found.items():
                if names != reference:
                    self.add(
                        form_path + (code,),
                        f"uses the placeholders {sorted(names)} but {reference_code!r} uses "
                        f"{sorted(reference)}; keep the same in every language",
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


def _matches_pattern(key: str, schema: dict) -> bool:
    return any(re.search(pattern, key) for pattern in schema.get("patternProperties", {}))


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


def _choice_ids(item: dict, data: dict) -> list[str] | None:
    if item["kind"] != "choice":
        return None
    if "choices" in item:
        return [choice["id"] for choice in item["choices"]]
    source = item.get("choices_from")
    if source == "languages":
        return [language["code"] for language in data["languages"]]
    return [choice["id"] for choice in data.get(source, [])]


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
