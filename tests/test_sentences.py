"""The sentence index claims@3 cites, its token estimate, and cutting long articles."""

from __future__ import annotations

import itertools
import math

import pytest
from reportedly.chunks import (
    ANSWER_TOKENS_PER_SENTENCE,
    Chunk,
    Merger,
    halves,
    split,
    uncovered,
)
from reportedly.cleaning import clean
from reportedly.replies import SentenceReply
from reportedly.schema import Document, DraftClaim, Quote, Removed, Source
from reportedly.sentences import SentenceIndex, estimate_tokens, split_sentences


def sentences_of(text: str) -> list[str]:
    return [text[a:b] for a, b in split_sentences(text, 0, len(text))]


def test_sentences_split_on_ends_but_not_on_abbreviations_or_initials() -> None:
    text = (
        'Mr. Kim met U.S. officials at 9 a.m. on Monday. "It went well," he said. '
        "J. Smith agreed! Did it? Yes\u2026 It did."
    )
    assert sentences_of(text) == [
        "Mr. Kim met U.S. officials at 9 a.m. on Monday.",
        '"It went well," he said.',
        "J. Smith agreed!",
        "Did it?",
        "Yes\u2026",
        "It did.",
    ]


def test_index_skips_furniture_and_keeps_offsets_into_the_whole_text() -> None:
    text = "- Advertisement -\nFirst sentence here. Second one.\n\nRELATED ARTICLES\nThird para."
    document = Document(
        text=text,
        removed=[
            Removed(start=0, end=17, reason="advertisement"),
            Removed(start=52, end=68, reason="related-articles"),
        ],
    )
    index = SentenceIndex.build(document)
    assert [index.span(s.id) for s in index.sentences] == [
        "First sentence here.",
        "Second one.",
        "Third para.",
    ]
    for s in index.sentences:
        assert text[s.start : s.end] == index.span(s.id)
    assert index.marked() == "#1 First sentence here. #2 Second one.\n#3 Third para."
    assert index.plain(2, 3) == "Second one.\nThird para."


def test_sample_furniture_gets_no_sentence_id(samples: dict[str, str]) -> None:
    document = clean(samples["000_d886f5a2d17a20ad.txt"])
    marked = SentenceIndex.build(document).marked()
    assert "Advertisement" not in marked and "RELATED" not in marked.upper()


def test_token_estimate_is_within_ten_percent_of_o200k(samples: dict[str, str]) -> None:
    bpe_openai = pytest.importorskip("bpe_openai")
    encoding = bpe_openai.get_encoding("o200k_base")
    for name, text in samples.items():
        real = len(encoding.encode(text))
        assert abs(estimate_tokens(text) - real) <= 0.1 * real, name


def long_index(paragraphs: int = 12, sentences: int = 4) -> SentenceIndex:
    text = "\n\n".join(
        " ".join(f"Paragraph {p} sentence {s} says something new." for s in range(sentences))
        for p in range(paragraphs)
    )
    return SentenceIndex.build(Document(text=text))


def test_short_article_is_one_chunk() -> None:
    index = long_index(2)
    assert split(index, budget=10_000) == [Chunk(1, 8, 0, len(index.text))]


def test_long_article_splits_on_paragraphs_with_one_sentence_overlap() -> None:
    index = long_index()
    chunks = split(index, budget=sum(index.tokens[:8]))  # two paragraphs' worth
    assert len(chunks) > 3
    assert chunks[0].first == 1 and chunks[-1].last == len(index)
    for before, after in itertools.pairwise(chunks):
        assert after.first == before.last  # the seam sentence is in both
        assert (
            index.sentences[before.last - 1].paragraph != index.sentences[after.last - 1].paragraph
        )
    for chunk in chunks:
        assert index.text[chunk.start : chunk.end].startswith("Paragraph")


def test_a_paragraph_over_the_budget_splits_on_sentences() -> None:
    index = long_index(paragraphs=1, sentences=20)
    chunks = split(index, budget=sum(index.tokens[:5]))
    assert len(chunks) >= 4
    assert all(sum(index.tokens[c.first - 1 : c.last]) <= sum(index.tokens[:6]) for c in chunks)
    assert halves(chunks[0], index)[0].first == chunks[0].first
    assert halves(Chunk(3, 3, 0, 1), index) == []


def uneven_index() -> SentenceIndex:
    """Paragraphs of 1 to 7 sentences of different lengths, so greedy packing would leave a
    small last chunk and equal chunks must be cut with care."""
    paragraphs = []
    for p in range(40):
        words = " ".join(["word"] * (3 + (p * 7) % 11))
        size = 1 + (p * 5) % 7
        paragraphs.append(" ".join(f"Part {p}.{s} has {words} here." for s in range(size)))
    return SentenceIndex.build(Document(text="\n\n".join(paragraphs)))


def weight(index: SentenceIndex, chunk: Chunk) -> int:
    return sum(n + ANSWER_TOKENS_PER_SENTENCE for n in index.tokens[chunk.first - 1 : chunk.last])


@pytest.mark.parametrize("share", [2.5, 3.2, 5.9, 7.0])
def test_chunks_are_as_many_as_the_budget_needs_and_of_equal_size(share: float) -> None:
    index = uneven_index()
    total = sum(index.tokens)
    chunks = split(index, budget=int(total / share))
    assert len(chunks) == math.ceil(total / int(total / share))
    weights = [weight(index, c) for c in chunks]
    mean_sentence = sum(weights) / sum(c.last - c.first + 1 for c in chunks)
    # Equal to within about one sentence each way (a paragraph end is taken when that near).
    assert max(weights) - min(weights) <= 2.5 * mean_sentence, weights
    assert max(weights) <= 1.1 * sum(weights) / len(weights)


