"""The loader rejects a broken definition with every problem, placed by line and key path."""

from __future__ import annotations

import ast
import re
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

import ticket_schema
from ticket_schema.definition import (
    DEFAULT_PATH,
    UI_STRINGS,
    DefinitionError,
    load,
    loads,
)

SOURCE = DEFAULT_PATH.read_text(encoding="utf-8")


@dataclass(frozen=True)
class Breakage:
    """A change to the packaged definition and the problem it must cause."""

    name: str
    old: str
    new: str
    key_path: str
    says: str
    # The reported line is the line of this text in the broken file
    # (by default the first line of `new`).
    at: str | None = None


def _line_of(text: str, needle: str) -> int:
    index = text.index(needle)
    return text.count("\n", 0, index) + 1


BREAKAGES = [
    Breakage(
        "duplicate severity id",
        "  - id: system_impaired\n",
        "  - id: general_guidance\n",
        "severities[1].id",
        "used twice",
        at="  - id: general_guidance\n    name:\n      en: System Impaired",
    ),
    Breakage(
        "rule naming a field that does not exist",
        "      - steps_to_reproduce\n\n# What support needs",
        "      - steps_to_reproducee\n\n# What support needs",
        "rules[0].require[3]",
        "no field has the id 'steps_to_reproducee'",
    ),
    Breakage(
        "rule naming a value that does not exist",
        "      equals: problem\n",
        "      equals: issue\n",
        "rules[0].when.equals",
        "'issue' is not a value of 'type'",
    ),
    Breakage(
        "severity name missing in Portuguese",
        "      en: System Impaired\n      pt-BR: Sistema prejudicado\n",
        "      en: System Impaired\n",
        "severities[1].name",
        "no 'pt-BR' version",
    ),
    Breakage(
        "unknown key in a severity",
        "  - id: general_guidance\n",
        "  - id: general_guidance\n    colour: red\n",
        "severities[0].colour",
        "unknown key 'colour'",
        at="colour: red",
    ),
    Breakage(
        "checklist pointing at a group that does not exist",
        "  - group: environment\n",
        "  - group: surroundings\n",
        "checklist[2].group",
        "no group has the id 'surroundings'",
        at="group: surroundings",
    ),
    Breakage(
        "field in a group that does not exist",
        "  - id: subject\n    group: ticket\n",
        "  - id: subject\n    group: tickets\n",
        "fields[2].group",
        "no group has the id 'tickets'",
        at="group: tickets",
    ),
    Breakage(
        "field of an unknown kind",
        "  - id: subject\n    group: ticket\n    kind: short_text\n",
        "  - id: subject\n    group: ticket\n    kind: text\n",
        "fields[2].kind",
        '"text" is not allowed',
        at="kind: text",
    ),
    Breakage(
        "key written twice in one mapping",
        "    min_length: 5\n",
        "    min_length: 5\n    min_length: 6\n",
        "fields[2].min_length",
        "appears twice",
        at="min_length: 6",
    ),
    Breakage(
        "placeholder missing in one language",
        "    pt-BR: Informe {noun} com pelo menos {min_length} caracteres\n",
        "    pt-BR: Informe {noun} com pelo menos {minimo} caracteres\n",
        "messages.too_short.pt-BR",
        "uses the placeholders ['minimo', 'noun']",
    ),
    Breakage(
        "text in a language the definition does not have",
        "      pt-BR: Orientação geral\n",
        "      pt-BR: Orientação geral\n      es: Orientación general\n",
        "severities[0].name.es",
        "'es' is not a language of this definition",
        at="es: Orientación general",
    ),
    Breakage(
        "message for a problem code missing",
        "  bad_uuid:\n",
        "  bad_uuids:\n",
        "messages.bad_uuids",
        "'bad_uuids' is not a problem code",
        at="bad_uuids:",
    ),
    Breakage(
        "a choice field without choices",
        "    kind: choice\n    choices_from: severities\n",
        "    kind: choice\n",
        "fields[1]",
        "needs `choices` or `choices_from`",
        at="  - id: severity\n",
    ),
    Breakage(
        "minimum length above the maximum",
        "    min_length: 20\n    max_length: 10000\n",
        "    min_length: 20000\n    max_length: 10000\n",
        "fields[3].min_length",
        "larger than max_length",
        at="min_length: 20000",
    ),
    Breakage(
        "field id reserved for the form's own use",
        "  - id: browser\n",
        "  - id: homepage\n",
        "fields[9].id",
        "reserved for the form's own use",
    ),
    Breakage(
        "two default languages",
        "    name: Português (Brasil)\n",
        "    name: Português (Brasil)\n    default: true\n",
        "languages",
        "exactly one language must say `default: true`",
        at="  - code: en",
    ),
    Breakage(
        "anchor on a value",
        "  - id: general_guidance\n",
        "  - id: &level general_guidance\n",
        "severities[0].id",
        "`&level`: anchors and aliases (&name, *name) are not allowed in the definition; "
        "write the value out",
    ),
    Breakage(
        "alias instead of a value",
        "    kind: choice\n    choices_from: severities\n",
        "    kind: choice\n    choices_from: *levels\n",
        "fields[1].choices_from",
        "`*levels`: anchors and aliases (&name, *name) are not allowed",
        at="    choices_from: *levels",
    ),
    Breakage(
        "text under a language code the definition does not have",
        "      pt-BR: Assunto\n",
        "      pt-br: Assunto\n",
        "fields[2].label.pt-br",
        "'pt-br' is not a language of this definition; expected one of: en, pt-BR",
    ),
    Breakage(
        "ui key that is not dotted lower-case words",
        "  intake.ticket_number:\n",
        "  intake.Ticket_number:\n",
        "ui.intake.Ticket_number",
        "'intake.Ticket_number' cannot be a key here; "
        "expected a dotted key like `intake.back_to_site`",
    ),
    Breakage(
        "message key that is not a problem code",
        "  too_long:\n",
        "  Too_long:\n",
        "messages.Too_long",
        "'Too_long' cannot be a key here; expected a problem code",
    ),
    Breakage(
        "choice id used twice in one field",
        "      - id: cable\n",
        "      - id: fiber\n",
        "fields[13].choices[1].id",
        "the id 'fiber' is used twice in fields[13].choices",
        at="id: fiber\n        name:\n          en: Cable",
    ),
    Breakage(
        "ui string the code shows missing",
        "  cli.accepted:\n",
        "  cli.accept:\n",
        "ui",
        "no text for 'cli.accepted', which is shown by `ticket-schema validate`; "
        "add `cli.accepted:`",
        at="ui:\n",
    ),
    Breakage(
        "message placeholder its problem does not fill in",
        "    en: Select {noun}\n    pt-BR: Selecione {noun}\n",
        "    en: Select {nounz}\n    pt-BR: Selecione {nounz}\n",
        "messages.required.choice.en",
        "{nounz} is never filled in here; expected one of: {field}, {label}, {noun}",
    ),
    Breakage(
        "ui placeholder its callers do not fill in",
        "    en: Ticket {number}\n    pt-BR: Ticket {number}\n",
        "    en: Ticket {numero}\n    pt-BR: Ticket {numero}\n",
        "ui.intake.status.title.pt-BR",
        "{numero} is never filled in here; expected one of: {number}",
        at="    pt-BR: Ticket {numero}",
    ),
    Breakage(
        "translation that is only white space",
        "      pt-BR: Sistema prejudicado\n",
        "      pt-BR: '   '\n",
        "severities[1].name.pt-BR",
        "the text is blank; write it out in this language",
    ),
    Breakage(
        "example expecting a problem code that does not exist",
        "{field: type, code: not_a_choice}",
        "{field: type, code: not_a_choise}",
        "examples[4].problems[0].code",
        "'not_a_choise' is not a problem code; expected one of: bad_email,",
    ),
    Breakage(
        "example expecting a problem on a field that does not exist",
        "{field: url, code: bad_url}",
        "{field: site, code: bad_url}",
        "examples[4].problems[4].field",
        "no field has the id 'site'",
    ),
    Breakage(
        "example expecting an unknown field that the definition has",
        "{field: colour, code: unknown_field}",
        "{field: browser, code: unknown_field}",
        "examples[4].problems[6].field",
        "'browser' is a field of the definition",
    ),
]


