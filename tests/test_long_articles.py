"""Long articles on the LLM path: chunks asked concurrently, merged, and partial failure.

The fake endpoint computes each reply from the request it receives (the sentence ids the
chunk shows), so every chunk gets its own answer, as from a real model."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from reportedly.app import create_app
from reportedly.settings import Settings

from tests.fakellm import JSON, FakeLLM, Reply

PARAGRAPHS = 10
ARTICLE = "\n\n".join(
    " ".join(
        f"In district {p}, officials said project {p}-{s} will cost {p * 10 + s} million."
        for s in range(4)
    )
    for p in range(PARAGRAPHS)
)
MARK = re.compile(r"#(\d+) ")


def ids_in(request: JSON) -> list[int]:
    return [int(n) for n in MARK.findall(request["messages"][-1]["content"])]


def cite(*ids: int, text: str | None = None) -> dict[str, Any]:
    return {
        "who": ["officials"],
        "claim": text or f"Officials expect the cost stated in sentence {ids[0]}.",
        "source": {"name": "officials", "type": "unnamed"},
        "confidence": "medium",
        "evidence": list(ids),
    }


def answer(claims: list[dict[str, Any]], **kw: Any) -> Reply:
    return Reply.tool({"claims": claims, "headline": "Costs", "summary": "Costs."}, **kw)


def first_sentence(request: JSON) -> Reply:
    """One claim per chunk, citing the chunk's first sentence."""
    return answer([cite(ids_in(request)[0])], usage=(100, 20))


@pytest.fixture
def settings(fake_llm: FakeLLM, tmp_path: Path) -> Settings:
    return Settings(
        llm_base_url=fake_llm.base_url,
        llm_model="test-model",
        timeout=5.0,
        retries=1,
        cache_dir=tmp_path,
        chunk_tokens=80,  # ten chunks: one paragraph (four sentences, 80 tokens) each
    )


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient[Any]]:
    with TestClient(app=create_app(settings)) as c:
        yield c


def summarize(client: TestClient[Any], **extra: Any) -> Any:
    return client.post("/v1/summaries", json={"text": ARTICLE, **extra})


def test_chunks_are_asked_with_their_own_id_range_and_merged(
    client: TestClient[Any], fake_llm: FakeLLM
) -> None:
    fake_llm.always(Reply.computed(first_sentence))
    response = summarize(client)
    assert response.status_code == 200, response.text
    body = response.json()
    meta = body["meta"]
    requests = fake_llm.requests
    assert meta["chunks"] == len(requests) >= 4
    assert meta["incomplete"] == [] and meta["usage"]["prompt_tokens"] == 100 * len(requests)
    shown = [ids_in(r) for r in requests]
    assert sorted({i for ids in shown for i in ids}) == list(range(1, PARAGRAPHS * 4 + 1))
    for request, ids in zip(requests, shown, strict=True):
        evidence = request["tools"][0]["function"]["parameters"]["properties"]["claims"]
        bounds = evidence["items"]["properties"]["evidence"]["items"]
        assert (bounds["minimum"], bounds["maximum"]) == (ids[0], ids[-1])
    # One claim per chunk; offsets refer to the whole text and hold.
    assert len(body["claims"]) == len(requests)
    for claim in body["claims"]:
        [evidence] = claim["evidence"]
        assert ARTICLE[evidence["start"] : evidence["end"]] == evidence["quote"]
        assert evidence["quote"].startswith("In district")


def test_a_failed_chunk_is_reported_and_the_rest_returned(
    client: TestClient[Any], fake_llm: FakeLLM
) -> None:
    def fail_middle(request: JSON) -> Reply:
        ids = ids_in(request)
        if ids[0] < 18 < ids[-1]:
            return Reply.error(500, message="overloaded")
        return first_sentence(request)

    fake_llm.always(Reply.computed(fail_middle))
    response = summarize(client)
    assert response.status_code == 200, response.text
    meta = response.json()["meta"]
    [gap] = meta["incomplete"]
    assert "LLM endpoint unavailable" in gap["reason"] and "overloaded" in gap["reason"]
    assert 0 < gap["start"] < gap["end"] < len(ARTICLE)
    assert gap["start"] < ARTICLE.index("project 4-1") < gap["end"]  # sentence 18...
    claims = response.json()["claims"]
    assert len(claims) == meta["chunks"] - 1  # ...and every other chunk answered
    assert all(not (gap["start"] <= c["evidence"][0]["start"] < gap["end"]) for c in claims)

    # A partial answer is never cached: the same request asks again.
    asked = len(fake_llm.requests)
    assert summarize(client).json()["meta"]["cached"] is False
    assert len(fake_llm.requests) > asked


