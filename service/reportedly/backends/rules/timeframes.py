"""Time expressions: find them as written, resolve start/end dates against the article's date.

Detection is by pattern (month names, weekdays, years, clock times, "the coming months"), so
ages ("84 year old") and durations ("five-year-long") are not mistaken for when something
happens. Resolution covers the common news forms by rule and leaves the rest to dateparser
with `RELATIVE_BASE` set to the publication date. Without a date, only absolute forms resolve.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from reportedly.schema import Timeframe

_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
_MONTHS |= {m.lower(): i for i, m in enumerate(calendar.month_abbr) if m}
_MONTHS["sept"] = 9
_WEEKDAYS = {d.lower(): i for i, d in enumerate(calendar.day_name)}

_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?)(?![a-z])"
)
# Not the end of a name or number ("COVID-19 may", "F-16"), which only looks like a day.
_DAY = r"(?<![\w-])(?:[12][0-9]|3[01]|0?[1-9])(?:st|nd|rd|th)?(?![\d:])"
_YEAR = r"(?:1[89]\d\d|20\d\d|21\d\d)"
_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
# A preposition or hedge before the expression belongs to it as written ("as early as July");
# it is matched backwards from the expression, which is much cheaper than an optional prefix
# on every pattern (that cost ~2 ms a sentence).
_PREFIX = re.compile(
    r"\b(?:as early as|as late as|as soon as|no later than|as of|by|in|on|at|since|until|till|"
    r"before|after|from|during|between|early|late|later|earlier)\s+$",
    re.IGNORECASE,
)
_PART = r"(?:\s+(?:morning|afternoon|evening|night))?"
_COUNT = r"(?:\d+|an?|one|two|three|four|five|six|seven|eight|nine|ten|several|a few|few)"

_PATTERNS = [
    # ranges of months: "July or August", "between July and August", "from May to June 2024"
    rf"(?:early |late |mid-?)?{_MONTH}(?:\s+{_YEAR})?\s+(?:or|and|to|-|\u2013|through)\s+{_MONTH}(?:,?\s+{_YEAR})?",
    # "February 23, 2007", "on 23 February", "June 2024", "in September"
    rf"(?:{_WEEKDAY},?\s+)?{_MONTH}\s+{_DAY}(?:,?\s+{_YEAR})?",
    rf"(?:{_WEEKDAY},?\s+)?{_DAY}\s+{_MONTH}(?:,?\s+{_YEAR})?",
    rf"(?:early |late |mid-?)?{_MONTH}(?:,?\s+{_YEAR})?",
    rf"(?:early\s+)?(?:on\s+)?(?:last\s+|next\s+|this\s+)?{_WEEKDAY}{_PART}",
    r"(?:in|over|during)\s+the\s+(?:coming|next|past|last|following)\s+(?:few\s+|several\s+|two\s+|three\s+)?(?:days|weeks|months|years)",
    r"(?:in\s+)?recent\s+(?:days|weeks|months|years)",
    r"(?:last|next|this)\s+(?:week|month|year|weekend)",
    r"(?:yesterday|today|tomorrow|tonight)",
    rf"{_COUNT}\s+(?:days|weeks|months|years)\s+ago",
    rf"(?:in|by|since|until|before|after|from)\s+(?:the\s+)?(?:early\s+|late\s+|mid-?)?{_YEAR}s?",
    r"(?:at|by|as of|until|since|around|before|after)\s+(?:[01]?\d|2[0-3])[:.][0-5]\d(?:\s*[ap]\.?m\.?)?",
]  # fmt: skip
_FINDER = re.compile(r"\b(?:" + "|".join(f"(?:{p})" for p in _PATTERNS) + ")", re.IGNORECASE)
# Every expression holds one of these words; the full pattern runs only in a window around one.
_ANCHOR = re.compile(
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|mon|tue|wed|thu|fri|sat|sun|coming|"
    r"next|past|last|following|recent|ago|yesterday|today|tomorrow|tonight|this)"
    r"|\b(?:1[89]|2[01])\d\d|\b\d{1,2}[:.]\d\d",
    re.IGNORECASE,
)
# A month name capitalised is a month; "may" lower-case is a modal verb.
_MAY_MODAL = re.compile(r"\bmay\b")


@dataclass(frozen=True)
class Found:
    text: str
    start: int  # offset in the searched string
    timeframe: Timeframe


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _nearest_year(month: int, day: int, published: dt.date) -> int:
    """The year that puts month/day closest to the article's date (news talks about nearby)."""
    best = published.year
    best_gap: int | None = None
    for year in (published.year - 1, published.year, published.year + 1):
        try:
            gap = abs((dt.date(year, month, min(day, 28)) - published).days)
        except ValueError:
            continue
        if best_gap is None or gap < best_gap:
            best, best_gap = year, gap
    return best


def _add_months(day: dt.date, months: int) -> dt.date:
    m = day.month - 1 + months
    year, month = day.year + m // 12, m % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


Span = tuple[dt.date | None, dt.date | None]
# Relative spans for "the coming/past days|weeks"; months and years go by calendar months.
_SHORT_SPANS = {"days": dt.timedelta(days=7), "weeks": dt.timedelta(weeks=3)}
_LONG_SPANS = {"months": 3, "years": 36}


def resolve(text: str, published: dt.date | None) -> Span:
    """Start and end dates of an expression, or (None, None) when they cannot be known.

    Near the ends of the calendar (published 9999-12-31 and "in the coming weeks", or
    0001-01-01 and "last Monday") the arithmetic leaves `datetime`'s range: such a date is
    unresolvable, never an error.
    """
    try:
        return _resolve(text, published)
    except (OverflowError, ValueError):
        return None, None


