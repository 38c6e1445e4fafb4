"""The intake service over real HTTP on 127.0.0.1: accepting, rejecting and following tickets."""

from __future__ import annotations

import json
import logging
import re
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from intake_support import RunningService, count_tickets, start_service, valid_ticket

from ticket_schema import protocol
from ticket_schema.form import render_form, render_standalone_page
from ticket_schema.intake.settings import MAX_BODY_BYTES
from ticket_schema.intake.sqlite_storage import SqliteStorage
from ticket_schema.intake.storage import StorageError
from ticket_schema.submission_schema import submission_schema, version_of
from ticket_schema.validator import normalize

pytestmark = pytest.mark.http

NUMBER = re.compile(r"^[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}$")
FORM_HEADERS = {"Content-Type": "application/x-www-form-urlencoded"}
JSON_HEADERS = {"Content-Type": "application/json"}


@pytest.fixture(scope="module")
def site(tmp_path_factory, definition) -> Path:
    """A tiny stand-in for the built site: a home page in each language, a 404 page, and the
    form's own pages and fragments as the generator writes them."""
    root = tmp_path_factory.mktemp("site")
    (root / "index.html").write_text("<!doctype html><title>Support</title><p>home</p>")
    (root / "pt-BR").mkdir()
    (root / "pt-BR" / "index.html").write_text("<!doctype html><title>Suporte</title>")
    (root / "404.html").write_text("<!doctype html><title>Lost</title><p>the site's own 404</p>")
    (root / "pt-BR" / "404.html").write_text("<!doctype html><title>Perdido</title><p>404 em pt")
    for lang in definition.language_codes:
        folder = root / "ticket-form" / lang
        folder.mkdir(parents=True)
        (folder / "index.html").write_text(render_standalone_page(definition, lang))
        (folder / "fragment.html").write_text(render_form(definition, lang))
    return root


@pytest.fixture(scope="module")
def service(tmp_path_factory, site: Path):
    with start_service(tmp_path_factory.mktemp("intake"), site) as running:
        yield running


@pytest.fixture
def client(service: RunningService):
    with httpx.Client(base_url=service.url, timeout=10) as http:
        yield http


def post_json(client: httpx.Client, body, **headers) -> httpx.Response:
    return client.post("/api/tickets", json=body, headers=headers)


def post_form(client: httpx.Client, fields: dict, **headers) -> httpx.Response:
    return client.post("/api/tickets", data=fields, headers=headers)


def hidden_inputs(page: httpx.Response) -> dict[str, str]:
    """The hidden inputs of a page's form, as a browser without JavaScript posts them."""
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text))


def stored(service: RunningService, number: str):
    db = SqliteStorage(service.database, create=False)
    try:
        return db.get_by_number(number)
    finally:
        db.close()


# ---- accepted tickets


def test_a_json_ticket_is_answered_201_with_a_number_and_a_private_status_link(
    client, service, definition
):
    response = post_json(client, valid_ticket(definition, "en"))

    assert response.status_code == 201
    body = response.json()
    assert NUMBER.match(body["number"])
    assert body["status"] == "open"
    assert body["status_name"] == "Open"
    assert body["message"] == f"Your ticket has been opened. Its number is {body['number']}."
    link = urlsplit(body["status_url"])
    assert f"{link.scheme}://{link.netloc}" == service.url
    assert link.path.startswith("/tickets/status/")
    assert body["number"] not in link.path
    assert response.headers["Location"] == body["status_url"]


def test_an_accepted_ticket_is_stored_with_its_language_version_status_and_times(
    client, service, definition
):
    sent = valid_ticket(definition, "pt-BR", subject="  Site fora do ar  ")

    number = post_json(client, sent).json()["number"]

    ticket = stored(service, number)
    assert ticket.submission == normalize(sent)
    assert ticket.submission["subject"] == "Site fora do ar"
    assert ticket.language == "pt-BR"
    assert ticket.schema_version == version_of(submission_schema(definition))
    assert ticket.status == definition.statuses[0].id == "open"
    assert ticket.created_at == ticket.updated_at
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$", ticket.created_at)


def test_the_ticket_is_also_kept_exactly_as_the_customer_sent_it(client, service, definition):
    sent = valid_ticket(
        definition,
        "en",
        subject="  Purge the cache  ",
        description="First line of what happened.\r\nSecond line, after a CRLF.  ",
        url="",
    )
    meta = {protocol.FORM_LANGUAGE_FIELD: "en", protocol.HONEYPOT_FIELD: ""}

    number = post_json(client, {**sent, **meta}).json()["number"]

    ticket = stored(service, number)
    assert ticket.received == sent
    assert ticket.submission == normalize(sent)
    assert ticket.submission["subject"] == "Purge the cache"
    assert "url" not in ticket.submission


