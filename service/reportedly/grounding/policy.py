"""Which draft claims survive: every claim needs evidence found in the article.

A model's quote is a claim about the article, not a fact. Each quote goes through the
`Locator`; whatever tier matches, the evidence is `text[start:end]`, never the model's
wording. A claim with no evidence left is dropped, with the reason kept for `meta`; quotes
that were found only approximately, or not at all beside others that were, become warnings.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reportedly.grounding.locator import Locator
from reportedly.schema import Claim, Document, Draft, DraftClaim, DroppedClaim, Evidence, Quote


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
    grounder = Grounder(document, fuzzy_threshold=fuzzy_threshold)
    for draft_claim in draft.claims:
        grounder.add(draft_claim)
    return grounder.grounded


class Grounder:
    """Grounds one article's draft claims one at a time (a streamed reply hands them over as
    the model finishes each), keeping what `ground` returns for the whole draft."""

    def __init__(self, document: Document, *, fuzzy_threshold: float) -> None:
        self._locator = Locator(document.text, document.removed, fuzzy_threshold)
        self.grounded = Grounded(claims=[], dropped=[], warnings=[])
        self._seen: set[tuple[str, tuple[tuple[int, int], ...]]] = set()
        self._number = 0

    def add(self, draft_claim: DraftClaim) -> Claim | None:
        """The claim with checked evidence, or None (dropped or a duplicate; see `grounded`)."""
        self._number += 1
        number, out = self._number, self.grounded
        text = draft_claim.claim.strip()
        if not text:
            out.dropped.append(DroppedClaim(claim=draft_claim.claim, reason="claim text is empty"))
            return None
        found = _evidence(draft_claim.evidence, self._locator)
        if not found.evidence:
            out.dropped.append(DroppedClaim(claim=text, reason=found.drop_reason()))
            return None
        out.warnings.extend(f"claim {number}: {w}" for w in found.warnings())
        key = (
            " ".join(text.lower().split()),
            tuple(sorted((e.start, e.end) for e in found.evidence)),
        )
        if key in self._seen:
            out.warnings.append(f"claim {number}: duplicate of an earlier claim, skipped")
            return None
        self._seen.add(key)
        claim = Claim(
            who=[w.strip() for w in draft_claim.who if w.strip()],
            claim=text,
            source=draft_claim.source,
            timeframe=draft_claim.timeframe,
            confidence=draft_claim.confidence,
            evidence=found.evidence,
        )
        out.claims.append(claim)
        return claim


@dataclass
class _Found:
    """One claim's quotes, looked up: the evidence kept and what went wrong with the rest."""

    evidence: list[Evidence] = field(default_factory=list)
    approximate: list[tuple[str, Evidence, float]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    in_furniture: list[tuple[str, str]] = field(default_factory=list)

    def warnings(self) -> list[str]:
        return [
            *(
                f"evidence matched approximately (similarity {score:.0f}): "
                f"{_short(quote)!r} -> {_short(hit.quote)!r}"
                for quote, hit, score in self.approximate
            ),
            *(f"evidence not found in article: {_short(q)!r}" for q in self.missing),
            *(
                f"evidence falls in removed furniture ({reason}): {_short(q)!r}"
                for q, reason in self.in_furniture
            ),
        ]

    def drop_reason(self) -> str:
        if self.in_furniture and not self.missing:
            quote, reason = self.in_furniture[0]
            return f"evidence falls in removed furniture ({reason}): {_short(quote)!r}"
        if self.missing:
            quotes = "; ".join(repr(_short(q)) for q in self.missing[:3])
            more = f" (+{len(self.missing) - 3} more)" if len(self.missing) > 3 else ""
            return f"evidence not found in article: {quotes}{more}"
        return "no usable evidence quote (empty or without words)"


def _evidence(quotes: list[Quote], locator: Locator) -> _Found:
    found = _Found()
    for quote in quotes:
        located = locator.find(quote)
        if located.evidence is None:
            if located.furniture is not None:
                found.in_furniture.append((quote.text, located.furniture))
            else:
                found.missing.append(quote.text)
        elif _add_span(found.evidence, located.evidence) and located.method == "fuzzy":
            found.approximate.append((quote.text, located.evidence, located.score))
    return found


def _add_span(evidence: list[Evidence], new: Evidence) -> bool:
    """Add `new` unless a span already there contains it; drop spans it contains."""
    if any(e.start <= new.start and new.end <= e.end for e in evidence):
        return False
    evidence[:] = [e for e in evidence if not (new.start <= e.start and e.end <= new.end)]
    evidence.append(new)
    return True
