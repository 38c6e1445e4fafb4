"""What one embedded ticket form costs a host page: bytes, and requests to other origins.

Prints, per language, the size of the form's HTML fragment, script and
style sheet exactly as the built site serves them (the script and style
sheet minified by `site_files`), raw and compressed with gzip (levels 9
and 6, as servers commonly use), against the goal of 8 KB and against two
well-known alternatives; then the readable sources, for comparison.
Then it loads the embed into a host page in Chromium, the host on one
origin and the form's files served by the real intake service on another,
and prints the bytes the browser downloaded for each file (the service
gzips them), the requests the page makes to any third origin, and the time
until the form is on screen.

    .venv/bin/python benchmarks/bench_form_size.py [--no-browser]
"""

from __future__ import annotations

import argparse
import gzip
import os
import shutil
import socket
import tempfile
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from ticket_schema.definition import load
from ticket_schema.form import (
    ASSET_DIR,
    FRAGMENT_NAME,
    SCRIPT_NAME,
    STYLE_NAME,
    site_files,
    static_file,
)

GOAL_KB = 8.0
# Approximate gzip sizes of two common ways to put a support form on a page,
# for comparison; they are not measured here.
ALTERNATIVES_KB = {"react-jsonschema-form + React": 205.0, "Zendesk web widget": 475.0}

HOST_PAGE = """<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>Host</title></head>
<body><h1>Host</h1><div id="support"></div>
<script src="{origin}/{asset_dir}/{script}" data-target="#support" data-lang="{lang}"></script>
</body></html>
"""


def kb(size: int) -> str:
    return f"{size / 1024:6.2f} KB"


def sizes(files: dict[str, str | bytes], lang: str) -> list[tuple[str, bytes]]:
    """The three files an embedded form loads, as bytes."""
    names = [f"{ASSET_DIR}/{lang}/{FRAGMENT_NAME}", f"{ASSET_DIR}/{SCRIPT_NAME}"]
    names.append(f"{ASSET_DIR}/{STYLE_NAME}")
    return [
        (name, content if isinstance(content, bytes) else content.encode("utf-8"))
        for name in names
        for content in [files[name]]
    ]


def print_sizes(files: dict[str, str | bytes], lang: str) -> int:
    print(f"\n{lang}: {'file':<36} {'raw':>10} {'gzip -9':>10} {'gzip -6':>10}")
    totals = [0, 0, 0]
    for name, data in sizes(files, lang):
        row = [len(data), len(gzip.compress(data, 9)), len(gzip.compress(data, 6))]
        totals = [a + b for a, b in zip(totals, row, strict=True)]
        print(f"    {name:<36} {kb(row[0]):>10} {kb(row[1]):>10} {kb(row[2]):>10}")
    print(f"    {'total':<36} {kb(totals[0]):>10} {kb(totals[1]):>10} {kb(totals[2]):>10}")
    return totals[1]


