"""Runs a dataset through the service (`reportedly.pipeline.summarize`, the HTTP code path) and
records every case in the `EvalStore` as it completes.

One run per backend x prompt (a backend that uses no prompt gets one run however many prompts
are asked for). `baseline` is computed locally by `evals.baseline`.

Resuming is automatic: a run whose config (dataset hash, backend, prompt reference, prompt
hash, repeats) matches an earlier run that did not finish continues that run, redoing only the
cases that are missing or errored. Pass `fresh=True` (`--fresh`) to start over.

Repeats: repeat 0 goes through the response cache like any request, so an unchanged re-run
makes no backend calls. Repeats 1..K-1 bypass the cache (a cached answer would make every
repeat identical and the spread meaningless); they are real backend calls and are not
written to the cache either.
"""

from __future__ import annotations

import asyncio
import dataclasses
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from reportedly.errors import ReportedlyError
from reportedly.evals.baseline import BASELINE, BASELINE_MODEL, baseline_summary
from reportedly.evals.dataset import Case, Dataset
from reportedly.evals.scorer import score_case
from reportedly.evals.store import EvalStore, RunRecord, config_key, run_metrics
from reportedly.pipeline import summarize
from reportedly.schema import Summary, SummaryRequest
from reportedly.services import Services, open_services
from reportedly.settings import Settings

if TYPE_CHECKING:
    from rich.console import Console

# The `reportedly` package folder: in a checkout, <repo>/service/reportedly.
_PACKAGE_DIR = Path(__file__).resolve().parents[1]


class RunSetupError(Exception):
    """A backend or prompt that cannot run at all (unknown, not configured)."""


@dataclass(frozen=True)
class RunConfig:
    dataset: Dataset
    backends: Sequence[str] = ("rules",)
    prompts: Sequence[str | None] = (None,)  # None: the service's default (newest) version
    repeat: int = 1
    concurrency: int = 4
    fresh: bool = False
    model: str | None = None  # the llm backend's model; None: the settings' default


@dataclass(frozen=True)
class _Job:
    backend: str
    prompt_ref: str | None
    prompt: str | None
    prompt_hash: str
    model: str


@dataclass
class RunOutcome:
    runs: list[RunRecord] = field(default_factory=list)
    resumed: list[str] = field(default_factory=list)  # ids of runs that were resumed
    failures: list[str] = field(default_factory=list)  # setup errors, one line each


class Progress(Protocol):
    """Where a run reports how far it got: a terminal bar, or the workbench's job status."""

    def start(self, run: RunRecord, total: int, done: int) -> None:
        """A run begins (or resumes with `done` of `total` cases already recorded)."""

    def advance(self, *, error: str | None) -> None:
        """One case of the current run was recorded (`error` when it failed)."""


