"""Cleaning marks furniture without touching the text, and never marks article prose."""

from __future__ import annotations

import socket

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reportedly.cleaning import clean, clean_view
from reportedly.html_text import html_to_text
from reportedly.schema import Document, Removed

from tests.samples import FURNISHED_SAMPLE, SAMPLE_NAMES

# The article itself in sample 000: its headline and every paragraph.
ARTICLE_000 = (
    "Seoul: North Korea May Deploy More Troops to Russia for Ukraine War by July or August",
    "SEOUL, June 26: North Korea may send additional troops to Russia",
    "South Korean lawmaker Lee Seong-kweun, who attended the briefing",
    "\u201cThe timing of the additional deployment is that it could be as early as July or August",
    "The NIS also believes that North Korea continues to supply Russia",
    "Both North Korea and Russia have recently acknowledged the presence",
    "Their ongoing cooperation is grounded in a treaty signed in June 2024",
    "The reported troop deployment and weapons trade come amid heightened global scrutiny",
)

# Every furniture line of sample 000 and the reason it should be reported with.
FURNITURE_000 = {
    "-Advertisment-": "advertisement",
    "- Advertisement -": "advertisement",
    "HomeInternationalSeoul: North Korea May Deploy More Troops to Russia for Ukraine War...": (
        "navigation"
    ),
    "RELATED ARTICLES": "related-articles",
    "0 0 votes": "rating-widget",
    "Article Rating": "rating-widget",
    "Subscribe": "comments-widget",
    "Notify of": "comments-widget",
    "guest": "comments-widget",
    "0 Comments": "comments-widget",
    "Oldest": "comments-widget",
    "Newest Most Voted": "comments-widget",
    "Inline Feedbacks": "comments-widget",
    "View all comments": "comments-widget",
    "Most Popular": "related-articles",
    "7 Recent Comments": "comments-widget",
    "Times of Senapati": "trailing-furniture",
    "AD BLOCKER DETECTED": "ad-blocker-notice",
    "We have noticed that you have an adblocker enabled which restricts ads served on the site.": (
        "ad-blocker-notice"
    ),
    "Please disable it to continue reading Times of Senapati.": "ad-blocker-notice",
}


def covering(document: Document, start: int, end: int) -> Removed | None:
    """The removed range that contains [start, end) entirely, if any."""
    for r in document.removed:
        if r.start <= start and end <= r.end:
            return r
    return None


def overlapping(document: Document, start: int, end: int) -> list[Removed]:
    return [r for r in document.removed if start < r.end and r.start < end]


def assert_well_formed(document: Document, text: str) -> None:
    assert document.text == text
    previous_end = 0
    for r in document.removed:
        assert 0 <= previous_end <= r.start < r.end <= len(text)
        assert text[r.start : r.end].strip() == text[r.start : r.end]  # no stray whitespace
        previous_end = r.end


def test_sample_000_every_furniture_line_is_removed_with_its_reason(
    samples: dict[str, str],
) -> None:
    text = samples[FURNISHED_SAMPLE]
    document = clean(text)
    assert_well_formed(document, text)
    lines = [line.strip() for line in text.splitlines()]
    for furniture, reason in FURNITURE_000.items():
        assert furniture in lines, furniture  # the table describes the real sample
        offset = 0
        for raw in text.splitlines(keepends=True):
            if raw.strip() == furniture:
                start = offset + raw.index(furniture)
                hit = covering(document, start, start + len(furniture))
                assert hit is not None, f"not removed: {furniture!r}"
                assert hit.reason == reason, furniture
            offset += len(raw)


def test_sample_000_keeps_every_article_sentence(samples: dict[str, str]) -> None:
    text = samples[FURNISHED_SAMPLE]
    document = clean(text)
    for opening in ARTICLE_000:
        start = text.index(opening)
        end = text.index("\n", start) if "\n" in text[start:] else len(text)
        assert overlapping(document, start, end) == [], opening
    # Every non-blank line is either article or furniture: nothing slipped through.
    for raw in text.splitlines():
        line = raw.strip()
        if line and not line.startswith(ARTICLE_000):
            assert line in FURNITURE_000, f"unexpected line kept: {line!r}"


