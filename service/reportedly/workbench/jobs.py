"""Eval runs started from the workbench: one at a time, in the server process, recorded in
the same store as `reportedly eval run`. The run belongs to the server, not to the request
that started it: a client that goes away loses nothing, and polls the job again later."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import secrets

from reportedly.evals.dataset import Dataset
from reportedly.evals.runner import RunConfig, RunSetupError, run_evals
from reportedly.evals.store import EvalStore, RunRecord, store_path
from reportedly.services import Services
from reportedly.workbench.errors import EvalBusy, NotFound
from reportedly.workbench.models import EvalJob, EvalRequest
from reportedly.workbench.models import RunConfig as Config

log = logging.getLogger("reportedly.workbench")


class _JobProgress:
    """The runner's progress, written into the job the page polls."""

    def __init__(self, job: EvalJob) -> None:
        self.job = job

    def start(self, run: RunRecord, total: int, done: int) -> None:
        self.job.runs.append(run.id)
        self.job.total, self.job.done = total, done

    def advance(self, *, error: str | None) -> None:
        self.job.done += 1
        self.job.errors += error is not None


class EvalJobs:
    def __init__(self) -> None:
        self._jobs: dict[str, EvalJob] = {}
        self._task: asyncio.Task[None] | None = None

    def get(self, job_id: str) -> EvalJob:
        if job_id not in self._jobs:
            raise NotFound(f"No eval job {job_id!r} in this server process.")
        return self._jobs[job_id]

    def start(self, services: Services, dataset: Dataset, request: EvalRequest) -> EvalJob:
        if self._task is not None and not self._task.done():
            running = next(j for j in self._jobs.values() if j.status == "running")
            raise EvalBusy(f"Eval job {running.id} is still running; one runs at a time.")
        config = Config(backend=request.backend, prompt=request.prompt, model=request.model)
        job = EvalJob(
            id=secrets.token_hex(4), status="running", dataset=request.dataset, config=config,
            done=0, total=len(dataset.cases) * request.repeat, errors=0, runs=[],
            started_at=dt.datetime.now(dt.UTC),
        )  # fmt: skip
        run_config = RunConfig(
            dataset=dataset,
            backends=[request.backend or services.settings.resolved_default_backend],
            prompts=[request.prompt],
            repeat=request.repeat,
            fresh=request.fresh,
            model=request.model,
        )
        self._jobs[job.id] = job
        self._task = asyncio.create_task(self._run(job, services, run_config))
        return job

    async def _run(self, job: EvalJob, services: Services, config: RunConfig) -> None:
        try:
            with EvalStore(store_path(services.settings)) as store:
                outcome = await run_evals(
                    store, services.settings, config, services=services, progress=_JobProgress(job)
                )
            job.runs = [r.id for r in outcome.runs]
            job.status = "failed" if outcome.failures or not outcome.runs else "finished"
            job.message = "; ".join(outcome.failures) or None
        except RunSetupError as exc:
            job.status, job.message = "failed", str(exc)
        except asyncio.CancelledError:
            job.status, job.message = "failed", "the server stopped; run it again to resume"
            raise
        except Exception as exc:
            log.exception("workbench eval job %s failed", job.id)
            job.status, job.message = "failed", f"unexpected {type(exc).__name__}: {exc}"
        finally:
            job.finished_at = dt.datetime.now(dt.UTC)

    async def aclose(self) -> None:
        """At shutdown: stop a running job; the runner marks its run `interrupted`, and the
        same configuration resumes it later."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
