"""`LocalBackend`: the `llm` backend's planner and ask, pointed at the `LocalServer`."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from reportedly.backends.base import Article, BackendRun, Plan
from reportedly.backends.llm import LLMPlanner, ask
from reportedly.backends.local.grammar import (
    LOCAL_MAX_TOKENS,
    BoundedReply,
    BoundedSentenceReply,
)
from reportedly.backends.local.server import MODEL_ALIAS, LocalServer
from reportedly.errors import UpstreamTimeout

if TYPE_CHECKING:
    import httpx

    from reportedly.llm.client import LLMClient
    from reportedly.prompts import PromptRegistry
    from reportedly.settings import Settings

log = logging.getLogger(__name__)


class LocalBackend:
    """`Backend` named "local". Plans need no server; the first `extract` (or `start`) starts it.

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
        self.server = server or LocalServer(settings)
        self.planner = LLMPlanner(
            backend=self.name,
            model=MODEL_ALIAS,
            mode="tools",
            retries=settings.retries,
            max_tokens=max_tokens,
            replies={"quotes": BoundedReply, "sentences": BoundedSentenceReply},
            chunk_tokens=settings.chunk_tokens,
            chunk_concurrency=1,  # llama.cpp answers one request at a time
        )
        self._turn = asyncio.Semaphore(1)
        self._client: LLMClient | None = None

    def plan(self, prompt: str | None, model: str | None = None) -> Plan:
        """One model only: another one asked for is ignored (the caller warns)."""
        return self.planner.plan(self._prompts, prompt, None)

    async def start(self) -> None:
        """Start (or connect to) the server now; the lifespan calls this for `serve --backend
        local`, otherwise the first `extract` does."""
        if self._client is not None:
            return
        url = await self.server.start()
        if self._client is None:  # concurrent callers all waited on the server's lock
            from reportedly.llm.client import LLMClient

            self._client = LLMClient(
                base_url=url,
                api_key=None,
                model=MODEL_ALIAS,
                mode=self.planner.mode,
                timeout=self._settings.local_timeout,
                retries=self._settings.retries,
                http_client=self._http,
            )

    async def extract(self, article: Article, plan: Plan) -> BackendRun:
        await self.start()
        assert self._client is not None
        async with self._turn:
            # An external server may serve the model under another name (see LocalServer).
            served = replace(plan, model=self.server.model)
            try:
                return await ask(self._client, served, article, concurrency=1)
            except (UpstreamTimeout, asyncio.CancelledError):
                # llama.cpp keeps generating for a client that gave up, and the next request
                # would queue behind it: restart our own server (about 2 s) instead.
                if self.server.spawned:
                    log.warning("local LLM request abandoned; restarting the server")
                    await asyncio.shield(self._restart())
                raise

    async def _restart(self) -> None:
        client, self._client = self._client, None
        # Nothing to save in a server busy with an abandoned reply (uvicorn would wait for it
        # on SIGTERM): kill after a short grace. The next request starts a new one.
        await asyncio.to_thread(self.server.stop, 0.5)
        if client is not None:
            await client.aclose()

    async def aclose(self) -> None:
        client, self._client = self._client, None
        try:
            if client is not None:
                await client.aclose()
        finally:
            await self.server.aclose()
