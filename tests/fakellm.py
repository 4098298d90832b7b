"""A small OpenAI-compatible server for tests and benchmarks.

It is a real socket server on a free localhost port, so the openai SDK, instructor's re-asks,
timeouts and connection handling all run for real. Replies are scripted: each request to
`POST /v1/chat/completions` takes the next queued reply (or the `always` reply when the queue
is empty); with neither, it answers 500 so a test that forgot to queue fails loudly.

Usage::

    def test_x(fake_llm: FakeLLM) -> None:
        fake_llm.reply_tool({"summary": "...", "claims": []}, usage=(120, 30))
        fake_llm.reply_error(429, headers={"Retry-After": "7"})
        fake_llm.reply_tool(args, delay=2.0)     # answer after 2 s
        client = LLMClient(base_url=fake_llm.base_url, ...)
        ...
        assert fake_llm.requests[0]["model"] == "test-model"

Outside pytest (e.g. a benchmark)::

    with FakeLLM() as fake:
        fake.always(Reply.tool(args, delay=0.2))

A reply can be computed from the request (`Reply.computed(fn)`, e.g. one answer per chunk of
an article), can take time per output token (`per_token`, as a real model does), and is
streamed as server-sent events when the request asks for `stream: true` (tool-call argument
deltas of about one token each, then the finish reason and, if asked, usage). A client that
closes the connection mid-reply is counted in `aborted`.
"""

from __future__ import annotations

import collections
import itertools
import json
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

import pytest

Kind = Literal["tool", "content", "error", "disconnect", "computed"]
JSON = dict[str, Any]


@dataclass(frozen=True)
class Reply:
    """One scripted answer. Build with the classmethods rather than by hand."""

    kind: Kind
    payload: str = ""  # tool-call arguments JSON, message content, or error body
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    usage: tuple[int, int] | None = (10, 5)  # (prompt_tokens, completion_tokens); None: omit
    delay: float = 0.0
    trickle: float = 0.0  # seconds between the body's chunks (beats per-read timeouts)
    finish_reason: str | None = None
    tool_name: str | None = None  # default: the name the request forced via tool_choice
    model: str | None = None  # default: echo the request's model
    per_token: float = 0.0  # seconds per output token (streamed: between deltas)
    compute: Callable[[JSON], Reply] | None = None  # kind "computed": the reply for a request

    @classmethod
    def tool(
        cls,
        arguments: Mapping[str, Any] | str,
        *,
        usage: tuple[int, int] | None = (10, 5),
        delay: float = 0.0,
        trickle: float = 0.0,
        finish_reason: str = "tool_calls",
        tool_name: str | None = None,
        model: str | None = None,
        per_token: float = 0.0,
    ) -> Reply:
        """A tool call (instructor's TOOLS mode). A str is sent as-is, so it can be broken JSON."""
        payload = arguments if isinstance(arguments, str) else json.dumps(arguments)
        return cls(
            "tool",
            payload,
            usage=usage,
            delay=delay,
            trickle=trickle,
            finish_reason=finish_reason,
            tool_name=tool_name,
            model=model,
            per_token=per_token,
        )

    @classmethod
    def computed(cls, compute: Callable[[JSON], Reply]) -> Reply:
        """Whatever `compute(request_body)` returns, decided when the request arrives."""
        return cls("computed", compute=compute)

    @classmethod
    def content(
        cls,
        content: Mapping[str, Any] | str,
        *,
        usage: tuple[int, int] | None = (10, 5),
        delay: float = 0.0,
        finish_reason: str = "stop",
        model: str | None = None,
    ) -> Reply:
        """A plain assistant message (instructor's JSON / JSON_SCHEMA modes)."""
        payload = content if isinstance(content, str) else json.dumps(content)
        return cls(
            "content", payload, usage=usage, delay=delay, finish_reason=finish_reason, model=model
        )

    @classmethod
    def error(
        cls,
        status: int,
        *,
        headers: Mapping[str, str] | None = None,
        message: str | None = None,
        body: str | None = None,
        delay: float = 0.0,
    ) -> Reply:
        """An HTTP error. Default body is OpenAI's `{"error": {"message": ...}}` shape."""
        if body is None:
            text = message or f"fakellm scripted error {status}"
            body = json.dumps({"error": {"message": text, "type": "fake_error", "code": status}})
        return cls("error", body, status=status, headers=dict(headers or {}), delay=delay)

    @classmethod
    def disconnect(cls, *, delay: float = 0.0) -> Reply:
        """Close the connection without answering."""
        return cls("disconnect", delay=delay)