def test_a_plain_form_ticket_is_kept_as_typed_without_the_forms_hidden_inputs(
    client, service, definition
):
    sent = valid_ticket(definition, "pt-BR", subject=" Site fora do ar ", device_uuid="")
    hidden = {
        protocol.IDEMPOTENCY_FIELD: "kept-as-typed",
        protocol.SCHEMA_VERSION_FIELD: version_of(submission_schema(definition)),
        protocol.FORM_LANGUAGE_FIELD: "pt-BR",
        protocol.HONEYPOT_FIELD: "",
    }

    response = post_form(client, {**sent, **hidden})

    token = response.headers["Location"].rsplit("/", 1)[1]
    db = SqliteStorage(service.database, create=False)
    try:
        ticket = db.get_by_status_token(token)
    finally:
        db.close()
    assert ticket.received == sent
    assert ticket.submission["subject"] == "Site fora do ar"


def test_the_answer_is_in_the_language_chosen_for_the_ticket(client, definition):
    body = post_json(client, valid_ticket(definition, "pt-BR"), **{"Accept-Language": "en"}).json()

    assert body["status_name"] == "Aberto"
    assert body["message"] == f"Seu ticket foi aberto. O número dele é {body['number']}."


def test_the_status_link_shows_the_status_and_its_meaning_in_the_tickets_language(
    client, definition
):
    body = post_json(client, valid_ticket(definition, "pt-BR")).json()

    page = client.get(body["status_url"])

    assert page.status_code == 200
    assert '<html lang="pt-BR">' in page.text
    assert body["number"] in page.text
    open_status = definition.statuses[0]
    assert open_status.name["pt-BR"] in page.text
    assert open_status.meaning["pt-BR"] in page.text
    assert open_status.meaning["en"] not in page.text


def test_the_status_page_follows_a_status_changed_by_support(client, service, definition):
    body = post_json(client, valid_ticket(definition, "en")).json()
    db = SqliteStorage(service.database, create=False)
    db.set_status(body["number"], "pending")
    db.close()

    page = client.get(body["status_url"])

    pending = next(s for s in definition.statuses if s.id == "pending")
    assert pending.name["en"] in page.text
    assert pending.meaning["en"] in page.text


def test_the_status_page_shows_nothing_of_any_other_ticket(client, definition):
    mine = post_json(client, valid_ticket(definition, "en", subject="Mine: cache purge")).json()
    theirs = post_json(client, valid_ticket(definition, "en", subject="Theirs: DNS zone")).json()

    page = client.get(mine["status_url"]).text

    assert "Mine: cache purge" in page
    assert "Theirs: DNS zone" not in page
    assert theirs["number"] not in page
    assert "@" not in page


def test_ticket_text_is_escaped_where_it_is_shown(client, definition):
    subject = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    body = post_json(client, valid_ticket(definition, "en", subject=subject)).json()

    page = client.get(body["status_url"]).text

    assert "<script>alert" not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page


@pytest.mark.parametrize(
    ("token", "accept", "expected"),
    [
        ("a" * 32, "en", "Ticket not found"),
        ("guessed-token-guessed-token-0000", "pt-BR,pt;q=0.9", "Ticket não encontrado"),
        ("short", "en", "Ticket not found"),
        ("not%20a%20token%20at%20all", "en", "Ticket not found"),
    ],
)
def test_a_wrong_or_guessed_status_link_is_not_found(client, token, accept, expected):
    for page in ("status", "received"):
        response = client.get(f"/tickets/{page}/{token}", headers={"Accept-Language": accept})

        assert response.status_code == 404
        assert expected in response.text


def test_a_status_link_that_climbs_out_of_its_folder_is_not_found(client):
    response = client.get("/tickets/status/%2e%2e%2f%2e%2e%2fetc%2fpasswd")

    assert response.status_code == 404
    assert "root:" not in response.text


# ---- the plain form (JavaScript off)


def test_a_plain_form_post_is_redirected_to_a_confirmation_page_in_the_tickets_language(
    client, definition
):
    fields = {
        **valid_ticket(definition, "pt-BR"),
        protocol.IDEMPOTENCY_FIELD: "",
        protocol.SCHEMA_VERSION_FIELD: version_of(submission_schema(definition)),
        protocol.FORM_LANGUAGE_FIELD: "en",
        protocol.HONEYPOT_FIELD: "",
    }

    response = post_form(client, fields)

    assert response.status_code == 303
    confirmation = client.get(response.headers["Location"])
    assert confirmation.status_code == 200
    assert '<html lang="pt-BR">' in confirmation.text
    assert "Seu ticket foi aberto" in confirmation.text
    number = re.search(r'id="ticket-number">([^<]+)<', confirmation.text).group(1)
    assert NUMBER.match(number)
    status_url = re.search(r'id="status-link" href="([^"]+)"', confirmation.text).group(1)
    assert number in client.get(status_url).text


