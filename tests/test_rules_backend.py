"""`RulesBackend` behind the seam: plan, async extract, grounding on the samples, furniture."""

from __future__ import annotations

import asyncio
import datetime as dt
import re

import pytest
from reportedly.backends.base import Article
from reportedly.backends.rules import RULES_VERSION, RulesBackend, nlp
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
