"""What an LLM is asked to reply with: the response models behind the tool or JSON schema.

A reply is not a `Draft`: it is shaped for the model and converted into the `Draft` that
grounding checks. `QuotedReply` (claims@1, claims@2) asks for verbatim quotes, which the
service then searches for; `SentenceReply` (claims@3, claims@4) asks for the ids of numbered
sentences (`reportedly.sentences`), which the service maps to exact offsets, so evidence
cannot be invented. A prompt file says which one it uses (`evidence: quotes | sentences`). A reply
model's JSON schema is part of every plan's hash, so a change here is a different run.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field, model_validator
from pydantic.json_schema import (
    DEFAULT_REF_TEMPLATE,
    GenerateJsonSchema,
    JsonSchemaMode,
    JsonSchemaValue,
)
from pydantic_core import core_schema

from reportedly.schema import ClaimFields, Confidence, Draft, DraftClaim, Quote, SourceType
from reportedly.schema import Source as RecordSource
from reportedly.schema import Timeframe as RecordTimeframe
from reportedly.sentences import SentenceIndex

EvidenceStyle = Literal["quotes", "sentences"]


# Caps on what a model may send back (one reply, i.e. one chunk of a long article). Far above
# what a real article yields, so only a runaway or hostile reply meets them; it is refused as a
# whole (502) rather than cached and served. Enforced here, not in the tool schema: the schema
# is paid for in tokens on every request.
MAX_REPLY_CLAIMS = 200
MAX_REPLY_FIELD_CHARS = 4000
MAX_REPLY_LIST_ITEMS = 50  # actors in `who`, evidence items per claim


class Reply(BaseModel):
    """A response model an LLM fills in; it knows how to become the draft grounding checks."""

    evidence_style: ClassVar[EvidenceStyle]

    @model_validator(mode="before")
    @classmethod
    def _within_caps(cls, data: Any) -> Any:
        # Before field validation, so 14,000 claims are refused without building them.
        claims = data.get("claims") if isinstance(data, dict) else None
        if isinstance(claims, list) and len(claims) > MAX_REPLY_CLAIMS:
            raise ValueError(
                f"claims: {len(claims)} claims, over the cap of {MAX_REPLY_CLAIMS} per reply"
            )
        if (where := _over_cap(data, "")) is not None:
            raise ValueError(where)
        return data

    def to_draft(self, sentences: SentenceIndex | None = None) -> Draft:
        """The draft grounding checks. `sentences` is the index the article was shown with."""
        raise NotImplementedError

    @classmethod
    def for_sentences(cls, first: int, last: int) -> type[Reply]:
        """The reply model for a request showing sentences `first..last` (inclusive)."""
        return cls


def _over_cap(node: Any, path: str) -> str | None:
    """Where in a reply a string or list is over its cap, or None."""
    if isinstance(node, str) and len(node) > MAX_REPLY_FIELD_CHARS:
        return (
            f"{path or '(root)'}: {len(node)} characters, over the cap of {MAX_REPLY_FIELD_CHARS}"
        )
    if isinstance(node, dict):
        items: Any = node.items()
    elif isinstance(node, list):
        if len(node) > MAX_REPLY_LIST_ITEMS and path != "claims":
            return f"{path}: {len(node)} items, over the cap of {MAX_REPLY_LIST_ITEMS}"
        items = enumerate(node)
    else:
        return None
    for key, value in items:
        if (where := _over_cap(value, f"{path}.{key}" if path else str(key))) is not None:
            return where
    return None


# --- claims@1, claims@2: verbatim quotes ----------------------------------------------------


class QuotedClaim(ClaimFields):
    evidence: list[str] = Field(
        min_length=1,
        description="One or more verbatim quotes copied exactly from the article that support the claim.",
    )


class QuotedReply(Reply):
    """Claims whose evidence the model copies from the article word for word."""

    evidence_style: ClassVar[EvidenceStyle] = "quotes"

    headline: str | None = Field(default=None, description="The article's headline, or null.")
    summary: str = Field(description="Two or three neutral sentences summarising the article.")
    claims: list[QuotedClaim]

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        schema: dict[str, Any] = super().model_json_schema(*args, **kwargs)
        # A source's aliases are the service's to fill in, not the model's to invent.
        schema.get("$defs", {}).get("Source", {}).get("properties", {}).pop("aliases", None)
        return schema

    def to_draft(self, sentences: SentenceIndex | None = None) -> Draft:
        return Draft(
            headline=self.headline,
            summary=self.summary,
            claims=[
                DraftClaim(
                    **claim.model_dump(exclude={"evidence"}),
                    evidence=[Quote(text=q) for q in claim.evidence],
                )
                for claim in self.claims
            ],
        )


# --- claims@3, claims@4: sentence ids --------------------------------------------------------


class _LeanSchema(GenerateJsonSchema):
    """Types, enums and one-line descriptions only: no per-field titles, no `$defs`, no
    `null` branch for a field the model may simply leave out. Every schema token is paid on
    every request (and every chunk); the rubric lives once, in the prompt."""

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False

    def generate(
        self, schema: core_schema.CoreSchema, mode: JsonSchemaMode = "validation"
    ) -> JsonSchemaValue:
        out = super().generate(schema, mode)
        defs = out.pop("$defs", {})
        lean: JsonSchemaValue = _lean(out, defs, root=True)
        return lean


def _lean(node: Any, defs: dict[str, Any], *, root: bool = False) -> Any:
    if isinstance(node, list):
        return [_lean(item, defs) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return _lean(copy.deepcopy(defs[node["$ref"].rsplit("/", 1)[-1]]), defs)
    out = {k: _lean(v, defs) for k, v in node.items() if k != "default" and (root or k != "title")}
    required = set(out.get("required", ()))
    for name, prop in out.get("properties", {}).items():
        options = prop.get("anyOf")
        if name not in required and options and {"type": "null"} in options:
            rest = [o for o in options if o != {"type": "null"}]
            if len(rest) == 1:
                merged = {**rest[0], **{k: v for k, v in prop.items() if k != "anyOf"}}
                out["properties"][name] = merged
    return out


# Field names say what most fields are; the rules for each are in the prompt, once.
class Source(BaseModel):
    name: str
    type: SourceType


class Timeframe(BaseModel):
    text: str | None = None
    start: dt.date | None = None
    end: dt.date | None = None


class CitedClaim(BaseModel):
    who: list[str]
    claim: str = Field(min_length=1)
    source: Source
    confidence: Confidence
    timeframe: Timeframe | None = None
    evidence: list[int] = Field(min_length=1, description="Ids of the sentences stating it.")
    quote: str | None = Field(default=None, description="Optional: exact words within one.")


class SentenceReply(Reply):
    """Claims whose evidence is the ids of the numbered sentences the article was shown as.

    Claims come first, so a streamed reply yields its first claim early. The schema of the
    class used for a request (`for_sentences`) bounds the ids to the sentences shown, and
    validation rejects any other id (a re-ask names it)."""

    evidence_style: ClassVar[EvidenceStyle] = "sentences"
    first_id: ClassVar[int | None] = None  # the ids this class accepts; None: unbounded
    last_id: ClassVar[int | None] = None

    claims: list[CitedClaim]
    headline: str | None = None
    summary: str

    @classmethod
    def model_json_schema(
        cls,
        by_alias: bool | None = None,
        ref_template: str = DEFAULT_REF_TEMPLATE,
        schema_generator: type[GenerateJsonSchema] = _LeanSchema,
        mode: JsonSchemaMode = "validation",
        **kwargs: Any,
    ) -> dict[str, Any]:
        if schema_generator is GenerateJsonSchema:
            schema_generator = _LeanSchema
        schema: dict[str, Any] = super().model_json_schema(
            by_alias, ref_template, schema_generator, mode, **kwargs
        )
        # The same name and description for every range, and for instructor's streaming
        # (Partial) subclass: the tool a model sees does not depend on how it is asked.
        schema["title"] = SentenceReply.__name__
        schema["description"] = "Claims, headline and summary."
        if cls.first_id is not None and cls.last_id is not None:
            cls.bound_ids(
                schema["properties"]["claims"]["items"]["properties"]["evidence"]["items"]
            )
        return schema

    @classmethod
    def bound_ids(cls, item: dict[str, Any]) -> None:
        """Constrain one evidence id in the schema to this class's range."""
        item["minimum"], item["maximum"] = cls.first_id, cls.last_id

    @classmethod
    def for_sentences(cls, first: int, last: int) -> type[Reply]:
        return _ranged(cls, first, last)

    @model_validator(mode="after")
    def _ids_in_range(self) -> SentenceReply:
        lo, hi = type(self).first_id, type(self).last_id
        if lo is None or hi is None:
            return self
        for n, claim in enumerate(self.claims):
            wrong = [i for i in claim.evidence if not lo <= i <= hi]
            if wrong:
                raise ValueError(
                    f"claims.{n}.evidence: {', '.join(map(str, wrong))} "
                    f"{'is not a sentence id' if len(wrong) == 1 else 'are not sentence ids'}; "
                    f"cite sentences {lo} to {hi}"
                )
        return self

    def to_draft(self, sentences: SentenceIndex | None = None) -> Draft:
        if sentences is None:
            raise ValueError("a SentenceReply needs the sentence index the article was shown with")
        claims = []
        for claim in self.claims:
            evidence = _cited(claim, sentences)
            if not evidence:
                continue  # ids outside the index: nothing to cite (validation prevents this)
            claims.append(
                DraftClaim(
                    who=claim.who,
                    claim=claim.claim,
                    source=RecordSource(name=claim.source.name, type=claim.source.type),
                    timeframe=RecordTimeframe.model_validate(
                        claim.timeframe.model_dump() if claim.timeframe else {}
                    ),
                    confidence=claim.confidence,
                    evidence=evidence,
                )
            )
        return Draft(headline=self.headline, summary=self.summary, claims=claims)


def _cited(claim: CitedClaim, sentences: SentenceIndex) -> list[Quote]:
    """Each cited sentence as a quote with exact offsets; the optional quote narrows the
    sentence it is found in (it must be found there, else the whole sentence stands)."""
    from reportedly.grounding.locator import Locator

    quotes: list[Quote] = []
    narrowed = False
    for sentence_id in dict.fromkeys(claim.evidence):  # in order, without repeats
        sentence = sentences.get(sentence_id)
        if sentence is None:
            continue
        start, end = sentence.start, sentence.end
        if claim.quote and not narrowed:
            found = Locator(sentences.text[start:end]).search(claim.quote).evidence
            if found is not None and found.end - found.start < end - start:
                start, end = start + found.start, start + found.end
                narrowed = True
        quotes.append(Quote(text=sentences.text[start:end], start=start, end=end))
    return quotes


@functools.lru_cache(maxsize=512)
def _ranged(base: type[SentenceReply], first: int, last: int) -> type[SentenceReply]:
    """A subclass of `base` accepting ids `first..last`, made once per range: instructor
    builds its wrapper and schema once per class (`reportedly.llm.client`)."""
    return type(
        base.__name__, (base,), {"first_id": first, "last_id": last, "__module__": base.__module__}
    )
