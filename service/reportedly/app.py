"""`create_app(settings)`: the Litestar app. Nothing is read from the environment here."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin
from litestar.plugins import InitPluginProtocol

import reportedly
from reportedly.api import ArticleRequest, SummaryController, healthz, provide_services
from reportedly.pipeline import open_services
from reportedly.problems import exception_handlers
from reportedly.settings import Settings


def create_app(settings: Settings) -> Litestar:
    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        async with open_services(settings) as services:
            # Load spaCy / start the llama.cpp server now rather than on the first request.
            await services.warm_up(settings.resolved_default_backend)
            app.state.services = services
            yield

    return Litestar(
        route_handlers=[SummaryController, healthz],
        plugins=_workbench(settings),
        lifespan=[lifespan],
        dependencies={"services": Provide(provide_services, sync_to_thread=False)},
        exception_handlers=exception_handlers,
        request_class=ArticleRequest,
        request_max_body_size=settings.max_body_bytes,
        openapi_config=OpenAPIConfig(
            title="reportedly",
            version=reportedly.__version__,
            description="Who claims what, on whose authority, about when, and how firmly.",
            path="/docs",
            render_plugins=[ScalarRenderPlugin()],
        ),
        logging_config=None,
        debug=False,
    )


def _workbench(settings: Settings) -> list[InitPluginProtocol]:
    """The prompt workbench (/workbench and /v1/workbench) only when asked for: it writes
    prompt files and starts eval runs. `reportedly serve` asks for it on a loopback bind."""
    if not settings.workbench:
        return []
    from reportedly.workbench.routes import WorkbenchPlugin

    return [WorkbenchPlugin()]


def create_app_from_env() -> Litestar:
    """For `uvicorn --factory` and multi-worker serving: settings from `REPORTEDLY_*`."""
    return create_app(Settings())


logging.getLogger("reportedly").addHandler(logging.NullHandler())
