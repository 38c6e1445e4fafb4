"""`ticket-schema serve`: build the site when it is out of date, then run the service.

One process serves everything: the built site at `/`, the intake API under
`/api/` and the ticket pages under `/tickets/`, with uvicorn.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ticket_schema.definition import DEFAULT_PATH
from ticket_schema.intake.settings import Settings

log = logging.getLogger("ticket_schema.intake.server")

PACKAGE_DIR = Path(__file__).resolve().parent.parent

# Beside mkdocs.yml: the hand-written pages and the theme overrides.
SOURCE_FOLDERS = ("docs", "overrides")
# Files of the package that have no part in the site.
_NOT_SITE_SOURCES = ("intake", "__pycache__")


class ServeError(Exception):
    """The service cannot start; the message says why and what to do."""


def serve(settings: Settings, *, config_file: Path | None = None) -> None:
    """Build the site if needed, then serve it with the intake service until interrupted."""
    import uvicorn

    from ticket_schema.intake.app import create_app

    prepare_site(settings, config_file=config_file)
    app = create_app(settings)
    log.info(
        "serving %s and the intake API on http://%s:%d/ (tickets in %s)",
        settings.site_dir,
        settings.host,
        settings.port,
        settings.database,
    )
    uvicorn.run(app, **uvicorn_options(settings))


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """How uvicorn runs the service: our own request log, proxies believed only when named."""
    return {
        "host": settings.host,
        "port": settings.port,
        "log_config": None,
        "access_log": False,
        "server_header": False,
        "proxy_headers": bool(settings.trusted_proxies),
        "forwarded_allow_ips": list(settings.trusted_proxies) or None,
    }


def prepare_site(settings: Settings, *, config_file: Path | None = None) -> None:
    """Build the site into `settings.site_dir` when it is missing or older than its sources.

    The sources include the definition the service judges tickets by, so
    the site's form and the service always work from the same one.
    """
    from ticket_schema.site import CONFIG_FILE

    config_file = config_file or CONFIG_FILE
    site_dir = settings.site_dir
    definition = settings.definition or DEFAULT_PATH
    if settings.build == "never":
        return
    if not config_file.is_file():
        # Installed without the repository: nothing to build from.
        log.warning(
            "no %s to build the site from; serving %s as it is", config_file, settings.site_dir
        )
        return
    reason = (
        "asked to"
        if settings.build == "always"
        else stale_reason(settings.site_dir, config_file, definition)
    )
    if reason is None:
        log.info("the site in %s is up to date", site_dir)
        return

    from ticket_schema.site import SiteBuildError, build_site

    log.info("building the site into %s (%s)", site_dir, reason)
    try:
        build_site(site_dir, config_file=config_file)
    except SiteBuildError as error:
        raise ServeError(f"the site could not be built: {error}") from None

    # A relative TICKET_SCHEMA_DEFINITION starts, for the build, at the folder
    # of mkdocs.yml and, for the service, at the current one: away from the
    # repository root the two can read different files.
    if _built_from_another(site_dir, definition):
        raise ServeError(
            f"the site was built from another definition than {definition}, the one the "
            "service reads; give TICKET_SCHEMA_DEFINITION as an absolute path"
        )


def stale_reason(site_dir: Path, config_file: Path, definition: Path | None = None) -> str | None:
    """Why the site must be built again, or None when it is up to date.

    Up to date means newer than every source and, when `definition` is
    given, built from that very definition: pointing the service at another
    file rebuilds the site even if that file is older than the site.
    """
    index = site_dir / "index.html"
    if not index.is_file():
        return f"there is no {index}"
    built = index.stat().st_mtime
    for source in site_sources(config_file, definition):
        if source.stat().st_mtime > built:
            return f"{source} changed"
    if definition is not None and _built_from_another(site_dir, definition):
        return f"it was not built from {definition}"
    return None


def site_sources(config_file: Path, definition: Path | None = None) -> Iterator[Path]:
    """Every file the site is built from: the configuration, the pages, the definition, the code."""
    yield config_file
    for name in SOURCE_FOLDERS:
        yield from _files(config_file.parent / name)
    for path in _files(PACKAGE_DIR):
        if not any(part in _NOT_SITE_SOURCES for part in path.relative_to(PACKAGE_DIR).parts):
            yield path
    if definition is not None and definition.is_file():
        yield definition


def _built_from_another(site_dir: Path, definition: Path) -> bool:
    from ticket_schema.site import definition_digest, read_build_record

    record = read_build_record(site_dir)
    if record is None:
        # Built by something that keeps no record: which definition it
        # read cannot be known.
        return True
    recorded = record.get("definition")
    # A site that reads no definition (its plugin switched off) agrees with any.
    if recorded is None or not definition.is_file():
        return False
    return recorded != definition_digest(definition)


def _files(folder: Path) -> Iterator[Path]:
    if folder.is_dir():
        yield from (path for path in sorted(folder.rglob("*")) if path.is_file())
