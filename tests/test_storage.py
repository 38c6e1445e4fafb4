"""The SQLite storage: migrations, durability settings, idempotency and lookups."""

from __future__ import annotations

import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from ticket_schema.intake import sqlite_storage, storage
from ticket_schema.intake.sqlite_storage import SqliteStorage, migrations, split_statements
from ticket_schema.intake.storage import (
    StorageError,
    canonical_number,
    is_status_token,
    new_number,
    new_status_token,
)

SUBMISSION = {
    "type": "question",
    "subject": "How do I purge the cache?",
    "email": "maria@example.com",
    "language": "en",
}


def make(db: SqliteStorage, key: str | None = None, **submission) -> tuple[storage.Ticket, bool]:
    return db.create_ticket(
        submission={**SUBMISSION, **submission},
        language="en",
        schema_version="abc123",
        status="open",
        idempotency_key=key,
    )


@pytest.fixture
def db(tmp_path: Path):
    opened = SqliteStorage(tmp_path / "tickets.sqlite3")
    yield opened
    opened.close()


def test_a_new_database_is_created_with_every_migration_applied(tmp_path: Path):
    path = tmp_path / "var" / "deeper" / "tickets.sqlite3"
    opened = SqliteStorage(path)
    try:
        assert path.is_file()
        assert opened.pragmas()["user_version"] == len(migrations()) >= 1
    finally:
        opened.close()


def test_the_database_runs_in_wal_mode_with_full_synchronous_writes(db: SqliteStorage):
    pragmas = db.pragmas()
    assert pragmas["journal_mode"] == "wal"
    assert pragmas["synchronous"] == 2  # FULL


def test_reopening_a_database_keeps_its_tickets_and_applies_nothing_twice(tmp_path: Path):
    path = tmp_path / "tickets.sqlite3"
    first = SqliteStorage(path)
    ticket, _ = make(first)
    first.close()

    again = SqliteStorage(path)
    try:
        assert again.get_by_number(ticket.number) == ticket
        assert again.pragmas()["user_version"] == len(migrations())
    finally:
        again.close()


def test_a_ticket_is_stored_with_everything_the_service_needs(db: SqliteStorage):
    ticket, created = make(db, key="form-1")

    assert created
    assert canonical_number(ticket.number) == ticket.number
    assert is_status_token(ticket.status_token)
    assert ticket.submission == SUBMISSION
    assert (ticket.language, ticket.schema_version, ticket.status) == ("en", "abc123", "open")
    assert ticket.created_at == ticket.updated_at
    assert ticket.created_at.endswith("+00:00")
    assert db.get_by_status_token(ticket.status_token) == ticket
    assert db.find_by_idempotency_key("form-1") == ticket


def test_ticket_text_is_kept_exactly_as_text(db: SqliteStorage):
    tricky = "<script>alert('x')</script> \"quoted\" ; DROP TABLE tickets; -- ção ✓ 🎫"
    ticket, _ = make(db, subject=tricky)

    assert db.get_by_number(ticket.number).subject == tricky
    with sqlite3.connect(db.path) as connection:
        stored = connection.execute("SELECT submission FROM tickets").fetchone()[0]
    assert tricky.replace('"', '\\"') in stored


def test_the_same_idempotency_key_returns_the_first_ticket(db: SqliteStorage):
    first, created_first = make(db, key="same")
    second, created_second = make(db, key="same", subject="Another subject entirely")

    assert (created_first, created_second) == (True, False)
    assert second == first
    assert len(db.list_tickets()) == 1


def test_tickets_without_a_key_are_all_new(db: SqliteStorage):
    numbers = {make(db)[0].number for _ in range(5)}

    assert len(numbers) == 5


def test_ten_threads_with_one_key_make_exactly_one_ticket(db: SqliteStorage):
    start = threading.Barrier(10)

    def post(_: int) -> str:
        start.wait()
        return make(db, key="at-once")[0].number

    with ThreadPoolExecutor(10) as pool:
        numbers = set(pool.map(post, range(10)))

    assert len(numbers) == 1
    assert len(db.list_tickets()) == 1


