"""What an outside client can rely on: no 500s for its own input, problems it can act on, an
OpenAPI document that tells the truth, a docs page that needs no internet, bounded work."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar.testing import TestClient
from reportedly.app import create_app
from reportedly.backends.rules.backend import RulesBackend
from reportedly.schema import MAX_TITLE_CHARS
from reportedly.settings import Settings

from tests.fakellm import FakeLLM, Reply
from tests.served import served
from tests.test_api import CLEAN, JI_SENTENCE, claim, draft, problem_of

JSON = {"content-type": "application/json"}


@pytest.fixture
def rules(tmp_path: Path) -> Iterator[TestClient[Any]]:
    with TestClient(app=create_app(Settings(cache_dir=tmp_path))) as c:
        yield c


@pytest.mark.parametrize("route", ["/v1/summaries", "/v1/summaries/batch"])
def test_deeply_nested_json_is_400_not_500(rules: TestClient[Any], route: str) -> None:
    deep = b"[" * 1000 + b"]" * 1000
    assert (
        "nested deeper" in problem_of(rules.post(route, content=deep, headers=JSON), 400)["detail"]
    )
    inside = b'{"items": [{"text": ' + b"[" * 100 + b"]" * 100 + b"}]}"
    problem_of(rules.post(route, content=inside, headers=JSON), 400)


def test_a_number_too_long_to_convert_is_400_without_python_internals(
    rules: TestClient[Any],
) -> None:
    body = b'{"text": "Officials said so.", "title": ' + b"7" * 5000 + b"}"
    detail = problem_of(rules.post("/v1/summaries", content=body, headers=JSON), 400)["detail"]
    assert "digits" in detail and "sys." not in detail


def test_empty_body_says_what_to_send(rules: TestClient[Any]) -> None:
    response = rules.post("/v1/summaries", content=b"", headers=JSON)
    assert "empty" in problem_of(response, 400)["detail"]


def test_unknown_query_parameters_are_422_with_json_too(rules: TestClient[Any]) -> None:
    response = rules.post("/v1/summaries?titel=x", json={"text": CLEAN})
    assert "titel" in problem_of(response, 422)["detail"]
    batch = rules.post("/v1/summaries/batch?backend=rules", json={"items": [{"text": CLEAN}]})
    assert "takes none" in problem_of(batch, 422)["detail"]


def test_query_fields_fill_in_what_a_json_body_does_not_give(rules: TestClient[Any]) -> None:
    ok = rules.post("/v1/summaries?title=Troops", json={"text": CLEAN})
    assert ok.status_code == 200 and ok.json()["headline"] == "Troops"
    both = rules.post("/v1/summaries?title=Troops", json={"text": CLEAN, "title": "Other"})
    assert both.json()["headline"] == "Other"


def test_title_is_limited_in_length(rules: TestClient[Any]) -> None:
    response = rules.post(
        "/v1/summaries", json={"text": CLEAN, "title": "x" * (MAX_TITLE_CHARS + 1)}
    )
    assert "title" in problem_of(response, 422)["detail"]


def test_body_over_the_limit_states_the_limit(tmp_path: Path) -> None:
    with TestClient(app=create_app(Settings(max_body_bytes=2000, cache_dir=tmp_path))) as c:
        detail = problem_of(c.post("/v1/summaries", json={"text": "word " * 1000}), 413)["detail"]
    assert "2,000 bytes" in detail and "REPORTEDLY_MAX_BODY_BYTES" in detail


def test_an_unexpected_error_is_a_500_whose_request_id_is_in_the_log(
    rules: TestClient[Any], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(*args: Any) -> Any:
        raise ZeroDivisionError("a bug of ours")

    monkeypatch.setattr(RulesBackend, "extract", broken)
    with caplog.at_level(logging.ERROR, logger="reportedly"):
        response = rules.post("/v1/summaries", json={"text": "Officials said the bridge is shut."})
        batch = rules.post("/v1/summaries/batch", json={"items": [{"text": "The dam held."}]})
    body = problem_of(response, 500)
    assert response.headers["x-request-id"] == body["request_id"]
    assert "a bug of ours" not in body["detail"] and body["request_id"] in body["detail"]
    item = batch.json()["results"][0]
    assert item["status"] == 500 and item["request_id"] != body["request_id"]
    for request_id in (body["request_id"], item["request_id"]):
        [record] = [r for r in caplog.records if request_id in r.getMessage()]
        assert record.exc_info is not None and record.exc_info[0] is ZeroDivisionError


def test_a_batch_hit_by_a_rate_limit_says_when_to_retry(fake_llm: FakeLLM, tmp_path: Path) -> None:
    settings = Settings(llm_base_url=fake_llm.base_url, retries=0, cache_dir=tmp_path)
    fake_llm.queue(
        Reply.tool(draft(claim(JI_SENTENCE))),
        Reply.error(429, headers={"Retry-After": "7"}),
    )
    with TestClient(app=create_app(settings.model_copy(update={"concurrency": 1}))) as c:
        items = [{"text": CLEAN, "prompt": "claims@2"}, {"text": "x y", "prompt": "claims@2"}]
        response = c.post("/v1/summaries/batch", json={"items": items})
    assert response.status_code == 200
    assert [r.get("status") for r in response.json()["results"]] == [None, 503]
    assert response.headers["retry-after"] == "7"


def test_head_on_healthz(rules: TestClient[Any]) -> None:
    response = rules.head("/healthz")
    assert response.status_code == 200 and response.content == b""


def test_the_openapi_document_lists_every_problem_status_as_problem_json(
    rules: TestClient[Any],
) -> None:
    paths = rules.get("/docs/openapi.json").json()["paths"]
    summaries = paths["/v1/summaries"]["post"]["responses"]
    assert set(summaries) >= {"200", "400", "413", "415", "422", "500", "502", "503", "504"}
    for operations in paths.values():
        for operation in operations.values():
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")):
                    assert list(response["content"]) == ["application/problem+json"]


def test_the_docs_page_loads_nothing_from_the_internet(rules: TestClient[Any]) -> None:
    page = rules.get("/docs")
    assert page.status_code == 200
    urls = re.findall(r"""(?:src|href)=['"]([^'"]+)""", page.text)
    assert urls and not [u for u in urls if not u.startswith("/docs/assets/")]
    for url in urls:
        asset = rules.get(url)
        assert asset.status_code == 200 and len(asset.content) > 100
    assert "SwaggerUIBundle" in rules.get("/docs/assets/swagger-ui-bundle.js").text


