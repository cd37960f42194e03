"""Fuzz POST /v1/summaries with hypothesis: any body gets a non-5xx answer in the documented shape."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar.testing import TestClient

from service import schemas
from service.api.app import create_app
from tests.conftest import fake_settings
from tests.fakes import FakeModel

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=50)
)
field_values = (
    scalars
    | st.lists(scalars, max_size=3)
    | st.dictionaries(st.text(max_size=5), scalars, max_size=3)
)
bodies = st.fixed_dictionaries(
    {},
    optional={
        "text": st.text(max_size=400) | field_values,
        "title": st.text(max_size=60) | field_values,
        "prompt_version": st.sampled_from(["v1", "v2", "v0", "v99", "latest", ""]) | field_values,
        "max_summary_words": st.integers(-10, 1000) | field_values,
        "unexpected": field_values,
    },
)


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:  # type: ignore[type-arg]
    app = create_app(fake_settings(), http_client=FakeModel().http_client())
    with TestClient(app) as c:
        yield c


def check(r: Any) -> None:
    assert r.status_code < 500, r.text
    assert r.headers["x-request-id"]
    if r.status_code == 200:
        schemas.SummaryResponse.model_validate_json(r.text)
    else:
        body = schemas.ErrorBody.model_validate_json(r.text)
        assert body.message and body.request_id == r.headers["x-request-id"]


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=bodies)
def test_any_json_body(client: TestClient, body: dict[str, Any]) -> None:  # type: ignore[type-arg]
    check(client.post("/v1/summaries", json=body))


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    raw=st.binary(max_size=300) | st.text(max_size=300).map(str.encode),
    ctype=st.sampled_from(["application/json", "text/plain", "text/plain; charset=utf-8",
                           "application/x-www-form-urlencoded", "", "text/html"]),
)  # fmt: skip
def test_any_raw_body(client: TestClient, raw: bytes, ctype: str) -> None:  # type: ignore[type-arg]
    headers = {"content-type": ctype} if ctype else {}
    check(client.post("/v1/summaries", content=raw, headers=headers))


def test_deeply_nested_json_is_a_4xx(client: TestClient) -> None:  # type: ignore[type-arg]
    nested = "[" * 10_000 + "]" * 10_000
    check(
        client.post("/v1/summaries", content=json.dumps({"text": "x"})[:-1] + f', "x": {nested}}}')
    )
