"""One article, two configurations: both outputs, their claims paired with the scorer's
matcher, each side against the gold claims when the article is labelled, and the article cut
into highlightable segments."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from reportedly.errors import ReportedlyError
from reportedly.evals.baseline import BASELINE, baseline_summary
from reportedly.evals.compare import claim_diff
from reportedly.evals.dataset import Case
from reportedly.evals.report import segments
from reportedly.evals.runner import case_request
from reportedly.evals.scorer import metrics, score_case
from reportedly.pipeline import prepare_document, summarize
from reportedly.problems import Problem, problem_for
from reportedly.schema import Removed, Summary, SummaryRequest
from reportedly.services import Services
from reportedly.workbench import models as m


async def side_by_side(
    services: Services, body: m.SideBySideRequest, case: Case | None
) -> m.SideBySide:
    left, right = await asyncio.gather(
        _side(services, body, body.left, case), _side(services, body, body.right, case)
    )
    shown = _shown(left.summary, right.summary)
    text = case.text if case else shown.document.text if shown else (body.text or "")
    removed = shown.document.removed if shown else []
    diff = claim_diff(
        left.summary.claims if left.summary else [], right.summary.claims if right.summary else []
    )
    return m.SideBySide(
        text=text,
        removed=removed,
        gold=case.claims if case else None,
        left=left,
        right=right,
        diff=m.ClaimDiffOut(
            matched=[
                m.PairOut(left=p.a, right=p.b, similarity=p.similarity, changed=p.changed)
                for p in diff.pairs
            ],
            only_left=diff.only_a,
            only_right=diff.only_b,
        ),
        segments=_segments(text, left.summary, right.summary, case, removed),
    )


def _shown(left: Summary | None, right: Summary | None) -> Summary | None:
    """The output whose document the page shows: the service's (the baseline marks no
    furniture), else whichever exists."""
    outputs = [s for s in (left, right) if s is not None]
    return next((s for s in outputs if s.meta.backend != BASELINE), outputs[0] if outputs else None)


def _request(body: m.SideBySideRequest, config: m.RunConfig, case: Case | None) -> SummaryRequest:
    if case is not None:
        return case_request(case, prompt=config.prompt, backend=config.backend, model=config.model)
    return SummaryRequest(
        text=body.text,
        html=body.html,
        title=body.title,
        published=body.published,
        prompt=config.prompt,
        backend=config.backend,
        model=config.model,
    )


async def _side(
    services: Services, body: m.SideBySideRequest, config: m.RunConfig, case: Case | None
) -> m.Side:
    request = _request(body, config, case)
    try:
        if config.backend == BASELINE:
            summary = baseline_summary(prepare_document(request, services.settings).text)
        else:
            summary = await summarize(services, request)
    except ReportedlyError as exc:
        if exc.status < 500:
            raise  # the request is wrong, not this side's backend
        return m.Side(config=config, problem=Problem.model_validate(problem_for(exc)))
    meta = summary.meta
    ran = m.RunConfig(
        backend=meta.backend,
        prompt=meta.prompt,
        model=meta.model if meta.backend == "llm" else None,
    )
    return m.Side(config=ran, summary=summary, gold=_gold(case, summary) if case else None)


def _gold(case: Case, summary: Summary) -> m.GoldMatch:
    result = score_case(case, summary)
    return m.GoldMatch(
        matched=[
            m.MatchOut(
                claim=match.predicted,
                gold=match.gold,
                similarity=round(match.judged.similarity, 3),
                wrong=[name for name, ok in match.judged.verdicts() if not ok],
            )
            for match in result.matches
        ],
        missed=result.missed,
        invented=result.invented,
        scores=metrics(result.score),
    )


def _segments(
    text: str,
    left: Summary | None,
    right: Summary | None,
    case: Case | None,
    removed: Sequence[Removed],
) -> list[m.Segment]:
    """The article cut at every evidence and furniture boundary (`report.segments`)."""
    spans: list[tuple[int, int, str, str]] = []
    for side, summary in (("left", left), ("right", right)):
        for i, claim in enumerate(summary.claims if summary else []):
            spans.extend((e.start, e.end, side, f"{side}:{i}") for e in claim.evidence)
    for i, gold in enumerate(case.claims if case else []):
        spans.extend((e.start, e.end, "gold", f"gold:{i}") for e in gold.evidence)
    spans.extend((r.start, r.end, "furniture", "furniture:0") for r in removed)
    spans = [s for s in spans if 0 <= s[0] < s[1] <= len(text)]
    out: list[m.Segment] = []
    at = 0
    for piece in segments(text, spans):
        marks = _marks(piece.notes)
        out.append(
            m.Segment(
                start=at,
                end=at + len(piece.text),
                left=marks["left"],
                right=marks["right"],
                gold=marks["gold"],
                furniture=bool(marks["furniture"]),
            )
        )
        at += len(piece.text)
    return out


def _marks(notes: Sequence[str]) -> dict[str, list[int]]:
    marks: dict[str, list[int]] = {"left": [], "right": [], "gold": [], "furniture": []}
    for note in notes:
        kind, _, index = note.partition(":")
        marks[kind].append(int(index))
    return marks
