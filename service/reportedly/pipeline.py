"""The one code path from request to grounded response, shared by HTTP, the CLI and the evals."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import TypeVar

import anyio.to_thread
import httpx

from reportedly.backends.base import Article, Backend
from reportedly.cache import ResponseCache, cache_key
from reportedly.cleaning import clean, clean_view
from reportedly.errors import InvalidRequest, PayloadTooLarge
from reportedly.extraction import html_to_text
from reportedly.grounding import ground
from reportedly.prompts import PromptRegistry
from reportedly.schema import Document, Meta, Summary, SummaryRequest
from reportedly.settings import BackendName, Settings

# Bumped when cleaning or grounding changes what a cached response would contain.
PIPELINE_VERSION = "1"

T = TypeVar("T")


@dataclass
class Services:
    """Long-lived resources: built once per process (app lifespan, CLI run, eval run)."""

    settings: Settings
    prompts: PromptRegistry
    http: httpx.AsyncClient
    cache: ResponseCache | None
    _backends: dict[str, Backend] = field(default_factory=dict)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def backend(self, requested: str | None) -> Backend:
        name = self.settings.backend_name(requested)
        if name not in self._backends:
            self._backends[name] = _BACKEND_FACTORIES[name](self)
        return self._backends[name]

    async def warm_up(self, name: str) -> None:
        """Start what a backend needs (spaCy, the local model server) before the first request."""
        await self.backend(name).start()

    async def aclose(self) -> None:
        for backend in self._backends.values():
            await backend.aclose()
        self._backends.clear()


def _rules(services: Services) -> Backend:
    from reportedly.backends.rules.backend import RulesBackend

    return RulesBackend()


def _llm(services: Services) -> Backend:
    from reportedly.backends.llm import build_llm_backend

    return build_llm_backend(services.settings, services.prompts, services.http)


def _local(services: Services) -> Backend:
    from reportedly.backends.local import LocalBackend

    return LocalBackend(services.settings, services.prompts, services.http)


_BACKEND_FACTORIES: dict[BackendName, Callable[[Services], Backend]] = {
    "rules": _rules,
    "llm": _llm,
    "local": _local,
}


@asynccontextmanager
async def open_services(settings: Settings) -> AsyncIterator[Services]:
    prompts = PromptRegistry.load(settings.prompts_dir)
    cache = ResponseCache(settings.cache_dir / "cache.sqlite3") if settings.cache_enabled else None
    # Connection limits follow the batch concurrency so a batch never queues inside httpx.
    limits = httpx.Limits(
        max_connections=max(64, settings.concurrency * 2), max_keepalive_connections=16
    )
    async with httpx.AsyncClient(limits=limits) as http:
        services = Services(settings=settings, prompts=prompts, http=http, cache=cache)
        try:
            yield services
        finally:
            await services.aclose()
            if cache is not None:
                cache.close()


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
    text = raw if request.text is not None else html_to_text(raw)
    if not text.strip():
        raise InvalidRequest("The article text is empty or whitespace only.")
    if len(text) > settings.max_chars:
        raise PayloadTooLarge(
            f"The article has {len(text):,} characters; the limit is {settings.max_chars:,}."
        )
    return clean(text)


async def summarize(services: Services, request: SummaryRequest) -> Summary:
    started = time.perf_counter()
    settings = services.settings
    html_cost = _OFF_LOOP if request.html is not None else 0
    document = await _cpu(
        partial(prepare_document, request, settings), len(request.text or "") + html_cost
    )
    backend = services.backend(request.backend)
    plan = backend.plan(request.prompt)
    warnings: list[str] = []
    if request.prompt is not None and plan.prompt is None:
        services.prompts.get(request.prompt)  # a typo is still a 422, whatever the backend
        warnings.append(f"The {plan.backend} backend uses no prompt; {request.prompt!r} ignored.")

    key = cache_key(
        PIPELINE_VERSION,
        document.text,
        request.title,
        request.published,
        plan.backend,
        plan.model,
        plan.prompt_hash,
        settings.fuzzy_threshold,
    )
    if services.cache is not None and (hit := await services.cache.get(key)) is not None:
        meta = hit.meta.model_copy(
            update={"cached": True, "latency_ms": _ms_since(started), "attempts": 0}
        )
        return hit.model_copy(update={"id": _new_id(), "meta": meta})

    article = Article(
        document=document,
        clean_text=clean_view(document),
        title=request.title,
        published=request.published,
    )
    run = await backend.extract(article, plan)
    quotes = sum(len(claim.evidence) for claim in run.draft.claims)
    grounded = await _cpu(
        partial(ground, run.draft, document, fuzzy_threshold=settings.fuzzy_threshold),
        len(document.text) * quotes,
    )
    summary = Summary(
        id=_new_id(),
        document=document,
        headline=request.title or run.draft.headline,
        summary=run.draft.summary,
        claims=grounded.claims,
        meta=Meta(
            backend=plan.backend,
            model=run.model,
            prompt=plan.prompt,
            prompt_hash=plan.prompt_hash,
            usage=run.usage,
            attempts=run.attempts,
            latency_ms=_ms_since(started),
            cached=False,
            dropped=len(grounded.dropped),
            dropped_claims=grounded.dropped,
            warnings=[*warnings, *run.warnings, *grounded.warnings],
        ),
    )
    if services.cache is not None:
        await services.cache.put(key, summary)
    return summary


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