def print_sources(files: dict[str, str | bytes]) -> None:
    """The readable script and style sheet beside the minified copies the site serves."""
    print("\nsources in ticket_schema/static/ (not served), gzip -9:")
    for name in (SCRIPT_NAME, STYLE_NAME):
        source = static_file(name).encode("utf-8")
        served = files[f"{ASSET_DIR}/{name}"]
        served = served if isinstance(served, bytes) else served.encode("utf-8")
        before, after = len(gzip.compress(source, 9)), len(gzip.compress(served, 9))
        print(
            f"    {name:<20} {kb(before)} as written, {kb(after)} served "
            f"({(before - after) / 1024:.2f} KB less)"
        )


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def serve_host(root: Path) -> ThreadingHTTPServer:
    """The host page's own site: a plain static server on a port of its own."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class _Service:
    """The real intake service, serving the form's files, in a thread."""

    def __init__(self, site_dir: Path, database: Path, allowed_origin: str) -> None:
        import uvicorn

        from ticket_schema.intake.app import create_app
        from ticket_schema.intake.server import uvicorn_options
        from ticket_schema.intake.settings import Settings

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        settings = Settings(
            port=port,
            database=database,
            site_dir=site_dir,
            build="never",
            allowed_origins=(allowed_origin,),
        )
        self.origin = f"http://127.0.0.1:{port}"
        config = uvicorn.Config(create_app(settings), **uvicorn_options(settings))
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def __enter__(self) -> _Service:
        self._thread.start()
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError("the intake service did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=15)


def measure_in_browser(root: Path, lang: str) -> None:
    from playwright.sync_api import sync_playwright

    chromium = os.environ.get("TICKET_SCHEMA_CHROMIUM") or shutil.which("chromium")
    if not chromium:
        print("\nChromium was not found; set TICKET_SCHEMA_CHROMIUM (or pass --no-browser)")
        return

    host_dir = root / "host"
    host_dir.mkdir()
    host = serve_host(host_dir)
    host_origin = f"http://localhost:{host.server_address[1]}"
    responses = []
    try:
        with _Service(root / "site", root / "tickets.sqlite3", host_origin) as service:
            (host_dir / "host.html").write_text(
                HOST_PAGE.format(
                    lang=lang, origin=service.origin, asset_dir=ASSET_DIR, script=SCRIPT_NAME
                ),
                encoding="utf-8",
            )
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=chromium,
                    args=["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
                )
                page = browser.new_page()
                page.on("response", lambda response: responses.append(response))
                start = time.perf_counter()
                page.goto(f"{host_origin}/host.html")
                page.wait_for_selector("#support >> [data-ticket-form] button")
                shown = time.perf_counter() - start
                page.wait_for_load_state("networkidle")
                # Read while the browser is open: the sizes come from it.
                rows = [
                    (r.url, r.request.sizes()["responseBodySize"], r.headers) for r in responses
                ]
                browser.close()
    finally:
        host.shutdown()

    def origin(url: str) -> str:
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}"

    own = [row for row in rows if origin(row[0]) == service.origin]
    host_rows = [row for row in rows if origin(row[0]) == host_origin]
    other = [row for row in rows if origin(row[0]) not in (service.origin, host_origin)]
    print(
        f"\nembed in Chromium ({lang}): host page on {host_origin}, "
        f"form from the intake service on {service.origin}"
    )
    print(f"    requests to the host's origin:     {len(host_rows)}")
    print(f"    requests to the form's origin:     {len(own)}")
    for url, size, headers in own:
        encoding = headers.get("content-encoding", "none")
        print(f"        {urlsplit(url).path:<34} {kb(size)} downloaded ({encoding})")
    print(f"        {'total':<34} {kb(sum(row[1] for row in own))} downloaded")
    print(f"    requests to any other origin:      {len(other)} (goal: 0)")
    for url, _, _ in other:
        print(f"        {url}")
    print(f"    form on screen after:              {shown * 1000:.0f} ms (loopback, warm disk)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-browser", action="store_true", help="print the sizes only")
    args = parser.parse_args()

    definition = load()
    files = site_files(definition)

    print("What one embedded form costs a host page (HTML fragment + script + style sheet)")
    worst = max(print_sizes(files, lang) for lang in definition.language_codes)

    verdict = "within" if worst / 1024 <= GOAL_KB else "over"
    print(f"\nlargest total, gzip -9: {kb(worst).strip()}: {verdict} the {GOAL_KB:.0f} KB goal")
    for name, size in ALTERNATIVES_KB.items():
        print(f"    {name}: about {size:.0f} KB gzip, {size * 1024 / worst:.0f} times as much")
    print_sources(files)

    if args.no_browser:
        return
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        for relative, content in files.items():
            target = root / "site" / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content, encoding="utf-8")
        measure_in_browser(root, definition.default_language)


if __name__ == "__main__":
    main()
