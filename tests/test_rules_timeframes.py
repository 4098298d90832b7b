"""Time expressions as written, resolved against the article's date."""

from __future__ import annotations

import datetime as dt

import hypothesis as hyp
import pytest
from hypothesis import strategies as st
from reportedly.backends.rules.timeframes import find

WED = dt.date(2016, 7, 6)  # a Wednesday


@pytest.mark.parametrize(
    ("sentence", "text", "start", "end"),
    [
        ("it could come as early as July or August.", "as early as July or August",
         dt.date(2016, 7, 1), dt.date(2016, 8, 31)),
        ("The pact was signed in June 2024 in Moscow.", "in June 2024",
         dt.date(2024, 6, 1), dt.date(2024, 6, 30)),
        ("The bridge opens in September.", "in September", dt.date(2016, 9, 1), dt.date(2016, 9, 30)),
        ("The module launches in 2018.", "in 2018", dt.date(2018, 1, 1), dt.date(2018, 12, 31)),
        ("On Sunday, the club announced a deal.", "On Sunday", dt.date(2016, 7, 3), dt.date(2016, 7, 3)),
        ("The vote is on Friday.", "on Friday", dt.date(2016, 7, 8), dt.date(2016, 7, 8)),
        ("The fire started at 20:15 near the mill.", "at 20:15", WED, WED),
        ("The ship docked on February 23.", "on February 23", dt.date(2016, 2, 23), dt.date(2016, 2, 23)),
        ("Talks resume on 3 December 2015.", "on 3 December 2015", dt.date(2015, 12, 3), dt.date(2015, 12, 3)),
        ("Prices will rise in the coming months.", "in the coming months", WED, dt.date(2016, 10, 6)),
        ("Sales fell last month.", "last month", dt.date(2016, 6, 1), dt.date(2016, 6, 30)),
    ],
)  # fmt: skip
def test_expressions_resolve(sentence: str, text: str, start: dt.date, end: dt.date) -> None:
    found = find(sentence, WED)
    assert [f.text for f in found][:1] == [text]
    tf = found[0].timeframe
    assert (tf.start, tf.end) == (start, end)
    assert sentence[found[0].start : found[0].start + len(text)] == text


def test_nearest_year_for_a_month_near_the_new_year() -> None:
    # Written on 28 December, "in January" means the coming January.
    tf = find("The law takes effect in January.", dt.date(2023, 12, 28))[0].timeframe
    assert (tf.start, tf.end) == (dt.date(2024, 1, 1), dt.date(2024, 1, 31))


def test_unresolvable_without_a_date_keeps_text_only() -> None:
    found = find("It could happen in the coming months or on Thursday.", None)
    assert [f.text for f in found] == ["in the coming months", "on Thursday"]
    assert all(f.timeframe.start is None and f.timeframe.end is None for f in found)
    # absolute dates resolve without one
    tf = find("It was built in 1999.", None)[0].timeframe
    assert (tf.start, tf.end) == (dt.date(1999, 1, 1), dt.date(1999, 12, 31))


@pytest.mark.parametrize(
    "sentence",
    [
        "North Korea may send more troops.",  # the modal, not the month
        "An 84 year old woman died.",  # an age
        "It ends a five-year-long project.",  # a duration
        "The 305-meter dish was the largest.",
        "Controlling COVID-19 may take years.",  # the end of a name, then the modal
        "The F-16 may be retired.",
    ],
)
def test_non_timeframes_are_ignored(sentence: str) -> None:
    assert find(sentence, WED) == []


# --- the ends of the calendar: unresolvable, never an error (issue 8) -------------------------

LAST_DAY, FIRST_DAY = dt.date(9999, 12, 31), dt.date(1, 1, 1)


@pytest.mark.parametrize(
    ("published", "expression"),
    [
        (LAST_DAY, "in the coming months"),
        (LAST_DAY, "in the coming weeks"),
        (LAST_DAY, "in the coming days"),
        (LAST_DAY, "in the coming years"),
        (LAST_DAY, "in the next few months"),
        (LAST_DAY, "next Monday"),
        (LAST_DAY, "this week"),
        (dt.date(9999, 12, 25), "in the coming weeks"),
        (FIRST_DAY, "last Monday"),
        (FIRST_DAY, "in recent years"),
        (FIRST_DAY, "in recent days"),
        (FIRST_DAY, "over the past weeks"),
    ],
)
def test_dates_past_the_calendar_are_null_not_an_error(published: dt.date, expression: str) -> None:
    found = find(f"Officials said prices would rise {expression}.", published)
    assert [f.text for f in found] == [expression]
    assert (found[0].timeframe.start, found[0].timeframe.end) == (None, None)


def test_dates_inside_the_calendar_still_resolve_near_its_ends() -> None:
    tf = find("Prices will rise in the coming months.", dt.date(9999, 9, 30))[0].timeframe
    assert (tf.start, tf.end) == (dt.date(9999, 9, 30), dt.date(9999, 12, 30))
    tf = find("Prices rose last Monday.", dt.date(1, 1, 10))[0].timeframe
    assert (tf.start, tf.end) == (dt.date(1, 1, 8), dt.date(1, 1, 8))


EXPRESSIONS = [
    "in the coming months", "in the coming weeks", "in the coming years", "next year",
    "in 10 years", "last week", "last month", "last year", "next week", "next month",
    "on Monday", "last Friday", "next Sunday", "yesterday", "tomorrow", "two years ago",
    "in recent days", "over the past months", "this week", "this weekend", "in January",
    "on December 31", "today", "at 10:30", "in the 2190s",
]  # fmt: skip


@hyp.settings(max_examples=300, deadline=None)
@hyp.given(
    published=st.one_of(
        st.dates(dt.date(9999, 11, 1), dt.date(9999, 12, 31)),
        st.dates(dt.date(1, 1, 1), dt.date(1, 3, 1)),
        st.dates(),
    ),
    expression=st.sampled_from(EXPRESSIONS),
)
def test_no_expression_raises_for_any_date(published: dt.date, expression: str) -> None:
    for f in find(f"The minister said it would happen {expression}.", published):
        tf = f.timeframe
        assert (tf.start is None) == (tf.end is None)
