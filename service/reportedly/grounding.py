"""Turn a backend's quotes into evidence with offsets the service has checked itself.

A model's quote is a claim about the article, not a fact: it may have straightened curly
quotes, swapped an em dash for a hyphen, re-flowed whitespace, changed case, elided words
with "...", or made a typo. Each quote is looked up in tiers, strictest first:

1. exact substring of the article;
2. normalised: quotes, dashes, ellipses, whitespace runs, accents, then case are folded
   on a copy of the text that remembers, for every normalised character, which original
   characters it came from, so the span returned is the original text actually found;
3. elided: "A ... B" matches A followed closely by B;
4. unpunctuated: the same words in the same order, whatever punctuation sits between them;
5. fuzzy: rapidfuzz's best partial alignment above a threshold, on the words only (so a
   dropped comma or quote mark costs nothing), snapped to word boundaries.

Whatever tier matches, the evidence quote is `text[start:end]`, never the model's wording,
and a span touching removed furniture is not evidence. A claim with no evidence left is
dropped, with the reason kept for `meta`.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

from rapidfuzz import fuzz

from reportedly.schema import Claim, Document, Draft, DroppedClaim, Evidence, Removed
from reportedly.spans import kept_spans

Method = Literal["exact", "normalized", "casefolded", "elided", "unpunctuated", "fuzzy"]

# Quotes shorter than this are too ambiguous to match approximately: "he said" is everywhere.
FUZZY_MIN_WORDS = 3
FUZZY_MIN_CHARS = 12
# An elided quote ("A ... B") may skip at most this many (normalised) characters per gap.
MAX_ELISION_GAP = 400
# Fuzzy search first aligns around at most this many exact word-trigram hits.
MAX_ANCHORS = 4
# Word snapping never grows a fuzzy span by more than this on either side.
MAX_SNAP_CHARS = 30

_DASHES = "\\-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_QUOTE_MAP = {
    **dict.fromkeys("\u201c\u201d\u201e\u201f\u00ab\u00bb\u2033\u301d\u301e\uff02", '"'),
    **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u0060\u00b4\u2039\u203a\uff07", "'"),
}
_SPECIAL = "".join(_QUOTE_MAP) + "\u2026"
# Tokens of the text that normalise as a unit. A dash swallows the whitespace around it, so
# "systems—capabilities", "systems - capabilities" and "systems -- capabilities" agree.
# A lone space between words is already normal, so it stays inside a plain run (fast path).
_TOKEN = re.compile(
    rf"(?P<dash>\s*[{_DASHES}]+\s*)"
    rf"|(?P<plain>(?:[^\s{_DASHES}{_INVISIBLE}{_SPECIAL}]| (?![\s{_DASHES}]))+)"
    rf"|(?P<space>\s+)"
    rf"|(?P<invisible>[{_INVISIBLE}]+)"
    rf"|(?P<other>.)",
    re.DOTALL,
)
_ELLIPSIS = re.compile(r"\.{3,}")


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    """One character's normalised form: straight quotes, no accents, compatibility forms."""
    if ch in _QUOTE_MAP:
        return _QUOTE_MAP[ch]
    if ch == "\u2026":
        return "..."
    decomposed = unicodedata.normalize("NFKD", ch)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _has_word_char(s: str) -> bool:
    return any(c.isalnum() for c in s)


class _Normalized:
    """A normalised copy of a text plus, per normalised character, its original span."""

    __slots__ = ("folded", "orig_end", "orig_start", "text")

    def __init__(self, source: str) -> None:
        chars: list[str] = []
        starts: list[int] = []
        ends: list[int] = []

        def emit(out: str, start: int, end: int) -> None:
            chars.append(out)
            starts.extend([start] * len(out))
            ends.extend([end] * len(out))

        for m in _TOKEN.finditer(source):
            kind = m.lastgroup
            if kind == "plain":
                run, base = m.group(), m.start()
                if run.isascii():
                    chars.append(run)
                    starts.extend(range(base, base + len(run)))
                    ends.extend(range(base + 1, base + len(run) + 1))
                else:
                    for i, ch in enumerate(run):
                        emit(_fold_char(ch), base + i, base + i + 1)
            elif kind == "dash":
                token = m.group()
                first = m.start() + (len(token) - len(token.lstrip()))
                last = m.end() - (len(token) - len(token.rstrip()))
                emit("-", first, last)
            elif kind == "space":
                emit(" ", m.start(), m.end())
            elif kind == "other":
                emit(_fold_char(m.group()), m.start(), m.end())
            # invisible characters vanish

        self.text = "".join(chars)
        self.orig_start = starts
        self.orig_end = ends
        self.folded = _fold(self.text)

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        return self.orig_start[start], self.orig_end[end - 1]

    def position(self, original: int) -> int:
        """The first normalised index at or after an original offset."""
        return bisect_left(self.orig_start, original)


