"""`reportedly eval ...`: run, report, compare and list recorded eval runs.

Mounted by `reportedly.cli` as `app.add_typer(evals.cli.app, name="eval")`. Exit codes: 0 ok,
1 a run had setup failures or a gate tripped, 2 bad usage (unknown run, unreadable dataset,
malformed gate).

Only typer and the standard library are imported here at the top: `reportedly --help` builds
this app, and must not pay for numpy, scipy, the scorer or the store. Each command imports
what it uses.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, Optional

import typer

from reportedly.evals.defaults import BUNDLED_DATASETS, DEFAULT_DB_NAME, RESAMPLES, SEED

if TYPE_CHECKING:
    from rich.console import Console

    from reportedly.evals.compare import Comparison
    from reportedly.evals.dataset import Dataset
    from reportedly.evals.runner import RunConfig
    from reportedly.evals.store import EvalStore
    from reportedly.evals.views import RunView
    from reportedly.settings import Settings

app = typer.Typer(
    help="Evals: score backends and prompts against hand-labelled articles; compare runs.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: rendering it with rich costs ~0.5 s of imports
)

DbOption = Annotated[
    Optional[Path],  # noqa: UP045 - typer needs Optional here
    typer.Option(
        "--db",
        help=f"Run store (SQLite). Default: REPORTEDLY_EVALS_DB, else "
        f"<REPORTEDLY_CACHE_DIR>/{DEFAULT_DB_NAME}.",
    ),
]
Repeatable = Optional[list[str]]  # noqa: UP045 - typer needs Optional here


@functools.cache
def _console(stderr: bool) -> Console:
    from rich.console import Console

    # Piped output (CI logs, files) gets a wide table instead of rich's 80-column default.
    stream = sys.stderr if stderr else sys.stdout
    return Console(stderr=stderr, width=None if stream.isatty() else 140)


def _out() -> Console:
    return _console(False)


def _err() -> Console:
    return _console(True)


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def _fail(message: str, code: int = 2) -> NoReturn:
    _err().print(f"[red]error:[/] {_escape(message)}", highlight=False)
    raise typer.Exit(code)


def _settings() -> Settings:
    from pydantic import ValidationError

    from reportedly.settings import Settings

    try:
        return Settings()
    except ValidationError as exc:
        _fail(f"bad REPORTEDLY_* setting: {exc}")


def _store(db: Path | None, settings: Settings, *, existing: bool = False) -> EvalStore:
    from reportedly.evals.store import EvalStore, store_path

    path = db or store_path(settings)
    if existing and not path.exists():
        _fail(
            f"no eval runs recorded yet ({path} does not exist); start with `reportedly eval run`"
        )
    return EvalStore(path)


# --- run -------------------------------------------------------------------------------------


@app.command()
def run(
    dataset: Annotated[
        Repeatable,
        typer.Option(
            help=f"A bundled dataset ({', '.join(BUNDLED_DATASETS)}) or a dataset file (YAML or "
            "JSONL, see evals/README.md); repeatable. Default: every bundled dataset present.",
        ),
    ] = None,
    prompt: Annotated[
        Repeatable,
        typer.Option(help="Prompt id@version, repeatable (default: the newest version)."),
    ] = None,
    backend: Annotated[
        Repeatable,
        typer.Option(help="rules, llm, local or baseline; repeatable (default: the service's)."),
    ] = None,
    repeat: Annotated[int, typer.Option(min=1, help="Run every case K times.")] = 1,
    concurrency: Annotated[int, typer.Option(min=1, help="Cases in flight at once.")] = 4,
    fresh: Annotated[
        bool, typer.Option("--fresh", help="Start new runs instead of resuming unfinished ones.")
    ] = False,
    html: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(
            help="Also write the HTML report of these runs here (one file per dataset: "
            "report.html becomes report-dev.html, ... when there are several)."
        ),
    ] = None,
    fail_below_baseline: Annotated[
        Repeatable,
        typer.Option(
            "--fail-below-baseline",
            help="METRIC: exit 1 unless every run beats the trivial baseline on it, on every "
            "dataset (CI gate).",
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Run every dataset x prompt x backend through the service; one table per dataset."""
    from reportedly.evals.runner import RunConfig

    settings = _settings()
    gates = _gate_metrics(fail_below_baseline or [])
    datasets = _load_datasets(dataset or [])
    failed = False
    with _store(db, settings) as store:
        for data in datasets:
            config = RunConfig(
                dataset=data,
                backends=backend or [settings.resolved_default_backend],
                prompts=list(prompt) if prompt else [None],
                repeat=repeat,
                concurrency=concurrency,
                fresh=fresh,
            )
            target = _html_path(html, data.name, several=len(datasets) > 1)
            failed |= not _run_dataset(store, settings, config, html=target, gates=gates)
    if failed:
        raise typer.Exit(1)


