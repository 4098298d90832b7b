"""The rules' headline and lead (the draft's summary) by extraction: nothing is written that the
article does not say."""

from __future__ import annotations

import re

from reportedly.backends.rules.segment import Sentence, looks_like_furniture

_DATELINE = re.compile(
    r"^(?:[A-Z][A-Z.\-' ]{1,40}(?:,\s*[A-Z][a-z]{2,8}\.?\s+\d{1,2}(?:,\s*\d{4})?)?"
    r"(?:\s*\([A-Za-z .]+\))?\s*[:\u2014\u2013-]+\s+)"
)


def strip_dateline(text: str) -> int:
    """Length of a leading dateline ("SEOUL, June 26: ") to skip, or 0."""
    m = _DATELINE.match(text)
    return m.end() if m else 0


def is_heading(s: Sentence) -> bool:
    """A line on its own, short, without closing punctuation: a headline, kicker or caption."""
    text = s.text.strip()
    return s.whole_line and len(text.split()) <= 25 and not re.search(r"[.!?\"\u201d]$", text)


def headline(title: str | None, sentences: list[Sentence]) -> str | None:
    """The title if given, else a heading-like line at the top that is not furniture."""
    if title and title.strip():
        return title.strip()
    for s in sentences[:6]:
        if s.line > 4:
            break
        words = s.text.split()
        if (
            len(words) < 3
            or looks_like_furniture(s.text)
            or s.text.rstrip().endswith(("...", "\u2026"))
        ):
            continue  # "-Advertisement-", breadcrumbs, truncated link titles
        if is_heading(s) and len(words) <= 25:
            return s.text.strip()
        break
    return None


def summarize(lead: list[str]) -> str:
    """Two or three lead sentences (three when they are short)."""
    picked: list[str] = []
    for text in lead:
        if len(picked) >= 3 or (len(picked) >= 2 and sum(map(len, picked)) > 300):
            break
        picked.append(text)
    return " ".join(picked)
