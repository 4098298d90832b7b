"""Sentences with offsets into the client's text, outside furniture."""

from __future__ import annotations

import time

from reportedly.backends.rules.segment import MAX_SENTENCE, sentences
from reportedly.schema import Document, Removed


def test_sentences_are_exact_slices_and_keep_quotes_with_their_attribution() -> None:
    text = (
        'Mr. Reed arrived at 9 a.m. on Jan. 5. "We closed the road. It is safe now," '
        "said Dr. Ana Silva of the U.N. agency.\n\nA second paragraph follows here."
    )
    got = sentences(Document(text=text))
    assert all(text[s.start : s.end] == s.text for s in got)
    assert [s.text for s in got] == [
        "Mr. Reed arrived at 9 a.m. on Jan. 5.",
        '"We closed the road. It is safe now," said Dr. Ana Silva of the U.N. agency.',
        "A second paragraph follows here.",
    ]
    assert [s.line for s in got] == [0, 0, 1]


def test_removed_ranges_never_reach_a_sentence() -> None:
    text = "First line is news.\n- Advertisement -\nSecond line is news too."
    start = text.index("- Adv")
    removed = [Removed(start=start, end=start + len("- Advertisement -"), reason="ad")]
    got = sentences(Document(text=text, removed=removed))
    assert [s.text for s in got] == ["First line is news.", "Second line is news too."]


def test_run_on_text_is_cut_into_bounded_pieces() -> None:
    text = "officials said the road is closed and " * 500
    got = sentences(Document(text=text))
    assert len(got) > 1
    assert all(len(s.text) <= MAX_SENTENCE for s in got)
    assert all(text[s.start : s.end] == s.text for s in got)
    # nothing is lost but whitespace between pieces
    assert "".join(s.text for s in got).replace(" ", "") == text.replace(" ", "")


def _seconds(text: str) -> float:
    began = time.perf_counter()
    sentences(Document(text=text))
    return time.perf_counter() - began


def test_splitting_a_long_line_takes_linear_time() -> None:
    # Issue 7: each boundary searched the whole line before it for an abbreviation, so one
    # 200,000-character line of sentences took a minute. Now it takes well under a second;
    # the bounds leave room for a slow, shared machine.
    unit = "Officials said the bridge would reopen on Monday. Mr. Reed agreed. "
    line = unit * (200_000 // len(unit))
    assert _seconds(line) < 5.0
    got = sentences(Document(text=line))
    assert [s.text for s in got[:2]] == [
        "Officials said the bridge would reopen on Monday.",
        "Mr. Reed agreed.",
    ]
    assert _seconds("." * 100_000 + " A.") < 2.0  # a run of dots is tried once, not per dot
