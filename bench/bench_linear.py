"""Does every stage cost linear time in the article's length, even on pathological text?

    .venv/bin/python -m bench.bench_linear [--sizes 25000,50000,100000,200000]

For each kind of text (one repeated sentence without a line break, one long word, many short
lines, dense quotations, real prose made of the sample articles) and each size, times every
stage a request goes through: cleaning, the model's view, prompt rendering (fence defusing),
the rules extractor, grounding (the rules' own draft, then ten quotes that need the fuzzy
search), and the scan for text addressed to a model. Prints seconds per stage (best of several runs) and, per
doubling of the length, the ratio of times (linear is 2.0; target <= 2.2), step by step and
over the whole range.
"""

from __future__ import annotations

import argparse
import itertools
import time
from collections.abc import Callable

from reportedly.backends.base import Article
from reportedly.backends.rules import nlp
from reportedly.backends.rules.backend import _run as rules_extract
from reportedly.bundled import PROMPTS_DIR
from reportedly.cleaning import clean, clean_view
from reportedly.fences import addressed_to_model
from reportedly.grounding import ground
from reportedly.prompts import PromptRegistry
from reportedly.schema import Document, Draft, DraftClaim, Source

from bench.bench_rules import _texts

KINDS: dict[str, Callable[[int], str]] = {
    "repeated sentence": lambda n: _fill("Officials said the bridge would reopen on Monday. ", n),
    "one long word": lambda n: "a" * n,
    "short lines": lambda n: _fill("Yes.\nNo.\nMaybe so.\n", n),
    "dense quotes": lambda n: _fill('"We will rebuild," he said. "Not soon," she said. ', n),
    "real prose": lambda n: _fill("\n\n".join(text for text, _ in _texts()) + "\n\n", n),
}


def _fill(unit: str, n: int) -> str:
    return (unit * (n // len(unit) + 1))[:n]


def _stages(text: str) -> dict[str, Callable[[], object]]:
    document = clean(text)
    view = clean_view(document)
    article = Article(document=document, clean_text=view)
    prompt = PromptRegistry.load(PROMPTS_DIR).get(None)
    draft = rules_extract(article)
    quotes = [
        text[i : i + 60].replace("e", "a") for i in range(0, len(text), max(1, len(text) // 10))
    ][:10]
    fuzzy = Draft(
        summary="s",
        claims=[
            DraftClaim(who=[], claim="c", source=Source(name="author", type="author"),
                       confidence="high", evidence=[q])
            for q in quotes if q.strip()
        ],
    )  # fmt: skip
    return {
        "clean": lambda: clean(text),
        "model view": lambda: clean_view(document),
        "prompt render": lambda: prompt.render(article=view, title="t"),
        "rules extract": lambda: rules_extract(article),
        "ground rules draft": lambda: ground(draft, document, fuzzy_threshold=90.0),
        "ground 10 fuzzy": lambda: ground(fuzzy, Document(text=text), fuzzy_threshold=90.0),
        "addressed scan": lambda: addressed_to_model(text),
    }


def _time(work: Callable[[], object]) -> float:
    """The best of at least three runs, and of as many as fit in 0.2 s: noise only ever adds
    time, and a stage of a millisecond is otherwise all noise."""
    best, spent, runs = float("inf"), 0.0, 0
    while runs < 3 or (spent < 0.2 and runs < 50):
        began = time.perf_counter()
        work()
        took = time.perf_counter() - began
        best, spent, runs = min(best, took), spent + took, runs + 1
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="25000,50000,100000,200000")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    nlp.load()
    worst = 0.0
    for kind, make in KINDS.items():
        rows: dict[str, list[float]] = {}
        for size in sizes:
            for stage, work in _stages(make(size)).items():
                rows.setdefault(stage, []).append(_time(work))
        print(
            f"\n{kind}: seconds at {', '.join(f'{s // 1000}k' for s in sizes)}; ratio per doubling"
        )
        for stage, times in rows.items():
            ratios = [b / a if a > 1e-4 else float("nan") for a, b in itertools.pairwise(times)]
            # Over the whole range, per doubling: what a superlinear stage cannot hide.
            overall = (times[-1] / times[0]) ** (1 / (len(times) - 1)) if times[0] > 1e-4 else 0
            if times[-1] >= 0.005:  # below 5 ms at the largest size nothing is worth a ratio
                worst = max(worst, overall)
            print(
                f"  {stage:20} " + " ".join(f"{t:8.4f}" for t in times)
                + "   x" + " x".join(f"{r:4.2f}" for r in ratios) + f"   over all x{overall:4.2f}"
            )  # fmt: skip
    print(
        f"\nworst ratio per doubling over {sizes[0] // 1000}k-{sizes[-1] // 1000}k "
        f"(stages of 5 ms or more): {worst:.2f} (target <= 2.2)"
    )


if __name__ == "__main__":
    main()
