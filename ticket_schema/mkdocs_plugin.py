"""The MkDocs plugin that fills the documentation pages from the ticket definition.

A thin adapter: it loads the definition, asks the generators for the block
behind each marker of a page, moves pages to the address their front matter
asks for, adds the closing "open a ticket" line to every page, writes the
generated files into the built site and makes `mkdocs serve` watch the
definition. Everything the reader sees is worded by the generators, never
here, so that moving to another site generator only means rewriting this file.

Events, in the order MkDocs calls them for each language that
mkdocs-static-i18n builds (it builds the default language, then runs the
whole build again for every other one from its `on_post_build`):

- `on_config` loads the definition; a broken one stops the build before the
  site folder is touched.
- `on_files` (after mkdocs-static-i18n's) gives pages their own address.
- `on_page_content` replaces the markers with the generated blocks.
- `on_page_context` adds the closing line, linking to the ticket form.
- `on_post_page` makes the `hreflang` alternates absolute.
- `on_post_build` writes generated files (the form's assets) into the site.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.livereload import LiveReloadServer
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page
from mkdocs.utils import get_relative_url
from mkdocs.utils.meta import get_data

from ticket_schema.definition import DEFAULT_PATH, Definition, DefinitionError, load
from ticket_schema.docs_blocks import BLOCKS, MARKER, help_footer, missing_page, render_block
from ticket_schema.form import ASSET_DIR, render_page_block
from ticket_schema.form import site_files as form_site_files
from ticket_schema.messages import resolve_language

log = logging.getLogger("ticket_schema.mkdocs_plugin")

# Marker name -> HTML of the block for a page in a language.
BlockRenderer = Callable[[Definition, str, Page], str]
# A producer of files for the built site: relative path -> content.
SiteFilesProducer = Callable[[Definition], Mapping[str, str | bytes]]

# Front matter key of a page that lives at an address of its own, such as a
# Portuguese page at /documentacao/... next to its English twin at /documentation/...
ADDRESS_KEY = "address"

# How Material (and MkDocs's own themes) write the language alternates in a page's head.
_ALTERNATE_LINK = re.compile(r'(<link rel="alternate" href=")([^"]*)(" hreflang="[^"]*">)')
_ALTERNATE_LINK_LINE = re.compile(r'[ \t]*<link rel="alternate" href="[^"]*" hreflang="[^"]*">\n?')

# The theme's page for addresses that do not exist.
NOT_FOUND = "404.html"


class TicketSchemaConfig(Config):
    """The plugin's options in `mkdocs.yml`."""

    enabled = c.Type(bool, default=True)
    # The definition to read; a relative path starts at the folder of mkdocs.yml.
    definition = c.Optional(c.Type(str))
    # The page (source path, default language) that holds the ticket form.
    ticket_page = c.Type(str, default="documentation/products/how-to/open-tickets.md")
    # The anchor of the ticket form's section on that page.
    ticket_anchor = c.Type(str, default="ticket-form")


