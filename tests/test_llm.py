"""`reportedly.llm` against the fake endpoint: instructor, re-asks and timeouts run for real."""

from __future__ import annotations

import copy
import datetime as dt
import json
import socket
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from pydantic import field_validator
from reportedly.backends.base import Article
from reportedly.backends.llm import LLMBackend, LLMPlanner, build_llm_backend
from reportedly.bundled import PROMPTS_DIR
from reportedly.errors import (
    BackendUnavailable,
    ModelOutputInvalid,
    ModelRefused,
    ReportedlyError,
    UnknownPrompt,
    UpstreamTimeout,
    UpstreamUnavailable,
)
from reportedly.llm import LLMMode
from reportedly.llm.client import LLMClient
from reportedly.prompts import PromptRegistry, prompt_hash
from reportedly.replies import (
    MAX_REPLY_CLAIMS,
    MAX_REPLY_FIELD_CHARS,
    QuotedReply,
    SentenceReply,
)
from reportedly.schema import Document, Usage
from reportedly.settings import Settings

from tests.fakellm import FakeLLM, Reply

pytestmark = pytest.mark.anyio

MESSAGES = [
    {"role": "system", "content": "Extract claims."},
    {"role": "user", "content": "<article>Officials said the bridge will reopen.</article>"},
]

VALID: dict[str, Any] = {
    "headline": "Bridge to reopen",
    "summary": "Officials expect the bridge to reopen.",
    "claims": [
        {
            "who": ["the bridge"],
            "claim": "The bridge will reopen in July 2024.",
            "source": {"name": "officials", "type": "unnamed"},
            "timeframe": {"text": "in July", "start": "2024-07-01", "end": "2024-07-31"},
            "confidence": "medium",
            "evidence": ["Officials said the bridge will reopen."],
        }
    ],
}


def invalid_confidence() -> dict[str, Any]:
    bad = copy.deepcopy(VALID)
    bad["claims"][0]["confidence"] = "certain"
    return bad


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def make_client(fake_llm: FakeLLM) -> AsyncIterator[Any]:
    clients: list[LLMClient] = []

    def make(**kw: Any) -> LLMClient:
        options: dict[str, Any] = {
            "base_url": fake_llm.base_url,
            "api_key": None,
            "model": "test-model",
            "timeout": 5.0,
            "retries": 2,
        }
        options.update(kw)
        client = LLMClient(**options)
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


async def test_valid_reply(fake_llm: FakeLLM, make_client: Any) -> None:
    fake_llm.reply_tool(VALID, usage=(120, 40), model="served-model-v1")
    done = await make_client().complete(MESSAGES, QuotedReply, temperature=0.0)

    assert type(done.value) is QuotedReply  # not instructor's wrapper subclass
    assert done.value == QuotedReply.model_validate(VALID)
    assert done.value.claims[0].timeframe.start is not None
    assert done.value.claims[0].timeframe.start.isoformat() == "2024-07-01"
    assert done.attempts == 1
    assert done.usage == Usage(prompt_tokens=120, completion_tokens=40, total_tokens=160)
    assert done.model == "served-model-v1"

    [request] = fake_llm.requests
    assert request["model"] == "test-model"
    assert request["temperature"] == 0.0
    assert request["messages"] == MESSAGES
    assert request["tool_choice"]["function"]["name"] == "QuotedReply"


async def test_tools_schema_carries_dates_as_date_strings(
    fake_llm: FakeLLM, make_client: Any
) -> None:
    fake_llm.reply_tool(VALID)
    await make_client().complete(MESSAGES, QuotedReply, temperature=0.0)
    [tool] = fake_llm.requests[0]["tools"]
    assert tool["type"] == "function"
    params = tool["function"]["parameters"]
    assert set(params["required"]) == {"summary", "claims"}
    start = params["$defs"]["Timeframe"]["properties"]["start"]
    assert {"type": "string", "format": "date"} in start["anyOf"]
    source_type = params["$defs"]["Source"]["properties"]["type"]
    assert "author" in source_type["enum"] and "unnamed" in source_type["enum"]


