"""`ticket-schema serve`: build the site when it is out of date, then run the service.

One process serves everything: the built site at `/`, the intake API under
`/api/` and the ticket pages under `/tickets/`, with uvicorn.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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
    """Build the site into `settings.site_dir` when it is missing or older than its sources."""
    from ticket_schema.site import CONFIG_FILE

    config_file = config_file or CONFIG_FILE
    site_dir = settings.site_dir
    if settings.build == "never":
        return
    if not config_file.is_file():
        # Installed without the repository: nothing to build from.
        log.warning(
            "no %s to build the site from; serving %s as it is", config_file, settings.site_dir
        )
        return
    reason = (
        "asked to" if settings.build == "always" else stale_reason(settings.site_dir, config_file)
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


def stale_reason(site_dir: Path, config_file: Path) -> str | None:
    """Why the site must be built again, or None when it is newer than all its sources."""
    index = site_dir / "index.html"
    if not index.is_file():
        return f"there is no {index}"
    built = index.stat().st_mtime
    for source in site_sources(config_file):
        if source.stat().st_mtime > built:
            return f"{source} changed"
    return None


def site_sources(config_file: Path) -> Iterator[Path]:
    """Every file the site is built from: the configuration, the pages, the definition, the code."""
    yield config_file
    for name in SOURCE_FOLDERS:
        yield from _files(config_file.parent / name)
    for path in _files(PACKAGE_DIR):
        if not any(part in _NOT_SITE_SOURCES for part in path.relative_to(PACKAGE_DIR).parts):
            yield path


def _files(folder: Path) -> Iterator[Path]:
    if folder.is_dir():
        yield from (path for path in sorted(folder.rglob("*")) if path.is_file())