class TicketSchemaPlugin(BasePlugin[TicketSchemaConfig]):
    """Fill the pages' `<!-- ticket:... -->` markers from the ticket definition."""

    def __init__(self) -> None:
        self.definition: Definition | None = None
        self.definition_path: Path = DEFAULT_PATH
        self.edit_base: str | None = None
        self.files: Files | None = None
        # Blocks filled and pages holding them, in the language being built.
        self.filled: tuple[int, int] = (0, 0)

        # Every block a page can ask for, by marker name. Another generator
        # (the ticket form) joins by adding its renderer here.
        self.blocks: dict[str, BlockRenderer] = {name: self._docs_block(name) for name in BLOCKS}
        self.blocks["form"] = _form_block

        # Everything written into the built site besides the pages.
        self.site_files: list[SiteFilesProducer] = [form_site_files]

    def _docs_block(self, name: str) -> BlockRenderer:
        def render(definition: Definition, lang: str, page: Page) -> str:
            return render_block(definition, name, lang, self.edit_base)

        return render

    # ---- events

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        """Load the definition; a broken one stops the build before anything is written."""
        if not self.config.enabled:
            return config
        self.definition_path = _definition_path(self.config.definition, config)

        # The message is the one `ticket-schema check` prints: every problem
        # as file:line:column, so the editor sees the same list either way.
        try:
            self.definition = load(self.definition_path)
        except DefinitionError as error:
            raise PluginError(str(error)) from None

        self.edit_base = _edit_base(config, self.definition_path)
        self.filled = (0, 0)
        return config

    # mkdocs-static-i18n decides in its own on_files (priority -100) which
    # file of each pair of twins is built in the current language, pairing
    # them by source path. Only after that can a page be moved to an address
    # of its own, so this runs later, and moves the twins it recorded too:
    # the language selector and the hreflang links are built from them.
    @event_priority(-110)
    def on_files(self, files: Files, config: MkDocsConfig) -> Files | None:
        """Give pages whose front matter says `address:` that address, twins included."""
        if not self.config.enabled:
            return files
        for file in files.documentation_pages():
            for each in (file, *getattr(file, "alternates", {}).values()):
                address = _address(each)
                if address is not None:
                    _move(each, address, config)

        _refuse_shared_addresses(files)
        if files.get_file_from_path(self.config.ticket_page) is None:
            raise PluginError(
                f"ticket-schema: ticket_page: there is no page {self.config.ticket_page!r} "
                f"in {config.docs_dir}; name the page that holds the ticket form"
            )
        self.files = files
        return files

    def on_page_content(
        self, html: str, page: Page, config: MkDocsConfig, files: Files
    ) -> str | None:
        """Replace each marker of the page with its block, in the page's language."""
        if not self.config.enabled or self.definition is None:
            return html
        definition = self.definition
        lang = _page_language(page, config, definition)
        where = page.file.src_uri

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            renderer = self.blocks.get(name)
            if renderer is None:
                known = ", ".join(f"<!-- ticket:{known} -->" for known in self.blocks)
                raise PluginError(
                    f"ticket-schema: {where}: unknown marker {match.group(0)}; "
                    f"the markers are: {known}"
                )
            if lang not in definition.language_codes:
                raise PluginError(
                    f"ticket-schema: {where}: the marker {match.group(0)} is on a page in "
                    f"{lang!r}, a language the definition {self.definition_path} does not have "
                    f"(it has: {', '.join(definition.language_codes)})"
                )
            return renderer(definition, lang, page)

        filled, count = MARKER.subn(replace, html)
        if count:
            log.debug("%s: filled %d block(s) in %s", where, count, lang)
            self.filled = (self.filled[0] + count, self.filled[1] + 1)
        return filled

    def on_page_context(
        self, context: dict[str, Any], page: Page, config: MkDocsConfig, nav: Any
    ) -> dict[str, Any] | None:
        """Give the page template the closing line that links to the ticket form."""
        if not self.config.enabled or self.definition is None or self.files is None:
            return context
        ticket_page = self.files.get_file_from_path(self.config.ticket_page)
        if ticket_page is None:
            return context
        lang = resolve_language(self.definition, _page_language(page, config, self.definition))
        href = f"{ticket_page.url_relative_to(page.file)}#{self.config.ticket_anchor}"
        context["ticket_help"] = help_footer(self.definition, lang, href)
        return context

    def on_template_context(
        self, context: dict[str, Any], template_name: str, config: MkDocsConfig
    ) -> dict[str, Any] | None:
        """Give the "not found" page its words, and a closing line whose link works anywhere."""
        if template_name != NOT_FOUND or self.definition is None or self.files is None:
            return context
        ticket_page = self.files.get_file_from_path(self.config.ticket_page)
        if ticket_page is None:
            return context

        # The server answers any missing address with this page, at any depth,
        # so its link starts at the root of the site rather than beside it.
        root = urlsplit(config.site_url or "/").path.rstrip("/")
        href = f"{root}/{ticket_page.url}#{self.config.ticket_anchor}"
        lang = resolve_language(self.definition, config.theme.get("language"))
        context["ticket_help"] = help_footer(self.definition, lang, href)
        context["missing_page"] = missing_page(self.definition, lang)
        return context

    def on_post_template(
        self, output_content: str, template_name: str, config: MkDocsConfig
    ) -> str | None:
        """Keep a "not found" page per language, without language alternates.

        Every language build writes the theme's 404.html to the root of the
        site, and the last would win. The root keeps the default language's;
        another language's goes to its own folder (`pt-BR/404.html`), where
        the intake service finds it for a reader of that language. The page
        has no twin at another address, so it claims none.
        """
        if not self.config.enabled or template_name != NOT_FOUND or self.definition is None:
            return output_content
        page = _ALTERNATE_LINK_LINE.sub("", output_content)
        lang = config.theme.get("language", self.definition.default_language)
        if lang == self.definition.default_language:
            return page

        target = Path(config.site_dir) / lang / NOT_FOUND
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page, encoding="utf-8")
        log.debug("wrote the %s not-found page to %s", lang, target)
        # MkDocs writes nothing for a template that renders empty.
        return ""

    def on_post_page(self, output: str, page: Page, config: MkDocsConfig) -> str | None:
        """Make the language alternates in the page's head absolute.

        Search engines (and Lighthouse's SEO audit) ignore a relative
        `hreflang` link. The theme writes the same addresses relative, which
        suits its language selector, so only the `<link>` tags change here.
        """
        if not self.config.enabled or not page.canonical_url:
            return output
        base = page.canonical_url

        def absolute(match: re.Match[str]) -> str:
            return match.group(1) + urljoin(base, match.group(2)) + match.group(3)

        return _ALTERNATE_LINK.sub(absolute, output)

    def on_post_build(self, config: MkDocsConfig) -> None:
        """Write the generated files (the ticket form's assets) into the built site."""
        if not self.config.enabled or self.definition is None:
            return
        blocks, pages = self.filled
        log.info(
            "docs (%s): %d blocks on %d pages from %s",
            config.theme.get("language"),
            blocks,
            pages,
            self.definition_path,
        )
        site_dir = Path(config.site_dir)
        for producer in self.site_files:
            written = producer(self.definition)
            for relative, content in written.items():
                target = site_dir / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                if isinstance(content, bytes):
                    target.write_bytes(content)
                else:
                    target.write_text(content, encoding="utf-8")
            log.info("wrote %d generated file(s) into %s", len(written), site_dir)

    def on_serve(
        self, server: LiveReloadServer, config: MkDocsConfig, builder: Callable[..., Any]
    ) -> LiveReloadServer | None:
        """Rebuild both languages when the definition changes, as when a page does."""
        if self.config.enabled:
            server.watch(str(self.definition_path))
        return server


