"""`ticket-schema tickets ...`: what support staff see and change from the command line."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from intake_support import valid_ticket

from ticket_schema.cli import main
from ticket_schema.intake.sqlite_storage import SqliteStorage


@pytest.fixture
def database(tmp_path: Path, definition) -> Path:
    """A database with three tickets: two open, one pending."""
    path = tmp_path / "tickets.sqlite3"
    db = SqliteStorage(path)
    for lang, subject in (
        ("en", "Cache purge question"),
        ("pt-BR", "Site fora do ar"),
        ("en", "Dark mode idea"),
    ):
        db.create_ticket(
            submission=valid_ticket(definition, lang, subject=subject),
            language=lang,
            schema_version="v1",
            status="open",
        )
    db.set_status(db.list_tickets()[1].number, "pending")
    db.close()
    return path


def numbers(path: Path) -> list[str]:
    db = SqliteStorage(path, create=False)
    try:
        return [t.number for t in db.list_tickets()]
    finally:
        db.close()


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_list_shows_every_ticket_oldest_first(database, capsys):
    code, out, _ = run(capsys, "tickets", "list", "--database", str(database))

    lines = out.splitlines()
    assert code == 0
    assert lines[0].split() == [
        "NUMBER", "STATUS", "CREATED", "(UTC)", "LANGUAGE", "TYPE", "SEVERITY", "SUBJECT"
    ]  # fmt: skip
    assert [line.split()[0] for line in lines[1:]] == numbers(database)
    assert "Cache purge question" in lines[1]
    assert "pending" in lines[2] and "Site fora do ar" in lines[2]


def test_list_with_a_status_shows_only_those_tickets(database, capsys):
    code, out, _ = run(capsys, "tickets", "list", "--status", "open", "--database", str(database))

    assert code == 0
    assert "Cache purge question" in out
    assert "Dark mode idea" in out
    assert "Site fora do ar" not in out


def test_list_refuses_a_status_the_definition_does_not_have(database, capsys):
    code, _, err = run(capsys, "tickets", "list", "--status", "opened", "--database", str(database))

    assert code == 1
    assert "'opened' is not a status" in err
    assert "open, pending, solved, closed" in err


def test_list_as_json_gives_every_stored_detail(database, capsys):
    code, out, _ = run(capsys, "tickets", "list", "--json", "--database", str(database))

    listed = json.loads(out)
    assert code == 0
    assert [t["number"] for t in listed] == numbers(database)
    assert listed[1]["status"] == "pending"
    assert listed[1]["language"] == "pt-BR"
    assert listed[1]["submission"]["subject"] == "Site fora do ar"
    assert listed[1]["status_path"].startswith("/tickets/status/")


def test_show_prints_the_ticket_with_its_fields_by_label(database, capsys):
    number = numbers(database)[1]

    code, out, _ = run(capsys, "tickets", "show", number.lower(), "--database", str(database))

    assert code == 0
    assert out.splitlines()[0].split() == ["number", number]
    assert "pending (Pending)" in out
    assert "Subject" in out and "Site fora do ar" in out
    assert "Steps to reproduce" in out
    assert "/tickets/status/" in out


def test_show_an_unknown_number_is_refused(database, capsys):
    code, _, err = run(capsys, "tickets", "show", "ZZZZ-ZZZZ", "--database", str(database))

    assert code == 1
    assert "no ticket has the number 'ZZZZ-ZZZZ'" in err


def test_set_status_changes_the_status_and_the_update_time(database, capsys):
    number = numbers(database)[0]

    code, out, _ = run(
        capsys, "tickets", "set-status", number, "solved", "--database", str(database)
    )

    assert code == 0
    assert out.strip() == f"{number}: open -> solved"
    db = SqliteStorage(database, create=False)
    ticket = db.get_by_number(number)
    db.close()
    assert ticket.status == "solved"
    assert ticket.updated_at >= ticket.created_at


def test_set_status_refuses_a_status_the_definition_does_not_have(database, capsys):
    number = numbers(database)[0]

    code, _, err = run(
        capsys, "tickets", "set-status", number, "resolved", "--database", str(database)
    )

    assert code == 1
    assert "'resolved' is not a status of the definition" in err
    assert "open, pending, solved, closed" in err
    assert run(capsys, "tickets", "list", "--status", "open", "--database", str(database))[1]


def test_set_status_of_an_unknown_number_is_refused(database, capsys):
    code, _, err = run(
        capsys, "tickets", "set-status", "ZZZZ-ZZZZ", "closed", "--database", str(database)
    )

    assert code == 1
    assert "no ticket has the number" in err


def test_the_database_can_be_given_by_environment_variable(database, capsys, monkeypatch):
    monkeypatch.setenv("TICKET_SCHEMA_DATABASE", str(database))

    code, out, _ = run(capsys, "tickets", "list")

    assert code == 0
    assert "Dark mode idea" in out


def test_show_as_json_gives_the_ticket_as_cleaned_and_as_the_customer_sent_it(
    tmp_path, capsys, definition
):
    path = tmp_path / "tickets.sqlite3"
    sent = valid_ticket(definition, subject="  Cache purge question  ", url="")
    cleaned = {name: value.strip() for name, value in sent.items() if value.strip()}
    db = SqliteStorage(path)
    ticket, _ = db.create_ticket(
        submission=cleaned, language="en", schema_version="v1", status="open", received=sent
    )
    db.close()

    code, out, _ = run(capsys, "tickets", "show", ticket.number, "--json", "--database", str(path))

    shown = json.loads(out)
    assert code == 0
    assert shown["submission"]["subject"] == "Cache purge question"
    assert "url" not in shown["submission"]
    assert shown["received"] == sent


@pytest.mark.parametrize("action", [["list"], ["show", "ZZZZ-ZZZZ"], ["set-status", "X", "open"]])
def test_another_programs_database_is_refused_in_one_line_and_left_untouched(
    tmp_path, capsys, action
):
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE notes (text TEXT)")
    connection.close()
    before = other.read_bytes()

    code, _, err = run(capsys, "tickets", *action, "--database", str(other))

    assert code == 2
    assert err == f"ticket-schema: {other} is not a ticket database\n"
    assert other.read_bytes() == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["other.db"]


def test_a_missing_database_is_reported_and_not_created(tmp_path, capsys):
    missing = tmp_path / "nowhere.sqlite3"

    code, _, err = run(capsys, "tickets", "list", "--database", str(missing))

    assert code == 2
    assert f"there is no ticket database at {missing}" in err
    assert not missing.exists()


def test_control_characters_a_customer_typed_cannot_drive_the_terminal(
    tmp_path, capsys, definition
):
    path = tmp_path / "tickets.sqlite3"
    db = SqliteStorage(path)
    ticket, _ = db.create_ticket(
        submission=valid_ticket(definition, subject="Hello \x1b[2J\x1b]0;owned\x07 there"),
        language="en",
        schema_version="v1",
        status="open",
    )
    db.close()

    listed = run(capsys, "tickets", "list", "--database", str(path))[1]
    shown = run(capsys, "tickets", "show", ticket.number, "--database", str(path))[1]

    for out in (listed, shown):
        assert "\x1b" not in out and "\x07" not in out
        assert "Hello \\x1b[2J\\x1b]0;owned\\x07 there" in out


def test_the_installed_command_lists_tickets(database):
    result = subprocess.run(
        [sys.executable, "-m", "ticket_schema", "tickets", "list", "--database", str(database)],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert "Cache purge question" in result.stdout


def test_the_statuses_come_from_the_definition_the_site_is_built_from(
    database, capsys, monkeypatch, tmp_path
):
    source = Path(__file__).resolve().parent.parent / "ticket_schema" / "ticket.yaml"
    copy = tmp_path / "ticket.yaml"
    copy.write_text(
        source.read_text(encoding="utf-8").replace(
            "statuses:\n",
            "statuses:\n"
            "  - id: escalated\n"
            "    name: {en: Escalated, pt-BR: Escalado}\n"
            "    meaning:\n"
            "      en: A specialist is looking at the ticket.\n"
            "      pt-BR: Um especialista está analisando o ticket.\n",
            1,
        ),
        encoding="utf-8",
    )
    monkeypatch.setenv("TICKET_SCHEMA_DEFINITION", str(copy))
    number = numbers(database)[0]

    code, out, _ = run(
        capsys, "tickets", "set-status", number, "escalated", "--database", str(database)
    )

    assert code == 0
    assert out.strip() == f"{number}: open -> escalated"
