"""Recognise site furniture in scraped article text without ever changing the text.

Offsets in a response index the text the client sent, so cleaning only *reports* furniture
as `Removed` ranges; `clean_view` is the derived text a model reads. Recognition is a
line-level heuristic driven by the pattern tables below: a line is furniture only when the
whole (stripped) line matches, so article sentences that merely mention "comments" or
"advertisement" survive. Two bits of context matter beyond single lines:

* once a widget block starts after the article has begun (related articles, comment or
  rating widgets, an ad-blocker notice), short non-sentence lines after it (site names,
  link titles) are furniture too, until a real prose paragraph shows up again; before any
  prose a section label such as "Latest News" is removed alone, so the headline survives;
* an "AD BLOCKER DETECTED" heading takes the following paragraphs that talk about ad
  blockers with it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from reportedly.schema import Document, Removed
from reportedly.spans import kept_spans

# --- pattern tables ----------------------------------------------------------------------
# Each pattern must match a whole stripped line (re.fullmatch, case-insensitive unless the
# pattern says otherwise with a scoped `(?-i:...)`). Patterns under BLOCK_STARTING open a
# widget block; the others are furniture on their own but say nothing about what follows
# (a lone "Subscribe" or "Advertisement" can sit between two article paragraphs).

_SOCIAL = (
    r"facebook|twitter|x|whatsapp|linkedin|pinterest|telegram|reddit|email|e-mail|print|"
    r"messenger|tumblr|vk|line|viber|copy link|mastodon|threads|bluesky|instagram|youtube|tiktok"
)
_LIST_NOUN = r"(?:articles?|stories|posts|news|reads?|content|coverage|reading|videos?|headlines)"

BLOCK_STARTING: dict[str, tuple[str, ...]] = {
    "related-articles": (
        r"(?:related|recommended|trending(?: now)?)(?: for you)?:?",
        rf"(?:related|more|similar|recommended|trending|latest|top|popular) {_LIST_NOUN}"
        r"(?: for you)?:?",
        r"(?:you (?:may|might) (?:also )?like|don'?t miss|editor'?s picks?)[:!]?",
        rf"most (?:popular|read|viewed|shared|commented)(?: {_LIST_NOUN})?",
    ),
    "comments-widget": (
        r"\d+\s+(?:recent )?comments?",
        r"(?:recent )?comments?(?: \(\d+\))?",
        r"no comments(?: yet)?",
        r"(?:leave|post|add|write|submit) (?:a|your) (?:comment|reply)",
        r"(?:be the first to comment|join the (?:discussion|conversation)).{0,80}",
        r"(?:oldest|newest|most voted|newest most voted|oldest newest most voted)",
        r"(?:inline feedbacks?|view all comments|show comments|load more comments|notify of)",
    ),
    "rating-widget": (
        r"\d+(?:\.\d+)?\s+\d+\s+votes?",
        r"(?:article|post|story|user) rating",
        r"rate this (?:article|post|story)[:!]?",
    ),
    "ad-blocker-notice": (
        r"ad[\s-]?block(?:er)?s? (?:detected|notice|enabled)[!.]?",
        r".{0,120}\b(?:you (?:have|are using|seem to be using|appear to be using) an? ad[\s-]?block"
        r"|disable your ad[\s-]?block|turn off your ad[\s-]?block|whitelist (?:us|our (?:web)?site)"
        r"|add us to your (?:ad[\s-]?block(?:er)? )?(?:whitelist|allowlist)).{0,200}",
    ),
}

STANDALONE: dict[str, tuple[str, ...]] = {
    "advertisement": (
        # "- Advertisement -", "-Advertisment-", "ADVERTISEMENTS", "Sponsored content" ...
        r"[\W_]*adv[ae]?rt[a-z]*[\W_]*",
        r"[\W_]*(?:sponsored|promoted)(?: content| links?| stories| post)?[\W_]*",
        r"[\W_]*(?:story|article) continues (?:below|after)"
        r"(?: (?:this )?(?:advert[a-z]*|ad))?[\W_]*",
        r"[\W_]*continue reading (?:below|the main story)[\W_]*",
        r"[\W_]*ads?[\W_]*",
    ),
    "navigation": (
        # Breadcrumbs glued together by the scraper ("HomeInternationalSeoul: ...") or
        # separated by arrows ("Home > World > Asia").
        r"home(?-i:[A-Z][a-z]+[A-Z]).{0,250}",
        r"home\s*(?:[>/|\u00bb\u203a]|&gt;).{0,250}",
        r"(?:home|skip to (?:main )?content|toggle navigation|main menu|menu|back to top)",
    ),
    "related-articles": (
        r"(?:also read|read also|read more|see also|more on this(?: story)?)\s*[:|»>-]\s*.{1,200}",
    ),
    "comments-widget": (
        r"(?:guest|reply|cancel reply|login|log in|sign in|subscribe|notify me)",
        r"(?:log|sign) in to (?:comment|reply).{0,60}",
    ),
    "rating-widget": (r"\d+(?:\.\d+)?\s*(?:/|out of)\s*5 stars?",),
    "share-widget": (
        rf"(?:share|share this(?: article| story| post| page)?|share via|tweet|pin it|"
        rf"share on (?:{_SOCIAL}))[:!]?",
        # a line made only of network names: "Facebook Twitter WhatsApp Email"
        rf"(?:(?:{_SOCIAL})[\s|,/·•]*){{2,}}",
    ),
    "follow-widget": (
        rf"follow (?:us|me)"
        rf"(?: on (?:{_SOCIAL}|google news)(?:(?:,| and| &) (?:{_SOCIAL}))*)?[:!.]?",
        rf"(?:like us on facebook|join (?:us|our channel) on (?:{_SOCIAL}))[:!.]?",
        r"follow @\w+",
    ),
    "cookie-notice": (
        r"(?:we use cookies|this (?:web)?site uses cookies|by (?:using|continuing to use) this "
        r"(?:web)?site,? you (?:agree|consent) to).{0,300}",
        r"(?:accept(?: all)? cookies|cookie (?:settings|policy|preferences)"
        r"|manage (?:cookies|consent))",
    ),
    "newsletter-signup": (
        r"(?:sign up|subscribe|register)(?: now| today)? (?:to|for) (?:our |the )?"
        r"(?:free )?(?:daily |weekly )?(?:email )?newsletters?.{0,200}",
        r"(?:get|receive) (?:the latest )?.{0,80} (?:in|to|delivered to) your inbox.{0,120}",
        r"(?:enter your email(?: address)?|your email address|newsletter)[:!.]?",
    ),
}


@dataclass(frozen=True)
class _Rule:
    reason: str
    pattern: re.Pattern[str]
    starts_block: bool


def _compile() -> list[_Rule]:
    rules: list[_Rule] = []
    for table, starts_block in ((BLOCK_STARTING, True), (STANDALONE, False)):
        for reason, patterns in table.items():
            rules.extend(
                _Rule(reason, re.compile(p, re.IGNORECASE | re.DOTALL), starts_block)
                for p in patterns
            )
    return rules


_RULES = _compile()

# Paragraphs that continue an ad-blocker notice after its heading.
_ADBLOCK_FOLLOWUP = re.compile(
    r"ad[\s-]?block|\bads?\b|advert|disable|whitelist|allowlist|turn (?:it )?off|"
    r"continue reading|support (?:us|our)|subscri",
    re.IGNORECASE,
)
_ADBLOCK_FOLLOWUP_MAX_CHARS = 400
_ADBLOCK_FOLLOWUP_MAX_PARAGRAPHS = 4

# Longer than any line a pattern above can match.
_FURNITURE_LINE_MAX_CHARS = 600
# A widget block swallows non-sentence lines up to this long (link titles, site names).
_BLOCK_LINE_MAX_CHARS = 200
# sentence punctuation, then any closing quotes/brackets (straight, curly, guillemet)
_SENTENCE_END = re.compile("[.!?\u2026][\"'\u201d\u2019\u00bb)\\]]*$")
_PROSE_MIN_WORDS = 6


@dataclass(frozen=True)
class _Line:
    start: int  # offset of the first non-space character
    end: int  # offset just after the last non-space character
    content: str  # text[start:end]


def _lines(text: str) -> Iterator[_Line | None]:
    """Yield each line's stripped span, or None for a blank line (a paragraph break)."""
    offset = 0
    for raw in text.splitlines(keepends=True):
        stripped = raw.strip()
        if stripped:
            lead = len(raw) - len(raw.lstrip())
            start = offset + lead
            yield _Line(start, start + len(stripped), stripped)
        else:
            yield None
        offset += len(raw)


