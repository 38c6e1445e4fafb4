"""Tickets in one SQLite file: the default storage, with nothing to install.

The file is opened in WAL mode with `synchronous=FULL`, so a committed
ticket survives the process being killed and the machine losing power, and
readers (the status page, `ticket-schema tickets list`) never wait for a
writer. The schema is created and upgraded by the numbered `.sql` files in
`migrations/`, applied in order; `PRAGMA user_version` records the last one
applied. Only the service (`create=True`) creates or upgrades a database;
the support commands open an existing one as it is, and leave any other
SQLite file untouched. This is the only module of the service that speaks SQL.
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ticket_schema.intake.storage import (
    IdempotencyConflict,
    StorageError,
    Ticket,
    canonical_number,
    is_status_token,
    new_number,
    new_status_token,
    submission_fingerprint,
    utc_now,
)

log = logging.getLogger("ticket_schema.intake.sqlite_storage")

# How long a writer waits for another process (a second copy of the service,
# or `tickets set-status`) to finish its transaction before giving up.
BUSY_TIMEOUT_MS = 10_000

# A fresh random number collides with an existing one about once in 6.5e11
# tickets; a handful of attempts is already far more than enough.
NUMBER_ATTEMPTS = 8

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
_COLUMNS = (
    "number, status_token, submission, language, schema_version, status, "
    "created_at, updated_at, idempotency_key, received"
)
_INSERTED = f"{_COLUMNS}, submission_fingerprint"
_INSERT = f"INSERT INTO tickets ({_INSERTED}) VALUES ({', '.join('?' * len(_INSERTED.split(',')))})"


class DatabaseRefused(StorageError):
    """The file was left as it was: it is not a ticket database this storage may open.

    The message says which file and what to do; nothing needs adding to it.
    """


class SqliteStorage:
    """The `Storage` interface on a SQLite file."""

    def __init__(self, path: Path | str, *, create: bool = True) -> None:
        """Open the ticket database at `path`; with `create`, make it or bring it up to date.

        Without `create` the file must already be a ticket database with
        every migration applied, and nothing in it is changed on opening.
        Raises StorageError when the file cannot be opened or does not
        exist, and DatabaseRefused when it is not (or not yet) a ticket
        database this code reads.
        """
        self.path = Path(path)
        if not create and not self.path.exists():
            raise StorageError(f"there is no ticket database at {self.path}")
        try:
            if create:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            # One connection, shared by the threads of the service and used
            # under a lock: SQLite lets one writer in at a time anyway, and a
            # lock queues writers in order instead of making them poll.
            self._connection = sqlite3.connect(
                _uri(self.path, create), uri=True, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as error:
            raise StorageError(f"cannot open the ticket database {self.path}: {error}") from None
        self._lock = threading.Lock()
        try:
            # Looked at before anything is written: another program's
            # database must not get a tickets table or a new journal mode.
            self._check_kind(create)
            self._configure(create)
            if create:
                self._migrate()
        except sqlite3.Error as error:
            self._connection.close()
            raise StorageError(f"cannot open the ticket database {self.path}: {error}") from None
        except BaseException:
            self._connection.close()
            raise

    # ---- the interface

    def create_ticket(
        self,
        *,
        submission: Mapping[str, Any],
        language: str,
        schema_version: str,
        status: str,
        idempotency_key: str | None = None,
        received: Mapping[str, Any] | None = None,
    ) -> tuple[Ticket, bool]:
        """Store a new ticket, or return the one already made with this idempotency key.

        Raises IdempotencyConflict, storing nothing, when the key was used
        for a different submission.
        """
        text = json.dumps(submission, ensure_ascii=False, sort_keys=True)
        # In the order the client sent the fields, too.
        received_text = json.dumps(received, ensure_ascii=False) if received is not None else None
        fingerprint = submission_fingerprint(submission) if idempotency_key is not None else None
        now = utc_now()
        for _ in range(NUMBER_ATTEMPTS):
            with self._transaction() as cursor:
                # The write lock is held from BEGIN IMMEDIATE, so no other
                # process can slip a ticket with the same key in between.
                if idempotency_key is not None:
                    existing = self._by_key(cursor, idempotency_key, fingerprint)
                    if existing is not None:
                        return existing, False
                ticket = Ticket(
                    number=new_number(),
                    status_token=new_status_token(),
                    submission=dict(submission),
                    language=language,
                    schema_version=schema_version,
                    status=status,
                    created_at=now,
                    updated_at=now,
                    idempotency_key=idempotency_key,
                    received=dict(received) if received is not None else None,
                )
                try:
                    cursor.execute(
                        _INSERT,
                        (
                            ticket.number,
                            ticket.status_token,
                            text,
                            language,
                            schema_version,
                            status,
                            now,
                            now,
                            idempotency_key,
                            received_text,
                            fingerprint,
                        ),
                    )
                except sqlite3.IntegrityError as error:
                    if "idempotency_key" in str(error) and idempotency_key is not None:
                        existing = self._by_key(cursor, idempotency_key, fingerprint)
                        if existing is not None:
                            return existing, False
                    log.debug("ticket number or token collided; drawing another")
                    continue
            # Leaving the `with` block committed the transaction: only now is
            # the ticket acknowledged.
            return ticket, True
        raise StorageError(f"could not draw a free ticket number in {NUMBER_ATTEMPTS} attempts")

    def find_by_idempotency_key(self, key: str) -> Ticket | None:
        """The ticket made with this idempotency key, if any."""
        return self._read_one("WHERE idempotency_key = ?", (key,))

    def get_by_number(self, number: str) -> Ticket | None:
        """The ticket with this number, written in any case, with or without its dash."""
        canonical = canonical_number(number)
        if canonical is None:
            return None
        return self._read_one("WHERE number = ?", (canonical,))

    def get_by_status_token(self, token: str) -> Ticket | None:
        """The ticket whose status link carries this token, if any."""
        if not is_status_token(token):
            return None
        return self._read_one("WHERE status_token = ?", (token,))

    def list_tickets(self, status: str | None = None) -> list[Ticket]:
        """Every ticket, oldest first; only those with `status` when given."""
        where, params = ("WHERE status = ?", (status,)) if status is not None else ("", ())
        with self._reading() as cursor:
            rows = cursor.execute(
                f"SELECT {_COLUMNS} FROM tickets {where} ORDER BY id", params
            ).fetchall()
        return [_ticket(row) for row in rows]

    def set_status(self, number: str, status: str) -> Ticket | None:
        """Change a ticket's status and update time; None when there is no such ticket."""
        canonical = canonical_number(number)
        if canonical is None:
            return None
        with self._transaction() as cursor:
            cursor.execute(
                "UPDATE tickets SET status = ?, updated_at = ? WHERE number = ?",
                (status, utc_now(), canonical),
            )
            if cursor.rowcount == 0:
                return None
            return self._one(cursor, "WHERE number = ?", (canonical,))

    def close(self) -> None:
        """Close the connection; SQLite folds the write-ahead log back into the file."""
        with self._lock:
            self._connection.close()

    def integrity_check(self) -> str:
        """SQLite's own verdict on the file: `ok` when nothing is damaged."""
        with self._reading() as cursor:
            return "\n".join(row[0] for row in cursor.execute("PRAGMA integrity_check"))

    def pragmas(self) -> dict[str, Any]:
        """What the connection runs with: journal mode, synchronous level, last migration."""
        with self._reading() as cursor:
            return {
                name: cursor.execute(f"PRAGMA {name}").fetchone()[0]
                for name in ("journal_mode", "synchronous", "user_version")
            }

    # ---- connection, transactions, migrations

    def _check_kind(self, create: bool) -> None:
        # Only reads: nothing here writes to the file, whatever it turns out to be.
        connection = self._connection
        try:
            level = connection.execute("PRAGMA user_version").fetchone()[0]
            objects = connection.execute("SELECT name FROM sqlite_master").fetchall()
        except sqlite3.DatabaseError:
            raise DatabaseRefused(f"{self.path} is not a ticket database") from None
        latest = len(migrations())
        if level >= 1 and ("tickets",) in objects:
            if not create and level < latest:
                raise DatabaseRefused(
                    f"{self.path} is a ticket database of an older version (migration "
                    f"{level} of {latest}); start the service once to bring it up to date"
                )
        elif not (create and level == 0 and not objects):
            # A database of another program, or (for the commands) one the
            # service has not set up yet.
            raise DatabaseRefused(f"{self.path} is not a ticket database")

    def _configure(self, create: bool) -> None:
        connection = self._connection
        connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        # The journal mode is kept in the file itself: only the service,
        # which owns the database, sets it.
        if create:
            mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode.lower() != "wal":
                raise StorageError(
                    f"{self.path}: the database cannot use WAL mode (it is in {mode})"
                )
        connection.execute("PRAGMA synchronous = FULL")
        connection.execute("PRAGMA foreign_keys = ON")

    def _migrate(self) -> None:
        for number, name, sql in migrations():
            with self._transaction() as cursor:
                # Checked again under the write lock: another process may
                # have applied this migration while we were starting.
                current = cursor.execute("PRAGMA user_version").fetchone()[0]
                if current >= number:
                    continue
                for statement in split_statements(sql):
                    cursor.execute(statement)
                cursor.execute(f"PRAGMA user_version = {number:d}")
                log.info("%s: applied migration %s", self.path, name)

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Cursor]:
        with self._lock:
            cursor = self._connection.cursor()
            try:
                cursor.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as error:
                raise StorageError(f"{self.path}: cannot start a transaction: {error}") from None
            try:
                yield cursor
            except sqlite3.Error as error:
                self._connection.rollback()
                raise StorageError(f"{self.path}: the transaction failed: {error}") from None
            except BaseException:
                self._connection.rollback()
                raise
            try:
                cursor.execute("COMMIT")
            except sqlite3.Error as error:
                self._connection.rollback()
                raise StorageError(
                    f"{self.path}: the transaction did not commit: {error}"
                ) from None
            finally:
                cursor.close()

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Cursor]:
        with self._lock:
            cursor = self._connection.cursor()
            try:
                yield cursor
            except sqlite3.Error as error:
                raise StorageError(f"{self.path}: cannot read tickets: {error}") from None
            finally:
                cursor.close()

    def _read_one(self, where: str, params: tuple) -> Ticket | None:
        with self._reading() as cursor:
            return self._one(cursor, where, params)

    @staticmethod
    def _one(cursor: sqlite3.Cursor, where: str, params: tuple) -> Ticket | None:
        row = cursor.execute(f"SELECT {_COLUMNS} FROM tickets {where}", params).fetchone()
        return _ticket(row) if row is not None else None

    @staticmethod
    def _by_key(cursor: sqlite3.Cursor, key: str, fingerprint: str | None) -> Ticket | None:
        row = cursor.execute(
            f"SELECT submission_fingerprint, {_COLUMNS} FROM tickets WHERE idempotency_key = ?",
            (key,),
        ).fetchone()
        if row is None:
            return None
        # A ticket stored before fingerprints were kept has none to compare:
        # its key answers as it always did.
        if row[0] is not None and row[0] != fingerprint:
            raise IdempotencyConflict(key)
        return _ticket(row[1:])


