"""The eval runner: records cases, re-runs from the cache, resumes interrupted runs."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from reportedly.backends.base import Article, BackendRun, Plan
from reportedly.errors import ModelOutputInvalid
from reportedly.evals.dataset import Case, Dataset, GoldClaim, GoldEvidence
from reportedly.evals.runner import RunConfig, RunSetupError, run_evals
from reportedly.evals.store import EvalStore
from reportedly.schema import Source, Timeframe
from reportedly.services import Services, open_services
from reportedly.settings import Settings

ARTICLES = {
    "a": (
        "South Korea's spy agency said on Thursday that North Korea may send more troops to "
        "Russia as early as July. Lawmaker Lee Seong-kweun told reporters the deployment "
        "could involve thousands of soldiers."
    ),
    "b": (
        "The telescope was completed on Sunday, officials said. Astronomers expect the dish "
        "to begin observations in September, according to the state news agency."
    ),
    "c": "The bridge reopened on Monday after repairs, the city council said in a statement.",
}


def _case(case_id: str, text: str) -> Case:
    first = text.split(". ")[0]
    return Case(
        id=case_id, text=text, published=None, title=None, metadata={}, aliases={},
        claims=[
            GoldClaim(
                who=[], claim=first, source=Source(name="author", type="author"),
                timeframe=Timeframe(), confidence="high",
                evidence=[GoldEvidence(quote=first, start=0, end=len(first))],
            )
        ],
    )  # fmt: skip


def _dataset(*ids: str) -> Dataset:
    return Dataset(
        name="tiny", format="reportedly-dataset/1", path=Path("tiny.yaml"),
        hash="tiny-" + "-".join(ids), cases=[_case(i, ARTICLES[i]) for i in ids],
    )  # fmt: skip


class Interrupted(BaseException):
    """Stands in for Ctrl-C arriving in the middle of a run."""


class Counter:
    """Wraps a backend's `extract`, counting calls and optionally failing on some."""

    def __init__(self, services: Services, name: str = "rules") -> None:
        self.backend = services.backend(name)
        self.inner: Callable[[Article, Plan], Awaitable[BackendRun]] = self.backend.extract
        self.calls: list[str] = []
        self.fail: Callable[[int, Article], BaseException | None] = lambda n, a: None
        self.backend.extract = self.extract  # type: ignore[method-assign]

    async def extract(self, article: Article, plan: Plan) -> BackendRun:
        self.calls.append(article.document.text[:20])
        failure = self.fail(len(self.calls), article)
        if failure is not None:
            raise failure
        return await self.inner(article, plan)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(cache_dir=tmp_path / "cache")


@asynccontextmanager
async def _services(settings: Settings) -> AsyncIterator[tuple[Services, Counter]]:
    async with open_services(settings) as services:
        yield services, Counter(services)


def _run(coro: Awaitable[Any]) -> Any:
    return asyncio.run(coro)  # type: ignore[arg-type]


def test_run_records_cases_and_rerun_hits_the_cache(settings: Settings, tmp_path: Path) -> None:
    store = EvalStore(tmp_path / "evals.sqlite3")
    config = RunConfig(dataset=_dataset("a", "b"), backends=["rules"], concurrency=2)

    async def twice() -> tuple[Any, Any, list[str]]:
        async with _services(settings) as (services, counter):
            first = await run_evals(store, settings, config, services=services,
                                    )  # fmt: skip
            calls_after_first = list(counter.calls)
            second = await run_evals(store, settings, config, services=services,
                                     )  # fmt: skip
            assert counter.calls == calls_after_first  # zero backend calls on the re-run
            return first, second, calls_after_first

    first, second, calls = _run(twice())
    assert len(calls) == 2
    (run1,), (run2,) = first.runs, second.runs
    assert run1.id != run2.id and run1.status == run2.status == "finished"
    assert run1.backend == "rules" and run1.model and run1.prompt_hash
    cases1, cases2 = store.cases(run1.id), store.cases(run2.id)
    assert [c.case_id for c in cases1] == ["a", "b"]
    assert all(c.output is not None and not c.output.meta.cached for c in cases1)
    assert all(c.output is not None and c.output.meta.cached for c in cases2)
    assert run1.metrics is not None and run1.metrics["validity"] == 1.0
    # The cached re-run scores exactly like the original.
    assert [c.score.tp for c in cases1] == [c.score.tp for c in cases2]


