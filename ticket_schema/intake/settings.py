"""The settings of the intake service, from command-line options and environment variables.

Each setting has one name, an option and a variable; an option given on
the command line wins over the variable, which wins over the default. Every
value is read and checked here, in one place, so a mistake is reported
before the service starts, naming the option and the variable it came from.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

# The largest body the service reads, in bytes. A long text of 10 000
# characters of Portuguese takes about 11 KB of UTF-8, so a full ticket fits;
# only several long texts in a script of three or four bytes a character do not.
MAX_BODY_BYTES = 64 * 1024

# How long the service waits, once a post's headers have arrived, for its
# whole body. Even 64 KiB takes a slow mobile link only a few seconds; a
# client that announces more than it sends would otherwise keep its request
# (and a connection) open for ever.
BODY_TIMEOUT_SECONDS = 10.0

BUILD_CHOICES = ("auto", "always", "never")

_PERIODS = {"second": 1, "minute": 60, "hour": 3600}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(second|minute|hour)s?\s*$")
_LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")


class SettingsError(ValueError):
    """A setting has a value the service cannot use; the message names it and how to fix it."""


@dataclass(frozen=True)
class RateLimit:
    """At most `requests` ticket posts per client in every `period` seconds; None is unlimited."""

    requests: int
    period: int

    def __str__(self) -> str:
        name = next(name for name, seconds in _PERIODS.items() if seconds == self.period)
        return f"{self.requests}/{name}"


DEFAULT_RATE_LIMIT = RateLimit(120, 60)
DEFAULT_DATABASE = Path("var/tickets.sqlite3")


@dataclass(frozen=True)
class Settings:
    """Everything the service needs to start, checked."""

    host: str = "127.0.0.1"
    port: int = 8000
    database: Path = DEFAULT_DATABASE
    site_dir: Path = Path("site")
    build: str = "auto"
    rate_limit: RateLimit | None = DEFAULT_RATE_LIMIT
    # Origins allowed besides the site's own (which is always allowed).
    allowed_origins: tuple[str, ...] = ()
    # Addresses of reverse proxies whose X-Forwarded-For / -Proto are believed.
    trusted_proxies: tuple[str, ...] = ()
    max_body_bytes: int = MAX_BODY_BYTES
    body_timeout: float = BODY_TIMEOUT_SECONDS
    # The definition tickets are judged by; None for the packaged one. Read
    # from the same variable as the site's build, so both always agree.
    definition: Path | None = None
    own_origins: tuple[str, ...] = field(init=False, default=())

    def __post_init__(self) -> None:
        self._check()
        object.__setattr__(self, "own_origins", _own_origins(self.host, self.port))

    @property
    def origins(self) -> frozenset[str]:
        """Every origin whose pages may post tickets: the site's own and the allowed ones."""
        return frozenset(self.own_origins + self.allowed_origins)

    def _check(self) -> None:
        # Cross-field checks, and those that make sense only on the whole.
        if not 1 <= self.port <= 65535:
            raise SettingsError(
                f"--port / TICKET_SCHEMA_PORT: {self.port} is not a port; use 1 to 65535"
            )
        if not self.host:
            raise SettingsError("--host / TICKET_SCHEMA_HOST: give an address, like 127.0.0.1")
        if self.build not in BUILD_CHOICES:
            raise SettingsError(
                f"--build / TICKET_SCHEMA_BUILD: {self.build!r} is not one of: "
                + ", ".join(BUILD_CHOICES)
            )
        if self.database.exists() and self.database.is_dir():
            raise SettingsError(
                f"--database / TICKET_SCHEMA_DATABASE: {self.database} is a folder; "
                "give the path of a file, like var/tickets.sqlite3"
            )
        if self.site_dir.exists() and not self.site_dir.is_dir():
            raise SettingsError(f"--site-dir / TICKET_SCHEMA_SITE_DIR: {self.site_dir} is a file")
        for origin in self.allowed_origins:
            check_origin(origin)
        for address in self.trusted_proxies:
            _check_proxy(address)


