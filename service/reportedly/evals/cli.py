"""`reportedly eval ...`: run, report, compare and list recorded eval runs.

Mounted by `service.cli` as `app.add_typer(evals.cli.app, name="eval")`. Exit codes: 0 ok,
1 a run had setup failures or a `--fail-if-worse` gate tripped, 2 bad usage (unknown run,
unreadable dataset, malformed gate).
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Annotated, NoReturn, Optional

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from reportedly.evals.baseline import BASELINE
from reportedly.evals.compare import (
    RESAMPLES,
    SEED,
    GateSyntaxError,
    case_changes,
    failed_gates,
    paired_bootstrap,
    paired_scores,
    parse_gates,
)
from reportedly.evals.dataset import DEFAULT_DATASET, DatasetError, load_dataset
from reportedly.evals.report import (
    RunView,
    build_report,
    load_view,
    metrics_table,
    render_html,
    with_baseline,
)
from reportedly.evals.runner import RunConfig, RunSetupError, run_evals
from reportedly.evals.scorer import METRIC_NAMES, better, fmt
from reportedly.evals.store import DEFAULT_DB_NAME, EvalStore, UnknownRun
from reportedly.settings import Settings

app = typer.Typer(
    help="Evals: score backends and prompts against hand-labelled articles; compare runs.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
# Piped output (CI logs, files) gets a wide table instead of rich's 80-column default.
out = Console(width=None if sys.stdout.isatty() else 140)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 140)

DbOption = Annotated[
    Optional[Path],  # noqa: UP045 - typer needs Optional here
    typer.Option(
        "--db",
        envvar="REPORTEDLY_EVALS_DB",
        help="Run store (SQLite). Default: <REPORTEDLY_CACHE_DIR>/evals.sqlite3.",
    ),
]


def _fail(message: str, code: int = 2) -> NoReturn:
    err.print(f"[red]error:[/] {escape(message)}", highlight=False)
    raise typer.Exit(code)


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        _fail(f"bad REPORTEDLY_* setting: {exc}")


def _store(db: Path | None, settings: Settings | None = None) -> EvalStore:
    path = db or (settings or _settings()).cache_dir / DEFAULT_DB_NAME
    return EvalStore(path)


def _open_existing(db: Path | None) -> EvalStore:
    path = db or _settings().cache_dir / DEFAULT_DB_NAME
    if not path.exists():
        _fail(
            f"no eval runs recorded yet ({path} does not exist); start with `reportedly eval run`"
        )
    return EvalStore(path)


@app.command()
def run(
    dataset: Annotated[
        Path, typer.Option(help="Dataset file (YAML or JSONL, see evals/README.md).")
    ] = DEFAULT_DATASET,
    prompt: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(help="Prompt id@version, repeatable (default: the newest version)."),
    ] = None,
    backend: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(help="rules, llm, local or baseline; repeatable (default: the service's)."),
    ] = None,
    repeat: Annotated[int, typer.Option(min=1, help="Run every case K times.")] = 1,
    concurrency: Annotated[int, typer.Option(min=1, help="Cases in flight at once.")] = 4,
    fresh: Annotated[
        bool, typer.Option("--fresh", help="Start new runs instead of resuming unfinished ones.")
    ] = False,
    html: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option(help="Also write the HTML report of these runs here."),
    ] = None,
    fail_below_baseline: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(
            "--fail-below-baseline",
            help="METRIC: exit 1 unless every run beats the trivial baseline on it (CI gate).",
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Run every article x prompt x backend through the service and record the scores."""
    settings = _settings()
    for metric in fail_below_baseline or []:
        if metric not in METRIC_NAMES:
            _fail(f"unknown metric {metric!r}; known: {', '.join(METRIC_NAMES)}")
    try:
        data = load_dataset(dataset)
    except DatasetError as exc:
        _fail(str(exc))
    config = RunConfig(
        dataset=data,
        backends=backend or [settings.resolved_default_backend],
        prompts=list(prompt) if prompt else [None],
        repeat=repeat,
        concurrency=concurrency,
        fresh=fresh,
    )
    with _store(db, settings) as store:
        try:
            outcome = asyncio.run(run_evals(store, settings, config, console=err))
        except RunSetupError as exc:
            _fail(str(exc))
        except KeyboardInterrupt:
            _fail("interrupted; run the same command again to resume", code=130)
        for failure in outcome.failures:
            err.print(f"[red]could not run[/] {escape(failure)}", highlight=False)
        if not outcome.runs:
            _fail("nothing ran", code=1)
        for record in outcome.runs:
            how = "resumed" if record.id in outcome.resumed else "new"
            err.print(f"run [bold]{record.id}[/] ({how}): {escape(record.label)}", highlight=False)
        views = with_baseline([load_view(store, r.id) for r in outcome.runs])
        out.print(metrics_table(views, title=f"{escape(data.name)} ({len(data.cases)} articles)"))
        if html is not None:
            html.write_text(render_html(views), encoding="utf-8")
            err.print(f"wrote {escape(str(html))}")
        out.print(" ".join(r.id for r in outcome.runs))
    below = _below_baseline(views, fail_below_baseline or [])
    for line in below:
        err.print(f"[red]FAIL[/] {escape(line)}", highlight=False)
    if outcome.failures or below:
        raise typer.Exit(1)


