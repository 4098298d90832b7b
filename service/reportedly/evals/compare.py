"""Comparing two recorded runs: per-metric differences with a paired bootstrap interval over
articles, what changed article by article, and CI gates (`--fail-if-worse METRIC=DELTA`).

The bootstrap resamples *articles* (with replacement, the same indices for both runs, so the
comparison is paired) and recomputes each metric from the summed counts of the resample,
exactly as the overall number is computed. Repeats of an article are summed first: articles,
not repeats, are the independent units. The interval is the 2.5th-97.5th percentile of the
resampled differences (B - A). With four articles it is wide; that is the honest answer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from reportedly.evals.matching import match_claims, source_name_right
from reportedly.evals.scorer import (
    LOWER_IS_BETTER,
    METRIC_NAMES,
    CaseScore,
    merge_by_case,
    metrics,
    total,
)
from reportedly.evals.store import CaseRecord
from reportedly.schema import Summary

RESAMPLES = 2000
SEED = 20240601


@dataclass(frozen=True)
class MetricDiff:
    metric: str
    a: float | None
    b: float | None
    diff: float | None  # b - a
    low: float | None  # 95% bootstrap interval of b - a
    high: float | None

    @property
    def worse_by(self) -> float | None:
        """How much worse B is than A (positive = worse), in the metric's own units."""
        if self.diff is None:
            return None
        return self.diff if self.metric in LOWER_IS_BETTER else -self.diff


_SCALARS = tuple(f for f in CaseScore.model_fields if f not in ("confusion", "latencies_ms"))


class _Stack:
    """Case counts as one array, so a resample's total is a fancy-indexed sum (the bootstrap
    sums thousands of resamples; adding pydantic models one by one is too slow for that)."""

    def __init__(self, scores: Sequence[CaseScore]) -> None:
        self.counts = np.array(
            [[float(getattr(s, f)) for f in _SCALARS] + [x for row in s.confusion for x in row]
             for s in scores],
            dtype=float,
        ).reshape(len(scores), len(_SCALARS) + 9)  # fmt: skip
        self.latencies = [s.latencies_ms for s in scores]

    def total(self, idx: np.ndarray[Any, Any]) -> CaseScore:
        sums = self.counts[idx].sum(axis=0)
        fields: dict[str, Any] = dict(zip(_SCALARS, sums[: len(_SCALARS)].tolist(), strict=True))
        confusion = sums[len(_SCALARS) :].reshape(3, 3).tolist()
        latencies = [x for i in idx for x in self.latencies[i]]
        return CaseScore.model_construct(**fields, confusion=confusion, latencies_ms=latencies)


def paired_bootstrap(
    a: Sequence[CaseScore],
    b: Sequence[CaseScore],
    *,
    resamples: int = RESAMPLES,
    seed: int = SEED,
    names: Sequence[str] = METRIC_NAMES,
) -> list[MetricDiff]:
    """Differences (b - a) with percentile intervals; `a[i]` and `b[i]` are the same article."""
    if len(a) != len(b):
        raise ValueError("paired bootstrap needs the same articles in both runs")
    point_a, point_b = metrics(total(a)), metrics(total(b))
    n = len(a)
    samples: dict[str, list[float]] = {name: [] for name in names}
    if n:
        rng = np.random.default_rng(seed)
        stack_a, stack_b = _Stack(a), _Stack(b)
        for _ in range(resamples):
            idx = rng.integers(0, n, size=n)
            ma, mb = metrics(stack_a.total(idx)), metrics(stack_b.total(idx))
            for name in names:
                va, vb = ma[name], mb[name]
                if va is not None and vb is not None:
                    samples[name].append(vb - va)
    out = []
    for name in names:
        va, vb = point_a[name], point_b[name]
        diff = vb - va if va is not None and vb is not None else None
        low = high = None
        if samples[name]:
            low, high = (float(x) for x in np.percentile(samples[name], [2.5, 97.5]))
        out.append(MetricDiff(name, va, vb, diff, low, high))
    return out


def paired_scores(
    a: Sequence[CaseRecord], b: Sequence[CaseRecord]
) -> tuple[list[str], list[CaseScore], list[CaseScore]]:
    """Per-article scores (repeats summed) for the articles both runs scored."""
    ma = merge_by_case([(r.case_id, r.score) for r in a])
    mb = merge_by_case([(r.case_id, r.score) for r in b])
    common = [case_id for case_id in ma if case_id in mb]
    return common, [ma[c] for c in common], [mb[c] for c in common]


