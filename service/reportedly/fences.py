"""Keeping client text inside its fence in a prompt, and noticing text aimed at the model.

The prompt fences the article between `<article>` and `</article>`. Whatever the client sent
(the article, its title) is defused the same way before it is rendered: anything that reads
as an opening or closing fence tag once Unicode-normalised (NFKC: full-width brackets),
entity-decoded (`&lt;/article&gt;`) and stripped of invisible characters (`</art\u200bicle>`)
has its `<` replaced by U+2039 (a single angle quote), so it can neither close the fence nor open a new one. The
model still reads the words; a quote it copies from there simply does not ground.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from reportedly.schema import Claim

# The tags our prompt files use as fences.
FENCE_TAGS = ("article", "title")
_DEFUSED_LT = "\u2039"
_INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e")
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});")
_TAG = re.compile(rf"<\s*/?\s*(?:{'|'.join(FENCE_TAGS)})(?![a-z])", re.IGNORECASE)
_LINE_BREAKS = re.compile(r"\s+")


def defuse(text: str) -> str:
    """`text` with every fence-like tag broken (see the module docstring); otherwise as is."""
    folded, origin = _fold(text)
    spans = [origin[m.start()] for m in _TAG.finditer(folded)]
    if not spans:
        return text
    out: list[str] = []
    cursor = 0
    for start, end in spans:
        out.append(text[cursor:start])
        out.append(_DEFUSED_LT)
        cursor = end
    out.append(text[cursor:])
    return "".join(out)


def one_line(text: str) -> str:
    """A short field (a title) as one defused line: it cannot start a line of its own."""
    return defuse(_LINE_BREAKS.sub(" ", text).strip())


def _fold(text: str) -> tuple[str, list[tuple[int, int]]]:
    """The text as a model might read it, with the original span of each folded character."""
    chars: list[str] = []
    origin: list[tuple[int, int]] = []
    i = 0
    while i < len(text):
        entity = _ENTITY.match(text, i) if text[i] == "&" else None
        if entity is not None:
            piece, end = html.unescape(entity.group()), entity.end()
        else:
            piece, end = text[i], i + 1
        for ch in unicodedata.normalize("NFKC", piece):
            if ch not in _INVISIBLE:
                chars.append(ch)
                origin.append((i, end))
        i = end
    return "".join(chars), origin


# --- text addressed to the model -------------------------------------------------------------

_ADDRESSED = re.compile(
    r"\b(?:ignore|disregard|forget)\s+(?:all\s+|any\s+|the\s+)?(?:previous|prior|above|earlier|"
    r"your|these|those)\s+(?:instructions|rules|prompts?|directions)\b"
    r"|\byou\s+are\s+now\b"
    r"|\bnew\s+instructions\s*:"
    r"|(?:^|\n)\s*(?:system|assistant|developer)\s*:",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[.!?](?=\s)|\n")


@dataclass(frozen=True)
class Passage:
    start: int
    end: int
    phrase: str  # what made it look addressed to the model


def addressed_to_model(text: str) -> list[Passage]:
    """Sentences that read as instructions to a model ("ignore previous instructions",
    "you are now", "system:"), as character ranges of `text`."""
    passages: list[Passage] = []
    for match in _ADDRESSED.finditer(text):
        start = _sentence_start(text, match.start())
        end_match = _SENTENCE_END.search(text, match.end())
        end = end_match.end() if end_match else len(text)
        passages.append(Passage(start, end, " ".join(match.group().split())))
    return passages


def _sentence_start(text: str, at: int) -> int:
    cut = max(text.rfind(". ", 0, at), text.rfind("\n", 0, at), text.rfind("! ", 0, at))
    return 0 if cut < 0 else cut + 1


def addressed_claim_warnings(claims: Sequence[Claim], text: str) -> list[str]:
    """A warning per claim whose every evidence span lies in text addressed to the model."""
    passages = addressed_to_model(text)
    warnings: list[str] = []
    for number, claim in enumerate(claims, start=1):
        inside = [
            next((p for p in passages if p.start <= e.start and e.end <= p.end), None)
            for e in claim.evidence
        ]
        if passages and all(inside):
            phrase = next(p for p in inside if p is not None).phrase
            warnings.append(
                f"claim {number}: its evidence lies in text addressed to a model ({phrase!r}); "
                "it may be an injection attempt rather than something the article reports"
            )
    return warnings