async def test_invalid_then_valid_reasks_and_sums_usage(
    fake_llm: FakeLLM, make_client: Any
) -> None:
    fake_llm.reply_tool(invalid_confidence(), usage=(100, 30))
    fake_llm.reply_tool(VALID, usage=(150, 35))
    done = await make_client().complete(MESSAGES, QuotedReply, temperature=0.0)

    assert done.attempts == 2
    assert done.usage == Usage(prompt_tokens=250, completion_tokens=65, total_tokens=315)
    assert done.value.claims[0].confidence == "medium"

    first, second = fake_llm.requests
    assert len(second["messages"]) > len(first["messages"])
    reask = second["messages"][len(first["messages"]) :]
    assert reask[0]["role"] == "assistant"  # the model's bad answer, echoed back
    assert "certain" in reask[0]["tool_calls"][0]["function"]["arguments"]
    feedback = reask[-1]["content"]
    assert "claims.0.confidence" in feedback or "confidence" in feedback
    assert "Validation Error" in feedback


async def test_invalid_every_time_is_model_output_invalid(
    fake_llm: FakeLLM, make_client: Any
) -> None:
    fake_llm.queue(*[Reply.tool(invalid_confidence()) for _ in range(2)])
    with pytest.raises(ModelOutputInvalid) as caught:
        await make_client(retries=1).complete(MESSAGES, QuotedReply, temperature=0.0)

    assert len(fake_llm.requests) == 2  # one try + one re-ask, no more
    detail = caught.value.detail
    assert "claims.0.confidence" in detail
    assert "after 2 attempts" in detail
    assert caught.value.status == 502


def _oversized(kind: str) -> dict[str, Any]:
    big = copy.deepcopy(VALID)
    if kind == "claims":
        big["claims"] = big["claims"] * (MAX_REPLY_CLAIMS + 1)
    elif kind == "summary":
        big["summary"] = "word " * 1_000_000  # a 5 MB summary
    else:
        big["claims"][0]["evidence"] = ["Officials said the bridge will reopen."] * 51
    return big


@pytest.mark.parametrize(
    ("kind", "where"),
    [
        ("claims", f"over the cap of {MAX_REPLY_CLAIMS}"),
        ("summary", f"summary: 5000000 characters, over the cap of {MAX_REPLY_FIELD_CHARS}"),
        ("evidence", "claims.0.evidence: 51 items"),
    ],
)
async def test_reply_over_a_cap_is_model_output_invalid(
    fake_llm: FakeLLM, make_client: Any, kind: str, where: str
) -> None:
    fake_llm.reply_tool(_oversized(kind))
    with pytest.raises(ModelOutputInvalid) as caught:
        await make_client(retries=0).complete(MESSAGES, QuotedReply, temperature=0.0)
    assert caught.value.status == 502
    assert where in caught.value.detail


def test_sentence_reply_is_capped_too() -> None:
    reply = {
        "summary": "s",
        "claims": [
            {
                "who": [],
                "claim": "c",
                "source": {"name": "a", "type": "author"},
                "confidence": "high",
                "evidence": [1],
            }
        ]
        * 201,
    }
    with pytest.raises(ValueError, match="201 claims"):
        SentenceReply.model_validate(reply)


async def test_broken_json_is_model_output_invalid(fake_llm: FakeLLM, make_client: Any) -> None:
    fake_llm.reply_tool('{"summary": "x", "claims": [')
    with pytest.raises(ModelOutputInvalid) as caught:
        await make_client(retries=0).complete(MESSAGES, QuotedReply, temperature=0.0)
    assert "JSON" in caught.value.detail


