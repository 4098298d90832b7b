"""The one code path from request to grounded response, shared by HTTP, the CLI and the evals:
prepare the document → plan → cache → backend → ground."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

import anyio.to_thread

from reportedly.backends.base import Article, BackendRun, Plan
from reportedly.cache import cache_key
from reportedly.cleaning import clean, clean_view
from reportedly.errors import ArticleIncomplete, InvalidRequest, PayloadTooLarge
from reportedly.fences import addressed_claim_warnings
from reportedly.grounding import Grounded, ground
from reportedly.html_text import html_to_text
from reportedly.schema import Document, Meta, Summary, SummaryRequest, has_text
from reportedly.services import Services
from reportedly.settings import Settings

# Bumped when cleaning or grounding changes what a cached response would contain.
PIPELINE_VERSION = "2"

T = TypeVar("T")


async def summarize(services: Services, request: SummaryRequest) -> Summary:
    """The grounded claims of one article, from the response cache when it has them."""
    prepared = await prepare(services, request)
    summary = ready_answer(prepared)
    if summary is None:
        run = await services.backend(prepared.plan.backend).extract(
            article_of(request, prepared.document), prepared.plan
        )
        quotes = sum(len(claim.evidence) for claim in run.draft.claims)
        grounded = await _cpu(
            partial(
                ground,
                run.draft,
                prepared.document,
                fuzzy_threshold=services.settings.fuzzy_threshold,
            ),
            len(prepared.document.text) * quotes,
        )
        summary = await record(services, prepared, run, grounded)
    return finish(prepared, summary)


@dataclass(frozen=True)
class Prepared:
    """A request made ready to run: what `summarize` and `summarize_stream` share."""

    request: SummaryRequest
    started: float
    document: Document
    plan: Plan
    notes: list[str]  # warnings about the request itself (never cached)
    key: str
    cached: Summary | None


async def prepare(services: Services, request: SummaryRequest) -> Prepared:
    """Validate and clean the article, fix the plan, and look the response cache up."""
    started = time.perf_counter()
    html_cost = _OFF_LOOP if request.html is not None else 0
    document = await _cpu(
        partial(prepare_document, request, services.settings),
        len(request.text or "") + html_cost,
    )
    plan = services.backend(request.backend).plan(request.prompt, request.model)
    notes = _request_warnings(services, request, plan)
    key = _cache_key(services.settings, request, document, plan)
    cached = await services.cache.get(key) if services.cache is not None else None
    return Prepared(request, started, document, plan, notes, key, cached)


def article_of(request: SummaryRequest, document: Document) -> Article:
    return Article(
        document=document,
        clean_text=clean_view(document),
        title=request.title,
        published=request.published,
    )


async def record(
    services: Services, prepared: Prepared, run: BackendRun, grounded: Grounded
) -> Summary:
    """A fresh response from a backend run and its grounding; cached when it is complete.

    Raises `ArticleIncomplete` when part of the article failed and the request asked for
    all or nothing. A partial response is never cached: the next request tries again."""
    request = prepared.request
    if run.incomplete and request.all_or_nothing:
        ranges = "; ".join(f"{i.start}-{i.end}: {i.reason}" for i in run.incomplete[:3])
        raise ArticleIncomplete(
            f"{len(run.incomplete)} part(s) of the article could not be processed and the "
            f"request asked for all or nothing (all_or_nothing=true): {ranges}"
        )
    # Building it scans the text for passages addressed to a model and validates every claim:
    # ~60 ms for a 200,000-character article, too long to hold the event loop.
    summary = await _cpu(partial(_summary_of, prepared, run, grounded), len(prepared.document.text))
    if services.cache is not None and not run.incomplete:
        await services.cache.put(prepared.key, summary)
    return summary


def _summary_of(prepared: Prepared, run: BackendRun, grounded: Grounded) -> Summary:
    request, plan = prepared.request, prepared.plan
    return Summary(
        id=_new_id(),
        document=prepared.document,
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
            latency_ms=_ms_since(prepared.started),
            cached=False,
            dropped=len(grounded.dropped),
            dropped_claims=grounded.dropped,
            warnings=[
                *run.warnings,
                *grounded.warnings,
                *addressed_claim_warnings(grounded.claims, prepared.document.text),
            ],
            chunks=run.chunks,
            incomplete=run.incomplete,
        ),
    )


def ready_answer(prepared: Prepared) -> Summary | None:
    """An answer that needs no backend: the cached one, or the empty one for an HTML page
    with no readable text (nothing for a backend to read)."""
    if prepared.cached is not None or has_text(prepared.document.text):
        return prepared.cached
    plan = prepared.plan
    return Summary(
        id=_new_id(),
        document=prepared.document,
        headline=None,
        summary="",
        claims=[],
        meta=Meta(
            backend=plan.backend,
            model=plan.model,
            prompt=plan.prompt_ref,
            prompt_hash=plan.prompt_hash,
            attempts=0,
            warnings=[
                "No article text could be extracted from the HTML: it holds no readable "
                "paragraphs (only markup, scripts or navigation)."
            ],
        ),
    )


def finish(prepared: Prepared, summary: Summary) -> Summary:
    """The response as sent: a new id, this request's latency and warnings."""
    update: dict[str, Any] = {
        "latency_ms": _ms_since(prepared.started),
        "warnings": [*prepared.notes, *summary.meta.warnings],
    }
    if summary is prepared.cached:
        update.update(cached=True, attempts=0)
    meta = summary.meta.model_copy(update=update)
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


# Cleaning and grounding cost up to ~0.1 us per character scanned (grounding scans the text
# once per quote it has to search fuzzily). Below this many characters the work takes under a
# millisecond and runs inline: a thread hop would cost more, and under a burst the hops
# contend for the GIL (bench/bench_service.py, (b)). Above it, the work moves off the event
# loop so one large article does not stall every other request.
_OFF_LOOP = 10_000


async def _cpu(work: Callable[[], T], chars_scanned: int) -> T:
    """Run `work` inline when small, else in a worker thread (see `_OFF_LOOP`)."""
    if chars_scanned < _OFF_LOOP:
        return work()
    return await anyio.to_thread.run_sync(work)


def _new_id() -> str:
    return f"sum_{uuid.uuid4().hex}"


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)
