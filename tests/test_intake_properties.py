"""Property tests: whatever a client sends, the answer is a documented code, never a 5xx."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from intake_support import start_service

from ticket_schema import protocol
from ticket_schema.definition import load
from ticket_schema.intake.settings import MAX_BODY_BYTES
from ticket_schema.submission_schema import WHITESPACE, submission_schema

pytestmark = pytest.mark.http

DEFINITION = load()
SCHEMA = submission_schema(DEFINITION)

# Every status the README documents for POST /api/tickets.
DOCUMENTED = {201, 303, 400, 403, 408, 409, 413, 415, 422, 429}
SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

CONTENT_TYPES = st.sampled_from(
    [
        "application/json",
        "application/json; charset=utf-8",
        "APPLICATION/JSON",
        "application/x-www-form-urlencoded",
        "application/x-www-form-urlencoded; charset=latin-1",
        "multipart/form-data; boundary=----x",
        "text/plain",
        "application/xml",
        "",
        ";;;",
    ]
)
# Text of every kind, with lone surrogates (which UTF-8 cannot carry) mixed in often
# enough to be met: drawn from all of Unicode, they would almost never come up.
SURROGATES = st.text(
    st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF, exclude_categories=()),
    min_size=1,
    max_size=3,
)
TEXT = st.text(max_size=300) | st.builds(str.__add__, st.text(max_size=20), SURROGATES)
HEADER_TEXT = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=220).map(
    str.strip
)
FIELD_NAMES = st.sampled_from([f.id for f in DEFINITION.fields] + list(protocol.META_FIELDS)) | TEXT
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=300),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
OBJECTS = st.dictionaries(FIELD_NAMES, JSON_VALUES, max_size=16)
SUBMISSIONS = from_schema(SCHEMA)


@st.composite
def requests(draw: st.DrawFn) -> tuple[bytes, dict[str, str]]:
    """A body of any shape with a content type and headers of any kind."""
    kind = draw(st.sampled_from(["bytes", "json", "object", "submission", "form", "oversize"]))
    if kind == "bytes":
        body = draw(st.binary(max_size=2000))
    elif kind == "json":
        body = json.dumps(draw(JSON_VALUES)).encode("utf-8")
    elif kind == "object":
        body = json.dumps(draw(OBJECTS), ensure_ascii=draw(st.booleans())).encode(
            "utf-8", "surrogatepass"
        )
    elif kind == "submission":
        extra = draw(st.dictionaries(st.sampled_from(protocol.META_FIELDS), HEADER_TEXT))
        body = json.dumps({**draw(SUBMISSIONS), **extra}).encode("utf-8")
    elif kind == "form":
        fields = draw(st.dictionaries(FIELD_NAMES, TEXT, max_size=16))
        body = urlencode(fields, encoding="utf-8", errors="surrogatepass").encode("ascii")
    else:
        body = b"x" * draw(st.integers(MAX_BODY_BYTES + 1, 3 * MAX_BODY_BYTES))

    headers = {"Content-Type": draw(CONTENT_TYPES)}
    optional = {
        protocol.IDEMPOTENCY_HEADER: HEADER_TEXT,
        protocol.SCHEMA_VERSION_HEADER: HEADER_TEXT,
        "Accept-Language": HEADER_TEXT,
        "Origin": st.sampled_from(["null", "https://elsewhere.example", "not an origin"]),
    }
    for name, values in optional.items():
        if draw(st.booleans()):
            headers[name] = draw(values)
    return body, headers


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    with (
        start_service(tmp_path_factory.mktemp("properties")) as running,
        httpx.Client(base_url=running.url, timeout=10) as http,
    ):
        yield http


@SETTINGS
@given(request=requests())
def test_whatever_the_body_the_answer_is_a_documented_code_and_never_5xx(client, request):
    body, headers = request

    response = client.post("/api/tickets", content=body, headers=headers)

    assert response.status_code in DOCUMENTED, (response.status_code, response.text[:300])
    if response.headers.get("content-type", "").startswith("application/json"):
        answer = response.json()
        assert isinstance(answer, dict)
        assert "error" in answer or "problems" in answer or "number" in answer


@SETTINGS
@given(submission=OBJECTS)
def test_any_json_object_is_either_accepted_or_answered_with_its_problems(client, submission):
    body = json.dumps(submission).encode("utf-8", "surrogatepass")

    response = client.post(
        "/api/tickets", content=body, headers={"Content-Type": "application/json"}
    )

    assert response.status_code in {201, 400, 422}, response.text[:300]
    if response.status_code == 422:
        for problem in response.json()["problems"]:
            assert set(problem) == {"field", "code", "message", "params"}
            assert problem["message"]


def _trimmed(submission: dict[str, Any]) -> bool:
    return all(not isinstance(v, str) or v == v.strip(WHITESPACE) for v in submission.values())


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(submission=SUBMISSIONS.filter(_trimmed))
def test_any_submission_the_published_schema_allows_is_accepted_if_it_fits(client, submission):
    body = json.dumps(submission, ensure_ascii=False).encode("utf-8")

    response = client.post(
        "/api/tickets", content=body, headers={"Content-Type": "application/json"}
    )

    # Lengths count characters, the body limit bytes: long texts in a script
    # that takes three or four bytes a character can pass 64 KiB together.
    expected = 201 if len(body) <= MAX_BODY_BYTES else 413
    assert response.status_code == expected, response.text[:300]
