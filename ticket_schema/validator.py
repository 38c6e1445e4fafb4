"""Judge a ticket submission against the generated JSON Schema.

The validator is the only judge of a submission. It returns problems as
data (field, code, parameters); `ticket_schema.messages` turns them into
sentences in the customer's language. The browser form runs the same rules
from data generated out of the same schema, and must reach the same
verdict: `PRIORITY` and `FORMAT_CODES` below are shared with it.

Problem codes:

- ``required``: a required field is missing, empty or only white space
  (also when a rule such as "a problem needs steps to reproduce" applies);
- ``too_short`` / ``too_long``: text outside the field's limits
  (parameters ``min_length`` / ``max_length``), counted in characters
  (Unicode code points) after trimming;
- ``not_a_choice``: a choice field holds a value that is not one of its
  choices (parameter ``choices``);
- ``wrong_type``: a field holds something other than text, or text with a
  lone surrogate (half of a UTF-16 pair, which JSON can spell ``"\\ud800"``
  but no text can hold);
- ``bad_email`` / ``bad_url`` / ``bad_uuid``: text not in the field's format;
- ``unknown_field``: a field the definition does not have (parameter
  ``field``, the name as it can be printed: a lone surrogate in it is
  written out as ``\\ud800``);
- ``out_of_date``: reported by the intake service, not here, when a
  submission from an older form no longer validates.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import jsonschema

from ticket_schema.definition import Definition
from ticket_schema.submission_input import json_type, lone_surrogate, printable
from ticket_schema.submission_schema import (
    FORMATS,
    PATTERNS,
    WHITESPACE,
    submission_schema,
    version_of,
)

# When several problems apply to one field, the first in this order is kept:
# the one the customer must fix first.
PRIORITY = (
    "unknown_field",
    "wrong_type",
    "required",
    "not_a_choice",
    "bad_email",
    "bad_url",
    "bad_uuid",
    "too_short",
    "too_long",
)

FORMAT_CODES = {"email": "bad_email", "url": "bad_url", "uuid": "bad_uuid"}

_LINE_BREAK = re.compile(r"\r\n?")


class NotAnObject(ValueError):
    """The submission is not a JSON object at all, so no field can be judged."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a submission, as data."""

    field: str
    code: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Verdict:
    """The outcome of validating one submission."""

    submission: Mapping[str, Any]
    problems: tuple[Problem, ...]
    schema_version: str

    @property
    def valid(self) -> bool:
        return not self.problems

    @property
    def fields(self) -> set[str]:
        return {problem.field for problem in self.problems}


class Validator:
    """Validates submissions against the schema generated from a definition."""

    def __init__(self, definition: Definition) -> None:
        self.definition = definition
        self.schema = submission_schema(definition)
        self.schema_version = version_of(self.schema)
        self._kinds = {f.id: f.kind for f in definition.fields}
        self._order = {f.id: index for index, f in enumerate(definition.fields)}
        self._json_validator = jsonschema.Draft202012Validator(
            self.schema, format_checker=_format_checker()
        )

    def validate(self, submission: Any) -> Verdict:
        """Judge a submission; raises NotAnObject when it is not a mapping."""
        if not isinstance(submission, Mapping):
            raise NotAnObject(f"a submission must be a JSON object, not {json_type(submission)}")

        normalized = normalize(submission)
        found: dict[str, Problem] = {}

        def keep(problem: Problem) -> None:
            kept = found.get(problem.field)
            if kept is None or PRIORITY.index(problem.code) < PRIORITY.index(kept.code):
                found[problem.field] = problem

        for error in self._json_validator.iter_errors(normalized):
            for problem in self._problems_from(error, normalized):
                keep(problem)

        # The schema has no word for text that cannot be stored or printed.
        for name, value in normalized.items():
            if isinstance(value, str) and lone_surrogate(value):
                keep(Problem(name, "wrong_type"))

        keys = list(normalized)
        ordered = sorted(
            found.values(),
            key=lambda p: (
                self._order.get(p.field, len(self._order)),
                keys.index(p.field) if p.field in keys else 0,
            ),
        )
        return Verdict(normalized, tuple(ordered), self.schema_version)

    def _problems_from(
        self, error: jsonschema.ValidationError, instance: Mapping[str, Any]
    ) -> list[Problem]:
        keyword = error.validator
        path = list(error.absolute_path)

        # Errors about the whole object: missing and unknown fields.
        if not path:
            if keyword == "required":
                return [
                    Problem(name, "required")
                    for name in error.validator_value
                    if name not in instance
                ]
            if keyword == "additionalProperties":
                known = set(self._kinds)
                return [
                    Problem(name, "unknown_field", {"field": printable(name)})
                    for name in instance
                    if name not in known
                ]
            return []

        name = str(path[0])
        kind = self._kinds.get(name)
        if keyword == "type":
            return [Problem(name, "wrong_type")]
        if keyword == "enum":
            return [Problem(name, "not_a_choice", {"choices": list(error.validator_value)})]
        if keyword == "minLength":
            return [Problem(name, "too_short", {"min_length": error.validator_value})]
        if keyword == "maxLength":
            return [Problem(name, "too_long", {"max_length": error.validator_value})]
        if keyword in ("pattern", "format"):
            # A text field's only pattern is "not blank", which trimming
            # already turned into a missing value.
            return [Problem(name, FORMAT_CODES.get(kind, "required"))]
        return []


def normalize(submission: Mapping[str, Any]) -> dict[str, Any]:
    """Trim text values; a value that is empty, only white space or null is dropped.

    Line breaks become "\n": a plain HTML form sends "\r\n", a script "\n",
    and the same text must measure and store the same either way.
    """
    result: dict[str, Any] = {}
    for key, value in submission.items():
        if isinstance(value, str):
            value = _LINE_BREAK.sub("\n", value).strip(WHITESPACE)
            if not value:
                continue
        elif value is None:
            continue
        result[str(key)] = value
    return result


def _format_checker() -> jsonschema.FormatChecker:
    # jsonschema's own checks for these formats are either lax ("email"
    # only looks for an @) or silently skipped when an optional package is
    # missing ("uri"). The product's formats are its own patterns, the same
    # ones the browser runs.
    checker = jsonschema.FormatChecker(formats=())
    for kind, format_name in FORMATS.items():
        pattern = re.compile(PATTERNS[kind])
        checker.checks(format_name)(_matcher(pattern))
    return checker


def _matcher(pattern: re.Pattern[str]):
    def check(instance: object) -> bool:
        return not isinstance(instance, str) or pattern.search(instance) is not None

    return check
