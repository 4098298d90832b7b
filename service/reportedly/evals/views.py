"""Recorded runs made ready to read: gold cases, stored outputs re-scored with the current
scorer, and the run's metrics. Tables, the HTML report, comparisons and the workbench all
start from a `RunView`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from reportedly.evals.baseline import BASELINE, BASELINE_MODEL, baseline_summary
from reportedly.evals.dataset import Case
from reportedly.evals.scorer import score_case
from reportedly.evals.store import CaseRecord, EvalStore, RunRecord, run_metrics


@dataclass
class RunView:
    """A run with its gold cases and stored outputs, ready to tabulate and render."""

    record: RunRecord
    cases: list[Case]
    records: list[CaseRecord]
    metrics: dict[str, Any] = field(default_factory=dict)

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
    return RunView(record=record, cases=cases, records=records, metrics=run_metrics(records))


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
            "metrics": None,
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
    return RunView(record=record, cases=list(cases), records=records, metrics=run_metrics(records))


def with_baseline(views: list[RunView]) -> list[RunView]:
    """The views plus the baseline over the first one's dataset, unless one is a baseline."""
    if not views or any(v.record.backend == BASELINE for v in views):
        return views
    return [*views, baseline_view(views[0].record, views[0].cases)]


def build_views(store: EvalStore, refs: Sequence[str]) -> list[RunView]:
    """Views for the named runs, plus the baseline for reference."""
    return with_baseline([load_view(store, ref) for ref in refs])
