"""The HTTP contract: statuses, problem+json shape, grounding invariants, cache, batch."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hypothesis as hyp
import pytest
from hypothesis import strategies as st
from litestar.testing import TestClient
from reportedly.app import create_app
from reportedly.settings import Settings

from tests.fakellm import FakeLLM, Reply

SAMPLES = Path(__file__).resolve().parents[1] / "evals" / "datasets" / "texts"
SCRAPED = (SAMPLES / "000_d886f5a2d17a20ad.txt").read_text(encoding="utf-8")
CLEAN = (SAMPLES / "002_360a8df881062be0.txt").read_text(encoding="utf-8")
JI_SENTENCE = (
    "According to NIS Director Ji Jae-ryeol, who briefed lawmakers, the troop deployment is "
    "expected to involve several thousand North Korean soldiers."
)


def claim(quote: str, **overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "who": ["North Korea"],
        "claim": "North Korea's troop deployment is expected to involve several thousand soldiers.",
        "source": {"name": "Ji Jae-ryeol, NIS Director", "type": "person"},
        "timeframe": {"text": None, "start": None, "end": None},
        "confidence": "medium",
        "evidence": [quote],
    }
    return base | overrides


def draft(*claims: dict[str, Any]) -> dict[str, Any]:
    return {
        "headline": "North Korea may deploy troops",
        "summary": "South Korea's spy agency warns of a deployment.",
        "claims": list(claims),
    }


def problem_of(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["type"].startswith("/problems/")
    assert body["title"] and body["detail"]
    return body


@pytest.fixture
def llm_settings(fake_llm: FakeLLM, tmp_path: Path) -> Settings:
    return Settings(
        llm_base_url=fake_llm.base_url,
        llm_api_key="test-key",
        llm_model="test-model",
        timeout=1.0,
        retries=1,
        cache_dir=tmp_path,
    )


@pytest.fixture
def client(llm_settings: Settings) -> Iterator[TestClient[Any]]:
    with TestClient(app=create_app(llm_settings)) as c:
        yield c


# The replies scripted here quote the article verbatim: the prompt versions that ask for that.
QUOTES = "claims@2"


def post(client: TestClient[Any], **body: Any) -> Any:
    body.setdefault("prompt", QUOTES)
    return client.post("/v1/summaries", json=body)


# --- the LLM path, faked at the HTTP boundary -------------------------------------------------


def test_valid_reply_is_grounded_with_offsets_into_the_sent_text(
    client: TestClient[Any], fake_llm: FakeLLM
) -> None:
    # The model quotes with straight quotes and a collapsed space: grounding finds the real text.
    fake_llm.reply_tool(draft(claim(JI_SENTENCE)), usage=(900, 120))
    response = post(client, text=CLEAN, published="2025-06-26")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["document"]["text"] == CLEAN
    [only] = body["claims"]
    [evidence] = only["evidence"]
    assert CLEAN[evidence["start"] : evidence["end"]] == evidence["quote"] == JI_SENTENCE
    assert only["source"] == {
        "name": "Ji Jae-ryeol, NIS Director",
        "type": "person",
        "aliases": [],
    }
    meta = body["meta"]
    assert meta["backend"] == "llm" and meta["model"] == "test-model"
    assert meta["prompt"].startswith("claims@") and len(meta["prompt_hash"]) >= 12
    assert meta["usage"] == {"prompt_tokens": 900, "completion_tokens": 120, "total_tokens": 1020}
    assert meta["attempts"] == 1 and meta["cached"] is False and meta["dropped"] == 0
    # The article reached the model fenced, and as the cleaned view.
    sent = str(fake_llm.requests[0]["messages"])
    assert "several thousand North Korean soldiers" in sent


def test_invalid_then_valid_retries_and_sums_usage(
    client: TestClient[Any], fake_llm: FakeLLM
) -> None:
    fake_llm.reply_tool(draft(claim(JI_SENTENCE, confidence="certain")), usage=(800, 100))
    fake_llm.reply_tool(draft(claim(JI_SENTENCE)), usage=(950, 110))
    response = post(client, text=CLEAN)
    assert response.status_code == 200, response.text
    meta = response.json()["meta"]
    assert meta["attempts"] == 2
    assert meta["usage"]["total_tokens"] == 800 + 100 + 950 + 110
    assert len(fake_llm.requests) == 2


def test_invalid_every_time_is_502_naming_the_field(
    client: TestClient[Any], fake_llm: FakeLLM
) -> None:
    bad = draft(claim(JI_SENTENCE, confidence="certain"))
    fake_llm.queue(Reply.tool(bad), Reply.tool(bad))
    body = problem_of(post(client, text=CLEAN), 502)
    assert "confidence" in body["detail"]


def test_endpoint_500_is_503(client: TestClient[Any], fake_llm: FakeLLM) -> None:
    fake_llm.reply_error(500)
    problem_of(post(client, text=CLEAN), 503)


def test_endpoint_429_is_503_with_retry_after(client: TestClient[Any], fake_llm: FakeLLM) -> None:
    fake_llm.reply_error(429, headers={"Retry-After": "7"})
    response = post(client, text=CLEAN)
    problem_of(response, 503)
    assert response.headers["retry-after"] == "7"


def test_unreachable_endpoint_is_503(tmp_path: Path) -> None:
    settings = Settings(llm_base_url="http://127.0.0.1:9/v1", llm_api_key="k", cache_dir=tmp_path)
    with TestClient(app=create_app(settings)) as c:
        problem_of(post(c, text=CLEAN), 503)


def test_slow_reply_is_504_within_the_timeout(client: TestClient[Any], fake_llm: FakeLLM) -> None:
    fake_llm.reply_delay(5.0, draft(claim(JI_SENTENCE)))
    fake_llm.reply_delay(5.0, draft(claim(JI_SENTENCE)))
    started = time.perf_counter()
    problem_of(post(client, text=CLEAN), 504)
    # timeout=1s, retries=1: the whole call is bounded by timeout * (retries + 1).
    assert time.perf_counter() - started < 3.5


def test_invented_quotes_are_dropped_and_counted(
    client: TestClient[Any], fake_llm: FakeLLM
) -> None:
    invented = claim("Kim Jong-un personally confirmed the deployment to reporters in Moscow.")
    fake_llm.reply_tool(draft(claim(JI_SENTENCE), invented))
    body = post(client, text=CLEAN).json()
    assert len(body["claims"]) == 1
    assert body["meta"]["dropped"] == 1
    assert (
        "Kim Jong-un" in body["meta"]["dropped_claims"][0]["claim"]
        or body["meta"]["dropped_claims"][0]["reason"]
    )


def test_claims_quoting_site_furniture_are_dropped(
    client: TestClient[Any], fake_llm: FakeLLM
) -> None:
    furniture = claim(
        "We have noticed that you have an adblocker enabled which restricts ads served on the site.",
        who=["Times of Senapati"],
        source={"name": "Times of Senapati", "type": "media"},
    )
    real = claim(
        "North Korea may send additional troops to Russia to support its war effort against "
        "Ukraine as early as July or August",
        confidence="low",
    )
    fake_llm.reply_tool(draft(furniture, real))
    body = post(client, text=SCRAPED).json()
    assert [c["confidence"] for c in body["claims"]] == ["low"]
    assert body["meta"]["dropped"] == 1
    removed = body["document"]["removed"]
    assert removed, "the scraped sample's furniture is reported"
    for r in removed:
        for c in body["claims"]:
            for e in c["evidence"]:
                assert e["end"] <= r["start"] or e["start"] >= r["end"]


def test_identical_request_is_answered_from_the_cache(
    client: TestClient[Any], fake_llm: FakeLLM
) -> None:
    fake_llm.reply_tool(draft(claim(JI_SENTENCE)))
    first = post(client, text=CLEAN, prompt="claims@1").json()
    second = post(client, text=CLEAN, prompt="claims@1").json()
    assert len(fake_llm.requests) == 1
    assert first["meta"]["cached"] is False and second["meta"]["cached"] is True
    assert second["claims"] == first["claims"]
    # A different prompt version is a different request.
    fake_llm.reply_tool(draft(claim(JI_SENTENCE)))
    third = post(client, text=CLEAN, prompt="claims@2").json()
    assert third["meta"]["cached"] is False and len(fake_llm.requests) == 2


# --- bad input: a clear 4xx problem, never a 500 ---------------------------------------------


@pytest.mark.parametrize(
    ("body", "status", "needle"),
    [
        ({"text": ""}, 422, "empty"),
        ({"text": " \n\t "}, 422, "empty"),
        ({"text": "a", "html": "<p>a</p>"}, 422, "exactly one"),
        ({"title": "no article"}, 422, "exactly one"),
        ({"text": "x", "prompt": "claims@99"}, 422, "claims@"),
        ({"text": "x", "prompt": "nonsense"}, 422, "prompt"),
        ({"text": "x", "backend": "gpt9"}, 422, "rules"),
        ({"text": "x", "published": "yesterday"}, 422, "published"),
        ({"text": "x", "colour": "blue"}, 422, "colour"),
        ({"text": 42}, 422, "text"),
    ],
)
def test_bad_json_bodies_are_4xx_problems(
    client: TestClient[Any], body: dict[str, Any], status: int, needle: str
) -> None:
    detail = problem_of(client.post("/v1/summaries", json=body), status)["detail"]
    assert needle in detail


def test_malformed_json_is_400(client: TestClient[Any]) -> None:
    response = client.post(
        "/v1/summaries",
        content=b'{"text": "unterminated',
        headers={"content-type": "application/json"},
    )
    assert "JSON" in problem_of(response, 400)["detail"]


def test_non_utf8_body_is_400(client: TestClient[Any]) -> None:
    response = client.post(
        "/v1/summaries",
        content=b'{"text": "caf\xe9"}',
        headers={"content-type": "application/json"},
    )
    assert "UTF-8" in problem_of(response, 400)["detail"]


def test_wrong_content_type_is_415(client: TestClient[Any]) -> None:
    response = client.post(
        "/v1/summaries", content=b"<a>x</a>", headers={"content-type": "application/xml"}
    )
    assert "application/json" in problem_of(response, 415)["detail"]


@pytest.mark.parametrize("field", ["text", "title"])
def test_lone_surrogate_escapes_are_422_alone_and_in_a_batch(
    client: TestClient[Any], field: str
) -> None:
    # Valid JSON, but "\ud800" is no Unicode text: it must not reach the cache or the response.
    item = {"text": "Officials said so.", field: "a \ud800 b"}
    raw = json.dumps(item).encode()  # ensure_ascii keeps the escape
    headers = {"content-type": "application/json"}
    detail = problem_of(client.post("/v1/summaries", content=raw, headers=headers), 422)
    assert "surrogate" in detail["detail"] and field in detail["detail"]
    batch = b'{"items": [' + raw + b', {"text": "  "}]}'
    results = client.post("/v1/summaries/batch", content=batch, headers=headers).json()
    assert [r["status"] for r in results["results"]] == [422, 422]


def test_prompt_typo_is_422_even_for_a_backend_without_prompts(tmp_path: Path) -> None:
    with TestClient(app=create_app(Settings(cache_dir=tmp_path))) as c:
        assert "claims@99" in problem_of(post(c, text=CLEAN, prompt="claims@99"), 422)["detail"]
        ok = post(c, text=CLEAN, prompt="claims@1").json()
        assert ok["meta"]["backend"] == "rules"
        assert any("uses no prompt" in w for w in ok["meta"]["warnings"])
        # The same article without a prompt comes from the cache, without that warning.
        again = c.post("/v1/summaries", json={"text": CLEAN}).json()
        assert again["meta"]["cached"] is True
        assert not any("uses no prompt" in w for w in again["meta"]["warnings"])
        assert again["claims"] == ok["claims"]


def test_llm_model_can_be_chosen_per_request_and_keys_the_cache(
    client: TestClient[Any], fake_llm: FakeLLM
) -> None:
    fake_llm.always(Reply.tool(draft(claim(JI_SENTENCE))))
    default = post(client, text=CLEAN).json()
    chosen = post(client, text=CLEAN, model="bigger-model").json()
    assert [r["model"] for r in fake_llm.requests] == ["test-model", "bigger-model"]
    assert chosen["meta"]["cached"] is False
    assert chosen["meta"]["prompt_hash"] != default["meta"]["prompt_hash"]
    rules = post(client, text=CLEAN, backend="rules", model="x").json()
    assert any("model 'x' ignored" in w for w in rules["meta"]["warnings"])


def test_empty_body_is_a_4xx_problem(client: TestClient[Any]) -> None:
    response = client.post(
        "/v1/summaries", content=b"", headers={"content-type": "application/json"}
    )
    assert response.status_code in (400, 422)
    problem_of(response, response.status_code)


def test_text_over_the_size_limit_is_413(tmp_path: Path) -> None:
    with TestClient(app=create_app(Settings(max_chars=1000, cache_dir=tmp_path))) as c:
        detail = problem_of(post(c, text="word " * 300), 413)["detail"]
        assert "1,000" in detail


def test_body_over_the_byte_limit_is_413(tmp_path: Path) -> None:
    with TestClient(app=create_app(Settings(max_body_bytes=2000, cache_dir=tmp_path))) as c:
        problem_of(post(c, text="word " * 1000), 413)


def test_unknown_route_is_a_404_problem(client: TestClient[Any]) -> None:
    problem_of(client.get("/v1/nothing"), 404)


def test_wrong_method_is_a_405_problem(client: TestClient[Any]) -> None:
    problem_of(client.get("/v1/summaries"), 405)


def test_llm_backend_without_configuration_is_a_clear_503(tmp_path: Path) -> None:
    with TestClient(app=create_app(Settings(cache_dir=tmp_path))) as c:
        detail = problem_of(post(c, text=CLEAN, backend="llm"), 503)["detail"]
        assert "REPORTEDLY_LLM_BASE_URL" in detail


# --- plain-text and HTML bodies ------------------------------------------------------------------


def test_plain_text_body_with_query_fields(client: TestClient[Any], fake_llm: FakeLLM) -> None:
    fake_llm.reply_tool(draft(claim(JI_SENTENCE)))
    response = client.post(
        "/v1/summaries?published=2025-06-26&prompt=claims@1",
        content=CLEAN.encode(),
        headers={"content-type": "text/plain; charset=utf-8"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["meta"]["prompt"] == "claims@1"
    assert response.json()["document"]["text"] == CLEAN


@pytest.mark.parametrize(
    ("content_type", "query", "status", "needle"),
    [
        ("text/plain; charset=latin-1", {}, 200, None),
        ("text/plain; charset=klingon", {}, 415, "klingon"),
        ("text/plain", {}, 400, "UTF-8"),  # latin-1 bytes read as the default, UTF-8
        ("text/plain; charset=latin-1", {"publshed": "2025-06-26"}, 422, "publshed"),
    ],
)
def test_plain_text_charset_and_query_parameters(
    client: TestClient[Any],
    content_type: str,
    query: dict[str, str],
    status: int,
    needle: str | None,
) -> None:
    text = "Caf\u00e9 owners said the street would reopen."
    response = client.post(
        "/v1/summaries",
        params={"backend": "rules", **query},
        content=text.encode("latin-1"),
        headers={"content-type": content_type},
    )
    if status == 200:
        assert response.status_code == 200, response.text
        assert response.json()["document"]["text"] == text
    else:
        assert needle in problem_of(response, status)["detail"]


def test_html_offsets_refer_to_the_extracted_text(
    client: TestClient[Any], fake_llm: FakeLLM
) -> None:
    paragraphs = "".join(f"<p>{p}</p>" for p in CLEAN.splitlines())
    html = f"<html><head><title>t</title></head><body><nav>Home | World</nav><article>{paragraphs}</article></body></html>"
    fake_llm.reply_tool(draft(claim(JI_SENTENCE)))
    body = post(client, html=html).json()
    text = body["document"]["text"]
    assert "<p>" not in text and "several thousand North Korean soldiers" in text
    for c in body["claims"]:
        for e in c["evidence"]:
            assert text[e["start"] : e["end"]] == e["quote"]


# --- batch, prompts, health, docs ------------------------------------------------------------------


def test_batch_keeps_order_and_isolates_bad_items(
    client: TestClient[Any], fake_llm: FakeLLM
) -> None:
    fake_llm.always(Reply.tool(draft(claim(JI_SENTENCE))))
    items = [
        {"text": CLEAN, "prompt": QUOTES},
        {"text": "   "},
        {"text": CLEAN, "backend": "nope"},
        {"html": 3},
    ]
    response = client.post("/v1/summaries/batch", json={"items": items})
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert len(results) == 4
    assert results[0]["claims"][0]["evidence"][0]["quote"] == JI_SENTENCE
    assert [r.get("status") for r in results[1:]] == [422, 422, 422]


def test_batch_must_not_be_empty(client: TestClient[Any]) -> None:
    problem_of(client.post("/v1/summaries/batch", json={"items": []}), 422)


def test_prompts_health_and_docs(client: TestClient[Any]) -> None:
    prompts = client.get("/v1/prompts").json()
    refs = {p["ref"] for p in prompts}
    assert {"claims@1", "claims@2"} <= refs
    assert all(len(p["hash"]) >= 12 and p["description"] for p in prompts)
    health = client.get("/healthz").json()
    assert health["status"] == "ok" and health["default_backend"] == "llm"
    schema = client.get("/docs/openapi.json").json()
    assert "/v1/summaries" in schema["paths"]
    assert client.get("/docs").status_code == 200


# --- invariants over arbitrary input ----------------------------------------------------------


def test_arbitrary_text_and_model_quotes_never_500_and_offsets_always_hold(
    tmp_path: Path,
) -> None:
    settings = Settings(
        llm_base_url="http://placeholder/v1",
        llm_api_key="k",
        retries=0,
        timeout=5,
        cache_enabled=False,
        cache_dir=tmp_path,
    )
    with FakeLLM() as fake:
        settings = settings.model_copy(update={"llm_base_url": fake.base_url})
        with TestClient(app=create_app(settings)) as client:

            @hyp.given(data=st.data())
            @hyp.settings(max_examples=60, deadline=None, derandomize=True)
            def check(data: st.DataObject) -> None:
                text = data.draw(st.text(max_size=400), label="text")
                quotes = data.draw(
                    st.lists(quote_for(text), min_size=1, max_size=4), label="quotes"
                )
                claims = (claim(q, claim=f"Claim number {i}.") for i, q in enumerate(quotes))
                fake.always(Reply.tool(draft(*claims)))
                response = client.post("/v1/summaries", json={"text": text, "prompt": QUOTES})
                assert response.status_code != 500, response.text
                if response.status_code != 200:
                    problem_of(response, response.status_code)
                    return
                body = response.json()
                assert body["document"]["text"] == text
                for c in body["claims"]:
                    for e in c["evidence"]:
                        assert text[e["start"] : e["end"]] == e["quote"]
                assert len(body["claims"]) + body["meta"]["dropped"] == len(quotes)

            check()


def quote_for(text: str) -> st.SearchStrategy[str]:
    """Quotes a model might give: real spans, spans with their whitespace mangled, inventions."""
    real = st.integers(0, len(text)).flatmap(
        lambda a: st.integers(a, len(text)).map(lambda b: text[a:b])
    )
    mangled = real.map(lambda q: " ".join(q.split()).replace('"', "\u201c"))
    return st.one_of(real, mangled, st.text(max_size=60)).filter(lambda q: q.strip() != "")


def test_offsets_hold_for_every_sample_through_the_offline_default(tmp_path: Path) -> None:
    with TestClient(app=create_app(Settings(cache_dir=tmp_path))) as c:
        for path in sorted(SAMPLES.glob("*.txt")):
            text = path.read_text(encoding="utf-8")
            body = post(c, text=text).json()
            assert body["meta"]["backend"] == "rules"
            assert body["claims"], path.name
            for claim_ in body["claims"]:
                for e in claim_["evidence"]:
                    assert text[e["start"] : e["end"]] == e["quote"], path.name
                    for r in body["document"]["removed"]:
                        assert e["end"] <= r["start"] or e["start"] >= r["end"], path.name


def test_relative_dates_past_the_calendar_are_null_not_500(tmp_path: Path) -> None:
    # Issue 8: "in the coming months" from 9999-12-31 overflowed the date arithmetic.
    text = "The minister said on Tuesday that prices would rise in the coming months."
    with TestClient(app=create_app(Settings(cache_dir=tmp_path))) as c:
        response = c.post("/v1/summaries", json={"text": text, "published": "9999-12-31"})
        assert response.status_code == 200, response.text
        timeframes = [claim_["timeframe"] for claim_ in response.json()["claims"]]
        assert {"text": "in the coming months", "start": None, "end": None} in timeframes
        items = [
            {"text": text, "published": "9999-12-31"},
            {"text": text.replace("rise in the coming months", "fall last Monday"),
             "published": "0001-01-01"},
        ]  # fmt: skip
        results = c.post("/v1/summaries/batch", json={"items": items}).json()["results"]
        assert [r.get("status", 200) for r in results] == [200, 200], results
