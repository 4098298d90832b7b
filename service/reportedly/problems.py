"""RFC 9457 problem details: every error response, ours or the framework's, has this shape."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.types import ExceptionHandlersMap
from pydantic import BaseModel, Field

from reportedly.errors import ReportedlyError

PROBLEM_MEDIA_TYPE = "application/problem+json"
log = logging.getLogger(__name__)

# What each status means on this API, for the OpenAPI document.
_WHEN: dict[int, str] = {
    400: "Malformed JSON, or a body that is not valid text in its declared charset.",
    404: "No such resource.",
    405: "Method not allowed on this route.",
    409: "The request conflicts with the current state (e.g. a version that exists).",
    413: "The article or the request body is over the size limit.",
    415: "A content type or charset this route does not accept.",
    422: "The request is well-formed but unusable: see `detail`.",
    500: "An unexpected error on our side; it is logged under `request_id`.",
    502: "The model's output was invalid, cut off or refused.",
    503: "The LLM endpoint or the backend is unavailable (may carry Retry-After).",
    504: "The LLM endpoint timed out.",
}


class Problem(BaseModel):
    """An RFC 9457 problem details object: every error response has this shape."""

    type: str = Field(description="A URI reference naming the kind of problem.")
    title: str
    status: int
    detail: str = Field(description="What went wrong, for a person to act on.")
    request_id: str | None = Field(
        default=None, description="On 500s: the id under which the error was logged."
    )


def problem_responses(
    *statuses: int,
    why: Mapping[int, str] | None = None,
    models: Mapping[int, type[Problem]] | None = None,
) -> dict[int, ResponseSpec]:
    """OpenAPI entries for the problem statuses a route can answer (500 is always added).
    `why` words a status for this route; `models` names a richer problem body for one."""
    return {
        status: ResponseSpec(
            (models or {}).get(status, Problem),
            media_type=PROBLEM_MEDIA_TYPE,
            description=(why or {}).get(status) or _WHEN[status],
            generate_examples=False,
        )
        for status in sorted({*statuses, 500})
    }


def problem(status: int, title: str, detail: str, slug: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": f"/problems/{slug}",
        "title": title,
        "status": status,
        "detail": detail,
        **extra,
    }


def problem_for(exc: Exception, where: str = "") -> dict[str, Any]:
    """The problem body for any exception; also used per item in batch responses.

    An exception we did not map is our bug: it is logged with its traceback under a fresh
    request id, which the 500 answer carries, so an operator can find the log line."""
    if isinstance(exc, ReportedlyError):
        return problem(exc.status, exc.title, exc.detail, exc.type_slug)
    if isinstance(exc, ValidationException):
        return problem(422, "Invalid request", _validation_detail(exc), "invalid-request")
    if isinstance(exc, HTTPException):
        phrase = HTTPStatus(exc.status_code).phrase
        slug = phrase.lower().replace(" ", "-")
        detail = exc.detail if exc.detail and exc.detail != phrase else phrase
        return problem(exc.status_code, phrase, detail, slug)
    request_id = uuid.uuid4().hex[:16]
    log.error("unexpected error, request_id=%s %s", request_id, where, exc_info=exc)
    return problem(
        500,
        "Internal error",
        f"An unexpected error occurred; it has been logged with request_id {request_id}.",
        "internal",
        request_id=request_id,
    )


def _validation_detail(exc: ValidationException) -> str:
    messages: list[str] = []
    if isinstance(exc.extra, list):
        for item in exc.extra:
            if isinstance(item, dict):
                key = item.get("key")
                message = item.get("message", "")
                messages.append(f"{key}: {message}" if key else str(message))
    return "; ".join(messages) or str(exc.detail)


def _handler(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    body = problem_for(exc, where=f"{request.method} {request.url.path}")
    headers = dict(getattr(exc, "headers", None) or {})
    if "request_id" in body:
        headers["X-Request-Id"] = body["request_id"]
    return Response(
        content=body, status_code=body["status"], media_type=PROBLEM_MEDIA_TYPE, headers=headers
    )


exception_handlers: ExceptionHandlersMap = {Exception: _handler}
