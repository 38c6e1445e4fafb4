"""The validator judges submissions and explains problems in the customer's language."""

from __future__ import annotations

import pytest

from ticket_schema.definition import format_number
from ticket_schema.messages import explain, message, resolve_language
from ticket_schema.validator import FORMAT_CODES, NotAnObject, Validator


@pytest.fixture(scope="module")
def validator(definition) -> Validator:
    return Validator(definition)


@pytest.fixture
def question() -> dict:
    return {
        "type": "question",
        "severity": "general_guidance",
        "subject": "How do I purge the cache?",
        "description": "I would like to purge the cache of one file only.",
        "email": "maria@example.com",
        "language": "en",
    }


def _example_ids(definition) -> list[str]:
    return [example.id for example in definition.examples]


def test_every_example_in_the_definition_gives_its_problems(definition, validator) -> None:
    assert len(definition.examples) >= 5
    for example in definition.examples:
        verdict = validator.validate(example.submission)

        found = [(p.field, p.code) for p in verdict.problems]
        expected = [(p.field, p.code) for p in example.problems]
        assert sorted(found) == sorted(expected), example.id
        assert verdict.valid is (not expected)


def test_missing_subject_is_reported_in_english(definition, validator, question) -> None:
    del question["subject"]

    (problem,) = validator.validate(question).problems

    assert (problem.field, problem.code) == ("subject", "required")
    assert explain(definition, problem, "en") == "Enter a subject"


def test_short_subject_is_reported_in_portuguese(definition, validator, question) -> None:
    question["subject"] = "Oi"

    (problem,) = validator.validate(question).problems

    assert explain(definition, problem, "en") == "Enter a subject of at least 5 characters"
    assert explain(definition, problem, "pt-BR") == "Informe um assunto com pelo menos 5 caracteres"


def test_long_description_is_reported_with_its_limit(definition, validator, question) -> None:
    question["description"] = "x" * 10001

    (problem,) = validator.validate(question).problems

    assert (problem.code, problem.params["max_length"]) == ("too_long", 10000)
    assert explain(definition, problem, "en") == "Description must be 10,000 characters or fewer"
    assert explain(definition, problem, "pt-BR") == (
        "O campo “Descrição” deve ter no máximo 10.000 caracteres"
    )


@pytest.mark.parametrize(
    ("number", "english", "portuguese"),
    [
        (0, "0", "0"),
        (999, "999", "999"),
        (1000, "1,000", "1.000"),
        (2048, "2,048", "2.048"),
        (10000, "10,000", "10.000"),
        (1234567, "1,234,567", "1.234.567"),
        (-12000, "-12,000", "-12.000"),
    ],
)
def test_numbers_are_written_as_each_language_writes_them(number, english, portuguese) -> None:
    assert format_number(number, "en") == english
    assert format_number(number, "pt-BR") == portuguese


def test_a_count_picks_the_plural_form_and_is_shown_grouped(definition) -> None:
    assert definition.ui_text("form.characters_limit", "en", count=10000) == (
        "You can enter up to 10,000 characters"
    )
    assert definition.ui_text("form.characters_remaining", "pt-BR", count=1) == "Resta 1 caractere"
    assert definition.ui_text("form.characters_remaining", "pt-BR", count=1000) == (
        "Restam 1.000 caracteres"
    )


def test_missing_severity_asks_to_select_one(definition, validator, question) -> None:
    del question["severity"]

    (problem,) = validator.validate(question).problems

    assert explain(definition, problem, "en") == "Select a severity"
    assert explain(definition, problem, "pt-BR") == "Selecione uma severidade"


@pytest.mark.parametrize(
    ("field", "value", "english", "portuguese"),
    [
        (
            "email",
            "joao@",
            "Enter your e-mail address in the correct format, like name@example.com",
            "Informe seu endereço de e-mail no formato correto, como nome@exemplo.com",
        ),
        (
            "url",
            "www.example.com",
            "Enter the affected URL in full, starting with http:// or https://, "
            "like https://www.example.com/page",
            "Informe a URL afetada no formato completo, começando com http:// ou https://, "
            "como https://www.exemplo.com/pagina",
        ),
        (
            "device_uuid",
            "1234",
            "Enter the device UUID as 32 letters and digits in groups of 8-4-4-4-12, "
            "like 123e4567-e89b-12d3-a456-426614174000",
            "Informe o UUID do dispositivo com 32 letras e números em grupos de 8-4-4-4-12, "
            "como 123e4567-e89b-12d3-a456-426614174000",
        ),
        (
            "severity",
            "urgent",
            "Select a severity from the list",
            "Selecione uma severidade na lista",
        ),
    ],
)
def test_a_value_in_the_wrong_format_is_explained_naming_its_field(
    definition, validator, question, field, value, english, portuguese
) -> None:
    question[field] = value

    (problem,) = validator.validate(question).problems

    assert explain(definition, problem, "en") == english
    assert explain(definition, problem, "pt-BR") == portuguese


@pytest.mark.parametrize(
    "value",
    [
        "",
        "     ",
        "\t\n",
        "\u00a0\u3000",
        None,
        "\u200b" * 6,
        "\u200c\u200d\u2060",
        "\ufeff \u200b\u00ad",
        "\u200e\u202f\u2066",
    ],
)
def test_value_of_only_white_space_counts_as_missing(validator, question, value) -> None:
    question["subject"] = value

    (problem,) = validator.validate(question).problems

    assert (problem.field, problem.code) == ("subject", "required")


def test_values_are_trimmed_before_they_are_measured(validator, question) -> None:
    question["subject"] = "   Hi    "

    verdict = validator.validate(question)

    assert [(p.field, p.code) for p in verdict.problems] == [("subject", "too_short")]
    assert verdict.submission["subject"] == "Hi"