def _break(breakage: Breakage) -> str:
    assert SOURCE.count(breakage.old) >= 1, (
        f"{breakage.name}: the text to change is not in ticket.yaml"
    )
    return SOURCE.replace(breakage.old, breakage.new, 1)


@pytest.mark.parametrize("breakage", BREAKAGES, ids=lambda b: b.name)
def test_broken_definition_is_reported_at_its_line_and_key_path(breakage: Breakage) -> None:
    broken = _break(breakage)

    with pytest.raises(DefinitionError) as raised:
        loads(broken, "ticket.yaml")

    matching = [p for p in raised.value.problems if p.key_path == breakage.key_path]
    assert matching, f"no problem at {breakage.key_path}; got: {raised.value}"
    problem = matching[0]
    assert breakage.says in problem.message
    assert problem.line == _line_of(broken, breakage.at or breakage.new)
    assert str(problem).startswith(
        f"ticket.yaml:{problem.line}:{problem.column}: {breakage.key_path}: "
    )


def test_yaml_syntax_error_names_the_line() -> None:
    broken = SOURCE.replace("  - id: suggestion\n", "  - id: [suggestion\n", 1)

    with pytest.raises(DefinitionError) as raised:
        loads(broken, "ticket.yaml")

    (problem,) = raised.value.problems
    assert "YAML syntax error" in problem.message
    assert problem.line >= _line_of(broken, "  - id: [suggestion")


