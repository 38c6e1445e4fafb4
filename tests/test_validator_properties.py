"""Property tests: what the schema allows is accepted; one broken field is blamed alone."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

from ticket_schema.definition import load
from ticket_schema.messages import explain, message
from ticket_schema.submission_schema import WHITESPACE, submission_schema
from ticket_schema.validator import Validator

DEFINITION = load()
SCHEMA = submission_schema(DEFINITION)
VALIDATOR = Validator(DEFINITION)
SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def _already_trimmed(submission: dict[str, Any]) -> bool:
    # The schema describes values after trimming; a generated value with
    # white space around it would be measured shorter by the validator.
    return all(
        not isinstance(value, str) or value == value.strip(WHITESPACE)
        for value in submission.values()
    )


submissions = from_schema(SCHEMA).filter(_already_trimmed)


@SETTINGS
@given(submissions)
def test_submissions_generated_from_the_schema_are_accepted(submission: dict[str, Any]) -> None:
    verdict = VALIDATOR.validate(submission)

    assert verdict.valid, verdict.problems


def _breakages(field_id: str) -> list[tuple[Any, str]]:
    """Ways to break one field, each with the code it must cause."""
    field = DEFINITION.field(field_id)
    ways: list[tuple[Any, str]] = [(12345, "wrong_type")]
    if field.kind == "choice":
        ways.append(("not-one-of-them", "not_a_choice"))
    if field.max_length:
        # Too long, yet in the field's format, so that length is the only fault.
        too_long = {
            "url": "https://example.com/" + "x" * field.max_length,
            "email": "x" * field.max_length + "@example.com",
        }
        ways.append((too_long.get(field.kind, "x" * (field.max_length + 1)), "too_long"))
    if field.min_length and field.min_length > 1:
        ways.append(("x" * (field.min_length - 1), "too_short"))
    bad_formats = {"email": "joao @example.com", "url": "www.example.com", "uuid": "1234-5678"}
    if field.kind in bad_formats:
        ways.append((bad_formats[field.kind], f"bad_{field.kind}"))
    if field.required:
        ways.append(("   ", "required"))
    return ways


@st.composite
def broken_submissions(draw: st.DrawFn) -> tuple[dict[str, Any], str, str]:
    submission = dict(draw(submissions))
    field_id = draw(st.sampled_from([f.id for f in DEFINITION.fields]))
    value, code = draw(st.sampled_from(_breakages(field_id)))
    submission[field_id] = value
    return submission, field_id, code


@SETTINGS
@given(broken_submissions())
def test_one_broken_field_is_reported_on_that_field_in_both_languages(case) -> None:
    submission, field_id, code = case

    problems = VALIDATOR.validate(submission).problems

    assert [(p.field, p.code) for p in problems] == [(field_id, code)]
    (problem,) = problems
    english = explain(DEFINITION, problem, "en")
    portuguese = explain(DEFINITION, problem, "pt-BR")
    assert english == message(DEFINITION, field_id, code, "en", **problem.params)
    assert portuguese == message(DEFINITION, field_id, code, "pt-BR", **problem.params)
    assert english != portuguese
    field = DEFINITION.field(field_id)
    for lang, said in (("en", english), ("pt-BR", portuguese)):
        assert field.noun[lang] in said or field.label[lang] in said, said


# Any text, lone surrogates included: JSON can carry them, and the
# validator must still give a verdict that can be printed and stored.
any_character = st.characters() | st.characters(categories=["Cs"])
any_text = st.lists(any_character, max_size=40).map("".join)


@SETTINGS
@given(
    st.dictionaries(
        st.lists(any_character, max_size=20).map("".join),
        st.none() | st.booleans() | st.integers() | any_text,
    )
)
def test_any_object_gets_a_verdict_with_a_message_for_every_problem(submission: dict) -> None:
    verdict = VALIDATOR.validate(submission)

    for problem in verdict.problems:
        for lang in DEFINITION.language_codes:
            said = explain(DEFINITION, problem, lang)
            assert said.strip()
            said.encode("utf-8")
    for name, value in verdict.submission.items():
        if isinstance(value, str) and name not in verdict.fields:
            value.encode("utf-8")
