"""A small HTTP server on 127.0.0.1 for the form's tests.

It serves a folder (the built site), records every request it receives,
and answers posts to the tickets address the way the intake service does,
judging each ticket with the real validator: 201 with a ticket number for
an acceptable JSON ticket, 422 with the problems and their messages for a
bad one, and for a plain form post either a short page or the standalone
form page showing the problems. Tests can queue other answers (a 500, a
422 with chosen problems) to see how the form copes.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ticket_schema import protocol
from ticket_schema.definition import Definition
from ticket_schema.form import render_standalone_page
from ticket_schema.messages import problems_as_data, resolve_language
from ticket_schema.validator import NotAnObject, Validator

log = logging.getLogger("ticket_schema.tests.capture_server")

# The policy a strict host would set, sent with every page of the form: the
# form must work under it, with no inline script or style.
STRICT_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self'; form-action 'self'; base-uri 'none'"
)

# A host site's page that embeds the form with its script, with CSS that
# fights every element it can reach.
HOSTILE_CSS = "* { all: unset; } html { font-size: 40px; } div { color: red !important; }"
HOST_PAGE = """<!DOCTYPE html>
<html lang="{page_lang}">
<head><meta charset="utf-8"><title>A host site</title>
<link rel="stylesheet" href="/host/hostile.css"></head>
<body><h1>A host site</h1><div id="support"></div>
<script src="{origin}/ticket-form/ticket-form.js" data-target="#support"{extra}>
</script></body></html>
"""

# Headers a cross-origin page may send with its JSON post.
ALLOWED_HEADERS = ", ".join(
    ["Content-Type", "Accept-Language", protocol.IDEMPOTENCY_HEADER, protocol.SCHEMA_VERSION_HEADER]
)


@dataclass(frozen=True)
class Captured:
    """One request as the server saw it."""

    method: str
    path: str
    headers: dict[str, str]
    content_type: str
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))

    def form(self) -> dict[str, list[str]]:
        return parse_qs(self.body.decode("utf-8"), keep_blank_values=True)

    def header(self, name: str) -> str | None:
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                return value
        return None


@dataclass
class Answer:
    """A reply queued by a test in place of the usual one."""

    status: int
    body: Any = None
    content_type: str = "application/json"


@dataclass
class _State:
    requests: list[Captured] = field(default_factory=list)
    answers: list[Answer] = field(default_factory=list)
    pages: dict[str, tuple[str, dict[str, str]]] = field(default_factory=dict)
    issued: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class CaptureServer:
    """Serves `root` on 127.0.0.1 and plays the intake service at `protocol.DEFAULT_ACTION`."""

    def __init__(self, root: Path, definition: Definition) -> None:
        self.root = Path(root)
        self.definition = definition
        self.validator = Validator(definition)
        self.state = _State()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> CaptureServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def requests(self) -> list[Captured]:
        with self.state.lock:
            return list(self.state.requests)

    @property
    def posts(self) -> list[Captured]:
        return [r for r in self.requests if r.method == "POST"]

    def clear(self) -> None:
        """Forget recorded requests, queued answers and added pages; number tickets from 1."""
        with self.state.lock:
            self.state.issued = 0
            self.state.requests.clear()
            self.state.answers.clear()
            self.state.pages.clear()

    def answer_next(self, status: int, body: Any = None) -> None:
        """Answer the next post with `status` and `body` instead of judging it."""
        with self.state.lock:
            self.state.answers.append(Answer(status, body))

    def add_page(self, path: str, body: str, headers: dict[str, str] | None = None) -> str:
        """Serve `body` (HTML unless headers say otherwise) at `path`; returns its address."""
        with self.state.lock:
            self.state.pages[path] = (body, dict(headers or {}))
        return self.url + path

    def host_page(
        self, lang: str | None, action: str | None = None, page_lang: str | None = None
    ) -> str:
        """A host site's page embedding the form; returns its address on another origin.

        The page comes from localhost and the form from 127.0.0.1: two
        origins, as for a real host site. It allows the form's origin alone
        in a strict Content-Security-Policy and carries hostile CSS. The tag
        asks for `lang` (no `data-lang` when None); the page is in
        `page_lang`, by default the same.
        """
        policy = (
            f"default-src 'none'; script-src {self.url}; style-src 'self' {self.url}; "
            f"connect-src {self.url}; form-action {self.url}; base-uri 'none'"
        )
        extra = f' data-lang="{lang}"' if lang is not None else ""
        extra += f' data-action="{action}"' if action else ""
        self.add_page("/host/hostile.css", HOSTILE_CSS, {"Content-Type": "text/css"})
        self.add_page(
            "/host/index.html",
            HOST_PAGE.format(page_lang=page_lang or lang or "", origin=self.url, extra=extra),
            {"Content-Security-Policy": policy},
        )
        return f"http://localhost:{self.port}/host/index.html"

    # ---- the request handler

    def _handler_class(self) -> type[SimpleHTTPRequestHandler]:
        server = self

        class Handler(SimpleHTTPRequestHandler):
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, directory=str(server.root), **kwargs)

            def log_message(self, format: str, *args: Any) -> None:
                log.debug(format, *args)

            def end_headers(self) -> None:
                # The embed test loads the form from another origin, as a
                # host site would.
                self.send_header("Access-Control-Allow-Origin", "*")
                if urlsplit(self.path).path.startswith("/ticket-form/"):
                    self.send_header("Content-Security-Policy", STRICT_CSP)
                self.send_header("Cache-Control", "no-store")
                super().end_headers()

            def do_GET(self) -> None:
                server._record(self, b"")
                page = server.state.pages.get(urlsplit(self.path).path)
                if page is None:
                    super().do_GET()
                    return
                body, headers = page[0], dict(page[1])
                content_type = headers.pop("Content-Type", "text/html; charset=utf-8")
                self._reply(200, body.encode("utf-8"), content_type, headers)

            def do_OPTIONS(self) -> None:
                server._record(self, b"")
                self.send_response(204)
                self.send_header("Access-Control-Allow-Methods", "POST")
                self.send_header("Access-Control-Allow-Headers", ALLOWED_HEADERS)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                captured = server._record(self, body)
                if urlsplit(self.path).path != protocol.DEFAULT_ACTION:
                    self._reply(404, b"not found", "text/plain")
                    return
                status, payload, content_type = server._answer(captured)
                self._reply(status, payload, content_type)

            def _reply(
                self,
                status: int,
                payload: bytes,
                content_type: str,
                headers: dict[str, str] | None = None,
            ) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        return Handler

    def _record(self, handler: SimpleHTTPRequestHandler, body: bytes) -> Captured:
        captured = Captured(
            method=handler.command,
            path=handler.path,
            headers=dict(handler.headers.items()),
            content_type=(handler.headers.get("Content-Type") or "").split(";")[0].strip(),
            body=body,
        )
        with self.state.lock:
            self.state.requests.append(captured)
        return captured

    def _answer(self, captured: Captured) -> tuple[int, bytes, str]:
        with self.state.lock:
            queued = self.state.answers.pop(0) if self.state.answers else None
        if queued is not None:
            payload = queued.body
            if not isinstance(payload, bytes):
                payload = json.dumps(payload).encode("utf-8")
            return queued.status, payload, queued.content_type
        if captured.content_type == "application/json":
            return self._judge_json(captured)
        return self._judge_form(captured)

    def _judge_json(self, captured: Captured) -> tuple[int, bytes, str]:
        lang = resolve_language(self.definition, captured.header("Accept-Language"))
        try:
            submission = captured.json()
            verdict = self.validator.validate(
                {k: v for k, v in submission.items() if k not in protocol.META_FIELDS}
            )
        except (ValueError, NotAnObject, AttributeError):
            return 400, b'{"error": "not a JSON object"}', "application/json"
        if verdict.valid:
            return 201, json.dumps(self._ticket()).encode("utf-8"), "application/json"
        problems = [
            {k: p[k] for k in ("field", "code", "message")}
            for p in problems_as_data(self.definition, verdict.problems, lang)
        ]
        return 422, json.dumps({"problems": problems}).encode("utf-8"), "application/json"

    def _judge_form(self, captured: Captured) -> tuple[int, bytes, str]:
        # A plain post sends a text area's line breaks as CR LF; a JSON post, as LF.
        values = {name: items[0].replace("\r\n", "\n") for name, items in captured.form().items()}
        lang = resolve_language(self.definition, values.get(protocol.FORM_LANGUAGE_FIELD))
        ticket = {k: v for k, v in values.items() if k not in protocol.META_FIELDS}
        verdict = self.validator.validate(ticket)
        if verdict.valid:
            number = self._ticket()["number"]
            page = f'<!DOCTYPE html><html lang="{lang}"><title>{number}</title><p>{number}</p>'
            return 201, page.encode("utf-8"), "text/html; charset=utf-8"
        page = render_standalone_page(
            self.definition,
            lang,
            values=ticket,
            problems=verdict.problems,
            idempotency_key=values.get(protocol.IDEMPOTENCY_FIELD),
        )
        return 422, page.encode("utf-8"), "text/html; charset=utf-8"

    def _ticket(self) -> dict[str, str]:
        with self.state.lock:
            self.state.issued += 1
            number = f"T-{self.state.issued:06d}"
        return {"number": number, "status_url": f"/tickets/{number}", "status": "open"}