# --- against a real server: what only a socket shows ------------------------------------------


@pytest.fixture(scope="module")
def served_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`reportedly serve` as a user starts it, with a small body limit."""
    env = {
        "REPORTEDLY_CACHE_DIR": str(tmp_path_factory.mktemp("cache")),
        "REPORTEDLY_MAX_BODY_BYTES": "100000",
    }
    with served(env) as (url, _):
        yield url


def test_served_responses_do_not_name_the_server(served_url: str) -> None:
    response = httpx.get(f"{served_url}/healthz")
    assert "server" not in response.headers
    assert httpx.head(f"{served_url}/healthz").status_code == 200


def test_a_body_streamed_far_over_the_limit_gets_the_413_not_a_reset(served_url: str) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"text": "'
        for _ in range(200):  # 6.4 MB against a 100 kB limit, without a Content-Length
            yield b"word " * 6400
        yield b'"}'

    response = httpx.post(f"{served_url}/v1/summaries", content=chunks(), headers=JSON, timeout=30)
    assert response.status_code == 413
    assert "100,000 bytes" in response.json()["detail"]


def test_html_without_readable_text_is_an_empty_summary_that_says_so(
    rules: TestClient[Any],
) -> None:
    response = rules.post("/v1/summaries", json={"html": "<script>var x = 1;</script>"})
    assert response.status_code == 200
    body = response.json()
    assert body["claims"] == [] and body["document"]["text"] == ""
    assert any("No article text" in w for w in body["meta"]["warnings"])
    # Blank text is still refused: the schema says so too (pattern \S).
    problem_of(rules.post("/v1/summaries", json={"html": "  \n"}), 422)
