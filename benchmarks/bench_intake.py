"""How many tickets the intake service accepts per second over loopback, against its ceiling.

Starts `ticket-schema serve` (one uvicorn process, a fresh SQLite file in WAL
mode with synchronous=FULL, no rate limit) on 127.0.0.1, then loads it for a
bounded time from a few concurrent clients, twice in the same run:

- `GET /api/health`, a tiny JSON answer from the same stack: the ceiling;
- `POST /api/tickets` with a valid ticket: validated, committed, answered 201.

For each it prints requests per second with the p50 and p99 latency, and
then the ratio of the two rates.

    .venv/bin/python benchmarks/bench_intake.py [--seconds 10] [--clients 4]
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from ticket_schema.definition import load


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="load time of each endpoint")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients")
    args = parser.parse_args()

    definition = load()
    ticket = next(dict(e.submission) for e in definition.examples if not e.problems)

    def check_health(http: httpx.Client) -> httpx.Response:
        return http.get("/api/health")

    def post_ticket(http: httpx.Client) -> httpx.Response:
        return http.post("/api/tickets", json=ticket)

    with tempfile.TemporaryDirectory() as folder, _Service(Path(folder)) as url:
        # A short warm-up, so neither measurement pays for first-request costs.
        _load(url, args.clients, 1.0, check_health, 200)
        _load(url, args.clients, 1.0, post_ticket, 201)

        print(f"intake service on {url}: {args.clients} clients, {args.seconds:g} s each")
        health = _load(url, args.clients, args.seconds, check_health, 200)
        _report("GET /api/health (ceiling)", health, args.seconds)
        tickets = _load(url, args.clients, args.seconds, post_ticket, 201)
        _report("POST /api/tickets (accepted)", tickets, args.seconds)
        print(f"tickets / ceiling: {len(tickets) / len(health):.2f}")


class _Service:
    """The service as `ticket-schema serve` runs it, in a process of its own."""

    def __init__(self, folder: Path) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        self.command = [
            sys.executable,
            "-m",
            "ticket_schema",
            "serve",
            "--port",
            str(port),
            "--database",
            str(folder / "tickets.sqlite3"),
            "--site-dir",
            str(folder / "site"),
            "--build",
            "never",
            "--rate-limit",
            "off",
        ]

    def __enter__(self) -> str:
        self.process = subprocess.Popen(
            self.command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{self.url}/api/health", timeout=1)
                return self.url
            except httpx.TransportError:
                time.sleep(0.05)
        self.process.kill()
        raise SystemExit("the intake service did not start within 30 seconds")

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def _load(
    url: str,
    clients: int,
    seconds: float,
    request: Callable[[httpx.Client], httpx.Response],
    expected: int,
) -> list[float]:
    """Latencies (seconds) of every request `clients` threads complete in `seconds`."""
    latencies: list[float] = []
    wrong: list[str] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client() -> None:
        mine = []
        with httpx.Client(base_url=url, timeout=30) as http:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                response = request(http)
                mine.append(time.perf_counter() - started)
                if response.status_code != expected:
                    wrong.append(f"{response.status_code} {response.text[:200]}")
                    break
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if wrong:
        raise SystemExit(f"expected {expected}, the service answered {wrong[0]}")
    return latencies


def _report(label: str, latencies: list[float], seconds: float) -> None:
    ordered = sorted(latencies)
    p50 = ordered[len(ordered) // 2] * 1000
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
    print(
        f"{label}: {len(ordered) / seconds:,.0f} per second, "
        f"p50 {p50:.1f} ms, p99 {p99:.1f} ms ({len(ordered):,} requests)"
    )


if __name__ == "__main__":
    main()
