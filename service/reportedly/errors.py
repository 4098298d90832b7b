"""Typed errors. Each maps to one RFC 9457 problem (see `service.problems`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import ValidationError


# Seconds a client is asked to wait when an upstream rate limit names no time of its own.
DEFAULT_RETRY_AFTER = "30"


class PromptFileInvalid(ValueError):
    """A prompt file (or the prompts directory) cannot be used; raised at load time."""


class ReportedlyError(Exception):
    status: int = 500
    title: str = "Internal error"
    type_slug: str = "internal"

    def __init__(self, detail: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = headers or {}


class BadInput(ReportedlyError):
    status, title, type_slug = 400, "Bad input", "bad-input"


class PayloadTooLarge(ReportedlyError):
    status, title, type_slug = 413, "Too large", "too-large"


class UnsupportedMediaType(ReportedlyError):
    status, title, type_slug = 415, "Unsupported media type", "unsupported-media-type"


class UnknownPrompt(ReportedlyError):
    status, title, type_slug = 422, "Unknown prompt", "unknown-prompt"


class UnknownBackend(ReportedlyError):
    status, title, type_slug = 422, "Unknown backend", "unknown-backend"


class BackendUnavailable(ReportedlyError):
    """The backend exists but cannot run here (not configured, extra not installed)."""

    status, title, type_slug = 503, "Backend unavailable", "backend-unavailable"


class ModelOutputInvalid(ReportedlyError):
    status, title, type_slug = 502, "Model output invalid", "model-output-invalid"


class OutputCutOff(ModelOutputInvalid):
    """The model hit its output token limit (finish_reason=length) before finishing."""


class ArticleIncomplete(ReportedlyError):
    """Part of a chunked article failed and the request asked for all or nothing."""

    status, title, type_slug = 502, "Article incomplete", "article-incomplete"


class ModelRefused(ReportedlyError):
    """The model (or the endpoint's content filter) declined to answer."""

    status, title, type_slug = 502, "Model refused", "model-refused"


class UpstreamUnavailable(ReportedlyError):
    status, title, type_slug = 503, "LLM endpoint unavailable", "upstream-unavailable"


class UpstreamTimeout(ReportedlyError):
    status, title, type_slug = 504, "LLM endpoint timed out", "upstream-timeout"


class InvalidRequest(ReportedlyError):
    """Well-formed but unusable: empty text, both or neither of text/html, wrong field types."""

    status, title, type_slug = 422, "Invalid request", "invalid-request"


def validation_detail(exc: ValidationError, *, root: str, limit: int = 10) -> str:
    """A pydantic error for people: `field.path: message; ...`, at most `limit` entries, never
    the offending input (it may be a whole article). `root` names an error on the whole
    object."""
    errors = exc.errors(include_url=False, include_input=False)
    parts = [
        f"{'.'.join(str(p) for p in err['loc']) or root}: {err['msg']}" for err in errors[:limit]
    ]
    if len(errors) > limit:
        parts.append(f"and {len(errors) - limit} more")
    return "; ".join(parts)