def test_empty_list_of_severities_is_reported() -> None:
    data = yaml.safe_load(SOURCE)
    data["severities"] = []
    broken = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)

    with pytest.raises(DefinitionError) as raised:
        loads(broken, "ticket.yaml")

    problem = next(p for p in raised.value.problems if p.key_path == "severities")
    assert "the list is empty" in problem.message
    assert problem.line == _line_of(broken, "severities:")


def test_every_problem_is_reported_at_once_in_the_order_of_the_file() -> None:
    # An unknown key is a problem of the file's shape; it must not hide the
    # problems between parts, even in the same list.
    broken = _break(BREAKAGES[0])
    broken = broken.replace(
        "  - id: general_guidance\n", "  - id: general_guidance\n    colour: red\n", 1
    )
    broken = broken.replace("      equals: problem\n", "      equals: issue\n", 1)
    broken = broken.replace("  - group: environment\n", "  - group: surroundings\n", 1)

    with pytest.raises(DefinitionError) as raised:
        loads(broken, "ticket.yaml")

    problems = raised.value.problems
    assert [p.key_path for p in problems] == [
        "severities[0].colour",
        "severities[1].id",
        "rules[0].when.equals",
        "checklist[2].group",
    ]
    assert [p.line for p in problems] == [
        _line_of(broken, "colour: red"),
        _line_of(broken, "  - id: general_guidance\n    name:\n      en: System Impaired"),
        _line_of(broken, "equals: issue"),
        _line_of(broken, "group: surroundings"),
    ]
    assert "4 problems" in str(raised.value)


# (case, the data as YAML, key path, the one message, line)
MISSING_KEYS = [
    (
        "the whole file an empty mapping",
        "{}\n",
        "",
        "missing the keys 'languages', 'ticket_types', 'severities', 'groups', 'fields', "
        "'checklist', 'statuses', 'messages', 'ui'",
        1,
    ),
    (
        "an empty field",
        SOURCE.replace(
            "  - id: type\n    group: ticket\n", "  - {}\n  - id: type\n    group: ticket\n", 1
        ),
        "fields[0]",
        "missing the keys 'id', 'group', 'kind', 'label', 'noun', 'hint'",
        _line_of(SOURCE, "  - id: type\n    group: ticket\n"),
    ),
]


@pytest.mark.parametrize(
    ("source", "key_path", "says", "line"),
    [case[1:] for case in MISSING_KEYS],
    ids=[case[0] for case in MISSING_KEYS],
)
def test_a_mapping_missing_several_keys_is_reported_once(source, key_path, says, line) -> None:
    with pytest.raises(DefinitionError) as raised:
        loads(source, "ticket.yaml")

    about = [p for p in raised.value.problems if p.key_path == key_path]
    assert [(p.line, p.message) for p in about] == [(line, says)]


