"""The loader rejects a broken definition with every problem, placed by line and key path."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from ticket_schema.definition import DEFAULT_PATH, DefinitionError, load, loads

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
        "  bad_uuid:\n    en: Enter the device UUID as",
        "  bad_uuids:\n    en: Enter the device UUID as",
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


def test_every_problem_is_reported_at_once() -> None:
    broken = _break(BREAKAGES[0])
    broken = broken.replace("      equals: problem\n", "      equals: issue\n", 1)
    broken = broken.replace("  - group: environment\n", "  - group: surroundings\n", 1)

    with pytest.raises(DefinitionError) as raised:
        loads(broken, "ticket.yaml")

    paths = {problem.key_path for problem in raised.value.problems}
    assert {"severities[1].id", "rules[0].when.equals", "checklist[2].group"} <= paths
    assert "3 problems" in str(raised.value)


def test_missing_file_is_reported_without_a_traceback(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError) as raised:
        load(tmp_path / "nowhere.yaml")

    assert "cannot read the file" in str(raised.value)


def test_empty_file_is_reported() -> None:
    with pytest.raises(DefinitionError, match="the file is empty"):
        loads("", "ticket.yaml")


def test_yaml_tags_that_run_code_are_refused() -> None:
    broken = SOURCE.replace(
        "languages:\n", "languages: !!python/object/apply:os.system ['true']\n", 1
    )

    with pytest.raises(DefinitionError):
        loads(broken, "ticket.yaml")


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
