"""Split the article into lines and sentences with offsets into `document.text`.

Sentences are cut by rule rather than by the parser so that (a) furniture ranges are skipped
before any NLP runs, (b) a quotation that holds several sentences stays one unit with its
attribution ("It's ... train. We think ...," said a spokesman ...), and (c) every span is an
exact slice of the client's text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from reportedly.schema import Document
from reportedly.spans import kept_spans

MAX_SENTENCE = 600  # characters; longer runs are cut (see `_wrap`)
_OPEN_QUOTES = "\u201c\u2018"
_CLOSE_QUOTES = "\u201d\u2019"
# A sentence ends at . ! ? (plus closing quotes/brackets) followed by space and a capital,
# digit or opening quote. The lookbehind starts a match only at the first mark of a run: a
# match from inside the run would end at the same place, and trying each start costs
# quadratic time on a long run of dots. (It follows the first mark so the regex engine can
# still skip ahead to the next mark.)
_BOUNDARY = re.compile(
    r"[.!?](?<![.!?][.!?])[.!?]*[\"\u201d\u2019')\]]*(?=\s+[\"\u201c\u2018(\[]?[A-Z0-9])"
)
_WORD_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz.")
_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "st",
        "gen",
        "lt",
        "col",
        "sgt",
        "capt",
        "prof",
        "sen",
        "rep",
        "gov",
        "jan",
        "feb",
        "aug",
        "sept",
        "sep",
        "oct",
        "nov",
        "dec",
        "inc",
        "ltd",
        "co",
        "corp",
        "no",
        "vs",
        "jr",
        "sr",
        "mt",
        "ft",
        "rev",
        "gen",
        "cmdr",
        "adm",
        "maj",
        "pres",
        "supt",
        "insp",
        "det",
    ]
)
_FURNITURE = re.compile(
    r"\b(?:ad[\s-]?block(?:er)?s?|disable it to continue|continue reading|subscribe to|newsletters?|"
    r"use cookies|all rights reserved|click here|sign up for)\b",
    re.IGNORECASE,
)

_GLUED = re.compile(r"\b[A-Z][a-z]+[A-Z][a-z]+[A-Z][a-z]+")


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str
    line: int  # index of the line (paragraph) it sits in
    first_in_line: bool
    whole_line: bool  # the sentence is its line: headings and captions look like this


def _is_abbreviation(text: str, cut: int) -> bool:
    """Is the '.' ending at `cut` part of an abbreviation ("Mr.", "U.N.", "J.")?"""
    if text[cut - 1] != ".":
        return False
    # The run of letters and dots that ends at the '.', read backwards from it: searching the
    # whole prefix for it at every boundary cost quadratic time on a long line.
    begin = cut - 1
    while begin > 0 and text[begin - 1] in _WORD_CHARS:
        begin -= 1
    w = text[begin : cut - 1]
    if not w:
        return False
    return w.lower() in _ABBREVIATIONS or "." in w or (len(w) == 1 and w.isupper())


def _quote_depth(text: str) -> list[int]:
    """Depth of open double quotes before each position (straight quotes toggle)."""
    depth = 0
    out = []
    straight_open = False
    for ch in text:
        out.append(depth + int(straight_open))
        if ch == "\u201c":
            depth += 1
        elif ch == "\u201d":
            depth = max(0, depth - 1)
        elif ch == '"':
            straight_open = not straight_open
    out.append(depth + int(straight_open))
    return out


def _balanced(text: str) -> bool:
    return text.count('"') % 2 == 0 and text.count("\u201c") == text.count("\u201d")


def _wrap(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Cut a run-on "sentence" (a scraped table, a text without full stops) into pieces of at
    most MAX_SENTENCE characters, at a semicolon, comma or space: the parser and the rules are
    meant for sentences, and their cost grows with length."""
    pieces = []
    while end - start > MAX_SENTENCE:
        window = text[start : start + MAX_SENTENCE]
        cut = max(window.rfind("; "), window.rfind(", "))
        if cut < MAX_SENTENCE // 2:
            cut = window.rfind(" ")
        if cut <= 0:
            cut = MAX_SENTENCE - 1
        pieces.append((start, start + cut + 1))
        start += cut + 1
    pieces.append((start, end))
    return pieces


def _split_line(text: str) -> list[tuple[int, int]]:
    """Sentence spans (relative to `text`), trimmed of surrounding whitespace."""
    depth = _quote_depth(text) if _balanced(text) else None
    spans = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        cut = m.end()
        if _is_abbreviation(text, m.start() + 1):
            continue
        # Inside a quotation: the quote continues past this full stop.
        if depth is not None and depth[cut] > 0:
            continue
        spans.append((start, cut))
        start = cut
    spans.append((start, len(text)))
    out = []
    for s, e in (c for span in spans for c in _wrap(text, *span)):
        piece = text[s:e]
        lead = len(piece) - len(piece.lstrip())
        trail = len(piece) - len(piece.rstrip())
        if e - trail > s + lead:
            out.append((s + lead, e - trail))
    return out


def sentences(document: Document) -> list[Sentence]:
    """Every sentence of the article outside furniture, in order."""
    text = document.text
    out: list[Sentence] = []
    line_no = 0
    for p_start, p_end in kept_spans(len(text), document.removed):
        for m in re.finditer(r"[^\n]+", text[p_start:p_end]):
            line_start = p_start + m.start()
            line = m.group()
            if not line.strip():
                continue
            spans = _split_line(line)
            for k, (s, e) in enumerate(spans):
                out.append(
                    Sentence(
                        start=line_start + s,
                        end=line_start + e,
                        text=line[s:e],
                        line=line_no,
                        first_in_line=k == 0,
                        whole_line=len(spans) == 1,
                    )
                )
            line_no += 1
    return out


def looks_like_furniture(sentence: str) -> bool:
    """A last line of defence when cleaning missed a widget (the cleaner is the first)."""
    if _GLUED.search(sentence):  # "HomeInternationalSeoul: ...": a breadcrumb glued by a scraper
        return True
    return _FURNITURE.search(sentence) is not None and len(sentence.split()) < 30