def test_an_alias_inside_its_own_anchor_is_refused_without_recursing() -> None:
    with pytest.raises(DefinitionError) as raised:
        loads("x: &a [*a]\n", "ticket.yaml")

    assert [str(p) for p in raised.value.problems] == [
        "ticket.yaml:1:4: x: `&a`: anchors and aliases (&name, *name) are not allowed in the "
        "definition; write the value out",
        "ticket.yaml:1:8: x[0]: `*a`: anchors and aliases (&name, *name) are not allowed in the "
        "definition; write the value out",
    ]


def test_an_alias_bomb_is_refused_at_once() -> None:
    # Ten levels of ten aliases each: expanded, ten billion strings.
    lines = ["l0: &l0 [" + ", ".join(["lol"] * 10) + "]"]
    for level in range(1, 10):
        lines.append(f"l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * 10) + "]")
    bomb = "\n".join(lines) + "\n"
    started = time.perf_counter()

    with pytest.raises(DefinitionError) as raised:
        loads(bomb, "ticket.yaml")

    assert time.perf_counter() - started < 2
    first = raised.value.problems[0]
    assert (first.line, first.key_path) == (1, "l0")
    assert "anchors and aliases (&name, *name) are not allowed" in first.message


def test_missing_file_is_reported_without_a_traceback(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError) as raised:
        load(tmp_path / "nowhere.yaml")

    assert "cannot read the file" in str(raised.value)


def test_empty_file_is_reported() -> None:
    with pytest.raises(DefinitionError, match="the file is empty"):
        loads("", "ticket.yaml")


def test_yaml_tags_that_run_code_are_refused_at_their_line() -> None:
    broken = SOURCE.replace(
        "  - id: question\n", "  - id: !!python/object/apply:os.system ['true']\n", 1
    )

    with pytest.raises(DefinitionError) as raised:
        loads(broken, "ticket.yaml")

    (problem,) = raised.value.problems
    assert problem.line == _line_of(broken, "  - id: !!python")
    assert "could not determine a constructor for the tag" in problem.message


def _with_part(section: str, value) -> str:
    """The packaged definition with one part replaced, and a status id used twice."""
    data = yaml.safe_load(SOURCE)
    data[section] = value
    data["statuses"][1]["id"] = data["statuses"][0]["id"]
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


# (part, what it becomes, key path, message, the text on the reported line)
MALFORMED_PARTS = [
    ("languages", "en", "languages", 'expected array but found "en"', "languages: en"),
    ("fields", 7, "fields", "expected array but found 7", "fields: 7"),
    ("groups", [{"id": 3}], "groups[0].id", "expected string but found 3", "- id: 3"),
    (
        "rules",
        [{"when": "type"}],
        "rules[0].when",
        'expected object but found "type"',
        "when: type",
    ),
    ("checklist", [7], "checklist[0]", "expected object but found 7", "- 7"),
    ("severities", [{}], "severities[0]", "missing the keys 'id', 'name', 'definition'", "- {}"),
    ("messages", None, "messages", "expected object but found null", "messages: null"),
    ("ui", [], "ui", "expected object but found []", "ui: []"),
]


@pytest.mark.parametrize(
    ("section", "value", "key_path", "says", "at"),
    MALFORMED_PARTS,
    ids=[case[0] for case in MALFORMED_PARTS],
)
def test_a_malformed_part_is_reported_and_the_other_parts_still_checked(
    section, value, key_path, says, at
) -> None:
    broken = _with_part(section, value)

    with pytest.raises(DefinitionError) as raised:
        loads(broken, "ticket.yaml")

    by_path = {p.key_path: p for p in raised.value.problems}
    assert says in by_path[key_path].message
    assert by_path[key_path].line == _line_of(broken, at)
    assert "used twice in statuses" in by_path["statuses[1].id"].message


# (case, ui key, its new value, message)
UI_FORMS = [
    (
        "a string shown without a count given plural forms",
        "cli.accepted",
        {
            "one": {"en": "Valid.", "pt-BR": "Válido."},
            "other": {"en": "Valid.", "pt-BR": "Válido."},
        },
        "this is shown by `ticket-schema validate` without a count, so it cannot have "
        "`one` and `other` forms",
    ),
    (
        "a count the browser words given one sentence",
        "form.characters_remaining",
        {"en": "{count} left", "pt-BR": "restam {count}"},
        "this is shown by the ticket form in the form its count picks; give it `one` and `other`",
    ),
]


