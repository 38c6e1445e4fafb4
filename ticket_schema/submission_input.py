"""Read a submission sent as JSON bytes, as the command line and the intake service both do.

Bytes are usable as a submission when they are UTF-8 (a leading byte order
mark is allowed and dropped), hold standard JSON (no `NaN` or `Infinity`,
no nesting deeper than the parser can follow), hold only text that can be
stored and printed (no lone surrogate, which JSON can spell as `"\\ud800"`),
and hold an object. Anything else is refused before any field is judged,
with a reason a person can act on.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

# Python refuses to turn longer runs of digits into a number (a guard
# against slow conversions); 3.10 before 3.10.7 has no limit.
_MAX_DIGITS = getattr(sys, "get_int_max_str_digits", lambda: 0)()

_SURROGATE = re.compile(r"[\ud800-\udfff]")

# Strings, which may hold anything, or one of the constants Python's parser
# accepts beyond the JSON standard.
_CONSTANT_OR_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|(-?Infinity|NaN)', re.DOTALL)


class UnusableSubmission(ValueError):
    """Bytes that cannot be read as a submission at all.

    `code` is the reason as data: `not_text` (not UTF-8, or a lone
    surrogate), `not_json` or `not_an_object`. `describe(name)` words it for
    the person who sent the bytes, on one line.
    """

    def __init__(
        self, code: str, reason: str, line: int | None = None, column: int | None = None
    ) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason
        self.line = line
        self.column = column

    def describe(self, name: str) -> str:
        """The reason on one line, after `name` (a file) and the place in it when known."""
        where = name if self.line is None else f"{name}:{self.line}:{self.column}"
        return f"{where}: {self.reason}"


def read_submission(data: bytes) -> dict[str, Any]:
    """The JSON object in `data`; raises UnusableSubmission saying why there is none."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        byte = error.object[error.start]
        raise UnusableSubmission(
            "not_text",
            f"not UTF-8 text: the byte 0x{byte:02x} at offset {error.start} "
            "is not part of a UTF-8 character",
        ) from None

    value = _parse(text)

    found = _first_lone_surrogate(value)
    if found:
        surrogate, where = found
        raise UnusableSubmission(
            "not_text",
            f"not valid text: it holds a lone surrogate {printable(surrogate)} "
            f"(half of a UTF-16 pair, no character on its own) {where}",
        )
    if not isinstance(value, dict):
        raise UnusableSubmission(
            "not_an_object", f"a submission must be a JSON object, not {json_type(value)}"
        )
    return value


def lone_surrogate(text: str) -> bool:
    """Whether `text` holds half of a UTF-16 pair, which UTF-8 cannot store."""
    return _SURROGATE.search(text) is not None


def printable(text: str) -> str:
    """`text` with each lone surrogate written out as an escape, such as `\\ud800`."""
    return _SURROGATE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


def json_type(value: Any) -> str:
    """What a JSON value is, in words: "an array", "a string", "null"..."""
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if value is None:
        return "null"
    return type(value).__name__


class _NotStandard(ValueError):
    """A value Python's parser reads but JSON does not have."""


def _parse(text: str) -> Any:
    try:
        return json.loads(text, parse_constant=_refuse_constant, parse_int=_integer)
    except json.JSONDecodeError as error:
        raise UnusableSubmission(
            "not_json", f"not valid JSON: {error.msg}", error.lineno, error.colno
        ) from None
    except RecursionError:
        raise UnusableSubmission(
            "not_json", "not usable JSON: its arrays and objects are nested too deeply to read"
        ) from None
    except _NotStandard as error:
        line, column = _place_of_constant(text)
        raise UnusableSubmission("not_json", f"not valid JSON: {error}", line, column) from None


def _refuse_constant(name: str) -> Any:
    raise _NotStandard(f"{name} is not a JSON value (JSON numbers are finite)")


def _integer(digits: str) -> int:
    if _MAX_DIGITS and len(digits.lstrip("-")) > _MAX_DIGITS:
        raise _NotStandard(f"a number of more than {_MAX_DIGITS} digits is too long to read")
    return int(digits)


def _place_of_constant(text: str) -> tuple[int | None, int | None]:
    # The parser does not say where it was; the first NaN or Infinity
    # outside a string is where, since everything before it parsed.
    for match in _CONSTANT_OR_STRING.finditer(text):
        if match.group(1):
            before = text[: match.start()]
            return before.count("\n") + 1, match.start() - (before.rfind("\n") + 1) + 1
    return None, None


def _first_lone_surrogate(value: Any) -> tuple[str, str] | None:
    """The first lone surrogate in a JSON value, and where it is in words."""
    # Walked without recursion: the value may nest as deeply as the parser allows.
    pending: list[tuple[Any, str]] = [(value, "")]
    while pending:
        item, where = pending.pop()
        if isinstance(item, str):
            found = _SURROGATE.search(item)
            if found:
                return found.group(), where or "in the text"
        elif isinstance(item, dict):
            # Pushed last to first, so that the first found is the first written.
            for key, inner in reversed(item.items()):
                # A place is named by the top-level field it is in.
                pending.append((inner, where or f"in the value of {_quoted(key)}"))
                pending.append((key, where or f"in the field name {_quoted(key)}"))
        elif isinstance(item, list):
            pending.extend((inner, where or "in the text") for inner in reversed(item))
    return None


def _quoted(key: str) -> str:
    return printable(json.dumps(key, ensure_ascii=False))
