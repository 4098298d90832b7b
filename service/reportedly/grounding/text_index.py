"""Offset-preserving normalisation: a folded copy of a text that maps back to the original.

A model's quote may straighten curly quotes, swap an em dash for a hyphen, re-flow
whitespace, change case or drop punctuation. Searching a normalised copy finds such a quote;
the maps kept here turn what was found back into the original characters, so evidence is
always `text[start:end]` of the article, never the model's wording.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from functools import lru_cache

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
ELLIPSIS = re.compile(r"\.{3,}")


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    """One character's normalised form: straight quotes, no accents, compatibility forms."""
    if ch in _QUOTE_MAP:
        return _QUOTE_MAP[ch]
    if ch == "\u2026":
        return "..."
    decomposed = unicodedata.normalize("NFKD", ch)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def has_word_char(s: str) -> bool:
    return any(c.isalnum() for c in s)


class NormalizedText:
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
        self.folded = fold_case(self.text)

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        return self.orig_start[start], self.orig_end[end - 1]

    def position(self, original: int) -> int:
        """The first normalised index at or after an original offset."""
        return bisect_left(self.orig_start, original)


def normalize_quote(quote: str) -> str:
    return NormalizedText(quote).text.strip()


def fold_case(s: str) -> str:
    """Lower-case without changing the length (a few characters lower-case to two: "İ")."""
    folded = s.lower()
    if len(folded) != len(s):
        folded = "".join(c if len(c.lower()) != 1 else c.lower() for c in s)
    return folded


_NON_WORD = re.compile(r"[\W_]+")
_WORD_OR_GAP = re.compile(r"(?P<word>[^\W_]+)|[\W_]+")


LEADING_PUNCT = re.compile(r"^[^\w\s]+")
TRAILING_PUNCT = re.compile(r"[^\w\s]+$")


def is_punct(ch: str) -> bool:
    return not ch.isalnum() and not ch.isspace() and ch != "_"


def skeleton_of(s: str) -> str:
    return _NON_WORD.sub(" ", s).strip()


class WordSkeleton:
    """The case-folded text reduced to words and single spaces, mapped back like
    `NormalizedText`: punctuation a model dropped or added no longer costs similarity."""

    __slots__ = ("norm", "norm_index", "text")

    def __init__(self, norm: NormalizedText) -> None:
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