def test_balanced_chunks_cover_the_text_once_with_one_seam_sentence_each() -> None:
    index = uneven_index()
    chunks = split(index, budget=sum(index.tokens) // 5)
    assert chunks[0].first == 1 and chunks[-1].last == len(index)
    for before, after in itertools.pairwise(chunks):
        assert after.first == before.last  # the seam sentence, in both
    for chunk in chunks:  # offsets are the whole text's, sentence for sentence
        first, last = index.sentences[chunk.first - 1], index.sentences[chunk.last - 1]
        assert (chunk.start, chunk.end) == (first.start, last.end)
        assert index.text[chunk.start : chunk.end].startswith(f"Part {first.paragraph}.")
        assert index.marked(chunk.first, chunk.last).startswith(f"#{chunk.first} ")


def test_cuts_prefer_paragraph_ends_near_the_balanced_point_else_sentences() -> None:
    # Ten paragraphs of four equal sentences into five chunks: every cut can be a paragraph
    # end (two paragraphs a chunk, the seam aside).
    index = long_index(paragraphs=10, sentences=4)
    chunks = split(index, budget=sum(index.tokens) // 5)
    assert len(chunks) == 5
    for chunk in chunks[:-1]:
        assert chunk.last % 4 == 0, chunks  # the last sentence of a paragraph
    # Three paragraphs into two chunks: the middle is mid-paragraph, more than a sentence
    # from either paragraph end, so the cut is at a sentence end there.
    index = long_index(paragraphs=3, sentences=8)
    first, second = split(index, budget=sum(index.tokens) // 2 + 1)
    assert first.last % 8 != 0 and abs(first.last - 12) <= 1
    assert second.first == first.last


def test_uncovered_subtracts_what_other_chunks_read() -> None:
    assert uncovered(Chunk(5, 9, 100, 200), [Chunk(1, 5, 0, 120)]) == [(120, 200)]
    assert uncovered(Chunk(5, 9, 100, 200), [Chunk(1, 5, 0, 120), Chunk(9, 12, 180, 300)]) == [
        (120, 180)
    ]


def claim(text: str, *spans: tuple[int, int]) -> DraftClaim:
    return DraftClaim(
        who=["X"],
        claim=text,
        source=Source(name="author", type="author"),
        confidence="high",
        evidence=[Quote(text="q", start=a, end=b) for a, b in spans],
    )


def test_merger_drops_seam_duplicates_from_other_chunks_only() -> None:
    merger = Merger()
    assert merger.accept(claim("The bridge will reopen in July.", (10, 50)), chunk=0)
    assert merger.accept(claim("The mayor opposes it.", (10, 50)), chunk=0)  # same chunk: kept
    assert not merger.accept(claim("Bridge reopens in July.", (10, 50)), chunk=1)  # same spans
    assert not merger.accept(claim("The bridge will reopen in July", (30, 60)), chunk=1)
    assert merger.accept(claim("Tolls will rise.", (30, 60)), chunk=1)  # overlaps, differs
    assert merger.duplicates == 2


def test_sentence_reply_maps_ids_to_offsets_and_narrows_with_a_quote() -> None:
    text = "Intro here. Officials said the bridge will reopen in July. Done."
    index = SentenceIndex.build(Document(text=text))
    reply = SentenceReply.for_sentences(1, 3).model_validate(
        {
            "claims": [
                {
                    "who": ["the bridge"],
                    "claim": "The bridge will reopen in July.",
                    "source": {"name": "officials", "type": "unnamed"},
                    "confidence": "medium",
                    "evidence": [2, 2],
                    "quote": "the bridge will reopen",
                },
                {
                    "who": ["x"],
                    "claim": "Intro.",
                    "source": {"name": "author", "type": "author"},
                    "confidence": "high",
                    "evidence": [1],
                    "quote": "not in the sentence at all",
                },
            ],
            "summary": "s",
        }
    )
    first, second = reply.to_draft(index).claims
    [narrowed] = first.evidence
    assert text[narrowed.start : narrowed.end] == narrowed.text == "the bridge will reopen"
    [whole] = second.evidence  # a quote not in the cited sentence leaves the sentence
    assert whole.text == "Intro here." and (whole.start, whole.end) == (0, 11)


def test_sentence_ids_outside_the_range_fail_validation_and_the_schema_says_so() -> None:
    ranged = SentenceReply.for_sentences(4, 9)
    assert ranged is SentenceReply.for_sentences(4, 9)  # one class per range
    item = ranged.model_json_schema()["properties"]["claims"]["items"]["properties"]["evidence"]
    assert (item["items"]["minimum"], item["items"]["maximum"]) == (4, 9)
    base = SentenceReply.model_json_schema()
    assert "minimum" not in base["properties"]["claims"]["items"]["properties"]["evidence"]["items"]
    assert "$defs" not in base and "title" not in base["properties"]["claims"]
    bad = {
        "claims": [
            {
                "who": [],
                "claim": "c",
                "source": {"name": "a", "type": "author"},
                "confidence": "low",
                "evidence": [3, 12],
            }
        ],
        "summary": "s",
    }
    with pytest.raises(ValueError, match="3, 12 are not sentence ids; cite sentences 4 to 9"):
        ranged.model_validate(bad)
