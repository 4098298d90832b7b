"""HTTP routes. Thin: parsing is Litestar's, the work is `reportedly.pipeline.summarize`."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import JSONBody
from pydantic import BaseModel, Field, ValidationError

import reportedly
from reportedly.errors import BadInput, InvalidRequest, UnsupportedMediaType, validation_detail
from reportedly.pipeline import summarize
from reportedly.problems import problem_for, problem_responses
from reportedly.prompts import PromptInfo
from reportedly.schema import BatchRequest, Summary, SummaryRequest
from reportedly.services import Services

_QUERY_FIELDS = ("title", "published", "prompt", "backend", "model")


class ArticleRequest(Request[Any, Any, Any]):
    """Decodes bodies strictly, so bad bytes become a 400/415 problem instead of a 500.

    Besides JSON, `POST /v1/summaries` takes the article itself as `text/plain` or
    `text/html` (other fields as query parameters): handy for curl.
    """

    async def json(self) -> Any:
        media_type, params = self.content_type
        media_type = media_type.lower()
        charset = params.get("charset", "utf-8")
        body = await self.body()
        try:
            decoded = body.decode(charset)
        except LookupError:
            raise UnsupportedMediaType(f"Unknown charset {charset!r}; send UTF-8.") from None
        except UnicodeDecodeError as exc:
            raise BadInput(
                f"The body is not valid {charset} (byte {exc.start}); send UTF-8 encoded text."
            ) from None
        if media_type == "application/json" or media_type.endswith("+json"):
            try:
                return json.loads(decoded)
            except json.JSONDecodeError as exc:
                raise BadInput(f"The body is not valid JSON: {exc}.") from None
        if media_type in ("text/plain", "text/html") and self.url.path.endswith("/summaries"):
            unknown = sorted(set(self.query_params) - set(_QUERY_FIELDS))
            if unknown:
                raise InvalidRequest(
                    f"Unknown query parameter(s) {', '.join(unknown)}; "
                    f"accepted: {', '.join(_QUERY_FIELDS)}."
                )
            fields: dict[str, Any] = {"text" if media_type == "text/plain" else "html": decoded}
            fields.update(
                {k: self.query_params[k] for k in _QUERY_FIELDS if k in self.query_params}
            )
            return fields
        raise UnsupportedMediaType(
            f"Content-Type {media_type or '(none)'} is not accepted here; send application/json"
            + (" (or text/plain, text/html)." if self.url.path.endswith("/summaries") else ".")
        )


def provide_services(state: State) -> Services:
    services: Services = state.services
    return services


class BatchResults(BaseModel):
    results: list[dict[str, Any]] = Field(
        description="One entry per item, in order: a summary, or a problem object (has 'status')."
    )


class SummaryController(Controller):
    path = "/v1"

    @post(
        "/summaries",
        status_code=200,
        summary="Summarize one article into grounded claims",
        responses=problem_responses(400, 413, 415, 422, 502, 503, 504),
    )
    async def create(
        self, data: JSONBody[SummaryRequest], services: NamedDependency[Services]
    ) -> Summary:
        return await summarize(services, data)

    @post(
        "/summaries/batch",
        status_code=200,
        summary="Summarize many articles; errors per item",
        responses=problem_responses(400, 413, 415, 422),
    )
    async def create_batch(
        self, data: JSONBody[BatchRequest], services: NamedDependency[Services]
    ) -> BatchResults:
        limit = asyncio.Semaphore(services.settings.concurrency)

        async def one(item: dict[str, Any]) -> dict[str, Any]:
            async with limit:
                try:
                    request = SummaryRequest.model_validate(item)
                    return (await summarize(services, request)).model_dump(mode="json")
                except ValidationError as exc:
                    return problem_for(InvalidRequest(validation_detail(exc, root="body")))
                except Exception as exc:  # one bad item never fails the batch
                    return problem_for(exc)

        return BatchResults(results=await asyncio.gather(*(one(item) for item in data.items)))

    @get("/prompts", summary="Prompt versions with their hashes", responses=problem_responses())
    async def prompts(self, services: NamedDependency[Services]) -> list[PromptInfo]:
        return services.prompts.entries()


@get(
    "/healthz",
    summary="Liveness, version and default backend",
    responses=problem_responses(),
)
async def healthz(state: State) -> dict[str, Any]:
    services: Services = state.services
    return {
        "status": "ok",
        "version": reportedly.__version__,
        "default_backend": services.settings.resolved_default_backend,
    }
