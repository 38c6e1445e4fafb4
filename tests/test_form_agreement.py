"""The form's JavaScript and the Python validator never disagree.

Submissions are drawn from the submission schema by hypothesis-jsonschema
(with a fixed seed), then each is also broken in one or two fields in the
ways a customer, a script or a stale form breaks them. Every case is judged
by the validator and, in one batch, by the script of the built standalone
page, with the rules embedded in that page: the verdict, the fields, the
codes and the messages must be the same.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis_jsonschema import from_schema

from ticket_schema.definition import Definition, format_number
from ticket_schema.form import ID_PREFIX
from ticket_schema.messages import explain
from ticket_schema.submission_schema import WHITESPACE, submission_schema
from ticket_schema.validator import Validator

pytestmark = [pytest.mark.browser, pytest.mark.http]

# Drawn from the schema; each gives three cases (as drawn, one field
# broken, two fields broken). Drawing is the slow part (about 50 ms each).
DRAWN = 200
SEED = 20240611

Case = dict[str, Any]
Breaker = Callable[[Case, Definition, random.Random], None]


def _text_field(definition: Definition, rnd: random.Random, *, having: str | None = None) -> str:
    fields = [f for f in definition.fields if f.kind != "choice"]
    if having:
        fields = [f for f in fields if getattr(f, having) is not None]
    return rnd.choice(fields).id


def _any_field(definition: Definition, rnd: random.Random) -> str:
    return rnd.choice(definition.fields).id


def too_short(case: Case, definition: Definition, rnd: random.Random) -> None:
    field = definition.field(_text_field(definition, rnd, having="min_length"))
    case[field.id] = "ab😀d"[: rnd.randint(1, field.min_length - 1)]


def too_long(case: Case, definition: Definition, rnd: random.Random) -> None:
    field = definition.field(_text_field(definition, rnd, having="max_length"))
    unit = rnd.choice(["x", "é", "😀", "𝄞"])
    case[field.id] = unit * (field.max_length + rnd.randint(1, 2))


def exactly_at_the_limit(case: Case, definition: Definition, rnd: random.Random) -> None:
    # Characters outside the Basic Multilingual Plane are two UTF-16 units
    # in JavaScript and one character for the validator.
    field = definition.field(rnd.choice(["subject", "browser", "description"]))
    case[field.id] = "😀" * field.max_length


def blank(case: Case, definition: Definition, rnd: random.Random) -> None:
    case[_any_field(definition, rnd)] = "".join(rnd.choices(WHITESPACE, k=rnd.randint(0, 4)))


def padded(case: Case, definition: Definition, rnd: random.Random) -> None:
    name = rnd.choice(list(case))
    if isinstance(case[name], str):
        space = "".join(rnd.choices(WHITESPACE, k=2))
        case[name] = space + case[name] + space[::-1]


def null(case: Case, definition: Definition, rnd: random.Random) -> None:
    case[_any_field(definition, rnd)] = None


def wrong_type(case: Case, definition: Definition, rnd: random.Random) -> None:
    case[_any_field(definition, rnd)] = rnd.choice([42, 0, 1.5, True, False, [], ["a"], {"a": 1}])


def bad_format(case: Case, definition: Definition, rnd: random.Random) -> None:
    name, value = rnd.choice(
        [
            ("email", "joao @example.com"),
            ("email", "joao@"),
            ("email", "joao@example"),
            ("email", "@example.com"),
            ("email", "a@b@example.com"),
            ("email", "x@-.-"),
            ("email", "<joao@x.com>"),
            ("email", "joao..silva@example.com"),
            ("email", "joao@example.c"),
            ("email", "joao\u200b@example.com"),
            ("url", "ftp://example.com/file"),
            ("url", "example.com"),
            ("url", "https://exa mple.com"),
            ("url", "https://-example.com"),
            ("url", "http://example.com:123456"),
            ("url", "http://example.com:65536"),
            ("url", "https://example.com/\u2060"),
            ("device_uuid", "not-a-uuid"),
            ("device_uuid", "123e4567e89b12d3a456426614174000"),
            ("device_uuid", "123e4567-e89b-12d3-a456-42661417400g"),
        ]
    )
    case[name] = value


def good_format(case: Case, definition: Definition, rnd: random.Random) -> None:
    name, value = rnd.choice(
        [
            ("email", "maria.silva+suporte@exemplo.com.br"),
            ("email", "josé@exemplo.com.br"),
            ("email", "!#$%&'*+/=?^_`{|}~-@example.com"),
            ("email", "suporte@münchen.de"),
            ("url", "HTTPS://WWW.EXAMPLE.COM/LOJA"),
            ("url", "http://example.com:65535/"),
            ("url", "https://www.example.com/caminho?q=ação#parte"),
            ("url", "http://localhost:8080"),
            ("url", "http://例え.jp/"),
            ("url", "https://açaí.com.br/pagina"),
            ("device_uuid", "123E4567-E89B-12D3-A456-426614174000"),
        ]
    )
    case[name] = value


def not_a_choice(case: Case, definition: Definition, rnd: random.Random) -> None:
    field = rnd.choice([f for f in definition.fields if f.kind == "choice"])
    case[field.id] = rnd.choice(["complaint", field.choice_ids[0].upper(), "pt", "Problem"])


def unknown_field(case: Case, definition: Definition, rnd: random.Random) -> None:
    name = rnd.choice(["colour", "priority", "Subject", "_schema_version", "constructor"])
    case[name] = rnd.choice(["blue", "", "  ", None, 3])


def missing(case: Case, definition: Definition, rnd: random.Random) -> None:
    required = [f.id for f in definition.fields if f.required and f.id in case]
    if required:
        del case[rnd.choice(required)]


def problem_without_details(case: Case, definition: Definition, rnd: random.Random) -> None:
    rule = definition.rules[0]
    case[rule.when_field] = rnd.choice([rule.equals, f" {rule.equals}\u00a0"])
    for name in rnd.sample(list(rule.require), rnd.randint(1, len(rule.require))):
        case.pop(name, None)


def another_type(case: Case, definition: Definition, rnd: random.Random) -> None:
    case["type"] = rnd.choice(["question", "suggestion"])


BREAKERS: list[Breaker] = [
    too_short,
    too_long,
    exactly_at_the_limit,
    blank,
    padded,
    null,
    wrong_type,
    bad_format,
    good_format,
    not_a_choice,
    unknown_field,
    missing,
    problem_without_details,
    another_type,
]


@pytest.fixture(scope="module")
def cases(definition: Definition) -> list[Case]:
    """Submissions drawn from the schema, each as drawn and broken once and twice."""
    drawn: list[Case] = []

    @settings(
        max_examples=DRAWN,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(from_schema(submission_schema(definition)))
    def draw(submission: Case) -> None:
        drawn.append(submission)

    draw()

    rnd = random.Random(SEED)
    result: list[Case] = []
    for submission in drawn:
        result.append(dict(submission))
        for count in (1, 2):
            case = dict(submission)
            for breaker in rnd.sample(BREAKERS, count):
                breaker(case, definition, rnd)
            result.append(case)
    return result


def judged_by_the_script(page, capture, lang: str, cases: list[Case]) -> list[list[dict]]:
    page.goto(f"{capture.url}/ticket-form/{lang}/")
    page.wait_for_function("() => window.TicketForm")
    # One call for the whole batch, with the rules the page itself carries.
    return page.evaluate(
        """cases => {
          const rules = JSON.parse(
            document.querySelector("[data-ticket-form-rules]").textContent);
          return cases.map(submission => window.TicketForm.validate(submission, rules));
        }""",
        cases,
    )


@pytest.mark.parametrize("lang", ["en", "pt-BR"])
def test_the_script_and_the_validator_agree_on_every_submission(
    page, capture, definition, cases, lang, capsys
) -> None:
    validator = Validator(definition)

    verdicts = judged_by_the_script(page, capture, lang, cases)

    assert len(verdicts) == len(cases) >= 500
    disagreements = []
    for case, found in zip(cases, verdicts, strict=True):
        expected = [
            {"field": p.field, "code": p.code, "message": explain(definition, p, lang)}
            for p in validator.validate(case).problems
        ]
        if sorted(found, key=str) != sorted(expected, key=str):
            disagreements.append({"case": case, "script": found, "validator": expected})
    valid = sum(not found for found in verdicts)
    codes = Counter(p["code"] for found in verdicts for p in found)
    # Shown on every run, not only when the test fails.
    with capsys.disabled():
        print(
            f"\nagreement ({lang}): {len(cases) - len(disagreements)} of {len(cases)} "
            f"submissions judged alike by the script and the validator ({valid} valid, "
            f"{len(cases) - valid} rejected; problems by code: {dict(sorted(codes.items()))})"
        )
    assert not disagreements, disagreements[:3]
    # The cases must cover both verdicts and every code the browser can meet.
    assert valid >= 100 and len(cases) - valid >= 200
    expected_codes = {
        "required",
        "too_short",
        "too_long",
        "not_a_choice",
        "wrong_type",
        "bad_email",
        "bad_url",
        "bad_uuid",
        "unknown_field",
    }
    assert expected_codes <= set(codes)


def test_the_script_calls_text_with_a_lone_surrogate_not_text_as_the_validator_does(
    page, capture, definition
) -> None:
    question = dict(definition.examples[0].submission)
    broken = {**question, "subject": "Cache \ud800 issue", "colour\udc00": "blue"}
    expected = [
        [p.code, explain(definition, p, "en")]
        for p in Validator(definition).validate(broken).problems
    ]

    page.goto(f"{capture.url}/ticket-form/en/")
    page.wait_for_function("() => window.TicketForm")
    # Broken in the page: a lone surrogate would not survive the trip there.
    found = page.evaluate(
        """question => {
          const rules = JSON.parse(
            document.querySelector("[data-ticket-form-rules]").textContent);
          const half = (code) => String.fromCharCode(code);
          const broken = {...question, subject: "Cache " + half(0xd800) + " issue"};
          broken["colour" + half(0xdc00)] = "blue";
          return window.TicketForm.validate(broken, rules).map(p => [p.code, p.message]);
        }""",
        question,
    )

    assert [code for code, _ in expected] == ["wrong_type", "unknown_field"]
    assert found == expected


def test_the_script_trims_every_character_javascript_calls_white_space(page, capture) -> None:
    page.goto(f"{capture.url}/ticket-form/en/")

    spaces = page.evaluate(
        """() => Array.from({length: 0x10000}, (_, code) => String.fromCharCode(code))
          .filter(char => /^\\s$/u.test(char))"""
    )

    assert len(spaces) > 20
    assert set(spaces) <= set(WHITESPACE)


def test_numbers_are_written_as_the_browser_writes_them_in_every_language(
    page, capture, definition
) -> None:
    numbers = [0, 1, 5, 999, 1000, 2048, 9999, 10000, 65535, 123456, 1234567]
    langs = list(definition.language_codes)

    page.goto(f"{capture.url}/ticket-form/en/")
    written = page.evaluate(
        "([numbers, langs]) => langs.map(lang => numbers.map(n => n.toLocaleString(lang)))",
        [numbers, langs],
    )

    assert written == [[format_number(n, lang) for n in numbers] for lang in langs]


@pytest.mark.parametrize("lang", ["en", "pt-BR"])
def test_the_character_count_shows_the_number_as_the_server_writes_it(
    page, capture, definition, lang
) -> None:
    field = definition.field("description")
    page.goto(f"{capture.url}/ticket-form/{lang}/")
    page.wait_for_function("() => document.querySelector('[data-ticket-form]').ticketForm")

    page.locator(f"#{ID_PREFIX}description").fill("x" * 5)

    left = field.max_length - 5
    shown = page.locator(f"#{ID_PREFIX}description-count").text_content()
    assert left >= 1000
    assert shown == definition.ui_text("form.characters_remaining", lang, count=left)