def test_a_plain_form_post_with_errors_comes_back_with_every_value_kept(client, service):
    before = service.count_tickets()
    fields = {
        "type": "problem",
        "severity": "system_impaired",
        "subject": "Hi",
        "description": 'Pages show "502" & <nothing> else for ten minutes now.',
        "email": "joao @example.com",
        "language": "en",
        protocol.IDEMPOTENCY_FIELD: "first-key",
        protocol.FORM_LANGUAGE_FIELD: "en",
        protocol.HONEYPOT_FIELD: "",
    }

    response = post_form(client, fields)

    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert re.search(r"<title>Error: ", html)
    assert "There is a problem" in html
    assert html.count('aria-invalid="true"') >= 3
    assert "Enter a subject of at least 5 characters" in html
    assert "e-mail address in the correct format" in html
    assert 'value="Hi"' in html
    assert 'value="joao @example.com"' in html
    assert "Pages show &#34;502&#34; &amp; &lt;nothing&gt; else for ten minutes now." in html
    assert re.search(r'value="problem"[^>]*checked|checked[^>]*value="problem"', html)
    key = re.search(rf'name="{protocol.IDEMPOTENCY_FIELD}" value="([^"]+)"', html).group(1)
    assert key != "first-key"
    assert service.count_tickets() == before
    # The page posts again: under "no-referrer" a browser would send `Origin: null`.
    assert response.headers["referrer-policy"] == "same-origin"
    assert "unsafe-inline" not in response.headers["content-security-policy"]


def test_a_plain_form_post_with_errors_in_portuguese_starts_its_title_with_erro(client):
    response = post_form(
        client, {"subject": "Oi", "language": "pt-BR", protocol.FORM_LANGUAGE_FIELD: "pt-BR"}
    )

    assert response.status_code == 422
    assert re.search(r"<title>Erro: ", response.text)
    assert "Informe um assunto com pelo menos 5 caracteres" in response.text
    assert '<html lang="pt-BR"' in response.text


@pytest.mark.parametrize("lang", ["en", "pt-BR"])
def test_each_view_of_a_page_holding_the_form_gets_an_idempotency_key_of_its_own(client, lang):
    first = client.get(f"/ticket-form/{lang}/")
    second = client.get(f"/ticket-form/{lang}/")

    keys = [hidden_inputs(page)[protocol.IDEMPOTENCY_FIELD] for page in (first, second)]
    assert first.status_code == second.status_code == 200
    assert all(keys)
    assert keys[0] != keys[1]
    assert first.headers["cache-control"] == "no-store"
    assert "etag" not in first.headers
    assert first.headers["content-type"] == "text/html; charset=utf-8"


@pytest.mark.parametrize("served", [True, False], ids=["key-of-a-served-page", "key-as-sent"])
def test_a_plain_form_posted_twice_with_its_hidden_key_makes_one_ticket(
    client, service, definition, served
):
    page = client.get("/ticket-form/pt-BR/")
    key = hidden_inputs(page) if served else {protocol.IDEMPOTENCY_FIELD: "rendered-form-7"}
    fields = {**key, **valid_ticket(definition, "pt-BR")}
    before = service.count_tickets()

    first = post_form(client, fields)
    second = post_form(client, fields)

    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert service.count_tickets() == before + 1


def test_files_without_the_form_are_served_as_built_and_may_be_cached(client, site):
    fragment = client.get("/ticket-form/en/fragment.html")
    home = client.get("/")

    # The embed script fills the fragment's key itself.
    assert fragment.text == (site / "ticket-form" / "en" / "fragment.html").read_text()
    assert f'name="{protocol.IDEMPOTENCY_FIELD}">' in fragment.text
    for response in (fragment, home):
        assert "etag" in response.headers
        assert "cache-control" not in response.headers


# ---- one idempotency key, one ticket


def test_a_key_sent_again_with_another_ticket_is_refused_with_409_and_nothing_is_stored(
    client, service, definition
):
    key = {protocol.IDEMPOTENCY_HEADER: "reused-for-another-ticket"}
    first = post_json(client, valid_ticket(definition, "en", subject="The first ticket"), **key)
    before = service.count_tickets()

    second = post_json(
        client, valid_ticket(definition, "en", subject="Somebody else's ticket"), **key
    )

    assert first.status_code == 201
    assert second.status_code == 409
    assert second.json() == {"error": definition.ui_text("intake.error.idempotency_conflict", "en")}
    assert first.json()["number"] not in second.text
    assert "status" not in second.text
    assert service.count_tickets() == before


def test_a_resend_that_differs_only_in_white_space_is_the_same_ticket(client, definition):
    key = {protocol.IDEMPOTENCY_HEADER: "resent-with-spaces"}
    ticket = valid_ticket(definition, "en", subject="Cache purge question")

    first = post_json(client, ticket, **key)
    again = post_json(client, {**ticket, "subject": " Cache purge question  "}, **key)

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["number"] == first.json()["number"]
    assert again.headers["Idempotent-Replayed"] == "true"


