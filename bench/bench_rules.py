"""How fast is the offline `rules` extractor, next to spaCy alone on the same texts?

Run on one core (the issue's target is >= 20 sample-sized articles per second on one core):

    taskset -c 0 .venv/bin/python bench/bench_rules.py [--rounds 10]

Prints the spaCy pipeline load time, the warm per-article latency (p50/p95) of the whole
extractor over the four sample articles repeated, its articles/second, and the same for a
baseline run side by side in this process: `spacy.load(...)` with its default components
running `nlp.pipe` over the same texts. The machine is shared and noisy, so the rounds
alternate extractor / baseline and the report gives their ratio, which noise affects less
than either absolute number.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from service.backends.base import Article  # noqa: E402
from service.backends.rules import nlp  # noqa: E402
from service.backends.rules.claims import extract  # noqa: E402
from service.cleaning import clean, clean_view  # noqa: E402

SAMPLES = (
    ("000_d886f5a2d17a20ad.txt", dt.date(2025, 6, 26)),
    ("002_360a8df881062be0.txt", None),
    ("wikinews_2007-02-23_train-derailment.txt", dt.date(2007, 2, 23)),
    ("wikinews_2016-07-06_fast-telescope.txt", dt.date(2016, 7, 6)),
)
SAMPLE_DIRS = (REPO.parent / "shared" / "samples", REPO / "evals" / "datasets" / "texts")


def _texts() -> list[tuple[str, dt.date | None]]:
    for folder in SAMPLE_DIRS:
        if all((folder / name).is_file() for name, _ in SAMPLES):
            return [((folder / n).read_bytes().decode("utf-8"), p) for n, p in SAMPLES]
    raise SystemExit(f"sample articles not found in {SAMPLE_DIRS}")


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=10, help="passes over the four samples")
    args = parser.parse_args()

    texts = _texts()
    articles = []
    for text, published in texts:
        document = clean(text)
        articles.append(
            Article(document=document, clean_text=clean_view(document), published=published)
        )

    began = time.perf_counter()
    nlp.load()
    load_s = time.perf_counter() - began

    import spacy

    baseline = spacy.load(nlp.PIPELINE)  # every default component, nothing excluded
    raw = [t for t, _ in texts]

    # warm-up: first calls fill caches (spaCy vocab, regexes, dateparser)
    for article in articles:
        extract(article)
    list(baseline.pipe(raw))

    ours: list[float] = []
    base: list[float] = []
    gc.collect()
    # Interleaved per article, so a burst of load from a neighbour hits both sides alike.
    for _ in range(args.rounds):
        for article, doc_text in zip(articles, raw, strict=True):
            t0 = time.perf_counter()
            extract(article)
            t1 = time.perf_counter()
            baseline(doc_text)
            t2 = time.perf_counter()
            ours.append(t1 - t0)
            base.append(t2 - t1)
    ours_wall, base_wall = sum(ours), sum(base)

    n = len(ours)
    ours_rate, base_rate = n / ours_wall, n / base_wall
    chars = sum(len(t) for t in raw) // len(raw)
    print(f"articles: {len(raw)} samples x {args.rounds} rounds, mean {chars} chars")
    print(f"spaCy pipeline load ({nlp.pipeline_id()}): {load_s:.2f} s (once per process)")
    print(
        f"rules extractor : p50 {1000 * statistics.median(ours):6.1f} ms  "
        f"p95 {1000 * _pct(ours, 0.95):6.1f} ms  {ours_rate:6.1f} articles/s"
    )
    print(
        f"spaCy alone     : p50 {1000 * statistics.median(base):6.1f} ms  "
        f"p95 {1000 * _pct(base, 0.95):6.1f} ms  {base_rate:6.1f} articles/s  "
        f"(default pipeline, same texts)"
    )
    print(
        f"ratio rules/spaCy-alone: throughput {ours_rate / base_rate:.2f}x, "
        f"p50 latency {statistics.median(base) / statistics.median(ours):.2f}x faster"
    )


if __name__ == "__main__":
    main()
