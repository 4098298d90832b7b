"""`Services`: the long-lived resources one process shares between requests.

Built once per process (the app's lifespan, a CLI run, an eval run) by `open_services`.
Backends are made on first use and are cheap to make: models load and servers start in
`Backend.start()` or their first `extract`, so planning (and a cache hit) never pays for them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import httpx

from reportedly.backends.base import Backend
from reportedly.cache import ResponseCache
from reportedly.prompts import PromptRegistry
from reportedly.settings import BackendName, Settings


@dataclass
class Services:
    settings: Settings
    prompts: PromptRegistry
    http: httpx.AsyncClient
    cache: ResponseCache | None
    _backends: dict[str, Backend] = field(default_factory=dict)

    def backend(self, requested: str | None) -> Backend:
        name = self.settings.backend_name(requested)
        if name not in self._backends:
            self._backends[name] = _BACKEND_FACTORIES[name](self)
        return self._backends[name]

    async def warm_up(self, name: str) -> None:
        """Start what a backend needs (spaCy, the local model server) before the first request."""
        await self.backend(name).start()

    async def aclose(self) -> None:
        for backend in self._backends.values():
            await backend.aclose()
        self._backends.clear()


def _rules(services: Services) -> Backend:
    from reportedly.backends.rules.backend import RulesBackend

    return RulesBackend()


def _llm(services: Services) -> Backend:
    from reportedly.backends.llm import build_llm_backend

    return build_llm_backend(services.settings, services.prompts, services.http)


def _local(services: Services) -> Backend:
    from reportedly.backends.local.backend import LocalBackend

    return LocalBackend(services.settings, services.prompts, services.http)


_BACKEND_FACTORIES: dict[BackendName, Callable[[Services], Backend]] = {
    "rules": _rules,
    "llm": _llm,
    "local": _local,
}


@asynccontextmanager
async def open_services(settings: Settings) -> AsyncIterator[Services]:
    prompts = PromptRegistry.load(settings.prompts_dir)
    cache = (
        ResponseCache(
            settings.cache_dir / "cache.sqlite3",
            max_bytes=settings.cache_max_bytes,
            max_entries=settings.cache_max_entries,
        )
        if settings.cache_enabled
        else None
    )
    # Connection limits follow the batch concurrency so a batch never queues inside httpx.
    limits = httpx.Limits(
        max_connections=max(64, settings.concurrency * 2), max_keepalive_connections=16
    )
    async with httpx.AsyncClient(limits=limits) as http:
        services = Services(settings=settings, prompts=prompts, http=http, cache=cache)
        try:
            yield services
        finally:
            await services.aclose()
            if cache is not None:
                cache.close()