async def test_missing_required_field_names_the_field(fake_llm: FakeLLM, make_client: Any) -> None:
    fake_llm.reply_tool({"headline": None, "claims": []})
    with pytest.raises(ModelOutputInvalid) as caught:
        await make_client(retries=0).complete(MESSAGES, QuotedReply, temperature=0.0)
    assert "summary: Field required" in caught.value.detail


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ("<html>502 Bad Gateway</html>", "the body is not JSON"),
        ("{}", "the reply has no choices"),
        ('{"choices": []}', "the reply has no choices"),
        ('{"choices": null}', "the reply has no choices"),
        ('{"choices": [{"index": 0, "finish_reason": "stop"}]}', "has no message"),
    ],
)
async def test_non_completion_body_is_blamed_on_the_endpoint(
    fake_llm: FakeLLM, make_client: Any, body: str, why: str
) -> None:
    fake_llm.always(Reply.error(200, body=body))
    with pytest.raises(ModelOutputInvalid) as caught:
        await make_client(retries=1).complete(MESSAGES, QuotedReply, temperature=0.0)
    detail = caught.value.detail
    assert "not a usable chat completion" in detail and why in detail
    assert fake_llm.base_url in detail
    # Said in the protocol's terms, not in whatever Python error instructor tripped over.
    assert "NoneType" not in detail and "index out of range" not in detail


async def test_content_filter_is_a_refusal(fake_llm: FakeLLM, make_client: Any) -> None:
    fake_llm.always(Reply.tool(VALID, finish_reason="content_filter"))
    with pytest.raises(ModelRefused) as caught:
        await make_client(retries=0).complete(MESSAGES, QuotedReply, temperature=0.0)
    assert "content_filter" in caught.value.detail
    assert caught.value.status == 502


async def test_refusal_message_is_a_refusal(fake_llm: FakeLLM, make_client: Any) -> None:
    refusal = {
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "message": {"role": "assistant", "content": None, "refusal": "I can't help."},
            }
        ]
    }
    fake_llm.always(Reply.error(200, body=json.dumps(refusal)))
    with pytest.raises(ModelRefused) as caught:
        await make_client(retries=1).complete(MESSAGES, QuotedReply, temperature=0.0)
    assert "I can't help." in caught.value.detail


async def test_a_bug_of_ours_is_not_blamed_on_the_endpoint(
    fake_llm: FakeLLM, make_client: Any
) -> None:
    class Buggy(QuotedReply):
        @field_validator("summary")
        @classmethod
        def crash(cls, value: str) -> str:
            raise ZeroDivisionError("our own mistake")

    fake_llm.always(Reply.tool(VALID))
    with pytest.raises(Exception) as caught:
        await make_client(retries=0).complete(MESSAGES, Buggy, temperature=0.0)
    assert not isinstance(caught.value, ReportedlyError)  # a 500 with a traceback, not a 502


async def test_prose_instead_of_a_tool_call_is_model_output_invalid(
    fake_llm: FakeLLM, make_client: Any
) -> None:
    fake_llm.always(Reply.content("Here are the claims: none."))
    with pytest.raises(ModelOutputInvalid) as caught:
        await make_client(retries=1).complete(MESSAGES, QuotedReply, temperature=0.0)
    assert "after 2 attempts: no structured reply" in caught.value.detail


async def test_truncated_output_is_model_output_invalid(
    fake_llm: FakeLLM, make_client: Any
) -> None:
    fake_llm.reply_tool('{"summary": "x", "cla', finish_reason="length")
    with pytest.raises(ModelOutputInvalid) as caught:
        await make_client().complete(MESSAGES, QuotedReply, temperature=0.0)
    assert "cut off" in caught.value.detail
    assert len(fake_llm.requests) == 1


async def test_server_error_is_upstream_unavailable(fake_llm: FakeLLM, make_client: Any) -> None:
    fake_llm.reply_error(500, message="model crashed")
    with pytest.raises(UpstreamUnavailable) as caught:
        await make_client().complete(MESSAGES, QuotedReply, temperature=0.0)
    assert "HTTP 500" in caught.value.detail
    assert "model crashed" in caught.value.detail
    assert "Retry-After" not in caught.value.headers
    assert len(fake_llm.requests) == 1  # the SDK's own retries are off


async def test_client_error_is_upstream_unavailable(fake_llm: FakeLLM, make_client: Any) -> None:
    fake_llm.reply_error(401, message="bad api key")
    with pytest.raises(UpstreamUnavailable) as caught:
        await make_client().complete(MESSAGES, QuotedReply, temperature=0.0)
    assert "HTTP 401" in caught.value.detail and "bad api key" in caught.value.detail


