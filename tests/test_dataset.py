"""The eval dataset loader and the bundled gold labels."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from reportedly.evals.dataset import (
    DEFAULT_DATASET,
    FORMAT,
    Dataset,
    DatasetError,
    bundled_datasets,
    load_dataset,
)
from reportedly.schema import CONFIDENCES, SOURCE_TYPES

SHARED_SAMPLES = Path(__file__).resolve().parents[1].parent / "shared" / "samples"

ARTICLE = "The minister said the bridge will open in May. Critics said the bridge is unsafe."


def _write_yaml(tmp_path: Path, body: str, name: str = "set.yaml") -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def _one_article_yaml(quote: str, *, fmt: str = FORMAT, extra_evidence: str = "") -> str:
    return f"""\
format: {fmt}
name: tiny
articles:
  - id: bridge
    text: "{ARTICLE}"
    published: 2024-04-01
    claims:
      - who: [the minister]
        claim: The bridge will open in May.
        source: {{name: the minister, type: unnamed}}
        timeframe: {{text: in May, start: 2024-05-01, end: 2024-05-31}}
        confidence: high
        evidence:
          - "{quote}"{extra_evidence}
"""


# --- the bundled dataset ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def bundled() -> Dataset:
    return load_dataset(DEFAULT_DATASET)


def test_bundled_dataset_loads_all_four_samples(bundled: Dataset) -> None:
    assert bundled.format == FORMAT
    assert bundled.name == "samples"
    assert len(bundled.cases) == 4
    assert len({case.id for case in bundled.cases}) == 4
    for case in bundled.cases:
        assert 8 <= len(case.claims) <= 40, case.id
        assert any(not claim.optional for claim in case.claims), case.id


def test_every_gold_evidence_offset_points_at_its_quote(bundled: Dataset) -> None:
    for case in bundled.cases:
        for claim in case.claims:
            assert claim.evidence, (case.id, claim.claim)
            for ev in claim.evidence:
                assert case.text[ev.start : ev.end] == ev.quote


def test_bundled_labels_use_the_service_vocabulary(bundled: Dataset) -> None:
    for case in bundled.cases:
        for claim in case.claims:
            assert claim.source.type in SOURCE_TYPES
            assert claim.confidence in CONFIDENCES
            if claim.source.type == "author":
                assert claim.source.name == "author"
            tf = claim.timeframe
            if tf.start or tf.end:
                assert tf.text, (case.id, claim.claim)  # a resolved date needs its wording
            if case.published is None:
                assert tf.start is None and tf.end is None, (case.id, claim.claim)


def test_design_worked_example_is_labelled_as_design_says(bundled: Dataset) -> None:
    case = next(c for c in bundled.cases if c.id == "nk-troops-nis-warning")
    (claim,) = [c for c in case.claims if "several thousand" in c.claim]
    assert claim.who == ["North Korea"]
    assert claim.source.name == "Ji Jae-ryeol, NIS Director"
    assert claim.source.type == "person"
    assert claim.confidence == "medium"
    sentence = (
        "According to NIS Director Ji Jae-ryeol, who briefed lawmakers, the troop deployment "
        "is expected to involve several thousand North Korean soldiers."
    )
    assert [ev.quote for ev in claim.evidence] == [sentence]


def test_no_gold_evidence_lies_in_site_furniture(bundled: Dataset) -> None:
    case = next(c for c in bundled.cases if c.id == "nk-troops-seoul-june26-scraped")
    body_end = case.text.index("-Advertisment-\nRELATED ARTICLES")
    for claim in case.claims:
        for ev in claim.evidence:
            assert ev.end <= body_end
            assert "Advertisement" not in ev.quote and "Advertisment" not in ev.quote


def test_published_dates(bundled: Dataset) -> None:
    dates = {case.id: case.published for case in bundled.cases}
    assert dates == {
        "nk-troops-nis-warning": None,
        "nk-troops-seoul-june26-scraped": dt.date(2025, 6, 26),
        "wikinews-2007-02-23-train-derailment": dt.date(2007, 2, 23),
        "wikinews-2016-07-06-fast-telescope": dt.date(2016, 7, 6),
    }


def test_wikinews_cases_carry_their_licence(bundled: Dataset) -> None:
    for case in bundled.cases:
        assert case.metadata.get("licence"), case.id
        if case.id.startswith("wikinews-"):
            assert "CC BY 2.5" in case.metadata["licence"]


def test_splits_share_no_article_and_every_wikinews_case_carries_its_licence() -> None:
    # A held-out split is only held out if no article (by id or by text) is also in dev.
    splits = {name: load_dataset(path) for name, path in bundled_datasets().items()}
    assert set(splits) == {"samples", "dev", "test"}
    seen: dict[str, str] = {}
    for name, dataset in splits.items():
        for case in dataset.cases:
            for key in (case.id, case.text):
                assert key not in seen, f"{case.id} is in both {seen.get(key)} and {name}"
                seen[key] = name
            if case.id.startswith("wikinews-"):
                assert "CC BY 2.5" in case.metadata["licence"], case.id


@pytest.mark.skipif(not SHARED_SAMPLES.is_dir(), reason="../shared/samples not beside the repo")
def test_texts_equal_the_shared_samples_byte_for_byte() -> None:
    texts = DEFAULT_DATASET.parent / "texts"
    originals = sorted(p.name for p in SHARED_SAMPLES.glob("*.txt"))
    assert len(originals) == 4
    for name in originals:  # the dev and test splits keep their own texts beside these
        assert (texts / name).read_bytes() == (SHARED_SAMPLES / name).read_bytes(), name


def test_dataset_hash_changes_when_a_text_changes(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(ARTICLE, encoding="utf-8")
    body = _one_article_yaml("the bridge will open in May").replace(
        f'text: "{ARTICLE}"', "text_file: a.txt"
    )
    path = _write_yaml(tmp_path, body)
    before = load_dataset(path).hash
    (tmp_path / "a.txt").write_text(ARTICLE + " More.", encoding="utf-8")
    assert load_dataset(path).hash != before


# --- loader behaviour ------------------------------------------------------------------------


def test_loader_locates_quotes_and_reads_fields(tmp_path: Path) -> None:
    dataset = load_dataset(_write_yaml(tmp_path, _one_article_yaml("the bridge will open in May")))
    (case,) = dataset.cases
    (claim,) = case.claims
    (ev,) = claim.evidence
    assert (ev.start, ev.end) == (18, 45)
    assert case.text[ev.start : ev.end] == "the bridge will open in May"
    assert case.published == dt.date(2024, 4, 1)
    assert claim.timeframe.start == dt.date(2024, 5, 1)
    assert claim.optional is False


def test_repeated_quote_uses_first_match_unless_occurrence_given(tmp_path: Path) -> None:
    body = _one_article_yaml(
        "the bridge", extra_evidence="\n          - {quote: the bridge, occurrence: 2}"
    )
    (case,) = load_dataset(_write_yaml(tmp_path, body)).cases
    first, second = case.claims[0].evidence
    assert first.start == ARTICLE.index("the bridge")
    assert second.start == ARTICLE.index("the bridge", first.start + 1)
    assert case.text[second.start : second.end] == "the bridge"


def test_occurrence_beyond_the_matches_fails(tmp_path: Path) -> None:
    body = _one_article_yaml(
        "the bridge", extra_evidence="\n          - {quote: the bridge, occurrence: 3}"
    )
    with pytest.raises(DatasetError, match="occurrence 3"):
        load_dataset(_write_yaml(tmp_path, body))


def test_missing_quote_fails_naming_article_and_quote(tmp_path: Path) -> None:
    path = _write_yaml(tmp_path, _one_article_yaml("the bridge will open in June"))
    with pytest.raises(DatasetError) as info:
        load_dataset(path)
    message = str(info.value)
    assert "'bridge'" in message
    assert "the bridge will open in June" in message
    assert "claim 1" in message


def test_near_miss_quote_is_not_accepted(tmp_path: Path) -> None:
    # Gold must be exact: a straight apostrophe for a curly one is a labelling error.
    body = _one_article_yaml("x").replace(ARTICLE, "Seoul\u2019s agency spoke.")
    body = body.replace('"x"', '"Seoul\'s agency spoke."')
    with pytest.raises(DatasetError, match="not found"):
        load_dataset(_write_yaml(tmp_path, body))


def test_bad_format_version_fails(tmp_path: Path) -> None:
    body = _one_article_yaml("the bridge will open in May", fmt="reportedly-dataset/2")
    with pytest.raises(DatasetError, match="reportedly-dataset/2"):
        load_dataset(_write_yaml(tmp_path, body))


def test_missing_format_fails(tmp_path: Path) -> None:
    body = _one_article_yaml("the bridge will open in May").replace(f"format: {FORMAT}\n", "")
    with pytest.raises(DatasetError, match="format"):
        load_dataset(_write_yaml(tmp_path, body))


def test_duplicate_ids_fail(tmp_path: Path) -> None:
    head, article = _one_article_yaml("the bridge will open in May").split("articles:\n")
    path = _write_yaml(tmp_path, head + "articles:\n" + article + article)
    with pytest.raises(DatasetError, match="duplicate article id 'bridge'"):
        load_dataset(path)


def test_duplicate_yaml_keys_fail(tmp_path: Path) -> None:
    body = _one_article_yaml("the bridge will open in May").replace(
        "        confidence: high\n", "        confidence: high\n        confidence: low\n"
    )
    with pytest.raises(DatasetError, match="duplicate key 'confidence'"):
        load_dataset(_write_yaml(tmp_path, body))


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("confidence: high", "confidance: high", "confidance"),
        ("confidence: high", "confidence: certain", "confidence"),
        ("type: unnamed", "type: blogger", "source.type"),
        ("start: 2024-05-01, end: 2024-05-31", "start: 2024-06-01, end: 2024-05-31", "after"),
        (
            "    published: 2024-04-01\n",
            "    published: 2024-04-01\n    text_file: x.txt\n",
            "exactly one",
        ),
    ],
)
def test_invalid_records_fail_with_the_article_named(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    body = _one_article_yaml("the bridge will open in May")
    assert old in body
    with pytest.raises(DatasetError) as info:
        load_dataset(_write_yaml(tmp_path, body.replace(old, new, 1)))
    assert "'bridge'" in str(info.value)
    assert expected in str(info.value)


def test_missing_text_file_fails(tmp_path: Path) -> None:
    body = _one_article_yaml("x").replace(f'text: "{ARTICLE}"', "text_file: nowhere.txt")
    with pytest.raises(DatasetError, match=r"nowhere\.txt"):
        load_dataset(_write_yaml(tmp_path, body))


def test_unreadable_or_malformed_files_fail_cleanly(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="cannot read"):
        load_dataset(tmp_path / "absent.yaml")
    with pytest.raises(DatasetError, match="not valid YAML"):
        load_dataset(_write_yaml(tmp_path, "format: [unclosed\n"))
    with pytest.raises(DatasetError, match="mapping"):
        load_dataset(_write_yaml(tmp_path, "- just\n- a list\n"))


def test_text_file_offsets_keep_crlf(tmp_path: Path) -> None:
    # Offsets are into the bytes as sent; newline translation would shift them.
    (tmp_path / "a.txt").write_bytes(b"First line.\r\nThe bridge will open in May.\r\n")
    body = _one_article_yaml("The bridge will open in May.").replace(
        f'text: "{ARTICLE}"', "text_file: a.txt"
    )
    (case,) = load_dataset(_write_yaml(tmp_path, body)).cases
    (ev,) = case.claims[0].evidence
    assert ev.start == len("First line.\r\n")
    assert "\r\n" in case.text


# --- JSONL -----------------------------------------------------------------------------------


def _jsonl(tmp_path: Path, lines: list[dict[str, object]]) -> Path:
    path = tmp_path / "set.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    return path


JSONL_ARTICLE: dict[str, object] = {
    "id": "bridge",
    "text": ARTICLE,
    "published": "2024-04-01",
    "aliases": {"the minister": ["minister"]},
    "claims": [
        {
            "who": ["critics"],
            "claim": "Critics say the bridge is unsafe.",
            "source": {"name": "critics", "type": "unnamed"},
            "confidence": "medium",
            "evidence": ["Critics said the bridge is unsafe."],
            "optional": True,
        }
    ],
}


def test_jsonl_loads(tmp_path: Path) -> None:
    path = _jsonl(tmp_path, [{"format": FORMAT, "name": "tiny-jsonl"}, JSONL_ARTICLE])
    dataset = load_dataset(path)
    assert dataset.name == "tiny-jsonl"
    (case,) = dataset.cases
    (claim,) = case.claims
    (ev,) = claim.evidence
    assert case.text[ev.start : ev.end] == "Critics said the bridge is unsafe."
    assert claim.optional is True
    assert case.published == dt.date(2024, 4, 1)
    assert case.aliases == {"the minister": ["minister"]}


def test_jsonl_without_header_fails(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="header"):
        load_dataset(_jsonl(tmp_path, [JSONL_ARTICLE]))


def test_jsonl_missing_quote_names_article_and_quote(tmp_path: Path) -> None:
    bad = json.loads(json.dumps(JSONL_ARTICLE))
    bad["claims"][0]["evidence"] = ["Critics said the bridge is closed."]
    with pytest.raises(DatasetError) as info:
        load_dataset(_jsonl(tmp_path, [{"format": FORMAT}, bad]))
    assert "'bridge'" in str(info.value)
    assert "Critics said the bridge is closed." in str(info.value)


def test_jsonl_bad_line_reports_line_number(tmp_path: Path) -> None:
    path = tmp_path / "set.jsonl"
    path.write_text(json.dumps({"format": FORMAT}) + "\n{not json\n", encoding="utf-8")
    with pytest.raises(DatasetError, match=r"set\.jsonl:2"):
        load_dataset(path)


def test_claim_aliases_extend_article_aliases(bundled: Dataset) -> None:
    case = next(c for c in bundled.cases if c.id == "nk-troops-seoul-june26-scraped")
    relayed = next(c for c in case.claims if "large-scale military offensive" in c.claim)
    names = case.aliases_for(relayed)["National Intelligence Service"]
    assert "NIS" in names and "Lee Seong-kweun" in names
    assert "Lee Seong-kweun" not in case.aliases["National Intelligence Service"]