def test_a_plain_form_reusing_its_key_for_another_ticket_gets_a_short_409_page(
    client, service, definition
):
    hidden = {
        protocol.IDEMPOTENCY_FIELD: "plain-form-reused",
        protocol.FORM_LANGUAGE_FIELD: "pt-BR",
    }
    post_form(client, {**valid_ticket(definition, "pt-BR", subject="Primeiro ticket"), **hidden})
    before = service.count_tickets()

    response = post_form(
        client, {**valid_ticket(definition, "pt-BR", subject="Outro ticket"), **hidden}
    )

    assert response.status_code == 409
    assert response.headers["content-type"].startswith("text/html")
    assert "<title>Erro: O ticket não foi enviado</title>" in response.text
    assert definition.ui_text("intake.error.idempotency_conflict", "pt-BR") in response.text
    assert "/tickets/status/" not in response.text
    assert "/tickets/received/" not in response.text
    assert service.count_tickets() == before


def test_one_key_sent_at_once_with_two_different_tickets_makes_one_ticket(service, definition):
    tickets = [
        valid_ticket(definition, "en", subject="One version of the ticket"),
        valid_ticket(definition, "en", subject="Another version of it"),
    ]
    before = service.count_tickets()
    start = threading.Barrier(10)

    def post(index: int) -> tuple[int, str, str]:
        with httpx.Client(base_url=service.url, timeout=10) as own:
            start.wait()
            sent = tickets[index % 2]
            response = post_json(own, sent, **{protocol.IDEMPOTENCY_HEADER: "raced-two-ways"})
            return response.status_code, sent["subject"], response.json().get("number", "")

    with ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(post, range(10)))

    accepted = {(subject, number) for status, subject, number in answers if status == 201}
    refused = {subject for status, subject, _ in answers if status == 409}
    assert len(accepted) == 1
    assert refused == {t["subject"] for t in tickets} - {subject for subject, _ in accepted}
    assert sorted({status for status, _, _ in answers}) == [201, 409]
    assert service.count_tickets() == before + 1


# ---- rejected tickets


def test_a_rejected_ticket_gets_422_with_the_problems_in_its_language(client, service, definition):
    before = service.count_tickets()

    response = post_json(client, {"subject": "Oi", "language": "pt-BR", "colour": "azul"})

    assert response.status_code == 422
    problems = {p["field"]: p for p in response.json()["problems"]}
    assert problems["subject"]["code"] == "too_short"
    assert problems["subject"]["message"] == "Informe um assunto com pelo menos 5 caracteres"
    assert problems["subject"]["params"] == {"min_length": 5}
    assert problems["type"]["message"] == "Selecione um tipo de ticket"
    assert problems["colour"]["code"] == "unknown_field"
    assert response.json()["schema_version"] == version_of(submission_schema(definition))
    assert service.count_tickets() == before


@pytest.mark.parametrize(
    ("body", "headers", "expected"),
    [
        ({"subject": "Hi", "language": "en"}, {"Accept-Language": "pt-BR"}, "Enter a subject"),
        ({"subject": "Hi", "language": "fr"}, {"Accept-Language": "pt-BR"}, "Informe um assunto"),
        ({"subject": "Hi", protocol.FORM_LANGUAGE_FIELD: "pt-BR"}, {}, "Informe um assunto"),
        ({"subject": "Hi"}, {"Accept-Language": "fr, pt;q=0.5"}, "Informe um assunto"),
        ({"subject": "Hi"}, {"Accept-Language": "de"}, "Enter a subject"),
    ],
)
def test_problems_are_worded_in_the_submissions_language(client, body, headers, expected):
    response = client.post("/api/tickets", json=body, headers=headers)

    messages = {p["field"]: p["message"] for p in response.json()["problems"]}
    assert messages["subject"].startswith(expected)


def test_an_out_of_date_form_that_no_longer_validates_is_told_so_in_its_language(client):
    response = post_json(
        client,
        {"subject": "Oi", "language": "pt-BR"},
        **{protocol.SCHEMA_VERSION_HEADER: "0ld0ld0ld0ld"},
    )

    first = response.json()["problems"][0]
    assert first["code"] == "out_of_date"
    assert first["field"] == ""
    assert first["message"].startswith("Este formulário está desatualizado")
    assert first["params"]["sent_version"] == "0ld0ld0ld0ld"
    assert {p["field"] for p in response.json()["problems"][1:]} >= {"subject", "type"}


def test_an_out_of_date_plain_form_shows_the_message_on_the_page(client):
    response = post_form(
        client,
        {
            "subject": "Hi",
            "language": "en",
            protocol.SCHEMA_VERSION_FIELD: "0ld0ld0ld0ld",
            protocol.FORM_LANGUAGE_FIELD: "en",
        },
    )

    assert response.status_code == 422
    assert "This form is out of date" in response.text


def test_an_older_form_whose_ticket_still_validates_is_accepted(client, definition):
    response = post_json(
        client, valid_ticket(definition), **{protocol.SCHEMA_VERSION_HEADER: "0ld0ld0ld0ld"}
    )

    assert response.status_code == 201


def test_a_current_form_with_problems_is_not_called_out_of_date(client, definition):
    current = version_of(submission_schema(definition))

    response = post_json(client, {"subject": "Hi"}, **{protocol.SCHEMA_VERSION_HEADER: current})

    assert "out_of_date" not in {p["code"] for p in response.json()["problems"]}


# ---- bad input


