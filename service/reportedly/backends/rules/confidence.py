"""How firmly a claim is asserted, as reported (DESIGN.md rubric), from the words used.

low: speculation or unconfirmed ("may", "could", "might", "possibly"); medium: belief,
assessment, expectation, early or second-hand report ("believes", "expected to", "likely",
"first reports suggested", "it is thought", "are said to"); high: stated as fact.
The weakest marker wins: "the NIS believes it may ..." is low.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from reportedly.backends.rules.lexicon import (
    LOW_MODALS,
    LOW_PREDICATES,
    LOW_VERBS,
    LOW_WORDS,
    MEDIUM_PHRASES,
    MEDIUM_PREDICATES,
    MEDIUM_WORDS,
)
from reportedly.schema import Confidence

Token = Any


def rate(tokens: Iterable[Token], belief_cue: bool = False, attributed: bool = False) -> Confidence:
    """Confidence of a claim whose content is `tokens`; `belief_cue`: "X believes/expects ...".

    A bare "would" in someone's reported words is their plain statement (high); in the
    reporter's own voice it marks the reporter's assessment (medium).
    """
    words = list(tokens)
    lowered = [t.lower_ for t in words]
    for t, low in zip(words, lowered, strict=True):
        if (low in LOW_MODALS and t.tag_ == "MD") or low in LOW_WORDS:
            return "low"
        if low in LOW_VERBS and t.tag_.startswith("VB"):
            return "low"
        if low in LOW_PREDICATES and t.dep_ != "amod":
            return "low"
    if belief_cue:
        return "medium"
    text = " " + " ".join(lowered) + " "
    if any(f" {p} " in text for p in MEDIUM_PHRASES):
        return "medium"
    if any(
        low in MEDIUM_WORDS and not (attributed and low == "would") and not _label(t)
        for t, low in zip(words, lowered, strict=True)
    ):
        return "medium"
    if any(
        low in MEDIUM_PREDICATES and t.dep_ != "amod" for t, low in zip(words, lowered, strict=True)
    ):
        return "medium"
    return "high"


def _label(t: Token) -> bool:
    """ "charged for allegedly selling X": a hedge on a gerund inside a phrase labels the
    charge; the sentence's own verb stays as firm as it is."""
    return bool(t.dep_ == "advmod" and t.head.tag_ == "VBG" and t.head.dep_ == "pcomp")
