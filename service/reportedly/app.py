"""`create_app(settings)`: the Litestar app. Nothing is read from the environment here."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar, Router
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.plugins import InitPluginProtocol
from litestar.static_files import create_static_files_router
from openapi_ui_bundles import swagger_ui

import reportedly
from reportedly.api import (
    ArticleRequest,
    SummaryController,
    healthz,
    provide_services,
    refuse_empty_body,
)
from reportedly.openapi import complete_request_schemas
from reportedly.problems import exception_handlers
from reportedly.prompts import PromptRegistry
from reportedly.services import open_services
from reportedly.settings import Settings

DOCS_ASSETS = "/docs/assets"


def create_app(settings: Settings) -> Litestar:
    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        async with open_services(settings) as services:
            # Load spaCy / start the llama.cpp server now rather than on the first request.
            await services.warm_up(settings.resolved_default_backend)
            app.state.services = services
            yield

    app = Litestar(
        route_handlers=[SummaryController, healthz, _docs_assets()],
        plugins=_workbench(settings),
        before_request=refuse_empty_body,
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
            render_plugins=[_docs_page()],
        ),
        logging_config=None,
        debug=False,
    )
    refs = PromptRegistry.load(settings.prompts_dir).refs
    complete_request_schemas(app, settings, [*refs, *{r.split("@")[0] for r in refs}])
    return app


def _docs_page() -> SwaggerRenderPlugin:
    """Swagger UI at /docs from the pinned `openapi-ui-bundles` package: no CDN, works offline
    and under a strict Content-Security-Policy."""
    return SwaggerRenderPlugin(
        js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
        css_url=f"{DOCS_ASSETS}/swagger-ui.css",
        standalone_preset_js_url=f"{DOCS_ASSETS}/swagger-ui-standalone-preset.js",
        path="/",
        favicon=f"<link rel='icon' type='image/png' href='{DOCS_ASSETS}/favicon-32x32.png'>",
    )


def _docs_assets() -> Router:
    return create_static_files_router(
        path=DOCS_ASSETS, directories=[swagger_ui.static_path], include_in_schema=False
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