def test_interrupted_run_resumes_without_redoing_finished_cases(
    settings: Settings, tmp_path: Path
) -> None:
    store = EvalStore(tmp_path / "evals.sqlite3")
    config = RunConfig(dataset=_dataset("a", "b", "c"), backends=["rules"], concurrency=1)

    async def interrupted() -> None:
        async with _services(settings) as (services, counter):
            counter.fail = lambda n, a: Interrupted() if n == 2 else None
            await run_evals(store, settings, config, services=services)

    with pytest.raises(Interrupted):
        _run(interrupted())
    (run,) = store.runs()
    assert run.status == "interrupted"
    assert [c.case_id for c in store.cases(run.id)] == ["a"]

    async def resume() -> tuple[Any, list[str]]:
        async with _services(settings) as (services, counter):
            outcome = await run_evals(store, settings, config, services=services,
                                      )  # fmt: skip
            return outcome, counter.calls

    outcome, calls = _run(resume())
    assert outcome.resumed == [run.id] and [r.id for r in outcome.runs] == [run.id]
    assert len(calls) == 2  # b and c only; a was finished before the interruption
    assert not any(call.startswith(ARTICLES["a"][:20]) for call in calls)
    assert store.get_run(run.id).status == "finished"
    assert sorted(c.case_id for c in store.cases(run.id)) == ["a", "b", "c"]


def test_a_failing_case_is_recorded_as_an_error(settings: Settings, tmp_path: Path) -> None:
    store = EvalStore(tmp_path / "evals.sqlite3")
    config = RunConfig(dataset=_dataset("a", "b"), backends=["rules"], concurrency=1)

    async def go() -> Any:
        async with _services(settings) as (services, counter):
            counter.fail = lambda n, a: (
                ModelOutputInvalid("bad JSON") if "telescope" in a.document.text else None
            )
            return await run_evals(store, settings, config, services=services,
                                   )  # fmt: skip

    (run,) = _run(go()).runs
    cases = {c.case_id: c for c in store.cases(run.id)}
    assert cases["b"].error == "ModelOutputInvalid: bad JSON" and cases["b"].output is None
    assert cases["a"].error is None
    assert run.status == "finished" and run.metrics["validity"] == 0.5


def test_repeats_beyond_the_first_bypass_the_cache(settings: Settings, tmp_path: Path) -> None:
    store = EvalStore(tmp_path / "evals.sqlite3")
    once = RunConfig(dataset=_dataset("a"), backends=["rules"])
    thrice = RunConfig(dataset=_dataset("a"), backends=["rules"], repeat=3)

    async def go() -> list[str]:
        async with _services(settings) as (services, counter):
            await run_evals(store, settings, once, services=services)
            counter.calls.clear()
            await run_evals(store, settings, thrice, services=services)
            return counter.calls

    calls = _run(go())
    assert len(calls) == 2  # repeat 0 from the cache, repeats 1 and 2 are real calls
    run = store.runs()[-1]
    cached = {c.repeat_index: c.cached for c in store.cases(run.id)}
    assert cached == {0: True, 1: False, 2: False}


def test_baseline_runs_locally_and_bad_config_is_refused(
    settings: Settings, tmp_path: Path
) -> None:
    store = EvalStore(tmp_path / "evals.sqlite3")
    config = RunConfig(dataset=_dataset("a", "b"), backends=["baseline", "nonsense"])
    outcome = _run(run_evals(store, settings, config))
    (run,) = outcome.runs
    assert run.backend == "baseline" and run.metrics["claim_recall"] == 1.0
    assert len(outcome.failures) == 1 and "nonsense" in outcome.failures[0]
    with pytest.raises(RunSetupError):
        _run(run_evals(store, settings, RunConfig(dataset=_dataset("a"), repeat=0)))


DATASET_YAML = """\
format: reportedly-dataset/1
name: cli-tiny
articles:
  - id: bridge
    text: "The bridge reopened on Monday after repairs, the city council said in a statement."
    claims:
      - who: [the bridge]
        claim: The bridge reopened on Monday after repairs.
        source: {name: city council, type: government}
        timeframe: {text: on Monday}
        confidence: high
        evidence: ["The bridge reopened on Monday after repairs"]
"""