def _gate_metrics(names: list[str]) -> list[str]:
    from reportedly.evals.scorer import METRIC_NAMES

    for metric in names:
        if metric not in METRIC_NAMES:
            _fail(f"unknown metric {metric!r}; known: {', '.join(METRIC_NAMES)}")
    return names


def _load_datasets(specs: list[str]) -> list[Dataset]:
    """The datasets named (bundled names or paths), or every bundled one when none is."""
    from reportedly.evals.dataset import DatasetError, bundled_datasets, load_dataset
    from reportedly.evals.dataset import resolve_dataset as resolve

    try:
        paths = [resolve(spec) for spec in specs] or list(bundled_datasets().values())
        if not paths:
            _fail("no bundled datasets found; pass --dataset FILE")
        return [load_dataset(path) for path in paths]
    except DatasetError as exc:
        _fail(str(exc))


def _html_path(html: Path | None, name: str, *, several: bool) -> Path | None:
    if html is None or not several:
        return html
    return html.with_name(f"{html.stem}-{name}{html.suffix}")


def _run_dataset(
    store: EvalStore,
    settings: Settings,
    config: RunConfig,
    *,
    html: Path | None,
    gates: list[str],
) -> bool:
    """Run one dataset, print its runs and metrics table; False if anything failed."""
    import asyncio

    from reportedly.evals.report import metrics_table, render_html
    from reportedly.evals.runner import RichProgress, RunSetupError, run_evals
    from reportedly.evals.views import load_view, with_baseline

    data, err = config.dataset, _err()
    try:
        with RichProgress(err) as progress:
            outcome = asyncio.run(run_evals(store, settings, config, progress=progress))
    except RunSetupError as exc:
        _fail(str(exc))
    except KeyboardInterrupt:
        _fail("interrupted; run the same command again to resume", code=130)
    for failure in outcome.failures:
        err.print(f"[red]could not run[/] {_escape(failure)}", highlight=False)
    if not outcome.runs:
        err.print(f"[red]error:[/] nothing ran on {_escape(data.name)}", highlight=False)
        return False
    for record in outcome.runs:
        how = "resumed" if record.id in outcome.resumed else "new"
        err.print(f"run [bold]{record.id}[/] ({how}): {_escape(record.label)}", highlight=False)
    views = with_baseline([load_view(store, r.id) for r in outcome.runs])
    _out().print(metrics_table(views, title=f"{_escape(data.name)} ({len(data.cases)} articles)"))
    if html is not None:
        html.write_text(render_html(views), encoding="utf-8")
        err.print(f"wrote {_escape(str(html))}")
    _out().print(" ".join(r.id for r in outcome.runs))
    below = below_baseline(views, gates)
    for line in below:
        err.print(f"[red]FAIL[/] {_escape(data.name)}: {_escape(line)}", highlight=False)
    return not outcome.failures and not below


def below_baseline(views: list[RunView], names: list[str]) -> list[str]:
    """Runs that do not beat the baseline on a gated metric (unmeasurable counts as not)."""
    from reportedly.evals.baseline import BASELINE
    from reportedly.evals.scorer import better, fmt

    base = next((v for v in views if v.record.backend == BASELINE), None)
    if base is None or not names:
        return []
    failures = []
    for view in views:
        if view is base:
            continue
        for name in names:
            ours, theirs = view.metrics.get(name), base.metrics.get(name)
            if ours is None or theirs is None or not better(name, ours - theirs):
                failures.append(
                    f"{view.record.label}: {name} {fmt(ours, name)} does not beat the "
                    f"baseline's {fmt(theirs, name)}"
                )
    return failures


# --- report, compare, runs -------------------------------------------------------------------


@app.command()
def report(
    runs: Annotated[list[str], typer.Argument(help="Run ids (or unique prefixes, or 'last').")],
    html: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(help="Write the self-contained HTML report here."),
    ] = None,
    db: DbOption = None,
) -> None:
    """Print the metrics of one or more runs (baseline included) and write an HTML report."""
    from reportedly.evals.report import metrics_table, render_html
    from reportedly.evals.store import UnknownRun
    from reportedly.evals.views import build_views

    with _store(db, _settings(), existing=True) as store:
        try:
            views = build_views(store, runs)
        except UnknownRun as exc:
            _fail(str(exc))
        if len({v.record.dataset_hash for v in views}) > 1:
            _err().print(
                "[yellow]warning:[/] the runs used different datasets (or dataset versions)"
            )
        _out().print(metrics_table(views))
        if html is not None:
            html.write_text(render_html(views), encoding="utf-8")
            _err().print(f"wrote {_escape(str(html))}")


