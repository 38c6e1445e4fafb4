"""The SQLite storage: migrations, durability settings, idempotency and lookups."""

from __future__ import annotations

import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from ticket_schema.intake import sqlite_storage, storage
from ticket_schema.intake.sqlite_storage import (
    DatabaseRefused,
    SqliteStorage,
    migrations,
    split_statements,
)
from ticket_schema.intake.storage import (
    IdempotencyConflict,
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


def test_the_same_idempotency_key_with_the_same_submission_returns_the_first_ticket(
    db: SqliteStorage,
):
    first, created_first = make(db, key="same")
    second, created_second = make(db, key="same")

    assert (created_first, created_second) == (True, False)
    assert second == first
    assert len(db.list_tickets()) == 1


def test_the_same_idempotency_key_with_another_submission_is_a_conflict_that_stores_nothing(
    db: SqliteStorage,
):
    first, _ = make(db, key="same")

    with pytest.raises(IdempotencyConflict):
        make(db, key="same", subject="Another subject entirely")

    assert db.list_tickets() == [first]


def test_one_key_raced_with_two_submissions_makes_one_ticket_and_conflicts_for_the_other(
    db: SqliteStorage,
):
    start = threading.Barrier(10)

    def post(index: int) -> str:
        subject = "First version" if index % 2 else "Second version"
        start.wait()
        try:
            return make(db, key="raced", subject=subject)[0].subject
        except IdempotencyConflict:
            return f"conflict with {subject}"

    with ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(post, range(10)))

    (ticket,) = db.list_tickets()
    loser = "Second version" if ticket.subject == "First version" else "First version"
    assert sorted(set(answers)) == sorted({ticket.subject, f"conflict with {loser}"})
    assert answers.count(ticket.subject) == 5


def test_the_submission_is_kept_as_received_beside_the_cleaned_one(db: SqliteStorage):
    received = {**SUBMISSION, "subject": "  How do I purge the cache?\r\n", "url": ""}

    ticket, _ = db.create_ticket(
        submission=SUBMISSION,
        language="en",
        schema_version="abc123",
        status="open",
        received=received,
    )

    again = db.get_by_number(ticket.number)
    assert again.submission == SUBMISSION
    assert again.received == received


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

    with pytest.raises(StorageError, match=r"notes\.sqlite3 is not a ticket database"):
        SqliteStorage(path)


def another_programs_database(path: Path) -> bytes:
    """A SQLite file of some other program, in the default journal mode; returns its bytes."""
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE notes (text TEXT)")
        connection.execute("INSERT INTO notes VALUES ('not a ticket')")
    connection.close()
    return path.read_bytes()


@pytest.mark.parametrize("create", [False, True])
def test_another_programs_database_is_refused_and_left_exactly_as_it_was(
    tmp_path: Path, create: bool
):
    path = tmp_path / "other.db"
    before = another_programs_database(path)

    with pytest.raises(DatabaseRefused, match=r"other\.db is not a ticket database"):
        SqliteStorage(path, create=create)

    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.db"]


def test_an_empty_file_is_not_a_ticket_database_for_the_commands(tmp_path: Path):
    path = tmp_path / "empty.sqlite3"
    path.touch()

    with pytest.raises(DatabaseRefused, match="is not a ticket database"):
        SqliteStorage(path, create=False)

    assert path.read_bytes() == b""


def first_version_database(path: Path) -> None:
    """A ticket database as the first migration made it, with one ticket sent with a key."""
    _, _, sql = migrations()[0]
    with sqlite3.connect(path) as connection:
        for statement in split_statements(sql):
            connection.execute(statement)
        connection.execute(
            "INSERT INTO tickets (number, status_token, idempotency_key, submission, language, "
            "schema_version, status, created_at, updated_at) "
            "VALUES ('ABCD-EFGH', ?, 'old-key', ?, 'en', 'v0', 'open', 'then', 'then')",
            (new_status_token(), '{"subject": "An old ticket"}'),
        )
        connection.execute("PRAGMA user_version = 1")
    connection.close()


def test_an_older_ticket_database_is_not_upgraded_by_the_commands(tmp_path: Path):
    path = tmp_path / "tickets.sqlite3"
    first_version_database(path)
    before = path.read_bytes()

    with pytest.raises(DatabaseRefused, match=r"older version .* start the service once"):
        SqliteStorage(path, create=False)

    assert path.read_bytes() == before


def test_the_service_upgrades_an_older_ticket_database_and_keeps_its_tickets(tmp_path: Path):
    path = tmp_path / "tickets.sqlite3"
    first_version_database(path)

    upgraded = SqliteStorage(path)
    try:
        old = upgraded.get_by_number("ABCD-EFGH")
        # A key stored before fingerprints were kept answers as it always did.
        replayed, created = make(upgraded, key="old-key", subject="Whatever is sent now")
        assert upgraded.pragmas()["user_version"] == len(migrations())
        assert old.subject == "An old ticket"
        assert old.received is None
        assert (replayed, created) == (old, False)
    finally:
        upgraded.close()


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
