"""The storage interface of the intake service, and the parts every backend shares.

The service talks to storage only through `Storage`, so that SQLite (the
default, nothing to install) can be replaced by PostgreSQL or anything else
that keeps these promises:

- `create_ticket` returns only once the ticket is durable (its transaction
  has committed), and never makes two tickets for one idempotency key, even
  when the same key arrives from several requests, threads or processes at
  once;
- a key sent again with the same submission (by `submission_fingerprint`)
  gives back its first ticket; with a different one it raises
  `IdempotencyConflict` and stores nothing, so a reused key never hands
  out another customer's status link;
- the submission is kept twice: as the validator cleaned it (trimmed, line
  breaks unified, empty values dropped), which everything reads, and as
  the client sent it, so no text a customer typed is ever lost;
- ticket numbers and status tokens are unique, and a collision is retried
  inside the backend, never reported to the caller;
- a failure of the backend itself is raised as `StorageError`, so the
  service can answer "try again" without knowing which database it runs on.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Protocol

# Digits and capitals that cannot be mistaken for one another when read
# aloud or copied by hand: no 0/O, no 1/I/L, no U (heard as "you").
NUMBER_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
NUMBER_GROUPS = (4, 4)
STATUS_TOKEN_BYTES = 24

_NUMBER_SHAPE = re.compile(
    "^" + "-".join(f"[{NUMBER_ALPHABET}]{{{size}}}" for size in NUMBER_GROUPS) + "$"
)
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{16,128}$")


class StorageError(Exception):
    """The storage backend failed (disk full, database locked too long, file unreadable)."""


class IdempotencyConflict(Exception):
    """The idempotency key was already used for a different submission; nothing was stored."""


@dataclass(frozen=True)
class Ticket:
    """One stored ticket."""

    number: str
    status_token: str
    submission: Mapping[str, Any]
    language: str
    schema_version: str
    status: str
    created_at: str
    updated_at: str
    idempotency_key: str | None = None
    # The fields as the client sent them, before the validator cleaned them;
    # None for tickets stored before they were kept.
    received: Mapping[str, Any] | None = None

    @property
    def subject(self) -> str:
        value = self.submission.get("subject", "")
        return value if isinstance(value, str) else ""


class Storage(Protocol):
    """What the intake service and the `tickets` commands need from a database."""

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
        """Store a new ticket, or find the one already made with this idempotency key.

        `submission` is the validator's cleaned version, `received` the
        fields as the client sent them. Returns the ticket and whether it
        was created by this call, only after the ticket is durable. Raises
        IdempotencyConflict when the key was used for another submission.
        """
        ...

    def find_by_idempotency_key(self, key: str) -> Ticket | None:
        """The ticket made with this idempotency key, if any."""
        ...

    def get_by_number(self, number: str) -> Ticket | None:
        """The ticket with this number (in any case, with or without its dash), if any."""
        ...

    def get_by_status_token(self, token: str) -> Ticket | None:
        """The ticket whose private status link carries this token, if any."""
        ...

    def list_tickets(self, status: str | None = None) -> list[Ticket]:
        """Every ticket, oldest first; only those with `status` when given."""
        ...

    def set_status(self, number: str, status: str) -> Ticket | None:
        """Change a ticket's status and its update time; None when there is no such ticket."""
        ...

    def close(self) -> None:
        """Release the connection; the storage is not used afterwards."""
        ...


def submission_fingerprint(submission: Mapping[str, Any]) -> str:
    """A digest of a judged submission, kept with its idempotency key to recognise a resend.

    Taken from the cleaned submission, so a resend that differs only in
    white space the validator trims is still the same ticket.
    """
    text = json.dumps(submission, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def new_number() -> str:
    """A random ticket number such as `K7M4-QX9P`: easy to read aloud, not guessable in order."""
    groups = (
        "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(size)) for size in NUMBER_GROUPS
    )
    return "-".join(groups)


def new_status_token() -> str:
    """The secret part of a private status link."""
    return secrets.token_urlsafe(STATUS_TOKEN_BYTES)


def canonical_number(text: str) -> str | None:
    """A ticket number as typed by a person (`k7m4 qx9p`) in its stored form, or None."""
    compact = re.sub(r"[\s-]", "", text).upper()
    if len(compact) != sum(NUMBER_GROUPS):
        return None
    parts, start = [], 0
    for size in NUMBER_GROUPS:
        parts.append(compact[start : start + size])
        start += size
    number = "-".join(parts)
    return number if _NUMBER_SHAPE.match(number) else None


def is_status_token(text: str) -> bool:
    """Whether `text` has the shape of a status token (not whether one exists)."""
    return bool(_TOKEN_SHAPE.match(text))


def utc_now() -> str:
    """The current time as UTC ISO 8601 with seconds, as stored with tickets."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
