"""Benchmark the `local` backend: SmolLM2-135M under llama.cpp, through the real code path.

Each sample article is cleaned, sent through `LocalBackend` (openai + instructor, TOOLS mode,
grammar-constrained by llama.cpp) and grounded, exactly as the pipeline does (without the
response cache). Prints per article: seconds, tokens, attempts, claims the model returned and
claims that survived grounding. Needs the [local] extra (see docs/local-llm.md).

    .venv/bin/python bench/bench_local.py [--prompt claims@2] [--ctx 8192] [--threads 2]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from reportedly.backends.base import Article
from reportedly.backends.local.backend import LocalBackend
from reportedly.backends.local.grammar import LOCAL_MAX_TOKENS
from reportedly.cleaning import clean, clean_view
from reportedly.errors import ReportedlyError
from reportedly.grounding import ground
from reportedly.prompts import PromptRegistry
from reportedly.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT.parent / "shared" / "samples"
_DATED = re.compile(r"_(\d{4}-\d{2}-\d{2})_")


@dataclass
class Row:
    name: str
    seconds: float
    prompt_tokens: int = 0
    completion_tokens: int = 0
    attempts: int = 0
    returned: int = 0
    grounded: int = 0
    error: str | None = None


def _published(path: Path) -> str | None:
    match = _DATED.search(path.name)
    return match.group(1) if match else None


async def run(args: argparse.Namespace) -> list[Row]:
    settings = Settings(
        cache_dir=Path(tempfile.mkdtemp(prefix="bench-local-")),
        local_ctx=args.ctx,
        local_threads=args.threads,
        retries=args.retries,
    )
    prompts = PromptRegistry.load(settings.prompts_dir)
    backend = LocalBackend(settings, prompts, max_tokens=args.max_tokens)
    rows: list[Row] = []
    try:
        started = time.perf_counter()
        await backend.start()
        print(f"server up in {time.perf_counter() - started:.1f}s (pid {backend.server.pid})")
        plan = backend.plan(args.prompt)
        print(f"plan: {plan.prompt_ref} model={plan.model} hash={plan.prompt_hash}")
        for path in sorted(SAMPLES.glob("*.txt")):
            document = clean(path.read_text())
            published = _published(path)
            article = Article(
                document=document,
                clean_text=clean_view(document),
                published=None if published is None else dt.date.fromisoformat(published),
            )
            t0 = time.perf_counter()
            try:
                result = await backend.extract(article, plan)
            except ReportedlyError as exc:
                rows.append(Row(path.name, time.perf_counter() - t0, error=exc.detail))
                continue
            seconds = time.perf_counter() - t0
            grounded = ground(result.draft, document, fuzzy_threshold=settings.fuzzy_threshold)
            rows.append(
                Row(
                    path.name,
                    seconds,
                    prompt_tokens=result.usage.prompt_tokens,
                    completion_tokens=result.usage.completion_tokens,
                    attempts=result.attempts,
                    returned=len(result.draft.claims),
                    grounded=len(grounded.claims),
                )
            )
            if args.show:
                for claim in grounded.claims:
                    print(f"    + [{claim.confidence}] {claim.claim!r} <- {claim.source.name}")
                for dropped in grounded.dropped:
                    print(f"    - {dropped.claim!r}: {dropped.reason}")
    finally:
        await backend.aclose()
    return rows


def report(rows: list[Row]) -> None:
    print(f"{'article':44} {'s':>7} {'prompt':>7} {'compl':>6} {'att':>4} {'ret':>4} {'kept':>5}")
    for r in rows:
        if r.error:
            print(f"{r.name:44} {r.seconds:7.1f}  ERROR {r.error[:120]}")
            continue
        print(
            f"{r.name:44} {r.seconds:7.1f} {r.prompt_tokens:7d} {r.completion_tokens:6d} "
            f"{r.attempts:4d} {r.returned:4d} {r.grounded:5d}"
        )
    ok = [r for r in rows if not r.error]
    if ok:
        print(
            f"mean: {statistics.mean(r.seconds for r in ok):.1f} s/article, "
            f"{statistics.mean(r.prompt_tokens + r.completion_tokens for r in ok):.0f} "
            f"tokens/article, claims kept {sum(r.grounded for r in ok)}/"
            f"{sum(r.returned for r in ok)}, errors {len(rows) - len(ok)}/{len(rows)}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--prompt", default=None, help="prompt ref, default: newest claims")
    parser.add_argument("--ctx", type=int, default=8192)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--retries", type=int, default=2)
    parser.add_argument("--max-tokens", type=int, default=LOCAL_MAX_TOKENS)
    parser.add_argument("--show", action="store_true", help="print kept and dropped claims")
    args = parser.parse_args()
    report(asyncio.run(run(args)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
