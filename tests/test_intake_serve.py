"""`ticket-schema serve`: its settings, building the site only when needed, one process for all."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from intake_support import free_port, valid_ticket

from ticket_schema import site
from ticket_schema.definition import DEFAULT_PATH
from ticket_schema.intake.server import ServeError, prepare_site, site_sources, stale_reason
from ticket_schema.intake.settings import (
    DEFAULT_RATE_LIMIT,
    RateLimit,
    Settings,
    SettingsError,
    from_sources,
)

# ---- settings


def test_without_options_or_variables_the_service_listens_on_127_0_0_1_port_8000():
    settings = from_sources({}, {})

    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert settings.database == Path("var/tickets.sqlite3")
    assert settings.site_dir == Path("site")
    assert settings.rate_limit == DEFAULT_RATE_LIMIT == RateLimit(120, 60)
    assert "http://127.0.0.1:8000" in settings.origins
    assert "http://localhost:8000" in settings.origins


def test_environment_variables_set_what_options_do_not():
    environ = {
        "TICKET_SCHEMA_HOST": "0.0.0.0",
        "TICKET_SCHEMA_PORT": "9000",
        "TICKET_SCHEMA_DATABASE": "/srv/tickets.sqlite3",
        "TICKET_SCHEMA_RATE_LIMIT": "10/second",
        "TICKET_SCHEMA_ALLOWED_ORIGINS": "https://help.example.com, https://Docs.Example.com:443/",
        "TICKET_SCHEMA_TRUSTED_PROXIES": "10.0.0.0/8",
    }

    settings = from_sources({"port": 9100}, environ)

    assert settings.host == "0.0.0.0"
    assert settings.port == 9100
    assert settings.database == Path("/srv/tickets.sqlite3")
    assert settings.rate_limit == RateLimit(10, 1)
    assert settings.allowed_origins == ("https://help.example.com", "https://docs.example.com")
    assert settings.trusted_proxies == ("10.0.0.0/8",)


def test_the_rate_limit_can_be_switched_off():
    assert from_sources({"rate_limit": "off"}, {}).rate_limit is None


@pytest.mark.parametrize(
    ("options", "environ", "named"),
    [
        ({"port": 0}, {}, "--port / TICKET_SCHEMA_PORT"),
        ({}, {"TICKET_SCHEMA_PORT": "eighty"}, "--port / TICKET_SCHEMA_PORT"),
        ({"rate_limit": "lots"}, {}, "--rate-limit / TICKET_SCHEMA_RATE_LIMIT"),
        ({"rate_limit": "0/minute"}, {}, "--rate-limit / TICKET_SCHEMA_RATE_LIMIT"),
        ({"allowed_origins": ["help.example.com"]}, {}, "--allow-origin"),
        ({}, {"TICKET_SCHEMA_ALLOWED_ORIGINS": "https://x.example/path"}, "--allow-origin"),
        ({"trusted_proxies": ["the proxy"]}, {}, "--trusted-proxy"),
        ({"build": "sometimes"}, {}, "--build / TICKET_SCHEMA_BUILD"),
    ],
)
def test_a_setting_the_service_cannot_use_is_named_with_its_option_and_variable(
    options, environ, named
):
    with pytest.raises(SettingsError) as raised:
        from_sources(options, environ)

    assert str(raised.value).startswith(named)


def test_a_database_path_that_is_a_folder_is_refused(tmp_path):
    with pytest.raises(SettingsError, match="is a folder"):
        Settings(database=tmp_path)


def test_serve_reports_a_bad_setting_in_one_line_and_exits_2(capsys):
    from ticket_schema.cli import main

    code = main(["serve", "--rate-limit", "fast"])

    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("ticket-schema: --rate-limit / TICKET_SCHEMA_RATE_LIMIT: 'fast'")
    assert err.count("\n") == 1


# ---- building the site only when needed


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    """A stand-in for the repository: mkdocs.yml and a page; returns the config file."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text("# Support\n")
    config = tmp_path / "mkdocs.yml"
    config.write_text("site_name: Support\n")
    return config


def built(site_dir: Path, when: float, definition: Path = DEFAULT_PATH) -> None:
    """A stand-in for a site built from `definition` at the time `when`."""
    site_dir.mkdir(exist_ok=True)
    (site_dir / "index.html").write_text("<!doctype html>")
    site.write_build_record(site_dir, definition)
    os.utime(site_dir / "index.html", (when, when))


def definition_copy(folder: Path, name: str, when: float, *, changed: bool = False) -> Path:
    """A copy of the packaged definition dated `when`; `changed` makes its text differ."""
    text = DEFAULT_PATH.read_text(encoding="utf-8")
    if changed:
        text += "# A copy being tried out.\n"
    copy = folder / name
    copy.write_text(text, encoding="utf-8")
    os.utime(copy, (when, when))
    return copy


def test_a_missing_site_must_be_built(tmp_path, sources):
    assert "there is no" in stale_reason(tmp_path / "site", sources)