def from_sources(options: Mapping[str, Any], environ: Mapping[str, str]) -> Settings:
    """Settings from parsed command-line options (None when not given) and the environment."""

    def pick(name: str, variable: str) -> Any:
        value = options.get(name)
        return value if value is not None else environ.get(variable) or None

    values: dict[str, Any] = {}
    host = pick("host", "TICKET_SCHEMA_HOST")
    if host is not None:
        values["host"] = host
    port = pick("port", "TICKET_SCHEMA_PORT")
    if port is not None:
        values["port"] = _port(port)
    for name, variable in (
        ("database", "TICKET_SCHEMA_DATABASE"),
        ("site_dir", "TICKET_SCHEMA_SITE_DIR"),
    ):
        value = pick(name, variable)
        if value is not None:
            values[name] = Path(value)
    build = pick("build", "TICKET_SCHEMA_BUILD")
    if build is not None:
        values["build"] = build
    rate = pick("rate_limit", "TICKET_SCHEMA_RATE_LIMIT")
    if rate is not None:
        values["rate_limit"] = parse_rate_limit(rate)
    origins = options.get("allowed_origins") or _list(environ.get("TICKET_SCHEMA_ALLOWED_ORIGINS"))
    values["allowed_origins"] = tuple(normalize_origin(origin) for origin in origins)
    proxies = options.get("trusted_proxies") or _list(environ.get("TICKET_SCHEMA_TRUSTED_PROXIES"))
    values["trusted_proxies"] = tuple(proxies)
    values["definition"] = definition_from_environment(environ)
    return Settings(**values)


def definition_from_environment(environ: Mapping[str, str]) -> Path | None:
    """The definition named by TICKET_SCHEMA_DEFINITION (as for the site), or None."""
    value = environ.get("TICKET_SCHEMA_DEFINITION")
    return Path(value) if value else None


def database_from_sources(option: str | Path | None, environ: Mapping[str, str]) -> Path:
    """The database path for the `tickets` commands: the same option and variable as `serve`."""
    value = option if option is not None else environ.get("TICKET_SCHEMA_DATABASE") or None
    return Path(value) if value is not None else DEFAULT_DATABASE


def parse_rate_limit(text: str) -> RateLimit | None:
    """`60/minute`, `2/second` or `1000/hour` as a RateLimit; `off` as no limit."""
    if text.strip().lower() == "off":
        return None
    match = _RATE.match(text.lower())
    if not match or int(match.group(1)) < 1:
        raise SettingsError(
            f"--rate-limit / TICKET_SCHEMA_RATE_LIMIT: {text!r} is not a rate; "
            "write it as a count per second, minute or hour, like 120/minute, or off"
        )
    return RateLimit(int(match.group(1)), _PERIODS[match.group(2)])


def normalize_origin(text: str) -> str:
    """An origin as browsers send it: lower-case scheme and host, no default port, no slash."""
    check_origin(text.strip())
    parts = urlsplit(text.strip())
    default = {"http": 80, "https": 443}[parts.scheme.lower()]
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    port = f":{parts.port}" if parts.port and parts.port != default else ""
    return f"{parts.scheme.lower()}://{host}{port}"


def check_origin(text: str) -> None:
    """Raise SettingsError unless `text` is an origin: scheme, host and maybe a port, no path."""
    if not _is_origin(text):
        raise SettingsError(
            f"--allow-origin / TICKET_SCHEMA_ALLOWED_ORIGINS: {text!r} is not an origin; "
            "write the scheme, the host and the port if it is not the default one, "
            "like https://help.example.com or http://127.0.0.1:8080"
        )


def _is_origin(text: str) -> bool:
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 -- reading the port is what checks it
    except ValueError:
        return False
    return (
        parts.scheme.lower() in ("http", "https")
        and bool(parts.hostname)
        and parts.path in ("", "/")
        and not (parts.query or parts.fragment or parts.username)
    )


def _own_origins(host: str, port: int) -> tuple[str, ...]:
    # A service on a loopback address is reached as 127.0.0.1 or as
    # localhost alike; on 0.0.0.0 or a name it is reached by whatever name
    # the visitor used, which the same-origin check in the app covers.
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    names = _LOOPBACK_NAMES if shown in _LOOPBACK_NAMES else (shown,)
    return tuple(normalize_origin(f"http://{name}:{port}") for name in names)


def _port(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise SettingsError(
            f"--port / TICKET_SCHEMA_PORT: {value!r} is not a number; use 1 to 65535"
        ) from None


def _check_proxy(address: str) -> None:
    try:
        ipaddress.ip_network(address)
    except ValueError:
        raise SettingsError(
            f"--trusted-proxy / TICKET_SCHEMA_TRUSTED_PROXIES: {address!r} is not an IP address "
            "or network; write it like 127.0.0.1 or 10.0.0.0/8 (no host bits after the slash)"
        ) from None


def _list(text: str | None) -> list[str]:
    return [item.strip() for item in (text or "").split(",") if item.strip()]
