"""Service overhead, concurrency and cache-hit latency against the fake LLM (200 ms replies).

    .venv/bin/python -m bench.bench_service [--rounds 30]

Prints numbers; it is not a test. Everything is measured side by side in one run, as ratios,
because the machine is noisy. Targets (issue 2): service/direct p50 and p95 <= 1.10;
64 concurrent requests < 2x a single request; cache hit p50 in ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import httpx
import instructor
import openai
from reportedly.replies import QuotedReply

from tests.fakellm import FakeLLM, Reply

DELAY = 0.2
TEXT = (
    Path(__file__).resolve().parents[1]
    / "evals"
    / "datasets"
    / "texts"
    / "002_360a8df881062be0.txt"
).read_text(encoding="utf-8")
# A quoting prompt, so the service and the direct call ask for the same reply (QuotedReply).
BODY = {"text": TEXT, "prompt": "claims@2"}
QUOTE = (
    "According to NIS Director Ji Jae-ryeol, who briefed lawmakers, the troop deployment is "
    "expected to involve several thousand North Korean soldiers."
)
DRAFT: dict[str, Any] = {
    "headline": "North Korea may deploy troops",
    "summary": "South Korea's intelligence service warns of a deployment.",
    "claims": [
        {
            "who": ["North Korea"],
            "claim": "North Korea's deployment is expected to involve several thousand soldiers.",
            "source": {"name": "Ji Jae-ryeol, NIS Director", "type": "person"},
            "timeframe": {"text": None, "start": None, "end": None},
            "confidence": "medium",
            "evidence": [QUOTE],
        }
    ],
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Process:
    """A child process serving HTTP on a free port: the fake endpoint, or `reportedly serve`.

    Separate processes, as in production: in one process the client, the fake endpoint and the
    service would share a GIL and the benchmark would measure that instead.
    """

    def __init__(self, argv: list[str], env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.argv = [a.replace("{port}", str(self.port)) for a in argv]
        self.env = {**os.environ, **(env or {})}
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> str:
        self.proc = subprocess.Popen(
            self.argv, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{url}/healthz", timeout=1)
                return url
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError(f"{self.argv} did not start")

    def __exit__(self, *exc: object) -> None:
        assert self.proc is not None
        self.proc.terminate()
        self.proc.wait(timeout=10)


def fake_endpoint() -> None:
    """Child process: the fake OpenAI-compatible endpoint answering every request after DELAY."""
    fake = FakeLLM(port=int(sys.argv[2]))
    fake.always(Reply.tool(DRAFT, delay=DELAY, usage=(900, 120)))
    with fake:
        threading.Event().wait()


async def post(url: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """One request on its own connection, like 64 independent clients.

    Not httpx: its connection pool costs milliseconds per request under a burst of
    concurrent requests (encode/httpx#3215), which would be measured instead of the service.
    """
    host, port = url.removeprefix("http://").split(":")
    data = json.dumps(body).encode()
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n".encode()
        + data
    )
    await writer.drain()
    raw = await reader.read()
    writer.close()
    head, _, payload = raw.partition(b"\r\n\r\n")
    if b" 200 " not in head.split(b"\r\n", 1)[0]:
        raise RuntimeError(f"service answered {head[:200]!r}")
    result: dict[str, Any] = json.loads(payload)
    return result


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def service(fake_url: str, tmp: str, cache: bool, workers: int = 1) -> Process:
    env = {
        "REPORTEDLY_LLM_BASE_URL": f"{fake_url}/v1",
        "REPORTEDLY_LLM_API_KEY": "bench",
        "REPORTEDLY_LLM_MODEL": "bench-model",
        "REPORTEDLY_CACHE_DIR": tmp,
        "REPORTEDLY_CACHE_ENABLED": str(cache).lower(),
        "REPORTEDLY_CONCURRENCY": "64",
    }
    argv = [sys.executable, "-m", "reportedly.cli", "serve", "--port", "{port}"]
    return Process([*argv, "--workers", str(workers)], env)


async def main(rounds: int) -> None:
    fake = Process([sys.executable, "-m", "bench.bench_service", "--fake-endpoint", "{port}"])
    with fake as fake_url, TemporaryDirectory() as tmp:
        direct = instructor.from_openai(
            openai.AsyncOpenAI(base_url=f"{fake_url}/v1", api_key="bench", max_retries=0),
            mode=instructor.Mode.TOOLS,
        )

        async def call_direct() -> float:
            started = time.perf_counter()
            await direct.chat.completions.create(
                model="bench-model",
                response_model=QuotedReply,
                messages=[{"role": "user", "content": TEXT}],
                max_retries=0,
            )
            return time.perf_counter() - started

        async def call_service(url: str) -> float:
            started = time.perf_counter()
            await post(url, "/v1/summaries", BODY)
            return time.perf_counter() - started

        async def burst(call: Callable[[], Awaitable[float]]) -> tuple[float, float]:
            single = statistics.median([await call() for _ in range(5)])
            started = time.perf_counter()
            await asyncio.gather(*(call() for _ in range(64)))
            return single, time.perf_counter() - started

        with service(fake_url, tmp, cache=False) as url:
            for _ in range(3):  # warm both paths (imports, connections)
                await call_service(url)
                await call_direct()
            service_times, direct_times = [], []
            for _ in range(rounds):  # interleaved, so drift hits both alike
                service_times.append(await call_service(url))
                direct_times.append(await call_direct())
            service_burst = await burst(lambda: call_service(url))
            direct_burst = await burst(call_direct)

        with service(fake_url, tmp, cache=False, workers=2) as url:
            for _ in range(3):
                await call_service(url)
            workers_burst = await burst(lambda: call_service(url))

        with service(fake_url, tmp, cache=True) as url:
            await call_service(url)  # fills the cache
            hits = [await call_service(url) for _ in range(rounds)]
            last = await post(url, "/v1/summaries", BODY)
            assert last["meta"]["cached"], "a repeated request must be a cache hit"

    s50, s95 = pct(service_times, 0.5), pct(service_times, 0.95)
    d50, d95 = pct(direct_times, 0.5), pct(direct_times, 0.95)
    print(f"fake LLM reply delay: {DELAY * 1000:.0f} ms; rounds: {rounds}")
    print(f"(a) service  p50 {s50 * 1000:7.1f} ms  p95 {s95 * 1000:7.1f} ms")
    print(
        f"    direct   p50 {d50 * 1000:7.1f} ms  p95 {d95 * 1000:7.1f} ms  (instructor, same server)"
    )
    print(f"    ratio    p50 {s50 / d50:7.3f}     p95 {s95 / d95:7.3f}     (target <= 1.10)")
    bursts = {
        "service, 1 worker ": service_burst,
        "service, 2 workers": workers_burst,
        "direct instructor ": direct_burst,
    }
    for name, (single, many) in bursts.items():
        print(
            f"(b) {name} single {single * 1000:6.1f} ms; 64 concurrent {many * 1000:7.1f} ms; "
            f"ratio {many / single:5.2f} (target < 2); "
            f"{(many - single) / 63 * 1000:4.1f} ms added per extra request"
        )
    print(f"    (a path that serialised would add {DELAY * 1000:.0f} ms per extra request)")
    print(f"(c) cache hit p50 {pct(hits, 0.5) * 1000:.2f} ms, p95 {pct(hits, 0.95) * 1000:.2f} ms")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--fake-endpoint"]:
        fake_endpoint()
        sys.exit()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    asyncio.run(main(parser.parse_args().rounds))