def test_lengths_count_characters_not_bytes(validator, question) -> None:
    question["subject"] = "🔥🔥🔥🔥🔥"

    assert validator.validate(question).valid


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("email", "joao@", "bad_email"),
        ("email", "joao @example.com", "bad_email"),
        ("email", "x@-.-", "bad_email"),
        ("email", "<joao@x.com>", "bad_email"),
        ("email", "joao..silva@example.com", "bad_email"),
        ("email", "joao@example.c", "bad_email"),
        ("email", "joao\u200b@example.com", "bad_email"),
        ("url", "www.example.com", "bad_url"),
        ("url", "javascript:alert(1)", "bad_url"),
        ("url", "https://example.com:65536/", "bad_url"),
        ("device_uuid", "123e4567-e89b-12d3-a456-42661417400", "bad_uuid"),
        ("severity", "urgent", "not_a_choice"),
        ("connection_type", "carrier pigeon", "not_a_choice"),
        ("subject", 12345, "wrong_type"),
        ("subject", "Cache \ud800 issue", "wrong_type"),
        ("severity", ["general_guidance"], "wrong_type"),
        ("colour", "blue", "unknown_field"),
    ],
)
def test_a_bad_value_is_reported_on_its_field(validator, question, field, value, code) -> None:
    question[field] = value

    problems = validator.validate(question).problems

    assert [(p.field, p.code) for p in problems] == [(field, code)]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("email", "joão.silva+suporte@exemplo.com.br"),
        ("email", "o'brien@mail.example.ie"),
        ("url", "HTTPS://WWW.EXAMPLE.COM/LOJA"),
        ("url", "http://localhost:65535/"),
        ("subject", "Cache \U0001f525 issue"),
    ],
)
def test_a_good_value_is_accepted(validator, question, field, value) -> None:
    question[field] = value

    assert validator.validate(question).valid


@pytest.mark.parametrize(
    ("url", "problems"),
    [
        ("http://例え.jp/", []),
        ("https://açaí.com.br/pagina", []),
        ("http://exa mple.com", [("url", "bad_url")]),
    ],
)
def test_a_url_may_name_its_host_in_letters_beyond_ascii(
    validator, question, url, problems
) -> None:
    question["url"] = url

    verdict = validator.validate(question)

    assert [(p.field, p.code) for p in verdict.problems] == problems


def test_text_with_a_lone_surrogate_is_not_text(definition, validator, question) -> None:
    question["subject"] = "\ud800" * 10

    (problem,) = validator.validate(question).problems

    assert explain(definition, problem, "en") == "Enter a subject as text"
    assert explain(definition, problem, "pt-BR") == "Informe um assunto como texto"


def test_an_unknown_field_with_a_lone_surrogate_is_named_printably(
    definition, validator, question
) -> None:
    question["colour\udc00"] = "blue"

    (problem,) = validator.validate(question).problems

    said = explain(definition, problem, "en")
    assert said.startswith("This form has no field called “colour\\udc00”.")
    said.encode("utf-8")


def test_one_problem_per_field_even_when_several_apply(validator, question) -> None:
    question["email"] = 5

    (problem,) = validator.validate(question).problems

    assert problem.code == "wrong_type"


def test_problem_requires_url_behaviours_and_steps(definition, validator, question) -> None:
    question["type"] = "problem"

    problems = validator.validate(question).problems

    assert [p.field for p in problems] == [
        "url",
        "expected_behavior",
        "actual_behavior",
        "steps_to_reproduce",
    ]
    assert [explain(definition, p, "pt-BR") for p in problems][-1] == (
        "Informe os passos para reproduzir o problema"
    )


def test_problems_come_in_the_order_of_the_form(validator) -> None:
    problems = validator.validate({"zzz": "1", "email": "x", "subject": "a"}).problems

    fields = [p.field for p in problems]
    assert fields.index("subject") < fields.index("email") < fields.index("zzz")


@pytest.mark.parametrize("submission", [[], "ticket", 42, None])
def test_a_submission_that_is_not_an_object_is_refused(validator, submission) -> None:
    with pytest.raises(NotAnObject, match="must be a JSON object"):
        validator.validate(submission)


def test_every_message_names_its_field_and_none_says_invalid_input(definition) -> None:
    for field in definition.fields:
        codes = ["required", "wrong_type"]
        codes += ["too_short"] if field.min_length else []
        codes += ["too_long"] if field.max_length else []
        codes += ["not_a_choice"] if field.kind == "choice" else []
        codes += [FORMAT_CODES[field.kind]] if field.kind in FORMAT_CODES else []
        for code in codes:
            for lang in definition.language_codes:
                text = message(definition, field.id, code, lang)
                assert "invalid" not in text.lower()
                assert "{" not in text, text
                named = field.noun[lang] in text or field.label[lang] in text
                assert named, (field.id, code, lang, text)


@pytest.mark.parametrize(
    ("asked", "given"),
    [("pt-BR", "pt-BR"), ("pt", "pt-BR"), ("PT-br", "pt-BR"), ("fr", "en"), (None, "en")],
)
def test_language_of_the_messages_is_resolved(definition, asked, given) -> None:
    assert resolve_language(definition, asked) == given


def test_line_breaks_of_a_plain_form_post_count_once(validator, question) -> None:
    question["subject"] = "Cache\r\nissue"
    question["description"] = "a\r\n" * 10

    verdict = validator.validate(question)

    assert verdict.submission["subject"] == "Cache\nissue"
    assert [(p.field, p.code) for p in verdict.problems] == [("description", "too_short")]
