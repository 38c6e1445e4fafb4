"""Generate the JSON Schema (draft 2020-12) of a ticket submission.

The schema is the contract between the form, the validator and anyone who
sends tickets by script. Its `$id` carries a version computed from the
rules it contains, so any change to a rule (a length, a choice, a
conditional requirement) gives a new version while a reworded label does
not.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from ticket_schema.definition import Definition, Field

DIALECT = "https://json-schema.org/draft/2020-12/schema"

# What counts as white space: the union of what Python and JavaScript call
# white space, spelled out so that both sides trim and match the same way.
SPACE_CLASS = (
    r"\t\n\v\f\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a"
    r"\u2028\u2029\u202f\u205f\u3000\ufeff"
)
WHITESPACE = (
    "\t\n\v\f\r \x1c\x1d\x1e\x1f\x85\xa0\u1680"
    + "".join(chr(code) for code in range(0x2000, 0x200B))
    + "\u2028\u2029\u202f\u205f\u3000\ufeff"
)

# Formats of the kinds that have one. Each pattern is written in the common
# subset of ECMA-262 and Python regular expressions, so the browser and the
# server read it the same way. Values are trimmed before they are checked.
PATTERNS = {
    # Something, an @, and a domain with at least one dot; no spaces.
    "email": rf"^[^@{SPACE_CLASS}]+@[^@.{SPACE_CLASS}]+(\.[^@.{SPACE_CLASS}]+)+$",
    # An absolute http or https address with a host name.
    "url": (
        r"^https?://[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?"
        r"(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*(:[0-9]{1,5})?"
        rf"([/?#][^{SPACE_CLASS}]*)?$"
    ),
    # 8-4-4-4-12 hexadecimal digits.
    "uuid": r"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$",
}
FORMATS = {"email": "email", "url": "uri", "uuid": "uuid"}

# Free text must hold something other than white space.
NOT_BLANK = rf"[^{SPACE_CLASS}]"

# Keywords that describe rather than constrain; left out of the version.
_ANNOTATIONS = {"$id", "$comment", "title", "description", "examples"}


def submission_schema(definition: Definition) -> dict[str, Any]:
    """The JSON Schema a submission must satisfy, with its versioned `$id`."""
    lang = definition.default_language
    schema: dict[str, Any] = {
        "$schema": DIALECT,
        "title": "Support ticket submission",
        "description": (
            "A support ticket as sent by the form or a script. Values are trimmed "
            "of white space before they are checked, and a value that is only "
            "white space (or null) counts as missing."
        ),
        "type": "object",
        "additionalProperties": False,
        "required": [f.id for f in definition.fields if f.required],
        "properties": {f.id: _property(f, lang) for f in definition.fields},
    }
    if definition.rules:
        schema["allOf"] = [
            {
                "$comment": f"rule {rule.id}",
                "if": {
                    "properties": {rule.when_field: {"const": rule.equals}},
                    "required": [rule.when_field],
                },
                "then": {"required": list(rule.require)},
            }
            for rule in definition.rules
        ]
    return {"$id": schema_id(schema_version(schema)), **schema}


def schema_version(schema: dict[str, Any]) -> str:
    """A short fingerprint of the rules in a schema, ignoring annotations."""
    rules = _strip_annotations(schema)
    canonical = json.dumps(rules, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:12]


def schema_id(version: str) -> str:
    """The `$id` of the schema of a given version."""
    return f"urn:ticket-schema:submission:{version}"


def version_of(schema: dict[str, Any]) -> str:
    """The version carried in a generated schema's `$id`."""
    return schema["$id"].rsplit(":", 1)[-1]


def _property(field: Field, lang: str) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "title": field.label[lang],
        "description": field.hint[lang],
        "type": "string",
    }
    if field.kind == "choice":
        spec["enum"] = list(field.choice_ids)
        return spec
    if field.min_length is not None:
        spec["minLength"] = field.min_length
    if field.max_length is not None:
        spec["maxLength"] = field.max_length
    if field.kind in PATTERNS:
        spec["format"] = FORMATS[field.kind]
        spec["pattern"] = PATTERNS[field.kind]
    else:
        spec["pattern"] = NOT_BLANK
    return spec


def _strip_annotations(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            key: _strip_annotations(value)
            for key, value in node.items()
            if key not in _ANNOTATIONS or not isinstance(value, str)
        }
    if isinstance(node, list):
        return [_strip_annotations(item) for item in node]
    return node
