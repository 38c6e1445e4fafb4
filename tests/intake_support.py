"""Helpers for the intake service's tests: run the real service on 127.0.0.1, make tickets."""

from __future__ import annotations

import socket
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import uvicorn

from ticket_schema.definition import Definition
from ticket_schema.intake.app import create_app
from ticket_schema.intake.server import uvicorn_options
from ticket_schema.intake.settings import Settings
from ticket_schema.intake.storage import Storage


def free_port() -> int:
    """A port nothing listens on at the moment."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RunningService:
    """The intake service, with uvicorn, in a thread of the test process.

    Real HTTP on 127.0.0.1 from start to end: the same application, server
    and database code as `ticket-schema serve`, without the site build.
    """

    def __init__(self, settings: Settings, storage: Storage | None = None) -> None:
        self.settings = settings
        self.url = f"http://127.0.0.1:{settings.port}"
        self.database = settings.database
        config = uvicorn.Config(
            create_app(settings, storage=storage), lifespan="on", **uvicorn_options(settings)
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def __enter__(self) -> RunningService:
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the intake service did not start on {self.url}")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=15)

    def count_tickets(self) -> int:
        """How many tickets the database holds, read through a connection of its own."""
        return count_tickets(self.database)


def start_service(
    tmp_path: Path, site_dir: Path | None = None, storage: Storage | None = None, **settings: Any
) -> RunningService:
    """A RunningService on a free port with a fresh database under `tmp_path`."""
    values: dict[str, Any] = {
        "port": free_port(),
        "database": tmp_path / "tickets.sqlite3",
        "site_dir": site_dir if site_dir is not None else tmp_path / "no-site",
        "build": "never",
        "rate_limit": None,
    }
    values.update(settings)
    return RunningService(Settings(**values), storage)


def count_tickets(database: Path) -> int:
    """The number of tickets in a database file, read without the storage code."""
    with sqlite3.connect(database) as connection:
        return connection.execute("SELECT count(*) FROM tickets").fetchone()[0]


def valid_submissions(definition: Definition) -> list[dict[str, Any]]:
    """The definition's examples that must be accepted, one per language and type."""
    return [dict(e.submission) for e in definition.examples if not e.problems]


def valid_ticket(definition: Definition, lang: str = "en", **changes: Any) -> dict[str, Any]:
    """An acceptable ticket whose language for answers is `lang`, with `changes` applied."""
    examples = valid_submissions(definition)
    ticket = next((e for e in examples if e["language"] == lang), examples[0])
    return {**ticket, "language": lang, **changes}