@pytest.mark.parametrize("name", [n for n in SAMPLE_NAMES if n != FURNISHED_SAMPLE])
def test_clean_samples_lose_nothing(samples: dict[str, str], name: str) -> None:
    text = samples[name]
    document = clean(text)
    assert document.removed == []
    assert clean_view(document) == text.strip()


def test_clean_view_of_sample_000_is_the_article_in_paragraphs(samples: dict[str, str]) -> None:
    view = clean_view(clean(samples[FURNISHED_SAMPLE]))
    paragraphs = view.split("\n\n")
    assert len(paragraphs) == len(ARTICLE_000)
    for paragraph, opening in zip(paragraphs, ARTICLE_000, strict=True):
        assert paragraph.startswith(opening)
    for furniture in ("Advertisement", "Advertisment", "Comments", "AD BLOCKER", "Senapati"):
        assert furniture not in view
    assert "\n\n\n" not in view


ARTICLE = """Ministers met on Tuesday to discuss the budget, officials said.

- Advertisement -

Subscribe

The deal

Advertisement revenue fell 5% in the quarter, the company said on Monday.
Readers left 300 comments on the minister's post within an hour.
Follow the money, the auditor told reporters who asked about the shortfall.
Share prices rose after the announcement.
"""


def test_article_sentences_mentioning_furniture_words_survive() -> None:
    document = clean(ARTICLE)
    removed = [(ARTICLE[r.start : r.end], r.reason) for r in document.removed]
    assert removed == [("- Advertisement -", "advertisement"), ("Subscribe", "comments-widget")]
    # A lone ad marker or "Subscribe" between paragraphs does not swallow a subheading.
    assert "The deal" in clean_view(document)


def test_a_widget_block_ends_where_prose_resumes() -> None:
    text = (
        "The court ruled on Friday that the merger could proceed as planned.\n"
        "Related Articles\n"
        "Regulators open inquiry into merger\n"
        "Shares jump on merger news\n"
        "The companies said they expected to complete the deal by March next year.\n"
        "Next steps\n"
    )
    document = clean(text)
    removed = [(text[r.start : r.end], r.reason) for r in document.removed]
    assert removed == [
        ("Related Articles", "related-articles"),
        ("Regulators open inquiry into merger\nShares jump on merger news", "trailing-furniture"),
    ]
    assert "Next steps" in clean_view(document)


def test_a_section_label_before_the_article_does_not_take_the_headline() -> None:
    text = (
        "Latest News\n"
        "Budget passes after late-night vote\n"
        "By Jane Doe\n"
        "The minister said on Tuesday that the budget would pass before the recess.\n"
    )
    document = clean(text)
    assert [(text[r.start : r.end], r.reason) for r in document.removed] == [
        ("Latest News", "related-articles")
    ]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("Home > World > Asia", "navigation"),
        ("Share this article", "share-widget"),
        ("Facebook Twitter WhatsApp Email", "share-widget"),
        ("Follow us on Twitter and Facebook", "follow-widget"),
        (
            "We use cookies to improve your experience. By continuing you accept them.",
            "cookie-notice",
        ),
        ("Accept all cookies", "cookie-notice"),
        ("Sign up for our daily newsletter", "newsletter-signup"),
        ("ADVERTISEMENT", "advertisement"),
        ("Story continues below advertisement", "advertisement"),
        ("Leave a comment", "comments-widget"),
        ("Also read: Ten things to know about the summit", "related-articles"),
    ],
)
def test_other_furniture_lines(line: str, reason: str) -> None:
    text = (
        "The minister resigned on Friday after weeks of pressure.\n\n"
        f"{line}\n\n"
        "His party will pick a successor next month, officials said."
    )
    document = clean(text)
    start = text.index(line)
    assert [(r.start, r.end, r.reason) for r in document.removed] == [
        (start, start + len(line), reason)
    ]


