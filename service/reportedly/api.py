"""HTTP routes. Thin: parsing is Litestar's, the work is `reportedly.pipeline.summarize`."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Mapping
from typing import Any

from litestar import Controller, HttpMethod, Request, Response, get, post, route
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.params import JSONBody
from litestar.response import ServerSentEvent, ServerSentEventMessage
from pydantic import BaseModel, Field, ValidationError

import reportedly
from reportedly.errors import (
    DEFAULT_RETRY_AFTER,
    BadInput,
    InvalidRequest,
    PayloadTooLarge,
    ReportedlyError,
    UnsupportedMediaType,
    validation_detail,
)
from reportedly.pipeline import prepare, summarize
from reportedly.problems import problem_for, problem_responses
from reportedly.prompts import PromptInfo
from reportedly.schema import BatchRequest, Summary, SummaryRequest
from reportedly.services import Services
from reportedly.streaming import summarize_stream

STREAM_DESCRIPTION = """`text/event-stream`. Events: `claim` (one grounded claim, as in
`claims` of a summary), `warning` (`{"message": ...}`), then either `summary` (the summary
without `claims`: id, document, headline, summary, meta) or `error` (the problem object the
normal route would have answered with, e.g. status 502 or 504). Request problems (400, 413,
415, 422, 503) are answered before the stream starts."""

# Fields of a summary request that may also come as query parameters: the only way to
# give them with a text/plain or text/html body, and a convenience with JSON.
QUERY_FIELDS = ("title", "published", "prompt", "backend", "model")
# Deeper than any request this API defines; deeper still would exhaust the parser's stack.
MAX_JSON_DEPTH = 32


class ArticleRequest(Request[Any, Any, Any]):
    """Decodes bodies strictly, so bad bytes become a 400/413/415 problem instead of a 500.

    Besides JSON, `POST /v1/summaries` takes the article itself as `text/plain` or
    `text/html` (other fields as query parameters): handy for curl.
    """

    async def body(self) -> bytes:
        try:
            return await super().body()
        except RequestEntityTooLarge:
            await _drain(self)
            limit = self.route_handler.resolve_request_max_body_size()
            raise PayloadTooLarge(
                f"The request body is over the limit of {limit:,} bytes "
                "(REPORTEDLY_MAX_BODY_BYTES)."
            ) from None

    async def json(self) -> Any:
        media_type, params = self.content_type
        media_type = media_type.lower()
        decoded = _decode(await self.body(), params.get("charset", "utf-8"))
        on_summaries = self.url.path.endswith("/summaries")
        if media_type == "application/json" or media_type.endswith("+json"):
            value = _parse_json(decoded)
            return _with_query_fields(value, self.query_params) if on_summaries else value
        if media_type in ("text/plain", "text/html") and on_summaries:
            key = "text" if media_type == "text/plain" else "html"
            return _with_query_fields({key: decoded}, self.query_params)
        raise UnsupportedMediaType(
            f"Content-Type {media_type or '(none)'} is not accepted here; send application/json"
            + (" (or text/plain, text/html)." if on_summaries else ".")
        )


async def check_request(request: Request[Any, Any, Any]) -> None:
    """Before a POST handler reads its body: refuse what no handler could use."""
    accepted = QUERY_FIELDS if request.url.path.endswith("/summaries") else ()
    unknown = sorted(set(request.query_params) - set(accepted))
    if unknown:
        raise InvalidRequest(
            f"Unknown query parameter(s) {', '.join(unknown)}; "
            + (f"accepted: {', '.join(accepted)}." if accepted else "this route takes none.")
        )
    if accepted:
        _check_query_fields(request)
    await refuse_empty_body(request)


async def refuse_empty_body(request: Request[Any, Any, Any]) -> None:
    """A POST without a body gets a problem that says so (the framework's says "data")."""
    if request.method != "POST":
        return
    length = request.headers.get("content-length")
    if length == "0" or (length is None and "transfer-encoding" not in request.headers):
        raise BadInput("The request body is empty; see /docs for what this route takes.")


def _check_query_fields(request: Request[Any, Any, Any]) -> None:
    """A query field is checked like the body's field of the same name, even when the body
    gives that field too (and wins)."""
    repeated = sorted(k for k in QUERY_FIELDS if len(request.query_params.getall(k, [])) > 1)
    if repeated:
        raise InvalidRequest(f"Query parameter(s) given more than once: {', '.join(repeated)}.")
    given = {k: request.query_params[k] for k in QUERY_FIELDS if k in request.query_params}
    try:
        SummaryRequest.model_validate({"text": "-", **given})
    except ValidationError as exc:
        raise InvalidRequest("Query parameter " + validation_detail(exc, root="query")) from None
    services: Services = request.app.state.services
    if "backend" in given:
        services.settings.backend_name(given["backend"])
    if "prompt" in given:
        services.prompts.get(given["prompt"])


def _decode(body: bytes, charset: str) -> str:
    try:
        return body.decode(charset)
    except LookupError:
        raise UnsupportedMediaType(f"Unknown charset {charset!r}; send UTF-8.") from None
    except UnicodeDecodeError as exc:
        raise BadInput(
            f"The body is not valid {charset} (byte {exc.start}); send UTF-8 encoded text."
        ) from None


def _parse_json(text: str) -> Any:
    if not text.strip():
        raise BadInput("The request body is empty; send a JSON object (see /docs).")
    try:
        value = json.loads(text)
    except RecursionError:
        raise BadInput(f"The JSON is nested deeper than {MAX_JSON_DEPTH} levels.") from None
    except json.JSONDecodeError as exc:
        raise BadInput(
            f"The body is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})."
        ) from None
    except ValueError:  # Python refuses to convert integers of more than 4300 digits
        raise BadInput("The JSON holds a number with more digits than we accept.") from None
    if _depth(value) > MAX_JSON_DEPTH:
        raise BadInput(f"The JSON is nested deeper than {MAX_JSON_DEPTH} levels.")
    return value


def _depth(value: Any) -> int:
    """Nesting depth of a parsed JSON value, without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            if depth <= MAX_JSON_DEPTH:
                children = item.values() if isinstance(item, dict) else item
                stack.extend((child, depth + 1) for child in children)
    return deepest


def _with_query_fields(value: Any, query: Mapping[str, str]) -> Any:
    """Query fields (checked before: `check_request`) fill in what the body does not give, or
    gives as null; the body wins."""
    given = {k: query[k] for k in QUERY_FIELDS if k in query}
    if not given or not isinstance(value, dict):
        return value
    return {**given, **{k: v for k, v in value.items() if v is not None or k not in given}}


async def _drain(request: Request[Any, Any, Any], limit: int = 64 << 20) -> None:
    """Read (and drop) what is left of an oversized body, up to `limit` bytes, so the client
    gets to read our 413 instead of a connection reset on unread data."""
    seen = 0
    with contextlib.suppress(Exception):
        while seen < limit:
            event = await asyncio.wait_for(request.receive(), timeout=5)
            if event["type"] != "http.request":
                return
            seen += len(event.get("body", b""))
            if not event.get("more_body", False):
                return


def provide_services(state: State) -> Services:
    services: Services = state.services
    return services


class Health(BaseModel):
    status: str
    version: str
    default_backend: str


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
        before_request=check_request,
    )
    async def create(
        self, data: JSONBody[SummaryRequest], services: NamedDependency[Services]
    ) -> Summary:
        return await summarize(services, data)

    @post(
        "/summaries/stream",
        status_code=200,
        summary="Summarize one article, streaming each claim as soon as it is grounded",
        description=STREAM_DESCRIPTION,
        media_type="text/event-stream",
        responses=problem_responses(400, 413, 415, 422, 503),
        before_request=check_request,
    )
    async def create_stream(
        self, data: JSONBody[SummaryRequest], services: NamedDependency[Services]
    ) -> ServerSentEvent:
        # Request problems (size, prompt, backend) are answered as such, before the stream.
        prepared = await prepare(services, data)

        async def events() -> AsyncIterator[ServerSentEventMessage]:
            async for event in summarize_stream(services, prepared):
                yield ServerSentEventMessage(event=event.name, data=json.dumps(event.data))

        return ServerSentEvent(events())

    @post(
        "/summaries/batch",
        status_code=200,
        summary="Summarize many articles; errors per item",
        responses=problem_responses(400, 413, 415, 422),
        before_request=check_request,
    )
    async def create_batch(
        self, data: JSONBody[BatchRequest], services: NamedDependency[Services]
    ) -> Response[BatchResults]:
        limit = asyncio.Semaphore(services.settings.concurrency)
        waits: list[int] = []  # Retry-After seconds of items an upstream rate limit refused

        async def one(item: dict[str, Any]) -> dict[str, Any]:
            async with limit:
                try:
                    request = SummaryRequest.model_validate(item)
                    return (await summarize(services, request)).model_dump(mode="json")
                except ValidationError as exc:
                    return problem_for(InvalidRequest(validation_detail(exc, root="body")))
                except Exception as exc:  # one bad item never fails the batch
                    if isinstance(exc, ReportedlyError) and "Retry-After" in exc.headers:
                        waits.append(_seconds(exc.headers["Retry-After"]))
                    return problem_for(exc, where="batch item")

        results = await asyncio.gather(*(one(item) for item in data.items))
        headers = {"Retry-After": str(max(waits))} if waits else {}
        return Response(BatchResults(results=results), headers=headers)

    @get("/prompts", summary="Prompt versions with their hashes", responses=problem_responses())
    async def prompts(self, services: NamedDependency[Services]) -> list[PromptInfo]:
        return services.prompts.entries()


def _seconds(retry_after: str) -> int:
    """A Retry-After value in seconds (an HTTP date counts as the default wait)."""
    return int(retry_after) if retry_after.isdigit() else int(DEFAULT_RETRY_AFTER)


@route(
    "/healthz",
    http_method=[HttpMethod.GET, HttpMethod.HEAD],
    summary="Liveness, version and default backend",
    responses=problem_responses(),
)
async def healthz(state: State) -> Health:
    """HEAD answers the same headers without a body (the server drops it)."""
    services: Services = state.services
    return Health(
        status="ok",
        version=reportedly.__version__,
        default_backend=services.settings.resolved_default_backend,
    )
