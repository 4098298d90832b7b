"""The one code path from request to grounded response, shared by HTTP, the CLI and the evals:
prepare the document → plan → cache → backend → ground."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from functools import partial
from typing import TypeVar

import anyio.to_thread

from reportedly.backends.base import Article, Plan
from reportedly.cache import cache_key
from reportedly.cleaning import clean, clean_view
from reportedly.errors import InvalidRequest, PayloadTooLarge
from reportedly.fences import addressed_claim_warnings
from reportedly.grounding import ground
from reportedly.html_text import html_to_text
from reportedly.schema import Document, Meta, Summary, SummaryRequest, has_text
from reportedly.services import Services
from reportedly.settings import Settings

# Bumped when cleaning or grounding changes what a cached response would contain.
PIPELINE_VERSION = "2"

T = TypeVar("T")


async def summarize(services: Services, request: SummaryRequest) -> Summary:
    """The grounded claims of one article, from the response cache when it has them."""
    started = time.perf_counter()
    html_cost = _OFF_LOOP if request.html is not None else 0
    document = await _cpu(
        partial(prepare_document, request, services.settings),
        len(request.text or "") + html_cost,
    )
    plan = services.backend(request.backend).plan(request.prompt, request.model)
    if not has_text(document.text):  # HTML with no readable text: nothing for a backend to read
        return _nothing_to_read(document, plan, started)
    # Warnings about the request itself are never cached: the same article may come back
    # with another request.
    notes = _request_warnings(services, request, plan)
    key = _cache_key(services.settings, request, document, plan)
    summary = await services.cache.get(key) if services.cache is not None else None
    if summary is not None:
        meta_update = {"cached": True, "attempts": 0}
    else:
        summary = await _extract(services, request, document, plan)
        if services.cache is not None:
            await services.cache.put(key, summary)
        meta_update = {}
    meta = summary.meta.model_copy(
        update={
            **meta_update,
            "latency_ms": _ms_since(started),
            "warnings": [*notes, *summary.meta.warnings],
        }
    )
    return summary.model_copy(update={"id": _new_id(), "meta": meta})


def prepare_document(request: SummaryRequest, settings: Settings) -> Document:
    """Validate the article and mark its furniture; offsets will refer to the returned text."""
    if (request.text is None) == (request.html is None):
        raise InvalidRequest("Send exactly one of 'text' or 'html'.")
    raw = request.text if request.text is not None else request.html
    assert raw is not None
    if len(raw) > settings.max_chars * (1 if request.text is not None else 10):
        raise PayloadTooLarge(
            f"The article has {len(raw):,} characters; the limit is {settings.max_chars:,} "
            "(REPORTEDLY_MAX_CHARS; HTML may be ten times larger)."
        )
    if not has_text(raw):
        raise InvalidRequest(
            f"The article {'text' if request.text is not None else 'HTML'} is empty or "
            "whitespace only."
        )
    text = raw if request.text is not None else html_to_text(raw)
    if len(text) > settings.max_chars:
        raise PayloadTooLarge(
            f"The article has {len(text):,} characters; the limit is {settings.max_chars:,}."
        )
    return clean(text)


def _request_warnings(services: Services, request: SummaryRequest, plan: Plan) -> list[str]:
    """What the request asked for that this backend cannot honour."""
    warnings: list[str] = []
    if request.prompt is not None and plan.prompt is None:
        services.prompts.get(request.prompt)  # a typo is still a 422, whatever the backend
        warnings.append(f"The {plan.backend} backend uses no prompt; {request.prompt!r} ignored.")
    if request.model is not None and request.model != plan.model:
        warnings.append(
            f"The {plan.backend} backend runs {plan.model} only; model {request.model!r} ignored."
        )
    return warnings


def _cache_key(settings: Settings, request: SummaryRequest, document: Document, plan: Plan) -> str:
    return cache_key(
        PIPELINE_VERSION,
        document.text,
        request.title,
        request.published,
        plan.backend,
        plan.model,
        plan.prompt_hash,
        settings.fuzzy_threshold,
    )


async def _extract(
    services: Services, request: SummaryRequest, document: Document, plan: Plan
) -> Summary:
    """Run the backend and ground its draft: a fresh, cacheable response."""
    started = time.perf_counter()
    article = Article(
        document=document,
        clean_text=clean_view(document),
        title=request.title,
        published=request.published,
    )
    run = await services.backend(plan.backend).extract(article, plan)
    quotes = sum(len(claim.evidence) for claim in run.draft.claims)
    grounded = await _cpu(
        partial(ground, run.draft, document, fuzzy_threshold=services.settings.fuzzy_threshold),
        len(document.text) * quotes,
    )
    return Summary(
        id=_new_id(),
        document=document,
        headline=request.title or run.draft.headline,
        summary=run.draft.summary,
        claims=grounded.claims,
        meta=Meta(
            backend=plan.backend,
            model=run.model,
            prompt=plan.prompt_ref,
            prompt_hash=plan.prompt_hash,
            usage=run.usage,
            attempts=run.attempts,
            latency_ms=_ms_since(started),
            cached=False,
            dropped=len(grounded.dropped),
            dropped_claims=grounded.dropped,
            warnings=[
                *run.warnings,
                *grounded.warnings,
                *addressed_claim_warnings(grounded.claims, document.text),
            ],
        ),
    )


def _nothing_to_read(document: Document, plan: Plan, started: float) -> Summary:
    return Summary(
        id=_new_id(),
        document=document,
        headline=None,
        summary="",
        claims=[],
        meta=Meta(
            backend=plan.backend,
            model=plan.model,
            prompt=plan.prompt_ref,
            prompt_hash=plan.prompt_hash,
            attempts=0,
            latency_ms=_ms_since(started),
            warnings=[
                "No article text could be extracted from the HTML: it holds no readable "
                "paragraphs (only markup, scripts or navigation)."
            ],
        ),
    )


# Cleaning and grounding cost up to ~0.1 us per character scanned (grounding scans the text
# once per quote it has to search fuzzily). Below this many characters the work takes under a
# millisecond and runs inline: a thread hop would cost more, and under a burst the hops
# contend for the GIL (bench/bench_service.py, (b)). Above it, the work moves off the event
# loop so one large article does not stall every other request.
_OFF_LOOP = 10_000


async def _cpu(work: Callable[[], T], chars_scanned: int) -> T:
    if chars_scanned < _OFF_LOOP:
        return work()
    return await anyio.to_thread.run_sync(work)


def _new_id() -> str:
    return f"sum_{uuid.uuid4().hex}"


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)
