"""Looking one quote up in one article, strictest tier first.

1. exact substring of the article;
2. normalised: quotes, dashes, ellipses, whitespace runs, accents, then case are folded
   (`text_index.NormalizedText`), and the span found is mapped back to the original;
3. elided: "A ... B" matches A followed closely by B;
4. unpunctuated: the same words in the same order, whatever punctuation sits between them;
5. fuzzy: rapidfuzz's best partial alignment above a threshold, on the words only (so a
   dropped comma or quote mark costs nothing), snapped to word boundaries.

A span touching removed furniture is never evidence.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from rapidfuzz import fuzz

from reportedly.grounding.text_index import (
    ELLIPSIS,
    LEADING_PUNCT,
    TRAILING_PUNCT,
    NormalizedText,
    WordSkeleton,
    fold_case,
    has_word_char,
    is_punct,
    normalize_quote,
    skeleton_of,
)
from reportedly.schema import Evidence, Quote, Removed
from reportedly.spans import kept_spans

Method = Literal["offsets", "exact", "normalized", "casefolded", "elided", "unpunctuated", "fuzzy"]

# Quotes shorter than this are too ambiguous to match approximately: "he said" is everywhere.
FUZZY_MIN_WORDS = 3
FUZZY_MIN_CHARS = 12
# An elided quote ("A ... B") may skip at most this many (normalised) characters per gap.
MAX_ELISION_GAP = 400
# Fuzzy search first aligns around at most this many exact word-trigram hits.
MAX_ANCHORS = 4
# Word snapping never grows a fuzzy span by more than this on either side.
MAX_SNAP_CHARS = 30


@dataclass(frozen=True)
class Located:
    """The outcome of looking one quote up: evidence, or why there is none."""

    evidence: Evidence | None
    method: Method | None = None
    score: float = 100.0
    furniture: str | None = None  # reason of the removed range the quote was found in


@dataclass
class Locator:
    """Looks quotes up in one document; builds the normalised copy once, on first need."""

    text: str
    removed: Sequence[Removed] = ()
    fuzzy_threshold: float = 90.0
    _ranges: list[tuple[int, int, str]] = field(init=False, repr=False)
    _norm: NormalizedText | None = field(init=False, default=None, repr=False)
    _skeleton: WordSkeleton | None = field(init=False, default=None, repr=False)
    _segment_cache: list[tuple[int, int]] | None = field(init=False, default=None, repr=False)

    def __post_init__(self) -> None:
        self._ranges = sorted((r.start, r.end, r.reason) for r in self.removed if r.end > r.start)

    @property
    def norm(self) -> NormalizedText:
        if self._norm is None:
            self._norm = NormalizedText(self.text)
        return self._norm

    @property
    def skeleton(self) -> WordSkeleton:
        if self._skeleton is None:
            self._skeleton = WordSkeleton(self.norm)
        return self._skeleton

    def locate(self, quote: str) -> Evidence | None:
        return self.search(quote).evidence

    def find(self, quote: Quote) -> Located:
        """A backend's quote: its offsets when they hold, else a search for its words."""
        start, end = quote.start, quote.end
        if (
            start is not None
            and end is not None
            and 0 <= start < end <= len(self.text)
            and self.text[start:end] == quote.text
        ):
            hit = self._accept(start, end)
            if isinstance(hit, Evidence):
                return Located(hit, "offsets")
            if hit is not None:
                return Located(None, furniture=hit)
        return self.search(quote.text)

    def search(self, quote: str) -> Located:
        quote = quote.strip()
        if not has_word_char(quote):
            return Located(None)
        furniture: str | None = None

        # 1. exact
        pos = self.text.find(quote)
        while pos != -1:
            hit = self._accept(pos, pos + len(quote))
            if isinstance(hit, Evidence):
                return Located(hit, "exact")
            furniture = furniture or hit
            pos = self.text.find(quote, pos + 1)

        # 2. normalised, case kept, then case folded
        norm = self.norm
        nquote = normalize_quote(quote)
        if not has_word_char(nquote):
            return Located(None, furniture=furniture)
        tiers: tuple[tuple[Method, str, str], ...] = (
            ("normalized", norm.text, nquote),
            ("casefolded", norm.folded, fold_case(nquote)),
        )
        for method, haystack, needle in tiers:
            found, seen = self._find_normalized(haystack, needle)
            if found is not None:
                return Located(found, method)
            furniture = furniture or seen

        # 3. elided with "..."
        fquote = fold_case(nquote)
        if "..." in fquote:
            found = self._find_elided(fquote)
            if found is not None:
                return Located(found, "elided")

        # 4. the same words, whatever the punctuation between them
        squote = skeleton_of(fquote)
        if not squote:
            return Located(None, furniture=furniture)
        found, seen = self._find_words(squote, quote)
        if found is not None:
            return Located(found, "unpunctuated")
        furniture = furniture or seen

        # 5. fuzzy
        if len(squote.split()) >= FUZZY_MIN_WORDS and len(quote) >= FUZZY_MIN_CHARS:
            fuzzy = self._find_fuzzy(squote, quote)
            if fuzzy is not None:
                return fuzzy
            if furniture is None:
                furniture = self._fuzzy_in_furniture(squote)
        return Located(None, furniture=furniture)

    # --- helpers -------------------------------------------------------------------------

    def _furniture_at(self, start: int, end: int) -> str | None:
        for r_start, r_end, reason in self._ranges:
            if r_start >= end:
                break
            if start < r_end:
                return reason
        return None

    def _accept(self, start: int, end: int) -> Evidence | str | None:
        """Evidence for an original span, or the furniture reason that rules it out."""
        text = self.text
        while end < len(text) and unicodedata.combining(text[end]):
            end += 1  # keep accents with their letter
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        span = text[start:end]
        if not has_word_char(span):
            return None
        reason = self._furniture_at(start, end)
        if reason is not None:
            return reason
        return Evidence(quote=span, start=start, end=end)

    def _find_normalized(self, haystack: str, needle: str) -> tuple[Evidence | None, str | None]:
        furniture: str | None = None
        pos = haystack.find(needle)
        while pos != -1:
            hit = self._accept(*self.norm.original_span(pos, pos + len(needle)))
            if isinstance(hit, Evidence):
                return hit, None
            furniture = furniture or hit
            pos = haystack.find(needle, pos + 1)
        return None, furniture

    def _find_elided(self, fquote: str) -> Evidence | None:
        """The shortest span holding the parts in order: "The telescope is ... ready" is the
        sentence that says it, not an earlier "The telescope is" 300 characters before."""
        parts = [p.strip() for p in ELLIPSIS.split(fquote)]
        parts = [p for p in parts if p]
        if not parts or not all(has_word_char(p) for p in parts):
            return None
        haystack = self.norm.folded
        best: Evidence | None = None
        pos = haystack.find(parts[0])
        while pos != -1:
            end = pos + len(parts[0])
            for part in parts[1:]:
                nxt = haystack.find(part, end, end + MAX_ELISION_GAP + len(part))
                if nxt == -1:
                    break
                end = nxt + len(part)
            else:
                hit = self._accept(*self.norm.original_span(pos, end))
                if isinstance(hit, Evidence) and (
                    best is None or hit.end - hit.start < best.end - best.start
                ):
                    best = hit
            pos = haystack.find(parts[0], pos + 1)
        return best

    def _find_words(self, squote: str, quote: str) -> tuple[Evidence | None, str | None]:
        """Whole-word occurrences of the quote's words in the skeleton."""
        haystack = self.skeleton.text
        furniture: str | None = None
        pos = haystack.find(squote)
        while pos != -1:
            end = pos + len(squote)
            if (pos == 0 or haystack[pos - 1] == " ") and (
                end == len(haystack) or haystack[end] == " "
            ):
                span = self._with_edge_punctuation(*self.skeleton.original_span(pos, end), quote)
                hit = self._accept(*span)
                if isinstance(hit, Evidence):
                    return hit, None
                furniture = furniture or hit
            pos = haystack.find(squote, pos + 1)
        return None, furniture

    def _segments(self) -> list[tuple[int, int]]:
        """Skeleton ranges of the text outside removed furniture."""
        if self._segment_cache is None:
            self._segment_cache = self._compute_segments()
        return self._segment_cache

    def _compute_segments(self) -> list[tuple[int, int]]:
        skeleton = self.skeleton
        spans = kept_spans(len(self.text), self.removed)
        pieces = [(skeleton.position(a), skeleton.position(b)) for a, b in spans]
        return [(a, b) for a, b in pieces if b > a]

    def _best_alignment(self, needle: str, lo: int, hi: int) -> tuple[float, int, int] | None:
        haystack = self.skeleton.text[lo:hi]
        if len(needle) <= len(haystack):
            al = fuzz.partial_ratio_alignment(needle, haystack, score_cutoff=self.fuzzy_threshold)
            if al is None or al.dest_end <= al.dest_start:
                return None
            return float(al.score), lo + al.dest_start, lo + al.dest_end
        score = float(fuzz.ratio(needle, haystack, score_cutoff=self.fuzzy_threshold))
        return (score, lo, hi) if score and score >= self.fuzzy_threshold else None

    def _anchor_windows(self, squote: str) -> list[tuple[int, int]]:
        """Where the quote probably sits: around exact hits of its word trigrams.

        Aligning a long quote against a few windows is far cheaper than against the whole
        article, and a quote with one or two typos still has intact trigrams."""
        words = squote.split()
        haystack = self.skeleton.text
        pad = max(10, len(squote) // 5)
        starts: list[int] = []
        offset = 0
        offsets = []
        for word in words:
            offset = squote.index(word, offset)
            offsets.append(offset)
            offset += len(word)
        for i in range(len(words) - 2):
            pos = haystack.find(" ".join(words[i : i + 3]))
            if pos != -1:
                start = max(0, pos - offsets[i])
                if all(abs(start - s) > pad for s in starts):
                    starts.append(start)
                if len(starts) >= MAX_ANCHORS:
                    break
        return [(max(0, s - pad), min(len(haystack), s + len(squote) + pad)) for s in starts]

    def _best_in(
        self, squote: str, windows: Sequence[tuple[int, int]]
    ) -> tuple[float, int, int] | None:
        best: tuple[float, int, int] | None = None
        for w_lo, w_hi in windows:
            for s_lo, s_hi in self._segments():
                lo, hi = max(w_lo, s_lo), min(w_hi, s_hi)
                if lo >= hi:
                    continue
                found = self._best_alignment(squote, lo, hi)
                if found is not None and (best is None or found[0] > best[0]):
                    best = found
        return best

    def _find_fuzzy(self, squote: str, quote: str) -> Located | None:
        best = self._best_in(squote, self._anchor_windows(squote))
        if best is None:  # no anchor held: align against the whole article
            best = self._best_in(squote, [(0, len(self.skeleton.text))])
        if best is None:
            return None
        score, n_start, n_end = best
        start, end = self._snap(*self.skeleton.original_span(n_start, n_end))
        start, end = self._with_edge_punctuation(start, end, quote)
        hit = self._accept(start, end)
        if isinstance(hit, Evidence):
            return Located(hit, "fuzzy", score=score)
        return None

    def _fuzzy_in_furniture(self, squote: str) -> str | None:
        """Why a quote was not found: is it (roughly) a piece of the removed furniture?"""
        if not self._ranges:
            return None
        found = self._best_alignment(squote, 0, len(self.skeleton.text))
        if found is None:
            return None
        start, end = self.skeleton.original_span(found[1], found[2])
        return self._furniture_at(start, end)

    def _with_edge_punctuation(self, start: int, end: int, quote: str) -> tuple[int, int]:
        """Word-level matches end at words; take back the quote marks and full stop the
        quote itself opened or closed with, when the text has punctuation there too."""
        text = self.text
        lead = len(quote) - len(LEADING_PUNCT.sub("", quote, count=1))
        trail = len(quote) - len(TRAILING_PUNCT.sub("", quote, count=1))
        s = start
        while lead > 0 and s > 0 and is_punct(text[s - 1]):
            s, lead = s - 1, lead - 1
        e = end
        while trail > 0 and e < len(text) and is_punct(text[e]):
            e, trail = e + 1, trail - 1
        return s, e

    def _snap(self, start: int, end: int) -> tuple[int, int]:
        """Grow a span to whole words, so a fuzzy match never cuts a word in two."""
        text = self.text
        limit = max(0, start - MAX_SNAP_CHARS)
        s = start
        while s > limit and text[s - 1].isalnum() and text[s].isalnum():
            s -= 1
        if s == limit and s > 0 and text[s - 1].isalnum():
            s = start
        limit = min(len(text), end + MAX_SNAP_CHARS)
        e = end
        while e < limit and text[e - 1].isalnum() and text[e].isalnum():
            e += 1
        if e == limit and e < len(text) and text[e].isalnum():
            e = end
        return s, e


def locate(
    quote: str, text: str, removed: Sequence[Removed], *, fuzzy_threshold: float
) -> Evidence | None:
    """Find `quote` in `text` outside `removed`; the evidence is always `text[start:end]`."""
    return Locator(text, removed, fuzzy_threshold).locate(quote)
