"""Scores one service output against one hand-labelled article, and many of them together.

A case is scored into additive counts (`CaseScore`), so the overall numbers are sums over
articles (micro), per-article numbers come from one case's counts, and the bootstrap in
`evals.compare` can resample articles and re-aggregate without re-scoring.

Conventions (see `evals/README.md`):
* Optional gold claims are neutral: a prediction matched to one is neither a TP nor an FP, and
  an unmatched optional claim is not a miss. Attribute metrics (source, who, timeframe,
  confidence) are measured over *all* matches, optional ones included: they are real claims
  the system produced and the labeller annotated.
* A case whose run raised an error, or returned no valid `Summary`, scores as an empty
  prediction: it counts against validity and against recall.
* A ratio with a zero denominator is `None` ("not measured") and macro averages skip it; F1 is
  0.0 when exactly one of precision/recall is unmeasurable (claims where none were labelled,
  or nothing where something was).
* Timeframe agreement is measured over the matches where the gold claim or the prediction
  gives a timeframe (pairs where neither does are trivially right and would drown the signal:
  most claims have none). Timeframes agree when both texts are given and one contains the
  other after normalisation or they are near-equal (token-set ratio >= 80), or both give the
  same non-null `start` or the same non-null `end` date.
* Grounding re-checks `text[start:end] == quote` against the article text the case holds,
  whatever the service claims.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, Field
from rapidfuzz import fuzz

from reportedly.evals.dataset import Case, GoldClaim
from reportedly.evals.matching import (
    Pair,
    _fold,
    match_claims,
    source_name_right,
    who_overlap,
)
from reportedly.schema import CONFIDENCES, Claim, Summary, Timeframe

# Boilerplate that is never a news claim; evidence containing one has leaked site furniture
# even if the cleaner did not mark it (see sample 000).
FURNITURE_PATTERNS = re.compile(
    r"-\s*advertis(e)?ment\s*-|ad ?blocker detected|adblocker|related articles|"
    r"article rating|notify of|inline feedbacks|view all comments|most popular|"
    r"recent comments|subscribe to (our )?newsletter|please disable it to continue reading|"
    r"\b\d+ comments\b|oldest\s+newest|most voted",
    re.IGNORECASE,
)

# Metrics where a smaller number is better (for comparisons and CI gates).
LOWER_IS_BETTER = frozenset(
    {
        "furniture_leaks",
        "tokens_mean",
        "attempts_mean",
        "latency_mean",
        "latency_p50",
        "latency_p95",
    }
)


class CaseScore(BaseModel):
    """Additive counts for one case (or, summed, for many)."""

    cases: int = 1
    valid: int = 0
    gold: int = 0  # required gold claims
    predicted: int = 0  # predicted claims that are not matched to an optional gold claim
    tp: int = 0
    tp_attributed: int = 0  # TP whose source (name and type) is right
    matched: int = 0  # matches including optional gold claims
    source_right: int = 0
    source_type_right: int = 0
    who_sum: float = 0.0
    timeframe_pairs: int = 0  # matches where either side gives a timeframe
    timeframe_right: int = 0
    confidence_right: int = 0
    # rows: gold high/medium/low; columns: predicted high/medium/low
    confusion: list[list[int]] = Field(default_factory=lambda: [[0] * 3 for _ in range(3)])
    evidence: int = 0
    grounded: int = 0
    furniture_leaks: int = 0
    tokens: int = 0
    attempts: int = 0
    latencies_ms: list[float] = Field(default_factory=list)

    def __add__(self, other: CaseScore) -> CaseScore:
        data: dict[str, Any] = {}
        for name in type(self).model_fields:
            a, b = getattr(self, name), getattr(other, name)
            if name == "confusion":
                data[name] = [
                    [x + y for x, y in zip(ra, rb, strict=True)]
                    for ra, rb in zip(a, b, strict=True)
                ]
            else:
                data[name] = a + b
        return CaseScore(**data)

    @property
    def fp(self) -> int:
        return self.predicted - self.tp

    @property
    def fn(self) -> int:
        return self.gold - self.tp


def total(scores: Sequence[CaseScore]) -> CaseScore:
    out = CaseScore(cases=0)
    for score in scores:
        out = out + score
    return out


@dataclass(frozen=True)
class Judgement:
    """What a matched prediction got right about its gold claim."""

    similarity: float
    source_right: bool
    source_type_right: bool
    timeframe_right: bool
    confidence_right: bool
    who: float

    def verdicts(self) -> list[tuple[str, bool]]:
        """The attributes a report marks right or wrong, by name."""
        return [
            ("source", self.source_right),
            ("confidence", self.confidence_right),
            ("timeframe", self.timeframe_right),
        ]


@dataclass(frozen=True)
class MatchDetail:
    """A matched pair, kept for reports (which claims paired up and what disagreed)."""

    predicted: int
    gold: int
    judged: Judgement


@dataclass
class CaseResult:
    score: CaseScore
    matches: list[MatchDetail] = field(default_factory=list)
    missed: list[int] = field(default_factory=list)  # required gold claims with no match
    invented: list[int] = field(default_factory=list)  # predictions with no match
    ungrounded: list[tuple[int, int]] = field(default_factory=list)  # (claim, evidence) idx
    leaks: list[tuple[int, int]] = field(default_factory=list)

    def by_gold(self) -> dict[int, MatchDetail]:
        return {m.gold: m for m in self.matches}

    def by_predicted(self) -> dict[int, MatchDetail]:
        return {m.predicted: m for m in self.matches}


def _has_timeframe(t: Timeframe) -> bool:
    return bool(t.text or t.start or t.end)


def timeframes_agree(predicted: Timeframe, gold: Timeframe) -> bool:
    p_empty, g_empty = not _has_timeframe(predicted), not _has_timeframe(gold)
    if p_empty or g_empty:
        return p_empty and g_empty
    if predicted.text and gold.text:
        a, b = _fold(predicted.text), _fold(gold.text)
        if a and b and (a in b or b in a or fuzz.token_set_ratio(a, b) >= 80):
            return True
    if predicted.start is not None and predicted.start == gold.start:
        return True
    return predicted.end is not None and predicted.end == gold.end


def _overlaps(start: int, end: int, ranges: Sequence[tuple[int, int]]) -> bool:
    return any(start < r_end and r_start < end for r_start, r_end in ranges)


def score_case(
    case: Case,
    summary: Summary | None,
    *,
    tokens: int | None = None,
    attempts: int | None = None,
    latency_ms: float | None = None,
) -> CaseResult:
    """Score one output (None when the run failed) against the case's gold claims."""
    predicted: list[Claim] = list(summary.claims) if summary is not None else []
    score = CaseScore(
        valid=int(summary is not None),
        gold=sum(not g.optional for g in case.claims),
    )
    result = CaseResult(score=score)
    if summary is not None:
        score.tokens = summary.meta.usage.total_tokens if tokens is None else tokens
        score.attempts = summary.meta.attempts if attempts is None else attempts
        score.latencies_ms = [summary.meta.latency_ms if latency_ms is None else latency_ms]
    _score_matches(case, predicted, result)
    removed = [(r.start, r.end) for r in summary.document.removed] if summary else []
    _check_evidence(case.text, predicted, removed, result)
    return result