async def test_rate_limit_passes_retry_after_on(fake_llm: FakeLLM, make_client: Any) -> None:
    fake_llm.reply_error(429, headers={"Retry-After": "7"}, message="slow down")
    with pytest.raises(UpstreamUnavailable) as caught:
        await make_client().complete(MESSAGES, QuotedReply, temperature=0.0)
    assert caught.value.headers == {"Retry-After": "7"}
    assert "429" in caught.value.detail and "slow down" in caught.value.detail
    assert len(fake_llm.requests) == 1


async def test_rate_limit_without_retry_after_gets_default(
    fake_llm: FakeLLM, make_client: Any
) -> None:
    fake_llm.reply_error(429)
    with pytest.raises(UpstreamUnavailable) as caught:
        await make_client().complete(MESSAGES, QuotedReply, temperature=0.0)
    assert caught.value.headers == {"Retry-After": "30"}


async def test_error_after_a_reask_is_still_upstream_error(
    fake_llm: FakeLLM, make_client: Any
) -> None:
    fake_llm.reply_tool(invalid_confidence())
    fake_llm.reply_error(503, message="overloaded")
    with pytest.raises(UpstreamUnavailable) as caught:
        await make_client().complete(MESSAGES, QuotedReply, temperature=0.0)
    assert "HTTP 503" in caught.value.detail


async def test_slow_reply_times_out_within_the_timeout(fake_llm: FakeLLM, make_client: Any) -> None:
    fake_llm.reply_delay(10.0, VALID)
    client = make_client(timeout=0.5)
    began = time.monotonic()
    with pytest.raises(UpstreamTimeout) as caught:
        await client.complete(MESSAGES, QuotedReply, temperature=0.0)
    elapsed = time.monotonic() - began
    assert 0.4 <= elapsed < 1.5
    assert "0.5 s" in caught.value.detail
    assert caught.value.status == 504


async def test_overall_deadline_bounds_a_trickling_reply(
    fake_llm: FakeLLM, make_client: Any
) -> None:
    # Bytes arrive every 0.1 s for about 1 s, so the per-read HTTP timeout (0.6 s) never fires;
    # the overall deadline of timeout * (retries + 1) = 0.6 s must.
    fake_llm.queue(Reply.tool(VALID, trickle=0.1))
    client = make_client(timeout=0.6, retries=0)
    assert client.deadline == pytest.approx(0.6)
    began = time.monotonic()
    with pytest.raises(UpstreamTimeout) as caught:
        await client.complete(MESSAGES, QuotedReply, temperature=0.0)
    assert 0.5 <= time.monotonic() - began < 1.3
    assert "did not finish within 0.6 s" in caught.value.detail


async def test_connection_refused_is_upstream_unavailable(make_client: Any) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # Nothing listens on `port` any more.
    client = make_client(base_url=f"http://127.0.0.1:{port}/v1")
    began = time.monotonic()
    with pytest.raises(UpstreamUnavailable) as caught:
        await client.complete(MESSAGES, QuotedReply, temperature=0.0)
    assert time.monotonic() - began < 3
    assert f"127.0.0.1:{port}" in caught.value.detail
    assert "Could not reach" in caught.value.detail


async def test_dropped_connection_is_upstream_unavailable(
    fake_llm: FakeLLM, make_client: Any
) -> None:
    fake_llm.reply_disconnect()
    with pytest.raises(UpstreamUnavailable):
        await make_client().complete(MESSAGES, QuotedReply, temperature=0.0)


async def test_empty_queue_fails_loudly(fake_llm: FakeLLM, make_client: Any) -> None:
    with pytest.raises(UpstreamUnavailable) as caught:
        await make_client().complete(MESSAGES, QuotedReply, temperature=0.0)
    assert "no reply queued" in caught.value.detail


async def test_reply_without_usage_counts_zero_for_it(fake_llm: FakeLLM, make_client: Any) -> None:
    fake_llm.reply_tool(invalid_confidence(), usage=None)
    fake_llm.reply_tool(VALID, usage=(50, 10))
    done = await make_client().complete(MESSAGES, QuotedReply, temperature=0.0)
    assert done.attempts == 2
    assert done.usage == Usage(prompt_tokens=50, completion_tokens=10, total_tokens=60)