def test_two_connections_racing_with_one_key_make_exactly_one_ticket(tmp_path: Path):
    # Two storages on one file behave like two copies of the service.
    path = tmp_path / "tickets.sqlite3"
    copies = [SqliteStorage(path), SqliteStorage(path)]
    start = threading.Barrier(8)

    def post(index: int) -> str:
        start.wait()
        return make(copies[index % 2], key="shared")[0].number

    try:
        with ThreadPoolExecutor(8) as pool:
            numbers = set(pool.map(post, range(8)))
        assert len(numbers) == 1
        assert len(copies[0].list_tickets()) == 1
    finally:
        for copy in copies:
            copy.close()


def test_a_number_that_is_already_taken_is_drawn_again(db: SqliteStorage, monkeypatch):
    taken, _ = make(db)
    draws = iter([taken.number, taken.number, "ZZZZ-2222"])
    monkeypatch.setattr(sqlite_storage, "new_number", lambda: next(draws))

    ticket, created = make(db)

    assert created
    assert ticket.number == "ZZZZ-2222"
    assert len(db.list_tickets()) == 2


def test_numbers_are_found_however_a_person_types_them(db: SqliteStorage):
    ticket, _ = make(db)
    typed = ticket.number.lower().replace("-", " ")

    assert db.get_by_number(typed) == ticket
    assert db.get_by_number("not a number") is None
    assert db.get_by_status_token("../../etc/passwd") is None
    assert db.get_by_status_token(new_status_token()) is None


def test_setting_a_status_changes_it_and_the_update_time_only(db: SqliteStorage, monkeypatch):
    ticket, _ = make(db)
    monkeypatch.setattr(sqlite_storage, "utc_now", lambda: "2999-01-01T00:00:00+00:00")

    changed = db.set_status(ticket.number, "pending")

    assert changed.status == "pending"
    assert changed.updated_at == "2999-01-01T00:00:00+00:00"
    assert changed.created_at == ticket.created_at
    assert changed.submission == ticket.submission
    assert db.set_status("ZZZZ-ZZZZ", "pending") is None


def test_tickets_are_listed_oldest_first_and_filtered_by_status(db: SqliteStorage):
    first, _ = make(db, subject="first")
    second, _ = make(db, subject="second")
    third, _ = make(db, subject="third")
    db.set_status(second.number, "solved")

    assert [t.subject for t in db.list_tickets()] == ["first", "second", "third"]
    assert [t.number for t in db.list_tickets("open")] == [first.number, third.number]
    assert [t.number for t in db.list_tickets("solved")] == [second.number]
    assert db.list_tickets("closed") == []


def test_a_file_that_is_not_a_database_is_reported_as_a_storage_error(tmp_path: Path):
    path = tmp_path / "notes.sqlite3"
    path.write_text("these are not tickets\n" * 100)

    with pytest.raises(StorageError, match=r"notes\.sqlite3"):
        SqliteStorage(path)


def test_opening_a_missing_database_without_create_is_an_error(tmp_path: Path):
    with pytest.raises(StorageError, match="no ticket database"):
        SqliteStorage(tmp_path / "missing.sqlite3", create=False)
    assert not (tmp_path / "missing.sqlite3").exists()


def test_migrations_are_numbered_in_order_from_one():
    numbers = [number for number, _, _ in migrations()]

    assert numbers == list(range(1, len(numbers) + 1))


def test_a_migration_is_split_into_whole_statements():
    sql = """
    -- a comment; with a semicolon
    CREATE TABLE a (x TEXT DEFAULT 'one; two');
    CREATE TRIGGER t AFTER INSERT ON a BEGIN
        UPDATE a SET x = 'three;';
    END;
    """

    statements = split_statements(sql)

    assert len(statements) == 2
    assert statements[0].startswith("CREATE TABLE")
    assert statements[1].endswith("END;")


def test_ticket_numbers_are_easy_to_read_aloud():
    numbers = {new_number() for _ in range(500)}

    assert len(numbers) == 500
    for number in numbers:
        assert canonical_number(number) == number
        assert not set(number) & set("01ILOU")