def test_a_body_over_64_kib_is_refused_with_413_and_nothing_is_stored(client, service, definition):
    before = service.count_tickets()
    ticket = valid_ticket(definition, description="x" * MAX_BODY_BYTES)

    response = post_json(client, ticket)

    assert response.status_code == 413
    assert response.json() == {
        "error": "The ticket is larger than 64 KiB. Shorten the longest texts and send it again."
    }
    assert service.count_tickets() == before


def test_a_body_of_exactly_64_kib_is_read(client):
    body = b'{"subject": "' + b"x" * (MAX_BODY_BYTES - 15) + b'"}'
    assert len(body) == MAX_BODY_BYTES

    response = client.post(
        "/api/tickets", content=body, headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 422


def raw_request(service: RunningService, head: str, body: bytes, wait: float = 5) -> bytes:
    """Send a request by hand, leave the socket open, and return what arrives within `wait`."""
    port = urlsplit(service.url).port
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as connection:
        connection.sendall(head.encode("ascii") + body)
        return read_answer(connection, wait)


def read_answer(connection: socket.socket, wait: float) -> bytes:
    """What the service answers within `wait`: at least its status line and headers."""
    answer = b""
    deadline = time.monotonic() + wait
    while b"\r\n\r\n" not in answer and time.monotonic() < deadline:
        chunk = connection.recv(65536)
        if not chunk:
            break
        answer += chunk
    return answer


def read_until_closed(connection: socket.socket, wait: float) -> bytes:
    """Everything the service sends until it closes the connection (at most `wait` seconds)."""
    answer = b""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        chunk = connection.recv(65536)
        if not chunk:
            return answer
        answer += chunk
    raise AssertionError(f"the connection was still open after {wait} seconds")


def reads_on(connection: socket.socket, seconds: float) -> bool:
    """Whether the service keeps taking a body sent after its answer, for `seconds`."""
    chunk = b"2000\r\n" + b" " * 0x2000 + b"\r\n"
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            connection.sendall(chunk)
    except OSError:
        return False
    return True


def test_a_declared_huge_body_is_refused_before_it_has_arrived(service):
    # Ten megabytes announced, one kilobyte sent: the answer must not wait for the rest.
    head = (
        "POST /api/tickets HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: application/json\r\nContent-Length: 10000000\r\n\r\n"
    )
    started = time.monotonic()

    answer = raw_request(service, head, b"{" + b" " * 1023)

    assert answer.startswith(b"HTTP/1.1 413 ")
    assert time.monotonic() - started < 4


def test_a_chunked_body_is_refused_as_soon_as_it_passes_the_limit(service):
    head = (
        "POST /api/tickets HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    chunk = b" " * 8192
    # A little over the limit, and no closing chunk: the body never ends.
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(9))

    answer = raw_request(service, head, chunks)

    assert answer.startswith(b"HTTP/1.1 413 ")


def test_a_refused_endless_body_closes_the_connection_instead_of_being_read_on(service):
    port = urlsplit(service.url).port
    head = (
        b"POST /api/tickets HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
        connection.sendall(
            head + b"%x\r\n%s\r\n" % (MAX_BODY_BYTES + 1, b" " * (MAX_BODY_BYTES + 1))
        )
        answer = read_answer(connection, 5)

        assert answer.startswith(b"HTTP/1.1 413 ")
        assert b"\r\nconnection: close\r\n" in answer.lower()
        assert not reads_on(connection, 5)


def test_a_declared_huge_body_gets_413_with_connection_close(service):
    head = (
        "POST /api/tickets HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 10000000\r\n\r\n"
    )

    answer = raw_request(service, head, b"subject=")

    assert answer.startswith(b"HTTP/1.1 413 ")
    assert b"\r\nconnection: close\r\n" in answer.lower()


def test_a_body_that_stops_arriving_gets_408_with_one_clear_line(tmp_path, definition):
    head = (
        "POST /api/tickets HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Language: pt-BR\r\n"
        "Content-Type: application/json\r\nContent-Length: 60000\r\n\r\n"
    )
    with start_service(tmp_path, body_timeout=0.5) as impatient:
        port = urlsplit(impatient.url).port
        with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
            started = time.monotonic()
            connection.sendall(head.encode("ascii") + b'{"subject": "' + b"x" * 87)
            answer = read_until_closed(connection, 5)
            waited = time.monotonic() - started
        stored_tickets = impatient.count_tickets()

    status, _, rest = answer.partition(b"\r\n")
    headers, _, body = rest.partition(b"\r\n\r\n")
    assert status.startswith(b"HTTP/1.1 408 ")
    assert 0.5 <= waited < 4
    assert b"connection: close" in headers.lower()
    assert json.loads(body) == {"error": definition.ui_text("form.network_error", "pt-BR")}
    assert stored_tickets == 0


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "multipart/form-data; boundary=x", "application/xml", None],
)
def test_a_wrong_content_type_is_refused_with_415(client, service, content_type, definition):
    before = service.count_tickets()
    headers = {"Content-Type": content_type} if content_type else {}

    response = client.post(
        "/api/tickets", content=json.dumps(valid_ticket(definition)), headers=headers
    )

    assert response.status_code == 415
    assert service.count_tickets() == before


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"", "not valid JSON"),
        (b'{"subject": "Hi"', "not valid JSON"),
        (b"NaN-ish", "not valid JSON"),
        (b'{"subject": NaN}', "not valid JSON"),
        (b'{"subject": -Infinity}', "not valid JSON"),
        (b"[" * 30_000 + b"]" * 30_000, "not valid JSON"),
        (b"[]", "must be a JSON object"),
        (b'"a ticket"', "must be a JSON object"),
        (b"null", "must be a JSON object"),
        (b'{"subject": "\xff\xfe"}', "not valid UTF-8"),
        (b'{"subject": "\\ud800 lone surrogate"}', "not valid UTF-8"),
    ],
)
def test_a_body_that_is_not_a_json_object_gets_400_with_one_clear_line(
    client, service, body, expected
):
    before = service.count_tickets()

    response = client.post(
        "/api/tickets", content=body, headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert expected in error
    assert "\n" not in error
    assert service.count_tickets() == before


def test_a_plain_form_body_that_is_not_utf8_gets_a_page_in_the_visitors_language(client):
    response = client.post(
        "/api/tickets",
        content=b"subject=%FF%FE&language=en",
        headers={**FORM_HEADERS, "Accept-Language": "pt-BR"},
    )

    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert "<title>Erro: O ticket não foi enviado</title>" in response.text


def test_a_bad_idempotency_key_is_refused(client, definition):
    response = post_json(client, valid_ticket(definition), **{"Idempotency-Key": "x" * 201})

    assert response.status_code == 400
    assert "idempotency key" in response.json()["error"]


# ---- abuse


def test_a_filled_honeypot_gets_a_believable_answer_and_nothing_is_stored(
    client, service, definition, caplog
):
    before = service.count_tickets()
    ticket = valid_ticket(definition, "en")

    with caplog.at_level(logging.INFO, logger="ticket_schema.intake"):
        as_json = post_json(client, {**ticket, protocol.HONEYPOT_FIELD: "http://spam.example"})
        as_form = post_form(client, {**ticket, protocol.HONEYPOT_FIELD: "http://spam.example"})
        logged_lines(caplog, 4)

    assert as_json.status_code == 201
    assert NUMBER.match(as_json.json()["number"])
    assert as_form.status_code == 303
    assert service.count_tickets() == before
    assert client.get(as_json.json()["status_url"]).status_code == 404
    honeypot_lines = [r.getMessage() for r in caplog.records if r.getMessage() == "honeypot"]
    assert len(honeypot_lines) == 2
    assert "spam.example" not in caplog.text


def test_a_plain_form_with_the_honeypot_filled_is_answered_like_a_real_ticket(
    client, service, definition
):
    ticket = valid_ticket(definition, "pt-BR")
    before = service.count_tickets()

    real = post_form(client, {**ticket, protocol.HONEYPOT_FIELD: ""})
    robot = post_form(client, {**ticket, protocol.HONEYPOT_FIELD: "http://spam.example"})
    after = service.count_tickets()
    pages = [client.get(answer.headers["Location"]) for answer in (real, robot)]

    assert (real.status_code, robot.status_code) == (303, 303)
    assert sorted(real.headers.keys()) == sorted(robot.headers.keys())
    assert robot.headers["Idempotent-Replayed"] == "false"
    real_path, robot_path = (urlsplit(a.headers["Location"]).path for a in (real, robot))
    assert re.fullmatch(r"/tickets/received/[A-Za-z0-9_-]{32}", robot_path)
    assert len(real_path) == len(robot_path)
    assert after == before + 1
    for page in pages:
        assert page.status_code == 200
        assert '<html lang="pt-BR">' in page.text
        assert "Seu ticket foi aberto" in page.text
        assert NUMBER.match(re.search(r'id="ticket-number">([^<]+)<', page.text).group(1))
    assert sorted(pages[0].headers.keys()) == sorted(pages[1].headers.keys())
    # The same page each time it is opened, and one altered letter finds nothing.
    assert client.get(robot.headers["Location"]).text == pages[1].text
    altered = robot_path[:-1] + ("A" if robot_path[-1] != "A" else "B")
    assert client.get(altered).status_code == 404


def test_the_same_idempotency_key_sent_ten_times_at_once_makes_one_ticket(
    client, service, definition
):
    ticket = valid_ticket(definition, "en")
    before = service.count_tickets()
    start = threading.Barrier(10)

    def post(_: int) -> tuple[int, str]:
        with httpx.Client(base_url=service.url, timeout=10) as own:
            start.wait()
            response = post_json(own, ticket, **{"Idempotency-Key": "ten-at-once"})
            return response.status_code, response.json()["number"]

    with ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(post, range(10)))

    assert {status for status, _ in answers} == {201}
    assert len({number for _, number in answers}) == 1
    assert service.count_tickets() == before + 1