@pytest.mark.parametrize("mode", ["json_schema", "json"])
async def test_json_modes_read_message_content(
    fake_llm: FakeLLM, make_client: Any, mode: LLMMode
) -> None:
    fake_llm.reply_content(VALID, usage=(70, 20))
    done = await make_client(mode=mode).complete(MESSAGES, QuotedReply, temperature=0.2)
    assert type(done.value) is QuotedReply  # not instructor's wrapper subclass
    assert done.value == QuotedReply.model_validate(VALID)
    [request] = fake_llm.requests
    assert "tools" not in request
    expected = "json_schema" if mode == "json_schema" else "json_object"
    assert request["response_format"]["type"] == expected


async def test_max_tokens_is_sent_when_given(fake_llm: FakeLLM, make_client: Any) -> None:
    fake_llm.reply_tool(VALID)
    await make_client().complete(MESSAGES, QuotedReply, temperature=0.0, max_tokens=512)
    assert fake_llm.requests[0]["max_tokens"] == 512


async def test_shared_http_client_is_left_open(fake_llm: FakeLLM) -> None:
    async with httpx.AsyncClient() as http:
        client = LLMClient(base_url=fake_llm.base_url, api_key="k", model="m", http_client=http)
        fake_llm.reply_tool(VALID)
        await client.complete(MESSAGES, QuotedReply, temperature=0.0)
        await client.aclose()
        assert not http.is_closed
        assert fake_llm.received[0].headers.get("authorization") == "Bearer k"


def test_bad_configuration_is_refused() -> None:
    with pytest.raises(ValueError, match="mode"):
        LLMClient(base_url=None, api_key=None, model="m", mode="xml")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        LLMClient(base_url=None, api_key=None, model="m", timeout=0)


# --- the llm backend -----------------------------------------------------------------------


def article(text: str, **kw: Any) -> Article:
    return Article(document=Document(text=text), clean_text=text, **kw)


@pytest.fixture(scope="module")
def prompts() -> PromptRegistry:
    return PromptRegistry.load(PROMPTS_DIR)


def llm_backend(
    client: LLMClient, prompts: PromptRegistry, name: str = "llm", **planner: Any
) -> LLMBackend:
    plan = LLMPlanner(
        backend=name, model=client.model, mode=client.mode, retries=client.retries, **planner
    )
    return LLMBackend(plan, prompts, lambda: client)


async def test_backend_plan_names_prompt_and_fingerprints_the_run(
    make_client: Any, prompts: PromptRegistry
) -> None:
    backend = llm_backend(make_client(), prompts, temperature=0.0)
    newest, v1 = backend.plan(None), backend.plan("claims@1")
    assert (newest.backend, newest.model, newest.prompt_ref) == ("llm", "test-model", "claims@4")
    assert v1.prompt_ref == "claims@1"
    assert newest.prompt is prompts.get("claims@4")  # resolved once, carried by the plan
    # The prompt declares its evidence style; the plan carries the reply model for it.
    assert (newest.reply, v1.reply) == (SentenceReply, QuotedReply)
    params = {"temperature": 0.0, "mode": "tools", "retries": 2, "chunk_tokens": 1300}
    expected = prompt_hash(
        prompts.get("claims@4"), SentenceReply.model_json_schema(), "test-model", params
    )
    assert newest.prompt_hash == expected
    assert v1.prompt_hash == prompt_hash(
        prompts.get("claims@1"), QuotedReply.model_json_schema(), "test-model", params
    )
    assert v1.prompt_hash != newest.prompt_hash
    assert backend.plan("claims").prompt_hash == newest.prompt_hash
    other_model = backend.plan(None, model="bigger-model")
    assert other_model.model == "bigger-model"
    assert other_model.prompt_hash != newest.prompt_hash

    warmer = llm_backend(make_client(), prompts, temperature=0.7)
    assert warmer.plan(None).prompt_hash != newest.prompt_hash
    other_mode = llm_backend(make_client(mode="json_schema"), prompts, temperature=0.0)
    assert other_mode.plan(None).prompt_hash != newest.prompt_hash
    with pytest.raises(UnknownPrompt):
        backend.plan("claims@7")


