"""The trivial baseline: every sentence is a claim by the author, stated with high confidence.

It is dumb on purpose (a regex sentence splitter, no furniture removal, no sources) so every
report shows how far above "just list the sentences" a backend stands. It runs locally under
the backend name `baseline` and returns a `Summary` like the service does.
"""

from __future__ import annotations

import hashlib
import re
import time

from reportedly.schema import Claim, Document, Evidence, Meta, Source, Summary

BASELINE = "baseline"
BASELINE_MODEL = "sentences-regex-1"
# A sentence: a run of text up to ., ! or ? (plus closing quotes) or a line break.
_SENTENCE = re.compile(r"[^.!?\n]*[^.!?\n\s][^.!?\n]*(?:[.!?]+[\"'\u201d\u2019)]*|(?=\n)|$)")
_MIN_WORDS = 4  # shorter fragments ("Subscribe", "- Advertisement -") are not sentences


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of each sentence, whitespace-trimmed."""
    spans: list[tuple[int, int]] = []
    for match in _SENTENCE.finditer(text):
        raw = match.group(0)
        start = match.start() + (len(raw) - len(raw.lstrip()))
        end = match.end() - (len(raw) - len(raw.rstrip()))
        if end > start and len(text[start:end].split()) >= _MIN_WORDS:
            spans.append((start, end))
    return spans


def baseline_summary(text: str) -> Summary:
    began = time.perf_counter()
    claims = [
        Claim(
            who=[],
            claim=text[start:end],
            source=Source(name="author", type="author"),
            confidence="high",
            evidence=[Evidence(quote=text[start:end], start=start, end=end)],
        )
        for start, end in sentences(text)
    ]
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    return Summary(
        id=f"baseline-{digest}",
        document=Document(text=text),
        headline=None,
        summary=" ".join(c.claim for c in claims[:2]),
        claims=claims,
        meta=Meta(
            backend=BASELINE,
            model=BASELINE_MODEL,
            prompt=None,
            prompt_hash=hashlib.sha256(BASELINE_MODEL.encode()).hexdigest()[:16],
            latency_ms=(time.perf_counter() - began) * 1000,
        ),
    )
