"""The intake service as a Starlette application: the API, the service's pages and the site.

`POST /api/tickets` takes a ticket as JSON (the form's script, or anyone's
script) or as a plain HTML form post (the form with JavaScript off), judges
it with the validator and keeps it in storage. Every request is answered in
one of a few documented ways; nothing a client sends can make it crash,
and nothing is stored unless the ticket was accepted.

The checks run from the cheapest to the dearest: where the post comes from
(403), how often this client posts (429), what the body is (415, 413, 408,
400), the honeypot (a believable success, nothing stored), the validator
(422), and only then storage (201, or 303 to the confirmation page; 409
when the idempotency key was already used for another ticket).
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import secrets
import time
from collections.abc import Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import (
    FileResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ticket_schema import protocol
from ticket_schema.definition import Definition, load
from ticket_schema.form import render_standalone_page
from ticket_schema.intake.decoys import Decoys
from ticket_schema.intake.pages import Pages
from ticket_schema.intake.ratelimit import RateLimiter, retry_after
from ticket_schema.intake.settings import Settings, SettingsError, normalize_origin
from ticket_schema.intake.sqlite_storage import SqliteStorage
from ticket_schema.intake.storage import IdempotencyConflict, Storage, StorageError, Ticket
from ticket_schema.messages import problems_as_data, resolve_language
from ticket_schema.submission_input import UnusableSubmission, read_submission
from ticket_schema.submission_schema import WHITESPACE
from ticket_schema.validator import Problem, Validator

log = logging.getLogger("ticket_schema.intake")

JSON_TYPE = "application/json"
FORM_TYPE = "application/x-www-form-urlencoded"

# The pseudo-field of the `out_of_date` problem: it is about the whole form.
OUT_OF_DATE_FIELD = ""

# What a browser may send with a cross-origin post of the form's script.
CORS_REQUEST_HEADERS = (
    "Content-Type",
    protocol.IDEMPOTENCY_HEADER,
    protocol.SCHEMA_VERSION_HEADER,
    "Accept-Language",
)
CORS_MAX_AGE = 600

# Files of the site that pages of other (allowed) sites read with fetch():
# the form's fragment, script and style sheet, and the published schema.
SHARED_PATHS = ("/ticket-form/", "/schemas/")

# Smaller files gain less from gzip than its header and the extra work cost.
STATIC_GZIP_MINIMUM = 1024

# Every answer under /api/ carries these: they hold private status links,
# which no cache may keep, and are JSON, which no browser may take for a page.
API_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}

# The built site writes the form with this input empty (a built page is the
# same for every visitor); the service fills it in each page it sends.
_KEY_INPUT = re.compile(
    rb'<input type="hidden" name="' + re.escape(protocol.IDEMPOTENCY_FIELD.encode()) + rb'"\s*>'
)
# What the generator writes around every form, and at the top of every page.
_FORM_MARKER = b"data-ticket-form"
_PAGE_START = re.compile(rb"^\s*<!doctype html", re.IGNORECASE)

# Why a JSON body is not a submission, as the sentence the answer gives.
_UNUSABLE_BODY = {
    "not_text": "intake.error.not_text",
    "not_json": "intake.error.not_json",
    "not_an_object": "intake.error.not_an_object",
}

_KEY_SHAPE = re.compile(r"^[\x21-\x7e]{1,200}$")
_PRIVATE_PATH = re.compile(r"^(/tickets/(?:status|received)/)[^/]+")


class _Rejected(Exception):
    """A request answered with an error before any ticket was made."""

    def __init__(
        self,
        status_code: int,
        key: str,
        *,
        count: int | None = None,
        outcome: str | None = None,
        lang: str | None = None,
        **params: Any,
    ):
        super().__init__(key)
        self.status_code = status_code
        self.key = key
        self.count = count
        # The ticket's language once it is known; before, the visitor's.
        self.lang = lang
        # What the request log says; by default the last part of the key.
        self.outcome = outcome or key.rsplit(".", 1)[-1]
        self.params = params
        self.headers: dict[str, str] = {}


def create_app(
    settings: Settings,
    *,
    definition: Definition | None = None,
    storage: Storage | None = None,
) -> Starlette:
    """The whole service: API, confirmation and status pages, and the built site at `/`.

    Judges tickets by the definition of `settings` unless another is given.
    Opens the SQLite database of `settings` unless another `storage` is
    given; a storage opened here is closed when the application shuts down.
    """
    definition = definition if definition is not None else load(settings.definition)
    opened_here = storage is None
    if storage is None:
        storage = SqliteStorage(settings.database)
    intake = _Intake(settings, definition, storage)

    routes = [
        # Everything under /api/ answers JSON, even an address that is not there.
        Mount(
            "/api",
            routes=[
                Route("/health", intake.health, methods=["GET"], name="health"),
                Route("/tickets", intake.post_ticket, methods=["POST"], name="tickets"),
                Route("/tickets", intake.preflight, methods=["OPTIONS"]),
            ],
        ),
        Route("/tickets/received/{token}", intake.received_page, methods=["GET"], name="received"),
        Route("/tickets/status/{token}", intake.status_page, methods=["GET"], name="status"),
        Mount(
            "/tickets/assets",
            _compressed(StaticFiles(packages=[("ticket_schema.intake", "static")])),
            name="intake_assets",
        ),
    ]
    if settings.site_dir.is_dir():
        site = _SiteFiles(directory=settings.site_dir, definition=definition)
        routes.append(Mount("/", _compressed(site), name="site"))
    else:
        log.warning("no site at %s: serving the API and the ticket pages only", settings.site_dir)

    @asynccontextmanager
    async def lifespan(app: Starlette):
        yield
        if opened_here:
            storage.close()

    return Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={HTTPException: intake.http_error},
        middleware=[
            Middleware(_RequestLog),
            Middleware(_CloseUnreadBodies),
            Middleware(_ApiHeaders),
            Middleware(_SharedFiles, allowed=intake._origin_allowed),
        ],
    )


def _compressed(files: StaticFiles) -> ASGIApp:
    """Files of the site, gzipped for clients that accept it.

    Only files: the answers about tickets are short, and a compressed answer
    that mixes a secret with what a client sent can leak the secret.
    """
    return GZipMiddleware(files, minimum_size=STATIC_GZIP_MINIMUM)


class _SiteFiles(StaticFiles):
    """The built site, where every page holding the ticket form gets an idempotency key of its own.

    The built pages are the same for every visitor, so the form's hidden
    key is empty in them. The script fills it in, but with JavaScript off
    the browser would post it empty, and the same page posted twice would
    make two tickets. Every such page is therefore sent with a fresh key in
    that input, and with `Cache-Control: no-store` so that no cache hands
    one visitor's key to another. Each page is read once, and again only
    when the file changes; every other file is served as it is.
    """

    def __init__(self, *, directory: str | os.PathLike[str], definition: Definition) -> None:
        super().__init__(directory=directory, html=True)
        self._definition = definition
        # By file: its size and time of change, and the page cut where the
        # keys go (None for a file that holds no form).
        self._pages: dict[str, tuple[tuple[int, int], list[bytes] | None]] = {}

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        parts = self._form_page(os.fspath(full_path), stat_result)
        if parts is None:
            return super().file_response(full_path, stat_result, scope, status_code)
        body = parts[0]
        for rest in parts[1:]:
            key = secrets.token_urlsafe(16)
            body += b'<input type="hidden" name="%s" value="%s">%s' % (
                protocol.IDEMPOTENCY_FIELD.encode(),
                key.encode(),
                rest,
            )
        return Response(
            body, status_code, headers={"Cache-Control": "no-store"}, media_type="text/html"
        )

    async def get_response(self, path: str, scope: Scope) -> Response:
        """The file at `path`; for a missing one, the "not found" page in the reader's language.

        The site has one such page per language (`404.html` at the root for
        the default one, `pt-BR/404.html`...). The language is the address's
        first folder when that is a language's, else the browser's choice.
        """
        response = await super().get_response(path, scope)
        if response.status_code != 404:
            return response
        lang = self._language_of(path, Headers(scope=scope))
        if lang == self._definition.default_language:
            return response
        full_path, stat_result = self.lookup_path(f"{lang}/404.html")
        if stat_result is None or not os.path.isfile(full_path):
            return response
        return FileResponse(full_path, stat_result=stat_result, status_code=404)

    def _language_of(self, path: str, headers: Headers) -> str:
        folder = path.strip("/").split("/", 1)[0].lower()
        for code in self._definition.language_codes:
            if folder == code.lower():
                return code
        return negotiate_language(self._definition, headers.get("accept-language"))

    def _form_page(self, path: str, stat_result: os.stat_result) -> list[bytes] | None:
        if not path.endswith(".html"):
            return None
        version = (stat_result.st_mtime_ns, stat_result.st_size)
        known = self._pages.get(path)
        if known is not None and known[0] == version:
            return known[1]
        with open(path, "rb") as page:
            html = page.read()
        # Only whole pages: the bare fragment that the embed script fetches
        # is enhanced by the script, which makes its own key.
        parts = None
        if _FORM_MARKER in html and _PAGE_START.match(html):
            cut = _KEY_INPUT.split(html)
            parts = cut if len(cut) > 1 else None
        self._pages[path] = (version, parts)
        return parts


class _Intake:
    """The request handlers, with what they share: settings, definition, storage, pages."""

    def __init__(self, settings: Settings, definition: Definition, storage: Storage) -> None:
        self.settings = settings
        self.definition = definition
        self.storage = storage
        self.validator = Validator(definition)
        self.pages = Pages(definition, settings.site_dir, settings.allowed_origins)
        self.limiter = RateLimiter(settings.rate_limit) if settings.rate_limit else None
        self.decoys = Decoys(definition.language_codes)
        self.first_status = definition.statuses[0]
        self.origins = settings.origins

    # ---- routes

    async def health(self, request: Request) -> Response:
        """A trivial answer from the same stack: the ceiling the benchmark compares with."""
        return JSONResponse({"status": "ok"})

    async def post_ticket(self, request: Request) -> Response:
        """Accept, reject or quietly drop one ticket."""
        media = _media_type(request.headers.get("content-type"))
        as_html = media in (FORM_TYPE, "multipart/form-data")
        lang = self._accepted_language(request)
        cors = self._cors_headers(request)
        try:
            return await self._post_ticket(request, media, as_html, cors)
        except _Rejected as rejected:
            request.state.outcome = f"rejected={rejected.outcome}"
            lang = rejected.lang or lang
            text = self.definition.ui_text(
                rejected.key, lang, count=rejected.count, **rejected.params
            )
            headers = {**cors, **rejected.headers}
            return self._error(rejected.status_code, text, lang, as_html, headers)
        except StorageError:
            log.exception("the ticket could not be stored")
            request.state.outcome = "storage_error"
            text = self.definition.ui_text("intake.error.unavailable", lang)
            return self._error(503, text, lang, as_html, {**cors, "Retry-After": "60"})

    async def preflight(self, request: Request) -> Response:
        """Answer a browser's CORS preflight for a cross-origin post of the form's script."""
        origin = request.headers.get("origin")
        if origin is None:
            return Response(status_code=204, headers={"Allow": "POST, OPTIONS"})
        if not self._origin_allowed(request, origin):
            request.state.outcome = "rejected=forbidden_origin"
            return Response(status_code=403, headers={"Vary": "Origin"})
        return Response(
            status_code=204,
            headers={
                "Access-Control-Allow-Origin": origin,
                "Access-Control-Allow-Methods": "POST",
                "Access-Control-Allow-Headers": ", ".join(CORS_REQUEST_HEADERS),
                "Access-Control-Max-Age": str(CORS_MAX_AGE),
                "Vary": "Origin",
            },
        )

    async def received_page(self, request: Request) -> Response:
        """The confirmation page of the plain form, in the ticket's language."""
        ticket = await self._ticket_by_token(request)
        if ticket is not None:
            request.state.outcome = f"ticket={ticket.number}"
            number, lang = ticket.number, ticket.language
        elif decoy := self.decoys.read(request.path_params["token"]):
            request.state.outcome = "honeypot"
            number, lang = decoy
        else:
            return self.pages.not_found(self._accepted_language(request))
        status_url = str(request.url_for("status", token=request.path_params["token"]))
        return self.pages.received(lang, number, status_url)

    async def status_page(self, request: Request) -> Response:
        """The private status page of one ticket; 404 for any token that is not a ticket's."""
        ticket = await self._ticket_by_token(request)
        if ticket is None:
            return self.pages.not_found(self._accepted_language(request))
        request.state.outcome = f"ticket={ticket.number}"
        return self.pages.status(ticket)

    async def http_error(self, request: Request, error: Exception) -> Response:
        """404 and 405 under /api/ as one JSON line; elsewhere as plain text."""
        assert isinstance(error, HTTPException)
        headers = dict(error.headers or {})
        if not request.url.path.startswith("/api/"):
            return PlainTextResponse(error.detail, error.status_code, headers=headers)
        lang = self._accepted_language(request)
        if error.status_code == 405:
            text = self.definition.ui_text(
                "intake.error.method_not_allowed", lang, method=request.method
            )
        else:
            text = self.definition.ui_text("intake.error.not_found", lang)
        return JSONResponse({"error": text}, error.status_code, headers=headers)

    # ---- accepting a ticket, step by step

    async def _post_ticket(
        self, request: Request, media: str, as_html: bool, cors: dict[str, str]
    ) -> Response:
        origin = request.headers.get("origin")
        if origin is not None and not self._origin_allowed(request, origin):
            raise _Rejected(403, "intake.error.forbidden_origin")

        if self.limiter is not None:
            wait = self.limiter.take(_client(request))
            if wait:
                seconds = retry_after(wait)
                rejected = _Rejected(429, "intake.error.rate_limited", count=seconds)
                rejected.headers["Retry-After"] = str(seconds)
                raise rejected

        if media not in (JSON_TYPE, FORM_TYPE):
            raise _Rejected(415, "intake.error.unsupported_media_type")
        body = await self._read_body(request)
        received = _parse_json(body) if media == JSON_TYPE else _parse_form(body)
        fields, meta = _split_meta(received)

        key = request.headers.get(protocol.IDEMPOTENCY_HEADER) or _text(
            meta.get(protocol.IDEMPOTENCY_FIELD)
        )
        if key is not None and not _KEY_SHAPE.match(key):
            raise _Rejected(400, "intake.error.bad_idempotency_key")
        sent_version = request.headers.get(protocol.SCHEMA_VERSION_HEADER) or _text(
            meta.get(protocol.SCHEMA_VERSION_FIELD)
        )
        form_language = _text(meta.get(protocol.FORM_LANGUAGE_FIELD))

        if _filled(meta.get(protocol.HONEYPOT_FIELD)):
            log.info("honeypot")
            request.state.outcome = "honeypot"
            lang = self._submission_language(request, fields, form_language)
            token, number = self.decoys.make(lang)
            return self._accepted_answer(request, token, number, lang, as_html, cors, True)

        verdict = self.validator.validate(fields)
        lang = self._submission_language(request, verdict.submission, form_language)
        if not verdict.valid:
            problems = list(verdict.problems)
            if sent_version and sent_version != verdict.schema_version:
                params = {"sent_version": sent_version, "current_version": verdict.schema_version}
                problems.insert(0, Problem(OUT_OF_DATE_FIELD, "out_of_date", params))
            codes = dict.fromkeys(p.code for p in problems)
            request.state.outcome = "problems=" + ",".join(codes)
            if as_html:
                return self._form_again(request, lang, fields, problems, cors)
            return JSONResponse(
                {
                    "problems": problems_as_data(self.definition, problems, lang),
                    "schema_version": verdict.schema_version,
                },
                422,
                headers=cors,
            )

        try:
            ticket, created = await run_in_threadpool(
                self.storage.create_ticket,
                submission=verdict.submission,
                language=lang,
                schema_version=verdict.schema_version,
                status=self.first_status.id,
                idempotency_key=key,
                received=fields,
            )
        except IdempotencyConflict:
            raise _Rejected(409, "intake.error.idempotency_conflict", lang=lang) from None
        request.state.outcome = f"ticket={ticket.number}" + ("" if created else " replayed")
        return self._accepted_answer(
            request, ticket.status_token, ticket.number, ticket.language, as_html, cors, created
        )

    def _accepted_answer(
        self,
        request: Request,
        token: str,
        number: str,
        lang: str,
        as_html: bool,
        cors: dict[str, str],
        created: bool,
    ) -> Response:
        # The one way a ticket is acknowledged, for real tickets and decoys
        # alike: a robot must not tell them apart by the answer.
        headers = {**cors, "Idempotent-Replayed": "false" if created else "true"}
        if as_html:
            received = request.url_for("received", token=token).path
            return RedirectResponse(received, status_code=303, headers=headers)
        status_url = str(request.url_for("status", token=token))
        return JSONResponse(
            self._accepted(number, status_url, lang),
            201,
            headers={**headers, "Location": status_url},
        )

    async def _read_body(self, request: Request) -> bytes:
        limit = self.settings.max_body_bytes
        too_large = _Rejected(413, "intake.error.too_large", limit=limit // 1024)
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise too_large

        # Counted while it arrives: a body sent in chunks, with no length
        # given, is refused as soon as it passes the limit. One that stops
        # arriving is given up after the timeout.
        chunks, size = [], 0
        try:
            async with asyncio.timeout(self.settings.body_timeout):
                async for chunk in request.stream():
                    size += len(chunk)
                    if size > limit:
                        raise too_large
                    chunks.append(chunk)
        except TimeoutError:
            raise _Rejected(408, "form.network_error", outcome="body_timeout") from None
        except ClientDisconnect:
            raise _Rejected(400, "intake.error.not_json") from None
        return b"".join(chunks)

    def _form_again(
        self,
        request: Request,
        lang: str,
        fields: Mapping[str, Any],
        problems: list[Problem],
        cors: dict[str, str],
    ) -> Response:
        values = {name: value for name, value in fields.items() if isinstance(value, str)}
        html = render_standalone_page(
            self.definition,
            lang,
            action=request.url.path,
            values=values,
            problems=problems,
            idempotency_key=secrets.token_urlsafe(16),
        )
        headers = {**self.pages.form_headers, **cors, "Content-Language": lang}
        return Response(html, 422, headers=headers, media_type="text/html")

    def _error(
        self, status_code: int, text: str, lang: str, as_html: bool, headers: dict[str, str]
    ) -> Response:
        # A browser posting the plain form shows the answer as a page; a
        # script reads one line of JSON.
        if as_html:
            response = self.pages.error(lang, status_code, text)
            response.headers.update(headers)
            return response
        return JSONResponse({"error": text}, status_code, headers=headers)

    def _accepted(self, number: str, status_url: str, lang: str) -> dict[str, str]:
        return {
            "number": number,
            "status_url": status_url,
            "status": self.first_status.id,
            "status_name": self.first_status.name[lang],
            "message": self.definition.ui_text("form.success", lang, number=number),
        }

    # ---- languages, origins, tickets by token

    def _accepted_language(self, request: Request) -> str:
        return negotiate_language(self.definition, request.headers.get("accept-language"))

    def _submission_language(
        self, request: Request, submission: Mapping[str, Any], form_language: str | None
    ) -> str:
        chosen = submission.get("language")
        if isinstance(chosen, str) and chosen in self.definition.language_codes:
            return chosen
        if form_language:
            return resolve_language(self.definition, form_language)
        return self._accepted_language(request)

    def _origin_allowed(self, request: Request, origin: str) -> bool:
        try:
            origin = normalize_origin(origin)
        except SettingsError:
            return False
        if origin in self.origins:
            return True
        # The site's own pages may always post, under whatever name the
        # visitor reached it (a browser cannot forge the Host header).
        own = f"{request.url.scheme}://{request.headers.get('host', '')}"
        try:
            return origin == normalize_origin(own)
        except SettingsError:
            return False

    def _cors_headers(self, request: Request) -> dict[str, str]:
        origin = request.headers.get("origin")
        if origin is None or not self._origin_allowed(request, origin):
            return {}
        return {
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Expose-Headers": "Location, Retry-After",
            "Vary": "Origin",
        }

    async def _ticket_by_token(self, request: Request) -> Ticket | None:
        token = request.path_params["token"]
        return await run_in_threadpool(self.storage.get_by_status_token, token)


def negotiate_language(definition: Definition, header: str | None) -> str:
    """The definition's language a browser prefers by its Accept-Language header."""
    ranked = []
    for position, part in enumerate((header or "").split(",")):
        tag, _, rest = part.strip().partition(";")
        quality = 1.0
        match = re.search(r"q=([0-9.]+)", rest)
        if match:
            try:
                quality = float(match.group(1))
            except ValueError:
                quality = 0.0
        if tag and tag != "*" and quality > 0:
            ranked.append((-quality, position, tag))
    for _, _, tag in sorted(ranked):
        base = tag.split("-")[0].lower()
        if any(code.split("-")[0].lower() == base for code in definition.language_codes):
            return resolve_language(definition, tag)
    return definition.default_language


# ---- reading bodies


def _media_type(header: str | None) -> str:
    return (header or "").split(";", 1)[0].strip().lower()


def _parse_json(body: bytes) -> dict[str, Any]:
    # The same reading as `ticket-schema validate`: UTF-8, standard JSON,
    # no lone surrogates, an object.
    try:
        return read_submission(body)
    except UnusableSubmission as error:
        raise _Rejected(400, _UNUSABLE_BODY[error.code]) from None


def _parse_form(body: bytes) -> dict[str, Any]:
    try:
        pairs = parse_qsl(
            body.decode("utf-8"), keep_blank_values=True, encoding="utf-8", errors="strict"
        )
    except (UnicodeDecodeError, ValueError):
        raise _Rejected(400, "intake.error.not_text") from None
    # A name sent twice keeps its last value; no field of the form repeats.
    return dict(pairs)


def _split_meta(received: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    fields = {k: v for k, v in received.items() if k not in protocol.META_FIELDS}
    meta = {k: v for k, v in received.items() if k in protocol.META_FIELDS}
    return fields, meta


def _text(value: Any) -> str | None:
    if isinstance(value, str) and value.strip(WHITESPACE):
        return value.strip(WHITESPACE)
    return None


def _filled(value: Any) -> bool:
    if isinstance(value, str):
        return bool(value.strip(WHITESPACE))
    return value is not None and value is not False and value != [] and value != {}


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


# ---- the form's files, for the sites that embed it


class _SharedFiles:
    """Lets the allowed origins read the form's files and the schema across origins.

    The embed script on another site fetches the form's fragment from this
    service, which the browser hands over only with an
    `Access-Control-Allow-Origin` naming that site. GET and HEAD under
    `SHARED_PATHS` get it for the origins that may post tickets, and for no
    other; every answer there varies by `Origin`, so a cache never gives one
    site's answer to another.
    """

    def __init__(self, app: ASGIApp, *, allowed: Callable[[Request, str], bool]) -> None:
        self.app = app
        self.allowed = allowed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in ("GET", "HEAD")
            or not scope["path"].startswith(SHARED_PATHS)
        ):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        origin = request.headers.get("origin")
        if origin is not None and not self.allowed(request, origin):
            origin = None

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.add_vary_header("Origin")
                if origin is not None:
                    headers["Access-Control-Allow-Origin"] = origin
            await send(message)

        await self.app(scope, receive, send_with_cors)


# ---- headers for every answer


class _ApiHeaders:
    """Adds `API_HEADERS` to every answer under /api/, whichever part of the service gave it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in API_HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


class _CloseUnreadBodies:
    """Closes the connection after an answer given before the request's body had all arrived.

    Kept open, the server would go on reading the rest of the body (and
    throwing it away) to reach the next request on the connection: a
    client refused with 413 could keep it busy with a body that never
    ends, and one that stopped sending would be waited for again.
    `Connection: close` makes the server stop reading and close it.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        declared = headers.get("content-length")
        finished = "transfer-encoding" not in headers and declared in (None, "0")

        async def receive_and_note() -> Message:
            nonlocal finished
            message = await receive()
            if message["type"] != "http.request" or not message.get("more_body", False):
                finished = True
            return message

        async def send_and_close(message: Message) -> None:
            if message["type"] == "http.response.start" and not finished:
                MutableHeaders(scope=message)["Connection"] = "close"
            await send(message)

        await self.app(scope, receive_and_note, send_and_close)


# ---- logging


class _RequestLog:
    """Logs one line per request: method, path, status, outcome, duration.

    Never the body: ticket text and e-mail addresses stay out of the logs,
    and the secret part of status links is replaced by an ellipsis.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        state = scope.setdefault("state", {})
        status = 500

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            path = _PRIVATE_PATH.sub(r"\1…", scope["path"])
            interesting = path.startswith(("/api/", "/tickets/")) and not path.startswith(
                "/tickets/assets/"
            )
            log.log(
                logging.INFO if interesting else logging.DEBUG,
                "%s %s %d %s%.1fms",
                scope["method"],
                path,
                status,
                f"{state['outcome']} " if state.get("outcome") else "",
                (time.perf_counter() - started) * 1000,
            )
