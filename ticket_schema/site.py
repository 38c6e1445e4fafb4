"""Build the bilingual documentation site through MkDocs's Python API.

The command line (`ticket-schema build`), the intake service and the tests
all build the site the same way, through this one function, so that none of
them needs to know how MkDocs is driven.

Every build leaves in the site a small record of the definition it was
built from (a digest of the file), so that the intake service can tell
whether the site's form was made from the definition it judges tickets by.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import tempfile
from pathlib import Path
from typing import Any

log = logging.getLogger("ticket_schema.site")

ROOT = Path(__file__).resolve().parent.parent
CONFIG_FILE = ROOT / "mkdocs.yml"

# At the root of the site. Not a hidden file: MkDocs empties a folder it
# builds into of everything but hidden files, so this record can only ever
# describe the build that wrote it.
BUILD_RECORD = "ticket-schema-build.json"
# The plugin whose definition the record names.
_PLUGIN = "ticket-schema"


class SiteBuildError(Exception):
    """The site could not be built; the message says why.

    For a broken definition the message lists every problem as
    `file:line:column: key.path: message`, as `ticket-schema check` does.
    """


def build_site(site_dir: Path, *, config_file: Path = CONFIG_FILE, strict: bool = True) -> None:
    """Build the site described by `config_file` into `site_dir`.

    With `strict`, any MkDocs warning fails the build, as `mkdocs build --strict` does.
    Raises SiteBuildError when the build fails.
    """
    build_site_with(site_dir, config_file=config_file, strict=strict)


def build_site_with(
    site_dir: Path,
    *,
    config_file: Path = CONFIG_FILE,
    strict: bool = True,
    **overrides: Any,
) -> None:
    """Build the site with some `mkdocs.yml` settings replaced (for example `docs_dir`).

    The benchmark uses it to build the same site from another folder of
    pages without writing a second configuration file.
    """
    # MkDocs writes page by page, language by language. Building into a
    # folder beside the target and swapping it in at the end means that a
    # build stopped half-way (a bad marker on a Portuguese page, say) never
    # leaves a half-written site where `ticket-schema serve` would serve it.
    site_dir = Path(site_dir)
    site_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{site_dir.name}.building-", dir=site_dir.parent))
    # mkdtemp makes a private folder; a site is read by whoever serves it.
    staging.chmod(0o755)
    try:
        _build_into(staging, config_file, strict, overrides)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _swap_in(staging, site_dir)
    log.info("built the site from %s into %s", config_file, site_dir)


def _build_into(site_dir: Path, config_file: Path, strict: bool, overrides: dict[str, Any]) -> None:
    # MkDocs is imported here so that importing this module (which the intake
    # service does) costs nothing until a site is actually built.
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, ConfigurationError

    try:
        config = load_config(
            config_file=str(config_file), site_dir=str(site_dir), strict=strict, **overrides
        )
    except (Abort, ConfigurationError) as error:
        raise SiteBuildError(f"{config_file}: {error}") from error

    # The same start and end events as `mkdocs build`, for plugins that use them.
    config.plugins.on_startup(command="build", dirty=False)
    try:
        build(config)
    except Abort as error:
        # MkDocs logs the cause and raises a bare "Aborted"; keep the cause
        # (a plugin's message, such as every problem of a broken definition).
        cause = error.__context__
        raise SiteBuildError(str(cause) if cause is not None else str(error)) from error
    finally:
        config.plugins.on_shutdown()

    # The plugin knows which file it read: its option, or the variable.
    plugin = config.plugins.get(_PLUGIN)
    loaded = getattr(plugin, "definition", None) is not None
    write_build_record(site_dir, plugin.definition_path if loaded else None)


def definition_digest(path: Path) -> str:
    """The digest by which the build record names a definition file."""
    return "sha256:" + hashlib.sha256(Path(path).read_bytes()).hexdigest()


def write_build_record(site_dir: Path, definition: Path | None) -> None:
    """Record in `site_dir` the definition the site was built from (None when it used none)."""
    record = {"definition": definition_digest(definition) if definition is not None else None}
    (Path(site_dir) / BUILD_RECORD).write_text(json.dumps(record) + "\n", encoding="utf-8")


def read_build_record(site_dir: Path) -> dict[str, Any] | None:
    """What the build of `site_dir` recorded, or None when there is no readable record."""
    try:
        record = json.loads((Path(site_dir) / BUILD_RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def _swap_in(built: Path, site_dir: Path) -> None:
    """Put the freshly built folder at `site_dir`, removing what was there."""
    if not site_dir.exists():
        built.rename(site_dir)
        return
    retired = built.with_name(built.name.replace(".building-", ".old-"))
    site_dir.rename(retired)
    built.rename(site_dir)
    shutil.rmtree(retired, ignore_errors=True)