def judge_pair(case: Case, predicted: Claim, gold: GoldClaim, similarity: float) -> Judgement:
    """What a matched prediction got right about its gold claim."""
    aliases = case.aliases_for(gold)
    type_right = predicted.source.type == gold.source.type
    return Judgement(
        similarity=similarity,
        source_right=type_right and source_name_right(predicted.source, gold.source, aliases),
        source_type_right=type_right,
        timeframe_right=timeframes_agree(predicted.timeframe, gold.timeframe),
        confidence_right=predicted.confidence == gold.confidence,
        who=who_overlap(predicted.who, gold.who, aliases),
    )


def _score_matches(case: Case, predicted: Sequence[Claim], result: CaseResult) -> None:
    """Pair predictions with gold claims, then count what each pair got right."""
    gold, score = case.claims, result.score
    pairs: list[Pair] = match_claims(predicted, gold)
    matched_pred = {p.predicted for p in pairs}
    matched_gold = {p.gold for p in pairs}
    score.predicted = len(predicted) - sum(gold[p.gold].optional for p in pairs)
    result.invented = [i for i in range(len(predicted)) if i not in matched_pred]
    result.missed = [i for i, g in enumerate(gold) if not g.optional and i not in matched_gold]
    for pair in pairs:
        p, g = predicted[pair.predicted], gold[pair.gold]
        judged = judge_pair(case, p, g, pair.similarity)
        score.matched += 1
        score.source_right += judged.source_right
        score.source_type_right += judged.source_type_right
        if _has_timeframe(p.timeframe) or _has_timeframe(g.timeframe):
            score.timeframe_pairs += 1
            score.timeframe_right += judged.timeframe_right
        score.confidence_right += judged.confidence_right
        score.who_sum += judged.who
        score.confusion[CONFIDENCES.index(g.confidence)][CONFIDENCES.index(p.confidence)] += 1
        if not g.optional:
            score.tp += 1
            score.tp_attributed += judged.source_right
        result.matches.append(MatchDetail(pair.predicted, pair.gold, judged))


def _check_evidence(
    text: str,
    predicted: Sequence[Claim],
    removed: Sequence[tuple[int, int]],
    result: CaseResult,
) -> None:
    """Re-check every evidence span against the article, and look for leaked furniture."""
    score = result.score
    for ci, claim in enumerate(predicted):
        for ei, ev in enumerate(claim.evidence):
            score.evidence += 1
            if 0 <= ev.start <= ev.end <= len(text) and text[ev.start : ev.end] == ev.quote:
                score.grounded += 1
            else:
                result.ungrounded.append((ci, ei))
            if _overlaps(ev.start, ev.end, removed) or FURNITURE_PATTERNS.search(ev.quote):
                score.furniture_leaks += 1
                result.leaks.append((ci, ei))


