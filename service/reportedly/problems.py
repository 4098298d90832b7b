"""RFC 9457 problem details: every error response, ours or the framework's, has this shape."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.types import ExceptionHandlersMap

from reportedly.errors import ReportedlyError

PROBLEM_MEDIA_TYPE = "application/problem+json"
log = logging.getLogger(__name__)


def problem(status: int, title: str, detail: str, slug: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": f"/problems/{slug}",
        "title": title,
        "status": status,
        "detail": detail,
        **extra,
    }


def problem_for(exc: Exception) -> dict[str, Any]:
    """The problem body for any exception; also used per item in batch responses."""
    if isinstance(exc, ReportedlyError):
        return problem(exc.status, exc.title, exc.detail, exc.type_slug)
    if isinstance(exc, ValidationException):
        return problem(422, "Invalid request", _validation_detail(exc), "invalid-request")
    if isinstance(exc, HTTPException):
        phrase = HTTPStatus(exc.status_code).phrase
        slug = phrase.lower().replace(" ", "-")
        detail = exc.detail if exc.detail and exc.detail != phrase else phrase
        return problem(exc.status_code, phrase, detail, slug)
    log.exception("unexpected error", exc_info=exc)
    return problem(
        500, "Internal error", "An unexpected error occurred; it has been logged.", "internal"
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
    body = problem_for(exc)
    headers = dict(getattr(exc, "headers", None) or {})
    return Response(
        content=body, status_code=body["status"], media_type=PROBLEM_MEDIA_TYPE, headers=headers
    )


exception_handlers: ExceptionHandlersMap = {Exception: _handler}
