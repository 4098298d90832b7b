"""A `Summary` as a table for a terminal (`reportedly summarize --pretty`)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from reportedly.schema import Summary


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