@dataclass(frozen=True)
class Received:
    """One request as the server saw it."""

    method: str
    path: str
    headers: dict[str, str]  # names lower-cased
    body: JSON


class FakeLLM:
    """The server plus its script. Thread-safe: the server answers each request in a thread."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._lock = threading.Lock()
        self._replies: collections.deque[Reply] = collections.deque()
        self._always: Reply | None = None
        self._stopping = threading.Event()
        self._ids = itertools.count(1)
        self.received: list[Received] = []
        self.aborted = 0  # replies the client stopped reading (closed the connection) midway
        self.completed = 0  # replies sent in full
        self.served_model = "fake-model"  # what GET /v1/models lists
        self._server = _Server((host, port), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            # A short poll keeps shutdown (one per test) fast.
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name="fakellm",
            daemon=True,
        )
        port = self._server.server_address[1]
        self.base_url = f"http://{host}:{port}/v1"
        self._started = False

    # --- lifecycle ------------------------------------------------------------------------

    def start(self) -> FakeLLM:
        if not self._started:
            self._thread.start()
            self._started = True
        return self

    def close(self) -> None:
        self._stopping.set()  # wakes replies that are still sleeping out their delay
        if self._started:
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server_close()

    def __enter__(self) -> FakeLLM:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the script -----------------------------------------------------------------------

    def queue(self, *replies: Reply) -> FakeLLM:
        with self._lock:
            self._replies.extend(replies)
        return self

    def always(self, reply: Reply | None) -> FakeLLM:
        """Answer every request with `reply` once the queue is empty (None: back to 500)."""
        with self._lock:
            self._always = reply
        return self

    def reply_tool(self, arguments: Mapping[str, Any] | str, **kw: Any) -> FakeLLM:
        return self.queue(Reply.tool(arguments, **kw))

    def reply_content(self, content: Mapping[str, Any] | str, **kw: Any) -> FakeLLM:
        return self.queue(Reply.content(content, **kw))

    def reply_error(
        self, status: int, headers: Mapping[str, str] | None = None, **kw: Any
    ) -> FakeLLM:
        return self.queue(Reply.error(status, headers=headers, **kw))

    def reply_delay(self, seconds: float, arguments: Mapping[str, Any] | str = "{}") -> FakeLLM:
        """A tool reply that arrives after `seconds` (for timeout tests)."""
        return self.queue(Reply.tool(arguments, delay=seconds))

    def reply_disconnect(self, **kw: Any) -> FakeLLM:
        return self.queue(Reply.disconnect(**kw))

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._replies)

    @property
    def requests(self) -> list[JSON]:
        """JSON bodies of the chat-completion requests received, in order."""
        with self._lock:
            return [r.body for r in self.received if r.path.endswith("/chat/completions")]

    # --- answering --------------------------------------------------------------------------

    def _next_reply(self, body: JSON, received: Received) -> Reply | None:
        with self._lock:
            self.received.append(received)
            if self._replies:
                return self._replies.popleft()
            return self._always

    def _completion(self, reply: Reply, request: JSON) -> JSON:
        message: JSON = {"role": "assistant", "content": None}
        if reply.kind == "tool":
            message["tool_calls"] = [
                {
                    "id": f"call_{next(self._ids)}",
                    "type": "function",
                    "function": {
                        "name": reply.tool_name or _forced_tool_name(request),
                        "arguments": reply.payload,
                    },
                }
            ]
        else:
            message["content"] = reply.payload
        completion: JSON = {
            "id": f"chatcmpl-fake-{next(self._ids)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": reply.model or str(request.get("model") or self.served_model),
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "finish_reason": reply.finish_reason,
                    "logprobs": None,
                }
            ],
        }
        if reply.usage is not None:
            prompt, done = reply.usage
            completion["usage"] = {
                "prompt_tokens": prompt,
                "completion_tokens": done,
                "total_tokens": prompt + done,
            }
        return completion


class _Server(ThreadingHTTPServer):
    # The default listen backlog (5) drops connections under a burst of concurrent requests,
    # which the client then retries a second later: that is not what a real endpoint does.
    request_queue_size = 256


def _forced_tool_name(request: JSON) -> str:
    choice = request.get("tool_choice")
    if isinstance(choice, dict):
        name = choice.get("function", {}).get("name")
        if isinstance(name, str):
            return name
    tools = request.get("tools") or []
    if tools and isinstance(tools[0], dict):
        name = tools[0].get("function", {}).get("name")
        if isinstance(name, str):
            return name
    return "response"


def _handler_for(fake: FakeLLM) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as real endpoints do
        # Headers and body go out in two writes; with Nagle on, the second waits for the
        # client's delayed ACK (~40 ms) on every kept-alive request.
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet: pytest shows failures, not access logs

        def _send(
            self,
            status: int,
            body: str,
            headers: Mapping[str, str] | None = None,
            trickle: float = 0.0,
        ) -> None:
            data = body.encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                if not trickle:
                    self.wfile.write(data)
                    return
                step = max(1, len(data) // 10)
                for at in range(0, len(data), step):
                    self.wfile.write(data[at : at + step])
                    self.wfile.flush()
                    if fake._stopping.wait(trickle):
                        return
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (e.g. its timeout fired): nothing to answer

        def do_GET(self) -> None:
            if self.path.rstrip("/").endswith("/models"):
                model = {"id": fake.served_model, "object": "model", "owned_by": "fakellm"}
                self._send(200, json.dumps({"object": "list", "data": [model]}))
            else:
                self._send(404, _error_body(f"fakellm: no route GET {self.path}"))

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            if not self.path.rstrip("/").endswith("/chat/completions"):
                self._send(404, _error_body(f"fakellm: no route POST {self.path}"))
                return
            try:
                body = json.loads(raw or b"{}")
            except json.JSONDecodeError:
                self._send(400, _error_body("fakellm: request body is not JSON"))
                return
            headers = {k.lower(): v for k, v in self.headers.items()}
            received = Received("POST", self.path, headers, body)
            reply = fake._next_reply(body, received)
            while reply is not None and reply.compute is not None:
                reply = reply.compute(body)
            if reply is None:
                n = len(fake.requests)
                self._send(
                    500,
                    _error_body(f"fakellm: no reply queued for request #{n} (queue is empty)"),
                )
                return
            if reply.delay and fake._stopping.wait(reply.delay):
                return  # server shutting down
            if reply.kind == "disconnect":
                self.close_connection = True
                return
            if reply.kind == "error":
                self._send(reply.status, reply.payload, reply.headers)
                return
            if body.get("stream"):
                self._stream(reply, body)
                return
            if reply.per_token and fake._stopping.wait(reply.per_token * _tokens(reply)):
                return
            completion = json.dumps(fake._completion(reply, body))
            self._send(200, completion, reply.headers, reply.trickle)
            with fake._lock:
                fake.completed += 1

        def _stream(self, reply: Reply, request: JSON) -> None:
            """The reply as server-sent events, about one token per delta."""
            base = fake._completion(reply, request)
            base["object"] = "chat.completion.chunk"
            usage = base.pop("usage", None)
            choice = base.pop("choices")[0]
            pieces = _pieces(reply.payload)

            def event(delta: JSON, finish: str | None = None) -> bytes:
                chunk = {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
                return f"data: {json.dumps(chunk)}\n\n".encode()

            try:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")
                self.end_headers()
                self.close_connection = True
                if reply.kind == "tool":
                    call = choice["message"]["tool_calls"][0]
                    head = {"index": 0, "id": call["id"], "type": "function"}
                    head["function"] = {"name": call["function"]["name"], "arguments": ""}
                    self.wfile.write(event({"role": "assistant", "tool_calls": [head]}))
                for piece in pieces:
                    if reply.per_token and fake._stopping.wait(reply.per_token):
                        return
                    if reply.kind == "tool":
                        fn = {"arguments": piece}
                        delta: JSON = {"tool_calls": [{"index": 0, "function": fn}]}
                    else:
                        delta = {"content": piece}
                    self.wfile.write(event(delta))
                    self.wfile.flush()
                self.wfile.write(event({}, reply.finish_reason))
                if usage is not None and (request.get("stream_options") or {}).get("include_usage"):
                    self.wfile.write(
                        f"data: {json.dumps({**base, 'choices': [], 'usage': usage})}\n\n".encode()
                    )
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                with fake._lock:
                    fake.aborted += 1
                return
            with fake._lock:
                fake.completed += 1

    return Handler


def _pieces(payload: str) -> list[str]:
    """A reply cut into pieces of about one token each (4 characters)."""
    return [payload[i : i + 4] for i in range(0, len(payload), 4)] or [""]


def _tokens(reply: Reply) -> int:
    return reply.usage[1] if reply.usage is not None else len(_pieces(reply.payload))


def _error_body(message: str) -> str:
    return json.dumps({"error": {"message": message, "type": "fakellm", "code": None}})


@pytest.fixture
def fake_llm() -> Iterator[FakeLLM]:
    """A running fake endpoint; `fake_llm.base_url` ends in `/v1`."""
    with FakeLLM() as fake:
        yield fake