def test_all_or_nothing_turns_a_failed_chunk_into_a_502(
    client: TestClient[Any], fake_llm: FakeLLM
) -> None:
    def fail_last(request: JSON) -> Reply:
        if PARAGRAPHS * 4 in ids_in(request):
            return Reply.error(503, message="busy")
        return first_sentence(request)

    fake_llm.always(Reply.computed(fail_last))
    response = summarize(client, all_or_nothing=True)
    assert response.status_code == 502
    body = response.json()
    assert body["type"] == "/problems/article-incomplete"
    assert "all_or_nothing" in body["detail"] and "busy" in body["detail"]


def test_every_chunk_failing_is_the_endpoints_error(
    client: TestClient[Any], fake_llm: FakeLLM
) -> None:
    fake_llm.always(Reply.error(500, message="down"))
    response = summarize(client)
    assert response.status_code == 503 and "down" in response.json()["detail"]


def test_a_chunk_cut_by_the_length_limit_is_asked_again_in_halves(
    client: TestClient[Any], fake_llm: FakeLLM
) -> None:
    def cut_when_long(request: JSON) -> Reply:
        ids = ids_in(request)
        if len(ids) > 4:  # the model runs out of output tokens on anything longer
            return Reply.tool('{"claims": [{"who": ["offic', finish_reason="length")
        return answer([cite(i) for i in ids], usage=(50, 40))

    fake_llm.always(Reply.computed(cut_when_long))
    response = summarize(client)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["meta"]["incomplete"] == []
    cut = [r for r in fake_llm.requests if len(ids_in(r)) > 4]
    assert cut, "the first chunks were cut"
    cited = {c["evidence"][0]["start"] for c in body["claims"]}
    assert len(cited) == PARAGRAPHS * 4  # every sentence answered once, seams merged


def test_a_short_article_cut_by_the_length_limit_still_answers_when_halves_fit(
    settings: Settings, fake_llm: FakeLLM
) -> None:
    short = " ".join(ARTICLE.split("\n\n")[:2])
    settings = settings.model_copy(update={"chunk_tokens": 10_000})
    calls: list[int] = []

    def cut_first(request: JSON) -> Reply:
        calls.append(len(ids_in(request)))
        if len(calls) == 1:
            return Reply.tool('{"claims": [', finish_reason="length")
        return first_sentence(request)

    fake_llm.always(Reply.computed(cut_first))
    with TestClient(app=create_app(settings)) as client:
        response = client.post("/v1/summaries", json={"text": short})
    assert response.status_code == 200, response.text
    assert calls == [8, 4, 4] and response.json()["meta"]["chunks"] == 2


def test_seam_duplicates_are_merged(client: TestClient[Any], fake_llm: FakeLLM) -> None:
    def edges(request: JSON) -> Reply:
        ids = ids_in(request)  # the seam sentence is the last of one chunk, first of the next
        claims = [cite(ids[0], text=f"Cost of sentence {ids[0]}.")]
        claims.append(cite(ids[-1], text=f"Cost of sentence {ids[-1]}."))
        return answer(claims)

    fake_llm.always(Reply.computed(edges))
    body = summarize(client).json()
    starts = [c["evidence"][0]["start"] for c in body["claims"]]
    assert len(starts) == len(set(starts))
    assert any("chunks overlap were merged" in w for w in body["meta"]["warnings"])


def quotes_reply(request: JSON) -> Reply:
    article = request["messages"][-1]["content"].split("<article>\n")[1].split("\n</article>")[0]
    sentence = article.split(". ")[0] + "."
    claim = cite(1) | {"evidence": [sentence]}
    claim["timeframe"] = {"text": None, "start": None, "end": None}
    return Reply.tool({"headline": None, "summary": "s", "claims": [claim]})


def test_quote_prompts_are_chunked_too_and_quotes_found_in_their_chunk(
    client: TestClient[Any], fake_llm: FakeLLM
) -> None:
    fake_llm.always(Reply.computed(quotes_reply))
    body = summarize(client, prompt="claims@2").json()
    assert body["meta"]["chunks"] == len(fake_llm.requests) > 1
    first_chunk = fake_llm.requests[1]["messages"][-1]["content"]
    assert "#" not in first_chunk  # plain text for quote prompts
    for claim in body["claims"]:
        [evidence] = claim["evidence"]
        assert ARTICLE[evidence["start"] : evidence["end"]] == evidence["quote"]


def test_openapi_documents_the_new_fields(client: TestClient[Any]) -> None:
    schema = client.get("/docs/openapi.json").json()
    text = json.dumps(schema)
    assert "all_or_nothing" in text and "incomplete" in text
