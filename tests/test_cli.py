"""The `ticket-schema` command line: exit codes and what it prints."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ticket_schema.cli import main
from ticket_schema.definition import DEFAULT_PATH

VALID = {
    "type": "question",
    "severity": "general_guidance",
    "subject": "How do I purge the cache?",
    "description": "I would like to purge the cache of one file only.",
    "email": "maria@example.com",
    "language": "pt-BR",
}


def _write(tmp_path: Path, content: str, name: str = "ticket.json") -> str:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return str(path)


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


def test_validate_explains_problems_in_portuguese(tmp_path, capsys) -> None:
    ticket = {**VALID, "subject": "Oi", "email": "joao@"}

    assert main(["validate", "--lang", "pt-BR", _write(tmp_path, json.dumps(ticket))]) == 1

    assert capsys.readouterr().out.splitlines() == [
        "subject: Informe um assunto com pelo menos 5 caracteres",
        "email: Informe um endereço de e-mail no formato correto, como nome@exemplo.com",
    ]


def test_validate_json_output_lists_field_code_and_message(tmp_path, capsys) -> None:
    ticket = {**VALID, "severity": "urgent"}

    assert main(["validate", "--json", _write(tmp_path, json.dumps(ticket))]) == 1

    out = json.loads(capsys.readouterr().out)
    assert out == {
        "valid": False,
        "problems": [
            {
                "field": "severity",
                "code": "not_a_choice",
                "message": "Select a severity from the list",
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


def test_validate_refuses_a_missing_file_with_exit_2(tmp_path, capsys) -> None:
    assert main(["validate", str(tmp_path / "nowhere.json")]) == 2
    assert "cannot read" in capsys.readouterr().err


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
