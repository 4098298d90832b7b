"""Where one segmented sentence holds several claims: the sentences of a quotation, and
independent clauses joined by a semicolon or by ", and" / ", but".

The segmenter keeps a quotation with its attribution as one unit (`segment`), so the speaker
is known for every sentence inside it; a reader (and the labelling guide: one claim per
proposition) still wants one claim per sentence the speaker said. Likewise "The bridge
reopened; two lanes stay closed" states two things, each of which may have its own source.
Cuts are token indices into the parsed sentence.
"""

from __future__ import annotations

import itertools
from typing import Any

from reportedly.backends.rules.attribution import subject_of

Token = Any
Doc = Any

_ENDERS = frozenset({".", "!", "?", "...", "\u2026"})
_CLOSERS = frozenset({'"', "\u201d", "'", "\u2019", "]", ")"})
_OPENERS = frozenset({'"', "\u201c", "'", "\u2018", "[", "("})
_FINITE = frozenset({"VBD", "VBZ", "VBP", "MD"})
_JOINS = frozenset({"and", "but", "yet"})
_MIN_WORDS = 4


def quote_cuts(doc: Doc, lo: int, hi: int, mask: list[bool]) -> list[int]:
    """Token indices in (lo, hi) where a new sentence starts inside a quotation: after a
    full stop (and any closing marks) that is followed by a capital or an opening mark."""
    cuts: list[int] = []
    k = lo
    while k < hi - 1:
        t = doc[k]
        if t.text in _ENDERS and mask[t.i]:
            nxt = k + 1
            while nxt < hi and doc[nxt].text in _CLOSERS and doc[nxt].text not in _OPENERS:
                nxt += 1
            if nxt < hi and mask[nxt] and _starts_sentence(doc[nxt]) and nxt > lo:
                cuts.append(nxt)
            k = nxt
            continue
        k += 1
    return cuts


def _starts_sentence(t: Token) -> bool:
    return t.text[:1].isupper() or t.text[:1].isdigit() or t.text in _OPENERS


def split_range(lo: int, hi: int, cuts: list[int]) -> list[tuple[int, int]]:
    """[lo, hi) cut at `cuts` (each strictly inside)."""
    points = [c for c in sorted(set(cuts)) if lo < c < hi]
    edges = [lo, *points, hi]
    return list(itertools.pairwise(edges))


def independent(doc: Doc, mask: list[bool], cues: set[int]) -> list[tuple[int, int]]:
    """The sentence's independent clauses as token ranges, in order.

    Cut at ", and" / ", but" that joins the main verb to a verb with a subject of its own
    ("The bus overturned, but a car drove on"); a comma is required so that one event told
    in two verbs ("all were derailed and one slid down") stays one claim. Cut at a
    semicolon outside quotation marks only when the clause after it has its own
    attribution (`cues`: token indices of cues): "X denied it; reports say Y" is two
    sources, while the reporter's "It failed; the case was dropped" is one account.
    """
    if not doc.has_annotation("DEP"):
        return [(0, len(doc))]
    semis = [t.i + 1 for t in doc if t.text == ";" and not mask[t.i]]
    ends = [*semis[1:], len(doc)] if semis else []
    cuts = [c for c, end in zip(semis, ends, strict=True) if any(c <= k < end for k in cues)]
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    if root is not None:
        cuts.extend(_conjoined_clause(doc, root, mask, cues))
    parts = split_range(0, len(doc), cuts)
    if len(parts) > 1 and all(clause_like(doc, i, j) for i, j in parts):
        return parts
    return [(0, len(doc))]


def _conjoined_clause(doc: Doc, root: Token, mask: list[bool], cues: set[int]) -> list[int]:
    """Where "and"/"but" starts a second clause: one with a subject of its own after a
    comma, or one that shares the subject when either verb is a cue ("The council refused
    the permit and said the site was unsafe": an act, then a statement)."""
    out: list[int] = []
    for conj in root.children:
        if conj.dep_ != "conj" or conj.i < root.i or mask[conj.i]:
            continue
        cc = next((c for c in root.children if c.dep_ == "cc" and root.i < c.i < conj.i), None)
        if cc is None or cc.lower_ not in _JOINS or cc.i == 0:
            continue
        own_subject = subject_of(conj) is not None
        if (own_subject and doc[cc.i - 1].text == ",") or (
            not own_subject and conj.tag_ in _FINITE and (root.i in cues or conj.i in cues)
        ):
            out.append(cc.i)
    return out


def clause_like(doc: Doc, i: int, j: int) -> bool:
    """Enough words, with a finite verb, to assert something on its own."""
    words = [t for t in doc[i:j] if not t.is_punct]
    return len(words) >= _MIN_WORDS and any(t.tag_ in _FINITE for t in doc[i:j])


def second_clause(content: list[Token], mask: list[bool]) -> Token | None:
    """ "(Gray said) the drug spread because it was cheap and dealers sold it widely": a
    clause joined by "and"/"but" with a subject of its own is a second thing said. Its verb,
    or None. Not inside quotation marks: a speaker's own sentence is one claim."""
    ids = {t.i for t in content}
    for t in content:
        if t.dep_ != "conj" or not t.tag_.startswith("VB") or t.head.i not in ids or mask[t.i]:
            continue
        if subject_of(t) is None:
            continue
        head = t.head
        cc = [c for c in head.children if c.dep_ == "cc" and head.i < c.i < t.i]
        if cc and cc[-1].lower_ in _JOINS and len(list(t.subtree)) >= _MIN_WORDS:
            return t
    return None