@app.command()
def compare(
    run_a: Annotated[str, typer.Argument(help="The reference run (e.g. main's).")],
    run_b: Annotated[str, typer.Argument(help="The candidate run.")],
    fail_if_worse: Annotated[
        Repeatable,
        typer.Option(
            "--fail-if-worse",
            help="METRIC=DELTA: exit 1 if B is worse than A by more than DELTA. Repeatable.",
        ),
    ] = None,
    resamples: Annotated[int, typer.Option(min=100, help="Bootstrap resamples.")] = RESAMPLES,
    seed: Annotated[int, typer.Option(help="Bootstrap seed.")] = SEED,
    db: DbOption = None,
) -> None:
    """B - A per metric with a paired bootstrap 95% interval, and the articles that changed."""
    from reportedly.evals.compare import GateSyntaxError, compare_runs, failed_gates, parse_gates
    from reportedly.evals.store import UnknownRun

    try:
        gates = parse_gates(fail_if_worse or [])
    except GateSyntaxError as exc:
        _fail(str(exc))
    with _store(db, _settings(), existing=True) as store:
        try:
            comparison = compare_runs(store, run_a, run_b, resamples=resamples, seed=seed)
        except UnknownRun as exc:
            _fail(str(exc))
    if not comparison.same_dataset:
        _err().print("[yellow]warning:[/] different datasets; comparing the articles both scored")
    if not comparison.articles:
        _fail("the two runs share no scored articles", code=1)
    _print_comparison(comparison)
    failures = failed_gates(comparison.diffs, gates)
    for failure in failures:
        _err().print(f"[red]FAIL[/] {_escape(failure)}", highlight=False)
    if failures:
        raise typer.Exit(1)
    if gates:
        _err().print(f"gates passed: {', '.join(f'{k}={v:g}' for k, v in gates.items())}")


def _print_comparison(comparison: Comparison) -> None:
    from rich.table import Table

    from reportedly.evals.scorer import fmt

    a, b, out = comparison.a.record, comparison.b.record, _out()
    title = f"{b.label}  minus  {a.label}  ({len(comparison.articles)} articles)"
    table = Table(title=_escape(title))
    for column in ("metric", "A", "B", "B - A", "95% interval"):
        table.add_column(column, justify="left" if column == "metric" else "right")
    for d in comparison.diffs:
        interval = "-" if d.low is None else f"[{d.low:+.3f}, {d.high:+.3f}]"
        delta = "-" if d.diff is None else f"{d.diff:+.3f}"
        worse = d.worse_by or 0.0
        style = "red" if worse > 0 else "green" if worse < 0 else ""
        table.add_row(
            d.metric, fmt(d.a, d.metric), fmt(d.b, d.metric), delta, interval, style=style
        )
    out.print(table)
    if not comparison.changes:
        out.print("No article's claims changed.")
    for change in comparison.changes:
        out.print(
            f"[bold]{_escape(change.case_id)}[/] claim_f1 {fmt(change.f1_a)} -> {fmt(change.f1_b)}",
            highlight=False,
        )
        for line in [*change.removed, *change.added, *change.changed]:
            out.print(f"  {line}", highlight=False, markup=False)


@app.command("runs")
def list_runs(db: DbOption = None) -> None:
    """List recorded runs, oldest first."""
    from rich.table import Table

    from reportedly.evals.scorer import fmt

    with _store(db, _settings(), existing=True) as store:
        records = store.runs()
    table = Table(title="Recorded eval runs")
    for column in ("id", "created", "backend", "prompt", "dataset", "repeat", "status",
                   "claim_f1", "commit"):  # fmt: skip
        table.add_column(column, no_wrap=column in ("id", "status", "claim_f1"))
    for r in records:
        f1 = r.metrics.get("claim_f1") if r.metrics else None
        cells = (
            r.id, r.created_at.replace("+00:00", "Z"), f"{r.backend} ({r.model or '-'})",
            r.prompt or r.prompt_ref or "-", f"{r.dataset_name} {r.dataset_hash[:8]}",
            str(r.repeat), r.status, fmt(f1), r.git_commit or "-",
        )  # fmt: skip
        table.add_row(*(_escape(cell) for cell in cells))
    _out().print(table)