def classify_line(line: str) -> tuple[str, bool] | None:
    """(reason, starts a widget block) for one stripped line, or None if it may be article text."""
    if len(line) > _FURNITURE_LINE_MAX_CHARS:
        return None  # no pattern matches a line this long; skip the regex work
    for rule in _RULES:
        if rule.pattern.fullmatch(line):
            return rule.reason, rule.starts_block
    return None


def _is_prose(line: str) -> bool:
    return bool(_SENTENCE_END.search(line)) and len(line.split()) >= _PROSE_MIN_WORDS


def clean(text: str) -> Document:
    """Report site furniture in `text` as sorted, non-overlapping ranges; `text` is unchanged."""
    marks: list[Removed] = []
    seen_prose = False  # a widget block only trails an article that has begun
    in_block = False
    adblock_followups = 0  # paragraphs an ad-blocker notice may still take with it

    for line in _lines(text):
        if line is None:
            continue
        match = classify_line(line.content)
        reason = match[0] if match else None
        if match and match[1]:
            in_block = seen_prose
        elif reason is None and adblock_followups > 0:
            if len(line.content) <= _ADBLOCK_FOLLOWUP_MAX_CHARS and _ADBLOCK_FOLLOWUP.search(
                line.content
            ):
                reason = "ad-blocker-notice"
                adblock_followups -= 1
            else:
                adblock_followups = 0
        if reason is None and in_block:
            if _is_prose(line.content) or len(line.content) > _BLOCK_LINE_MAX_CHARS:
                in_block = False  # real paragraphs again: the widget block is over
            else:
                reason = "trailing-furniture"
        if reason is None:
            seen_prose = seen_prose or _is_prose(line.content)
            continue
        if match and reason == "ad-blocker-notice":
            adblock_followups = _ADBLOCK_FOLLOWUP_MAX_PARAGRAPHS
        marks.append(Removed(start=line.start, end=line.end, reason=reason))

    return Document(text=text, removed=_merge(text, marks))


def _merge(text: str, marks: list[Removed]) -> list[Removed]:
    """Join consecutive marks with the same reason when only whitespace separates them."""
    merged: list[Removed] = []
    for mark in marks:
        last = merged[-1] if merged else None
        if (
            last is not None
            and last.reason == mark.reason
            and not text[last.end : mark.start].strip()
        ):
            merged[-1] = Removed(start=last.start, end=mark.end, reason=last.reason)
        else:
            merged.append(mark)
    return merged


_BLANK_RUN = re.compile(r"\n[ \t\f\v\r]*(?:\n[ \t\f\v\r]*)+\n")


def clean_view(document: Document) -> str:
    """The text with removed ranges cut out: what a model should read.

    Cutting whole lines leaves stacks of empty lines behind; those collapse to one blank
    line so paragraphs stay separated without gaps where the furniture was.
    """
    text = document.text
    view = "".join(text[a:b] for a, b in kept_spans(len(text), document.removed))
    # Lines that held only furniture are now blank; drop their leftover spaces first.
    view = re.sub(r"(?m)^[ \t]+$", "", view)
    return _BLANK_RUN.sub("\n\n", view).strip()