def test_posts_without_an_idempotency_key_each_make_a_new_ticket(client, service, definition):
    before = service.count_tickets()

    numbers = {post_json(client, valid_ticket(definition)).json()["number"] for _ in range(3)}

    assert len(numbers) == 3
    assert service.count_tickets() == before + 3


def test_a_post_from_an_origin_not_on_the_list_is_forbidden(client, service, definition):
    before = service.count_tickets()

    response = post_json(client, valid_ticket(definition), Origin="https://elsewhere.example")

    assert response.status_code == 403
    assert "access-control-allow-origin" not in response.headers
    assert service.count_tickets() == before


def test_a_post_from_the_sites_own_pages_is_accepted(client, service, definition):
    response = post_json(client, valid_ticket(definition), Origin=service.url)

    assert response.status_code == 201


def test_a_sandboxed_page_with_a_null_origin_is_forbidden(client, definition):
    response = post_json(client, valid_ticket(definition), Origin="null")

    assert response.status_code == 403


@pytest.fixture(scope="module")
def embedding_service(tmp_path_factory):
    """A service that lets one other site embed the form."""
    with start_service(
        tmp_path_factory.mktemp("embedding"), allowed_origins=("https://help.example.com",)
    ) as running:
        yield running


def test_an_allowed_site_gets_a_cors_preflight_answer_and_may_post(embedding_service, definition):
    origin = "https://help.example.com"
    with httpx.Client(base_url=embedding_service.url) as http:
        preflight = http.options(
            "/api/tickets",
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type, idempotency-key",
            },
        )
        posted = post_json(http, valid_ticket(definition), Origin=origin)

    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == origin
    assert "POST" in preflight.headers["access-control-allow-methods"]
    allowed = preflight.headers["access-control-allow-headers"].lower()
    for header in ("content-type", "idempotency-key", "ticket-schema-version", "accept-language"):
        assert header in allowed
    assert posted.status_code == 201
    assert posted.headers["access-control-allow-origin"] == origin


