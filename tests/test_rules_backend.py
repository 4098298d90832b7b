"""`RulesBackend` behind the seam: plan, async extract, grounding on the samples, furniture."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import threading
import time
from typing import Any

import pytest
from reportedly.backends.base import Article
from reportedly.backends.rules import RULES_VERSION, RulesBackend, nlp
from reportedly.backends.rules.segment import sentences
from reportedly.cleaning import clean, clean_view
from reportedly.errors import BackendUnavailable
from reportedly.grounding import ground
from reportedly.schema import Document, Draft, Removed

from tests.samples import FURNISHED_SAMPLE, SAMPLE_NAMES

PUBLISHED = {
    SAMPLE_NAMES[0]: dt.date(2025, 6, 26),
    SAMPLE_NAMES[1]: None,
    SAMPLE_NAMES[2]: dt.date(2007, 2, 23),
    SAMPLE_NAMES[3]: dt.date(2016, 7, 6),
}
# Never a claim, whether or not the cleaner marked it.
FURNITURE = re.compile(
    r"advertis|ad ?blocker|related articles|article rating|notify of|inline feedbacks|"
    r"view all comments|most popular|recent comments|disable it to continue|oldest|most voted",
    re.IGNORECASE,
)


def _article(text: str, published: dt.date | None = None, cleaned: bool = True) -> Article:
    document = clean(text) if cleaned else Document(text=text)
    return Article(document=document, clean_text=clean_view(document), published=published)


def _extract(article: Article) -> Draft:
    backend = RulesBackend()
    run = asyncio.run(backend.extract(article, backend.plan(None)))
    assert run.model == f"rules-{RULES_VERSION}"
    return run.draft


def test_plan_names_the_rules_version_and_ignores_prompts() -> None:
    backend = RulesBackend()
    plan = backend.plan(None)
    assert (plan.backend, plan.model, plan.prompt) == ("rules", f"rules-{RULES_VERSION}", None)
    assert re.fullmatch(r"[0-9a-f]{16}", plan.prompt_hash)
    assert backend.plan("claims@2") == plan
    assert RulesBackend().plan(None).prompt_hash == plan.prompt_hash


def test_pipeline_is_loaded_once_per_process() -> None:
    assert nlp.load() is nlp.load()
    assert "lemmatizer" not in nlp.load().pipe_names


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_samples_ground_exactly_and_lose_nothing(samples: dict[str, str], name: str) -> None:
    text = samples[name]
    article = _article(text, PUBLISHED[name])
    draft = _extract(article)
    assert len(draft.claims) >= 8
    grounded = ground(draft, article.document, fuzzy_threshold=90.0)
    assert grounded.dropped == []
    assert not [w for w in grounded.warnings if "approximately" in w or "not found" in w]
    assert len(grounded.claims) == len(draft.claims)
    removed = [(r.start, r.end) for r in article.document.removed]
    for claim in grounded.claims:
        for ev in claim.evidence:
            assert text[ev.start : ev.end] == ev.quote
            assert not any(ev.start < e and s < ev.end for s, e in removed)
    # every quote the backend wrote carries offsets that hold, so grounding need not search
    for c in draft.claims:
        for q in c.evidence:
            assert q.start is not None and q.end is not None
            assert text[q.start : q.end] == q.text
    assert 1 <= draft.summary.count(". ") + 1 <= 3


@pytest.mark.parametrize("cleaned", [True, False])
def test_furniture_never_becomes_a_claim(samples: dict[str, str], cleaned: bool) -> None:
    draft = _extract(_article(samples[FURNISHED_SAMPLE], PUBLISHED[FURNISHED_SAMPLE], cleaned))
    for claim in draft.claims:
        for quote in claim.evidence:
            assert not FURNITURE.search(quote.text), quote
        assert not FURNITURE.search(claim.claim)
    assert draft.headline is not None and not draft.headline.startswith("Home")
    assert not FURNITURE.search(draft.summary)


def test_furniture_ranges_are_skipped_before_parsing() -> None:
    text = (
        "The dam was finished in May.\n"
        "We use cookies to improve this site, you agree.\n"
        "The lake filled up quickly."
    )
    start = text.index("We use")
    end = text.index("\n", start)
    document = Document(text=text, removed=[Removed(start=start, end=end, reason="cookie-notice")])
    draft = _extract(Article(document=document, clean_text=text))
    assert [c.evidence[0].text for c in draft.claims] == [
        "The dam was finished in May.",
        "The lake filled up quickly.",
    ]


def test_empty_and_furniture_only_articles_give_no_claims() -> None:
    assert _extract(_article("   \n\n")).claims == []
    assert _extract(_article("- Advertisement -\nSubscribe\n0 Comments\n")).claims == []


def test_missing_spacy_pipeline_is_backend_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(nlp, "_nlp", None)
    monkeypatch.setattr(nlp, "PIPELINE", "en_core_web_not_installed")
    with pytest.raises(BackendUnavailable, match="en_core_web_not_installed"):
        _extract(_article("The dam was finished in May last year."))


def test_concurrent_requests_give_the_same_claims_as_one_at_a_time(
    samples: dict[str, str],
) -> None:
    articles = [_article(samples[n], PUBLISHED[n]) for n in SAMPLE_NAMES]
    backend = RulesBackend()
    plan = backend.plan(None)

    async def all_at_once() -> list[Draft]:
        runs = await asyncio.gather(*(backend.extract(a, plan) for a in articles * 2))
        return [r.draft for r in runs]

    together = asyncio.run(all_at_once())
    alone = [_extract(a) for a in articles]
    assert together == alone * 2


def test_start_loads_the_pipeline_before_any_request(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(nlp, "_nlp", None)
    asyncio.run(RulesBackend().start())
    assert nlp._nlp is not None


def _annotations(docs: list[Any]) -> list[list[tuple[str, str, str, int, str]]]:
    return [[(t.text, t.tag_, t.dep_, t.head.i, t.ent_type_) for t in d] for d in docs]


def test_chunks_change_no_annotation(
    samples: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = [s.text for s in sentences(clean(samples[SAMPLE_NAMES[2]]))] * 3
    parse = [i % 3 != 1 for i in range(len(texts))]
    monkeypatch.setattr(nlp, "WHOLE_CHARS", 0)  # in turns, however short
    chunked = _annotations(nlp.annotate(texts, parse))
    assert len(nlp._chunks(texts, nlp.CHUNK_CHARS)) > 1
    monkeypatch.setattr(nlp, "CHUNK_CHARS", 10**9)
    assert chunked == _annotations(nlp.annotate(texts, parse))
    assert len(nlp._chunks(texts, nlp.CHUNK_CHARS)) == 1


def test_a_long_article_lets_a_short_one_through() -> None:
    # Issue 7: the long article held the pipeline for its whole run; now it takes turns,
    # chunk by chunk, in the order the callers arrived.
    sentence = "Officials said the bridge in Springfield would reopen on Monday, police said."
    long_texts = [sentence] * 1500
    started = threading.Event()
    finished = threading.Event()

    def long_run() -> None:
        started.set()
        nlp.annotate(long_texts)
        finished.set()

    nlp.load()
    thread = threading.Thread(target=long_run)
    thread.start()
    started.wait()
    time.sleep(0.2)  # well into the long article's chunks
    nlp.annotate(["The mayor, Ana Ruiz, said repairs had cost more than expected."])
    short_done_first = not finished.is_set()
    thread.join()
    assert short_done_first


def test_the_pipeline_lock_serves_in_arrival_order() -> None:
    lock = nlp._FairLock()
    order: list[int] = []
    lock.__enter__()
    threads = [threading.Thread(target=lambda i=i: _take(lock, order, i)) for i in range(5)]
    for t in threads:
        t.start()
        time.sleep(0.05)  # each queues before the next arrives
    lock.__exit__()
    for t in threads:
        t.join()
    assert order == [0, 1, 2, 3, 4]


def _take(lock: Any, order: list[int], i: int) -> None:
    with lock:
        order.append(i)
