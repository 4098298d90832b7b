"""Cutting a long article into chunks a model can answer quickly and completely.

Output is generated serially, so one call over a long article is slow, and it may run out of
output tokens. Above a token budget the article is cut on paragraph boundaries, a paragraph
over the budget on sentence boundaries, and each chunk repeats the last sentence of the one
before it, so a claim that straddles a seam is seen whole at least once. Chunks are ranges of
the article's sentence index, so every offset a chunk yields refers to the whole text.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz

from reportedly.schema import DraftClaim
from reportedly.sentences import SentenceIndex

OVERLAP_SENTENCES = 1


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
    """Chunks of at most about `budget` estimated tokens each (a single sentence over the
    budget is a chunk of its own). An article within the budget is one chunk."""
    if not index.sentences:
        return []
    tokens = index.tokens
    if sum(tokens) <= budget:
        return [_chunk(index, 1, len(index))]
    groups = _units(index, budget)
    chunks: list[Chunk] = []
    first, size = groups[0][0], 0
    for lo, hi in groups:
        unit = sum(tokens[lo - 1 : hi])
        if size and size + unit > budget:
            last = lo - 1
            chunks.append(_chunk(index, first, last))
            first = max(lo - overlap, chunks[-1].first + 1)
            size = sum(tokens[first - 1 : lo - 1])
        size += unit
    chunks.append(_chunk(index, first, len(index)))
    return chunks


def _units(index: SentenceIndex, budget: int) -> list[tuple[int, int]]:
    """Paragraphs as (first id, last id); a paragraph over the budget as its sentences."""
    paragraphs: list[tuple[int, int]] = []
    for s in index.sentences:
        if paragraphs and index.sentences[paragraphs[-1][1] - 1].paragraph == s.paragraph:
            paragraphs[-1] = (paragraphs[-1][0], s.id)
        else:
            paragraphs.append((s.id, s.id))
    units: list[tuple[int, int]] = []
    for lo, hi in paragraphs:
        if sum(index.tokens[lo - 1 : hi]) > budget:
            units.extend((i, i) for i in range(lo, hi + 1))
        else:
            units.append((lo, hi))
    return units


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