def _normalize_quote(quote: str) -> str:
    return _Normalized(quote).text.strip()


def _fold(s: str) -> str:
    """Lower-case without changing the length (a few characters lower-case to two: "İ")."""
    folded = s.lower()
    if len(folded) != len(s):
        folded = "".join(c if len(c.lower()) != 1 else c.lower() for c in s)
    return folded


_NON_WORD = re.compile(r"[\W_]+")
_WORD_OR_GAP = re.compile(r"(?P<word>[^\W_]+)|[\W_]+")


_LEADING_PUNCT = re.compile(r"^[^\w\s]+")
_TRAILING_PUNCT = re.compile(r"[^\w\s]+$")


def _is_punct(ch: str) -> bool:
    return not ch.isalnum() and not ch.isspace() and ch != "_"


def _skeleton_of(s: str) -> str:
    return _NON_WORD.sub(" ", s).strip()


class _Skeleton:
    """The case-folded text reduced to words and single spaces, mapped back like
    `_Normalized`: punctuation a model dropped or added no longer costs similarity."""

    __slots__ = ("norm", "norm_index", "text")

    def __init__(self, norm: _Normalized) -> None:
        chars: list[str] = []
        index: list[int] = []
        for m in _WORD_OR_GAP.finditer(norm.folded):
            if m.lastgroup == "word":
                chars.append(m.group())
                index.extend(range(m.start(), m.end()))
            elif index:  # a gap between words becomes one space; leading gaps vanish
                chars.append(" ")
                index.append(m.start())
        if chars and chars[-1] == " ":
            chars.pop()
            index.pop()
        self.norm = norm
        self.text = "".join(chars)
        self.norm_index = index

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        return self.norm.original_span(self.norm_index[start], self.norm_index[end - 1] + 1)

    def position(self, original: int) -> int:
        return bisect_left(self.norm_index, self.norm.position(original))


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
    _norm: _Normalized | None = field(init=False, default=None, repr=False)
    _skeleton: _Skeleton | None = field(init=False, default=None, repr=False)
    _segment_cache: list[tuple[int, int]] | None = field(init=False, default=None, repr=False)

    def __post_init__(self) -> None:
        self._ranges = sorted((r.start, r.end, r.reason) for r in self.removed if r.end > r.start)

    @property
    def norm(self) -> _Normalized:
        if self._norm is None:
            self._norm = _Normalized(self.text)
        return self._norm

    @property
    def skeleton(self) -> _Skeleton:
        if self._skeleton is None:
            self._skeleton = _Skeleton(self.norm)
        return self._skeleton

    def locate(self, quote: str) -> Evidence | None:
        return self.search(quote).evidence

    def search(self, quote: str) -> Located:
        quote = quote.strip()
        if not _has_word_char(quote):
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
        nquote = _normalize_quote(quote)
        if not _has_word_char(nquote):
            return Located(None, furniture=furniture)
        tiers: tuple[tuple[Method, str, str], ...] = (
            ("normalized", norm.text, nquote),
            ("casefolded", norm.folded, _fold(nquote)),
        )
        for method, haystack, needle in tiers:
            found, seen = self._find_normalized(haystack, needle)
            if found is not None:
                return Located(found, method)
            furniture = furniture or seen

        # 3. elided with "..."
        fquote = _fold(nquote)
        if "..." in fquote:
            found = self._find_elided(fquote)
            if found is not None:
                return Located(found, "elided")

        # 4. the same words, whatever the punctuation between them
        squote = _skeleton_of(fquote)
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
        if not _has_word_char(span):
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
        parts = [p.strip() for p in _ELLIPSIS.split(fquote)]
        parts = [p for p in parts if p]
        if not parts or not all(_has_word_char(p) for p in parts):
            return None
        haystack = self.norm.folded
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
                if isinstance(hit, Evidence):
                    return hit
            pos = haystack.find(parts[0], pos + 1)
        return None

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
        lead = len(quote) - len(_LEADING_PUNCT.sub("", quote, count=1))
        trail = len(quote) - len(_TRAILING_PUNCT.sub("", quote, count=1))
        s = start
        while lead > 0 and s > 0 and _is_punct(text[s - 1]):
            s, lead = s - 1, lead - 1
        e = end
        while trail > 0 and e < len(text) and _is_punct(text[e]):
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