# --- metrics ---------------------------------------------------------------------------------


def _ratio(num: float, den: float) -> float | None:
    return num / den if den else None


def _f1(precision: float | None, recall: float | None) -> float | None:
    if precision is None and recall is None:
        return None
    if precision is None or recall is None or precision + recall == 0:
        return 0.0
    return 2 * precision * recall / (precision + recall)


def _percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank-with-interpolation percentile, without numpy for one list."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def confidence_macro_f1(confusion: Sequence[Sequence[int]]) -> float | None:
    """Macro-F1 over the confidence labels that occur in gold or predictions (a label absent
    from both says nothing about the system and would otherwise count as 0 or 1 arbitrarily)."""
    f1s: list[float] = []
    for k in range(3):
        tp = confusion[k][k]
        gold_k = sum(confusion[k])
        pred_k = sum(row[k] for row in confusion)
        if not gold_k and not pred_k:
            continue
        f1 = _f1(_ratio(tp, pred_k), _ratio(tp, gold_k))
        f1s.append(f1 or 0.0)
    return sum(f1s) / len(f1s) if f1s else None


def metrics(score: CaseScore) -> dict[str, float | None]:
    """The named metrics of some (summed) counts; `None` where nothing could be measured."""
    precision = _ratio(score.tp, score.predicted)
    recall = _ratio(score.tp, score.gold)
    a_precision = _ratio(score.tp_attributed, score.predicted)
    a_recall = _ratio(score.tp_attributed, score.gold)
    lat = score.latencies_ms
    return {
        "claim_precision": precision,
        "claim_recall": recall,
        "claim_f1": _f1(precision, recall),
        "attributed_f1": _f1(a_precision, a_recall),
        "attribution_accuracy": _ratio(score.source_right, score.matched),
        "source_type_accuracy": _ratio(score.source_type_right, score.matched),
        "who_overlap": _ratio(score.who_sum, score.matched),
        "timeframe_agreement": _ratio(score.timeframe_right, score.timeframe_pairs),
        "confidence_accuracy": _ratio(score.confidence_right, score.matched),
        "confidence_macro_f1": confidence_macro_f1(score.confusion),
        "grounding_rate": _ratio(score.grounded, score.evidence),
        "furniture_leaks": float(score.furniture_leaks),
        "validity": _ratio(score.valid, score.cases),
        "tokens_mean": _ratio(score.tokens, score.valid),
        "attempts_mean": _ratio(score.attempts, score.valid),
        "latency_mean": _ratio(sum(lat), len(lat)),
        "latency_p50": _percentile(lat, 0.5),
        "latency_p95": _percentile(lat, 0.95),
    }


METRIC_NAMES: tuple[str, ...] = tuple(metrics(CaseScore()).keys())
# Per-article metrics that make sense to average over articles (macro).
MACRO_METRICS: tuple[str, ...] = (
    "claim_precision",
    "claim_recall",
    "claim_f1",
    "attributed_f1",
    "attribution_accuracy",
    "confidence_accuracy",
    "grounding_rate",
)


def aggregate(scores: Sequence[CaseScore]) -> dict[str, Any]:
    """A run's metrics: overall (micro), macro averages over articles, and the summed counts."""
    overall = total(scores)
    out: dict[str, Any] = dict(metrics(overall))
    per_case = [metrics(s) for s in scores]
    for name in MACRO_METRICS:
        values = [m[name] for m in per_case if m[name] is not None]
        out[f"{name}_macro"] = (
            sum(v for v in values if v is not None) / len(values) if values else None
        )
    out["confusion"] = overall.confusion
    out["counts"] = {
        "cases": overall.cases,
        "valid": overall.valid,
        "gold": overall.gold,
        "predicted": overall.predicted,
        "tp": overall.tp,
        "matched": overall.matched,
        "evidence": overall.evidence,
    }
    return out


def merge_by_case(items: Sequence[tuple[str, CaseScore]]) -> dict[str, CaseScore]:
    """Sum repeats of the same case, so articles (not repeats) are the unit of resampling."""
    merged: dict[str, CaseScore] = {}
    for case_id, score in items:
        merged[case_id] = merged[case_id] + score if case_id in merged else score
    return merged


def better(metric: str, delta: float) -> bool:
    """Whether a change of `delta` (new - old) in `metric` is an improvement."""
    return delta < 0 if metric in LOWER_IS_BETTER else delta > 0


def fmt(value: float | None, metric: str = "") -> str:
    if value is None:
        return "-"
    if metric.startswith(("latency", "tokens", "attempts")) or metric == "furniture_leaks":
        return f"{value:.1f}" if metric.startswith(("latency", "attempts")) else f"{value:.0f}"
    return f"{value:.3f}"