def test_a_site_newer_than_all_its_sources_is_not_built_again(tmp_path, sources):
    built(tmp_path / "site", time.time() + 3600)

    assert stale_reason(tmp_path / "site", sources) is None


def test_a_site_older_than_a_changed_page_or_definition_is_built_again(tmp_path, sources):
    built(tmp_path / "site", time.time() + 3600)
    later = time.time() + 7200
    os.utime(sources.parent / "docs" / "index.md", (later, later))

    assert "index.md changed" in stale_reason(tmp_path / "site", sources)


def test_the_definition_the_service_reads_is_among_the_sites_sources(tmp_path, sources):
    elsewhere = definition_copy(tmp_path, "ticket.yaml", time.time())

    assert elsewhere in set(site_sources(sources, elsewhere))


def test_editing_the_definition_the_service_reads_builds_the_site_again(tmp_path, sources):
    definition = definition_copy(tmp_path, "ticket.yaml", time.time())
    built(tmp_path / "site", time.time() + 3600, definition)
    assert stale_reason(tmp_path / "site", sources, definition) is None

    later = time.time() + 7200
    os.utime(definition, (later, later))

    assert f"{definition} changed" in stale_reason(tmp_path / "site", sources, definition)


def test_pointing_the_service_at_another_definition_builds_the_site_again(tmp_path, sources):
    # The other file is older than the site: its date alone would not tell.
    earlier = time.time() - 3600
    other = definition_copy(tmp_path, "other.yaml", earlier, changed=True)
    built(tmp_path / "site", time.time() + 3600, DEFAULT_PATH)

    reason = stale_reason(tmp_path / "site", sources, other)

    assert reason == f"it was not built from {other}"


def test_a_site_that_does_not_record_its_definition_is_built_again(tmp_path, sources):
    built(tmp_path / "site", time.time() + 3600)
    (tmp_path / "site" / site.BUILD_RECORD).unlink()

    assert stale_reason(tmp_path / "site", sources, DEFAULT_PATH) is not None


def test_serve_refuses_a_site_built_from_another_definition_than_its_own(
    tmp_path, sources, monkeypatch
):
    other = definition_copy(tmp_path, "other.yaml", time.time(), changed=True)
    # As when a relative TICKET_SCHEMA_DEFINITION means one file to the build
    # and another to the service.
    monkeypatch.setattr(
        site, "build_site", lambda site_dir, **kw: built(site_dir, time.time(), DEFAULT_PATH)
    )

    with pytest.raises(ServeError, match=r"built from another definition than .*other\.yaml"):
        prepare_site(Settings(site_dir=tmp_path / "site", definition=other), config_file=sources)


def test_the_real_build_records_the_definition_it_was_built_from(built_site):
    recorded = site.read_build_record(built_site)

    assert recorded == {"definition": site.definition_digest(DEFAULT_PATH)}


def test_the_definition_and_the_form_templates_are_among_the_sites_sources(sources):
    package = Path(site.__file__).parent
    found = set(site_sources(sources))

    assert package / "ticket.yaml" in found
    assert package / "form.py" in found
    assert sources.parent / "docs" / "index.md" in found
    assert not any(
        "intake" in path.relative_to(package).parts for path in found if package in path.parents
    )


@pytest.mark.parametrize(
    ("build", "fresh", "expected_builds"),
    [("auto", False, 1), ("auto", True, 0), ("always", True, 1), ("never", False, 0)],
)
def test_serve_builds_the_site_only_when_asked_or_out_of_date(
    tmp_path, sources, monkeypatch, build, fresh, expected_builds
):
    calls = []

    def build_site(site_dir: Path, **options) -> None:
        calls.append(site_dir)
        built(site_dir, time.time())

    monkeypatch.setattr(site, "build_site", build_site)
    if fresh:
        built(tmp_path / "site", time.time() + 3600)

    prepare_site(Settings(site_dir=tmp_path / "site", build=build), config_file=sources)

    assert len(calls) == expected_builds


# ---- one process serves everything


def test_serve_runs_the_site_and_the_api_in_one_process_until_stopped(tmp_path, definition):
    site_dir = tmp_path / "site"
    site_dir.mkdir()
    (site_dir / "index.html").write_text("<!doctype html><p>support home</p>")
    database = tmp_path / "var" / "tickets.sqlite3"
    port = free_port()
    environ = {
        **os.environ,
        "TICKET_SCHEMA_PORT": str(port),
        "TICKET_SCHEMA_DATABASE": str(database),
    }
    command = [sys.executable, "-m", "ticket_schema", "serve", "--site-dir", str(site_dir)]
    process = subprocess.Popen(
        [*command, "--build", "never"],
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                home = httpx.get(base + "/", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the service did not start"
                assert process.poll() is None, process.stdout.read()
                time.sleep(0.05)
        posted = httpx.post(base + "/api/tickets", json=valid_ticket(definition), timeout=5)
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=20)

    assert "support home" in home.text
    assert posted.status_code == 201
    assert database.is_file()
    assert process.returncode == 0
    assert f"POST /api/tickets 201 ticket={posted.json()['number']}" in output
    assert valid_ticket(definition)["email"] not in output
