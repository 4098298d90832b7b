"""Long articles and streaming against a fake endpoint whose replies take time per token.

    .venv/bin/python -m bench.bench_latency [--rate 100] [--chunk-tokens N] [--prompt claims@3]

The fake endpoint (`tests/fakellm.py`) answers like a model: it reads the sentence ids of
the chunk it is sent and cites every second sentence (so output grows with the text), and
its reply takes 0.3 s plus one output token per 1/rate s (default 100 tokens/s, a hosted
model's pace), as a whole reply or as a stream of ~1-token deltas. Requests go through the
service's own path (`pipeline.summarize`, `streaming.summarize_stream`, the default prompt
and settings: REPORTEDLY_CHUNK_TOKENS=1300, REPORTEDLY_CHUNK_CONCURRENCY=8).

1. A 40k-character article against a 4k one: wall time and prompt tokens (o200k, messages +
   tools as sent), next to the 40k article in one call (its time is modelled from its
   output tokens: that call is not waited for).
2. Time to the first claim event against the whole stream, for both articles.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import tempfile
import time
from pathlib import Path
from typing import Any

import bpe_openai
from reportedly.cleaning import clean, clean_view
from reportedly.pipeline import prepare, summarize
from reportedly.schema import SummaryRequest
from reportedly.services import open_services
from reportedly.settings import Settings
from reportedly.streaming import summarize_stream

from tests.fakellm import JSON, FakeLLM, Reply

ENCODING = bpe_openai.get_encoding("o200k_base")
TEXTS = Path(__file__).resolve().parents[1] / "evals" / "datasets" / "texts"
MARK = re.compile(r"#(\d+) ")
BASE_DELAY = 0.3


def article(chars: int) -> str:
    """The samples' paragraphs, cleaned, in turn, until about `chars` characters."""
    paragraphs = [
        p
        for path in sorted(TEXTS.glob("*.txt"))
        for p in clean_view(clean(path.read_text(encoding="utf-8"))).split("\n\n")
        if len(p) > 80
    ]
    out: list[str] = []
    while sum(len(p) + 2 for p in out) + 100 < chars:
        out.append(paragraphs[len(out) % len(paragraphs)])
    return "\n\n".join(out)


def tokens(text: str) -> int:
    return len(ENCODING.encode(text))


class Model:
    """The fake endpoint's answers, and the tokens it was asked with."""

    def __init__(self, rate: float, wait: bool = True) -> None:
        self.per_token = 1 / rate if wait else 0.0
        self.prompt_tokens = 0
        self.completion_tokens = 0

    def __call__(self, request: JSON) -> Reply:
        ids = [int(n) for n in MARK.findall(request["messages"][-1]["content"])]
        claims = [
            {
                "who": ["North Korea"],
                "claim": f"The article states the fact given in its sentence number {i}.",
                "source": {"name": "author", "type": "author"},
                "confidence": "high",
                "evidence": [i],
            }
            for i in ids[::2]
        ]
        arguments = json.dumps({"claims": claims, "headline": "H", "summary": "Two sentences."})
        prompt = sum(tokens(m["content"]) for m in request["messages"])
        prompt += tokens(json.dumps(request["tools"], separators=(",", ":")))
        done = tokens(arguments)
        self.prompt_tokens += prompt
        self.completion_tokens += done
        return Reply.tool(
            arguments,
            usage=(prompt, done),
            delay=BASE_DELAY if self.per_token else 0.0,
            per_token=self.per_token,
        )


async def run(
    fake: FakeLLM, settings: Settings, request: SummaryRequest, model: Model
) -> dict[str, Any]:
    fake.always(Reply.computed(model))
    async with open_services(settings) as services:
        started = time.perf_counter()
        summary = await summarize(services, request)
        seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "chunks": summary.meta.chunks,
        "claims": len(summary.claims),
        "prompt": model.prompt_tokens,
        "completion": model.completion_tokens,
        "prompt_ref": summary.meta.prompt,
    }


async def stream(
    fake: FakeLLM, settings: Settings, request: SummaryRequest, model: Model
) -> tuple[float, float]:
    fake.always(Reply.computed(model))
    async with open_services(settings) as services:
        started = time.perf_counter()
        first = None
        async for event in summarize_stream(services, await prepare(services, request)):
            if event.name == "claim" and first is None:
                first = time.perf_counter() - started
        total = time.perf_counter() - started
    assert first is not None
    return first, total


async def main(rate: float, chunk_tokens: int, prompt: str | None) -> None:
    small, large = article(4_000), article(40_000)
    ask_small = SummaryRequest(text=small, prompt=prompt)
    ask_large = SummaryRequest(text=large, prompt=prompt)
    with tempfile.TemporaryDirectory() as tmp, FakeLLM() as fake:
        settings = Settings(
            llm_base_url=fake.base_url,
            cache_enabled=False,
            cache_dir=Path(tmp),
            timeout=600,
            chunk_tokens=chunk_tokens,
        )
        one_call = settings.model_copy(update={"chunk_tokens": 10**6})
        await run(fake, settings, ask_small, Model(rate, wait=False))  # warm up: SDK imports
        r4 = await run(fake, settings, ask_small, Model(rate))
        r40 = await run(fake, settings, ask_large, Model(rate))
        single = await run(fake, one_call, ask_large, Model(rate, wait=False))
        modelled = BASE_DELAY + single["completion"] / rate
        s4 = await stream(fake, settings, ask_small, Model(rate))
        s40 = await stream(fake, settings, ask_large, Model(rate))

    print(
        f"fake endpoint: {BASE_DELAY} s + 1 token per {1000 / rate:.0f} ms; {r4['prompt_ref']}, "
        f"REPORTEDLY_CHUNK_TOKENS={chunk_tokens}"
    )
    print(
        f"{'':34}{'chars':>8}{'chunks':>7}{'claims':>7}{'seconds':>9}{'prompt tok':>11}{'compl tok':>10}"
    )
    for name, r, chars in (("4k article", r4, len(small)), ("40k article", r40, len(large))):
        print(
            f"{name:34}{chars:>8,}{r['chunks']:>7}{r['claims']:>7}{r['seconds']:>9.2f}"
            f"{r['prompt']:>11,}{r['completion']:>10,}"
        )
    print(
        f"{'40k article in one call (modelled)':34}{len(large):>8,}{1:>7}{single['claims']:>7}"
        f"{modelled:>9.2f}{single['prompt']:>11,}{single['completion']:>10,}"
    )
    print(f"40k / 4k time: {r40['seconds'] / r4['seconds']:.2f} (target <= 1.5)")
    print(f"40k prompt tokens / one call: {r40['prompt'] / single['prompt']:.2f} (target <= 1.3)")
    print("streaming: time to first claim / whole stream")
    for name, (first, total) in (("4k article", s4), ("40k article", s40)):
        print(
            f"  {name:14} first claim {first:6.2f} s   all {total:6.2f} s   ratio {first / total:.2f}"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=100.0, help="output tokens per second")
    parser.add_argument("--chunk-tokens", type=int, default=Settings().chunk_tokens)
    parser.add_argument("--prompt", default=None, help="id@version (default: the newest)")
    args = parser.parse_args()
    asyncio.run(main(args.rate, args.chunk_tokens, args.prompt))
