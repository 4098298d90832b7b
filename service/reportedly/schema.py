"""The record reportedly returns, and the draft a backend hands to grounding.

A backend's evidence is a claim about the article, not a fact: it hands over a `Draft` whose
evidence is `Quote`s (words, and offsets when the backend knows them), and
`reportedly.grounding` turns those into `Evidence` whose offsets it has checked itself.
What an LLM is asked to reply with lives in `reportedly.replies`.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
)

SourceType = Literal[
    "person", "organization", "government", "media", "document", "unnamed", "author"
]
Confidence = Literal["high", "medium", "low"]
SOURCE_TYPES: tuple[SourceType, ...] = (
    "person",
    "organization",
    "government",
    "media",
    "document",
    "unnamed",
    "author",
)
CONFIDENCES: tuple[Confidence, ...] = ("high", "medium", "low")


class Source(BaseModel):
    name: str = Field(description="Who asserts the claim, as named in the article.")
    type: SourceType = Field(
        description=(
            "person, organization, government, media, document; 'unnamed' for 'officials said'; "
            "'author' when the reporter states it in their own voice."
        )
    )
    # In the record only: no reply schema asks a model for it (see reportedly.replies).
    aliases: list[str] = Field(
        default_factory=list,
        description=(
            "Other names the article gives this source that `name` stands for in this "
            "response (a surname, a title alone); empty when none were merged."
        ),
    )


class Timeframe(BaseModel):
    text: str | None = Field(
        default=None,
        description="When the claimed event happens, exactly as written; null if none.",
    )
    start: dt.date | None = Field(default=None, description="ISO date if resolvable, else null.")
    end: dt.date | None = Field(default=None, description="ISO date if resolvable, else null.")


class Evidence(BaseModel):
    """A verbatim span of `document.text`: `document.text[start:end] == quote` always holds."""

    quote: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)


class ClaimFields(BaseModel):
    who: list[str] = Field(
        description="Actors the claim is about (people, organisations, states), full names as in the article."
    )
    claim: str = Field(
        min_length=1,
        description="One self-contained sentence, readable without the article (no bare 'he').",
    )
    source: Source
    timeframe: Timeframe = Field(default_factory=Timeframe)
    confidence: Confidence = Field(
        description=(
            "How firmly it is asserted as reported. high: stated as fact or plainly asserted; "
            "medium: attributed belief, assessment, expectation, early report; "
            "low: speculation, unconfirmed, 'may', 'could'."
        )
    )


class Claim(ClaimFields):
    evidence: list[Evidence] = Field(min_length=1)


class Quote(BaseModel):
    """Evidence as a backend hands it over: the words, and where the backend says they are.

    Offsets are checked (`text[start:end] == text`), never trusted; without them, or when
    they are wrong, grounding searches the article for the words."""

    model_config = ConfigDict(frozen=True)

    text: str
    start: int | None = None
    end: int | None = None


class DraftClaim(ClaimFields):
    evidence: list[Quote] = Field(min_length=1)

    @field_validator("evidence", mode="before")
    @classmethod
    def _bare_quotes(cls, value: Any) -> Any:
        # A bare string is a quote without offsets (what a model gives).
        if isinstance(value, list):
            return [{"text": v} if isinstance(v, str) else v for v in value]
        return value


class Draft(BaseModel):
    """What a backend returns before grounding."""

    headline: str | None = None
    summary: str
    claims: list[DraftClaim]


# --- the HTTP contract -------------------------------------------------------------------

MAX_TITLE_CHARS = 500
# Some character that is not whitespace, for Python (str.isspace), JSON Schema (ECMA-262 \s)
# and pydantic (Rust's \s) alike: the OpenAPI document and the service use this one pattern.
HAS_TEXT = r"[^\s\x1c-\x1f\x85\ufeff]"
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_date(value: Any) -> Any:
    # pydantic would also read 0 or "1700000000" as a date (seconds since 1970); a date in
    # a request is written YYYY-MM-DD.
    if value is None or isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        return value
    raise ValueError("must be a date written YYYY-MM-DD")


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]


def _exactly(kind: type) -> Any:
    # The app validates request bodies laxly (Litestar passes strict=False, which overrides a
    # field's own strictness), so pydantic would read 0 as False or "2" as 2. JSON has real
    # booleans and numbers (1.0 is an integer to JSON Schema); a request gives those.
    def check(value: Any) -> Any:
        if kind is int and type(value) is float and value.is_integer():
            return int(value)
        if type(value) is not kind:
            raise ValueError(f"must be a JSON {'boolean' if kind is bool else 'integer'}")
        return value

    return BeforeValidator(check)


JsonBool = Annotated[bool, _exactly(bool)]
JsonInt = Annotated[int, _exactly(int)]


def has_text(text: str) -> bool:
    return re.search(HAS_TEXT, text) is not None


def _not_blank(text: str) -> str:
    if not has_text(text):
        raise ValueError("is empty or whitespace only")
    return text


# An article field that must hold some text; the schema says so with HAS_TEXT.
ArticleText = Annotated[
    str, AfterValidator(_not_blank), Field(min_length=1, json_schema_extra={"pattern": HAS_TEXT})
]


class SummaryRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str | None = Field(default=None, description="The article as plain text.")
    html: str | None = Field(default=None, description="The article as HTML (instead of text).")
    title: str | None = Field(
        default=None, max_length=MAX_TITLE_CHARS, description="The headline, if known."
    )
    published: IsoDate | None = Field(
        default=None, description="Publication date, used to resolve relative timeframes."
    )
    prompt: str | None = Field(
        default=None, min_length=1, description="e.g. 'claims@2'; default: newest version."
    )
    backend: str | None = Field(
        default=None, min_length=1, description="llm, local or rules; default from settings."
    )
    model: str | None = Field(
        default=None,
        min_length=1,
        description="The llm backend's model (default REPORTEDLY_LLM_MODEL); the other "
        "backends have one model each and ignore this, with a warning.",
    )
    all_or_nothing: JsonBool = Field(
        default=False,
        description="A long article is sent in chunks; by default a chunk that still fails "
        "after retries is reported in meta.incomplete and the rest is returned. True: any "
        "failed chunk fails the request (502).",
    )

    @field_validator("text", "html", "title", "prompt", "backend", "model", mode="before")
    @classmethod
    def _encodable(cls, value: Any) -> Any:
        # JSON may escape a lone surrogate ("\ud800"), which no UTF-8 text can hold: refuse
        # it here rather than fail later, writing the cache or the response.
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise ValueError(
                    f"contains an unpaired surrogate ({value[exc.start]!r} at index "
                    f"{exc.start}); send valid Unicode text"
                ) from None
        return value


class BatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Items are validated one by one, so one malformed item fails alone, not the batch.
    items: list[dict[str, Any]] = Field(
        min_length=1,
        max_length=256,
        description="Each item is a SummaryRequest body (at most 256).",
    )


class Removed(BaseModel):
    start: int
    end: int
    reason: str


class Document(BaseModel):
    text: str
    removed: list[Removed] = Field(default_factory=list)


class Usage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            total_tokens=self.total_tokens + other.total_tokens,
        )


class Incomplete(BaseModel):
    """A character range of `document.text` whose claims are missing, and why."""

    start: int
    end: int
    reason: str


class DroppedClaim(BaseModel):
    claim: str
    reason: str


class Meta(BaseModel):
    backend: str
    model: str
    prompt: str | None = Field(description="Prompt id@version; null for backends without prompts.")
    prompt_hash: str
    usage: Usage = Field(default_factory=Usage)
    attempts: int = 1
    latency_ms: float = 0.0
    cached: bool = False
    dropped: int = 0
    dropped_claims: list[DroppedClaim] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    chunks: int = Field(default=1, description="Requests the article was split into.")
    incomplete: list[Incomplete] = Field(
        default_factory=list,
        description="Ranges of the text that were not processed (a chunk failed); empty "
        "when every part of the article was read.",
    )


class Summary(BaseModel):
    id: str
    document: Document
    headline: str | None
    summary: str
    claims: list[Claim]
    meta: Meta
