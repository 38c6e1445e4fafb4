"""Kill the service with SIGKILL while clients keep posting: no acknowledged ticket is lost."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest
from intake_support import free_port, valid_ticket

pytestmark = pytest.mark.http

KILLS = 4
CLIENTS = 3


class Service:
    """`python -m ticket_schema serve` in a process of its own, to be killed and restarted."""

    def __init__(self, port: int, database: Path, log: Path) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.command = [
            sys.executable,
            "-m",
            "ticket_schema",
            "serve",
            "--port",
            str(port),
            "--database",
            str(database),
            "--site-dir",
            str(database.parent / "no-site"),
            "--build",
            "never",
            "--rate-limit",
            "off",
        ]
        self.log = log
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(self.command, stdout=log, stderr=log)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the service exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.url}/api/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.05)
        raise RuntimeError("the service did not start within 20 seconds")

    def kill(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


def test_every_acknowledged_ticket_survives_repeated_sigkill_exactly_once(tmp_path, definition):
    database = tmp_path / "tickets.sqlite3"
    service = Service(free_port(), database, tmp_path / "service.log")
    service.start()

    acknowledged: dict[str, str] = {}  # subject -> number
    unexpected: list[str] = []
    failures = 0
    lock = threading.Lock()
    stop = threading.Event()

    def client(index: int) -> None:
        # Each ticket keeps its idempotency key through every retry, the way
        # the form's script retries after a network error.
        nonlocal failures
        with httpx.Client(base_url=service.url, timeout=5) as http:
            sequence = 0
            while not stop.is_set():
                sequence += 1
                subject = f"Crash test {index}-{sequence}"
                ticket = valid_ticket(definition, "en", subject=subject)
                key = str(uuid.uuid4())
                while not stop.is_set():
                    try:
                        response = http.post(
                            "/api/tickets", json=ticket, headers={"Idempotency-Key": key}
                        )
                    except httpx.TransportError:
                        with lock:
                            failures += 1
                        time.sleep(0.02)
                        continue
                    with lock:
                        if response.status_code == 201:
                            acknowledged[subject] = response.json()["number"]
                        else:
                            unexpected.append(f"{response.status_code} {response.text}")
                    break

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    try:
        for _ in range(KILLS):
            time.sleep(random.uniform(0.8, 2.0))
            service.kill()
            service.start()
        time.sleep(0.5)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=15)
        service.kill()

    assert unexpected == []
    assert failures > 0, "no request was ever interrupted; the kills tested nothing"
    assert len(acknowledged) > 20

    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = connection.execute(
            "SELECT number, json_extract(submission, '$.subject') FROM tickets"
        ).fetchall()
    by_subject: dict[str, list[str]] = {}
    for number, subject in rows:
        by_subject.setdefault(subject, []).append(number)
    for subject, number in acknowledged.items():
        assert by_subject.get(subject) == [number], subject
    assert len({number for number, _ in rows}) == len(rows)
