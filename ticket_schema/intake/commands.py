"""The `serve` and `tickets` commands of `ticket-schema`.

`serve` runs the whole product; `tickets list`, `tickets show` and
`tickets set-status` are for support staff. They take the same
`--database` option and `TICKET_SCHEMA_DATABASE` variable, so the commands
always look at the tickets the service keeps. Heavy imports (the web stack)
wait until a command runs, so the other commands of `ticket-schema` stay quick.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ticket_schema.definition import Definition, load
from ticket_schema.intake.settings import (
    BUILD_CHOICES,
    DEFAULT_DATABASE,
    SettingsError,
    database_from_sources,
    definition_from_environment,
    from_sources,
)

EXIT_OK = 0
EXIT_REFUSED = 1
EXIT_UNUSABLE = 2


def add_commands(commands: argparse._SubParsersAction) -> None:
    """Add `serve` and `tickets` to the subcommands of the `ticket-schema` parser."""
    serve = commands.add_parser(
        "serve",
        help="build the site if needed, then serve it with the intake service",
        description=(
            "Serve the bilingual site, the ticket form and the intake API from one process. "
            "Each option can also be set by the environment variable named in its help; "
            "an option given here wins."
        ),
    )
    serve.add_argument(
        "--host", help="address to listen on (TICKET_SCHEMA_HOST; default: 127.0.0.1)"
    )
    serve.add_argument(
        "--port", type=int, help="port to listen on (TICKET_SCHEMA_PORT; default: 8000)"
    )
    _database_option(serve)
    serve.add_argument(
        "--site-dir",
        type=Path,
        metavar="DIR",
        help="the built site to serve (TICKET_SCHEMA_SITE_DIR; default: site)",
    )
    serve.add_argument(
        "--build",
        choices=BUILD_CHOICES,
        help="build the site: auto when it is missing or older than its sources, "
        "always, or never (TICKET_SCHEMA_BUILD; default: auto)",
    )
    serve.add_argument(
        "--rate-limit",
        metavar="RATE",
        help="ticket posts allowed per client, like 120/minute or 5/second, or off "
        "(TICKET_SCHEMA_RATE_LIMIT; default: 120/minute)",
    )
    serve.add_argument(
        "--allow-origin",
        action="append",
        dest="allowed_origins",
        metavar="ORIGIN",
        help="another site whose pages may post tickets, like https://www.example.com; "
        "repeat for several (TICKET_SCHEMA_ALLOWED_ORIGINS, comma-separated; "
        "the site's own origin is always allowed)",
    )
    serve.add_argument(
        "--trusted-proxy",
        action="append",
        dest="trusted_proxies",
        metavar="ADDRESS",
        help="a reverse proxy (IP address or network) whose X-Forwarded-For and "
        "X-Forwarded-Proto headers are believed; repeat for several "
        "(TICKET_SCHEMA_TRUSTED_PROXIES, comma-separated; default: none)",
    )
    serve.set_defaults(handler=_serve)

    tickets = commands.add_parser("tickets", help="list, show and update the tickets received")
    actions = tickets.add_subparsers(title="actions", metavar="ACTION", required=True)

    listing = actions.add_parser("list", help="list tickets, oldest first")
    _database_option(listing)
    listing.add_argument("--status", help="only the tickets with this status, like open")
    listing.add_argument("--json", action="store_true", help="print the tickets as JSON")
    listing.set_defaults(handler=_with_storage_errors(_list))

    show = actions.add_parser("show", help="show one ticket with everything the customer sent")
    _database_option(show)
    show.add_argument("number", help="the ticket number, like K7M4-QX9P")
    show.add_argument("--json", action="store_true", help="print the ticket as JSON")
    show.set_defaults(handler=_with_storage_errors(_show))

    set_status = actions.add_parser("set-status", help="change the status of a ticket")
    _database_option(set_status)
    set_status.add_argument("number", help="the ticket number, like K7M4-QX9P")
    set_status.add_argument("status", help="the new status, one of the definition's statuses")
    set_status.set_defaults(handler=_with_storage_errors(_set_status))


def _database_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database",
        type=Path,
        metavar="PATH",
        help=f"the SQLite file of tickets (TICKET_SCHEMA_DATABASE; default: {DEFAULT_DATABASE})",
    )


# ---- serve


def _serve(args: argparse.Namespace) -> int:
    from ticket_schema.intake.server import ServeError, serve
    from ticket_schema.intake.storage import StorageError

    try:
        settings = from_sources(vars(args), os.environ)
    except SettingsError as error:
        return _fail(str(error), EXIT_UNUSABLE)
    _log_requests()
    try:
        serve(settings)
    except (ServeError, StorageError) as error:
        return _fail(str(error), EXIT_REFUSED)
    except KeyboardInterrupt:
        pass
    return EXIT_OK


def _log_requests() -> None:
    # `ticket-schema` logs warnings only unless -v; the service's one line
    # per request and uvicorn's start-up lines are what its operator reads.
    for name in ("ticket_schema", "uvicorn.error"):
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() > logging.INFO:
            logger.setLevel(logging.INFO)


# ---- tickets


def _list(args: argparse.Namespace) -> int:
    definition = load(definition_from_environment(os.environ))
    if args.status is not None and args.status not in _status_ids(definition):
        return _fail(_unknown_status(definition, args.status), EXIT_REFUSED)
    storage = _open(args)
    try:
        tickets = storage.list_tickets(args.status)
    finally:
        storage.close()

    if args.json:
        print(json.dumps([_as_data(t) for t in tickets], ensure_ascii=False, indent=2))
        return EXIT_OK
    rows = [("NUMBER", "STATUS", "CREATED (UTC)", "LANGUAGE", "TYPE", "SEVERITY", "SUBJECT")]
    for ticket in tickets:
        rows.append(
            (
                ticket.number,
                ticket.status,
                ticket.created_at[:16].replace("T", " "),
                ticket.language,
                _printable(ticket.submission.get("type", "")),
                _printable(ticket.submission.get("severity", "")),
                _printable(ticket.subject),
            )
        )
    # Every column padded to its widest cell but the last, the free text.
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row[:-1], widths, strict=False)]
        print("  ".join([*cells, row[-1]]))
    return EXIT_OK


def _show(args: argparse.Namespace) -> int:
    definition = load(definition_from_environment(os.environ))
    storage = _open(args)
    try:
        ticket = storage.get_by_number(args.number)
    finally:
        storage.close()
    if ticket is None:
        return _fail(f"no ticket has the number {args.number!r}", EXIT_REFUSED)

    if args.json:
        print(json.dumps(_as_data(ticket), ensure_ascii=False, indent=2))
        return EXIT_OK
    lang = definition.default_language
    status = _status_name(definition, ticket.status, lang)
    lines = [
        ("number", ticket.number),
        ("status", f"{ticket.status} ({status})" if status else ticket.status),
        ("created", ticket.created_at),
        ("updated", ticket.updated_at),
        ("language", ticket.language),
        ("schema version", ticket.schema_version),
        ("status page", f"/tickets/status/{ticket.status_token}"),
    ]
    known = [f.id for f in definition.fields]
    for field_id in known + sorted(set(ticket.submission) - set(known)):
        if field_id in ticket.submission:
            lines.append((_label(definition, field_id, lang), str(ticket.submission[field_id])))
    width = max(len(name) for name, _ in lines)
    for name, value in lines:
        text = _printable(value, keep_newlines=True).replace("\n", "\n" + " " * (width + 2))
        print(f"{name.ljust(width)}  {text}")
    return EXIT_OK


def _set_status(args: argparse.Namespace) -> int:
    definition = load(definition_from_environment(os.environ))
    if args.status not in _status_ids(definition):
        return _fail(_unknown_status(definition, args.status), EXIT_REFUSED)
    storage = _open(args)
    try:
        before = storage.get_by_number(args.number)
        ticket = storage.set_status(args.number, args.status) if before else None
    finally:
        storage.close()
    if ticket is None:
        return _fail(f"no ticket has the number {args.number!r}", EXIT_REFUSED)
    print(f"{ticket.number}: {before.status} -> {ticket.status}")
    return EXIT_OK


def _with_storage_errors(handler: Callable[[argparse.Namespace], int]) -> Callable:
    """The handler, with a database that cannot be opened or read reported in one line."""

    def guarded(args: argparse.Namespace) -> int:
        from ticket_schema.intake.sqlite_storage import DatabaseRefused
        from ticket_schema.intake.storage import StorageError

        try:
            return handler(args)
        except DatabaseRefused as error:
            # Another program's file, or an older ticket database: the
            # message already says what to do about it.
            return _fail(str(error), EXIT_UNUSABLE)
        except StorageError as error:
            return _fail(
                f"{error} (start the service once, or give --database / TICKET_SCHEMA_DATABASE)",
                EXIT_UNUSABLE,
            )

    return guarded


def _open(args: argparse.Namespace) -> Any:
    from ticket_schema.intake.sqlite_storage import SqliteStorage

    return SqliteStorage(database_from_sources(args.database, os.environ), create=False)


def _status_ids(definition: Definition) -> list[str]:
    return [status.id for status in definition.statuses]


def _unknown_status(definition: Definition, status: str) -> str:
    return f"{status!r} is not a status of the definition; use one of: " + ", ".join(
        _status_ids(definition)
    )


def _status_name(definition: Definition, status_id: str, lang: str) -> str:
    for status in definition.statuses:
        if status.id == status_id:
            return status.name[lang]
    return ""


def _label(definition: Definition, field_id: str, lang: str) -> str:
    try:
        return definition.field(field_id).label[lang]
    except KeyError:
        return field_id


def _as_data(ticket: Any) -> dict[str, Any]:
    return {
        "number": ticket.number,
        "status": ticket.status,
        "created_at": ticket.created_at,
        "updated_at": ticket.updated_at,
        "language": ticket.language,
        "schema_version": ticket.schema_version,
        "status_path": f"/tickets/status/{ticket.status_token}",
        "submission": dict(ticket.submission),
        # Exactly as the customer sent it, before the validator cleaned it
        # (null for tickets stored before it was kept).
        "received": dict(ticket.received) if ticket.received is not None else None,
    }


def _printable(value: Any, *, keep_newlines: bool = False) -> str:
    """Text a customer wrote, made safe for a terminal: control characters shown, not obeyed."""
    text = value if isinstance(value, str) else str(value)
    return "".join(char if (keep_newlines and char == "\n") else _visible(char) for char in text)


def _visible(char: str) -> str:
    if unicodedata.category(char)[0] != "C":
        return char
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


def _fail(message: str, code: int) -> int:
    print(f"ticket-schema: {message}", file=sys.stderr)
    return code