# --- what changed ----------------------------------------------------------------------------


@dataclass
class CaseChange:
    case_id: str
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    f1_a: float | None = None
    f1_b: float | None = None

    @property
    def any(self) -> bool:
        return bool(self.added or self.removed or self.changed)


def _first(records: Sequence[CaseRecord]) -> dict[str, CaseRecord]:
    out: dict[str, CaseRecord] = {}
    for r in sorted(records, key=lambda r: r.repeat_index):
        out.setdefault(r.case_id, r)
    return out


def diff_outputs(a: Summary | None, b: Summary | None) -> tuple[list[str], list[str], list[str]]:
    """Claims added, removed and changed (source or confidence) from output a to output b,
    pairing claims with the same matcher the scorer uses."""
    ca = a.claims if a else []
    cb = b.claims if b else []
    pairs = match_claims(cb, ca)  # predicted = b, "gold" = a
    in_a = {p.gold for p in pairs}
    in_b = {p.predicted for p in pairs}
    added = [f"+ {c.claim} [{c.source.name}, {c.confidence}]" for i, c in enumerate(cb)
             if i not in in_b]  # fmt: skip
    removed = [f"- {c.claim} [{c.source.name}, {c.confidence}]" for i, c in enumerate(ca)
               if i not in in_a]  # fmt: skip
    changed = []
    for pair in pairs:
        old, new = ca[pair.gold], cb[pair.predicted]
        what = []
        if old.source.type != new.source.type or not source_name_right(new.source, old.source, {}):
            what.append(
                f"source {old.source.name} ({old.source.type}) -> "
                f"{new.source.name} ({new.source.type})"
            )
        if old.confidence != new.confidence:
            what.append(f"confidence {old.confidence} -> {new.confidence}")
        if what:
            changed.append(f"~ {new.claim}: " + "; ".join(what))
    return added, removed, changed


def case_changes(a: Sequence[CaseRecord], b: Sequence[CaseRecord]) -> list[CaseChange]:
    """Articles (repeat 0) whose claims differ between the runs, with what differs."""
    fa, fb = _first(a), _first(b)
    out = []
    for case_id in fa:
        if case_id not in fb:
            continue
        ra, rb = fa[case_id], fb[case_id]
        change = CaseChange(
            case_id,
            f1_a=metrics(ra.score)["claim_f1"],
            f1_b=metrics(rb.score)["claim_f1"],
        )
        change.added, change.removed, change.changed = diff_outputs(ra.output, rb.output)
        if (ra.error is None) != (rb.error is None):
            change.changed.insert(0, f"error: {ra.error or 'none'} -> {rb.error or 'none'}")
        if change.any:
            out.append(change)
    return out


# --- gates -----------------------------------------------------------------------------------

_GATE = re.compile(r"^\s*([a-z0-9_]+)\s*=\s*([0-9]*\.?[0-9]+)\s*$")


class GateSyntaxError(ValueError):
    pass


def parse_gates(specs: Sequence[str]) -> dict[str, float]:
    """`claim_f1=0.02` -> {'claim_f1': 0.02}; unknown metrics and bad numbers are errors."""
    gates: dict[str, float] = {}
    for spec in specs:
        found = _GATE.match(spec)
        if not found:
            raise GateSyntaxError(
                f"--fail-if-worse expects METRIC=DELTA with DELTA >= 0, e.g. claim_f1=0.02; "
                f"got {spec!r}"
            )
        name, delta = found.group(1), float(found.group(2))
        if name not in METRIC_NAMES:
            raise GateSyntaxError(
                f"unknown metric {name!r} in --fail-if-worse; known: {', '.join(METRIC_NAMES)}"
            )
        gates[name] = delta
    return gates


def failed_gates(diffs: Sequence[MetricDiff], gates: Mapping[str, float]) -> list[str]:
    """One message per gated metric that got worse by more than its delta (point estimate)."""
    by_name = {d.metric: d for d in diffs}
    failures = []
    for name, delta in gates.items():
        d = by_name.get(name)
        if d is None or d.a is None or d.b is None or d.worse_by is None:
            continue  # not measurable in one of the runs: nothing to gate on
        if d.worse_by > delta + 1e-12:
            failures.append(
                f"{name} got worse by {d.worse_by:.4g} (allowed {delta:g}): {d.a:.4g} -> {d.b:.4g}"
            )
    return failures
