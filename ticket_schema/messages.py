"""Turn validation problems into sentences in the customer's language.

The wording lives in the definition (`messages:`), keyed by problem code,
with an optional variant per kind of field (`required.choice`). The same
sentences reach the browser form as data, so the customer reads the same
text whether the browser or the server found the problem.

Numbers are written as the customer's language writes them (10,000 in
English, 10.000 in Portuguese): `fill` of the definition does it, for these
sentences and every other.
"""

from __future__ import annotations

from typing import Any

from ticket_schema.definition import Definition, fill
from ticket_schema.validator import Problem


def message_key(definition: Definition, field_id: str, code: str) -> str:
    """The key in `messages:` that words this problem for this field."""
    kind = _kind(definition, field_id)
    variant = f"{code}.{kind}"
    return variant if kind and variant in definition.messages else code


def explain(definition: Definition, problem: Problem, lang: str) -> str:
    """One problem as a sentence in `lang`."""
    return message(definition, problem.field, problem.code, lang, **problem.params)


def message(definition: Definition, field_id: str, code: str, lang: str, **params: Any) -> str:
    """The sentence for a problem code on a field, filled in for `lang`."""
    lang = resolve_language(definition, lang)
    params = {**field_params(definition, field_id, lang), **params}
    template = definition.messages[message_key(definition, field_id, code)]

    # The plural form is chosen by the number; the sentence shows it written out.
    count = params.get("min_length") if code == "too_short" else params.get("max_length")
    return fill(template, lang, count=count if _is_number(count) else None, **params)


def field_params(definition: Definition, field_id: str, lang: str) -> dict[str, Any]:
    """The placeholders a message about this field can use."""
    try:
        spec = definition.field(field_id)
    except KeyError:
        return {"field": field_id}
    params: dict[str, Any] = {"field": field_id, "label": spec.label[lang], "noun": spec.noun[lang]}
    if spec.min_length is not None:
        params["min_length"] = spec.min_length
    if spec.max_length is not None:
        params["max_length"] = spec.max_length
    return params


def resolve_language(definition: Definition, lang: str | None) -> str:
    """The definition's language closest to `lang` (`pt` finds `pt-BR`), else the default."""
    if lang:
        codes = definition.language_codes
        for code in codes:
            if code.lower() == lang.lower():
                return code
        base = lang.split("-")[0].lower()
        for code in codes:
            if code.split("-")[0].lower() == base:
                return code
    return definition.default_language


def problems_as_data(
    definition: Definition, problems: tuple[Problem, ...] | list[Problem], lang: str
) -> list[dict[str, Any]]:
    """Problems as JSON-ready objects with their message, as the CLI and the API send them."""
    return [
        {
            "field": p.field,
            "code": p.code,
            "params": dict(p.params),
            "message": explain(definition, p, lang),
        }
        for p in problems
    ]


def _is_number(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _kind(definition: Definition, field_id: str) -> str | None:
    try:
        return definition.field(field_id).kind
    except KeyError:
        return None
