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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from rich.markup import escape
from rich.table import Table

from reportedly.evals.baseline import BASELINE, BASELINE_MODEL, baseline_summary
from reportedly.evals.dataset import Case
from reportedly.evals.scorer import (
    LOWER_IS_BETTER,
    METRIC_NAMES,
    CaseResult,
    CaseScore,
    fmt,
    metrics,
    score_case,
    summarize_scores,
)
from reportedly.evals.store import CaseRecord, EvalStore, RunRecord
from reportedly.schema import CONFIDENCES, Summary

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
# Metrics in 0..1 (charted on a fixed scale); the rest are charted relative to the largest.
UNIT_METRICS = frozenset(m for m in METRIC_NAMES if m not in LOWER_IS_BETTER)
TABLE_METRICS: tuple[str, ...] = (
    *METRIC_NAMES[:10],
    "claim_f1_macro",
    *METRIC_NAMES[10:],
)


@dataclass
class RunView:
    """A run with its gold cases and stored outputs, ready to tabulate and render."""

    record: RunRecord
    cases: list[Case]
    records: list[CaseRecord]
    summary: dict[str, Any] = field(default_factory=dict)

    def output(self, case_id: str) -> CaseRecord | None:
        """Repeat 0 of a case: the output shown in the article view."""
        return next((r for r in self.records if r.case_id == case_id and r.repeat_index == 0), None)


def load_view(store: EvalStore, ref: str) -> RunView:
    """A recorded run, re-scored from its stored outputs and gold snapshot with the current
    scorer, so runs recorded before a scorer change stay comparable with new ones."""
    record = store.get_run(ref)
    cases = store.dataset_cases(record.dataset_hash)
    by_id = {case.id: case for case in cases}
    records = [
        r.model_copy(update={"score": score_case(by_id[r.case_id], r.output).score})
        if r.case_id in by_id
        else r
        for r in store.cases(record.id)
    ]
    view = RunView(record=record, cases=cases, records=records)
    view.summary = _summary(records)
    return view


def baseline_view(like: RunRecord, cases: Sequence[Case]) -> RunView:
    """The baseline over the same dataset, computed in memory (it costs milliseconds)."""
    record = like.model_copy(
        update={
            "id": "computed",
            "backend": BASELINE,
            "prompt_ref": None,
            "prompt": None,
            "prompt_hash": BASELINE_MODEL,
            "model": BASELINE_MODEL,
            "repeat": 1,
            "status": "finished",
            "summary": None,
        }
    )
    records = []
    for case in cases:
        output = baseline_summary(case.text)
        records.append(
            CaseRecord(
                run_id="computed",
                case_id=case.id,
                repeat_index=0,
                output=output,
                error=None,
                score=score_case(case, output).score,
                tokens=0,
                attempts=1,
                latency_ms=output.meta.latency_ms,
                cached=False,
            )
        )
    return RunView(record=record, cases=list(cases), records=records, summary=_summary(records))


def _summary(records: Sequence[CaseRecord]) -> dict[str, Any]:
    out = summarize_scores([r.score for r in records]) if records else {}
    out["errors"] = sum(r.error is not None for r in records)
    out["cached"] = sum(r.cached for r in records)
    return out


def with_baseline(views: list[RunView]) -> list[RunView]:
    if not views or any(v.record.backend == BASELINE for v in views):
        return views
    return [*views, baseline_view(views[0].record, views[0].cases)]


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
        table.add_row(metric, *(fmt(v.summary.get(metric), metric) for v in views))
    table.add_row(
        "cases (errors, cached)",
        *(
            f"{v.summary.get('counts', {}).get('cases', 0)} "
            f"({v.summary.get('errors', 0)}, {v.summary.get('cached', 0)})"
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
    by_gold = {m.gold: m for m in result.matches}
    by_pred = {m.predicted: m for m in result.matches}
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


def _tf(claim: Any) -> str:
    t = claim.timeframe
    parts = [t.text or "", f"{t.start or ''}..{t.end or ''}" if (t.start or t.end) else ""]
    return " ".join(p for p in parts if p) or "-"


def _article(view: RunView, case: Case) -> ArticleView:
    record = view.output(case.id)
    output = record.output if record else None
    result = score_case(case, output)
    by_gold = {m.gold: m for m in result.matches}
    by_pred = {m.predicted: m for m in result.matches}
    gold_rows = []
    for i, g in enumerate(case.claims):
        m = by_gold.get(i)
        status = "matched" if m else ("optional" if g.optional else "missed")
        detail = f"P{m.predicted + 1}, similarity {m.similarity:.2f}" if m else ""
        gold_rows.append(
            ClaimRow(
                f"G{i + 1}",
                status,
                g.claim,
                f"{g.source.name} ({g.source.type})",
                g.confidence,
                _tf(g),
                ", ".join(g.who),
                detail,
            )
        )
    predicted_rows = []
    for i, p in enumerate(output.claims if output else []):
        m = by_pred.get(i)
        if m:
            wrong = [
                name
                for name, ok in (
                    ("source", m.source_right),
                    ("confidence", m.confidence_right),
                    ("timeframe", m.timeframe_right),
                )
                if not ok
            ]
            detail = f"G{m.gold + 1}" + (f"; wrong {', '.join(wrong)}" if wrong else "; all right")
        else:
            detail = ""
        ungrounded = sum(1 for ci, _ in result.ungrounded if ci == i)
        if ungrounded:
            detail += f"; {ungrounded} ungrounded evidence"
        predicted_rows.append(
            ClaimRow(
                f"P{i + 1}",
                "matched" if m else "invented",
                p.claim,
                f"{p.source.name} ({p.source.type})",
                p.confidence,
                _tf(p),
                ", ".join(p.who),
                detail.strip("; "),
            )
        )
    m_all = metrics(result.score)
    score = {
        name: fmt(m_all[name], name)
        for name in ("claim_precision", "claim_recall", "claim_f1", "attribution_accuracy",
                     "confidence_accuracy", "grounding_rate", "furniture_leaks")
    }  # fmt: skip
    return ArticleView(
        run_label=view.record.label,
        segments=segments(case.text, _spans(case, output, result)),
        gold_rows=gold_rows,
        predicted_rows=predicted_rows,
        error=record.error if record else "no output recorded",
        score=score,
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
        values = [v.summary.get(metric) for v in views]
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
        (metric, [fmt(v.summary.get(metric), metric) for v in views]) for metric in TABLE_METRICS
    ]
    confusions = [(v.record.label, v.summary.get("confusion")) for v in views]
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


def build_report(store: EvalStore, refs: Sequence[str]) -> list[RunView]:
    """Views for the named runs, plus the baseline for reference."""
    return with_baseline([load_view(store, ref) for ref in refs])


def case_scores(view: RunView) -> list[tuple[str, CaseScore]]:
    return [(r.case_id, r.score) for r in view.records]
