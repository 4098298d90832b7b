"""The article as numbered sentences: what a model cites instead of copying quotes.

`SentenceIndex.build(document)` splits the text outside removed furniture into paragraphs
(lines) and sentences, numbered 1..N in reading order. Furniture gets no number, so a model
cannot cite it. Every sentence keeps its offsets into `document.text`, so a cited id becomes
evidence `text[start:end]` without any search. The same index cuts a long article into
chunks on paragraph, then sentence boundaries (`reportedly.chunks`).

Token counts here are estimates (`estimate_tokens`): the service must not depend on a
tokenizer's vocabulary files at run time. The estimate counts the pieces OpenAI's o200k
pre-tokenizer would cut a text into; `tests/test_sentences.py` checks it against the real
o200k tokenizer (`bpe-openai`, a dev dependency) on the sample articles.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property

from reportedly.schema import Document
from reportedly.spans import kept_spans

# A sentence ends at . ! ? (or an ellipsis), perhaps followed by closing quotes or brackets,
# then whitespace, then something that can open a sentence.
_END = re.compile(
    r"[.!?\u2026]+[\"'\u201d\u2019)\]]*(?=\s+[\"'\u201c\u2018(\[]?[A-Z0-9\u00c0-\u024f])"
)
# Words after which a full stop does not end the sentence ("Mr. Kim", "U.S. officials").
_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "st",
        "jr",
        "sr",
        "gen",
        "col",
        "lt",
        "sgt",
        "capt",
        "cmdr",
        "adm",
        "maj",
        "rep",
        "sen",
        "gov",
        "pres",
        "rev",
        "fr",
        "sec",
        "dept",
        "no",
        "nos",
        "vs",
        "etc",
        "inc",
        "ltd",
        "co",
        "corp",
        "bros",
        "approx",
        "est",
        "fig",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "mt",
        "ft",
        "pp",
        "vol",
        "ed",
        "eds",
        "al",
    ]
)
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)$")
# o200k's pre-tokenizer, simplified: words (with their leading space), numbers of up to
# three digits, runs of punctuation, whitespace runs.
_PIECE = re.compile(r" ?[^\W\d_]+|\d{1,3}| ?[^\w\s]+|\s+")


@dataclass(frozen=True)
class Sentence:
    id: int  # 1-based, in reading order; never given to furniture
    start: int  # offsets into document.text
    end: int
    paragraph: int  # 0-based paragraph (line) number among the kept lines


@dataclass(frozen=True)
class SentenceIndex:
    text: str  # document.text: offsets refer to it
    sentences: tuple[Sentence, ...]

    @classmethod
    def build(cls, document: Document) -> SentenceIndex:
        text = document.text
        found: list[Sentence] = []
        paragraphs = _paragraphs(text, kept_spans(len(text), document.removed))
        for paragraph, (start, end) in enumerate(paragraphs):
            for s_start, s_end in split_sentences(text, start, end):
                found.append(Sentence(len(found) + 1, s_start, s_end, paragraph))
        return cls(text, tuple(found))

    def __len__(self) -> int:
        return len(self.sentences)

    def get(self, sentence_id: int) -> Sentence | None:
        if 1 <= sentence_id <= len(self.sentences):
            return self.sentences[sentence_id - 1]
        return None

    def span(self, sentence_id: int) -> str:
        s = self.sentences[sentence_id - 1]
        return self.text[s.start : s.end]

    def marked(self, first: int = 1, last: int | None = None) -> str:
        """Sentences `first..last` with their ids, one paragraph per line: `#1 ... #2 ...`.

        `#n` is the cheapest marker we measured (o200k: "[n] " costs 1.5x as many tokens)."""
        return self._render(first, last, marks=True)

    def plain(self, first: int = 1, last: int | None = None) -> str:
        """Sentences `first..last` as the article's own text, one paragraph per line."""
        return self._render(first, last, marks=False)

    def _render(self, first: int, last: int | None, *, marks: bool) -> str:
        lines: list[str] = []
        current = -1
        for s in self.sentences[first - 1 : last]:
            piece = " ".join(self.text[s.start : s.end].split())
            if marks:
                piece = f"#{s.id} {piece}"
            if s.paragraph != current:
                lines.append(piece)
                current = s.paragraph
            else:
                lines[-1] += " " + piece
        return "\n".join(lines)

    @cached_property
    def tokens(self) -> tuple[int, ...]:
        """Estimated tokens of each sentence as `marked` renders it (marker included)."""
        return tuple(
            estimate_tokens(f"#{s.id} {self.text[s.start : s.end]}") for s in self.sentences
        )


def _paragraphs(text: str, spans: Sequence[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    """Stripped, non-empty lines of the kept text."""
    for span_start, span_end in spans:
        for line in re.finditer(r"[^\n]+", text[span_start:span_end]):
            raw = line.group()
            if not raw.strip():
                continue
            lead = len(raw) - len(raw.lstrip())
            start = span_start + line.start() + lead
            yield start, start + len(raw.strip())


def split_sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans of `text[start:end]` (one paragraph), stripped of surrounding spaces."""
    spans: list[tuple[int, int]] = []
    cursor = start
    for match in _END.finditer(text, start, end):
        stop = match.end()
        if text[match.start()] == "." and _abbreviated(text, cursor, match.start()):
            continue
        if text[cursor:stop].strip():
            spans.append(_strip(text, cursor, stop))
        cursor = stop
    if text[cursor:end].strip():
        spans.append(_strip(text, cursor, end))
    return spans


def _abbreviated(text: str, start: int, dot: int) -> bool:
    """Is the full stop at `dot` part of an abbreviation or an initial ("J. Smith")?"""
    word = _WORD_BEFORE.search(text, start, dot)
    if word is None:
        return False
    token = word.group(1)
    if len(token) == 1 and token.isupper():
        return True  # an initial
    if "." in token:
        return True  # "U.S", "a.m"
    return token.lower() in _ABBREVIATIONS


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def estimate_tokens(text: str) -> int:
    """About as many tokens as OpenAI's o200k encoding gives `text` (English prose)."""
    count = 0
    for piece in _PIECE.findall(text):
        # Long words split into several tokens; whitespace runs are about one per line.
        count += 1 + len(piece) // 12 if not piece.isspace() else 1
    return count