def test_a_site_not_on_the_list_gets_no_cors_preflight_answer(embedding_service):
    with httpx.Client(base_url=embedding_service.url) as http:
        preflight = http.options(
            "/api/tickets",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        )

    assert preflight.status_code == 403
    assert "access-control-allow-origin" not in preflight.headers


def test_a_client_over_its_rate_limit_gets_429_with_retry_after(tmp_path, definition):
    from ticket_schema.intake.settings import RateLimit

    with start_service(tmp_path, rate_limit=RateLimit(3, 60)) as limited:
        with httpx.Client(base_url=limited.url) as http:
            answers = [post_json(http, {"subject": "Hi"}) for _ in range(3)]
            refused = post_json(http, valid_ticket(definition))
            portuguese = post_json(http, valid_ticket(definition), **{"Accept-Language": "pt-BR"})

        assert [a.status_code for a in answers] == [422, 422, 422]
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["Retry-After"]) <= 20
        assert "Try again in" in refused.json()["error"]
        assert "Tente de novo em" in portuguese.json()["error"]
        assert limited.count_tickets() == 0


def test_behind_no_trusted_proxy_a_forwarded_address_does_not_escape_the_limit(tmp_path):
    from ticket_schema.intake.settings import RateLimit

    with (
        start_service(tmp_path, rate_limit=RateLimit(2, 60)) as limited,
        httpx.Client(base_url=limited.url) as http,
    ):
        statuses = [
            post_json(http, {}, **{"X-Forwarded-For": f"203.0.113.{n}"}).status_code
            for n in range(3)
        ]

    assert statuses == [422, 422, 429]


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit(tmp_path, definition):
    from ticket_schema.intake.settings import RateLimit

    with (
        start_service(
            tmp_path, rate_limit=RateLimit(2, 60), trusted_proxies=("127.0.0.1",)
        ) as behind_proxy,
        httpx.Client(base_url=behind_proxy.url) as http,
    ):
        first = [
            post_json(http, {}, **{"X-Forwarded-For": "203.0.113.5"}).status_code for _ in range(3)
        ]
        other = post_json(
            http,
            valid_ticket(definition),
            **{"X-Forwarded-For": "203.0.113.6", "X-Forwarded-Proto": "https"},
        )

    assert first == [422, 422, 429]
    assert other.status_code == 201
    assert other.json()["status_url"].startswith("https://")


# ---- logs, headers, the site


def logged_lines(caplog, count: int) -> list[str]:
    """The service's log lines, once `count` have arrived (each is written after its answer)."""
    deadline = time.monotonic() + 5
    while True:
        lines = [r.getMessage() for r in caplog.records if r.name == "ticket_schema.intake"]
        if len(lines) >= count or time.monotonic() > deadline:
            return lines
        time.sleep(0.01)