def migrations() -> list[tuple[int, str, str]]:
    """The migrations shipped with the package, as (number, file name, SQL), in order."""
    found = []
    folder = resources.files("ticket_schema.intake").joinpath("migrations")
    for entry in folder.iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    numbers = [number for number, _, _ in found]
    if numbers != list(range(1, len(numbers) + 1)):
        raise StorageError(
            f"the migrations must be numbered 0001, 0002, ... without gaps: {numbers}"
        )
    return found


def split_statements(sql: str) -> list[str]:
    """Split a migration into statements, so all of them run inside one transaction.

    `executescript` would commit first; splitting where SQLite itself says a
    statement is complete keeps semicolons inside triggers or strings intact.
    """
    statements, buffer = [], ""
    for line in sql.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            statement = _without_comments(buffer).strip()
            if statement:
                statements.append(statement)
            buffer = ""
    if _without_comments(buffer).strip():
        raise StorageError(f"a migration ends with an unfinished statement: {buffer.strip()[:60]}")
    return statements


def _uri(path: Path, create: bool) -> str:
    # `mode=rw` opens only a file that is already there: the commands never
    # leave an empty database behind where there was none.
    return f"file:{quote(str(path))}?mode={'rwc' if create else 'rw'}"


def _without_comments(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))


def _ticket(row: tuple) -> Ticket:
    number, token, submission, language, version, status, created, updated, key, received = row
    return Ticket(
        number=number,
        status_token=token,
        submission=json.loads(submission),
        language=language,
        schema_version=version,
        status=status,
        created_at=created,
        updated_at=updated,
        idempotency_key=key,
        received=json.loads(received) if received is not None else None,
    )
