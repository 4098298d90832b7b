"""The one module that talks to an OpenAI-compatible endpoint (openai SDK + instructor).

Everything the SDK or instructor can raise is turned into our typed errors here, so callers
deal with `ModelOutputInvalid` / `UpstreamUnavailable` / `UpstreamTimeout` only. The SDK's own
retries are off (`max_retries=0`): the only retries are instructor's re-asks on invalid output,
and every attempt's tokens are counted, because they are all paid for.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar, cast

import httpx
import instructor
import openai
from instructor.v2.core import patch as _instructor_patch
from instructor.v2.core.errors import (
    IncompleteOutputException,
    InstructorRetryException,
    ResponseParsingError,
)
from instructor.v2.core.hooks import Hooks
from instructor.v2.validation import async_validators as _async_validators
from pydantic import BaseModel, ValidationError

from reportedly.errors import (
    BackendUnavailable,
    ModelOutputInvalid,
    ReportedlyError,
    UpstreamTimeout,
    UpstreamUnavailable,
    validation_detail,
)
from reportedly.schema import Usage

LLMMode = Literal["tools", "json_schema", "json"]
LLM_MODES: tuple[LLMMode, ...] = ("tools", "json_schema", "json")
_INSTRUCTOR_MODES: dict[LLMMode, Any] = {
    "tools": instructor.Mode.TOOLS,
    "json_schema": instructor.Mode.JSON_SCHEMA,
    "json": instructor.Mode.JSON,
}
DEFAULT_RETRY_AFTER = "30"
# Local servers (llama.cpp, Ollama, vLLM) ignore the key, but the SDK insists on one.
_NO_KEY = "not-needed"

T = TypeVar("T", bound=BaseModel)
# What a model's reply can fail with (as opposed to the endpoint's response failing to parse).
_MODEL_ERRORS = (ValidationError, json.JSONDecodeError, ResponseParsingError)


@dataclass(frozen=True)
class Completion(Generic[T]):
    value: T
    usage: Usage  # summed over every attempt, including the ones that failed validation
    attempts: int
    model: str  # as reported by the endpoint (may differ from the one asked for)


class LLMClient:
    """A structured-output client for one endpoint. Safe to share between concurrent requests."""

    def __init__(
        self,
        *,
        base_url: str | None,
        api_key: str | None,
        model: str,
        mode: LLMMode = "tools",
        timeout: float = 60.0,
        retries: int = 2,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        if mode not in _INSTRUCTOR_MODES:
            raise ValueError(f"unknown LLM mode {mode!r}; choose one of {', '.join(LLM_MODES)}")
        if timeout <= 0 or retries < 0:
            raise ValueError("timeout must be > 0 and retries >= 0")
        if base_url is not None:
            _check_base_url(base_url)
        self.base_url = base_url
        self.model = model
        self.mode: LLMMode = mode
        self.timeout = timeout
        self.retries = retries
        self._owns_http = http_client is None
        self._openai = openai.AsyncOpenAI(
            base_url=base_url,
            api_key=api_key or _NO_KEY,
            timeout=timeout,
            max_retries=0,
            # openai 3 accepts the legacy httpx client as well as httpx2 at run time.
            http_client=cast(Any, http_client),
        )
        self._instructor = instructor.from_openai(self._openai, mode=_INSTRUCTOR_MODES[mode])

    @property
    def endpoint(self) -> str:
        """The base URL for error details, without credentials or query that it may carry."""
        url = httpx.URL(str(self._openai.base_url))
        return str(url.copy_with(username=None, password=None, query=None)).rstrip("/")

    @property
    def deadline(self) -> float:
        """Wall-clock bound for one `complete` call, re-asks included."""
        return self.timeout * (self.retries + 1)

    async def complete(
        self,
        messages: Sequence[dict[str, str]],
        response_model: type[T],
        *,
        temperature: float,
        model: str | None = None,
        max_tokens: int | None = None,
    ) -> Completion[T]:
        """Ask for `response_model`; re-ask up to `retries` times while the reply is invalid."""
        # Per-call hooks, so concurrent calls never see each other's responses. Usage is read
        # in the hook, before instructor overwrites each response's usage with a running total.
        seen = _Seen()
        hooks = Hooks()
        hooks.on("completion:kwargs", seen.call)
        hooks.on("completion:response", seen.record)
        extra: dict[str, Any] = {}
        if max_tokens is not None:
            extra["max_tokens"] = max_tokens
        try:
            async with asyncio.timeout(self.deadline):
                value = await self._instructor.create(
                    response_model=_instructor_model(response_model),
                    messages=cast(Any, [dict(m) for m in messages]),
                    model=model or self.model,
                    temperature=temperature,
                    max_retries=self.retries,
                    # Lax validation: an ISO datetime for a date is still a date; local models
                    # need the slack and nothing in the schema depends on strictness.
                    strict=False,
                    hooks=hooks,
                    **extra,
                )
        except ReportedlyError:
            raise
        except TimeoutError as exc:
            raise UpstreamTimeout(
                f"The LLM endpoint {self.endpoint} did not finish within {self.deadline:g} s "
                f"({seen.attempts} replies received, {self.retries} re-asks allowed)."
            ) from exc
        except Exception as exc:  # nothing from the SDK may escape this module
            raise self._translate(exc, seen) from exc
        if not isinstance(value, response_model):  # instructor may hand back other shapes
            raise ModelOutputInvalid(
                f"Expected a {response_model.__name__}, got {type(value).__name__}."
            )
        # Hand back the caller's own class, not instructor's wrapper subclass (already valid).
        plain = response_model.model_construct(
            _fields_set=value.model_fields_set,
            **{name: getattr(value, name) for name in type(value).model_fields},
        )
        return Completion(
            value=plain,
            usage=seen.usage,
            attempts=max(seen.attempts, 1),
            model=seen.model or model or self.model,
        )

    async def aclose(self) -> None:
        if self._owns_http:
            await self._openai.close()

    # --- failures ------------------------------------------------------------------------

    def _translate(self, exc: BaseException, seen: _Seen) -> ReportedlyError:
        attempts = exc.n_attempts if isinstance(exc, InstructorRetryException) else None
        cause = _root_cause(exc)
        where = self.endpoint
        if isinstance(cause, openai.APITimeoutError):
            return UpstreamTimeout(
                f"The LLM endpoint {where} did not answer within {self.timeout:g} s."
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
            return UpstreamUnavailable(
                f"The LLM endpoint {where} answered HTTP {status}: {message}"
            )
        if isinstance(cause, openai.OpenAIError):
            return UpstreamUnavailable(
                f"The LLM endpoint {where} gave an unusable response: {_describe(cause)}"
            )
        if isinstance(cause, IncompleteOutputException):
            return ModelOutputInvalid(
                "The model's output was cut off (finish_reason=length) before it was complete; "
                "the article may be too long for the model's context or token limit."
            )
        if seen.calls > seen.attempts or not isinstance(cause, _MODEL_ERRORS):
            # The last call produced no chat completion at all (a body that is not JSON, no
            # choices, ...): the endpoint is not speaking the protocol, whatever the model said.
            return ModelOutputInvalid(
                f"The LLM endpoint {where} answered with something that is not a usable chat "
                f"completion: {_describe(cause)}"
            )
        tries = f" after {attempts} attempt{'s' if attempts != 1 else ''}" if attempts else ""
        return ModelOutputInvalid(f"The model's output was invalid{tries}: {_why_invalid(cause)}")


def _check_base_url(base_url: str) -> None:
    """A mistyped endpoint is a configuration problem, reported as such (not a crash later)."""
    problem = None
    try:
        url = httpx.URL(base_url)
    except Exception as exc:  # httpx raises several types for malformed URLs
        problem = str(exc)
    else:
        if url.scheme not in ("http", "https") or not url.host:
            problem = "expected http(s)://host[:port]/v1"
    if problem:
        raise BackendUnavailable(f"The LLM base URL {base_url!r} is not usable: {problem}.")


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


def _describe(exc: BaseException, limit: int = 300) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _status_message(err: openai.APIStatusError) -> str:
    body = err.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and isinstance(inner.get("message"), str):
            return _describe(Exception(inner["message"]))
        return _describe(Exception(json.dumps(body)))
    if isinstance(body, str) and body.strip():
        return _describe(Exception(body))
    return err.response.reason_phrase or "no message"


@functools.cache
def _instructor_model(model: type[T]) -> type[T]:
    """Instructor's wrapper class for `model`, built once.

    Given a plain model, instructor builds a new wrapper class on every call, which defeats its
    own schema cache: about 15 ms of CPU per request (pydantic class creation + JSON schema).
    """
    return cast(type[T], instructor.response_schema(model))


def _memoised_reject_async_validators() -> None:
    """Answer instructor's async-validator check once per response model, not per call.

    instructor walks the model's whole type tree seven times per call to refuse async
    validators: a third of its CPU per request, and the answer for a class never changes.
    Failures are not cached, so a bad model is still refused every time.
    """
    original = _async_validators.reject_async_validators
    checked: weakref.WeakSet[Any] = weakref.WeakSet()  # never keeps a class alive

    def reject_async_validators(response_model: Any) -> None:
        if response_model in checked:
            return
        original(response_model)
        # None or `list[X]` cannot be weakly referenced: those are checked every time.
        with contextlib.suppress(TypeError):
            checked.add(response_model)

    # Call sites import the function at call time, except patch.py, which binds it at import.
    _async_validators.reject_async_validators = reject_async_validators
    _instructor_patch.reject_async_validators = reject_async_validators  # type: ignore[attr-defined]


_memoised_reject_async_validators()


class _Seen:
    """What one `complete` call has received so far, attempt by attempt."""

    def __init__(self) -> None:
        self.calls = 0
        self.attempts = 0
        self.usage = Usage()
        self.model: str | None = None

    def call(self, *args: Any, **kwargs: Any) -> None:
        self.calls += 1

    def record(self, response: Any) -> None:
        self.attempts += 1
        model = getattr(response, "model", None)
        if isinstance(model, str) and model:
            self.model = model
        usage = getattr(response, "usage", None)
        if usage is not None:
            self.usage = self.usage + Usage(
                prompt_tokens=getattr(usage, "prompt_tokens", 0) or 0,
                completion_tokens=getattr(usage, "completion_tokens", 0) or 0,
                total_tokens=getattr(usage, "total_tokens", 0) or 0,
            )
