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

from reportedly.evals.defaults import RESAMPLES, SEED
from reportedly.evals.matching import match_claims, source_name_right, who_overlap
from reportedly.evals.scorer import (
    LOWER_IS_BETTER,
    METRIC_NAMES,
    CaseScore,
    merge_by_case,
    metrics,
    timeframes_agree,
    total,
)
from reportedly.evals.store import CaseRecord, EvalStore
from reportedly.evals.views import RunView, load_view
from reportedly.schema import Claim, Summary


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

    @property
    def moved(self) -> float:
        """How much the article changed: its claim F1 difference, then its claim changes."""
        f1 = abs((self.f1_b or 0.0) - (self.f1_a or 0.0))
        return f1 + 1e-3 * (len(self.added) + len(self.removed) + len(self.changed))


def _first(records: Sequence[CaseRecord]) -> dict[str, CaseRecord]:
    out: dict[str, CaseRecord] = {}
    for r in sorted(records, key=lambda r: r.repeat_index):
        out.setdefault(r.case_id, r)
    return out


@dataclass(frozen=True)
class ClaimPair:
    """A claim of output A and the claim of output B the scorer's matcher paired it with."""

    a: int
    b: int
    similarity: float
    changed: list[str]  # of CHANGEABLE, in that order


@dataclass
class ClaimDiff:
    pairs: list[ClaimPair]
    only_a: list[int]
    only_b: list[int]


CHANGEABLE = ("source", "confidence", "timeframe", "who")


def changed_fields(old: Claim, new: Claim) -> list[str]:
    """The fields of a matched pair that differ, judged as the scorer judges them against gold
    (names after normalisation, timeframes by agreement, actors as sets)."""
    differs = {
        "source": old.source.type != new.source.type
        or not source_name_right(new.source, old.source, {}),
        "confidence": old.confidence != new.confidence,
        "timeframe": not timeframes_agree(new.timeframe, old.timeframe),
        "who": who_overlap(new.who, old.who, {}) < 1.0,
    }
    return [name for name in CHANGEABLE if differs[name]]


def claim_diff(a: Sequence[Claim], b: Sequence[Claim]) -> ClaimDiff:
    """Pair the claims of two outputs with the scorer's matcher (B as predicted, A as gold)."""
    pairs = match_claims(b, a)
    in_a, in_b = {p.gold for p in pairs}, {p.predicted for p in pairs}
    return ClaimDiff(
        pairs=[
            ClaimPair(p.gold, p.predicted, p.similarity, changed_fields(a[p.gold], b[p.predicted]))
            for p in sorted(pairs, key=lambda p: p.gold)
        ],
        only_a=[i for i in range(len(a)) if i not in in_a],
        only_b=[i for i in range(len(b)) if i not in in_b],
    )


def _describe(claim: Claim, name: str) -> str:
    if name == "source":
        return f"{claim.source.name} ({claim.source.type})"
    if name == "timeframe":
        return claim.timeframe.text or str(claim.timeframe.start or "none")
    if name == "who":
        return ", ".join(claim.who) or "nobody"
    return claim.confidence


def diff_outputs(a: Summary | None, b: Summary | None) -> tuple[list[str], list[str], list[str]]:
    """Claims added, removed and changed from output a to output b, one line each."""
    ca = a.claims if a else []
    cb = b.claims if b else []
    diff = claim_diff(ca, cb)
    added = [f"+ {cb[i].claim} [{cb[i].source.name}, {cb[i].confidence}]" for i in diff.only_b]
    removed = [f"- {ca[i].claim} [{ca[i].source.name}, {ca[i].confidence}]" for i in diff.only_a]
    changed = [
        f"~ {cb[pair.b].claim}: "
        + "; ".join(
            f"{name} {_describe(ca[pair.a], name)} -> {_describe(cb[pair.b], name)}"
            for name in pair.changed
        )
        for pair in diff.pairs
        if pair.changed
    ]
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
    return sorted(out, key=lambda c: -c.moved)


@dataclass
class Comparison:
    """B - A for two recorded runs: per-metric differences and the articles that changed."""

    a: RunView
    b: RunView
    articles: list[str]  # scored by both runs: the bootstrap's units
    diffs: list[MetricDiff]
    changes: list[CaseChange]  # most changed first

    @property
    def same_dataset(self) -> bool:
        return self.a.record.dataset_hash == self.b.record.dataset_hash


def compare_runs(
    store: EvalStore, ref_a: str, ref_b: str, *, resamples: int = RESAMPLES, seed: int = SEED
) -> Comparison:
    """What `reportedly eval compare` prints and the workbench shows. Raises `UnknownRun`."""
    a, b = load_view(store, ref_a), load_view(store, ref_b)
    common, sa, sb = paired_scores(a.records, b.records)
    diffs = paired_bootstrap(sa, sb, resamples=resamples, seed=seed) if common else []
    return Comparison(a, b, common, diffs, case_changes(a.records, b.records))


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
