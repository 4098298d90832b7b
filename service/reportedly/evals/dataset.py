"""Hand-labelled eval datasets: the file format (`reportedly-dataset/1`) and its loader.

Gold evidence is written as bare quotes, the way a person copies it from the article; the
loader finds each quote in the text and records its offsets, so the scorer compares spans,
not strings. A quote that is not in the text is a labelling mistake, and we fail loudly on it
rather than scoring against a gold claim nobody can see. See `evals/README.md`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from reportedly import bundled
from reportedly.errors import validation_detail
from reportedly.evals.defaults import BUNDLED_DATASETS
from reportedly.schema import Confidence, Source, Timeframe

FORMAT = "reportedly-dataset/1"
DEFAULT_DATASET = bundled.DATASETS_DIR / "samples.yaml"
_SUFFIXES = (".yaml", ".yml", ".jsonl")


class DatasetError(ValueError):
    """A dataset file that cannot be trusted as gold; the message says where and why."""


# --- what the loader returns ---------------------------------------------------------------


class GoldEvidence(BaseModel):
    """A located gold quote: `case.text[start:end] == quote` always holds."""

    quote: str
    start: int
    end: int


class GoldClaim(BaseModel):
    who: list[str]
    claim: str
    source: Source
    timeframe: Timeframe
    confidence: Confidence
    evidence: list[GoldEvidence]
    optional: bool = False
    # Extra source-name aliases valid for this claim only (on top of the article's).
    aliases: dict[str, list[str]] = Field(default_factory=dict)


class Case(BaseModel):
    id: str
    text: str
    published: dt.date | None
    title: str | None
    metadata: dict[str, str]
    aliases: dict[str, list[str]]
    claims: list[GoldClaim]

    def aliases_for(self, claim: GoldClaim) -> dict[str, list[str]]:
        """The article's aliases merged with the claim's own (the scorer's name table)."""
        merged = {name: list(names) for name, names in self.aliases.items()}
        for name, names in claim.aliases.items():
            merged[name] = [
                *merged.get(name, []),
                *(n for n in names if n not in merged.get(name, [])),
            ]
        return merged


class Dataset(BaseModel):
    name: str
    format: str
    description: str = ""
    path: Path
    hash: str  # sha256 of the dataset file bytes and every referenced text file
    cases: list[Case]


# --- what the file holds (strict: a typo in a field name is an error, not a silent default) ---


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _RawQuote(_Strict):
    quote: str
    occurrence: int = Field(default=1, ge=1)  # 1-based; which match when the quote repeats


class _RawClaim(_Strict):
    who: list[str]
    claim: str = Field(min_length=1)
    source: Source
    timeframe: Timeframe = Field(default_factory=Timeframe)
    confidence: Confidence
    evidence: list[str | _RawQuote] = Field(min_length=1)
    optional: bool = False
    aliases: dict[str, list[str]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _ordered_timeframe(self) -> _RawClaim:
        t = self.timeframe
        if t.start and t.end and t.start > t.end:
            raise ValueError(f"timeframe start {t.start} is after end {t.end}")
        return self


class _RawArticle(_Strict):
    id: str = Field(min_length=1)
    text: str | None = None
    text_file: str | None = None
    published: dt.date | None = None
    title: str | None = None
    metadata: dict[str, str] = Field(default_factory=dict)
    aliases: dict[str, list[str]] = Field(default_factory=dict)
    claims: list[_RawClaim] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_text(self) -> _RawArticle:
        if (self.text is None) == (self.text_file is None):
            raise ValueError("give exactly one of `text` (inline) or `text_file` (a path)")
        return self


class _RawHeader(_Strict):
    format: str
    name: str | None = None
    description: str = ""

    @field_validator("format")
    @classmethod
    def _known_format(cls, value: str) -> str:
        if value != FORMAT:
            raise ValueError(f"unsupported dataset format {value!r}; this loader reads {FORMAT!r}")
        return value


class _RawDataset(_RawHeader):
    articles: list[Any]


# --- which file ----------------------------------------------------------------------------


def bundled_datasets() -> dict[str, Path]:
    """The bundled datasets that exist (`samples`, and `dev`/`test` once labelled), by name."""
    found: dict[str, Path] = {}
    for name in BUNDLED_DATASETS:
        for suffix in _SUFFIXES:
            path = bundled.DATASETS_DIR / f"{name}{suffix}"
            if path.is_file():
                found[name] = path
                break
    return found


def resolve_dataset(spec: str | Path) -> Path:
    """A bundled dataset's name (`samples`, `dev`, `test`) or a path to a dataset file."""
    path = Path(spec)
    if path.is_file():
        return path
    available = bundled_datasets()
    if str(spec) in available:
        return available[str(spec)]
    if str(spec) in BUNDLED_DATASETS:
        raise DatasetError(
            f"the bundled dataset {str(spec)!r} is not in this version of reportedly "
            f"(bundled here: {', '.join(available) or 'none'})"
        )
    if path.suffix.lower() in _SUFFIXES or len(path.parts) > 1:
        raise DatasetError(f"cannot read dataset {path}: no such file")
    raise DatasetError(
        f"no dataset {str(spec)!r}: not a file, nor a bundled name "
        f"({', '.join(available) or 'none bundled'})"
    )


# --- loading --------------------------------------------------------------------------------


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that rejects repeated mapping keys: YAML silently keeps the last one, which
    in a hand-edited label file means a claim quietly losing its first `evidence:`."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def load_dataset(path: Path | str) -> Dataset:
    """Read a YAML (`.yaml`/`.yml`) or JSONL (`.jsonl`) dataset, locate every gold quote,
    and return it; raise `DatasetError` naming the article and the problem otherwise."""
    path = Path(path)
    try:
        raw_bytes = path.read_bytes()
    except OSError as exc:
        raise DatasetError(f"cannot read dataset {path}: {exc.strerror or exc}") from exc
    try:
        raw_text = raw_bytes.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DatasetError(f"{path}: not UTF-8 ({exc.reason} at byte {exc.start})") from exc

    if path.suffix.lower() == ".jsonl":
        header, articles = _read_jsonl(path, raw_text)
    else:
        header, articles = _read_yaml(path, raw_text)

    digest = hashlib.sha256(raw_bytes)
    cases: list[Case] = []
    seen: set[str] = set()
    for index, item in enumerate(articles):
        label = _label(item, index)
        try:
            article = _RawArticle.model_validate(item)
        except ValidationError as exc:
            raise DatasetError(
                f"{path}: article {label}: {validation_detail(exc, root='(record)')}"
            ) from exc
        if article.id in seen:
            raise DatasetError(f"{path}: duplicate article id {article.id!r}")
        seen.add(article.id)
        text = _article_text(path, article, digest)
        cases.append(_build_case(path, article, text))

    return Dataset(
        name=header.name or path.stem,
        format=header.format,
        description=header.description,
        path=path.resolve(),
        hash=digest.hexdigest(),
        cases=cases,
    )


def _read_yaml(path: Path, raw_text: str) -> tuple[_RawHeader, list[Any]]:
    try:
        data = yaml.load(
            raw_text, Loader=_UniqueKeyLoader
        )  # a SafeLoader subclass: no arbitrary objects
    except yaml.YAMLError as exc:
        raise DatasetError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise DatasetError(f"{path}: expected a mapping with `format`, `name` and `articles`")
    if "format" not in data:
        raise DatasetError(f"{path}: missing `format:` (expected {FORMAT!r})")
    try:
        parsed = _RawDataset.model_validate(data)
    except ValidationError as exc:
        raise DatasetError(f"{path}: {validation_detail(exc, root='(record)')}") from exc
    return parsed, parsed.articles


def _read_jsonl(path: Path, raw_text: str) -> tuple[_RawHeader, list[Any]]:
    """First non-blank line is the header (`{"format": ..., "name": ...}`), then one article
    per line; the header is required so that a JSONL file declares its version like YAML does."""
    records: list[tuple[int, Any]] = []
    for number, line in enumerate(raw_text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append((number, json.loads(line)))
        except json.JSONDecodeError as exc:
            raise DatasetError(f"{path}:{number}: not valid JSON: {exc.msg}") from exc
    if not records or not isinstance(records[0][1], dict) or "format" not in records[0][1]:
        raise DatasetError(
            f"{path}: the first line must be a header like "
            f'{{"format": "{FORMAT}", "name": "...", "description": "..."}}'
        )
    try:
        header = _RawHeader.model_validate(records[0][1])
    except ValidationError as exc:
        raise DatasetError(
            f"{path}:{records[0][0]}: {validation_detail(exc, root='(record)')}"
        ) from exc
    return header, [record for _, record in records[1:]]


def _article_text(path: Path, article: _RawArticle, digest: hashlib._Hash) -> str:
    if article.text is not None:
        return article.text
    assert article.text_file is not None  # guaranteed by _RawArticle._one_text
    text_path = path.parent / article.text_file
    try:
        data = text_path.read_bytes()
    except OSError as exc:
        raise DatasetError(
            f"{path}: article {article.id!r}: cannot read text_file {article.text_file!r}: "
            f"{exc.strerror or exc}"
        ) from exc
    digest.update(b"\0" + article.text_file.encode() + b"\0" + data)
    try:
        # Decode the bytes ourselves: read_text() would translate newlines and shift offsets.
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DatasetError(
            f"{path}: article {article.id!r}: text_file {article.text_file!r} is not UTF-8"
        ) from exc


def _build_case(path: Path, article: _RawArticle, text: str) -> Case:
    claims: list[GoldClaim] = []
    for number, raw in enumerate(article.claims, start=1):
        evidence = [_locate(path, article.id, number, text, item) for item in raw.evidence]
        claims.append(
            GoldClaim(
                who=raw.who,
                claim=raw.claim,
                source=raw.source,
                timeframe=raw.timeframe,
                confidence=raw.confidence,
                evidence=evidence,
                optional=raw.optional,
                aliases=raw.aliases,
            )
        )
    return Case(
        id=article.id,
        text=text,
        published=article.published,
        title=article.title,
        metadata=article.metadata,
        aliases=article.aliases,
        claims=claims,
    )


def _locate(
    path: Path, article_id: str, claim_no: int, text: str, item: str | _RawQuote
) -> GoldEvidence:
    quote, occurrence = (item, 1) if isinstance(item, str) else (item.quote, item.occurrence)
    where = f"{path}: article {article_id!r}, claim {claim_no}"
    if not quote:
        raise DatasetError(f"{where}: empty evidence quote")
    start = -1
    for _ in range(occurrence):
        start = text.find(quote, start + 1)
        if start < 0:
            break
    if start < 0:
        found = text.count(quote)
        if found:
            raise DatasetError(
                f"{where}: evidence quote {quote!r} occurs {found} time(s), "
                f"but occurrence {occurrence} was asked for"
            )
        raise DatasetError(f"{where}: evidence quote not found in the text: {quote!r}")
    return GoldEvidence(quote=quote, start=start, end=start + len(quote))


def _label(item: Any, index: int) -> str:
    if isinstance(item, dict) and isinstance(item.get("id"), str):
        return repr(item["id"])
    return f"#{index + 1}"
