"""`reportedly`: serve the API, summarize a file, list prompts, run evals."""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import os
import sys
from pathlib import Path
from typing import Annotated, NoReturn, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from reportedly.errors import ReportedlyError
from reportedly.prompts import PromptFileInvalid, PromptRegistry
from reportedly.schema import Summary, SummaryRequest
from reportedly.settings import BackendName, Settings

app = typer.Typer(
    help="reportedly: who claims what, on whose authority, about when, and how firmly.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True, soft_wrap=True)  # messages stay one line in logs

BackendOption = Annotated[
    Optional[str],  # noqa: UP045 - typer needs Optional here
    typer.Option(help="llm, local or rules (default: llm if configured, else rules)."),
]


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    backend: BackendOption = None,
    workers: Annotated[
        int, typer.Option(min=1, help="Processes; CPU per request is the limit under load.")
    ] = 1,
) -> None:
    """Start the HTTP API (docs at /docs)."""
    import uvicorn

    from reportedly.app import create_app

    settings = _settings(backend)
    PromptRegistry.load(settings.prompts_dir)  # a broken prompt file fails here, not in a worker
    if settings.workbench is None:  # on for a loopback bind only: it writes prompt files
        # (and in one process only: its eval jobs live in the process that started them)
        settings = settings.model_copy(update={"workbench": _is_loopback(host) and workers == 1})
    name = settings.resolved_default_backend
    if workers > 1 and name == "local":
        _fail("The local backend runs one model server: use --workers 1.", code=2)
    err.print(f"reportedly: default backend [bold]{name}[/]; docs at http://{host}:{port}/docs")
    if settings.workbench:
        err.print(f"reportedly: prompt workbench at http://{host}:{port}/workbench")
    if workers == 1:
        uvicorn.run(create_app(settings), host=host, port=port, log_level="info")
        return
    # Worker processes build their own app from the environment, so pass overrides through it.
    os.environ["REPORTEDLY_DEFAULT_BACKEND"] = name
    os.environ["REPORTEDLY_WORKBENCH"] = "true" if settings.workbench else "false"
    uvicorn.run(
        "reportedly.app:create_app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
    )


@app.command()
def summarize(
    file: Annotated[str, typer.Argument(help="Article file, or - for standard input.")],
    html: Annotated[bool, typer.Option("--html", help="The file is HTML.")] = False,
    title: Annotated[Optional[str], typer.Option()] = None,  # noqa: UP045
    published: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(help="Publication date (YYYY-MM-DD), to resolve relative timeframes."),
    ] = None,
    prompt: Annotated[Optional[str], typer.Option(help="e.g. claims@2")] = None,  # noqa: UP045
    backend: BackendOption = None,
    pretty: Annotated[bool, typer.Option("--pretty", help="A readable view, not JSON.")] = False,
) -> None:
    """Summarize one article and print the response (JSON by default)."""
    from reportedly.pipeline import open_services
    from reportedly.pipeline import summarize as run_summary

    text = _read(file)
    try:
        date = dt.date.fromisoformat(published) if published else None
    except ValueError:
        _fail(f"--published must be YYYY-MM-DD, not {published!r}.", code=2)
    request = SummaryRequest(
        text=None if html else text,
        html=text if html else None,
        title=title,
        published=date,
        prompt=prompt,
        backend=backend,
    )

    async def run() -> Summary:
        async with open_services(_settings(backend)) as services:
            return await run_summary(services, request)

    try:
        result = asyncio.run(run())
    except ReportedlyError as exc:
        _fail(f"{exc.title}: {exc.detail}", code=2 if exc.status < 500 else 1)
    if pretty:
        print_summary(result, Console())
    else:
        sys.stdout.write(result.model_dump_json(indent=2) + "\n")


@app.command()
def prompts() -> None:
    """List prompt versions with their hashes."""
    table = Table("ref", "hash", "description")
    for entry in PromptRegistry.load(Settings().prompts_dir).list():
        table.add_row(str(entry["ref"]), str(entry["hash"]), str(entry["description"]))
    Console().print(table)


def print_summary(result: Summary, console: Console) -> None:
    console.print(f"[bold]{result.headline or '(no headline)'}[/]")
    console.print(result.summary, style="italic")
    table = Table(show_lines=True, expand=True)
    table.add_column("#", justify="right")
    # The claim is what a reader came for: it gets most of a narrow terminal's width.
    table.add_column("claim", ratio=3)
    for name in ("who", "source", "when"):
        table.add_column(name, ratio=1, overflow="fold")
    table.add_column("conf.")
    for n, claim in enumerate(result.claims, 1):
        when = claim.timeframe.text or ""
        if claim.timeframe.start:
            when += f"\n{claim.timeframe.start}..{claim.timeframe.end or ''}"
        table.add_row(
            str(n),
            claim.claim,
            ", ".join(claim.who),
            f"{claim.source.name}\n({claim.source.type})",
            when,
            claim.confidence,
        )
    console.print(table)
    meta = result.meta
    console.print(
        f"backend={meta.backend} model={meta.model} prompt={meta.prompt} "
        f"claims={len(result.claims)} dropped={meta.dropped} cached={meta.cached} "
        f"tokens={meta.usage.total_tokens} latency={meta.latency_ms:.0f}ms "
        f"removed={len(result.document.removed)} furniture ranges"
    )
    for warning in meta.warnings:
        console.print(f"[yellow]warning:[/] {warning}")


def _settings(backend: str | None) -> Settings:
    settings = Settings()
    if backend is not None:
        try:
            name: BackendName = settings.backend_name(backend)
        except ReportedlyError as exc:
            _fail(exc.detail, code=2)
        settings = settings.model_copy(update={"default_backend": name})
    return settings


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _read(file: str) -> str:
    try:
        raw = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
        return raw.decode("utf-8")
    except OSError as exc:
        _fail(f"Cannot read {file}: {exc.strerror}.", code=2)
    except UnicodeDecodeError:
        _fail(f"{file} is not UTF-8 text.", code=2)


def _fail(message: str, *, code: int) -> NoReturn:
    _print_error(message)
    raise typer.Exit(code)


def _print_error(message: str) -> None:
    # Escaped: paths and details may hold "[...]", which rich would read as markup.
    err.print(f"[red]error:[/] {escape(message)}")


def _mount_evals() -> None:
    from reportedly.evals.cli import app as eval_app

    app.add_typer(eval_app, name="eval", help="Run, report and compare evals.")


_mount_evals()


def main() -> None:
    try:
        app()
    except PromptFileInvalid as exc:  # a prompt author's mistake: say where, not a traceback
        _print_error(str(exc))
        sys.exit(2)


if __name__ == "__main__":
    main()
