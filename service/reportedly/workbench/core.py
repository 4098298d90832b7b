"""What the workbench routes do, in one object per app: the dataset catalog, prompt
authoring, eval jobs, and the run store (shared with the eval CLI)."""

from __future__ import annotations

import anyio.to_thread

from reportedly.errors import ReportedlyError
from reportedly.evals.baseline import BASELINE
from reportedly.evals.compare import Comparison, compare_runs
from reportedly.evals.defaults import RESAMPLES
from reportedly.evals.store import EvalStore, RunRecord, UnknownRun, store_path
from reportedly.prompts import PromptInfo
from reportedly.services import Services
from reportedly.workbench import authoring
from reportedly.workbench import models as m
from reportedly.workbench.catalog import Catalog
from reportedly.workbench.errors import NotFound
from reportedly.workbench.jobs import EvalJobs
from reportedly.workbench.sidebyside import side_by_side


class Workbench:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.settings = services.settings
        self.catalog = Catalog(self.settings.workbench_datasets)
        self.jobs = EvalJobs()

    async def aclose(self) -> None:
        await self.jobs.aclose()

    # --- configurations ----------------------------------------------------------------------

    def check_config(self, config: m.RunConfig, *, runnable: bool) -> None:
        """Unknown backends and prompts are a 422 before anything runs. A backend that cannot
        run here (503) fails too when `runnable`, else it is left to its side to report."""
        if config.backend == BASELINE:
            return
        backend = self.settings.backend_name(config.backend)
        try:
            self.services.backend(backend).plan(config.prompt, config.model)
        except ReportedlyError as exc:
            if runnable or exc.status < 500:
                raise

    def backends(self) -> m.BackendsInfo:
        settings = self.settings
        notes = {
            "rules": (True, "offline extractor; ignores the prompt"),
            "llm": (
                settings.llm_configured,
                "OpenAI-compatible endpoint"
                if settings.llm_configured
                else "not configured: set REPORTEDLY_LLM_BASE_URL or REPORTEDLY_LLM_API_KEY",
            ),
            "local": (True, "llama.cpp + SmolLM2 on this machine; needs the [local] extra"),
            BASELINE: (True, "every sentence, by the author, high confidence (eval reference)"),
        }
        return m.BackendsInfo(
            default=settings.resolved_default_backend,
            llm_model=settings.llm_model,
            backends=[m.BackendInfo(name=k, available=a, note=n) for k, (a, n) in notes.items()],
        )

    # --- side by side ------------------------------------------------------------------------

    async def side_by_side(self, body: m.SideBySideRequest) -> m.SideBySide:
        case = None
        if body.dataset is not None and body.article is not None:
            case = self.catalog.case(body.dataset, body.article)
        for config in (body.left, body.right):
            self.check_config(config, runnable=False)
        return await side_by_side(self.services, body, case)

    # --- prompts -----------------------------------------------------------------------------

    def prompts(self) -> list[PromptInfo]:
        return self.services.prompts.entries()

    def prompt(self, task: str, version: int) -> m.PromptText:
        ref = f"{task}@{version}"
        info = next((p for p in self.prompts() if p.ref == ref), None)
        if info is None:
            raise NotFound(f"No prompt {ref}; see GET /v1/workbench/prompts.")
        text = self.services.prompts.get(ref).text
        return m.PromptText(**info.model_dump(), text=text)

    def check_prompt(self, task: str, text: str) -> m.PromptCheck:
        draft = authoring.check_draft(self.settings.prompts_dir, task, text)
        return m.PromptCheck(
            valid=not draft.errors, ref=draft.ref, text=draft.text, errors=draft.errors
        )

    def save_prompt(self, task: str, body: m.PromptDraft) -> m.PromptSaved:
        prompts_dir = self.settings.prompts_dir
        draft = authoring.save_draft(
            self.services.prompts, prompts_dir, task, body.text, body.version
        )
        saved = self.services.prompts.get(draft.ref)
        relative = draft.path.resolve().relative_to(prompts_dir.resolve())
        return m.PromptSaved(
            ref=draft.ref, version=draft.version, hash=saved.text_hash, path=str(relative)
        )

    # --- evals -------------------------------------------------------------------------------

    def start_eval(self, body: m.EvalRequest) -> m.EvalJob:
        dataset = self.catalog.dataset(body.dataset)
        config = m.RunConfig(backend=body.backend, prompt=body.prompt, model=body.model)
        self.check_config(config, runnable=True)
        return self.jobs.start(self.services, dataset, body)

    async def runs(self, dataset: str | None) -> list[m.RunInfo]:
        path = store_path(self.settings)

        def read() -> list[RunRecord]:
            if not path.exists():
                return []
            with EvalStore(path) as store:
                return store.runs()

        records = await anyio.to_thread.run_sync(read)
        infos = [_run_info(r) for r in records]
        return [i for i in infos if dataset is None or i.dataset == dataset][::-1]

    async def compare(self, a: str, b: str) -> m.RunComparison:
        path = store_path(self.settings)

        def compute() -> Comparison:
            if not path.exists():
                raise NotFound("No eval runs are recorded yet.")
            with EvalStore(path) as store:
                try:
                    return compare_runs(store, a, b)
                except UnknownRun as exc:
                    raise NotFound(str(exc)) from None

        comparison = await anyio.to_thread.run_sync(compute)
        return self._comparison(comparison)

    def _comparison(self, c: Comparison) -> m.RunComparison:
        key = self.catalog.key_for(c.b.record.dataset_hash, c.b.record.dataset_name)
        left, right = _config_of(c.a.record), _config_of(c.b.record)
        return m.RunComparison(
            a=_run_info(c.a.record, c.a.metrics),
            b=_run_info(c.b.record, c.b.metrics),
            same_dataset=c.same_dataset,
            articles=len(c.articles),
            resamples=RESAMPLES,
            metrics=[m.MetricDelta.model_validate(d, from_attributes=True) for d in c.diffs],
            changes=[
                m.ArticleChange(
                    article=ch.case_id,
                    f1_a=ch.f1_a,
                    f1_b=ch.f1_b,
                    added=ch.added,
                    removed=ch.removed,
                    changed=ch.changed,
                    link=m.ArticleLink(dataset=key, article=ch.case_id, left=left, right=right)
                    if key is not None
                    else None,
                )
                for ch in c.changes
            ],
        )


def _config_of(record: RunRecord) -> m.RunConfig:
    return m.RunConfig(
        backend=record.backend,
        prompt=record.prompt or record.prompt_ref,
        model=record.model if record.backend == "llm" else None,
    )


def _run_info(record: RunRecord, metrics: dict[str, object] | None = None) -> m.RunInfo:
    values = metrics if metrics is not None else record.metrics or {}
    f1 = values.get("claim_f1")
    return m.RunInfo(
        id=record.id,
        created_at=record.created_at,
        dataset=record.dataset_name,
        dataset_hash=record.dataset_hash,
        backend=record.backend,
        prompt=record.prompt or record.prompt_ref,
        model=record.model,
        repeat=record.repeat,
        status=record.status,
        git_commit=record.git_commit,
        claim_f1=f1 if isinstance(f1, float | int) else None,
    )