@dataclass
class Grounded:
    claims: list[Claim]
    dropped: list[DroppedClaim]
    warnings: list[str]


def _short(quote: str, limit: int = 80) -> str:
    quote = " ".join(quote.split())
    return quote if len(quote) <= limit else quote[: limit - 1] + "\u2026"


def ground(draft: Draft, document: Document, *, fuzzy_threshold: float) -> Grounded:
    """Keep the draft claims whose evidence can be found in the article, with checked offsets."""
    locator = Locator(document.text, document.removed, fuzzy_threshold)
    claims: list[Claim] = []
    dropped: list[DroppedClaim] = []
    warnings: list[str] = []
    seen_claims: set[tuple[str, tuple[tuple[int, int], ...]]] = set()

    for number, draft_claim in enumerate(draft.claims, start=1):
        text = draft_claim.claim.strip()
        if not text:
            dropped.append(DroppedClaim(claim=draft_claim.claim, reason="claim text is empty"))
            continue
        evidence: list[Evidence] = []
        missing: list[str] = []
        in_furniture: list[tuple[str, str]] = []
        for quote in draft_claim.evidence:
            found = locator.search(quote)
            if found.evidence is None:
                if found.furniture is not None:
                    in_furniture.append((quote, found.furniture))
                else:
                    missing.append(quote)
                continue
            if not _add_span(evidence, found.evidence):
                continue
            if found.method == "fuzzy":
                warnings.append(
                    f"claim {number}: evidence matched approximately "
                    f"(similarity {found.score:.0f}): {_short(quote)!r} "
                    f"-> {_short(found.evidence.quote)!r}"
                )

        if not evidence:
            dropped.append(DroppedClaim(claim=text, reason=_drop_reason(missing, in_furniture)))
            continue
        for quote in missing:
            warnings.append(f"claim {number}: evidence not found in article: {_short(quote)!r}")
        for quote, reason in in_furniture:
            warnings.append(
                f"claim {number}: evidence falls in removed furniture ({reason}): {_short(quote)!r}"
            )

        key = (" ".join(text.lower().split()), tuple(sorted((e.start, e.end) for e in evidence)))
        if key in seen_claims:
            warnings.append(f"claim {number}: duplicate of an earlier claim, skipped")
            continue
        seen_claims.add(key)
        claims.append(
            Claim(
                who=[w.strip() for w in draft_claim.who if w.strip()],
                claim=text,
                source=draft_claim.source,
                timeframe=draft_claim.timeframe,
                confidence=draft_claim.confidence,
                evidence=evidence,
            )
        )
    return Grounded(claims=claims, dropped=dropped, warnings=warnings)


def _add_span(evidence: list[Evidence], new: Evidence) -> bool:
    """Add `new` unless a span already there contains it; drop spans it contains."""
    if any(e.start <= new.start and new.end <= e.end for e in evidence):
        return False
    evidence[:] = [e for e in evidence if not (new.start <= e.start and e.end <= new.end)]
    evidence.append(new)
    return True


def _drop_reason(missing: list[str], in_furniture: list[tuple[str, str]]) -> str:
    if in_furniture and not missing:
        quote, reason = in_furniture[0]
        return f"evidence falls in removed furniture ({reason}): {_short(quote)!r}"
    if missing:
        quotes = "; ".join(repr(_short(q)) for q in missing[:3])
        more = f" (+{len(missing) - 3} more)" if len(missing) > 3 else ""
        return f"evidence not found in article: {quotes}{more}"
    return "no usable evidence quote (empty or without words)"
