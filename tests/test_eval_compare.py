"""Comparing runs: the paired bootstrap, what changed per article, and CI gates via the CLI."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from reportedly.evals.cli import app
from reportedly.evals.compare import (
    GateSyntaxError,
    MetricDiff,
    diff_outputs,
    failed_gates,
    paired_bootstrap,
    parse_gates,
)
from reportedly.evals.dataset import Case, Dataset, GoldClaim, GoldEvidence
from reportedly.evals.scorer import CaseScore, score_case
from reportedly.evals.store import EvalStore
from reportedly.schema import Claim, Document, Evidence, Meta, Source, Summary, Timeframe
from typer.testing import CliRunner


def _counts(tp: int, gold: int = 10) -> CaseScore:
    return CaseScore(valid=1, gold=gold, predicted=gold, tp=tp, matched=tp, source_right=tp)


def test_bootstrap_interval_contains_the_true_difference() -> None:
    rng = np.random.default_rng(7)
    a = [_counts(int(k)) for k in rng.binomial(10, 0.5, size=200)]
    b = [_counts(int(k)) for k in rng.binomial(10, 0.7, size=200)]
    recall = next(d for d in paired_bootstrap(a, b, resamples=1000) if d.metric == "claim_recall")
    assert recall.low is not None and recall.high is not None and recall.diff is not None
    assert recall.low < 0.2 < recall.high  # the true difference in recall is 0.7 - 0.5
    assert recall.low > 0  # and 200 articles are enough to see it is an improvement
    assert recall.low <= recall.diff <= recall.high


def test_bootstrap_of_a_constant_shift_is_exact_and_seeded() -> None:
    a = [_counts(k) for k in (2, 4, 6, 3)]
    b = [_counts(k + 2) for k in (2, 4, 6, 3)]
    diffs = {d.metric: d for d in paired_bootstrap(a, b, resamples=300)}
    recall = diffs["claim_recall"]
    assert recall.diff == pytest.approx(0.2)
    assert recall.low == pytest.approx(0.2) and recall.high == pytest.approx(0.2)
    again = {d.metric: d for d in paired_bootstrap(a, b, resamples=300)}
    assert again["claim_f1"] == diffs["claim_f1"]  # same seed, same interval
    with pytest.raises(ValueError):
        paired_bootstrap(a, b[:2])


def test_gate_parsing_rejects_bad_syntax_and_unknown_metrics() -> None:
    assert parse_gates(["claim_f1=0.02", "latency_p95=50"]) == {
        "claim_f1": 0.02,
        "latency_p95": 50.0,
    }
    for bad in ("claim_f1", "claim_f1=-0.1", "claim_f1=abc", "nonsense=0.1"):
        with pytest.raises(GateSyntaxError):
            parse_gates([bad])


def test_gates_fail_only_when_worse_beyond_delta() -> None:
    f1 = MetricDiff("claim_f1", 0.80, 0.75, -0.05, -0.1, 0.0)
    lat = MetricDiff("latency_p95", 100.0, 130.0, 30.0, 10.0, 50.0)
    assert failed_gates([f1, lat], {"claim_f1": 0.1, "latency_p95": 50}) == []
    assert len(failed_gates([f1], {"claim_f1": 0.01})) == 1
    assert len(failed_gates([lat], {"latency_p95": 10})) == 1  # lower is better: up is worse
    better = MetricDiff("claim_f1", 0.7, 0.9, 0.2, 0.1, 0.3)
    assert failed_gates([better], {"claim_f1": 0.0}) == []


# --- through the CLI, on recorded runs -------------------------------------------------------

TEXTS = [
    "The minister said the bridge will reopen in May. Engineers found cracks last year.",
    "Police said two people were arrested on Friday. The suspects deny the charges.",
    "The company expects profits to rise next year. Analysts doubt the forecast.",
]


def _gold_case(i: int, text: str) -> Case:
    claims = []
    for sentence in text.split(". "):
        sentence = sentence.rstrip(".")
        start = text.index(sentence)
        claims.append(
            GoldClaim(
                who=[],
                claim=sentence,
                source=Source(name="author", type="author"),
                timeframe=Timeframe(),
                confidence="high",
                evidence=[GoldEvidence(quote=sentence, start=start, end=start + len(sentence))],
            )
        )
    return Case(id=f"art{i}", text=text, published=None, title=None, metadata={}, aliases={},
                claims=claims)  # fmt: skip


CASES = [_gold_case(i, t) for i, t in enumerate(TEXTS)]


def _output(case: Case, keep: int, confidence: str = "high") -> Summary:
    claims = [
        Claim(
            who=g.who, claim=g.claim, source=g.source, timeframe=g.timeframe,
            confidence=confidence,
            evidence=[Evidence(quote=e.quote, start=e.start, end=e.end) for e in g.evidence],
        )
        for g in case.claims[:keep]
    ]  # fmt: skip
    return Summary(
        id="x", document=Document(text=case.text), headline=None, summary="", claims=claims,
        meta=Meta(backend="rules", model="m", prompt=None, prompt_hash="h", latency_ms=3.0),
    )  # fmt: skip


@pytest.fixture
def db(tmp_path: Path) -> tuple[Path, str, str]:
    path = tmp_path / "evals.sqlite3"
    dataset = Dataset(name="mini", format="reportedly-dataset/1", path=tmp_path / "m.yaml",
                      hash="h1", cases=CASES)  # fmt: skip
    with EvalStore(path) as store:
        ids = []
        for keep in (2, 1):  # run A finds both claims per article, run B only the first
            run = store.create_run(dataset=dataset, backend="rules", prompt_ref=None, repeat=1,
                                   git_commit=None)  # fmt: skip
            for case in CASES:
                out = _output(case, keep, "high" if keep == 2 or case.id != "art1" else "low")
                store.record_case(run.id, case.id, 0, output=out, error=None,
                                  score=score_case(case, out).score)  # fmt: skip
            store.set_status(run.id, "finished")
            ids.append(run.id)
    return path, ids[0], ids[1]


def _cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_compare_reports_changes_and_gates(db: tuple[Path, str, str]) -> None:
    path, a, b = db
    code, output = _cli("compare", a, b, "--db", str(path), "--resamples", "200")
    assert code == 0, output
    assert "claim_recall" in output and "-0.500" in output  # recall halves
    for case in CASES:
        assert case.id in output  # every article lost a claim
    assert "- Engineers found cracks last year" in output
    assert "confidence high -> low" in output  # art1's kept claim changed confidence
    # The gate trips only when the drop exceeds the allowed delta.
    code, _ = _cli("compare", a, b, "--db", str(path), "--fail-if-worse", "claim_recall=0.6")
    assert code == 0
    code, output = _cli("compare", a, b, "--db", str(path), "--fail-if-worse", "claim_recall=0.1")
    assert code == 1 and "claim_recall got worse by 0.5" in output
    # B -> A is an improvement: no gate trips.
    code, _ = _cli("compare", b, a, "--db", str(path), "--fail-if-worse", "claim_recall=0")
    assert code == 0


def test_cli_usage_errors_exit_2(db: tuple[Path, str, str], tmp_path: Path) -> None:
    path, a, _ = db
    code, output = _cli("compare", a, "nope", "--db", str(path))
    assert code == 2 and "no recorded run 'nope'" in output
    code, output = _cli("compare", a, a, "--db", str(path), "--fail-if-worse", "f1>0.1")
    assert code == 2 and "METRIC=DELTA" in output
    code, output = _cli("report", "x", "--db", str(tmp_path / "missing.sqlite3"))
    assert code == 2 and "no eval runs recorded yet" in output
    code, output = _cli("run", "--dataset", str(tmp_path / "nope.yaml"), "--db", str(path))
    assert code == 2 and "cannot read dataset" in output


def test_runs_lists_and_report_writes_html(db: tuple[Path, str, str], tmp_path: Path) -> None:
    path, a, b = db
    code, output = _cli("runs", "--db", str(path))
    assert code == 0 and a in output and b in output
    page = tmp_path / "r.html"
    code, output = _cli("report", a, b[:4], "--db", str(path), "--html", str(page))
    assert code == 0, output
    html = page.read_text()
    assert html.count('<section class="case"') == 3 and "baseline" in html


def test_diff_outputs_pairs_claims_across_runs() -> None:
    case = CASES[0]
    old, new = _output(case, 2), _output(case, 1, "medium")
    added, removed, changed = diff_outputs(old, new)
    assert added == [] and len(removed) == 1 and removed[0].startswith("- Engineers")
    assert changed == [
        "~ The minister said the bridge will reopen in May: confidence high -> medium"
    ]


def test_runs_are_found_by_id_unique_prefix_or_last(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reportedly.evals.store import UnknownRun

    ids = iter(["abcd0001", "abcd0002", "ffff0003"])
    monkeypatch.setattr("reportedly.evals.store.secrets.token_hex", lambda n: next(ids))
    dataset = Dataset(name="mini", format="reportedly-dataset/1", path=tmp_path / "m.yaml",
                      hash="h1", cases=CASES)  # fmt: skip
    with EvalStore(tmp_path / "e.sqlite3") as store:
        for _ in range(3):
            store.create_run(dataset=dataset, backend="rules", prompt_ref=None, repeat=1,
                             git_commit=None)  # fmt: skip
        assert store.get_run("ffff").id == "ffff0003"
        assert store.get_run("abcd0002").id == "abcd0002"
        assert store.get_run("last").id == "ffff0003"
        with pytest.raises(UnknownRun, match="ambiguous"):
            store.get_run("abcd")
        with pytest.raises(UnknownRun, match="no recorded run"):
            store.get_run("%")  # LIKE wildcards are escaped, not matched
        assert [c.id for c in store.dataset_cases("h1")] == [c.id for c in CASES]