def test_offsets_are_python_string_indices_with_crlf_and_unicode() -> None:
    text = (
        "\u201cWe\u2019re ready,\u201d she said. \U0001f600\r\n\r\n- Advertisement -\r\nMore text."
    )
    document = clean(text)
    assert len(document.removed) == 1
    r = document.removed[0]
    assert text[r.start : r.end] == "- Advertisement -"


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=400))
def test_clean_never_raises_and_ranges_are_well_formed(text: str) -> None:
    document = clean(text)
    assert_well_formed(document, text)
    clean_view(document)


@given(
    st.lists(
        st.sampled_from(
            [*FURNITURE_000, "A sentence of the article, said the minister.", "", "Short line"]
        ),
        max_size=30,
    ),
    st.sampled_from(["\n", "\n\n", "\r\n", "\n \n"]),
)
def test_ranges_well_formed_on_furniture_mixtures(lines: list[str], sep: str) -> None:
    text = sep.join(lines)
    document = clean(text)
    assert_well_formed(document, text)
    view = clean_view(document)
    assert "A sentence of the article" in view or "A sentence of the article" not in text


# --- HTML input --------------------------------------------------------------------------

PAGE = """<!doctype html>
<html><head><title>Budget passes</title>
<link rel="stylesheet" href="http://example.invalid/site.css">
<script src="http://example.invalid/tracker.js"></script></head>
<body>
<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a></nav>
<article>
<h1>Budget passes after late-night vote</h1>
<p>The minister said on Tuesday that the budget would pass before the summer recess.</p>
<p>\u201cWe are confident,\u201d she told reporters \u2014 adding little else about the timing.</p>
<div class="ad">- Advertisement -</div>
<p>Opposition leaders said the plan would raise taxes for most households next year.</p>
<img src="http://example.invalid/photo.jpg" alt="The minister">
</article>
<footer>Copyright 2025 Example News. All rights reserved. Privacy policy.</footer>
</body></html>"""


def test_html_to_text_keeps_paragraphs_and_drops_page_chrome() -> None:
    text = html_to_text(PAGE)
    lines = text.split("\n")
    assert (
        "The minister said on Tuesday that the budget would pass before the summer recess." in lines
    )
    assert (
        "\u201cWe are confident,\u201d she told reporters \u2014 adding little else about the timing."
        in lines
    )
    assert any(line.startswith("Opposition leaders said") for line in lines)
    for chrome in ("Sport", "Copyright", "Privacy policy", "tracker.js"):
        assert chrome not in text
    # whatever furniture survives extraction, cleaning still reports it
    document = clean(text)
    assert [(text[r.start : r.end], r.reason) for r in document.removed] == [
        ("- Advertisement -", "advertisement")
    ]


def test_html_fragments_are_accepted() -> None:
    assert html_to_text("<p>Short note.</p><p>Second paragraph.</p>") == (
        "Short note.\nSecond paragraph."
    )


@pytest.mark.parametrize(
    "html", ["", "   \n", "<script>var x = 1;</script>", "<p>  </p>", "<html></html>"]
)
def test_html_without_article_text_has_no_text(html: str) -> None:
    assert html_to_text(html) == ""


def test_html_extraction_never_touches_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    attempts: list[object] = []

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(args)
        raise OSError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    assert "budget would pass" in html_to_text(PAGE)
    assert attempts == []


@settings(max_examples=40, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("<>/ap =\"'&;#x\n\u00e9\u2014body")), max_size=200))
def test_html_to_text_returns_text_or_nothing(html: str) -> None:
    text = html_to_text(html)
    assert text == "" or text.strip()
