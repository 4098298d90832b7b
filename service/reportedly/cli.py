"""`reportedly`: serve the API, summarize a file, list prompts, run evals.

Only typer is imported up front: each command imports what it needs, so `--help` and a
cached `summarize` start without the web framework, the LLM SDK, spaCy or scipy.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, Optional

import typer

from reportedly.evals.cli import app as eval_app

if TYPE_CHECKING:
    from reportedly.schema import Summary, SummaryRequest
    from reportedly.settings import Settings

app = typer.Typer(
    help="reportedly: who claims what, on whose authority, about when, and how firmly.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: rendering it with rich costs ~0.5 s of imports
)
app.add_typer(eval_app, name="eval", help="Run, report and compare evals.")

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
    import os

    import uvicorn

    from reportedly.app import create_app
    from reportedly.logs import uvicorn_log_config
    from reportedly.prompts import PromptRegistry

    settings = _settings(backend)
    PromptRegistry.load(settings.prompts_dir)  # a broken prompt file fails here, not in a worker
    if settings.workbench is None:  # on for a loopback bind only: it writes prompt files
        # (and in one process only: its eval jobs live in the process that started them)
        settings = settings.model_copy(update={"workbench": _is_loopback(host) and workers == 1})
    name = settings.resolved_default_backend
    if workers > 1 and name == "local":
        _fail("The local backend runs one model server: use --workers 1.", code=2)
    _stderr(f"reportedly: default backend [bold]{name}[/]; docs at http://{host}:{port}/docs")
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_config": uvicorn_log_config(),
        "server_header": False,
    }
    if settings.workbench:
        _stderr(f"reportedly: prompt workbench at http://{host}:{port}/workbench")
    if workers == 1:
        uvicorn.run(create_app(settings), **options)
        return
    # Worker processes build their own app from the environment, so pass overrides through it.
    os.environ["REPORTEDLY_DEFAULT_BACKEND"] = name
    os.environ["REPORTEDLY_WORKBENCH"] = "true" if settings.workbench else "false"
    uvicorn.run("reportedly.app:create_app_from_env", factory=True, workers=workers, **options)


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
    stream: Annotated[
        bool,
        typer.Option(
            "--stream",
            help="Print each event (claim, warning, summary, error) as one JSON line as soon "
            "as it is ready.",
        ),
    ] = False,
) -> None:
    """Summarize one article and print the response (JSON by default)."""
    import asyncio

    from reportedly.errors import ReportedlyError

    request = _summary_request(_read(file), html, title, published, prompt, backend)
    if stream:
        try:
            failed = asyncio.run(_summarize_stream(_settings(backend), request))
        except ReportedlyError as exc:
            _fail(f"{exc.title}: {exc.detail}", code=2 if exc.status < 500 else 1)
        raise typer.Exit(1 if failed else 0)
    try:
        result = asyncio.run(_summarize(_settings(backend), request))
    except ReportedlyError as exc:
        _fail(f"{exc.title}: {exc.detail}", code=2 if exc.status < 500 else 1)
    if pretty:
        from rich.console import Console

        from reportedly.summary_table import print_summary

        print_summary(result, Console())
    else:
        sys.stdout.write(result.model_dump_json(indent=2) + "\n")


@app.command()
def prompts() -> None:
    """List prompt versions with their hashes."""
    from rich.console import Console
    from rich.table import Table

    from reportedly.prompts import PromptRegistry
    from reportedly.settings import Settings

    table = Table("ref", "hash", "description")
    for entry in PromptRegistry.load(Settings().prompts_dir).entries():
        table.add_row(entry.ref, entry.hash, entry.description)
    Console().print(table)


def _summary_request(
    text: str,
    html: bool,
    title: str | None,
    published: str | None,
    prompt: str | None,
    backend: str | None,
) -> SummaryRequest:
    import datetime as dt

    from reportedly.schema import SummaryRequest

    try:
        date = dt.date.fromisoformat(published) if published else None
    except ValueError:
        _fail(f"--published must be YYYY-MM-DD, not {published!r}.", code=2)
    return SummaryRequest(
        text=None if html else text,
        html=text if html else None,
        title=title,
        published=date,
        prompt=prompt,
        backend=backend,
    )


async def _summarize(settings: Settings, request: SummaryRequest) -> Summary:
    from reportedly.pipeline import summarize as run_summary
    from reportedly.services import open_services

    async with open_services(settings) as services:
        return await run_summary(services, request)


async def _summarize_stream(settings: Settings, request: SummaryRequest) -> bool:
    """Print events as JSON lines; True when the stream ended with an error event."""
    import json

    from reportedly.pipeline import prepare
    from reportedly.services import open_services
    from reportedly.streaming import summarize_stream

    failed = False
    async with open_services(settings) as services:
        async for event in summarize_stream(services, await prepare(services, request)):
            line = json.dumps({"event": event.name, "data": event.data}, ensure_ascii=False)
            sys.stdout.write(line + "\n")
            sys.stdout.flush()
            failed = failed or event.name == "error"
    return failed


def _settings(backend: str | None) -> Settings:
    from reportedly.errors import ReportedlyError
    from reportedly.settings import BackendName, Settings

    settings = Settings()
    if backend is not None:
        try:
            name: BackendName = settings.backend_name(backend)
        except ReportedlyError as exc:
            _fail(exc.detail, code=2)
        settings = settings.model_copy(update={"default_backend": name})
    return settings


def _is_loopback(host: str) -> bool:
    import ipaddress

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
    from rich.markup import escape

    # Escaped: paths and details may hold "[...]", which rich would read as markup.
    _stderr(f"[red]error:[/] {escape(message)}")


def _stderr(markup: str) -> None:
    from rich.console import Console

    Console(stderr=True, soft_wrap=True).print(markup)  # soft wrap: one line in logs


def main() -> None:
    from reportedly.errors import PromptFileInvalid

    try:
        app()
    except PromptFileInvalid as exc:  # a prompt author's mistake: say where, not a traceback
        _print_error(str(exc))
        sys.exit(2)


if __name__ == "__main__":
    main()