def _below_baseline(views: list[RunView], names: list[str]) -> list[str]:
    """Runs that do not beat the baseline on a gated metric (unmeasurable counts as not)."""
    base = next((v for v in views if v.record.backend == BASELINE), None)
    if base is None or not names:
        return []
    failures = []
    for view in views:
        if view is base:
            continue
        for name in names:
            ours, theirs = view.summary.get(name), base.summary.get(name)
            if ours is None or theirs is None or not better(name, ours - theirs):
                failures.append(
                    f"{view.record.label}: {name} {fmt(ours, name)} does not beat the "
                    f"baseline's {fmt(theirs, name)}"
                )
    return failures


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
    with _open_existing(db) as store:
        try:
            views = build_report(store, runs)
        except UnknownRun as exc:
            _fail(str(exc))
        if len({v.record.dataset_hash for v in views}) > 1:
            err.print("[yellow]warning:[/] the runs used different datasets (or dataset versions)")
        out.print(metrics_table(views))
        if html is not None:
            html.write_text(render_html(views), encoding="utf-8")
            err.print(f"wrote {escape(str(html))}")


@app.command()
def compare(
    run_a: Annotated[str, typer.Argument(help="The reference run (e.g. main's).")],
    run_b: Annotated[str, typer.Argument(help="The candidate run.")],
    fail_if_worse: Annotated[
        Optional[list[str]],  # noqa: UP045
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
    try:
        gates = parse_gates(fail_if_worse or [])
    except GateSyntaxError as exc:
        _fail(str(exc))
    with _open_existing(db) as store:
        try:
            a, b = load_view(store, run_a), load_view(store, run_b)
        except UnknownRun as exc:
            _fail(str(exc))
    if a.record.dataset_hash != b.record.dataset_hash:
        err.print("[yellow]warning:[/] different datasets; comparing the articles both scored")
    common, sa, sb = paired_scores(a.records, b.records)
    if not common:
        _fail("the two runs share no scored articles", code=1)
    diffs = paired_bootstrap(sa, sb, resamples=resamples, seed=seed)
    table = Table(
        title=escape(f"{b.record.label}  minus  {a.record.label}  ({len(common)} articles)")
    )
    for column in ("metric", "A", "B", "B - A", "95% interval"):
        table.add_column(column, justify="left" if column == "metric" else "right")
    for d in diffs:
        interval = "-" if d.low is None else f"[{d.low:+.3f}, {d.high:+.3f}]"
        delta = "-" if d.diff is None else f"{d.diff:+.3f}"
        style = ""
        if d.worse_by is not None and d.worse_by > 0:
            style = "red"
        elif d.worse_by is not None and d.worse_by < 0:
            style = "green"
        table.add_row(
            d.metric, fmt(d.a, d.metric), fmt(d.b, d.metric), delta, interval, style=style
        )
    out.print(table)
    changes = case_changes(a.records, b.records)
    if not changes:
        out.print("No article's claims changed.")
    for change in changes:
        out.print(
            f"[bold]{escape(change.case_id)}[/] claim_f1 {fmt(change.f1_a)} -> {fmt(change.f1_b)}",
            highlight=False,
        )
        for line in [*change.removed, *change.added, *change.changed]:
            out.print(f"  {line}", highlight=False, markup=False)
    failures = failed_gates(diffs, gates)
    for failure in failures:
        err.print(f"[red]FAIL[/] {escape(failure)}", highlight=False)
    if failures:
        raise typer.Exit(1)
    if gates:
        err.print(f"gates passed: {', '.join(f'{k}={v:g}' for k, v in gates.items())}")


@app.command("runs")
def list_runs(db: DbOption = None) -> None:
    """List recorded runs, oldest first."""
    with _open_existing(db) as store:
        records = store.runs()
    table = Table(title="Recorded eval runs")
    for column in ("id", "created", "backend", "prompt", "dataset", "repeat", "status",
                   "claim_f1", "commit"):  # fmt: skip
        table.add_column(column, no_wrap=column in ("id", "status", "claim_f1"))
    for r in records:
        f1 = r.summary.get("claim_f1") if r.summary else None
        cells = (
            r.id, r.created_at.replace("+00:00", "Z"), f"{r.backend} ({r.model or '-'})",
            r.prompt or r.prompt_ref or "-", f"{r.dataset_name} {r.dataset_hash[:8]}",
            str(r.repeat), r.status, fmt(f1), r.git_commit or "-",
        )  # fmt: skip
        table.add_row(*(escape(cell) for cell in cells))
    out.print(table)
