"""The scorer: matching, neutrality of optional claims, and that each metric moves alone."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reportedly.evals.baseline import baseline_summary, sentences
from reportedly.evals.dataset import Case, GoldClaim, GoldEvidence
from reportedly.evals.matching import (
    match_claims,
    normalize_name,
    same_name,
    span_overlap,
    who_overlap,
)
from reportedly.evals.scorer import (
    CaseScore,
    aggregate,
    metrics,
    score_case,
    timeframes_agree,
    total,
)
from reportedly.schema import (
    Claim,
    Confidence,
    Document,
    Evidence,
    Meta,
    Removed,
    Source,
    SourceType,
    Summary,
    Timeframe,
)

TEXT = (
    "SEOUL, June 26: North Korea may send additional troops to Russia as early as July or "
    "August, according to South Korea's intelligence agency. "
    "NIS Director Ji Jae-ryeol said the deployment is expected to involve several thousand "
    "soldiers. "
    "Lawmaker Lee Seong-kweun said the NIS believes Russia is preparing a large offensive. "
    "The treaty was signed in June 2024 by Kim Jong-un and Vladimir Putin. "
    "Both countries have dismissed the criticisms as unfounded."
)


def _gold(
    quote: str,
    claim: str,
    source: tuple[str, SourceType],
    confidence: Confidence,
    *,
    who: list[str] | None = None,
    timeframe: Timeframe | None = None,
    optional: bool = False,
) -> GoldClaim:
    start = TEXT.index(quote)
    return GoldClaim(
        who=who or [],
        claim=claim,
        source=Source(name=source[0], type=source[1]),
        timeframe=timeframe or Timeframe(),
        confidence=confidence,
        evidence=[GoldEvidence(quote=quote, start=start, end=start + len(quote))],
        optional=optional,
    )


GOLD = [
    _gold(
        "North Korea may send additional troops to Russia as early as July or August",
        "North Korea may send additional troops to Russia as early as July or August.",
        ("National Intelligence Service", "government"),
        "low",
        who=["North Korea", "Russia"],
        timeframe=Timeframe(text="as early as July or August"),
    ),
    _gold(
        "the deployment is expected to involve several thousand soldiers",
        "The North Korean deployment is expected to involve several thousand soldiers.",
        ("Ji Jae-ryeol, NIS Director", "person"),
        "medium",
        who=["North Korea"],
    ),
    _gold(
        "the NIS believes Russia is preparing a large offensive",
        "Russia is preparing a large offensive in Ukraine.",
        ("National Intelligence Service", "government"),
        "medium",
        who=["Russia"],
    ),
    _gold(
        "The treaty was signed in June 2024 by Kim Jong-un and Vladimir Putin.",
        "Kim Jong-un and Vladimir Putin signed a treaty in June 2024.",
        ("author", "author"),
        "high",
        who=["Kim Jong-un", "Vladimir Putin"],
        timeframe=Timeframe(text="in June 2024"),
        optional=True,
    ),
    _gold(
        "Both countries have dismissed the criticisms as unfounded.",
        "North Korea and Russia dismissed the criticisms as unfounded.",
        ("North Korea and Russia", "government"),
        "high",
        who=["North Korea", "Russia"],
    ),
]
CASE = Case(
    id="t",
    text=TEXT,
    published=None,
    title=None,
    metadata={},
    aliases={"National Intelligence Service": ["NIS", "South Korea's intelligence agency"]},
    claims=GOLD,
)


def _as_predicted(g: GoldClaim, **changes: object) -> Claim:
    claim = Claim(
        who=g.who,
        claim=g.claim,
        source=g.source,
        timeframe=g.timeframe,
        confidence=g.confidence,
        evidence=[Evidence(quote=e.quote, start=e.start, end=e.end) for e in g.evidence],
    )
    return claim.model_copy(update=changes)


def _summary(claims: list[Claim], removed: list[Removed] | None = None) -> Summary:
    return Summary(
        id="s",
        document=Document(text=TEXT, removed=removed or []),
        headline=None,
        summary="",
        claims=claims,
        meta=Meta(backend="test", model="m", prompt=None, prompt_hash="h", latency_ms=5.0),
    )


def _metrics(claims: list[Claim], case: Case = CASE) -> dict[str, float | None]:
    return metrics(score_case(case, _summary(claims)).score)


PERFECT = [_as_predicted(g) for g in GOLD]


def test_gold_against_itself_is_perfect() -> None:
    m = _metrics(PERFECT)
    for name in (
        "claim_precision", "claim_recall", "claim_f1", "attributed_f1", "attribution_accuracy",
        "source_type_accuracy", "who_overlap", "timeframe_agreement", "confidence_accuracy",
        "confidence_macro_f1", "grounding_rate", "validity",
    ):  # fmt: skip
        assert m[name] == pytest.approx(1.0), name
    assert m["furniture_leaks"] == 0


def test_removing_claims_lowers_recall_only() -> None:
    m = _metrics([PERFECT[0], PERFECT[2]])
    assert m["claim_precision"] == 1.0
    assert m["claim_recall"] == pytest.approx(2 / 4)  # four required gold claims
    assert m["attribution_accuracy"] == 1.0
    assert m["confidence_accuracy"] == 1.0


def test_invented_claims_lower_precision_only() -> None:
    invented = Claim(
        who=["Mars"],
        claim="Aliens landed on Mars yesterday.",
        source=Source(name="NASA", type="organization"),
        confidence="high",
        evidence=[Evidence(quote="SEOUL, June 26", start=0, end=14)],
    )
    m = _metrics([*PERFECT, invented])
    assert m["claim_recall"] == 1.0
    assert m["claim_precision"] == pytest.approx(4 / 5)
    assert m["attribution_accuracy"] == 1.0


def test_paraphrase_with_same_evidence_still_matches() -> None:
    reworded = _as_predicted(GOLD[1], claim="Several thousand troops will probably be sent.")
    pairs = match_claims([reworded], GOLD)
    assert [(p.predicted, p.gold) for p in pairs] == [(0, 1)]


def test_same_text_but_no_evidence_overlap_needs_near_identical_claim() -> None:
    elsewhere = Evidence(quote="SEOUL, June 26", start=0, end=14)
    loose = _as_predicted(GOLD[2], claim="Russia offensive", evidence=[elsewhere])
    assert match_claims([loose], GOLD) == []
    exact = _as_predicted(GOLD[2], evidence=[elsewhere])
    assert [p.gold for p in match_claims([exact], GOLD)] == [2]


def test_wrong_source_lowers_attribution_only() -> None:
    wrong = [*PERFECT]
    wrong[1] = _as_predicted(GOLD[1], source=Source(name="Lee Seong-kweun", type="person"))
    m, base = _metrics(wrong), _metrics(PERFECT)
    assert m["claim_f1"] == base["claim_f1"] == 1.0
    assert m["attribution_accuracy"] == pytest.approx(4 / 5)  # optional match included
    assert m["source_type_accuracy"] == 1.0
    assert m["attributed_f1"] == pytest.approx(3 / 4)


def test_wrong_source_type_counts_separately() -> None:
    wrong = [*PERFECT]
    wrong[0] = _as_predicted(GOLD[0], source=Source(name="NIS", type="organization"))
    m = _metrics(wrong)
    assert m["source_type_accuracy"] == pytest.approx(4 / 5)
    assert m["attribution_accuracy"] == pytest.approx(4 / 5)
    assert m["claim_f1"] == 1.0


def test_source_names_normalise_titles_case_and_aliases() -> None:
    aliases = CASE.aliases
    assert normalize_name("NIS Director Ji Jae-ryeol") == "nis ji jae ryeol"
    assert same_name("Director Ji Jae-ryeol", "Ji Jae-ryeol, NIS Director", aliases)
    assert same_name("the NIS", "National Intelligence Service", aliases)
    assert same_name("South Korea's intelligence agency", "NIS", aliases)
    assert not same_name("Lee Seong-kweun", "Ji Jae-ryeol", aliases)
    # A bare title is still a name: it must at least equal itself.
    assert same_name("a spokeswoman", "the spokeswoman", aliases)
    assert not same_name("a spokeswoman", "a spokesman", aliases)
    # Whole words only: "Korea" is not inside "Koreans".
    assert not same_name("Korea", "South Koreans", {})


def test_optional_claims_are_neutral() -> None:
    without = [p for i, p in enumerate(PERFECT) if i != 3]
    m_with, m_without = _metrics(PERFECT), _metrics(without)
    assert m_with["claim_precision"] == m_without["claim_precision"] == 1.0
    assert m_with["claim_recall"] == m_without["claim_recall"] == 1.0
    score = score_case(CASE, _summary(without))
    assert score.missed == []
    assert score.score.predicted == 4 and score.score.gold == 4


def test_confusion_matrix_counts() -> None:
    changed = [*PERFECT]
    changed[0] = _as_predicted(GOLD[0], confidence="high")  # gold low -> predicted high
    changed[2] = _as_predicted(GOLD[2], confidence="low")  # gold medium -> predicted low
    result = score_case(CASE, _summary(changed))
    # rows gold high/medium/low, columns predicted high/medium/low
    assert result.score.confusion == [[2, 0, 0], [0, 1, 1], [1, 0, 0]]
    m = metrics(result.score)
    assert m["confidence_accuracy"] == pytest.approx(3 / 5)
    # per class F1: high 2/(2+.5*(1+0))=0.8, medium 2/3, low 0 -> mean
    assert m["confidence_macro_f1"] == pytest.approx((0.8 + 2 / 3 + 0.0) / 3)


def test_grounding_is_rechecked_against_case_text() -> None:
    lying = _as_predicted(GOLD[1])
    lying.evidence[0] = Evidence(quote="several thousand soldiers", start=0, end=25)
    result = score_case(CASE, _summary([*PERFECT[:1], lying]))
    assert metrics(result.score)["grounding_rate"] == pytest.approx(1 / 2)
    assert result.ungrounded == [(1, 0)]


def test_furniture_leaks_from_removed_ranges_and_known_strings() -> None:
    removed = [Removed(start=0, end=14, reason="dateline")]
    leak = Claim(
        who=[],
        claim="x",
        source=Source(name="author", type="author"),
        confidence="high",
        evidence=[Evidence(quote="SEOUL, June 26", start=0, end=14)],
    )
    result = score_case(CASE, _summary([*PERFECT, leak], removed))
    assert result.score.furniture_leaks == 1
    ad_case = CASE.model_copy(update={"text": TEXT + " AD BLOCKER DETECTED"})
    ad = leak.model_copy(
        update={
            "evidence": [
                Evidence(quote="AD BLOCKER DETECTED", start=len(TEXT) + 1, end=len(TEXT) + 20)
            ]
        }
    )
    assert score_case(ad_case, _summary([ad])).score.furniture_leaks == 1


def test_failed_case_counts_against_validity_and_recall() -> None:
    failed = score_case(CASE, None).score
    ok = score_case(CASE, _summary(PERFECT)).score
    m = metrics(total([failed, ok]))
    assert m["validity"] == 0.5
    assert m["claim_recall"] == 0.5
    assert m["claim_precision"] == 1.0


def test_timeframe_agreement_rules() -> None:
    import datetime as dt

    july = dt.date(2025, 7, 1)
    assert timeframes_agree(Timeframe(), Timeframe())
    assert timeframes_agree(
        Timeframe(text="July or August"), Timeframe(text="as early as July or August")
    )
    assert timeframes_agree(
        Timeframe(text="next summer", start=july), Timeframe(text="July", start=july)
    )
    assert not timeframes_agree(Timeframe(text="July"), Timeframe())
    assert not timeframes_agree(Timeframe(text="in 2019"), Timeframe(text="next week"))


def test_who_overlap_uses_aliases_and_containment() -> None:
    aliases = {"North Korea": ["Pyongyang"]}
    assert who_overlap(["Pyongyang", "Kim"], ["North Korea", "Kim Jong-un"], aliases) == 1.0
    assert who_overlap(["Russia"], ["North Korea", "Russia"], aliases) == 0.5
    assert who_overlap([], [], aliases) == 1.0


def test_span_overlap_forgives_a_quoted_clause() -> None:
    sentence = GoldEvidence(quote="x" * 100, start=0, end=100)
    clause = GoldEvidence(quote="x" * 30, start=50, end=80)
    assert span_overlap([clause], [sentence]) == pytest.approx((0.3 + 1.0) / 2)
    assert span_overlap([clause], [GoldEvidence(quote="y", start=200, end=201)]) == 0.0


def test_macro_and_micro_differ_when_articles_differ_in_size() -> None:
    small = CASE.model_copy(update={"claims": GOLD[:1]})
    good = score_case(small, _summary(PERFECT[:1])).score  # 1/1 found
    bad = score_case(CASE, _summary(PERFECT[:1])).score  # 1/4 found
    summary = aggregate([good, bad])
    assert summary["claim_recall"] == pytest.approx(2 / 5)
    assert summary["claim_recall_macro"] == pytest.approx((1 + 0.25) / 2)


def test_case_scores_add_up() -> None:
    a = score_case(CASE, _summary(PERFECT)).score
    b = score_case(CASE, None).score
    s = a + b
    assert s.cases == 2 and s.valid == 1 and s.tp == a.tp and s.gold == 2 * a.gold
    assert isinstance(s, CaseScore)


def test_baseline_is_every_sentence_by_the_author() -> None:
    summary = baseline_summary(TEXT)
    assert len(summary.claims) == len(sentences(TEXT)) == 5
    for claim in summary.claims:
        ev = claim.evidence[0]
        assert TEXT[ev.start : ev.end] == ev.quote == claim.claim
        assert claim.source.type == "author" and claim.confidence == "high"
    m = metrics(score_case(CASE, summary).score)
    assert m["grounding_rate"] == 1.0
    assert m["claim_recall"] == 1.0  # every gold claim here is inside one sentence
    assert m["attribution_accuracy"] is not None and m["attribution_accuracy"] < 0.5


def test_timeframe_agreement_counts_only_pairs_with_a_timeframe() -> None:
    wrong = [*PERFECT]
    wrong[0] = _as_predicted(GOLD[0], timeframe=Timeframe(text="next year"))
    m = _metrics(wrong)
    # Two matched gold claims carry a timeframe (one optional); one now disagrees.
    assert m["timeframe_agreement"] == pytest.approx(1 / 2)
    assert m["claim_f1"] == 1.0 and m["attribution_accuracy"] == 1.0


def test_bundled_gold_scored_against_itself_is_perfect() -> None:
    from reportedly.evals.dataset import DEFAULT_DATASET, load_dataset

    for case in load_dataset(DEFAULT_DATASET).cases:
        claims = [_as_predicted(g) for g in case.claims]
        summary = _summary(claims).model_copy(update={"document": Document(text=case.text)})
        result = score_case(case, summary)
        assert all(m.predicted == m.gold for m in result.matches), case.id
        m = metrics(result.score)
        for name in ("claim_f1", "attributed_f1", "attribution_accuracy", "who_overlap",
                     "timeframe_agreement", "confidence_macro_f1", "grounding_rate"):  # fmt: skip
            assert m[name] in (None, pytest.approx(1.0)), (case.id, name, m[name])


@settings(max_examples=30, deadline=None)
@given(st.permutations(list(range(len(PERFECT) + 1))))
def test_scores_do_not_depend_on_prediction_order(order: list[int]) -> None:
    invented = _as_predicted(GOLD[4], claim="Aliens landed.", evidence=[
        Evidence(quote="SEOUL, June 26", start=0, end=14)])  # fmt: skip
    pool = [*PERFECT, invented]
    assert _metrics([pool[i] for i in order]) == _metrics(pool)
