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
# white space, and the invisible format characters (zero-width space and
# joiners, word joiner, direction marks, soft hyphen...) that make a value
# look blank or hide inside an address. Both sides trim these characters
# and refuse them in formats. Only characters of the Basic Multilingual
# Plane, since the browser compares them one UTF-16 unit at a time.
_SPACE_RANGES = (
    (0x0009, 0x000D),
    (0x001C, 0x0020),
    (0x0085, 0x0085),
    (0x00A0, 0x00A0),
    (0x00AD, 0x00AD),  # soft hyphen
    (0x061C, 0x061C),  # Arabic letter mark
    (0x1680, 0x1680),
    (0x180E, 0x180E),  # Mongolian vowel separator, once white space
    (0x2000, 0x200F),  # spaces, zero-width space and joiners, direction marks
    (0x2028, 0x202F),  # line and paragraph separators, direction embeddings
    (0x205F, 0x2064),  # medium mathematical space, word joiner, invisible operators
    (0x2066, 0x206F),  # direction isolates, deprecated format characters
    (0x3000, 0x3000),
    (0xFEFF, 0xFEFF),  # zero-width no-break space (byte order mark)
)
WHITESPACE = "".join(chr(code) for low, high in _SPACE_RANGES for code in range(low, high + 1))
# The same set as the inside of a regular-expression class.
SPACE_CLASS = "".join(
    rf"\u{low:04x}" if low == high else rf"\u{low:04x}-\u{high:04x}" for low, high in _SPACE_RANGES
)

# Formats of the kinds that have one. Each pattern is written in the common
# subset of ECMA-262 (with the "u" flag) and Python regular expressions, so
# the browser and the server read it the same way; a negated class stands
# in for Unicode properties, which Python's `re` lacks. Values are trimmed
# before they are checked.

# A character of an address's local part: a letter, a digit or one of
# !#$%&'*+/=?^_`{|}~- , or any character beyond ASCII that is not white
# space or a control (addresses may be international).
_LOCAL_CHAR = rf'[^\x00-\x20"(),.:;<>@\[\\\]\x7f-\x9f{SPACE_CLASS}]'
# A letter or digit of a domain or host name, beyond ASCII too
# (international names).
_LABEL_CHAR = rf"[^\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x9f{SPACE_CLASS}]"
# A letter of a top-level domain: the same without the digits.
_TLD_LETTER = rf"[^\x00-\x40\x5b-\x60\x7b-\x9f{SPACE_CLASS}]"
# One label of a name: hyphens only between its letters and digits.
_LABEL = rf"{_LABEL_CHAR}+(?:-+{_LABEL_CHAR}+)*"
# A port number from 0 to 65535.
_PORT = (
    r"(?:6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}"
    r"|[1-5][0-9]{4}|[0-9]{1,4})"
)

PATTERNS = {
    # A dot-atom local part (no quoted forms), an @, and a domain of labels
    # that neither start nor end with a hyphen; the last label is at least
    # two letters, or an international one in its xn-- form.
    "email": (
        rf"^{_LOCAL_CHAR}+(?:\.{_LOCAL_CHAR}+)*"
        rf"@(?:{_LABEL}\.)+(?:{_TLD_LETTER}{{2,}}|[Xx][Nn]--{_LABEL})$"
    ),
    # An absolute http or https address, its scheme in any case, with a
    # host name of the same labels as an address's domain (international
    # ones too, so the name may be written as the customer reads it), one
    # label enough (localhost), and an optional port.
    "url": (
        rf"^[Hh][Tt][Tt][Pp][Ss]?://{_LABEL}(?:\.{_LABEL})*(?::{_PORT})?"
        rf"(?:[/?#][^{SPACE_CLASS}]*)?$"
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