def test_each_request_is_logged_in_one_line_without_ticket_text_or_email(
    client, definition, caplog
):
    ticket = valid_ticket(
        definition, "en", subject="Secret launch plans", email="ceo@secret.example"
    )

    with caplog.at_level(logging.INFO, logger="ticket_schema.intake"):
        accepted = post_json(client, ticket).json()
        post_json(client, {**ticket, "subject": "Hi"})
        client.get(accepted["status_url"])
        lines = logged_lines(caplog, 3)

    assert any(
        line.startswith("POST /api/tickets 201 ") and accepted["number"] in line for line in lines
    )
    assert any(line.startswith("POST /api/tickets 422 problems=too_short") for line in lines)
    assert any(line.startswith("GET /tickets/status/… 200") for line in lines)
    assert all(line.endswith("ms") for line in lines)
    everything = caplog.text
    assert "Secret launch" not in everything
    assert "secret.example" not in everything
    assert urlsplit(accepted["status_url"]).path.rsplit("/", 1)[1] not in everything


def test_the_services_own_pages_forbid_inline_script_and_leak_no_referrer(client, definition):
    status_url = post_json(client, valid_ticket(definition)).json()["status_url"]

    for response in (client.get(status_url), client.get("/tickets/status/" + "z" * 32)):
        policy = response.headers["content-security-policy"]
        assert "default-src 'none'" in policy
        assert "script-src 'self'" in policy
        assert "unsafe-inline" not in policy
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/health", None),
        ("POST", "/api/tickets", "ticket"),
        ("POST", "/api/tickets", {"subject": "Hi"}),
        ("POST", "/api/tickets", b"not json"),
        ("GET", "/api/tickets", None),
        ("GET", "/api/nothing-here", None),
        ("OPTIONS", "/api/tickets", None),
    ],
)
def test_every_api_answer_is_neither_cached_nor_sniffed(client, definition, method, path, body):
    if body == "ticket":
        body = valid_ticket(definition)
    content = body if isinstance(body, bytes) else None
    data = None if isinstance(body, bytes) or body is None else json.dumps(body)

    response = client.request(
        method, path, content=content or data, headers={"Content-Type": "application/json"}
    )

    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_the_plain_forms_redirect_to_its_private_page_is_not_cached(client, definition):
    response = post_form(client, valid_ticket(definition))

    assert response.status_code == 303
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_the_pages_style_sheet_is_served(client):
    response = client.get("/tickets/assets/intake.css")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")


def test_the_built_site_is_served_at_the_root_with_its_own_404_page(client):
    home = client.get("/")
    portuguese = client.get("/pt-BR/")
    missing = client.get("/no/such/page/")

    assert (home.status_code, portuguese.status_code) == (200, 200)
    assert "home" in home.text
    assert missing.status_code == 404
    assert "the site's own 404" in missing.text


@pytest.mark.parametrize(
    ("address", "accept", "expected"),
    [
        ("/pt-BR/nada/", None, "404 em pt"),
        ("/pt-br/nada/", "en", "404 em pt"),
        ("/documentacao/nada/", "pt-BR,pt;q=0.9,en;q=0.5", "404 em pt"),
        ("/documentacao/nada/", "pt", "404 em pt"),
        ("/documentation/nothing/", "en-GB,en;q=0.9", "the site's own 404"),
        ("/documentation/nothing/", None, "the site's own 404"),
        ("/documentation/nothing/", "fr", "the site's own 404"),
    ],
)
def test_a_missing_page_is_answered_in_the_language_of_its_address_or_the_reader(
    client, address, accept, expected
):
    headers = {"Accept-Language": accept} if accept else {}

    missing = client.get(address, headers=headers)

    assert missing.status_code == 404
    assert expected in missing.text


def test_unknown_api_addresses_and_methods_answer_one_json_line(client):
    missing = client.get("/api/nothing-here")
    wrong_method = client.get("/api/tickets", headers={"Accept-Language": "pt-BR"})

    assert missing.status_code == 404
    assert missing.json() == {"error": "There is nothing at this address."}
    assert wrong_method.status_code == 405
    assert wrong_method.json() == {"error": "Este endereço não aceita o método GET."}


def test_the_health_endpoint_answers_without_touching_tickets(client):
    response = client.get("/api/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_the_database_file_holds_every_accepted_ticket(service):
    assert count_tickets(service.database) == service.count_tickets() > 0


class BrokenStorage:
    """A storage whose disk is full: every write fails."""

    def create_ticket(self, **ticket):
        raise StorageError("database or disk is full")

    def get_by_status_token(self, token):
        return None

    def close(self):
        pass


def test_a_storage_failure_is_answered_503_try_again_and_never_acknowledged(tmp_path, definition):
    with (
        start_service(tmp_path, storage=BrokenStorage()) as broken,
        httpx.Client(base_url=broken.url) as http,
    ):
        as_json = post_json(http, valid_ticket(definition))
        as_form = post_form(http, valid_ticket(definition, "pt-BR"), **{"Accept-Language": "pt-BR"})

    assert as_json.status_code == 503
    assert as_json.json() == {
        "error": "Support could not store the ticket right now. Try again in a minute."
    }
    assert as_json.headers["Retry-After"] == "60"
    assert as_form.status_code == 503
    assert "O suporte não conseguiu guardar o ticket agora" in as_form.text
