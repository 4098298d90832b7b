"""What the SDK, instructor and the endpoint can fail with, as our typed errors.

Only failures we know are mapped: the endpoint's (unreachable, HTTP errors, timeouts, a reply
that is not a chat completion) and the model's (invalid or cut-off output, a refusal).
Anything else is a bug on our side and is left to propagate, so it is logged as one and
answered 500, never blamed on the endpoint.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, cast

import openai
from instructor.v2.core.errors import (
    IncompleteOutputException,
    InstructorRetryException,
    ResponseParsingError,
)
from pydantic import ValidationError

from reportedly.errors import (
    DEFAULT_RETRY_AFTER,
    ModelOutputInvalid,
    ModelRefused,
    OutputCutOff,
    ReportedlyError,
    UpstreamTimeout,
    UpstreamUnavailable,
    validation_detail,
)
from reportedly.schema import Usage

# What a model's reply can fail with (as opposed to the endpoint's response failing to parse).
_MODEL_ERRORS = (ValidationError, json.JSONDecodeError, ResponseParsingError)


class Attempts:
    """What one call has received so far, reply by reply (fed by instructor's hooks).

    Every reply is checked here, before instructor reads it: a reply without choices, or
    one the endpoint filtered, is recorded as such, so it is reported in those terms rather
    than as whatever instructor trips over next."""

    def __init__(self) -> None:
        self.sent = 0
        self.received = 0
        self.usage = Usage()
        self.model: str | None = None
        self.malformed: str | None = None  # why the last reply is not a chat completion
        self.refusal: str | None = None  # the last reply was refused or content-filtered

    def on_request(self, *args: Any, **kwargs: Any) -> None:
        self.sent += 1

    def on_reply(self, response: Any) -> None:
        self.received += 1
        model = getattr(response, "model", None)
        if isinstance(model, str) and model:
            self.model = model
        if (usage := _usage(response)) is not None:
            self.usage = self.usage + usage
        self.malformed, self.refusal = _inspect(response)


def _usage(response: Any) -> Usage | None:
    usage = getattr(response, "usage", None)
    if usage is None:
        return None
    return Usage(
        prompt_tokens=getattr(usage, "prompt_tokens", 0) or 0,
        completion_tokens=getattr(usage, "completion_tokens", 0) or 0,
        total_tokens=getattr(usage, "total_tokens", 0) or 0,
    )


def _inspect(response: Any) -> tuple[str | None, str | None]:
    """(why the reply is not a chat completion, the model's refusal), each None if not so."""
    choices = getattr(response, "choices", None)
    if not isinstance(choices, list) or not choices:
        return "the reply has no choices", None
    message = getattr(choices[0], "message", None)
    if message is None:
        return "the reply's first choice has no message", None
    refusal = getattr(message, "refusal", None)
    if isinstance(refusal, str) and refusal.strip():
        return None, _describe(refusal)
    if getattr(choices[0], "finish_reason", None) == "content_filter":
        return (
            None,
            "the endpoint's content filter stopped the reply (finish_reason=content_filter)",
        )
    return None, None


CUT_OFF = (
    "The model's output was cut off (finish_reason=length) before it was complete; "
    "the article may be too long for the model's context or token limit."
)


class StreamWatch:
    """What one streamed reply has shown so far, chunk by chunk: instructor's stream parser
    reads only the JSON deltas, so usage (sent in a last chunk when asked for), the finish
    reason and a refusal are read here."""

    def __init__(self) -> None:
        self.chunks = 0
        self.usage = Usage()
        self.model: str | None = None
        self.finish_reason: str | None = None
        self.refusal = ""

    def see(self, chunk: Any) -> None:
        self.chunks += 1
        model = getattr(chunk, "model", None)
        if isinstance(model, str) and model:
            self.model = model
        if (usage := _usage(chunk)) is not None:
            self.usage = usage  # a stream reports its usage once, in total
        for choice in getattr(chunk, "choices", None) or ():
            reason = getattr(choice, "finish_reason", None)
            if isinstance(reason, str) and reason:
                self.finish_reason = reason
            refusal = getattr(getattr(choice, "delta", None), "refusal", None)
            if isinstance(refusal, str):
                self.refusal += refusal

    def finished(self, endpoint: Endpoint) -> None:
        """Raise what the end of the stream says went wrong, if anything."""
        if self.chunks == 0:
            raise ModelOutputInvalid(
                f"The LLM endpoint {endpoint.where} ended the stream without sending anything."
            )
        if self.refusal.strip():
            raise ModelRefused(f"The model refused to answer: {_describe(self.refusal)}")
        if self.finish_reason == "content_filter":
            raise ModelRefused(
                "The model refused to answer: the endpoint's content filter stopped the reply "
                "(finish_reason=content_filter)"
            )
        if self.finish_reason == "length":
            raise OutputCutOff(CUT_OFF)


@dataclass(frozen=True)
class Endpoint:
    """How to name the endpoint in an error a person will read."""

    where: str  # base URL without credentials or query
    timeout: float


def translate(exc: BaseException, seen: Attempts, endpoint: Endpoint) -> ReportedlyError | None:
    """Our error for a known failure of one call; None when it is not one we know."""
    cause = _root_cause(exc)
    if isinstance(cause, openai.OpenAIError):
        return _endpoint_error(cause, endpoint)
    if seen.refusal is not None:
        return ModelRefused(f"The model refused to answer: {seen.refusal}")
    if isinstance(cause, IncompleteOutputException):
        return OutputCutOff(CUT_OFF)
    if seen.sent > seen.received and isinstance(cause, json.JSONDecodeError):
        # The SDK could not even read the last reply: the endpoint's body, not the model's.
        seen.malformed = f"the body is not JSON ({cause.msg} at position {cause.pos})"
    if seen.malformed is not None:
        return ModelOutputInvalid(
            f"The LLM endpoint {endpoint.where} answered with something that is not a usable "
            f"chat completion: {seen.malformed}."
        )
    if isinstance(cause, _MODEL_ERRORS):
        attempts = exc.n_attempts if isinstance(exc, InstructorRetryException) else None
        tries = f" after {attempts} attempt{'s' if attempts != 1 else ''}" if attempts else ""
        return ModelOutputInvalid(f"The model's output was invalid{tries}: {_why_invalid(cause)}")
    return None


def _endpoint_error(cause: openai.OpenAIError, endpoint: Endpoint) -> ReportedlyError:
    where = endpoint.where
    if isinstance(cause, openai.APITimeoutError):
        return UpstreamTimeout(
            f"The LLM endpoint {where} did not answer within {endpoint.timeout:g} s."
        )
    if isinstance(cause, openai.APIConnectionError):
        reason = _describe(cause.__cause__) if cause.__cause__ else str(cause)
        return UpstreamUnavailable(f"Could not reach the LLM endpoint {where}: {reason}")
    if isinstance(cause, openai.APIStatusError):
        status = cause.status_code
        message = _status_message(cause)
        if status == 429:
            retry_after = cause.response.headers.get("retry-after") or DEFAULT_RETRY_AFTER
            return UpstreamUnavailable(
                f"The LLM endpoint {where} is rate-limiting requests (HTTP 429): {message}",
                headers={"Retry-After": retry_after},
            )
        return UpstreamUnavailable(f"The LLM endpoint {where} answered HTTP {status}: {message}")
    # The SDK could not read the reply at all (a body that is not a JSON chat completion).
    return ModelOutputInvalid(
        f"The LLM endpoint {where} answered with something that is not a usable chat "
        f"completion: {_describe(cause)}"
    )


def _root_cause(exc: BaseException) -> BaseException:
    """The exception that actually failed the last attempt (instructor wraps it)."""
    if isinstance(exc, InstructorRetryException):
        if exc.__cause__ is not None:
            return _root_cause(exc.__cause__)
        if exc.failed_attempts:
            return cast(BaseException, exc.failed_attempts[-1].exception)
    return exc


def _why_invalid(exc: BaseException, limit: int = 5) -> str:
    """Short, human-readable: field paths and messages, not pydantic's full dump."""
    if isinstance(exc, ValidationError):
        return validation_detail(exc, root="(root)", limit=limit)
    if isinstance(exc, json.JSONDecodeError):
        return f"reply is not valid JSON ({exc.msg} at position {exc.pos})"
    if isinstance(exc, ResponseParsingError):
        return f"no structured reply: {_describe(exc)}"
    return _describe(exc)


def _describe(exc: BaseException | str, limit: int = 300) -> str:
    text = (str(exc).strip() or type(exc).__name__) if not isinstance(exc, str) else exc.strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _status_message(err: openai.APIStatusError) -> str:
    body = err.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and isinstance(inner.get("message"), str):
            return _describe(inner["message"])
        return _describe(json.dumps(body))
    if isinstance(body, str) and body.strip():
        return _describe(body)
    return err.response.reason_phrase or "no message"
