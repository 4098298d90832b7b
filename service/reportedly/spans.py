"""Character ranges of an article outside its removed furniture.

Cleaning only reports furniture as `Removed` ranges; everything that reads the article (the
model's view, the rules' sentences, grounding) needs the complement, computed here once.
"""

from __future__ import annotations

from collections.abc import Iterable

from reportedly.schema import Removed


def kept_spans(length: int, removed: Iterable[Removed]) -> list[tuple[int, int]]:
    """Sorted, non-empty `(start, end)` ranges of a text of `length` characters that no
    removed range touches. Removed ranges may overlap or run past the end."""
    spans: list[tuple[int, int]] = []
    cursor = 0
    for r in sorted(removed, key=lambda r: r.start):
        start = min(max(r.start, 0), length)
        if start > cursor:
            spans.append((cursor, start))
        cursor = max(cursor, min(r.end, length))
    if cursor < length:
        spans.append((cursor, length))
    return spans