@pytest.mark.parametrize(
    ("key", "value", "says"), [case[1:] for case in UI_FORMS], ids=[case[0] for case in UI_FORMS]
)
def test_a_ui_string_in_the_wrong_form_for_its_count_is_reported(key, value, says) -> None:
    data = yaml.safe_load(SOURCE)
    data["ui"][key] = value
    broken = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)

    with pytest.raises(DefinitionError) as raised:
        loads(broken, "ticket.yaml")

    # The problem is about the value, which begins on the line after its key.
    (problem,) = raised.value.problems
    assert (problem.key_path, problem.line) == (f"ui.{key}", _line_of(broken, f"  {key}:") + 1)
    assert says in problem.message


def test_packaged_definition_loads_with_the_five_severities_in_order(definition) -> None:
    assert [s.id for s in definition.severities] == [
        "general_guidance",
        "system_impaired",
        "production_system_impaired",
        "production_system_down",
        "business_critical_system_down",
    ]
    assert definition.severities[0].name["en"] == "General Guidance"
    assert definition.default_language == "en"
    assert definition.language_codes == ("en", "pt-BR")


def test_checklist_is_derived_from_fields_and_groups(definition) -> None:
    environment = next(item for item in definition.checklist if item.group == "environment")

    assert set(environment.fields) == {f.id for f in definition.fields_in("environment")}
    assert ("url",) in [item.fields for item in definition.checklist]


def test_lines_of_parts_point_into_the_file(definition) -> None:
    lines = SOURCE.splitlines()

    assert lines[definition.line_of("severities") - 1].startswith("severities:")
    assert "id: general_guidance" in lines[definition.line_of("severities.0") - 1]


def test_reserved_field_ids_include_every_input_the_form_adds() -> None:
    from ticket_schema import protocol
    from ticket_schema.definition import RESERVED_FIELD_IDS

    # Meta inputs start with an underscore, which no field id can; the
    # honeypot cannot, so the definition must keep its name free.
    assert protocol.HONEYPOT_FIELD in RESERVED_FIELD_IDS
    hidden = [name for name in protocol.META_FIELDS if name != protocol.HONEYPOT_FIELD]
    assert all(name.startswith("_") for name in hidden)


def _ui_keys_in_the_package() -> set[str]:
    """Every string in the package's code and templates shaped like a key of `ui:`."""
    package = Path(ticket_schema.__file__).parent
    namespaces = {key.split(".")[0] for key in [*UI_STRINGS, *yaml.safe_load(SOURCE)["ui"]]}
    shaped = re.compile(rf"^({'|'.join(sorted(namespaces))})(\.[a-z_]+)+$")
    # A template's name ("form.html") has the same shape.
    file_names = {path.name for path in package.rglob("*")}
    found = set()

    # Keys are passed around before they are looked up (a table of columns,
    # an error raised with its key), so every string literal counts, not
    # only the arguments of `ui_text`. The table itself does not.
    for source in package.rglob("*.py"):
        if source.name == "definition.py":
            continue
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            value = node.value if isinstance(node, ast.Constant) else None
            if isinstance(value, str) and shaped.match(value) and value not in file_names:
                found.add(value)
    for template in package.rglob("*.html"):
        found.update(re.findall(r"""\bt\(\s*["']([^"']+)["']""", template.read_text("utf-8")))
    return found


def test_every_ui_key_the_package_looks_up_must_be_in_the_definition() -> None:
    used = _ui_keys_in_the_package()

    assert used, "the scan found no ui keys at all"
    unlisted = sorted(used - set(UI_STRINGS))
    assert not unlisted, (
        f"the package looks up {unlisted} but UI_STRINGS in ticket_schema/definition.py "
        "does not list them: add each there, and its text to `ui:` in ticket.yaml"
    )


def test_every_ui_key_the_definition_must_have_is_looked_up_somewhere() -> None:
    unused = sorted(set(UI_STRINGS) - _ui_keys_in_the_package())

    assert not unused, f"UI_STRINGS lists {unused}, which nothing in the package looks up"
