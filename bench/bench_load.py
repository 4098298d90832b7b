"""The service under load on the offline default, and small requests next to a huge one.

    .venv/bin/python -m bench.bench_load [--requests 10000] [--concurrency 64]

Starts `reportedly serve` (rules backend, a fresh cache) in its own process, then:

1. sends `--requests` requests at `--concurrency` in flight, half of them unique articles
   (the other half repeats, answered by the cache); prints status counts, latency
   p50/p95/p99, and the server's RSS at start, after 1,000 requests and at the end
   (target: no error, RSS growth after warm-up under 10%);
2. times small requests one after another while nothing else runs, then while a
   200,000-character article is being summarized, and prints both p50/p95/max (a single
   small request stuck behind the long one shows in max, not p95): a long request must
   not stall the event loop for everyone else.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import tempfile
import time
from pathlib import Path

import httpx

from bench.bench_rules import _texts
from tests.served import served

SENTENCES = [
    "Officials said the bridge would reopen on Monday.",
    "The mayor, Ana Ruiz, said repairs had cost more than expected.",
    "Engineers believe the cracks were caused by heavy trucks.",
    "According to the transport ministry, traffic may be diverted until June.",
]


def article(n: int) -> str:
    """A short article; different n give different texts (cache misses)."""
    return " ".join(SENTENCES) + f" The count reached {n} on Friday, police said."


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def load(url: str, pid: int, requests: int, concurrency: int) -> None:
    statuses: collections.Counter[int | str] = collections.Counter()
    latencies: list[float] = []
    rss = {"start": rss_mb(pid)}
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(requests):
        queue.put_nowait(i)
    done = 0

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal done
        while not queue.empty():
            i = queue.get_nowait()
            text = article(i if i % 2 == 0 else 1)  # odd requests repeat one article
            began = time.perf_counter()
            try:
                response = await client.post(f"{url}/v1/summaries", json={"text": text})
                statuses[response.status_code] += 1
            except httpx.HTTPError as exc:
                statuses[type(exc).__name__] += 1
            latencies.append(time.perf_counter() - began)
            done += 1
            if done == 1000:
                rss["after 1,000"] = rss_mb(pid)

    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:
        began = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        elapsed = time.perf_counter() - began
    rss["end"] = rss_mb(pid)
    print(f"{requests} requests, {concurrency} in flight, half unique: {elapsed:.1f} s")
    print(f"  statuses: {dict(statuses)}")
    print(
        f"  latency p50 {pct(latencies, 0.5) * 1000:.0f} ms, p95 {pct(latencies, 0.95) * 1000:.0f} ms,"
        f" p99 {pct(latencies, 0.99) * 1000:.0f} ms"
    )
    print("  RSS: " + ", ".join(f"{k} {v:.0f} MB" for k, v in rss.items()))
    growth = (rss["end"] - rss["after 1,000"]) / rss["after 1,000"] * 100
    print(f"  RSS growth after warm-up: {growth:+.1f}% (target < 10%)")


async def beside_a_long_request(url: str, rounds: int = 40) -> None:
    async with httpx.AsyncClient(timeout=600) as client:

        async def small_requests(first: int) -> list[float]:
            times = []
            for i in range(rounds):
                began = time.perf_counter()
                await client.post(f"{url}/v1/summaries", json={"text": article(first + i)})
                times.append(time.perf_counter() - began)
            return times

        idle = await small_requests(10**9)
        prose = "\n\n".join(text for text, _ in _texts())
        huge = (prose * (200_000 // len(prose) + 1))[:199_990]
        long_began = time.perf_counter()
        long_request = asyncio.create_task(
            client.post(f"{url}/v1/summaries", json={"text": huge + " (once)"})
        )
        await asyncio.sleep(0.5)  # let the long request get going
        during = await small_requests(2 * 10**9)  # new texts: no cache hits
        began = time.perf_counter()
        long_status = (await long_request).status_code
        finished_after = time.perf_counter() - began
        long_took = time.perf_counter() - long_began
    print(f"\nsmall requests ({rounds} each), one at a time:")
    print(
        f"  idle:                          p50 {pct(idle, 0.5) * 1000:6.0f} ms, p95 {pct(idle, 0.95) * 1000:6.0f} ms,"
        f" max {max(idle) * 1000:6.0f} ms"
    )
    print(
        f"  while a 200k-char request runs: p50 {pct(during, 0.5) * 1000:6.0f} ms, p95 {pct(during, 0.95) * 1000:6.0f} ms,"
        f" max {max(during) * 1000:6.0f} ms"
    )
    print(
        f"  (the long request: HTTP {long_status}, {long_took:.1f} s, done {finished_after:.1f} s"
        " after the small ones; if 0.0, some small ones ran after it: see max, not p95)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=64)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as cache:
        env = {"REPORTEDLY_CACHE_DIR": cache, "REPORTEDLY_DEFAULT_BACKEND": "rules"}
        with served(env) as (url, server):
            asyncio.run(load(url, server.pid, args.requests, args.concurrency))
            asyncio.run(beside_a_long_request(url))


if __name__ == "__main__":
    main()
