"""How fast is the offline `rules` extractor, next to spaCy alone on the same texts?

Run on one core (the issue's target is >= 20 sample-sized articles per second on one core):

    taskset -c 0 .venv/bin/python bench/bench_rules.py [--rounds 10]

Prints the spaCy pipeline load time, the warm per-article latency (p50/p95) of the whole
extractor over the four sample articles repeated, its articles/second, and the same for
spaCy alone side by side in this process: `spacy.load(...)` with its default components over
the same texts, with thinc's default blis matrix products and with numpy's BLAS (what the
extractor uses). The machine is shared and noisy, so the rounds interleave all three and the
report gives ratios, which noise affects less than any absolute number.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from reportedly.backends.base import Article  # noqa: E402
from reportedly.backends.rules import nlp  # noqa: E402
from reportedly.backends.rules.claims import extract  # noqa: E402
from reportedly.cleaning import clean, clean_view  # noqa: E402

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

    raw = [t for t, _ in texts]
    # spaCy alone: every default component, nothing excluded; once with thinc's default blis
    # matrix products, once with numpy's BLAS as the extractor uses (nlp.use_numpy_blas).
    default_blis = spacy.load(nlp.PIPELINE)
    numpy_blas = nlp.use_numpy_blas(spacy.load(nlp.PIPELINE))
    contenders: dict[str, Callable[[Article, str], object]] = {
        "rules extractor": lambda article, _: extract(article),
        "spaCy alone, blis": lambda _, text: default_blis(text),
        "spaCy alone, numpy": lambda _, text: numpy_blas(text),
    }
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for run in contenders.values():  # warm-up: fills caches (spaCy vocab, regexes, dateparser)
        for article, text in zip(articles, raw, strict=True):
            run(article, text)
    gc.collect()
    # Interleaved per article, so a burst of load from a neighbour hits every side alike.
    for _ in range(args.rounds):
        for article, text in zip(articles, raw, strict=True):
            for name, run in contenders.items():
                began = time.perf_counter()
                run(article, text)
                times[name].append(time.perf_counter() - began)

    chars = sum(len(t) for t in raw) // len(raw)
    print(f"articles: {len(raw)} samples x {args.rounds} rounds, mean {chars} chars")
    print(f"spaCy pipeline load ({nlp.pipeline_id()}): {load_s:.2f} s (once per process)")
    rate = {name: len(ts) / sum(ts) for name, ts in times.items()}
    for name, ts in times.items():
        print(
            f"{name:19s}: p50 {1000 * statistics.median(ts):6.1f} ms  "
            f"p95 {1000 * _pct(ts, 0.95):6.1f} ms  {rate[name]:6.1f} articles/s"
        )
    print(
        f"throughput ratios: rules / spaCy-alone-blis {rate['rules extractor'] / rate['spaCy alone, blis']:.2f}x; "
        f"numpy / blis for spaCy alone {rate['spaCy alone, numpy'] / rate['spaCy alone, blis']:.2f}x "
        "(target: rules >= 20 articles/s on one core)"
    )


if __name__ == "__main__":
    main()
