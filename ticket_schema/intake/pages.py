"""The service's own HTML pages: the confirmation, the status page, and pages for errors.

Every sentence comes from the definition's `ui:` catalogue in the page's
language, every value is escaped by the templates, and every page carries
headers that forbid inline script and style, keep the private status link
out of `Referer` headers and out of caches.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2
from starlette.responses import HTMLResponse

from ticket_schema.definition import Definition
from ticket_schema.intake.storage import Ticket
from ticket_schema.messages import resolve_language

STYLESHEET = "/tickets/assets/intake.css"


def security_headers(frame_origins: Iterable[str] = ()) -> dict[str, str]:
    """Headers for every page the service renders itself (not the static site)."""
    ancestors = " ".join(["'self'", *sorted(frame_origins)])
    policy = (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
        f"frame-ancestors {ancestors}"
    )
    return {
        "Content-Security-Policy": policy,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
    }


class Pages:
    """Renders the service's pages for one definition and one built site."""

    def __init__(
        self, definition: Definition, site_dir: Path, frame_origins: Iterable[str] = ()
    ) -> None:
        self.definition = definition
        self.site_dir = site_dir
        self.headers = security_headers(frame_origins)
        # A page holding the form must keep its Origin header on the post it
        # makes: under "no-referrer" a browser posts with `Origin: null`.
        self.form_headers = {**self.headers, "Referrer-Policy": "same-origin"}
        self._environment = jinja2.Environment(
            loader=jinja2.PackageLoader("ticket_schema.intake", "templates"),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def received(self, lang: str, number: str, status_url: str) -> HTMLResponse:
        """The confirmation shown after the plain form's ticket was accepted."""
        return self._render("received.html", lang, 200, number=number, status_url=status_url)

    def status(self, ticket: Ticket) -> HTMLResponse:
        """A ticket's status and its meaning, in the ticket's language; nothing else."""
        lang = resolve_language(self.definition, ticket.language)
        status = next((s for s in self.definition.statuses if s.id == ticket.status), None)
        return self._render(
            "status.html",
            lang,
            200,
            ticket=ticket,
            subject_label=self.definition.field("subject").label[lang],
            # A status removed from the definition since still shows by its id.
            status_name=status.name[lang] if status else ticket.status,
            status_meaning=status.meaning[lang] if status else "",
            updated=_shown_time(ticket.updated_at),
        )

    def not_found(self, lang: str) -> HTMLResponse:
        """The answer to a wrong or guessed status link."""
        title = self.definition.ui_text("intake.not_found.title", lang)
        text = self.definition.ui_text("intake.not_found.text", lang)
        return self.message(lang, 404, title, [text])

    def error(self, lang: str, status_code: int, text: str) -> HTMLResponse:
        """A plain-form post that could not be read at all, with the way back."""
        heading = self.definition.ui_text("intake.error.title", lang)
        prefix = self.definition.ui_text("form.error_prefix", lang)
        go_back = self.definition.ui_text("intake.error.go_back", lang)
        return self.message(lang, status_code, heading, [text, go_back], prefix=prefix)

    def message(
        self,
        lang: str,
        status_code: int,
        heading: str,
        paragraphs: list[str],
        *,
        prefix: str = "",
    ) -> HTMLResponse:
        """A page with a heading and a few paragraphs."""
        title = f"{prefix} {heading}" if prefix else heading
        return self._render(
            "message.html", lang, status_code, title=title, heading=heading, paragraphs=paragraphs
        )

    def home(self, lang: str) -> str:
        """The start page of the site in `lang`, when the built site has one, else its root."""
        if lang != self.definition.default_language:
            for folder in (lang, lang.lower(), lang.split("-")[0]):
                if (self.site_dir / folder / "index.html").is_file():
                    return f"/{folder}/"
        return "/"

    def _render(self, name: str, lang: str, status_code: int, **context: Any) -> HTMLResponse:
        def t(key: str, count: int | None = None, **params: Any) -> str:
            return self.definition.ui_text(key, lang, count=count, **params)

        html = self._environment.get_template(name).render(
            lang=lang, t=t, stylesheet=STYLESHEET, home=self.home(lang), **context
        )
        headers = {**self.headers, "Content-Language": lang}
        return HTMLResponse(html, status_code=status_code, headers=headers)


def _shown_time(stamp: str) -> str:
    try:
        return datetime.fromisoformat(stamp).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return stamp