def test_cli_run_records_and_gates_against_the_baseline(tmp_path: Path) -> None:
    from reportedly.evals.cli import app
    from typer.testing import CliRunner

    data = tmp_path / "tiny.yaml"
    data.write_text(DATASET_YAML)
    db = str(tmp_path / "evals.sqlite3")
    env = {"REPORTEDLY_CACHE_DIR": str(tmp_path / "cache")}
    runner = CliRunner()
    args = ["run", "--dataset", str(data), "--db", db, "--backend", "rules", "--backend",
            "baseline"]  # fmt: skip
    result = runner.invoke(app, [*args, "--fail-below-baseline", "attributed_f1"], env=env)
    assert result.exit_code == 0, result.output
    assert "cli-tiny (1 articles)" in result.output
    # Both are perfectly grounded, so "beats the baseline on grounding" cannot hold.
    result = runner.invoke(app, [*args, "--fail-below-baseline", "grounding_rate"], env=env)
    assert result.exit_code == 1 and "does not beat the baseline" in result.output
    result = runner.invoke(app, ["runs", "--db", db])
    assert result.output.count("finished") == 4


def _dataset_file(folder: Path, name: str, article_id: str) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(
        DATASET_YAML.replace("cli-tiny", name).replace("id: bridge", f"id: {article_id}")
    )
    return path


def test_cli_runs_every_bundled_dataset_separately_and_gates_each(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reportedly import bundled
    from reportedly.evals.cli import app
    from typer.testing import CliRunner

    bundled_dir = tmp_path / "bundled"
    bundled_dir.mkdir()
    for name in ("samples", "dev", "test"):
        _dataset_file(bundled_dir, name, f"{name}-bridge")
    monkeypatch.setattr(bundled, "DATASETS_DIR", bundled_dir)
    db = tmp_path / "evals.sqlite3"
    env = {"REPORTEDLY_CACHE_DIR": str(tmp_path / "cache"), "REPORTEDLY_EVALS_DB": str(db)}
    runner = CliRunner()
    args = ["run", "--backend", "rules", "--backend", "baseline"]
    html = tmp_path / "report.html"
    gate = ["--fail-below-baseline", "attributed_f1", "--html", str(html)]
    result = runner.invoke(app, [*args, *gate], env=env)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.glob("report-*.html")) == [
        "report-dev.html", "report-samples.html", "report-test.html",
    ]  # fmt: skip
    tables = [line for line in result.output.splitlines() if "(1 articles)" in line]
    assert [t.split()[0] for t in tables] == ["samples", "dev", "test"]
    with EvalStore(db) as store:
        runs = store.runs()
    assert sorted({r.dataset_name for r in runs}) == ["dev", "samples", "test"]
    assert len(runs) == 6  # rules and baseline per dataset
    # The gate holds per dataset: every dataset's runs are judged, and each failure is named.
    result = runner.invoke(app, [*args, "--fail-below-baseline", "grounding_rate"], env=env)
    assert result.exit_code == 1
    assert all(f"FAIL {name}:" in result.output for name in ("samples", "dev", "test"))


def test_cli_dataset_option_takes_bundled_names_and_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reportedly import bundled
    from reportedly.evals.cli import app
    from typer.testing import CliRunner

    bundled_dir = tmp_path / "bundled"
    bundled_dir.mkdir()
    _dataset_file(bundled_dir, "samples", "s1")
    _dataset_file(bundled_dir, "dev", "d1")
    own = _dataset_file(tmp_path, "mine", "m1")
    monkeypatch.setattr(bundled, "DATASETS_DIR", bundled_dir)
    env = {"REPORTEDLY_CACHE_DIR": str(tmp_path / "cache")}
    runner = CliRunner()
    result = runner.invoke(
        app, ["run", "--backend", "baseline", "--dataset", "dev", "--dataset", str(own)], env=env
    )
    assert result.exit_code == 0, result.output
    assert "dev (1 articles)" in result.output and "mine (1 articles)" in result.output
    assert "samples (1 articles)" not in result.output
    result = runner.invoke(app, ["run", "--dataset", "test"], env=env)
    assert result.exit_code == 2 and "bundled dataset 'test' is not in" in result.output
    result = runner.invoke(app, ["run", "--dataset", "nonsense"], env=env)
    assert (
        result.exit_code == 2 and "not a file, nor a bundled name (samples, dev)" in result.output
    )


def test_a_store_from_before_the_rename_is_migrated(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "old.sqlite3"
    with EvalStore(path) as store:
        run = store.create_run(dataset=_dataset("a"), backend="rules", prompt_ref=None,
                               repeat=1, git_commit=None)  # fmt: skip
        store.set_status(run.id, "finished", {"claim_f1": 0.5})
    db = sqlite3.connect(path)  # rename the column back, as older versions wrote it
    db.execute("ALTER TABLE runs RENAME COLUMN metrics_json TO summary_json")
    db.commit()
    db.close()
    with EvalStore(path) as store:
        (old,) = store.runs()
    assert old.id == run.id and old.metrics == {"claim_f1": 0.5}