def _resolve(text: str, published: dt.date | None) -> Span:
    years = [int(y) for y in re.findall(rf"\b{_YEAR}\b", text)]
    months = [
        _MONTHS[m.lower().rstrip(".")]
        for m in re.findall(rf"\b{_MONTH}(?![a-z])", text, re.IGNORECASE)
        if m.lower().rstrip(".") in _MONTHS
    ]
    clock = re.search(r"\b(?:[01]?\d|2[0-3])[:.][0-5]\d\b", text)
    if months:
        return _resolve_months(text, months, years, published)
    if years and not clock:
        if re.search(r"\d{4}s\b", text.lower()):
            return dt.date(years[0], 1, 1), dt.date(years[0] + 9, 12, 31)
        return dt.date(years[0], 1, 1), dt.date(years[-1], 12, 31)
    if published is None:
        return None, None
    return _resolve_relative(text, published, clock is not None)


def _resolve_months(
    text: str, months: list[int], years: list[int], published: dt.date | None
) -> Span:
    """A month named: "on February 23", "June 2024", "July or August"; a day or whole months."""
    day_match = re.search(rf"(?<![\d:.])\b({_DAY})\b(?![:.]\d)", re.sub(rf"\b{_YEAR}\b", "", text))
    day = int(re.sub(r"\D", "", day_match.group(1))) if day_match and len(months) == 1 else None
    year = years[-1] if years else None
    if year is None:
        if published is None:
            return None, None
        year = _nearest_year(months[0], day or 15, published)
    try:
        if day is not None:
            d = dt.date(year, months[0], day)
            return d, d
        first, last = months[0], months[-1]
        end_year = year + 1 if last < first else year
        return dt.date(year, first, 1), _month_end(end_year, last)
    except ValueError:
        return None, None


def _resolve_relative(text: str, published: dt.date, clock: bool) -> Span:
    """Weekdays, "the coming/past months", "today", a clock time; the rest to dateparser."""
    low = text.lower()
    for name, wd in _WEEKDAYS.items():
        if name in low:
            d = _weekday(low, wd, published)
            return d, d
    unit = re.search(r"(days|weeks|months|years)", low)
    if unit and re.search(r"coming|next|following", low):
        if unit.group(1) in _SHORT_SPANS:
            return published, published + _SHORT_SPANS[unit.group(1)]
        return published, _add_months(published, _LONG_SPANS[unit.group(1)])
    if unit and re.search(r"recent|past|last", low):
        if unit.group(1) in _SHORT_SPANS:
            return published - _SHORT_SPANS[unit.group(1)], published
        return _add_months(published, -_LONG_SPANS[unit.group(1)]), published
    if clock or re.search(r"\b(?:today|tonight)\b", low):
        return published, published
    return _dateparser(text, published)


def _weekday(low: str, wd: int, published: dt.date) -> dt.date:
    """A weekday: "next Friday", "last Friday", or "on Friday" (the nearest either way)."""
    back = (published.weekday() - wd) % 7
    ahead = (wd - published.weekday()) % 7
    if "next" in low:
        return published + dt.timedelta(days=ahead or 7)
    if "last" in low:
        return published - dt.timedelta(days=back or 7)
    if back <= ahead:
        return published - dt.timedelta(days=back)
    return published + dt.timedelta(days=ahead)


def _dateparser(text: str, published: dt.date) -> tuple[dt.date | None, dt.date | None]:
    """The long tail ("yesterday", "two weeks ago", "last month"), relative to the article."""
    import dateparser

    base = dt.datetime(published.year, published.month, published.day, 12)
    parsed = dateparser.parse(
        text,
        languages=["en"],
        settings={"RELATIVE_BASE": base, "PREFER_DATES_FROM": "past"},
    )
    if parsed is None:
        return None, None
    low = text.lower()
    d = parsed.date()
    if re.search(r"\b(?:week|weekend)\b", low):
        return d - dt.timedelta(days=d.weekday()), d + dt.timedelta(days=6 - d.weekday())
    if "month" in low:
        return d.replace(day=1), _month_end(d.year, d.month)
    if "year" in low and "ago" not in low:
        return dt.date(d.year, 1, 1), dt.date(d.year, 12, 31)
    return d, d


def _matches(text: str) -> list[re.Match[str]]:
    found: list[re.Match[str]] = []
    done = 0
    for anchor in _ANCHOR.finditer(text):
        if anchor.start() < done:
            continue
        lo = max(done, anchor.start() - 15)
        m = _FINDER.search(text, lo, min(len(text), anchor.end() + 40))
        if m is not None and m.end() > anchor.start():
            found.append(m)
            done = m.end()
    return found


def find(text: str, published: dt.date | None) -> list[Found]:
    """Time expressions in `text`, in order, each resolved as far as it can be."""
    out: list[Found] = []
    for m in _matches(text):
        core = m.group()
        # "may" as a month must be capitalised; as a modal it is a hedge, not a date.
        if _MAY_MODAL.fullmatch(core.split()[-1]) and not re.search(r"\d", core):
            continue
        start = m.start()
        prefix = _PREFIX.search(text, max(0, start - 20), start)
        if prefix is not None and not core.lower().startswith(("in ", "at ", "by ", "as of")):
            start = prefix.start()
        phrase = text[start : m.end()].strip()
        begin, end = resolve(phrase, published)
        out.append(Found(phrase, start, Timeframe(text=phrase, start=begin, end=end)))
    return out