def test_claims3_runs_keep_their_recorded_hash(prompts: PromptRegistry) -> None:
    """claims@4 shares claims@3's reply schema; the schema is part of every run's hash, so
    changing it for one would re-key the other's recorded runs and cache entries."""
    params = {"temperature": 0.0, "mode": "tools", "retries": 2, "chunk_tokens": 1500}
    schema = SentenceReply.model_json_schema()
    assert prompt_hash(prompts.get("claims@3"), schema, "gpt-4o-mini", params) == (
        "b7c39d3c6952b72d"  # as computed before claims@4 existed
    )


async def test_backend_extract_sends_the_rendered_prompt(
    fake_llm: FakeLLM, make_client: Any, prompts: PromptRegistry
) -> None:
    backend = llm_backend(make_client(model="smol"), prompts, "local", max_tokens=1024)
    plan = backend.plan("claims@1")
    fake_llm.reply_tool(invalid_confidence(), usage=(300, 50))
    fake_llm.reply_tool(VALID, usage=(400, 60), model="smol-q8")
    text = "Officials said the bridge will reopen."
    run = await backend.extract(article(text, title="Bridge", published=dt.date(2024, 6, 1)), plan)

    assert [q.text for q in run.draft.claims[0].evidence] == [
        "Officials said the bridge will reopen."
    ]
    assert (run.model, run.attempts) == ("smol-q8", 2)
    assert run.usage == Usage(prompt_tokens=700, completion_tokens=110, total_tokens=810)
    assert run.warnings == []
    request = fake_llm.requests[0]
    assert request["model"] == "smol"
    assert request["max_tokens"] == 1024
    assert request["temperature"] == 0.0  # claims@1 suggests 0.0 and nothing overrides it
    assert request["messages"] == prompts.get("claims@1").render(
        article=text, title="Bridge", published="2024-06-01"
    )


async def test_backend_warns_when_no_claims(
    fake_llm: FakeLLM, make_client: Any, prompts: PromptRegistry
) -> None:
    backend = llm_backend(make_client(), prompts)
    fake_llm.reply_tool({"headline": None, "summary": "Nothing claimed.", "claims": []})
    run = await backend.extract(article("Weather was fine."), backend.plan(None))
    assert run.warnings == ["The model returned no claims."]


async def test_build_llm_backend_from_settings(fake_llm: FakeLLM, prompts: PromptRegistry) -> None:
    with pytest.raises(BackendUnavailable, match="REPORTEDLY_LLM_BASE_URL"):
        build_llm_backend(Settings(llm_base_url=None, llm_api_key=None), prompts)

    settings = Settings(
        llm_base_url=fake_llm.base_url, llm_model="served", llm_temperature=0.4, retries=0
    )
    async with httpx.AsyncClient() as http:
        backend = build_llm_backend(settings, prompts, http)
        plan = backend.plan(None)
        assert (plan.backend, plan.model) == ("llm", "served")
        fake_llm.reply_tool(invalid_confidence())
        with pytest.raises(ModelOutputInvalid):  # retries=0: no re-ask
            await backend.extract(article("Officials said so."), plan)
        assert fake_llm.requests[0]["temperature"] == 0.4
        await backend.aclose()
        assert not http.is_closed  # the shared client belongs to the caller


@pytest.mark.parametrize("url", ["::bad", "localhost:8080", "ftp://x/v1", "http://", "http://[::1"])
def test_unusable_base_url_is_backend_unavailable(url: str) -> None:
    with pytest.raises(BackendUnavailable) as caught:
        LLMClient(base_url=url, api_key=None, model="m")
    assert repr(url) in caught.value.detail


async def test_error_details_never_show_url_credentials(make_client: Any) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = make_client(base_url=f"http://user:s3cret@127.0.0.1:{port}/v1?key=s3cret")
    with pytest.raises(UpstreamUnavailable) as caught:
        await client.complete(MESSAGES, QuotedReply, temperature=0.0)
    assert f"127.0.0.1:{port}/v1" in caught.value.detail
    assert "s3cret" not in caught.value.detail