class RichProgress:
    """A rich progress bar per run, on stderr; imports rich.progress only when used."""

    def __init__(self, console: Console | None) -> None:
        from rich import progress

        self._bar = progress.Progress(
            progress.TextColumn("{task.description}"),
            progress.BarColumn(),
            progress.MofNCompleteColumn(),
            progress.TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        self._task: progress.TaskID | None = None

    def __enter__(self) -> RichProgress:
        self._bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._bar.stop()

    def start(self, run: RunRecord, total: int, done: int) -> None:
        self._task = self._bar.add_task(run.label, total=total, completed=done)

    def advance(self, *, error: str | None) -> None:
        if self._task is not None:
            self._bar.advance(self._task)


class _Silent:
    def start(self, run: RunRecord, total: int, done: int) -> None:
        pass

    def advance(self, *, error: str | None) -> None:
        pass


def git_commit() -> str | None:
    """HEAD's short hash, with '+dirty' when the tree has uncommitted changes.

    Only for a checkout of reportedly itself: an installed wheel has no commit, even when
    its virtualenv sits inside some other git repository.
    """

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=_PACKAGE_DIR, capture_output=True, text=True, check=True,
            timeout=10,
        ).stdout.strip()  # fmt: skip

    try:
        if Path(git("rev-parse", "--show-toplevel")).resolve() != _PACKAGE_DIR.parents[1]:
            return None
        head = git("rev-parse", "--short=12", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{head}+dirty" if dirty else head


def _plan_jobs(services: Services, config: RunConfig, outcome: RunOutcome) -> list[_Job]:
    jobs: list[_Job] = []
    seen: set[tuple[str, str | None, str]] = set()
    for backend in config.backends:
        for prompt_ref in config.prompts:
            if backend == BASELINE:
                job = _Job(BASELINE, None, None, BASELINE_MODEL, BASELINE_MODEL)
            else:
                try:
                    plan = services.backend(backend).plan(prompt_ref, config.model)
                except ReportedlyError as exc:
                    label = backend + (f" {prompt_ref}" if prompt_ref else "")
                    outcome.failures.append(f"{label}: {exc.detail}")
                    continue
                # A backend without prompts ignores the reference: record it as such.
                ref = prompt_ref if plan.prompt is not None else None
                job = _Job(plan.backend, ref, plan.prompt_ref, plan.prompt_hash, plan.model)
            if (job.backend, job.prompt, job.prompt_hash) not in seen:
                seen.add((job.backend, job.prompt, job.prompt_hash))
                jobs.append(job)
    return jobs


def case_request(
    case: Case, *, prompt: str | None, backend: str | None, model: str | None = None
) -> SummaryRequest:
    """The request a client would send for a labelled article."""
    return SummaryRequest(
        text=case.text,
        title=case.title,
        published=case.published,
        prompt=prompt,
        backend=backend,
        model=model,
    )


async def _summarize_case(
    services: Services, job: _Job, case: Case
) -> tuple[Summary | None, str | None]:
    try:
        if job.backend == BASELINE:
            return baseline_summary(case.text), None
        # The plan's model: the one asked for, or the backend's own (which then warns of nothing).
        request = case_request(case, prompt=job.prompt_ref, backend=job.backend, model=job.model)
        return await summarize(services, request), None
    except ReportedlyError as exc:
        return None, f"{type(exc).__name__}: {exc.detail}"
    except Exception as exc:  # a bug or SDK surprise in one case must not lose the others
        return None, f"unexpected {type(exc).__name__}: {exc}"


async def run_evals(
    store: EvalStore,
    settings: Settings,
    config: RunConfig,
    *,
    services: Services | None = None,
    progress: Progress | None = None,
) -> RunOutcome:
    """Run (or resume) every backend x prompt over the dataset; returns the runs touched."""
    if config.repeat < 1:
        raise RunSetupError("--repeat must be at least 1")
    if config.concurrency < 1:
        raise RunSetupError("--concurrency must be at least 1")
    progress = progress or _Silent()
    if services is None:
        async with open_services(settings) as opened:
            return await _run_all(store, opened, config, progress)
    return await _run_all(store, services, config, progress)


async def _run_all(
    store: EvalStore, services: Services, config: RunConfig, progress: Progress
) -> RunOutcome:
    outcome = RunOutcome()
    jobs = _plan_jobs(services, config, outcome)
    # Shares backends (and so any local model server) with `services`, minus the cache.
    uncached = dataclasses.replace(services, cache=None)
    commit = git_commit()
    for job in jobs:
        record = _open_run(store, config, job, commit, outcome)
        todo = _todo(store, record.id, config)
        total = len(config.dataset.cases) * config.repeat
        progress.start(record, total, total - len(todo))
        if todo and job.backend != BASELINE:
            try:
                await services.warm_up(job.backend)
            except ReportedlyError as exc:
                outcome.failures.append(f"{record.label}: {exc.detail}")
        try:
            await _run_job(store, (services, uncached), job, record.id, todo, config, progress)
        except BaseException:
            store.set_status(record.id, "interrupted")
            raise
        store.set_status(record.id, "finished", run_metrics(store.cases(record.id)))
        outcome.runs.append(store.get_run(record.id))
    return outcome


def _todo(store: EvalStore, run_id: str, config: RunConfig) -> list[tuple[Case, int]]:
    """The (case, repeat) pairs a run still lacks: missing, or recorded with an error."""
    done = {(c.case_id, c.repeat_index) for c in store.cases(run_id) if c.error is None}
    return [
        (case, r)
        for r in range(config.repeat)
        for case in config.dataset.cases
        if (case.id, r) not in done
    ]


async def _run_job(
    store: EvalStore,
    services: tuple[Services, Services],
    job: _Job,
    run_id: str,
    todo: Sequence[tuple[Case, int]],
    config: RunConfig,
    progress: Progress,
) -> None:
    """Every case of one run, at most `config.concurrency` at once; repeat 0 through the
    cache (`services[0]`), later repeats without it (`services[1]`)."""
    semaphore = asyncio.Semaphore(config.concurrency)

    async def one(case: Case, repeat_index: int) -> None:
        async with semaphore:
            chosen = services[0] if repeat_index == 0 else services[1]
            summary, error = await _summarize_case(chosen, job, case)
            result = score_case(case, summary)
            # Written as each case completes, so an interrupted run loses nothing finished.
            store.record_case(
                run_id, case.id, repeat_index, output=summary, error=error, score=result.score
            )
            if summary is not None:
                meta = summary.meta
                store.set_identity(run_id, meta.prompt, meta.prompt_hash, meta.model)
            progress.advance(error=error)

    await asyncio.gather(*(one(case, r) for case, r in todo))


def _open_run(
    store: EvalStore, config: RunConfig, job: _Job, commit: str | None, outcome: RunOutcome
) -> RunRecord:
    key = config_key(
        config.dataset.hash, job.backend, f"{job.prompt_ref}|{job.prompt_hash}", config.repeat
    )
    if not config.fresh and (earlier := store.unfinished(key)) is not None:
        outcome.resumed.append(earlier.id)
        store.set_status(earlier.id, "running")
        return earlier
    record = store.create_run(
        dataset=config.dataset,
        backend=job.backend,
        prompt_ref=job.prompt_ref,
        repeat=config.repeat,
        git_commit=commit,
        key=key,
    )
    store.set_identity(record.id, job.prompt, job.prompt_hash, job.model)
    return store.get_run(record.id)
