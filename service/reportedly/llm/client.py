"""`LLMClient`: structured output from one OpenAI-compatible endpoint.

The SDK's own retries are off (`max_retries=0`): the only retries are instructor's re-asks on
invalid output, and every attempt's tokens are counted, because they are all paid for.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import AsyncIterator, Sequence
from typing import Any, TypeVar, cast

import httpx
import instructor
import openai
from instructor.v2.core.hooks import Hooks
from pydantic import BaseModel

from reportedly.errors import (
    BackendUnavailable,
    ModelOutputInvalid,
    ModelRefused,
    ReportedlyError,
    UpstreamTimeout,
)
from reportedly.llm import LLM_MODES, LLMMode
from reportedly.llm.completion import Completion
from reportedly.llm.failures import Attempts, Endpoint, StreamWatch, translate

_INSTRUCTOR_MODES: dict[LLMMode, Any] = {
    "tools": instructor.Mode.TOOLS,
    "json_schema": instructor.Mode.JSON_SCHEMA,
    "json": instructor.Mode.JSON,
}
# Local servers (llama.cpp, Ollama, vLLM) ignore the key, but the SDK insists on one.
_NO_KEY = "not-needed"

T = TypeVar("T", bound=BaseModel)
# What the streamed call running in this task has seen (set by `LLMClient.stream`).
_WATCH: contextvars.ContextVar[StreamWatch] = contextvars.ContextVar("stream_watch")


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
        if mode not in LLM_MODES:
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
        # Streaming goes through instructor's own partial parsing, over a create function of
        # ours that watches the chunks go by: usage, finish_reason and refusals arrive in
        # chunks instructor's parser skips.
        self._streamer = instructor.AsyncInstructor(
            client=self._openai,
            create=instructor.patch(create=self._watched_stream, mode=_INSTRUCTOR_MODES[mode]),
            mode=_INSTRUCTOR_MODES[mode],
        )
        self._endpoint = Endpoint(where=self.endpoint, timeout=timeout)

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
        seen = Attempts()
        hooks = Hooks()
        hooks.on("completion:kwargs", seen.on_request)
        hooks.on("completion:response", seen.on_reply)
        extra: dict[str, Any] = {} if max_tokens is None else {"max_tokens": max_tokens}
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
                f"({seen.received} replies received, {self.retries} re-asks allowed)."
            ) from exc
        except Exception as exc:
            known = translate(exc, seen, self._endpoint)
            if known is None:
                raise  # our own bug: a 500 with its traceback, not the endpoint's fault
            raise known from exc
        if seen.refusal is not None:  # a filtered reply may parse, but it is not the answer
            raise ModelRefused(f"The model refused to answer: {seen.refusal}")
        return Completion(
            value=_plain(value, response_model),
            usage=seen.usage,
            attempts=max(seen.received, 1),
            model=seen.model or model or self.model,
        )

    async def stream(
        self,
        messages: Sequence[dict[str, str]],
        response_model: type[T],
        *,
        temperature: float,
        model: str | None = None,
        max_tokens: int | None = None,
    ) -> AsyncIterator[Any]:
        """Ask for `response_model`, streamed: yields instructor's partial objects (fields
        filled in as they arrive; a field is complete once a later one has started), then
        one `Completion` with the validated value.

        No re-asks: what was yielded cannot be taken back. A reply cut by the token limit
        raises `OutputCutOff` after yielding what it had. Closing the generator (or
        cancelling its consumer) closes the HTTP response, which stops the endpoint."""
        seen = Attempts()
        watch = StreamWatch()
        hooks = Hooks()
        hooks.on("completion:kwargs", seen.on_request)
        extra: dict[str, Any] = {} if max_tokens is None else {"max_tokens": max_tokens}
        token = _WATCH.set(watch)
        last: Any = None
        try:
            partials: AsyncIterator[Any] = await self._streamer.create(
                response_model=cast(Any, _partial_model(response_model)),
                messages=cast(Any, [dict(m) for m in messages]),
                model=model or self.model,
                temperature=temperature,
                max_retries=0,
                strict=False,
                hooks=hooks,
                stream=True,
                stream_options={"include_usage": True},
                **extra,
            )
            async for partial in partials:
                last = partial
                yield partial
            watch.finished(self._endpoint)
            # The last partial is the validated reply when the JSON was complete; anything
            # missing fails validation here, as it would without streaming.
            value = response_model.model_validate(
                last.model_dump(exclude_unset=True) if last is not None else {}
            )
        except ReportedlyError:
            raise
        except Exception as exc:
            seen.received = 1 if watch.chunks else 0
            known = translate(exc, seen, self._endpoint)
            if known is None:
                raise
            raise known from exc
        finally:
            _WATCH.reset(token)
        model = watch.model or model or self.model
        yield Completion(value=value, usage=watch.usage, attempts=1, model=model)

    async def _watched_stream(self, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        """The SDK's streamed completion, each chunk shown to this task's `StreamWatch`."""
        chunks = await self._openai.chat.completions.create(*args, **kwargs)
        return _watch(chunks, _WATCH.get())

    async def aclose(self) -> None:
        if self._owns_http:
            await self._openai.close()


async def _watch(chunks: Any, watch: StreamWatch) -> AsyncIterator[Any]:
    try:
        async for chunk in chunks:
            watch.see(chunk)
            yield chunk
    finally:
        # A consumer that stopped early must not leave the reply running: close the response
        # (shielded, so a second cancellation cannot leave the connection half-closed).
        await asyncio.shield(chunks.close())


@functools.lru_cache(maxsize=256)
def _partial_model(model: type[BaseModel]) -> type[BaseModel]:
    """Instructor's streaming (Partial) class for `model`, built once: it makes a new class
    on every call otherwise."""
    return cast(type[BaseModel], instructor.Partial[model])


def _plain(value: Any, response_model: type[T]) -> T:
    """The caller's own class, not instructor's wrapper subclass (the value is already valid)."""
    if not isinstance(value, response_model):  # instructor may hand back other shapes
        raise ModelOutputInvalid(
            f"Expected a {response_model.__name__}, got {type(value).__name__}."
        )
    return response_model.model_construct(
        _fields_set=value.model_fields_set,
        **{name: getattr(value, name) for name in type(value).model_fields},
    )


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


@functools.lru_cache(maxsize=512)  # bounded: replies for sentence ids are one class per range
def _instructor_model(model: type[T]) -> type[T]:
    """Instructor's wrapper class for `model`, built once.

    Given a plain model, instructor builds a new wrapper class on every call, which defeats its
    own schema cache: about 15 ms of CPU per request (pydantic class creation + JSON schema).
    """
    return cast(type[T], instructor.response_schema(model))