# --------------------------------------------------------------------------
# Helpers


def _form_block(definition: Definition, lang: str, page: Page) -> str:
    # The form's assets sit at the root of the site; the page links to them relatively.
    assets = get_relative_url(f"{ASSET_DIR}/", page.file.url)
    return render_page_block(definition, lang, asset_base=assets.rstrip("/") + "/")


def _definition_path(option: str | None, config: MkDocsConfig) -> Path:
    if not option:
        return DEFAULT_PATH
    path = Path(option)
    if not path.is_absolute():
        path = Path(config.config_file_path or ".").resolve().parent / path
    return path


def _edit_base(config: MkDocsConfig, definition_path: Path) -> str | None:
    """The address of the definition on the code host, derived from repo_url and edit_uri.

    `edit_uri` (for example `edit/main/docs/`) already names the branch and
    the docs folder; the definition sits on the same branch, so its address
    is the same with `blob` for `edit` and its own path for the docs folder.
    """
    if not config.repo_url or not config.edit_uri or config.edit_uri.startswith("?"):
        log.info("no repo_url or edit_uri in %s: no edit links", config.config_file_path)
        return None
    root = Path(config.config_file_path or ".").resolve().parent
    try:
        relative = definition_path.resolve().relative_to(root).as_posix()
    except ValueError:
        log.info("the definition %s lies outside the repository: no edit links", definition_path)
        return None
    docs_dir = Path(config.docs_dir).resolve()
    docs = docs_dir.relative_to(root).as_posix() if docs_dir.is_relative_to(root) else docs_dir.name

    parts = [part for part in config.edit_uri.strip("/").split("/") if part]
    docs_parts = docs.split("/")
    if parts[-len(docs_parts) :] == docs_parts:
        parts = parts[: -len(docs_parts)]
    parts = ["blob" if part == "edit" else part for part in parts]
    return "/".join([config.repo_url.rstrip("/"), *parts, relative])


def _page_language(page: Page, config: MkDocsConfig, definition: Definition) -> str:
    # mkdocs-static-i18n records each file's language as `locale`; without
    # it the page is in the theme's language.
    return (
        getattr(page.file, "locale", None)
        or config.theme.get("language")
        or definition.default_language
    )


def _address(file: File) -> str | None:
    """The `address:` of a page's front matter, as a site path ending in `/`."""
    if not file.is_documentation_page() or file.abs_src_path is None:
        return None
    value = get_data(file.content_string)[1].get(ADDRESS_KEY)
    if value is None:
        return None
    address = str(value).strip("/")
    parts = PurePosixPath(address).parts
    if not address or ".." in parts or not str(value).endswith("/"):
        raise PluginError(
            f"ticket-schema: {file.src_uri}: {ADDRESS_KEY}: {value!r} is not a page address; "
            f"write it like /documentacao/produtos/how-to/abrir-tickets/"
        )
    return address + "/"


def _move(file: File, address: str, config: MkDocsConfig) -> None:
    # These three are cached together by MkDocs; change all of them, as
    # mkdocs-static-i18n does when it moves a page into a language folder.
    path = address.strip("/")
    if config.use_directory_urls:
        file.dest_uri = f"{path}/index.html"
        file.url = quote(f"{path}/")
    else:
        file.dest_uri = f"{path}.html"
        file.url = quote(file.dest_uri)
    file.abs_dest_path = os.path.normpath(os.path.join(config.site_dir, file.dest_uri))


def _refuse_shared_addresses(files: Files) -> None:
    seen: dict[str, str] = {}
    for file in files.documentation_pages():
        other = seen.setdefault(file.dest_uri, file.src_uri)
        if other != file.src_uri:
            raise PluginError(
                f"ticket-schema: {file.src_uri} and {other} would both be written to "
                f"{file.dest_uri}; give one of them another {ADDRESS_KEY}"
            )
