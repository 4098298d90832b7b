"""Cutting a long article into chunks a model can answer quickly and completely.

Output is generated serially, so one call over a long article is slow, and it may run out of
output tokens. Above a token budget the article is cut into as few chunks as keep each within
it, of as equal a size as paragraph (else sentence) boundaries allow, since the chunks are
asked at once and the slowest decides. Each chunk repeats the last sentence of the one before
it, so a claim that straddles a seam is seen whole at least once. Chunks are ranges of the
article's sentence index, so every offset a chunk yields refers to the whole text.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from reportedly.schema import DraftClaim
from reportedly.sentences import SentenceIndex

OVERLAP_SENTENCES = 1
# Chunks are balanced on the answer each is expected to get, not on their own tokens: the
# hand-labelled samples have about one claim per sentence (77 for 75), and a claim in the
# sentence-id reply format costs 69 tokens, 42 of them fixed (keys, source type, confidence,
# ids) and the rest about the cited sentence's own length (27 against 28). So a sentence
# weighs its tokens plus 42.
ANSWER_TOKENS_PER_SENTENCE = 42


@dataclass(frozen=True)
class Chunk:
    first: int  # first and last sentence id, inclusive
    last: int
    start: int  # character range of document.text the chunk covers
    end: int

    @property
    def sentences(self) -> range:
        return range(self.first, self.last + 1)


def split(index: SentenceIndex, budget: int, overlap: int = OVERLAP_SENTENCES) -> list[Chunk]:
    """As few chunks as keep each within about `budget` estimated tokens, cut so that they
    are as equal in size as the boundaries allow. An article within the budget is one chunk.

    Equal sizes, not full chunks then a remainder: the chunks are asked at once, so the
    article takes as long as its largest chunk's answer, and output grows with input."""
    if not index.sentences:
        return []
    tokens = index.tokens
    total = sum(tokens)
    if total <= budget:
        return [_chunk(index, 1, len(index))]
    count = min(math.ceil(total / budget), len(index))
    chunks: list[Chunk] = []
    first = 1
    for last in [*_cuts(index, count, overlap), len(index)]:
        chunks.append(_chunk(index, first, last))
        first = max(last + 1 - overlap, chunks[-1].first + 1)
    return chunks


def _cuts(index: SentenceIndex, count: int, overlap: int) -> list[int]:
    """The last sentence id of each chunk but the last, for `count` chunks of about equal
    weight (`ANSWER_TOKENS_PER_SENTENCE`), seam sentences included. Each cut aims at an equal
    share of what is left, so one cut's error is not carried into the next chunk. A paragraph
    end near the aim is preferred (a quote and its attribution are usually one paragraph);
    "near" is within a mean sentence's weight, the size of the seam; else the nearest
    sentence end."""
    weights = [n + ANSWER_TOKENS_PER_SENTENCE for n in index.tokens]
    prefix = list(itertools.accumulate(weights, initial=0))  # prefix[i]: weight of 1..i
    near = prefix[-1] / len(weights)
    paragraph_ends = {
        s.id for s, after in itertools.pairwise(index.sentences) if after.paragraph != s.paragraph
    }
    cuts: list[int] = []
    start = 1  # the first sentence of the chunk being cut, its seam included
    for left in range(count, 1, -1):
        # What is left, with the seams the chunks after this one will repeat.
        rest = prefix[-1] - prefix[start - 1] + (left - 1) * overlap * near
        aim = prefix[start - 1] + rest / left
        # Every chunk keeps at least one sentence of its own.
        done = cuts[-1] if cuts else 0
        candidates = range(done + 1, len(weights) - (left - 1) + 1)
        ends = [i for i in candidates if i in paragraph_ends and abs(prefix[i] - aim) <= near]
        cut = _nearest(ends or candidates, prefix, aim)
        cuts.append(cut)
        start = max(cut + 1 - overlap, start + 1)
    return cuts


def _nearest(candidates: Sequence[int], prefix: Sequence[float], aim: float) -> int:
    return min(candidates, key=lambda i: abs(prefix[i] - aim))


def _chunk(index: SentenceIndex, first: int, last: int) -> Chunk:
    return Chunk(first, last, index.sentences[first - 1].start, index.sentences[last - 1].end)


def halves(chunk: Chunk, index: SentenceIndex) -> list[Chunk]:
    """A chunk whose answer did not fit the output limit, as two smaller ones (none if it is
    a single sentence)."""
    if chunk.last <= chunk.first:
        return []
    middle = (chunk.first + chunk.last) // 2
    return [_chunk(index, chunk.first, middle), _chunk(index, middle + 1, chunk.last)]


# Two claims from different chunks are one claim seen twice at a seam when their evidence
# overlaps and either cites the very same spans or says nearly the same thing.
SEAM_SIMILARITY = 80.0


class Merger:
    """Claims from all chunks, in the order they are accepted, without seam duplicates.

    Only claims with evidence offsets can be compared (sentence ids always have them; quotes
    get them when found in their chunk's text); claims from the same chunk are never merged,
    since a model may split one sentence into two claims on purpose."""

    def __init__(self) -> None:
        self._kept: list[tuple[int, str, frozenset[tuple[int, int]]]] = []
        self.duplicates = 0

    def accept(self, claim: DraftClaim, chunk: int) -> bool:
        spans = frozenset(
            (q.start, q.end) for q in claim.evidence if q.start is not None and q.end is not None
        )
        text = claim.claim.strip().lower()
        for other_chunk, other_text, other_spans in self._kept:
            if other_chunk == chunk or not _overlap(spans, other_spans):
                continue
            if spans == other_spans or fuzz.token_set_ratio(text, other_text) >= SEAM_SIMILARITY:
                self.duplicates += 1
                return False
        self._kept.append((chunk, text, spans))
        return True


def _overlap(a: frozenset[tuple[int, int]], b: frozenset[tuple[int, int]]) -> bool:
    return any(s1 < e2 and s2 < e1 for s1, e1 in a for s2, e2 in b)


def uncovered(failed: Chunk, done: list[Chunk]) -> list[tuple[int, int]]:
    """The part of a failed chunk's range that no successful chunk covered."""
    pieces = [(failed.start, failed.end)]
    for chunk in done:
        pieces = [
            part
            for start, end in pieces
            for part in ((start, min(end, chunk.start)), (max(start, chunk.end), end))
            if part[1] > part[0]
        ]
    return pieces
