"""The submission JSON Schema generated from the definition, and its format patterns."""

from __future__ import annotations

import re

import jsonschema
import pytest

from ticket_schema.definition import DEFAULT_PATH, loads
from ticket_schema.submission_schema import (
    PATTERNS,
    SPACE_CLASS,
    WHITESPACE,
    submission_schema,
    version_of,
)

SOURCE = DEFAULT_PATH.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def schema(definition):
    return submission_schema(definition)


def test_schema_is_valid_draft_2020_12(schema) -> None:
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_schema_allows_only_the_fields_of_the_definition(schema, definition) -> None:
    assert schema["additionalProperties"] is False
    assert list(schema["properties"]) == [f.id for f in definition.fields]


def test_schema_requires_the_required_fields(schema) -> None:
    assert set(schema["required"]) == {
        "type",
        "severity",
        "subject",
        "description",
        "email",
        "language",
    }


def test_schema_lists_the_severities_in_order(schema, definition) -> None:
    assert schema["properties"]["severity"]["enum"] == [s.id for s in definition.severities]
    assert schema["properties"]["language"]["enum"] == ["en", "pt-BR"]


def test_schema_carries_the_lengths(schema) -> None:
    subject = schema["properties"]["subject"]
    description = schema["properties"]["description"]

    assert (subject["minLength"], subject["maxLength"]) == (5, 150)
    assert (description["minLength"], description["maxLength"]) == (20, 10000)


def test_problem_type_makes_its_details_required(schema) -> None:
    (rule,) = schema["allOf"]

    assert rule["if"]["properties"]["type"] == {"const": "problem"}
    assert set(rule["then"]["required"]) == {
        "url",
        "expected_behavior",
        "actual_behavior",
        "steps_to_reproduce",
    }


# Values each format pattern must accept and refuse, by kind.
FORMAT_CASES = [
    (
        "email",
        [
            "maria@example.com",
            "a.b+c@mail.example.com.br",
            "!#$%&'*+/=?^_`{|}~-@example.com",
            "joão@exemplo.com.br",
            "suporte@münchen.de",
            "ops@ex-ample.co",
            "ops@example.xn--p1ai",
        ],
        [
            "joao@",
            "joao @example.com",
            "a@b",
            "@x.io",
            "x@-.-",
            "<joao@x.com>",
            "joao@x.com>",
            ".joao@example.com",
            "joao.@example.com",
            "joao..silva@example.com",
            "joao@-example.com",
            "joao@example-.com",
            "joao@example..com",
            "joao@example.c",
            "joao@example.c0m",
            "joao@127.0.0.1",
            'jo"ao@example.com',
            "joao@exa_mple.com",
            "joao\u200b@example.com",
            "joao@example.com\u2060",
        ],
    ),
    (
        "url",
        [
            "https://www.example.com/loja?x=1",
            "http://localhost:8080/",
            "HTTPS://EXAMPLE.COM",
            "Http://example.com/Caminho",
            "http://example.com:0/",
            "http://example.com:65535/",
            "https://example.com#parte",
            "http://例え.jp/",
            "https://açaí.com.br/pagina",
            "https://xn--r8jz45g.jp/",
            "http://münchen.de:8080/straße",
        ],
        [
            "ftp://x.com",
            "example.com",
            "https://",
            "httpss://example.com",
            "https://example.com:65536/",
            "https://example.com:99999/",
            "https://example.com:123456/",
            "https://-example.com",
            "https://exa mple.com",
            "https://example.com/\u200bpage",
            "http://",
            "ftp://x",
            "http://açaí-.com.br/",
            "http://例え..jp/",
            "http://exa_mple.com/",
            "http://açaí\u200b.com.br/",
        ],
    ),
    (
        "uuid",
        ["123e4567-e89b-12d3-a456-426614174000"],
        ["123e4567e89b12d3a456426614174000", "not-a-uuid"],
    ),
]


@pytest.mark.parametrize(("kind", "good", "bad"), FORMAT_CASES)
def test_format_patterns_accept_and_reject(kind: str, good: list[str], bad: list[str]) -> None:
    pattern = re.compile(PATTERNS[kind])

    assert [value for value in good if not pattern.search(value)] == []
    assert [value for value in bad if pattern.search(value)] == []


@pytest.mark.browser
@pytest.mark.parametrize(("kind", "good", "bad"), FORMAT_CASES)
def test_format_patterns_judge_the_same_values_alike_in_the_browser(
    page, kind: str, good: list[str], bad: list[str]
) -> None:
    # The form's script reads each pattern as `new RegExp(pattern, "u")`.
    accepted = page.evaluate(
        """([pattern, values]) => values.map(value => new RegExp(pattern, "u").test(value))""",
        [PATTERNS[kind], good + bad],
    )

    verdicts = dict(zip(good + bad, accepted, strict=True))
    assert [value for value in good if not verdicts[value]] == []
    assert [value for value in bad if verdicts[value]] == []


def test_the_space_class_and_the_white_space_string_are_the_same_characters() -> None:
    space = re.compile(f"[{SPACE_CLASS}]")

    matched = {chr(code) for code in range(0x10000) if space.fullmatch(chr(code))}

    assert matched == set(WHITESPACE)


def test_white_space_includes_what_python_calls_white_space_and_invisible_characters() -> None:
    python = {chr(code) for code in range(0x10000) if chr(code).isspace()}
    invisible = set("\u00ad\u180e\u200b\u200c\u200d\u200e\u200f\u2060\u2066\ufeff")

    assert python | invisible <= set(WHITESPACE)
    assert not set(WHITESPACE) & set("abcABC0123@.-_/\u00e9\u3042")


def test_version_changes_when_a_rule_changes(schema) -> None:
    stricter = loads(SOURCE.replace("    min_length: 5\n", "    min_length: 6\n", 1))

    assert version_of(submission_schema(stricter)) != version_of(schema)


def test_version_stays_when_only_a_label_is_reworded(schema) -> None:
    reworded = loads(SOURCE.replace("      en: Subject\n", "      en: Title\n", 1))

    assert submission_schema(reworded)["properties"]["subject"]["title"] == "Title"
    assert version_of(submission_schema(reworded)) == version_of(schema)


def test_schema_id_carries_the_version(schema) -> None:
    assert schema["$id"] == f"urn:ticket-schema:submission:{version_of(schema)}"
    assert re.fullmatch(r"[0-9a-f]{12}", version_of(schema))
