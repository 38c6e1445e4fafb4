"""The `ticket-schema` command line: exit codes and what it prints."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from ticket_schema.cli import main
from ticket_schema.definition import DEFAULT_PATH
from ticket_schema.messages import message

VALID = {
    "type": "question",
    "severity": "general_guidance",
    "subject": "How do I purge the cache?",
    "description": "I would like to purge the cache of one file only.",
    "email": "maria@example.com",
    "language": "pt-BR",
}


def _write(tmp_path: Path, content: str | bytes, name: str = "ticket.json") -> str:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return str(path)


def _one_printable_line(err: str) -> str:
    """The only line of an error, which any UTF-8 terminal can show."""
    assert "Traceback" not in err
    (line,) = err.strip().splitlines()
    line.encode("utf-8")
    return line


def test_check_accepts_the_packaged_definition(capsys) -> None:
    assert main(["check"]) == 0
    assert "ok (2 languages, 5 severities" in capsys.readouterr().out


def test_check_reports_every_problem_of_a_broken_definition(tmp_path, capsys) -> None:
    source = DEFAULT_PATH.read_text(encoding="utf-8")
    broken = source.replace("      equals: problem\n", "      equals: issue\n").replace(
        "  - group: environment\n", "  - group: surroundings\n"
    )
    path = _write(tmp_path, broken, "ticket.yaml")

    assert main(["check", "--definition", path]) == 1

    err = capsys.readouterr().err
    assert f"{path}:" in err
    assert "rules[0].when.equals: 'issue' is not a value of 'type'" in err
    assert "checklist[2].group: no group has the id 'surroundings'" in err


def test_schema_prints_the_submission_schema(capsys) -> None:
    assert main(["schema"]) == 0

    schema = json.loads(capsys.readouterr().out)
    assert schema["$id"].startswith("urn:ticket-schema:submission:")
    assert "severity" in schema["properties"]


def test_validate_accepts_a_good_ticket(tmp_path, capsys) -> None:
    assert main(["validate", _write(tmp_path, json.dumps(VALID))]) == 0
    assert capsys.readouterr().out.strip() == "The ticket is valid."


def test_validate_explains_problems_in_portuguese(tmp_path, capsys, definition) -> None:
    ticket = {**VALID, "subject": "Oi", "email": "joao@"}

    assert main(["validate", "--lang", "pt-BR", _write(tmp_path, json.dumps(ticket))]) == 1

    assert capsys.readouterr().out.splitlines() == [
        "subject: Informe um assunto com pelo menos 5 caracteres",
        "email: " + message(definition, "email", "bad_email", "pt-BR"),
    ]


def test_validate_json_output_lists_field_code_and_message(tmp_path, capsys, definition) -> None:
    ticket = {**VALID, "severity": "urgent"}

    assert main(["validate", "--json", _write(tmp_path, json.dumps(ticket))]) == 1

    out = json.loads(capsys.readouterr().out)
    assert out == {
        "valid": False,
        "problems": [
            {
                "field": "severity",
                "code": "not_a_choice",
                "message": message(definition, "severity", "not_a_choice", "en"),
            }
        ],
    }


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "must be a JSON object, not an array"),
        ('"ticket"', "must be a JSON object, not a string"),
    ],
)
def test_validate_refuses_unusable_input_with_exit_2(tmp_path, capsys, content, says) -> None:
    assert main(["validate", _write(tmp_path, content)]) == 2

    captured = capsys.readouterr()
    assert says in captured.err
    assert "Traceback" not in captured.err
    assert len(captured.err.strip().splitlines()) == 1


UNUSABLE = [
    ("[" * 100_000, "ticket.json: not usable JSON: its arrays and objects are nested too deeply"),
    ('{"\\ud800": 1}', "ticket.json: not valid text: it holds a lone surrogate \\ud800"),
    ('{"subject": "Cache \\udfff"}', "it holds a lone surrogate \\udfff (half of a UTF-16 pair"),
    (
        '{"subject": "\\ud800"}',
        "surrogate \\ud800 (half of a UTF-16 pair, no character on its own) in",
    ),
    ('{"type": NaN}', "ticket.json:1:10: not valid JSON: NaN is not a JSON value"),
    ('{"type": "NaN",\n "severity": -Infinity}', "ticket.json:2:14: not valid JSON: -Infinity"),
    ('{"subject": Infinity}', "not valid JSON: Infinity is not a JSON value"),
    ('{"subject": ' + "9" * 5000 + "}", "not valid JSON: a number of more than"),
    (b"\xff{}", "ticket.json: not UTF-8 text: the byte 0xff at offset 0"),
    ("", "ticket.json:1:1: not valid JSON: Expecting value"),
]


@pytest.mark.parametrize(("content", "says"), UNUSABLE)
def test_validate_refuses_input_it_cannot_use_in_one_line(tmp_path, capsys, content, says) -> None:
    assert main(["validate", _write(tmp_path, content)]) == 2

    line = _one_printable_line(capsys.readouterr().err)
    assert line.startswith("ticket-schema: ")
    assert says in line


def test_validate_accepts_a_file_that_starts_with_a_byte_order_mark(tmp_path, capsys) -> None:
    content = "\ufeff" + json.dumps(VALID)

    assert main(["validate", _write(tmp_path, content.encode("utf-8"))]) == 0

    captured = capsys.readouterr()
    assert captured.out.strip() == "The ticket is valid."
    assert not captured.err


@pytest.mark.parametrize(
    ("data", "code", "says"),
    [
        (b"\xef\xbb\xbf" + json.dumps(VALID).encode(), 0, ""),
        (b'{"subject": "caf\xe9"}', 2, "<stdin>: not UTF-8 text: the byte 0xe9 at offset 16"),
        (b'{"subject": "\\ud800"}', 2, "<stdin>: not valid text: it holds a lone surrogate"),
        (b"[1]", 2, "<stdin>: a submission must be a JSON object, not an array"),
    ],
)
def test_validate_reads_standard_input_as_it_reads_a_file(
    monkeypatch, capsys, data, code, says
) -> None:
    # Read as text, this standard input would turn any byte into a character.
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="latin-1"))

    assert main(["validate", "-"]) == code

    err = capsys.readouterr().err
    if says:
        assert says in _one_printable_line(err)
    else:
        assert not err


def test_validate_refuses_a_missing_file_with_exit_2(tmp_path, capsys) -> None:
    missing = tmp_path / "nowhere.json"

    assert main(["validate", str(missing)]) == 2

    line = _one_printable_line(capsys.readouterr().err)
    assert line == f"ticket-schema: cannot read {missing}: No such file or directory"


@pytest.mark.parametrize("command", ["check", "schema", "validate"])
def test_a_definition_that_cannot_be_read_is_refused_in_one_line(tmp_path, capsys, command) -> None:
    arguments = [command, "--definition", str(tmp_path)]
    if command == "validate":
        arguments.append(_write(tmp_path, json.dumps(VALID)))

    assert main(arguments) == 2

    line = _one_printable_line(capsys.readouterr().err)
    assert line == f"ticket-schema: cannot read the definition {tmp_path}: Is a directory"


def test_validate_refuses_an_unknown_language(tmp_path, capsys) -> None:
    assert main(["validate", "--lang", "fr", _write(tmp_path, json.dumps(VALID))]) == 2
    assert "unknown language 'fr'" in capsys.readouterr().err


def test_validate_reads_standard_input_through_python_dash_m() -> None:
    ticket = {**VALID, "subject": ""}

    result = subprocess.run(
        [sys.executable, "-m", "ticket_schema", "validate", "--lang", "pt-BR", "-"],
        input=json.dumps(ticket),
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 1
    assert result.stdout.strip() == "subject: Informe um assunto"
