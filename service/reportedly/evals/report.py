"""Reports over recorded runs: a terminal table (rich) and one self-contained HTML file.

The HTML has inline CSS and SVG only (no scripts, no external assets), so it can be mailed or
attached to a CI job. Article text and model output are untrusted: everything goes through
Jinja2 autoescaping. The trivial baseline is always included for reference (computed on the
fly from the run's dataset snapshot when none of the runs is a baseline run).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import jinja2
from rich.markup import escape
from rich.table import Table

from reportedly.evals.dataset import Case, GoldClaim
from reportedly.evals.scorer import (
    LOWER_IS_BETTER,
    METRIC_NAMES,
    CaseResult,
    fmt,
    metrics,
    score_case,
)
from reportedly.evals.views import RunView
from reportedly.schema import CONFIDENCES, Claim, Summary

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
# Metrics in 0..1 (charted on a fixed scale); the rest are charted relative to the largest.
UNIT_METRICS = frozenset(m for m in METRIC_NAMES if m not in LOWER_IS_BETTER)
TABLE_METRICS: tuple[str, ...] = (
    *METRIC_NAMES[:10],
    "claim_f1_macro",
    *METRIC_NAMES[10:],
)


# --- terminal --------------------------------------------------------------------------------


def metrics_table(views: Sequence[RunView], title: str = "Eval metrics") -> Table:
    table = Table(title=title, show_lines=False)
    table.add_column("metric", style="bold")
    for view in views:
        r = view.record
        heading = f"{r.id}\n{r.backend}"
        if r.prompt or r.prompt_ref:
            heading += f"\n{r.prompt or r.prompt_ref}"
        table.add_column(escape(heading), justify="right")
    for metric in TABLE_METRICS:
        table.add_row(metric, *(fmt(v.metrics.get(metric), metric) for v in views))
    table.add_row(
        "cases (errors, cached)",
        *(
            f"{v.metrics.get('counts', {}).get('cases', 0)} "
            f"({v.metrics.get('errors', 0)}, {v.metrics.get('cached', 0)})"
            for v in views
        ),
    )
    return table


# --- HTML ------------------------------------------------------------------------------------


@dataclass
class Segment:
    text: str
    classes: list[str]
    notes: list[str]


@dataclass
class ClaimRow:
    number: str
    status: str  # matched, missed, optional, invented
    claim: str
    source: str
    confidence: str
    timeframe: str
    who: str
    detail: str


@dataclass
class ArticleView:
    run_label: str
    segments: list[Segment]
    gold_rows: list[ClaimRow]
    predicted_rows: list[ClaimRow]
    error: str | None
    score: dict[str, str]


def _spans(
    case: Case, output: Summary | None, result: CaseResult
) -> list[tuple[int, int, str, str]]:
    """(start, end, css class, note) for every gold and predicted evidence span."""
    spans: list[tuple[int, int, str, str]] = []
    by_gold, by_pred = result.by_gold(), result.by_predicted()
    for i, gold in enumerate(case.claims):
        if i in by_gold:
            cls, state = "g-hit", f"matched by P{by_gold[i].predicted + 1}"
        elif gold.optional:
            cls, state = "g-opt", "optional, not found"
        else:
            cls, state = "g-miss", "missed"
        note = f"G{i + 1} ({state}): {gold.claim} [{gold.source.name}, {gold.confidence}]"
        spans.extend((e.start, e.end, cls, note) for e in gold.evidence)
    if output is not None:
        n = len(case.text)
        spans.extend(
            (r.start, r.end, "rm", f"removed as furniture: {r.reason}")
            for r in output.document.removed
            if 0 <= r.start < r.end <= n
        )
        for i, claim in enumerate(output.claims):
            hit = by_pred.get(i)
            cls = "p-hit" if hit else "p-inv"
            state = f"matches G{hit.gold + 1}" if hit else "invented"
            note = f"P{i + 1} ({state}): {claim.claim} [{claim.source.name}, {claim.confidence}]"
            for e in claim.evidence:
                if 0 <= e.start < e.end <= n and case.text[e.start : e.end] == e.quote:
                    spans.append((e.start, e.end, cls, note))
    return spans


def segments(text: str, spans: Sequence[tuple[int, int, str, str]]) -> list[Segment]:
    """Cut the text at every span boundary so overlapping spans render as stacked classes."""
    cuts = sorted({0, len(text), *(s for s, *_ in spans), *(e for _, e, *_ in spans)})
    out: list[Segment] = []
    for lo, hi in itertools.pairwise(cuts):
        if hi <= lo:
            continue
        covering = [(cls, note) for s, e, cls, note in spans if s <= lo and hi <= e]
        classes = sorted({cls for cls, _ in covering})
        notes = list(dict.fromkeys(note for _, note in covering))
        if out and out[-1].classes == classes and out[-1].notes == notes:
            out[-1].text += text[lo:hi]
        else:
            out.append(Segment(text[lo:hi], classes, notes))
    return out


def _tf(claim: Claim | GoldClaim) -> str:
    t = claim.timeframe
    parts = [t.text or "", f"{t.start or ''}..{t.end or ''}" if (t.start or t.end) else ""]
    return " ".join(p for p in parts if p) or "-"


def _gold_rows(case: Case, result: CaseResult) -> list[ClaimRow]:
    by_gold = result.by_gold()
    rows = []
    for i, g in enumerate(case.claims):
        m = by_gold.get(i)
        status = "matched" if m else ("optional" if g.optional else "missed")
        detail = f"P{m.predicted + 1}, similarity {m.judged.similarity:.2f}" if m else ""
        rows.append(_row(f"G{i + 1}", status, g, detail))
    return rows


def _predicted_rows(output: Summary | None, result: CaseResult) -> list[ClaimRow]:
    by_pred = result.by_predicted()
    rows = []
    for i, p in enumerate(output.claims if output else []):
        m = by_pred.get(i)
        detail = ""
        if m:
            wrong = [name for name, ok in m.judged.verdicts() if not ok]
            detail = f"G{m.gold + 1}" + (f"; wrong {', '.join(wrong)}" if wrong else "; all right")
        ungrounded = sum(1 for ci, _ in result.ungrounded if ci == i)
        if ungrounded:
            detail += f"; {ungrounded} ungrounded evidence"
        rows.append(_row(f"P{i + 1}", "matched" if m else "invented", p, detail.strip("; ")))
    return rows


def _row(number: str, status: str, claim: Claim | GoldClaim, detail: str) -> ClaimRow:
    source = f"{claim.source.name} ({claim.source.type})"
    who = ", ".join(claim.who)
    return ClaimRow(number, status, claim.claim, source, claim.confidence, _tf(claim), who, detail)


ARTICLE_METRICS = (
    "claim_precision", "claim_recall", "claim_f1", "attribution_accuracy",
    "confidence_accuracy", "grounding_rate", "furniture_leaks",
)  # fmt: skip


def _article(view: RunView, case: Case) -> ArticleView:
    record = view.output(case.id)
    output = record.output if record else None
    result = score_case(case, output)
    scores = metrics(result.score)
    return ArticleView(
        run_label=view.record.label,
        segments=segments(case.text, _spans(case, output, result)),
        gold_rows=_gold_rows(case, result),
        predicted_rows=_predicted_rows(output, result),
        error=record.error if record else "no output recorded",
        score={name: fmt(scores[name], name) for name in ARTICLE_METRICS},
    )


@dataclass
class Bar:
    label: str
    value: str
    width: float  # 0..1 of the chart width
    worse: bool


def _charts(views: Sequence[RunView]) -> list[tuple[str, list[Bar]]]:
    charts = []
    for metric in TABLE_METRICS:
        values = [v.metrics.get(metric) for v in views]
        numbers = [x for x in values if isinstance(x, int | float)]
        if not numbers:
            continue
        top = 1.0 if metric in UNIT_METRICS else max(max(numbers), 1e-9)
        best = min(numbers) if metric in LOWER_IS_BETTER else max(numbers)
        bars = [
            Bar(
                view.record.label,
                fmt(x, metric),
                max(0.0, min(1.0, x / top)) if isinstance(x, int | float) else 0.0,
                isinstance(x, int | float) and x != best,
            )
            for view, x in zip(views, values, strict=True)
        ]
        charts.append((metric, bars))
    return charts


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,  # article text and model output are untrusted
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(views: Sequence[RunView]) -> str:
    cases = views[0].cases if views else []
    articles = [
        (case, [_article(view, case) for view in views if any(c.id == case.id for c in view.cases)])
        for case in cases
    ]
    rows = [
        (metric, [fmt(v.metrics.get(metric), metric) for v in views]) for metric in TABLE_METRICS
    ]
    confusions = [(v.record.label, v.metrics.get("confusion")) for v in views]
    return (
        _environment()
        .get_template("report.html.j2")
        .render(
            generated=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            views=views,
            rows=rows,
            charts=_charts(views),
            articles=articles,
            confusions=confusions,
            labels=CONFIDENCES,
            lower_is_better=sorted(LOWER_IS_BETTER),
        )
    )
