"""`POST /v1/summaries/stream`: claims as server-sent events as soon as they are grounded.

The fake endpoint streams its reply as a real one does (one delta per ~token, at a set rate),
so instructor's partial parsing, the grounding of each claim and the client-side cut-off all
run for real. The disconnect test runs the app under uvicorn on a real socket."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from litestar.testing import TestClient
from reportedly.app import create_app
from reportedly.settings import Settings

from tests.fakellm import FakeLLM, Reply

TEXT = (
    "Officials said the bridge will reopen in July. The mayor disagreed strongly. "
    "Engineers found new cracks on Monday. Tolls may rise next year."
)


def cited(n: int, text: str | None = None) -> dict[str, Any]:
    return {
        "who": ["the bridge"],
        "claim": text or f"Claim about sentence {n}.",
        "source": {"name": "officials", "type": "unnamed"},
        "confidence": "medium",
        "evidence": [n],
    }


REPLY = {"claims": [cited(n) for n in (1, 2, 3, 4)], "headline": "Bridge", "summary": "S."}


def events(raw: str) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for block in raw.replace("\r\n", "\n").strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "event" in fields:
            out.append((fields["event"], json.loads(fields["data"])))
    return out


@pytest.fixture
def settings(fake_llm: FakeLLM, tmp_path: Path) -> Settings:
    return Settings(
        llm_base_url=fake_llm.base_url,
        llm_model="test-model",
        timeout=5.0,
        retries=1,
        cache_dir=tmp_path,
    )


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient[Any]]:
    with TestClient(app=create_app(settings)) as c:
        yield c


def test_claims_stream_then_the_summary_and_match_the_normal_route(
    client: TestClient[Any], fake_llm: FakeLLM
) -> None:
    fake_llm.queue(Reply.tool(REPLY, usage=(300, 80)))
    response = client.post("/v1/summaries/stream", json={"text": TEXT})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    got = events(response.text)
    names = [name for name, _ in got]
    assert names == ["claim"] * 4 + ["summary"]
    assert fake_llm.requests[0]["stream"] is True
    summary = got[-1][1]
    assert "claims" not in summary and summary["document"]["text"] == TEXT
    assert summary["meta"]["usage"]["completion_tokens"] == 80  # from the stream's last chunk
    for _, claim in got[:-1]:
        [evidence] = claim["evidence"]
        assert TEXT[evidence["start"] : evidence["end"]] == evidence["quote"]

    fake_llm.queue(Reply.tool(REPLY))
    normal = client.post("/v1/summaries", json={"text": TEXT, "title": "x"}).json()
    assert normal["claims"] == [claim for name, claim in got if name == "claim"]


def test_dropped_claims_are_warnings_as_on_the_normal_route(
    client: TestClient[Any], fake_llm: FakeLLM
) -> None:
    quoted = {
        "headline": None,
        "summary": "S.",
        "claims": [
            cited(1) | {"evidence": ["Officials said the bridge will reopen in July."]},
            cited(2) | {"evidence": ["Nothing like this is in the article at all."]},
        ],
    }
    fake_llm.queue(Reply.tool(quoted))
    got = events(
        client.post("/v1/summaries/stream", json={"text": TEXT, "prompt": "claims@2"}).text
    )
    assert [name for name, _ in got] == ["claim", "warning", "summary"]
    assert "evidence not found" in got[1][1]["message"]
    assert got[-1][1]["meta"]["dropped"] == 1


def test_a_cached_summary_streams_at_once(client: TestClient[Any], fake_llm: FakeLLM) -> None:
    fake_llm.queue(Reply.tool(REPLY))
    first = events(client.post("/v1/summaries/stream", json={"text": TEXT}).text)
    again = events(client.post("/v1/summaries/stream", json={"text": TEXT}).text)
    assert len(fake_llm.requests) == 1
    assert [c for n, c in again if n == "claim"] == [c for n, c in first if n == "claim"]
    assert again[-1][1]["meta"]["cached"] is True


def test_an_error_after_the_stream_began_is_an_error_event(
    client: TestClient[Any], fake_llm: FakeLLM
) -> None:
    fake_llm.always(Reply.tool('{"claims": [{"who": ["x"], "cla', finish_reason="length"))
    got = events(client.post("/v1/summaries/stream", json={"text": TEXT}).text)
    name, problem = got[-1]
    assert name == "error" and problem["status"] == 502
    assert "finish_reason=length" in problem["detail"]


def test_request_problems_are_answered_before_the_stream(client: TestClient[Any]) -> None:
    response = client.post("/v1/summaries/stream", json={"text": TEXT, "prompt": "claims@9"})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")


def test_the_rules_backend_streams_its_claims_too(tmp_path: Path) -> None:
    with TestClient(app=create_app(Settings(cache_dir=tmp_path))) as client:
        text = "Officials said the bridge will reopen in July, according to the city."
        got = events(client.post("/v1/summaries/stream", json={"text": text}).text)
        normal = client.post("/v1/summaries", json={"text": text}).json()
    assert [c for n, c in got if n == "claim"] == normal["claims"]
    assert got[-1][0] == "summary" and got[-1][1]["meta"]["backend"] == "rules"


@contextlib.contextmanager
def served(settings: Settings) -> Iterator[int]:
    """The app under uvicorn on a free port (the test client buffers a streamed body)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(settings), port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def open_stream(port: int, body: dict[str, Any]) -> socket.socket:
    raw = json.dumps(body).encode()
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(
        b"POST /v1/summaries/stream HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        b"Content-Type: application/json\r\n" + f"Content-Length: {len(raw)}\r\n\r\n".encode() + raw
    )
    return sock


def test_first_claim_arrives_long_before_the_last(settings: Settings, fake_llm: FakeLLM) -> None:
    fake_llm.queue(Reply.tool(REPLY, per_token=0.005))  # ~150 tokens: ~0.75 s in all
    with served(settings) as port, open_stream(port, {"text": TEXT}) as sock:
        started = time.perf_counter()
        received, first_claim = b"", None
        while chunk := sock.recv(4096):
            received += chunk
            if first_claim is None and b"event: claim" in received:
                first_claim = time.perf_counter() - started
        total = time.perf_counter() - started
    assert first_claim is not None and b"event: summary" in received
    assert first_claim < 0.6 * total


def test_a_client_that_disconnects_stops_the_upstream_call(
    settings: Settings, fake_llm: FakeLLM
) -> None:
    many = {"claims": [cited(1 + n % 4, f"Claim {n}.") for n in range(40)], "summary": "S."}
    fake_llm.queue(Reply.tool(many, per_token=0.01))  # about 15 s if read to the end
    with served(settings) as port:
        with open_stream(port, {"text": TEXT}) as sock:
            received = b""
            while b"event: claim" not in received:
                chunk = sock.recv(4096)
                assert chunk, "the stream ended before a claim"
                received += chunk
        # The client is gone: the service must close its upstream request, not read on.
        deadline = time.monotonic() + 5
        while fake_llm.aborted == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert fake_llm.aborted == 1 and fake_llm.completed == 0
