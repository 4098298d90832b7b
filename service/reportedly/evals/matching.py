"""How a predicted claim is paired with a gold claim, and when two names are the same source.

Pairing is one-to-one by optimal assignment (`scipy.optimize.linear_sum_assignment`) on

    similarity = SPAN_WEIGHT * span_overlap + TEXT_WEIGHT * text_similarity

* `span_overlap` compares the character ranges covered by the two claims' evidence: the mean
  of their IoU and their overlap coefficient (intersection / the shorter range). IoU alone
  punishes a model that quotes the key clause of a long gold sentence; the overlap coefficient
  alone cannot tell a clause from a paragraph. Their mean does both reasonably.
* `text_similarity` is rapidfuzz's `token_set_ratio` and `token_sort_ratio` averaged (0..1)
  over the claim sentences: the set ratio forgives paraphrase and extra words, the sort ratio
  stops a two-word fragment scoring 1.0 against any sentence that contains it.

A pair whose similarity is below `MATCH_THRESHOLD` is never a match. With the weights below, a
pair with no evidence overlap at all needs almost identical claim text (>= 0.95) to match, and
a pair quoting the same span matches even when the claim is fully reworded.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from rapidfuzz import fuzz
from scipy.optimize import linear_sum_assignment

SPAN_WEIGHT = 0.6
TEXT_WEIGHT = 0.4
MATCH_THRESHOLD = 0.38


class _Span(Protocol):
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...


class _SourceLike(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def type(self) -> str: ...


class ClaimLike(Protocol):
    """What matching reads from a claim: service `Claim` and dataset `GoldClaim` both fit."""

    @property
    def claim(self) -> str: ...
    @property
    def evidence(self) -> Sequence[_Span]: ...


# --- spans -----------------------------------------------------------------------------------


def merge_ranges(spans: Sequence[_Span]) -> list[tuple[int, int]]:
    """Union of half-open ranges, sorted and non-overlapping (empty ranges dropped)."""
    ranges = sorted((s.start, s.end) for s in spans if s.end > s.start)
    merged: list[tuple[int, int]] = []
    for start, end in ranges:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _length(ranges: Sequence[tuple[int, int]]) -> int:
    return sum(end - start for start, end in ranges)


def _intersection(a: Sequence[tuple[int, int]], b: Sequence[tuple[int, int]]) -> int:
    total, i, j = 0, 0, 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if hi > lo:
            total += hi - lo
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return total


def span_overlap(a: Sequence[_Span], b: Sequence[_Span]) -> float:
    """Mean of character IoU and overlap coefficient of two sets of evidence spans (0..1)."""
    ra, rb = merge_ranges(a), merge_ranges(b)
    la, lb = _length(ra), _length(rb)
    if not la or not lb:
        return 0.0
    inter = _intersection(ra, rb)
    if not inter:
        return 0.0
    iou = inter / (la + lb - inter)
    coefficient = inter / min(la, lb)
    return (iou + coefficient) / 2


def text_similarity(a: str, b: str) -> float:
    """Claim-sentence similarity in 0..1 (see the module docstring)."""
    set_ratio = fuzz.token_set_ratio(a, b, processor=_fold)
    sort_ratio = fuzz.token_sort_ratio(a, b, processor=_fold)
    return float(set_ratio + sort_ratio) / 200.0


def similarity(predicted: ClaimLike, gold: ClaimLike) -> float:
    return SPAN_WEIGHT * span_overlap(predicted.evidence, gold.evidence) + (
        TEXT_WEIGHT * text_similarity(predicted.claim, gold.claim)
    )


@dataclass(frozen=True)
class Pair:
    predicted: int  # index into the predicted list
    gold: int  # index into the gold list
    similarity: float


def match_claims(predicted: Sequence[ClaimLike], gold: Sequence[ClaimLike]) -> list[Pair]:
    """One-to-one pairs maximising total similarity; pairs below the threshold are dropped."""
    if not predicted or not gold:
        return []
    scores = np.array([[similarity(p, g) for g in gold] for p in predicted], dtype=float)
    # Only pairs that can be matches take part, so a weak pair never displaces nothing-at-all.
    weights = np.where(scores >= MATCH_THRESHOLD, scores, 0.0)
    rows, cols = linear_sum_assignment(weights, maximize=True)
    return [
        Pair(int(r), int(c), float(scores[r, c]))
        for r, c in zip(rows, cols, strict=True)
        if scores[r, c] >= MATCH_THRESHOLD
    ]


# --- names -----------------------------------------------------------------------------------

# Honorifics and job titles that articles attach to names inconsistently ("NIS Director Ji
# Jae-ryeol" vs "Ji Jae-ryeol"). Dropped as whole words before names are compared.
TITLES = frozenset(
    (
        "mr",
        "mrs",
        "ms",
        "miss",
        "dr",
        "prof",
        "professor",
        "sir",
        "dame",
        "lord",
        "lady",
        "rev",
        "reverend",
        "president",
        "vice",
        "prime",
        "minister",
        "secretary",
        "general",
        "director",
        "deputy",
        "chief",
        "chairman",
        "chairwoman",
        "chair",
        "spokesman",
        "spokeswoman",
        "spokesperson",
        "ambassador",
        "senator",
        "sen",
        "rep",
        "representative",
        "governor",
        "gov",
        "mayor",
        "lawmaker",
        "mp",
        "king",
        "queen",
        "prince",
        "princess",
        "leader",
        "official",
        "officer",
        "commander",
        "lt",
        "col",
        "colonel",
        "captain",
        "capt",
        "sgt",
        "sergeant",
        "inspector",
        "superintendent",
        "detective",
        "head",
        "executive",
        "ceo",
        "cfo",
        "coo",
        "founder",
        "the",
        "a",
        "an",
        "of",
    )
)


def _fold(text: str) -> str:
    """Lowercase, strip accents and punctuation, collapse whitespace."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"['\u2019`]s\b", "", text.lower())
    text = re.sub(r"[^\w\s]|_", " ", text)
    return " ".join(text.split())


_ARTICLES = frozenset({"the", "a", "an", "of"})


def normalize_name(name: str) -> str:
    """Folded name without titles: 'NIS Director Ji Jae-ryeol' -> 'nis ji jae ryeol'.
    A name that is nothing but a title ('a spokeswoman') keeps the title ('spokeswoman')."""
    words = _fold(name).split()
    kept = [w for w in words if w not in TITLES] or [w for w in words if w not in _ARTICLES]
    return " ".join(kept or words)


def _contains(outer: str, inner: str) -> bool:
    """Whole-word containment, so 'korea' is not inside 'koreans'."""
    if not outer or not inner:
        return False
    return f" {inner} " in f" {outer} "


def names_agree(a: str, b: str) -> bool:
    na, nb = normalize_name(a), normalize_name(b)
    return bool(na and nb) and (na == nb or _contains(na, nb) or _contains(nb, na))


def equivalents(name: str, aliases: Mapping[str, Sequence[str]]) -> list[str]:
    """`name` plus each alias group it is in ('the NIS' -> 'National Intelligence Service')."""
    found = [name]
    for canonical, names in aliases.items():
        group = [canonical, *names]
        if any(names_agree(name, member) for member in group):
            found.extend(group)
    return found


def same_name(predicted: str, gold: str, aliases: Mapping[str, Sequence[str]]) -> bool:
    """A predicted name is right when, after normalisation, it equals, contains or is contained
    by the gold name or one of the gold name's aliases (whole words)."""
    return any(names_agree(predicted, candidate) for candidate in equivalents(gold, aliases))


def source_name_right(
    predicted: _SourceLike, gold: _SourceLike, aliases: Mapping[str, Sequence[str]]
) -> bool:
    """The name half of attribution. The reporter's own voice has no name worth comparing
    ('author', the outlet, a byline): when both say `author`, the name is right."""
    if predicted.type == "author" and gold.type == "author":
        return True
    return same_name(predicted.name, gold.name, aliases)


def canonical(name: str, aliases: Mapping[str, Sequence[str]]) -> str:
    """The alias-group key a name belongs to, else its normalised form (for who-overlap)."""
    for key, names in aliases.items():
        if any(normalize_name(name) == normalize_name(m) for m in [key, *names]):
            return normalize_name(key)
    return normalize_name(name)


def who_overlap(
    predicted: Sequence[str], gold: Sequence[str], aliases: Mapping[str, Sequence[str]]
) -> float:
    """Jaccard of the two actor sets after normalisation; a predicted actor counts as one of
    the gold actors when their names agree (so 'Kim' ~ 'Kim Jong-un'). Both empty -> 1.0."""
    pred = {canonical(n, aliases) for n in predicted} - {""}
    gold_set = {canonical(n, aliases) for n in gold} - {""}
    if not pred and not gold_set:
        return 1.0
    hits = 0
    unused = set(gold_set)
    for p in sorted(pred):
        hit = next(
            (g for g in sorted(unused) if p == g or _contains(p, g) or _contains(g, p)), None
        )
        if hit is not None:
            unused.discard(hit)
            hits += 1
    union = len(pred) + len(gold_set) - hits
    return hits / union if union else 1.0
