"""The streamed request path: `summarize`'s steps, with each claim handed over as soon as
it is grounded.

`prepare` (clean, plan, cache look-up), grounding (`Grounder`, one claim at a time) and
`record` (the response, cached when complete) are the pipeline's own. What differs is only
the middle: a backend that can stream (`extract_stream`: the LLM backends, through
instructor's partial parsing) hands over each claim as the model finishes it; any other
backend (`rules`) runs as usual and its claims follow at once. A cached response streams
its claims immediately.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from reportedly.backends.base import Article, Backend, BackendRun, Plan
from reportedly.grounding import Grounder
from reportedly.pipeline import Prepared, article_of, finish, ready_answer, record
from reportedly.problems import problem_for
from reportedly.schema import DraftClaim, Summary
from reportedly.services import Services


@dataclass(frozen=True)
class Event:
    """One server-sent event: `claim`, `warning`, `summary` (the last) or `error` (the last)."""

    name: str
    data: dict[str, Any]


async def summarize_stream(services: Services, prepared: Prepared) -> AsyncIterator[Event]:
    """Events for a prepared request. Errors after the stream has begun become an `error`
    event carrying the problem object the normal route would have answered with."""
    for note in prepared.notes:
        yield Event("warning", {"message": note})
    summary: Summary | None = None
    try:
        ready = ready_answer(prepared)
        if ready is not None:
            summary = finish(prepared, ready)
            for claim in summary.claims:
                yield Event("claim", claim.model_dump(mode="json"))
        else:
            async for event in _fresh(services, prepared):
                if isinstance(event, Event):
                    yield event
                else:
                    summary = event
    except Exception as exc:  # the stream has begun: the problem goes in an event
        yield Event("error", problem_for(exc))
        return
    assert summary is not None
    head = summary.model_dump(mode="json", exclude={"claims"})
    yield Event("summary", head)


async def _fresh(services: Services, prepared: Prepared) -> AsyncIterator[Event | Summary]:
    document = prepared.document
    grounder = Grounder(document, fuzzy_threshold=services.settings.fuzzy_threshold)
    backend = services.backend(prepared.plan.backend)
    run: BackendRun | None = None
    async for item in _drafts(backend, article_of(prepared.request, document), prepared.plan):
        if isinstance(item, BackendRun):
            run = item
            continue
        dropped = len(grounder.grounded.dropped)
        warned = len(grounder.grounded.warnings)
        claim = grounder.add(item)
        if claim is not None:
            yield Event("claim", claim.model_dump(mode="json"))
        for gone in grounder.grounded.dropped[dropped:]:
            yield Event("warning", {"message": f"claim dropped: {gone.reason}: {gone.claim}"})
        for note in grounder.grounded.warnings[warned:]:
            yield Event("warning", {"message": note})
    assert run is not None
    for note in run.warnings:
        yield Event("warning", {"message": note})
    yield finish(prepared, await record(services, prepared, run, grounder.grounded))


async def _drafts(
    backend: Backend, article: Article, plan: Plan
) -> AsyncIterator[DraftClaim | BackendRun]:
    """Draft claims as the backend produces them, then its run."""
    stream = getattr(backend, "extract_stream", None)
    if stream is not None:
        async for item in stream(article, plan):
            yield item
        return
    run = await backend.extract(article, plan)
    for claim in run.draft.claims:
        yield claim
    yield run
