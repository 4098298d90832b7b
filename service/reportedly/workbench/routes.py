"""The workbench's routes: the JSON API under /v1/workbench (in the OpenAPI document, every
error documented as problem+json) and the page at /workbench (static files, no build step).

Registered only when the workbench is on (`Settings.workbench`); see `WorkbenchPlugin`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

from litestar import Controller, Litestar, Request, Response, get, post
from litestar.config.app import AppConfig
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody, PathParameter, QueryParameter
from litestar.plugins import InitPluginProtocol
from litestar.response import File
from litestar.static_files import create_static_files_router

from reportedly.problems import PROBLEM_MEDIA_TYPE, problem_for, problem_responses
from reportedly.prompts import PromptInfo
from reportedly.workbench import models as m
from reportedly.workbench.core import Workbench
from reportedly.workbench.errors import PromptRejected

STATIC_DIR = Path(__file__).resolve().parent / "static"

_WHY = {
    400: "A malformed request: JSON that does not parse, a body that is not UTF-8.",
    404: "An unknown dataset, article, prompt version, eval job or run.",
    409: "A version clash, or an eval already running.",
    415: "A body that is not JSON.",
    422: "Invalid fields: unknown backend or prompt, bad names, a prompt that does not validate.",
    503: "The backend cannot run here, or the prompts folder is not writable.",
}


def _problems(*codes: int, body: bool = False, prompt: bool = False) -> dict[int, ResponseSpec]:
    """Error responses for the OpenAPI document, all RFC 9457 problem+json (400 is listed for
    every route; a route with a JSON body can also answer 415)."""
    statuses = (400, 415, *codes) if body else (400, *codes)
    models = {422: m.PromptProblem} if prompt else None
    return problem_responses(*statuses, why=_WHY, models=models)


Task = Annotated[
    str, PathParameter(pattern=m.TASK_PATTERN, max_length=64, description="e.g. claims")
]
Version = Annotated[int, PathParameter(ge=1, le=1_000_000)]
Name = Annotated[str, PathParameter(min_length=1, max_length=200)]


def _workbench(state: State) -> Workbench:
    workbench: Workbench = state.workbench
    return workbench


class WorkbenchController(Controller):
    path = "/v1/workbench"
    tags = ["workbench"]  # noqa: RUF012 - litestar's declaration style
    dependencies = {"wb": Provide(_workbench, sync_to_thread=False)}  # noqa: RUF012

    @get("/datasets", summary="Datasets offered, with their articles", responses=_problems())
    async def datasets(self, wb: NamedDependency[Workbench]) -> list[m.DatasetInfo]:
        return wb.catalog.info()

    @get(
        "/datasets/{dataset:str}/articles/{article:str}",
        summary="One labelled article: text and gold claims",
        responses=_problems(404, 422),
    )
    async def article(
        self, dataset: Name, article: Name, wb: NamedDependency[Workbench]
    ) -> m.ArticleDetail:
        case = wb.catalog.case(dataset, article)
        return m.ArticleDetail(
            dataset=dataset, id=case.id, title=case.title, published=case.published,
            text=case.text, gold=case.claims,
        )  # fmt: skip

    @get(
        "/backends",
        summary="Backends and defaults for the configuration pickers",
        responses=_problems(),
    )
    async def backends(self, wb: NamedDependency[Workbench]) -> m.BackendsInfo:
        return wb.backends()

    @post(
        "/side-by-side",
        status_code=200,
        summary="Run two configurations on one article; diff their claims and score them",
        description="Claims are paired with the eval scorer's matcher; a labelled article also "
        "gets each side's gold matches and per-article scores. A side whose backend fails "
        "(5xx) carries its problem; bad input fails the whole request.",
        responses=_problems(404, 422, 503, body=True),
    )
    async def side_by_side(
        self, data: JSONBody[m.SideBySideRequest], wb: NamedDependency[Workbench]
    ) -> m.SideBySide:
        return await wb.side_by_side(data)

    @get("/prompts", summary="Prompt versions the service has loaded", responses=_problems())
    async def prompts(self, wb: NamedDependency[Workbench]) -> list[PromptInfo]:
        return wb.prompts()

    @get(
        "/prompts/{task:str}/{version:int}",
        summary="One prompt version's file",
        responses=_problems(404, 422),
    )
    async def prompt(
        self, task: Task, version: Version, wb: NamedDependency[Workbench]
    ) -> m.PromptText:
        return wb.prompt(task, version)

    @post(
        "/prompts/{task:str}/check",
        status_code=200,
        summary="Validate a draft as the next version (nothing is written)",
        responses=_problems(404, 422, body=True),
    )
    async def check_prompt(
        self, task: Task, data: JSONBody[m.PromptDraft], wb: NamedDependency[Workbench]
    ) -> m.PromptCheck:
        return wb.check_prompt(task, data.text)

    @post(
        "/prompts/{task:str}",
        status_code=201,
        summary="Save a draft as the next version of a prompt task (never overwrites)",
        description="`version:` in the front matter is set to the next version number. "
        "Runnable at once in side-by-side and eval runs.",
        responses=_problems(404, 409, 422, 503, body=True, prompt=True),
    )
    async def save_prompt(
        self, task: Task, data: JSONBody[m.PromptDraft], wb: NamedDependency[Workbench]
    ) -> m.PromptSaved:
        return wb.save_prompt(task, data)

    @post(
        "/evals",
        status_code=202,
        summary="Start an eval run of one configuration over a dataset (in the background)",
        description="Recorded in the same store as `reportedly eval run`. One at a time; "
        "poll GET /v1/workbench/evals/{job} for progress.",
        responses=_problems(404, 409, 422, 503, body=True),
    )
    async def start_eval(
        self, data: JSONBody[m.EvalRequest], wb: NamedDependency[Workbench]
    ) -> m.EvalJob:
        return wb.start_eval(data)

    @get("/evals/{job:str}", summary="Progress of an eval job", responses=_problems(404))
    async def eval_job(self, job: FromPath[str], wb: NamedDependency[Workbench]) -> m.EvalJob:
        return wb.jobs.get(job)

    @get("/runs", summary="Recorded eval runs, newest first", responses=_problems())
    async def runs(
        self,
        wb: NamedDependency[Workbench],
        dataset: Annotated[
            str | None, QueryParameter(description="Only runs of this dataset name")
        ] = None,
    ) -> list[m.RunInfo]:
        return await wb.runs(dataset)

    @get(
        "/compare",
        summary="B - A per metric with a paired bootstrap interval (as `eval compare`)",
        responses=_problems(404, 422),
    )
    async def compare(
        self,
        wb: NamedDependency[Workbench],
        a: Annotated[str, QueryParameter(min_length=1, max_length=64, description="Run id A")],
        b: Annotated[str, QueryParameter(min_length=1, max_length=64, description="Run id B")],
    ) -> m.RunComparison:
        return await wb.compare(a, b)


@get("/workbench", include_in_schema=False, media_type="text/html")
async def page() -> File:
    return File(STATIC_DIR / "index.html", content_disposition_type="inline")


def _prompt_rejected(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    body = problem_for(exc)
    if isinstance(exc, PromptRejected):
        body["errors"] = [e.model_dump() for e in exc.errors]
    return Response(content=body, status_code=body["status"], media_type=PROBLEM_MEDIA_TYPE)


class WorkbenchPlugin(InitPluginProtocol):
    """Adds the workbench's routes, static files and state to the app."""

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        app_config.route_handlers.extend(
            [
                WorkbenchController,
                page,
                create_static_files_router(
                    path="/workbench/static", directories=[STATIC_DIR], name="workbench-static"
                ),
            ]
        )
        app_config.exception_handlers[PromptRejected] = _prompt_rejected
        app_config.lifespan.append(_lifespan)
        return app_config


@asynccontextmanager
async def _lifespan(app: Litestar) -> AsyncIterator[None]:
    workbench = Workbench(app.state.services)
    app.state.workbench = workbench
    try:
        yield
    finally:
        await workbench.aclose()
